"""``nnkern render``: tiny scene files rendered in parallel; a failing one is reported with its log, the others go on."""

import re

import numpy as np
import pytest

from nnkern.cli import main

pytest.importorskip("manim")

OK = '''
from manim import Create, Scene, Square
from nnkern.viz import style


class Ok(Scene):
    def construct(self):
        pal = style.use_theme(self)
        self.play(Create(Square(color=pal.text)), run_time=0.5)
        self.wait(0.5)
'''

BAD = '''
from manim import Scene


class Bad(Scene):
    def construct(self):
        raise RuntimeError("this scene is broken on purpose")
'''


@pytest.fixture
def scenes(tmp_path):
    folder = tmp_path / "scenes"
    folder.mkdir()
    (folder / "ok.py").write_text(OK)
    (folder / "bad.py").write_text(BAD)
    (folder / "_helpers.py").write_text("raise SystemExit('not a scene')\n")
    return folder


def test_render_goes_on_past_a_failure_and_reports_it(scenes, tmp_path, capsys):
    media = tmp_path / "media"
    status = main(["render", "--dir", str(scenes), "--media", str(media), "-q", "l", "-j", "2", "--theme", "light"])
    out = capsys.readouterr().out
    assert status == 1
    assert "rendering 2 scenes at -ql in 2 processes, theme light" in out
    assert re.search(r"\[\d/2\] ok: [\d.]+ s, ok, .*ok/480p15/Ok\.mp4", out)
    assert re.search(r"\[\d/2\] bad: [\d.]+ s, FAILED \(exit 1\), log .*logs/bad\.log", out)
    assert "this scene is broken on purpose" in out.split("bad failed (exit 1)")[1]  # the log's end, after the lines
    assert out.rstrip().endswith("1 of 2 scenes failed: bad")
    assert (media / "videos" / "ok" / "480p15" / "Ok.mp4").stat().st_size > 0

    page = (media / "gallery.html").read_text()
    assert page.index("<h2>bad</h2>") < page.index("<h2>ok</h2>")  # the scenes' order
    assert '<a href="videos/ok/480p15/Ok.mp4"><img src="posters/ok.png"' in page
    assert f"NNKERN_THEME=light manim render -ql {scenes / 'ok.py'}" in page
    assert '<a href="logs/bad.log">log</a>' in page

    from PIL import Image

    still = np.asarray(Image.open(media / "posters" / "ok.png").convert("RGB")).astype(int)
    assert (still[:10, :10] > 245).all()  # the light theme's white background
    assert (still < 60).all(axis=-1).mean() > 0.001  # and its dark square


def test_named_scenes_only(scenes, tmp_path, capsys):
    assert main(["render", "bad", "--dir", str(scenes), "--media", str(tmp_path / "media"), "-j", "1"]) == 1
    out = capsys.readouterr().out
    assert "rendering 1 scene at -ql in 1 process" in out and "ok:" not in out


@pytest.mark.parametrize("argv, message", [
    (["render", "nothing"], "no scene 'nothing' (scenes in {dir}/: bad, ok)"),
    (["render", "--theme", "sepia"], "argument --theme: invalid choice: 'sepia'"),
    (["render", "-q", "x"], "argument -q/--quality: invalid choice: 'x'"),
])
def test_bad_render_arguments_exit_2(scenes, capsys, argv, message):
    assert main([*argv, "--dir", str(scenes)]) == 2
    assert message.format(dir=scenes) in capsys.readouterr().err


def test_an_empty_folder_is_named(tmp_path, capsys):
    assert main(["render", "--dir", str(tmp_path)]) == 2
    assert f"no scenes in {tmp_path}/" in capsys.readouterr().err
