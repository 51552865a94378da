"""Packaging: the wheel and sdist carry every file of the package (and whatever JS, CSS, HTML or
JSON it gains), the base install leaves Manim to the ``viz`` extra, and ``nnkern.viz`` without
Manim says which extra to install."""

import importlib.util
import pathlib
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PROBES = ["nnkern/explorer_probe/static/app.js", "nnkern/explorer_probe/static/style.css",
          "nnkern/explorer_probe/index.html", "nnkern/explorer_probe/data.json"]


def package_files(root):
    """Paths (relative to root) of every file of the nnkern package, caches left out."""
    return {p.relative_to(root).as_posix() for p in (root / "nnkern").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".nbi", ".nbc")}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(source files, wheel names, sdist names) of a build of a copy of this tree, with probe files
    of the kinds an explorer would add."""
    if importlib.util.find_spec("build") is None:
        pytest.skip("the 'build' package is not installed (pip install build)")
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "nnkern", src / "nnkern", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for probe in PROBES:
        (src / probe).parent.mkdir(parents=True, exist_ok=True)
        (src / probe).write_text("probe\n")
    dist = src / "dist"
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(src)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    wheel = zipfile.ZipFile(next(dist.glob("*.whl")))
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        sdist_names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    return package_files(src), wheel, sdist_names


def test_wheel_and_sdist_carry_every_package_file(built):
    files, wheel, sdist = built
    assert set(PROBES) <= files and "nnkern/record/recorder.py" in files
    assert not files - set(wheel.namelist()), "missing from the wheel"
    assert not files - sdist, "missing from the sdist"


def test_the_base_install_leaves_manim_to_the_viz_extra(built):
    _, wheel, _ = built
    meta = wheel.read(next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    requires = [line.split(": ", 1)[1] for line in meta.splitlines() if line.startswith("Requires-Dist: ")]
    base = sorted(r.split(">")[0].split("<")[0].split("=")[0] for r in requires if "extra ==" not in r)
    assert base == ["numba", "numpy", "scikit-learn", "threadpoolctl", "tqdm"]
    assert {r.split(";")[0].strip() for r in requires if 'extra == "viz"' in r} == {"manim>=0.18", "pillow<13"}
    entry = wheel.read(next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))).decode()
    assert "nnkern = nnkern.cli:main" in entry


def test_nnkern_viz_without_manim_names_the_extra():
    code = ("import sys; sys.modules['manim'] = None\n"  # as if Manim were not installed
            "import nnkern\n"
            "try:\n    import nnkern.viz\nexcept ImportError as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.count("\n") == 1 and "pip install 'nnkern[viz]'" in done.stdout
