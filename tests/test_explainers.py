"""The explainer mobjects (one neuron, sliders, live formulas, neuron grids, warped grids) and the
scenes built on them: the drawings hold the numbers they show, and the scenes run."""

from types import SimpleNamespace

import numpy as np
import pytest

manim = pytest.importorskip("manim")

import nnkern as nk  # noqa: E402
from nnkern.viz import (DecisionBoundary, LiveFormula, LossCurve, NetworkDiagram, NeuronPlane, OutputSum, Slider,  # noqa: E402
                        WarpGrid, style)
from nnkern.viz.neuron import first_layer_lines, line_in_box  # noqa: E402
from scene_files import load_scene  # noqa: E402

DRY = {"dry_run": True, "quality": "low_quality", "frame_rate": 2, "progress_bar": "none"}


def rgb(color):
    return np.asarray(manim.ManimColor(color).to_rgb())


def in_scene(scene, kind):
    """The mobjects of class ``kind`` anywhere in the scene."""
    return [m for top in scene.mobjects for m in top.get_family() if isinstance(m, kind)]


class EndOfOpening(Exception):
    pass


def opening(scene_class, until):
    """A dry run of ``scene_class`` up to its section ``until``: (captions [(start time, text)], plays
    [(start, end, the scene's mobjects at the end)])."""
    captions, plays = [], []

    class Opening(scene_class):
        def next_section(self, name="unnamed", **kwargs):
            if name == until:
                raise EndOfOpening
            super().next_section(name, **kwargs)

        def show_caption(self, text, *animations, **kwargs):
            captions.append((self.time, text))
            return super().show_caption(text, *animations, **kwargs)

        def play(self, *animations, **kwargs):
            start = self.time
            super().play(*animations, **kwargs)
            plays.append((start, self.time, list(self.mobjects)))

    with manim.tempconfig(DRY), pytest.raises(EndOfOpening):
        Opening().render()
    return captions, plays


def assert_moving_opening(captions, plays, title_at_most=1.5, still_at_most=1.0):
    """The title card is up at most ``title_at_most`` s before the first caption, and nothing stands still
    (a wait between plays) for longer than ``still_at_most`` s."""
    assert captions[0][0] <= title_at_most
    waits = [b[0] - a[1] for a, b in zip(plays, plays[1:])]
    assert max(waits) <= still_at_most + 1e-9


# --- one neuron ---------------------------------------------------------------------------------


def test_the_neuron_scene_opens_on_the_formula_written_beside_its_neuron(monkeypatch):
    diagrams = []
    init = NetworkDiagram.__init__
    monkeypatch.setattr(NetworkDiagram, "__init__", lambda self, *a, **k: diagrams.append(self) or init(self, *a, **k))
    module = load_scene("neuron")
    captions, plays = opening(module.NeuronScene, "plane")
    assert_moving_opening(captions, plays)
    # from the first caption on, the formula is never written on an empty screen: a neuron is drawn with it
    assert captions[0][1].startswith("A neuron weighs its inputs")
    for start, end, mobjects in plays:
        if start >= captions[0][0] - 1e-9:
            on_screen = {id(f) for m in mobjects for f in m.get_family()}
            assert any(id(c) in on_screen for d in diagrams for layer in d.neurons for c in layer), start


@pytest.mark.parametrize("w, b", [((1.0, 2.0), 0.3), ((0.0, 1.0), -0.5), ((3.0, 0.0), 1.0), ((1.0, -1.0), 0.0)])
def test_line_in_box_ends_on_the_line_and_the_box(w, b):
    extent = (-1.5, 1.0, -1.0, 2.0)
    ends = line_in_box(w, b, extent)
    assert ends.shape == (2, 2)
    assert np.allclose(ends @ np.asarray(w) + b, 0)
    on_side = np.isclose(ends[:, :1], extent[:2]).any(axis=1) | np.isclose(ends[:, 1:], extent[2:]).any(axis=1)
    assert on_side.all() and np.linalg.norm(ends[0] - ends[1]) > 0.1


def test_line_in_box_is_none_when_the_line_misses():
    assert line_in_box((1.0, 1.0), 5.0, (-1, 1, -1, 1)) is None
    assert line_in_box((0.0, 0.0), 0.0, (-1, 1, -1, 1)) is None


def test_neuron_plane_draws_the_line_where_z_is_zero_and_w_across_it():
    board = NeuronPlane((-1.2, 1.2, -1.2, 1.2), side=4).shift(2 * manim.RIGHT)
    w, b = np.array([1.5, -0.7]), 0.4
    board.set_weights(w, b)
    ends = board.to_plane(np.array([board.line.get_start(), board.line.get_end()]))
    assert np.allclose(ends @ w + b, 0, atol=1e-9)
    foot, tip = board.to_plane(np.array([board.arrow.get_start(), board.arrow.get_end()]))
    assert abs(foot @ w + b) < 1e-9  # w starts on the line...
    d = tip - foot
    assert np.isclose(d @ w, np.linalg.norm(d) * np.linalg.norm(w))  # ...and points along w
    assert np.isclose(np.linalg.norm(d), 0.25 * np.linalg.norm(w))  # arrow_scale plane units per unit |w|
    assert board.arrow_label.get_fill_opacity() == 1
    board.set_weights(w / 100, b / 100)  # the same line, a stub of an arrow: it and its "w" fade out
    assert board.arrow.get_stroke_opacity() == 0 and board.arrow_label.get_fill_opacity() == 0


def test_neuron_plane_heatmap_is_the_neurons_output():
    extent = (-1.0, 1.0, -1.0, 1.0)
    board = NeuronPlane(extent, resolution=64)
    board.set_weights((2.0, 1.0), -0.5)
    a = nk.grid_activations(board.net, extent, 64)[-1]
    want = np.round(style.probability_rgb(a) * board.shade * 255)[::-1]
    assert np.array_equal(board.image.pixel_array[..., :3], want)
    top_right, bottom_left = board.image.pixel_array[0, -1, :3].astype(int), board.image.pixel_array[-1, 0, :3].astype(int)
    assert top_right[2] > top_right[0] and bottom_left[0] > bottom_left[2]  # z > 0 blue, z < 0 red


def test_neuron_plane_follows_a_frames_network():
    net = nk.MLP([2, 1], activation="identity", seed=3)
    board = NeuronPlane((-1, 1, -1, 1)).sync(SimpleNamespace(net=net))
    assert np.allclose(board.w, net.weights[0][:, 0]) and np.isclose(board.b, net.biases[0][0])


def test_slider_knob_sits_at_the_value_clipped_and_coloured_by_sign():
    s = Slider("w_1", (-4, 4, 1), length=4)
    s.tracker.set_value(-2.5)
    s.update()
    assert np.isclose(s.knob.get_center()[0], s.line.n2p(-2.5)[0])
    assert np.allclose(rgb(s.knob.get_fill_color()), rgb(style.PALETTE.negative))
    s.set_value(9.0)
    assert np.isclose(s.knob.get_center()[0], s.line.n2p(4)[0])
    assert np.allclose(rgb(s.knob.get_fill_color()), rgb(style.PALETTE.positive))


def test_slider_and_formula_sync_through_read():
    net = nk.MLP([2, 1], activation="identity", seed=1)
    frame = SimpleNamespace(net=net)
    s = Slider("b", read=lambda f: f.net.weights[0][1, 0]).sync(frame)
    assert s.value == pytest.approx(net.weights[0][1, 0])
    with pytest.raises(ValueError, match="no read= function"):
        Slider("b").sync(frame)
    f = LiveFormula(["z", "=", "w_1", "x_1"], {"w_1": 0}, read=lambda f: {"w_1": f.net.weights[0][0, 0]}).sync(frame)
    assert f.value("w_1") == round(float(net.weights[0][0, 0]), 2)


def test_live_formula_numbers_show_values_by_sign_under_their_parts():
    palette = style.Palette(positive="#00FF00", negative="#FF00FF")
    f = LiveFormula(["z", "=", "w_1", "x_1", "+", "b"], {"w_1": 0.5, "b": -1.25}, palette=palette)
    assert f.value("w_1") == 0.5 and f.value("b") == -1.25
    assert np.allclose(rgb(f.numbers["w_1"].get_color()), rgb("#00FF00"))
    assert np.allclose(rgb(f.numbers["b"].get_color()), rgb("#FF00FF"))
    f.set_values({"w_1": -0.004})  # shown as -0.00: zero, neither sign
    assert np.allclose(rgb(f.numbers["w_1"].get_color()), rgb("#FFFFFF"))
    for name in ("w_1", "b"):
        assert np.isclose(f.numbers[name].get_x(), f.part(name).get_x())
        assert f.numbers[name].get_top()[1] < f.tex.get_bottom()[1]
    with pytest.raises(ValueError, match=r"values name \['c'\]"):
        LiveFormula(["z", "=", "b"], {"c": 1})


def knobs_want(net):
    return [*net.weights[0][:, 0], net.biases[0][0]]


def test_neuron_scene_ends_on_the_xor_runs_last_neuron():
    module = load_scene("neuron")
    with manim.tempconfig(DRY):
        scene = module.NeuronScene()
        scene.render()
        assert 45 <= scene.renderer.time <= 120
    board, = in_scene(scene, NeuronPlane)
    X, y = nk.datasets.load(**module.RUNS["xor"]["data"])
    assert len(board.dots) == 2 and board.dots[0].fill.get_fill_color() != board.dots[1].fill.get_fill_color()
    ends = board.to_plane(np.array([board.line.get_start(), board.line.get_end()]))
    assert np.allclose(ends @ board.w + board.b, 0, atol=1e-6)
    # the last snapshot of the XOR run (started from the blobs run's end) is what the board and knobs show
    blobs = module.train("blobs", module.one_neuron(module.START["w"], module.START["b"]))
    xor = module.train("xor", blobs.model_at(len(blobs) - 1))
    last = xor.model_at(len(xor) - 1)
    assert np.allclose(board.w, last.weights[0][:, 0]) and np.isclose(board.b, last.biases[0][0])
    knobs = sorted((s.line.get_y(), s.value) for s in in_scene(scene, Slider))[::-1]  # w1, w2, b from the top
    assert np.allclose([v for _, v in knobs], knobs_want(last))
    formula, = in_scene(scene, LiveFormula)
    assert [formula.value(k) for k in ("w_1", "w_2", "b")] == [round(float(v), 2) for v in knobs_want(last)]


# --- hidden units -------------------------------------------------------------------------------


def test_the_hidden_units_scene_opens_without_a_long_title_card():
    captions, plays = opening(load_scene("hidden_units").HiddenUnitsScene, "xor lines")
    assert_moving_opening(captions, plays)


@pytest.fixture(scope="module")
def deep_net():
    X, y = nk.datasets.load("circle", n=300, noise=0.05, seed=0)
    net = nk.MLP([2, 4, 3, 1], activation="tanh", seed=1)
    nk.train(net, X, y, epochs=20, batch_size=32, optimizer="adam", lr=0.03, seed=0, quiet=True)
    return net


def test_output_sum_assembles_the_networks_output_map(deep_net):
    extent = (-1.2, 1.2, -1.2, 1.2)
    total = OutputSum(np.c_[np.zeros((3, 2)), np.zeros(3)], [3, 0, 0], extent, resolution=48).set_net(deep_net)
    grid = nk.grid_activations(deep_net, extent, 48)
    assert np.allclose(total.output(), grid[-1][..., 0], atol=1e-5)
    total.set_sum(np.ones(4), squash=1)
    want = np.round(style.probability_rgb(grid[-1].astype(np.float64)) * 255)[::-1]
    assert np.abs(total.total.pixel_array[..., :3].astype(int) - want).max() <= 1
    total.set_sum(np.r_[1, 0, 0, 0])  # only the first term: v_1 h_1, on the diverging map
    z = deep_net.weights[-1][0, 0] * grid[-2][..., 0].astype(np.float64)
    assert np.abs(total.total.pixel_array[..., :3].astype(int) - np.round(style.signed_rgb(z, total.z_scale) * 255)[::-1]).max() <= 1


def test_output_sum_weighting_flips_tiles_of_negative_weights(deep_net):
    net = deep_net.copy()
    net.weights[-1][:, 0] = [2.0, -1.0, 0.5]
    total = OutputSum(np.zeros((3, 3)), [3, 0, 0], (-1, 1, -1, 1), resolution=32).set_net(net)
    h = total.hidden
    assert np.allclose(total.weighted(0.0), h)
    assert np.allclose(total.weighted(1.0), h * np.array([1.0, -0.5, 0.25]))  # v_j / max |v|
    total.set_weighting(1.0)
    j = 1
    i = np.unravel_index(np.argmax(np.abs(h[..., j])), h.shape[:2])
    pixel = total.terms[j].pixel_array[::-1][i][:3].astype(int)
    assert (pixel[2] > pixel[0]) == (h[..., j][i] < 0)  # flipped: blue where h_j is negative


def test_output_sum_refuses_a_network_it_cannot_assemble():
    with pytest.raises(ValueError, match="one sigmoid output"):
        OutputSum(np.zeros((2, 3)), [0, 0, 0], (-1, 1, -1, 1)).set_net(nk.MLP([2, 2, 3], output="softmax"))
    with pytest.raises(ValueError, match="has 4 neurons but 2 tiles"):
        OutputSum(np.zeros((2, 3)), [0, 0, 0], (-1, 1, -1, 1)).set_net(nk.MLP([2, 4, 1]))


def test_first_layer_lines_are_each_neurons_zero_line(deep_net):
    extent = (-1.2, 1.2, -1.2, 1.2)
    board = NeuronPlane(extent)
    lines = first_layer_lines(deep_net, extent, board.to_point)
    assert len(lines) == 4
    for line, w, b in zip(lines, deep_net.weights[0].T, deep_net.biases[0]):
        if line.has_points():
            ends = board.to_plane(np.array([line.get_start(), line.get_end()]))
            assert np.allclose(ends @ w + b, 0, atol=1e-5)


def test_hidden_units_scene_assembles_xors_output_and_ends_on_the_hard_output_of_its_deep_net():
    module = load_scene("hidden_units")
    with manim.tempconfig(DRY):
        scene = module.HiddenUnitsScene()
        scene.render()
        assert 45 <= scene.renderer.time <= 100
    xor = module.xor_recording()
    xor_net = xor.model_at(len(xor) - 1)
    assembly = scene.assembly  # the XOR net's output map, summed from its hidden maps
    assert xor_net.sizes == [2, 4, 1] and len(assembly.terms) == 4
    want = nk.grid_activations(xor_net, assembly.extent, assembly.resolution)[-1][..., 0]
    assert np.allclose(assembly.output(), want, atol=1e-5)
    board = scene.board
    rec = module.default_recording()
    final = rec.model_at(len(rec) - 1)
    assert final.sizes == [2, 8, 8, 1]
    assert np.allclose(board._probs, nk.grid_activations(final, board.extent, board.resolution)[-1], atol=1e-6)
    assert board.hardness == 1


def test_hidden_units_deep_part_paints_a_three_class_run_in_the_class_colours(tmp_path, monkeypatch):
    X, y = nk.datasets.load("spiral", n=150, classes=3, noise=0.03, seed=0)
    folder = tmp_path / "three"
    net = nk.MLP([2, 6, 3], activation="tanh", output="softmax", seed=0)
    nk.train(net, X, y, epochs=40, batch_size=16, lr=0.05, seed=0, quiet=True, record="geometric", record_to=folder)
    monkeypatch.setenv("NNKERN_RUN", str(folder))
    module = load_scene("hidden_units")
    texts = []

    class DeepOnly(module.HiddenUnitsScene):
        def construct(self):
            self.deep_part(module.load_run())

        def show_caption(self, text, *a, **k):
            texts.append(text)
            return super().show_caption(text, *a, **k)

    with manim.tempconfig(DRY):
        scene = DeepOnly()
        scene.render()
    board = scene.board
    assert board.hardness == 1 and not any("P(" in t for t in texts) and any("3 classes" in t for t in texts)
    shown = np.unique(board.image.pixel_array[..., :3].reshape(-1, 3), axis=0).astype(float)
    want = np.round(style.faded(style.class_rgb(np.arange(3)), board.shade) * 255)
    assert len(shown) == 3 and np.allclose(np.sort(shown, axis=0), np.sort(want, axis=0), atol=1)  # hard: 3 colours


# --- warp ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def narrow():
    X, y = nk.datasets.load("moons", n=120, noise=0.05, seed=0)
    net = nk.MLP([2, 2, 2, 1], activation="tanh", seed=1)
    nk.train(net, X, y, epochs=10, batch_size=32, optimizer="adam", lr=0.03, seed=0, quiet=True)
    return net, X, y


def test_warp_grid_points_are_hidden_transforms(narrow):
    net, X, y = narrow
    extent = (-1.3, 1.3, -1.1, 1.2)
    warp = WarpGrid(extent, X, y, lines=7, samples=4).set_net(net)
    assert warp.names == ["input", "W1 x + b1", "tanh", "W2 x + b2", "tanh"]
    moved = nk.hidden_transform(net, X, extent, resolution=7)
    for l, (grid, data) in enumerate(moved[:-1]):  # the hidden layers (the last entry is the output)
        assert np.allclose(warp.crossings(2 * l + 2), grid, atol=1e-6)
        assert np.allclose(warp.data_at(2 * l + 2), data, atol=1e-6)
    z1 = net.layer_outputs(X)[0][0]
    assert np.allclose(warp.data_at(1), z1, atol=1e-6)


def test_warp_linear_steps_are_affine_and_activations_bend(narrow):
    net, X, y = narrow
    warp = WarpGrid((-1.2, 1.2, -1.2, 1.2), X, y, lines=5, samples=6).set_net(net)
    n_lines, ticks = warp._paths.shape[:2]
    lines = warp.scene_points(0.3)[: n_lines * ticks].reshape(n_lines, ticks, 3)[..., :2]  # into layer 1's linear map
    directions = []
    for line in lines:
        d = line - line[0]
        u = d[-1] / np.linalg.norm(d[-1])
        assert np.abs(d[:, 0] * u[1] - d[:, 1] * u[0]).max() < 1e-6  # straight
        directions.append(u)
    for family in (np.array(directions[:n_lines // 2]), np.array(directions[n_lines // 2:])):
        assert np.allclose(np.abs(family @ family[0]), 1, atol=1e-6)  # parallel
    before, during = warp.scene_points(2)[:, :2], warp.scene_points(2.6)[:, :2]  # layer 2's linear map
    A = np.c_[before, np.ones(len(before))]
    fit = np.linalg.lstsq(A, during, rcond=None)[0]
    assert np.abs(A @ fit - during).max() < 1e-6  # an affine image of the (already bent) grid
    bent = warp.scene_points(1.5)[:, :2]  # half-way through tanh: no longer affine
    A = np.c_[warp.scene_points(1)[:, :2], np.ones(len(bent))]
    assert np.abs(A @ np.linalg.lstsq(A, bent, rcond=None)[0] - bent).max() > 1e-3


def test_warp_grid_shows_each_stage_in_its_view_and_the_output_there(narrow):
    net, X, y = narrow
    warp = WarpGrid((-1.2, 1.2, -1.2, 1.2), X, y, side=4).shift(manim.LEFT).set_net(net).show(4)
    r = warp.radius(4)
    pts = warp.scene_points(4)
    assert np.allclose(pts, warp.to_point(warp.stages[4][1], r))
    corners = warp.frame.get_corner([-1, -1, 0]), warp.frame.get_corner([1, 1, 0])
    assert np.all(pts[:, :2] >= corners[0][:2] - 1e-9) and np.all(pts[:, :2] <= corners[1][:2] + 1e-9)
    assert np.allclose(warp.output.w, net.weights[-1][:, 0]) and warp.output.extent == (-r, r, -r, r)
    with pytest.raises(ValueError, match="a classifier"):
        WarpGrid((-1, 1, -1, 1), X, y).set_net(nk.MLP([2, 3, 1], output="identity"))


def test_warp_grid_projects_wide_layers_as_hidden_transform_and_cuts_the_classes_there():
    X, y = nk.datasets.load("spiral", n=150, classes=3, noise=0.03, seed=0)
    net = nk.MLP([2, 5, 3], activation="tanh", output="softmax", seed=0)
    nk.train(net, X, y, epochs=30, batch_size=16, lr=0.05, seed=0, quiet=True)
    extent = (-1.2, 1.2, -1.2, 1.2)
    warp = WarpGrid(extent, X, y, lines=7, samples=3).set_net(net).show(2)
    assert warp.projected == [False, True, True]
    grid, data = nk.hidden_transform(net, X, extent, resolution=7)[0]
    assert np.allclose(warp.crossings(2), grid, atol=1e-6) and np.allclose(warp.data_at(2), data, atol=1e-6)
    z = net.layer_outputs(X)[0][0]
    mean, basis = nk.plane_projection(z)
    assert np.allclose(warp.data_at(1), (z - mean) @ basis, atol=1e-6)  # the linear step: its own projection
    # the output in the last view: the classes' regions of the softmax on the projection's plane
    a = net.layer_outputs(X)[0][1]
    mean, basis = nk.plane_projection(a)
    on_plane = mean + warp.data_at(2) @ basis.T
    W, b = warp._slice.weights[0], warp._slice.biases[0]
    assert np.array_equal(np.argmax(warp.data_at(2) @ W + b, 1), np.argmax(on_plane @ net.weights[-1] + net.biases[-1], 1))
    hard = np.unique(np.argmax(warp.output._probs, -1))
    assert isinstance(warp.output, DecisionBoundary) and len(hard) == 3 and warp.output.extent[1] == warp.radius(2)
    warp.output.set_hardness(1)  # the regions in the three class colours
    shown = np.unique(warp.output.image.pixel_array[..., :3].reshape(-1, 3), axis=0).astype(float)
    want = np.round(style.faded(style.class_rgb(np.arange(3)), warp.output.shade) * 255)
    assert np.allclose(np.sort(shown, axis=0), np.sort(want, axis=0), atol=1)
    # following training: the next snapshot's views keep these axes (no flip or swap between frames)
    before = [view[1] for _, _, view in warp.stages[1:]]
    later = net.copy()
    nk.train(later, X, y, epochs=3, batch_size=16, lr=0.05, seed=1, quiet=True)
    warp.set_net(later)
    for b0, (_, _, (mean, b1)) in zip(before, warp.stages[1:]):
        assert np.all(np.sum(b0 * b1, axis=0) > 0)
    a = later.layer_outputs(X)[0][1]
    fresh = nk.plane_projection(a)[1]
    assert np.allclose(np.abs(fresh.T @ warp.stages[2][2][1]), np.eye(2), atol=1e-6) or \
        np.allclose(np.abs(fresh.T @ warp.stages[2][2][1]), np.eye(2)[::-1], atol=1e-6)  # the same plane


def test_warp_scene_ends_on_the_last_plane_of_the_trained_net():
    module = load_scene("warp")
    with manim.tempconfig(DRY):
        scene = module.WarpScene()
        scene.render()
        assert 45 <= scene.renderer.time <= 120
    warp, = in_scene(scene, WarpGrid)
    rec = module.default_recording()
    final = rec.model_at(len(rec) - 1)
    assert warp.position == len(warp.stages) - 1
    assert np.allclose(warp.data_at(warp.position), nk.hidden_transform(final, rec.data[0])[-2][1], atol=1e-6)


# --- NNKERN_RUN ---------------------------------------------------------------------------------


@pytest.mark.parametrize("scene, sizes, fits", [
    ("neuron", [2, 1], True), ("neuron", [2, 3, 1], False),
    ("hidden_units", [2, 8, 8, 1], True), ("hidden_units", [2, 9, 1], False), ("hidden_units", [2, 1], False),
    ("warp", [2, 2, 2, 1], True), ("warp", [2, 9, 4, 1], True), ("warp", [2, 1], False),
])
def test_a_scene_takes_the_runs_it_can_draw_and_refuses_others_in_one_line(tmp_path, monkeypatch, scene, sizes, fits):
    module = load_scene(scene)
    X, y = nk.datasets.load("moons", n=64, seed=0)
    folder = tmp_path / "run"
    act = "identity" if len(sizes) == 2 else "tanh"
    nk.train(nk.MLP(sizes, activation=act), X, y, epochs=2, record=1, record_to=folder, quiet=True)
    monkeypatch.setenv("NNKERN_RUN", str(folder))
    load = module.blobs_run if scene == "neuron" else module.load_run
    if fits:
        loaded = load()
        rec = loaded if scene == "neuron" else loaded.recording
        assert rec.header["model"]["sizes"] == sizes and len(rec) > 1
    else:
        with pytest.raises(SystemExit) as stop:
            load()
        text = str(stop.value.code)
        assert text.startswith(f"NNKERN_RUN={folder}: this scene") and str(sizes) in text and "\n" not in text


def test_an_unreadable_run_stops_the_scene_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("NNKERN_RUN", str(tmp_path / "nowhere"))
    with pytest.raises(SystemExit) as stop:
        load_scene("warp").load_run()
    assert str(stop.value.code).startswith(f"NNKERN_RUN={tmp_path / 'nowhere'}: ") and "\n" not in str(stop.value.code)


def test_loss_curve_of_a_recording_holds_its_losses():
    X, y = nk.datasets.load("moons", n=64, seed=0)
    run = nk.train(nk.MLP([2, 3, 1]), X, y, epochs=3, record=1, val=(X[:16], y[:16]), quiet=True)
    rec = run.recording
    curve = LossCurve.from_recording(rec, "test")
    assert np.array_equal(curve.epochs, np.r_[0, rec.history["epoch"]])
    assert np.allclose(curve.series["train"], np.r_[rec.losses[0], rec.history["loss"]])
    assert np.allclose(curve.series["test"][1:], rec.history["val_loss"]) and len(curve.keys) == 2
    alone = LossCurve.from_recording(rec)
    assert list(alone.series) == ["train"] and curve.keys in curve.frame and alone.keys not in alone.frame
