"""Text typeset once per machine (``nnkern.viz.mobject_cache``): what a later render loads is what
it would have built, damaged or unwritable caches only cost the speed-up."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("manim")
import manim  # noqa: E402

from nnkern.viz import mobject_cache, style, text  # noqa: E402


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NNKERN_CACHE", str(tmp_path))
    return tmp_path / "mobjects"


def _drawn(mobject):
    """What the camera draws of a mobject: each family member's points, fill and stroke."""
    return [(m.points.round(9).tolist(), m.get_fill_rgbas().round(9).tolist(), m.get_stroke_rgbas().round(9).tolist(),
             float(m.get_stroke_width())) for m in mobject.get_family()]


def _no_typesetting(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("typeset again")

    monkeypatch.setattr(text, "Text", fail)


def test_a_text_typeset_once_is_loaded_the_same_by_later_calls(cache, monkeypatch):
    built = text.text("The boundary bends to follow the data", font_size=30)
    assert len(list(cache.glob("*.pickle"))) == 1
    _no_typesetting(monkeypatch)
    loaded = text.text("The boundary bends to follow the data", font_size=30)
    assert loaded is not built and _drawn(loaded) == _drawn(built)
    assert loaded.text == built.text and len(loaded) == len(built)
    loaded.shift(manim.UP).set_color(manim.RED)  # each call gets its own mobject
    assert _drawn(text.text("The boundary bends to follow the data", font_size=30)) == _drawn(built)


def test_another_process_loads_the_text_this_one_kept(cache):
    built = text.text("Slow motion early on", font_size=28, color="#FFFF00")
    code = ("import pickle, sys; from nnkern.viz import text; text.Text = None; "  # typesetting would fail
            "sys.stdout.buffer.write(pickle.dumps(text.text('Slow motion early on', font_size=28, color='#FFFF00')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                         env=dict(os.environ, NNKERN_CACHE=str(cache.parent)))
    assert _drawn(pickle.loads(out.stdout)) == _drawn(built)


def test_each_argument_names_its_own_text(cache):
    a = text.text("epoch", font_size=28)
    b = text.text("epoch", font_size=40)
    c = text.text("epoch", font_size=28, color=style.current().marker)
    d = text.text("Epoch", font_size=28)
    assert len(list(cache.glob("*.pickle"))) == 4
    assert b.height > 1.3 * a.height
    assert np.allclose(c.get_fill_rgbas()[0, :3], manim.ManimColor(style.current().marker).to_rgb())
    assert _drawn(d) != _drawn(a)


def test_a_damaged_file_is_typeset_and_written_again(cache):
    built = text.text("loss", font_size=24)
    (path,) = cache.glob("*.pickle")
    path.write_bytes(path.read_bytes()[:100])  # cut short
    assert _drawn(text.text("loss", font_size=24)) == _drawn(built)
    path.write_bytes(b"not a pickle")
    assert _drawn(text.text("loss", font_size=24)) == _drawn(built)
    assert path.stat().st_size > 1000  # whole again


def test_an_unwritable_cache_only_typesets_each_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NNKERN_CACHE", str(blocker))  # mobjects/ cannot be made under a file
    a = text.text("accuracy", font_size=24)
    assert _drawn(text.text("accuracy", font_size=24)) == _drawn(a)
    assert blocker.read_text() == "not a folder"


def test_arguments_without_a_plain_name_are_built_not_kept(cache):
    assert mobject_cache.key("Text", {"text": "x", "font_size": 24}) is not None
    assert mobject_cache.key("Text", {"text": "x", "t2c": {"x": "#FF0000"}}) is None
    built = text.text("x and y", t2c={"x": "#FF0000"})
    assert not cache.exists() and len(built) == len("xandy")  # one glyph a letter


def test_a_mobject_that_cannot_be_pickled_is_returned_not_kept(cache):
    def build():
        m = manim.VMobject()
        m.add_updater(lambda mob: mob)  # a local function: no pickle
        return m

    built = mobject_cache.built("Test", {"n": 1}, build)
    assert built.updaters and not cache.exists()
