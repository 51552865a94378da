# One-command set-up on a fresh Debian machine: each target installs what is missing, then does its job.
#   make demo   render the flagship video (scenes/training.py) on the built-in spiral run
#   make test   run the test suite (CPU kernels, the explorer page in headless chromium, then the CUDA kernels in Numba's simulator)
#   make bench  run the benchmark suite (installs torch==2.13.0, jax[cpu]==0.10.2 and matplotlib)

VENV    ?= .venv
PY      := $(VENV)/bin/python
QUALITY ?= m
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT     := libcairo2-dev libpango1.0-dev pkg-config ffmpeg poppler-utils
TEX     := texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm
BROWSER := chromium
# Numba's on-disk cache notices edits to a kernel's own file, not to the modules it calls or compiles
# with (a kernel loaded from it could run code as it was before a pull): one folder per version of
# the compiled code's sources
KERNEL_SOURCES := $(sort $(wildcard nnkern/kernels/*.py)) nnkern/checks.py
KERNEL_HASH := $(shell cat $(KERNEL_SOURCES) | sha1sum | cut -c1-12)
export NUMBA_CACHE_DIR ?= $(CURDIR)/.numba_cache/$(KERNEL_HASH)

.PHONY: demo test bench media system

# nnkern render: Manim's output goes to media/logs/training.log; a render after a timed one is split over 2 processes
demo: $(VENV)/.installed
	$(VENV)/bin/nnkern render training -q $(QUALITY) -j 2

test: $(VENV)/.installed
	$(PY) -m pytest -q tests
	NUMBA_ENABLE_CUDASIM=1 $(PY) -m pytest -q tests/cuda

# README media from a 1080p60 render: a 480 px GIF (8 fps) and four stills (times in seconds)
HQ     := media/videos/training/1080p60/TrainingScene.mp4
STILLS := network:16 forward-pass:26.5 training:44.2 end:69
media: $(VENV)/.installed
	$(VENV)/bin/nnkern render training -q h -j 2
	ffmpeg -v error -y -i $(HQ) -vf "fps=8,scale=480:-2:flags=lanczos,split[a][b];[a]palettegen=max_colors=128[p];[b][p]paletteuse=dither=bayer" media/training.gif
	for s in $(STILLS); do ffmpeg -v error -y -ss $${s#*:} -i $(HQ) -frames:v 1 -vf scale=1280:-2 media/still-$${s%%:*}.png; done

bench: $(VENV)/.installed-bench
	$(PY) -m benchmarks

system:
	@dpkg -s $(APT) $(TEX) $(BROWSER) >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT) && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(TEX) $(BROWSER); }

$(VENV)/.installed: pyproject.toml | system
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,cuda,viz,sweep]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test,cuda,viz,sweep,bench]'
	touch $@
