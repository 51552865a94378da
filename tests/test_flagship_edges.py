"""The flagship's rough edges: highlights fade as learning settles, curves told apart, a close-up of the neuron maps."""

from types import SimpleNamespace

import numpy as np
import pytest

manim = pytest.importorskip("manim")

import nnkern as nk  # noqa: E402
from nnkern import palette  # noqa: E402
from nnkern.viz import LossCurve, NetworkDiagram, NeuronMap, plane, style  # noqa: E402


def frame(net, scale, steps):
    changes = [scale * np.ones_like(W) for W in net.weights]
    return SimpleNamespace(net=net, point_activations=None, weight_changes=changes, change_steps=steps, extent=(-1, 1, -1, 1))


def strongest_opacity(diagram):
    return max(vm.get_stroke_opacity() for glow in diagram.glow for vm in glow if len(vm.points))


def test_the_change_highlight_fades_with_the_change_per_step():
    net = nk.MLP([2, 3, 1], seed=0)
    d = NetworkDiagram.from_net(net)
    d.needs_changes = True
    d.sync(frame(net, 1.0, 1))
    early = strongest_opacity(d)
    d.sync(frame(net, 0.1, 1))  # a tenth of the change per step
    assert strongest_opacity(d) == pytest.approx(0.1 * early)
    d.sync(frame(net, 1.0, 10))  # the same change spread over ten steps
    assert strongest_opacity(d) == pytest.approx(0.1 * early)
    d.clear_changes()
    d.sync(frame(net, 0.1, 1))  # a new replay starts afresh
    assert strongest_opacity(d) == pytest.approx(early)


@pytest.mark.parametrize("name", ["dark", "light"])
def test_train_and_test_curves_are_told_apart_and_keyed_in_their_colours(name):
    pal = palette.theme(name)
    a, b = (np.asarray(manim.ManimColor(c).to_rgb()) for c in pal.curves[:2])
    assert np.linalg.norm(a - b) > 0.5  # far apart in colour, not two greys
    curve = LossCurve([0, 1, 2], {"train": [1, 0.5, 0.2], "test": [np.nan, 0.6, 0.4]}, palette=pal)
    for key, line in zip(curve.keys, curve.lines.values()):
        assert key.get_color() == line.get_stroke_color()


def test_the_close_up_shows_the_same_maps_in_a_grid():
    X, y = nk.datasets.load("circle", n=100, seed=0)
    net = nk.MLP([2, 5, 1], seed=0)
    extent = plane.square_extent(X)
    d = NetworkDiagram.from_net(net)
    small = NeuronMap.beside(d, 1, extent, side=0.2, resolution=32).set_params(net)
    big = NeuronMap.tiled(d, 1, extent, side=1.0, gap=0.2, resolution=32).set_params(net)
    centres = [(c, r) for c, r in zip(big._cols, big._rows)]
    assert len(set(big._cols)) == 3 and len(set(big._rows)) == 2  # 5 tiles: 3 columns, 2 rows
    assert big.width == pytest.approx(3 * 1.0 + 2 * 0.2, abs=0.05) and abs(big.get_center()[0]) < 0.05
    for k, (col, row) in enumerate(centres):  # tile k of the grid is neuron k's map, pixel for pixel
        s_row, s_col = small._rows[k], small._cols[k]
        np.testing.assert_array_equal(big.image.pixel_array[row:row + 32, col:col + 32],
                                      small.image.pixel_array[s_row:s_row + 32, s_col:s_col + 32])
    assert style.current() is palette.PALETTE
