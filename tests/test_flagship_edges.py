"""The flagship's rough edges: highlights fade as learning settles, curves told apart, a close-up of the neuron maps."""

from types import SimpleNamespace

import numpy as np
import pytest

manim = pytest.importorskip("manim")

import nnkern as nk  # noqa: E402
from nnkern import palette  # noqa: E402
from nnkern.viz import LossCurve, NetworkDiagram, NeuronMap, RecordedRun, TrainingTracker, plane, style  # noqa: E402


def strongest_opacity(diagram):
    return max((vm.get_stroke_opacity() for glow in diagram.glow for vm in glow if len(vm.points)), default=0.0)


@pytest.fixture(scope="module")
def changes():
    """A recorded run, a diagram of it showing weight changes, and its tracker."""
    X, y = nk.datasets.load("circle", n=200, seed=0)
    net = nk.MLP([2, 6, 1], seed=0)
    rec = nk.train(net, X, y, epochs=40, batch_size=32, lr=0.05, seed=0, quiet=True, record="geometric").recording
    run = RecordedRun.from_recording(rec)
    diagram = NetworkDiagram.from_net(run.net)
    diagram.needs_changes = True
    return run, diagram, TrainingTracker(run, plane.square_extent(X), resolution=16)


def glow_state(diagram):
    return [(len(vm.points), vm.get_stroke_opacity(), vm.get_stroke_width()) for glow in diagram.glow for vm in glow]


def test_the_change_highlight_fades_with_the_change_per_step(changes):
    run, diagram, tracker = changes
    tracker.attach(diagram)
    try:
        strengths = []
        for t in range(tracker.t_max + 1):  # every snapshot
            tracker.time.set_value(t)
            diagram.update()
            f = tracker.frame
            assert f.change_rate == pytest.approx(tracker_rate(f)) and f.change_peak >= f.change_rate
            strengths.append(f.change_rate / f.change_peak if f.change_peak else 0.0)
        assert max(strengths) == pytest.approx(1.0) and strengths[-1] < 0.5  # bright at the largest change, faded late
    finally:
        tracker.detach()


def tracker_rate(frame):
    """The change per step, from the frame's changes."""
    return np.sqrt(sum(np.sum(D**2) for D in frame.weight_changes)) / max(frame.change_steps, 1)


def test_the_highlight_at_a_time_does_not_depend_on_how_the_replay_got_there(changes):
    """What a split render relies on: a part that jumps to a time draws what a full replay draws there."""
    run, diagram, _ = changes
    late = None
    for path in (np.linspace(0, 0.8, 40), [0.8]):  # frame by frame, then one jump (fractions of the run)
        tracker = TrainingTracker(run, (-1, 1, -1, 1), resolution=8).attach(diagram)
        for tau in path:
            tracker.time.set_value(tau * tracker.t_max)
            diagram.update()
        state = glow_state(diagram)
        tracker.detach()
        assert late is None or state == late
        late = state
    assert any(n for n, _, _ in late)  # something is highlighted


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
