"""The Manim layer: mobjects follow the numbers they show, and the flagship scene renders."""

import io
import pathlib
import re
import subprocess
import sys
import tokenize

import numpy as np
import pytest

manim = pytest.importorskip("manim")

import nnkern as nk  # noqa: E402
from nnkern.viz import DecisionBoundary, LossCurve, NetworkDiagram, NeuronMap, RecordedRun, TrainingTracker, plane, style  # noqa: E402
from scene_files import load_scene  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]


def rgb(color):
    return np.asarray(manim.ManimColor(color).to_rgb())


def bluer_than_red(c):
    return c[2] > c[0]


@pytest.fixture(scope="module")
def run():
    X, y = nk.datasets.load("circle", n=300, noise=0.05, seed=0)
    net = nk.MLP([2, 8, 1], activation="tanh", seed=0)
    run = nk.train(net, X, y, epochs=60, batch_size=32, lr=0.05, seed=0, quiet=True, record="geometric")
    return RecordedRun.from_recording(run.recording)


def test_import_nnkern_does_not_import_manim():
    code = "import sys, nnkern; sys.exit('manim' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_edge_colour_follows_weight_sign_and_width_grows_with_magnitude():
    d = NetworkDiagram([2, 3, 1])
    W0 = np.array([[0.1, -0.5, 1.0], [-1.0, 0.3, -0.05]])
    d.set_weights([W0, np.array([[0.4], [-0.8], [0.2]])])
    for a, b in np.ndindex(W0.shape):
        assert bluer_than_red(rgb(d.edge_bundle(0, a, b).get_stroke_color())) == (W0[a, b] > 0)
    order = np.argsort(np.abs(W0).ravel())
    widths = np.array([d.edge_bundle(0, *divmod(int(k), 3)).get_stroke_width() for k in order])
    assert np.all(np.diff(widths) >= 0) and widths[-1] > 3 * widths[0]
    drawn = sum(len(vm.points) // 4 for vm in d.edges[0])
    assert drawn == W0.size  # every edge drawn exactly once


def test_asking_for_an_edge_not_drawn_names_it():
    d = NetworkDiagram([2, 40, 1], max_shown=16)
    with pytest.raises(IndexError, match="no edge drawn from neuron 1 of layer 0 to neuron 20 of layer 1"):
        d.edge_bundle(0, 1, 20)


def test_edge_ends_are_read_once_and_follow_moves(monkeypatch):
    d = NetworkDiagram([2, 3, 1])
    reads = []
    monkeypatch.setattr(manim.Circle, "get_center", lambda c: reads.append(c) or manim.Mobject.get_center(c), raising=False)
    d.shift(manim.RIGHT)
    d.set_weights([np.ones((2, 3)), np.ones((3, 1))]).set_changes([np.ones((2, 3)), np.ones((3, 1))])
    assert len(reads) == 6  # every circle once for both
    a, b = d.edge_ends(1)
    np.testing.assert_allclose(b, [manim.Mobject.get_center(d.neurons[2][0])] * 3)
    np.testing.assert_allclose(d.glow[1][-1].points[0], a[0])  # the highlights drawn where the neurons are


def test_colour_maps_reject_nan_and_follow_palette_changes():
    with pytest.raises(ValueError, match="cannot map NaN to a colour"):
        style.unsigned_rgb(np.array([0.2, np.nan]))
    green = style.Palette(positive="#00FF00")
    np.testing.assert_allclose(style.signed_rgb(1.0, palette=green), [0, 1, 0])
    np.testing.assert_allclose(style.signed_rgb(1.0), rgb(style.PALETTE.positive), atol=1e-6)
    assert style.probability_color(0.8) == manim.ManimColor(style.PALETTE.positive)
    assert style.probability_color(0.2) == manim.ManimColor(style.PALETTE.negative)


# every colour of this palette has no red, so a red pixel or colour is one the palette did not give
NO_RED = style.Palette(
    positive="#00FF40", negative="#0040FF", zero="#003030", dark="#000010", bright="#00FFFF",
    classes=("#0040FF", "#00FF40", "#008080"), outline="#000020", background="#000008", text="#00C0C0",
    frame="#00A0FF", contour="#00FF80", highlight="#00FFA0", marker="#00F0F0", curves=("#00E0E0", "#008040"),
)  # fmt: skip


def palette_views(run, palette):
    extent = plane.square_extent(run.X)
    net = run.recording.model_at(len(run.recording) - 1)
    diagram = NetworkDiagram([2, 20, 8, 1], max_shown=6, palette=palette)  # elided: dots, brace, count
    rng = np.random.default_rng(0)
    diagram.set_weights([rng.normal(size=(a, b)) for a, b in zip(diagram.sizes, diagram.sizes[1:])])
    diagram.set_changes([rng.normal(size=(a, b)) for a, b in zip(diagram.sizes, diagram.sizes[1:])])
    diagram.set_activations([rng.uniform(-1, 1, n) for n in diagram.sizes[:-1]] + [np.array([0.7])])
    labels = manim.VGroup(diagram.input_labels(["x_1", "x_2"]), diagram.output_labels(["P"]),
                          diagram.layer_captions(["in", "", "", "out"]))
    board = DecisionBoundary(extent, run.X, run.y, palette=palette).set_params(net)
    neuron_map = NeuronMap.beside(NetworkDiagram.from_net(net, palette=palette), 1, extent).set_params(net)
    loss = np.asarray(run.history["loss"])
    curve = LossCurve(run.history["epoch"], {"train": loss, "test": 1.1 * loss}, palette=palette)
    return [diagram, labels, board, neuron_map, curve.set_epoch(run.history["epoch"][-1] / 2)]


def rendered(mobject, background):
    with manim.tempconfig({"quality": "low_quality"}):
        camera = manim.Camera(background_color=background)
        camera.capture_mobjects([mobject])
        return camera.pixel_array[..., :3].astype(int)


def test_views_built_with_a_palette_use_only_its_colours(run):
    for view in palette_views(run, NO_RED):
        for m in view.get_family():
            if isinstance(m, manim.VMobject) and m.has_points():
                colours = [*zip(m.get_fill_colors(), m.get_fill_opacities())]
                for back in (False, True):
                    if m.get_stroke_width(back) > 0:
                        colours += zip(m.get_stroke_colors(back), m.get_stroke_opacities(back))
                assert all(rgb(c)[0] == 0 for c, o in colours if o > 0), (type(view).__name__, type(m).__name__)
        pixels = rendered(view, NO_RED.background)
        assert pixels[..., 1:].max() > 100, type(view).__name__  # drawn
        assert pixels[..., 0].max() <= 2, type(view).__name__  # only the palette's colours
    default_red = [rendered(v, style.PALETTE.background)[..., 0].max() for v in palette_views(run, None)]
    assert min(default_red) > 100  # the same views in the default palette do draw red


def test_no_colour_literals_outside_the_palette():
    names = {n for n, v in vars(manim.utils.color.manim_colors).items() if isinstance(v, manim.ManimColor)}
    words = {n.lower() for n in names}
    hex_colour = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?(?:[0-9a-fA-F]{2})?\b")
    files = [f for f in (ROOT / "nnkern" / "viz").glob("*.py") if f.name != "style.py"] + sorted((ROOT / "scenes").glob("*.py"))
    found = []
    for f in files:
        for tok in tokenize.generate_tokens(io.StringIO(f.read_text()).readline):
            if tok.type == tokenize.NAME and tok.string in names:
                found.append((f.name, tok.start[0], tok.string))
            elif tok.type == tokenize.STRING and (hex_colour.search(tok.string) or tok.string.strip("\"'").lower() in words):
                found.append((f.name, tok.start[0], tok.string))
    assert len(files) > 6 and not found


def test_neuron_fill_follows_activation():
    d = NetworkDiagram([2, 3, 1], activation="tanh")
    d.set_activations([np.array([0.5, -0.5]), np.array([-0.9, 0.0, 0.9]), np.array([0.8])])
    red, grey, blue = (rgb(c.get_fill_color()) for c in d.neurons[1])
    assert red[0] > red[2] and blue[2] > blue[0]
    assert np.allclose(grey, style.signed_rgb(0.0), atol=0.01)
    assert bluer_than_red(rgb(d.neurons[2][0].get_fill_color()))  # P(class 1) = 0.8


def test_a_softmax_output_is_tinted_by_its_classes_colours():
    d = NetworkDiagram([2, 3, 3], activation="tanh", output="softmax")
    probs = np.array([0.7, 0.2, 0.1])
    d.set_activations([np.array([0.5, -0.5]), np.zeros(3), probs])
    zero = rgb(style.PALETTE.zero)
    for c, (circle, p) in enumerate(zip(d.neurons[2], probs)):  # class c's colour, p of the way from zero-grey
        assert np.allclose(rgb(circle.get_fill_color()), zero + p * (style.class_rgb(c) - zero), atol=1 / 255)
    d.set_output_classes()  # no input shown: each output neuron in its class's colour
    labels = d.output_labels(["P(red)", "P(blue)", "P(green)"], classes=True)
    for c, (circle, label) in enumerate(zip(d.neurons[2], labels)):
        assert np.allclose(rgb(circle.get_fill_color()), style.class_rgb(c), atol=1 / 255)
        assert np.allclose(rgb(label.get_color()), style.class_rgb(c), atol=1 / 255)
    assert all(np.allclose(rgb(t.get_color()), rgb(style.PALETTE.text)) for t in d.output_labels(["a", "b", "c"]))
    with pytest.raises(ValueError, match="2 or more outputs"):
        NetworkDiagram([2, 1]).set_output_classes()


def test_a_neuron_drawing_labels_its_parts_without_overlaps():
    from nnkern.viz import NeuronDrawing

    net = nk.MLP([2, 1], activation="sigmoid", output="sigmoid", seed=0)
    net.weights[0][:] = [[-1.5], [1.0]]
    drawing = NeuronDrawing(net)
    (x1, x2), (neuron,) = drawing.diagram.neurons
    w1, w2 = drawing.weights
    assert w1.get_bottom()[1] > (x1.get_center()[1] + neuron.get_center()[1]) / 2  # above the middle of its edge
    assert w2.get_top()[1] < (x2.get_center()[1] + neuron.get_center()[1]) / 2  # below the middle of its own
    assert np.allclose(drawing.sigma.get_center(), neuron.get_center())
    assert drawing.bias.get_top()[1] < neuron.get_bottom()[1]
    assert np.allclose(drawing.arrow.get_start()[1], neuron.get_center()[1]) and drawing.output.get_left()[0] > drawing.arrow.get_end()[0]

    def box(m):
        return m.get_corner(manim.DL)[:2], m.get_corner(manim.UR)[:2]

    parts = [*drawing.inputs, w1, w2, drawing.bias, drawing.output, x1, x2, neuron]
    for i, a in enumerate(parts):  # labels and circles apart: readable at 480p
        for b in parts[i + 1 :]:
            (alo, ahi), (blo, bhi) = box(a), box(b)
            assert np.any(ahi < blo) or np.any(bhi < alo), (a, b)


def test_wide_layers_are_elided_with_their_true_count():
    d = NetworkDiagram([2, 40, 1], max_shown=16)
    assert len(d.neurons[1]) == 16 and d.shown[1][-1] == 39
    assert sum(len(vm.points) // 4 for vm in d.edges[0]) == 2 * 16
    assert "40" in [t.text for t in d.ellipses.get_family() if isinstance(t, manim.Text)]


def test_change_highlight_is_relative_to_the_layer():
    d = NetworkDiagram([2, 2, 1], glow_levels=4)
    d.set_changes([np.array([[1e-3, 5e-4], [0.0, 1e-4]]), np.array([[10.0], [0.0]])])
    strongest = d.glow[0][-1]
    assert len(strongest.points) == 4  # one edge: the layer's largest change, however small
    assert len(d.glow[1][-1].points) == 4


def test_contour_of_a_circle():
    ys, xs = np.mgrid[-1:1:128j, -1:1:128j]
    (path,) = plane.contour_paths(np.hypot(xs, ys), 0.5, (-1, 1, -1, 1))
    assert np.allclose(np.hypot(*path.T), 0.5, atol=1e-3) and np.allclose(path[0], path[-1])


def test_contour_visits_every_crossed_edge_once():
    rng = np.random.default_rng(3)
    f = rng.normal(size=(23, 31))  # many saddles and small loops
    paths = plane.contour_paths(f, 0.0, (0, 30, 0, 22))  # one unit per cell: crossings at x = j + t or y = i + t
    points = np.concatenate([p[:-1] if len(p) > 2 and np.array_equal(p[0], p[-1]) else p for p in paths])
    row = points[np.isclose(points[:, 1], np.round(points[:, 1])) & (points[:, 0] < 30)]  # on horizontal edges
    i, j = np.round(row[:, 1]).astype(int), np.floor(row[:, 0]).astype(int)
    assert len(row) > 50 and np.allclose(f[i, j] + (row[:, 0] - j) * (f[i, j + 1] - f[i, j]), 0)  # on the level
    crossed = int(np.sum((f[:, :-1] > 0) != (f[:, 1:] > 0)) + np.sum((f[:-1] > 0) != (f[1:] > 0)))
    assert len(points) == crossed and len(np.unique(points.round(9), axis=0)) == crossed


def test_boundary_hardness_and_reveal_restyle_without_a_new_contour(run, monkeypatch):
    board = DecisionBoundary(plane.square_extent(run.X), run.X, run.y).set_params(run.net)
    soft, contour = board.image.pixel_array.copy(), board.contour.points.copy()
    monkeypatch.setattr(plane, "contour_paths", lambda *a: pytest.fail("contour recomputed"))
    board.set_hardness(1).set_reveal(0.5)
    assert np.abs(board.image.pixel_array.astype(int) - soft).max() > 10
    board.set_hardness(0).set_reveal(1)
    np.testing.assert_array_equal(board.image.pixel_array, soft)
    np.testing.assert_array_equal(board.contour.points, contour)


def test_boundary_image_changes_between_early_and_late_snapshots(run):
    extent = plane.square_extent(run.X)
    board = DecisionBoundary(extent, run.X, run.y)
    early = board.set_params(run.recording.model_at(0)).image.pixel_array.astype(float).copy()
    late = board.set_params(run.recording.model_at(len(run.recording) - 1)).image.pixel_array.astype(float)
    assert np.abs(late - early).mean() > 10
    blue = late[..., 2] > late[..., 0] + 20
    red = late[..., 0] > late[..., 2] + 20
    assert 0.1 < blue.mean() < 0.9 and 0.1 < red.mean() < 0.9
    assert len(board.contour.points) > 0


def test_tracker_drives_the_views_from_one_time(run):
    extent = plane.square_extent(run.X)
    diagram = NetworkDiagram.from_net(run.net)
    board = DecisionBoundary(extent, run.X, run.y)
    maps = [NeuronMap.beside(diagram, 1, extent)]
    curve = LossCurve(run.history["epoch"], {"train": run.history["loss"]})
    tracker = TrainingTracker(run, extent, point=run.X[0]).attach(diagram, board, *maps, curve)
    tracker.time.set_value(tracker.time_at(1.0))
    frame = tracker.frame
    np.testing.assert_allclose(frame.params, run.recording.params(len(run.recording) - 1))
    np.testing.assert_allclose(tracker.net.params, frame.params)
    assert tracker.epoch == frame.epoch == pytest.approx(60)
    assert tracker.accuracy(run.X, run.y) > 0.9
    # slow motion: the first half of screen time covers far fewer steps than the second
    assert tracker.step_at(tracker.time_at(0.5)) < 0.2 * tracker.steps[-1]
    np.testing.assert_array_equal(run.net.params, run.recording.params(0))  # the run's network untouched
    for view in (diagram, board, *maps):
        view.update()
    curve.trace.update()  # a LossCurve's updater sits on its trace
    final = run.recording.model_at(len(run.recording) - 1)
    expected = DecisionBoundary(extent, run.X, run.y).set_params(final)
    np.testing.assert_allclose(board.image.pixel_array, expected.image.pixel_array, atol=1)
    assert curve.dot.get_center()[0] == pytest.approx(curve.axes.c2p(1, 0)[0])  # drawn to the last epoch
    tracker.time.set_value(0)
    assert all(np.shares_memory(a, b) for a, b in zip(frame.grid, tracker.frame.grid))  # one buffer, reused


class Probe(manim.VMobject):
    """A view the tracker has never heard of: it records the frames it is given."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.frames = []

    def sync(self, frame):
        self.frames.append(frame)


def test_any_view_with_sync_is_driven_once_per_frame(run):
    tracker = TrainingTracker(run, plane.square_extent(run.X), point=run.X[0], change_window=1.0)
    probe = Probe()
    probe.needs_changes = True
    tracker.attach(probe)
    assert len(probe.frames) == 1  # synced on attach
    tracker.time.set_value(2.5)
    probe.update()
    probe.update()  # same time: not synced again
    frame = probe.frames[-1]
    assert len(probe.frames) == 2 and frame.t == 2.5
    np.testing.assert_allclose(frame.params, run.recording.params_at(2.5))
    assert frame.epoch == pytest.approx(tracker.step_at(2.5) / run.steps_per_epoch)
    assert frame.grid is None  # nobody asked for it
    net = run.recording.model_at(0)
    net.set_params(frame.params)
    np.testing.assert_allclose(frame.point_activations[-1], net.forward(run.X[:1])[0], rtol=1e-6)
    np.testing.assert_allclose(frame.point_activations[0], run.X[0])
    net.set_params(run.recording.params_at(1.5))
    deltas = [a - b for a, b in zip(frame.net.weights, net.weights)]
    for got, want in zip(frame.weight_changes, deltas):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    tracker.detach(probe)
    tracker.time.set_value(3.0)
    probe.update()
    assert len(probe.frames) == 2 and not probe.get_updaters()


def test_getters_do_not_restyle_views(run):
    extent = plane.square_extent(run.X)
    diagram = NetworkDiagram.from_net(run.net)
    board = DecisionBoundary(extent, run.X, run.y)
    probe = Probe()
    tracker = TrainingTracker(run, extent, point=run.X[0]).attach(diagram, board, probe)
    edges = [vm.points.copy() for layer in diagram.edges for vm in layer]
    image = board.image.pixel_array.copy()
    tracker.time.set_value(tracker.t_max)
    tracker.epoch, tracker.accuracy(run.X, run.y), tracker.point_output, tracker.frame  # noqa: B018
    assert len(probe.frames) == 1
    assert all(np.array_equal(a, vm.points) for a, vm in zip(edges, (vm for layer in diagram.edges for vm in layer)))
    np.testing.assert_array_equal(board.image.pixel_array, image)
    board.update()  # the updater is what restyles
    assert np.abs(board.image.pixel_array.astype(int) - image).max() > 10


def test_the_grid_is_computed_only_for_views_that_need_it(run, monkeypatch):
    extent = plane.square_extent(run.X)
    diagram = NetworkDiagram.from_net(run.net)
    curve = LossCurve(run.history["epoch"], {"train": run.history["loss"]})
    tracker = TrainingTracker(run, extent, point=run.X[0])
    with monkeypatch.context() as m:
        m.setattr(nk, "grid_activations", lambda *a, **k: pytest.fail("grid computed with no view needing it"))
        tracker.attach(diagram, curve, Probe())
        tracker.time.set_value(3.0)
        diagram.update()
        assert tracker.frame.grid is None and tracker.frame.weight_changes is None
    board = DecisionBoundary(extent, run.X, run.y)
    tracker.attach(board)
    assert len(tracker.frame.grid) == len(run.net.sizes) - 1


def test_follow_retypesets_only_when_the_shown_text_changes(run):
    tracker = TrainingTracker(run, plane.square_extent(run.X))
    number = manim.DecimalNumber(0, num_decimal_places=1)
    values, shown = [0.51, 0.54, 0.61], []
    number.set_value = lambda v: shown.append(v)
    number.get_value = lambda: pytest.fail("the value was read back from the drawing")
    tracker.follow(number, lambda tr: values.pop(0), color=style.probability_color)
    for _ in range(3):
        number.update()
    assert shown == [0.51, 0.61]


def load_scene_module():
    return load_scene("training")


def test_scene_example_is_read_from_the_class_1_column():
    class Net:  # three softmax outputs: P(class 1) is column 1, not the last
        sizes = [2, 3]

        def __init__(self, probs):
            self.forward = lambda X: np.array(probs)

    start = Net([[0.3, 0.4, 0.3], [0.3, 0.4, 0.3]])
    final = Net([[0.05, 0.9, 0.05], [0.0, 0.2, 0.8]])
    assert load_scene_module().pick_example(start, final, np.zeros((2, 2)), np.array([1, 1])) == 0


def test_scene_runs_in_a_dry_run():
    with manim.tempconfig({"dry_run": True, "quality": "low_quality", "frame_rate": 2, "progress_bar": "none"}):
        scene = load_scene_module().TrainingScene()
        scene.render()
        assert 60 <= scene.renderer.time <= 90


def test_rendered_last_frame_shows_both_classes(tmp_path):
    with manim.tempconfig(
        {"quality": "low_quality", "save_last_frame": True, "write_to_movie": False, "media_dir": str(tmp_path),
         "progress_bar": "none"}
    ):
        scene = load_scene_module().TrainingScene()
        scene.render()
        frame = scene.renderer.get_frame()[..., :3].astype(int)
    assert frame.std() > 20  # not blank
    blue = (frame[..., 2] > 150) & (frame[..., 0] < 150)
    red = (frame[..., 0] > 150) & (frame[..., 2] < 150)
    assert blue.mean() > 0.01 and red.mean() > 0.01
