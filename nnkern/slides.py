"""``nnkern slides``: a scene as a slide deck through manim-slides, one slide per section.

The scene renders once with ``NNKERN_SLIDES=1``, which makes its ``LectureScene`` a manim-slides
``Slide`` (``nnkern.viz.section_slide``): every ``self.next_section(name)`` starts a slide, and
manim-slides writes ``MEDIA/slides/<Scene>.json`` with a clip per slide. ``manim-slides convert``
then builds the deck: PowerPoint (each slide plays its clip, the section's name as notes, the clip's
first frame as the slide's still), a PDF (one page per slide: its clip's last frame) or HTML (reveal.js
from a local copy beside the page, so it opens from disk with no network). reveal.js
comes from the npm registry (``npm pack reveal.js@REVEAL_VERSION``) once, into the cache folder,
unless $NNKERN_REVEAL names a folder holding that package's ``dist/``.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from importlib import metadata

from . import cache

#: the reveal.js manim-slides 5.7's page is written for
REVEAL_VERSION = "6.0.1"
#: the files of reveal.js manim-slides' page loads (paths inside the npm package)
REVEAL_FILES = ("dist/reveal.js", "dist/reveal.css", "dist/theme/black.css", "dist/theme/white.css",
                "dist/plugin/highlight/zenburn.css", "dist/plugin/notes.js", "dist/plugin/markdown.js")


def _run(argv, log, what, env=None):
    """Run ``argv`` with its output into ``log``; a failure raises RuntimeError naming ``what`` failed, with
    the log's last lines."""
    with open(log, "w") as out:
        status = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL).returncode
    if status != 0:
        tail = "\n".join(pathlib.Path(log).read_text(errors="replace").splitlines()[-10:])
        raise RuntimeError(f"{what} failed (exit {status}); the end of {log}:\n{tail}")


def render_slides(scene, quality="l", media="media", theme=None):
    """Render ``scene`` (a file) as slides; returns (the folder of the decks' configs, [Scene names]) of
    the scenes it rendered. RuntimeError (with the log) when rendering fails or writes no slides."""
    try:
        metadata.version("manim-slides")
    except metadata.PackageNotFoundError:
        raise RuntimeError("nnkern slides needs manim-slides: pip install 'nnkern[slides]'") from None
    media = pathlib.Path(media).resolve()
    log = media / "logs" / f"{pathlib.Path(scene).stem}-slides.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, NNKERN_SLIDES="1", **({"NNKERN_THEME": theme} if theme else {}))
    started = time.time()
    argv = [sys.executable, "-m", "manim", "render", f"-q{quality}", "--media_dir", str(media), str(scene)]
    _run(argv, log, f"{scene}: rendering", env)
    folder = media / "slides"
    written = sorted((p for p in folder.glob("*.json") if p.stat().st_mtime >= started - 1), key=os.path.getmtime)
    if not written:
        raise RuntimeError(f"{scene}: the render wrote no slides; its scene must subclass nnkern.viz.LectureScene "
                           "(CaptionedScene does)")
    return folder, [p.stem for p in written]


def slide_names(folder, scenes):
    """The slides' names (their notes' first paragraph: the sections' names) of ``scenes``, in order."""
    return [s["notes"].split("\n\n")[0] for scene in scenes for s in json.loads((pathlib.Path(folder) / f"{scene}.json").read_text())["slides"]]


def reveal_folder():
    """A folder holding reveal.js's REVEAL_FILES: $NNKERN_REVEAL, else the cache's copy (fetched with npm once)."""
    given = os.environ.get("NNKERN_REVEAL")
    if given:
        folder = pathlib.Path(given)
        missing = [f for f in REVEAL_FILES if not (folder / f).is_file()]
        if missing:
            raise ValueError(f"NNKERN_REVEAL={given}: missing {', '.join(missing)}")
        return folder
    folder = cache.folder() / f"reveal.js-{REVEAL_VERSION}"
    if all((folder / f).is_file() for f in REVEAL_FILES):
        return folder
    with tempfile.TemporaryDirectory() as tmp:
        try:
            done = subprocess.run(["npm", "pack", f"reveal.js@{REVEAL_VERSION}", "--silent"], cwd=tmp,
                                  capture_output=True, text=True)
        except FileNotFoundError:
            done = None
        packs = list(pathlib.Path(tmp).glob("reveal.js-*.tgz"))
        if done is None or done.returncode != 0 or not packs:
            raise RuntimeError("HTML decks need reveal.js: install npm (it fetches reveal.js once) or set NNKERN_REVEAL "
                               f"to an unpacked reveal.js {REVEAL_VERSION} package")
        with tarfile.open(packs[0]) as pack:
            for name in REVEAL_FILES:
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(pack.extractfile(f"package/{name}").read())
    return folder


def convert(folder, scenes, to, out, light=False):
    """The deck of ``scenes`` (configs in ``folder``) through ``manim-slides convert``: ``to`` "pptx" writes
    the file ``out`` (each slide's still: its clip's first frame, so that the slide show runs on without a
    jump); "pdf" the file ``out``, a page per slide showing its clip's last frame; "html" the folder ``out``
    (index.html, its clips in index_assets/ and reveal.js in reveal/). ``light`` picks reveal.js's white
    theme. Returns the deck's path."""
    out = pathlib.Path(out).resolve()
    options = []
    if to == "html":
        out.mkdir(parents=True, exist_ok=True)
        source = reveal_folder()
        for name in REVEAL_FILES:
            target = out / "reveal" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, target)
        options = [f"-creveal_version={REVEAL_VERSION}", "-ccdn_url=reveal", f"-creveal_theme={'white' if light else 'black'}",
                   f"-ctitle={' + '.join(scenes)}"]
        out = out / "index.html"
    else:
        if to == "pdf":
            options = ["-cframe_index=last"]  # manim-slides' default, said out loud: the first frame may be empty
        out.parent.mkdir(parents=True, exist_ok=True)
    log = pathlib.Path(folder).parent / "logs" / f"{out.stem}-convert.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "manim_slides", "convert", *scenes, str(out), "--folder", str(folder), "--to", to,
          *options], log, "manim-slides convert")
    return out
