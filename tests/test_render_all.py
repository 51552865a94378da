"""``nnkern render``: tiny scene files rendered in parallel; a failing one is reported with its log, the others go on."""

import os
import re

import numpy as np
import pytest

from nnkern.cli import main

pytest.importorskip("manim")

OK = '''
import os
from manim import Create, Scene, Square
from nnkern.viz import style


class Ok(Scene):
    def construct(self):
        print("kernel threads:", os.environ.get("NUMBA_NUM_THREADS"))
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


def test_render_goes_on_past_a_failure_and_reports_it(scenes, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
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
    # two processes share the cores: each runs its kernels on its half of them
    assert f"kernel threads: {max(1, os.cpu_count() // 2)}" in (media / "logs" / "ok.log").read_text()

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


WHO = '''
import os
import pathlib

from manim import Create, Scene, Square
from nnkern.viz import style


class Who(Scene):
    def construct(self):
        pathlib.Path(__file__).with_suffix(".parent").write_text(str(os.getppid()))  # the process that started Manim
        self.play(Create(Square(color=style.use_theme(self).text)), run_time=0.5)
        self.wait(0.5)
'''


def test_scenes_render_on_a_dask_clusters_workers(scenes, tmp_path, monkeypatch, capsys):
    """A real ``dask scheduler`` and two ``dask worker`` processes on loopback, running in another
    folder: each scene is rendered by a worker's Manim process, into the client's media folder (given
    relative to the client's folder), with the same gallery; a failing scene is reported."""
    distributed = pytest.importorskip("distributed")
    from dask_cluster import loopback_cluster

    (scenes / "who.py").write_text(WHO)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path)
    with loopback_cluster(tmp_path / "elsewhere") as address:
        status = main(["render", "--dir", "scenes", "--media", "media", "--scheduler", address, "--theme", "light"])
        with distributed.Client(address) as c:
            workers = set(c.run(os.getpid).values())
    out = capsys.readouterr().out
    assert status == 1 and f"rendering 3 scenes at -ql on the Dask workers of {address}, each scene whole, theme light" in out
    assert "1 of 3 scenes failed: bad" in out and "this scene is broken on purpose" in out
    assert int((scenes / "who.parent").read_text()) in workers and os.getpid() not in workers
    media = tmp_path / "media"
    for name in ("ok", "who"):
        assert (media / "videos" / name / "480p15" / f"{name.title()}.mp4").stat().st_size > 0
        assert (media / "posters" / f"{name}.png").exists()
    page = (media / "gallery.html").read_text()
    assert page.index("<h2>bad</h2>") < page.index("<h2>ok</h2>") < page.index("<h2>who</h2>")
    assert '<a href="videos/who/480p15/Who.mp4"><img src="posters/who.png"' in page
    assert "NNKERN_THEME=light manim render -ql scenes/who.py" in page


def test_no_scheduler_at_the_address_is_an_error(scenes, tmp_path, capsys):
    pytest.importorskip("distributed")
    from dask_cluster import free_port

    address = f"tcp://127.0.0.1:{free_port()}"
    assert main(["render", "ok", "--dir", str(scenes), "--media", str(tmp_path / "media"), "--scheduler", address]) == 1
    assert f"nnkern: error: no Dask scheduler answers at {address}" in capsys.readouterr().err
