"""Themes: NNKERN_THEME=light repaints every scene through one palette; meanings keep their contrast."""

import numpy as np
import pytest

from nnkern import palette

manim = pytest.importorskip("manim")

import nnkern as nk  # noqa: E402
from nnkern.viz import DecisionBoundary, NetworkDiagram, plane, style  # noqa: E402


def luminance(hex_color):
    c = np.asarray(manim.ManimColor(hex_color).to_rgb())
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ [0.2126, 0.7152, 0.0722]


def contrast(a, b):
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("name", ["dark", "light"])
def test_every_meaning_stands_out_from_the_background(name):
    p = palette.theme(name)
    for color in (p.positive, p.negative, p.bright, p.highlight, p.marker, *p.classes, *p.curves):
        assert contrast(color, p.background) >= 2.9, color
    assert contrast(p.text, p.background) >= 7 and contrast(p.contour, p.background) >= 7
    assert contrast(p.zero, p.background) < 1.5 or name == "dark"  # on white, "nothing" recedes like the page


def test_themes_are_chosen_by_name_or_environment(monkeypatch):
    monkeypatch.delenv("NNKERN_THEME", raising=False)
    assert palette.from_env() is palette.PALETTE
    monkeypatch.setenv("NNKERN_THEME", "light")
    assert palette.from_env() is palette.LIGHT
    monkeypatch.setenv("NNKERN_THEME", "sepia")
    with pytest.raises(ValueError, match="unknown theme 'sepia'; expected one of 'dark', 'light'"):
        palette.from_env()


@pytest.fixture(scope="module")
def net_and_data():
    X, y = nk.datasets.load("gauss", n=200, seed=0)
    net = nk.MLP([2, 4, 1], activation="tanh", seed=0)
    nk.train(net, X, y, epochs=20, lr=0.05, quiet=True)
    return net, X, y


@pytest.mark.parametrize("name", ["dark", "light"])
def test_one_frame_of_each_theme(name, net_and_data, monkeypatch, tmp_path):
    net, X, y = net_and_data
    monkeypatch.setattr(style, "PALETTE", style.PALETTE)  # restored after the test
    monkeypatch.setenv("NNKERN_THEME", name)

    class Themed(manim.Scene):
        def construct(self):
            pal = style.use_theme(self)
            self.add(manim.Text("How a neural network learns", font_size=40, color=pal.text).to_edge(manim.UP))
            self.add(NetworkDiagram.from_net(net, height=3).move_to([-3.5, -0.5, 0]))
            self.add(DecisionBoundary(plane.square_extent(X), X, y, side=4.5).set_params(net).move_to([3, -0.8, 0]))

    with manim.tempconfig({"quality": "low_quality", "save_last_frame": True, "write_to_movie": False,
                           "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = Themed()
        scene.render()
        frame = scene.renderer.get_frame()[..., :3].astype(float)
    pal = palette.theme(name)
    background, text = (np.asarray(manim.ManimColor(c).to_rgb()) * 255 for c in (pal.background, pal.text))
    assert np.abs(frame[:5, :5] - background).max() < 2 and np.abs(frame[-5:, -5:] - background).max() < 2
    title = frame[:60, 200:660]  # the title's band
    assert np.mean(np.linalg.norm(title - text, axis=-1) < 40) > 0.02
    plane_pixels = frame[180:440, 490:780]  # both classes' regions read against the background
    for side in (pal.positive, pal.negative):
        target = style.faded(style.signed_rgb(np.sign(0.5) * (1 if side == pal.positive else -1), palette=pal), 0.55, pal) * 255
        assert np.mean(np.linalg.norm(plane_pixels - target, axis=-1) < 30) > 0.05
        assert np.linalg.norm(target - background) > 60
