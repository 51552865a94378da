"""``nnkern slides``: through manim-slides, a LectureScene's sections become a PowerPoint deck (a clip per
slide), a PDF (a page per slide) and an HTML deck that opens from disk with no network and moves on with a key press; without
NNKERN_SLIDES (or without manim-slides) a LectureScene is Manim's plain Scene."""

import json
import pathlib
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from importlib import metadata

import numpy as np
import pytest
from PIL import Image

from nnkern.cli import main

pytest.importorskip("manim")
pytest.importorskip("manim_slides")

SCENE = '''
from manim import Circle, FadeIn, Square, Triangle

from nnkern.viz import LectureScene


class Three(LectureScene):
    def construct(self):
        for name, shape in (("square", Square()), ("circle", Circle()), ("triangle", Triangle())):
            self.next_section(name)
            self.add_subcaption(f"a {name} appears", duration=0.5)
            self.play(FadeIn(shape.set_fill(opacity=1)), run_time=0.5)
'''


def content_share(image):
    """The share of an image's pixels that differ from its (black) background."""
    rgb = np.asarray(image.convert("RGB"), dtype=float)
    return np.mean(rgb.max(axis=-1) > 40)


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lecture")
    (folder / "three.py").write_text(SCENE)
    return folder


def test_a_pptx_deck_has_one_slide_with_a_clip_per_section(scene, capsys):
    pptx = pytest.importorskip("pptx")
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    deck = scene / "three.pptx"
    assert main(["slides", str(scene / "three.py"), "--to", "pptx", "-q", "l", "--media", str(scene / "media"),
                 "--out", str(deck)]) == 0
    assert f"pptx deck: {deck} (3 slides: square, circle, triangle)" in capsys.readouterr().out
    slides = list(pptx.Presentation(deck).slides)
    assert len(slides) == 3
    config = json.loads((scene / "media" / "slides" / "Three.json").read_text())
    clips = [pathlib.Path(s["file"]) for s in config["slides"]]
    for slide, clip, name in zip(slides, clips, ("square", "circle", "triangle")):
        (movie,) = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.MEDIA]
        videos = [rel.target_part for rel in slide.part.rels.values() if rel.reltype.endswith("/video")]
        assert len(videos) == 1 and videos[0].blob == clip.read_bytes()  # the section's own clip, embedded
        assert slide.notes_slide.notes_text_frame.text == f"{name}\n\na {name} appears"  # name, then captions


def test_a_pdf_deck_shows_each_slides_last_frame(scene, capsys):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler) is not installed")
    deck = scene / "three.pdf"
    assert main(["slides", str(scene / "three.py"), "--to", "pdf", "-q", "l", "--media", str(scene / "pdf-media"),
                 "--out", str(deck)]) == 0
    assert f"pdf deck: {deck} (3 slides" in capsys.readouterr().out
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(deck), str(scene / "page")], check=True)
    pages = sorted(scene.glob("page-*.png"))
    assert len(pages) == 3
    shares = [content_share(Image.open(page)) for page in pages]
    assert min(shares) > 0.03  # page 1 shows the square, not the black screen before it fades in; and so on


def test_an_html_deck_opens_from_disk_and_a_key_moves_to_the_next_slide(scene, capsys):
    playwright = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        pytest.skip("chromium is not installed")
    out = scene / "deck"
    assert main(["slides", str(scene / "three.py"), "--to", "html", "-q", "l", "--media", str(scene / "media"),
                 "--out", str(out), "--theme", "light"]) == 0
    assert "html deck:" in capsys.readouterr().out
    requested = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page()
        page.route("**/*", lambda route: (requested.append(route.request.url),
                                          route.continue_() if route.request.url.startswith("file:") else route.abort()))
        page.goto((out / "index.html").as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=20000)
        assert page.evaluate("Reveal.getTotalSlides()") == 3 and page.evaluate("Reveal.getIndices().h") == 0
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
        page.keyboard.press("ArrowRight")
        page.wait_for_function("Reveal.getIndices().h === 1", timeout=5000)
        src = page.evaluate("Reveal.getCurrentSlide().getAttribute('data-background-video')")
        notes = page.evaluate("Reveal.getCurrentSlide().querySelector('aside.notes').textContent")
        browser.close()
    assert (out / src).is_file() and notes.split() == ["circle", "a", "circle", "appears"]
    assert requested and all(url.startswith("file:") for url in requested)  # nothing from the network
    assert all(pathlib.Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path)).is_file() for url in requested)


def test_slides_of_a_missing_scene_exit_2(tmp_path, capsys):
    assert main(["slides", str(tmp_path / "none.py"), "--to", "pptx"]) == 2
    assert "none.py: no such scene file" in capsys.readouterr().err


def test_a_plain_scene_makes_no_slides_and_says_why(tmp_path, capsys):
    (tmp_path / "plain.py").write_text("from manim import Dot, FadeIn, Scene\nclass Plain(Scene):\n"
                                       "    def construct(self):\n        self.play(FadeIn(Dot()), run_time=0.2)\n")
    assert main(["slides", str(tmp_path / "plain.py"), "--to", "pptx", "-q", "l", "--media", str(tmp_path / "media")]) == 1
    assert "must subclass nnkern.viz.LectureScene" in capsys.readouterr().err


def test_a_scene_that_fails_exits_1_with_its_log(tmp_path, capsys):
    (tmp_path / "bad.py").write_text("from manim import Scene\nclass Bad(Scene):\n    def construct(self):\n"
                                     "        raise RuntimeError('broken on purpose')\n")
    assert main(["slides", str(tmp_path / "bad.py"), "--to", "html", "-q", "l", "--media", str(tmp_path / "media")]) == 1
    err = capsys.readouterr().err
    assert "bad.py: rendering failed (exit 1)" in err and "broken on purpose" in err


def test_slides_without_manim_slides_say_how_to_install_it(tmp_path, monkeypatch, capsys):
    def version(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", version)  # manim-slides not installed
    (tmp_path / "s.py").write_text("")
    assert main(["slides", str(tmp_path / "s.py"), "--to", "pptx"]) == 1
    assert "nnkern slides needs manim-slides: pip install 'nnkern[slides]'" in capsys.readouterr().err


def test_a_lecture_scene_is_a_plain_scene_unless_slides_are_asked_for(monkeypatch):
    from manim import Scene
    from manim_slides import Slide

    from nnkern.viz import scene_base

    monkeypatch.delenv("NNKERN_SLIDES", raising=False)
    assert scene_base.base() is Scene
    monkeypatch.setenv("NNKERN_SLIDES", "1")
    assert issubclass(scene_base.base(), Slide)
    monkeypatch.setitem(sys.modules, "manim_slides", None)  # manim-slides absent
    monkeypatch.delitem(sys.modules, "nnkern.viz.section_slide", raising=False)
    with pytest.raises(ImportError, match=r"nnkern\[slides\]"):
        scene_base.base()
    monkeypatch.setenv("NNKERN_SLIDES", "0")
    assert scene_base.base() is Scene
    monkeypatch.setenv("NNKERN_SLIDES", "yes")
    with pytest.raises(ValueError, match="NNKERN_SLIDES='yes'"):
        scene_base.base()
