"""Three to seven classes: the plane in the class colours with borders, k softmax neurons, the flagship's and
the neuron scene's captions and numbers."""


import numpy as np
import pytest

manim = pytest.importorskip("manim")

import nnkern as nk  # noqa: E402
from nnkern.viz import ClassNeurons, DecisionBoundary, NetworkDiagram, plane, style  # noqa: E402
from scene_files import dry_run_captions, load_scene  # noqa: E402

LOW = {"quality": "low_quality", "save_last_frame": True, "write_to_movie": False, "progress_bar": "none"}


def class_shares(frame, k, shade=0.55):
    """The share of a frame's pixels in each of the first k class colours at a plane's shade (dark theme)."""
    return [np.mean(np.linalg.norm(frame - style.class_rgb(c) * shade * 255, axis=-1) < 25) for c in range(k)]


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """A softmax net trained on the three-class spiral, recorded to a folder."""
    X, y = nk.datasets.load("spiral", n=300, classes=3, noise=0.03, seed=0)
    folder = tmp_path_factory.mktemp("runs") / "three"
    net = nk.MLP([2, 16, 16, 3], activation="tanh", output="softmax", seed=0)
    nk.train(net, X, y, epochs=120, batch_size=32, lr=0.02, seed=0, quiet=True, record="geometric", record_to=folder)
    return folder, net, X, y


def test_class_borders_run_between_the_winning_regions():
    xs, ys = np.meshgrid(np.linspace(-1, 1, 64), np.linspace(-1, 1, 64))
    probs = np.stack([xs < -0.5, (xs >= -0.5) & (xs < 0.5), xs >= 0.5], axis=-1).astype(float) * 0.8 + 0.1
    paths = plane.class_borders(probs, (-1, 1, -1, 1))
    xs_on = np.concatenate([p[:, 0] for p in paths])
    assert len(paths) == 4  # each of the two borders traced from both sides
    assert np.all(np.min(np.abs(xs_on[:, None] - [-0.5, 0.5]), axis=1) < 2 / 63)


def test_a_frame_of_a_three_class_run_holds_the_three_class_colours(three, tmp_path):
    _, net, X, y = three
    extent = plane.square_extent(X)

    class Plane(manim.Scene):
        def construct(self):
            self.add(DecisionBoundary(extent, X, y, side=7).set_params(net))

    with manim.tempconfig({"quality": "low_quality", "save_last_frame": True, "write_to_movie": False,
                           "media_dir": str(tmp_path), "progress_bar": "none"}):
        scene = Plane()
        scene.render()
        frame = scene.renderer.get_frame()[..., :3].astype(float)
    for k, share in enumerate(class_shares(frame, 3)):  # each class's region: its colour where the net is sure
        assert share > 0.05, f"class {k} ({style.PALETTE.class_names[k]}) covers {share:.1%} of the frame"


def test_the_flagship_tells_a_three_class_run_by_its_classes(three, monkeypatch):
    folder = three[0]
    module = load_scene("training", "training_scene_3")
    texts, numbers = [], []
    monkeypatch.setenv("NNKERN_RUN", str(folder))
    with manim.tempconfig({"dry_run": True, "quality": "low_quality", "frame_rate": 2, "progress_bar": "none"}):
        scene = module.TrainingScene()
        show = scene.show_caption
        scene.show_caption = lambda text, *a, **k: texts.append(text) or show(text, *a, **k)
        play = scene.play
        scene.play = lambda *a, **k: (numbers.extend(m.get_value() for m in scene.mobjects
                                                     if isinstance(m, manim.DecimalNumber) and m.num_decimal_places == 2),
                                      play(*a, **k))
        scene.render()
    assert not any("> 0.5" in t for t in texts) and any("the class it picks" in t for t in texts)
    rec = nk.Recording.load(folder)
    final = rec.model_at(len(rec) - 1)
    index = module.pick_example(rec.model_at(0), final, *rec.data)
    # the probability under the outputs is the followed (class 1) point's, from start to end
    expected = final.forward(rec.data[0][index:index + 1])[0, 1]
    assert numbers and abs(numbers[-1] - expected) < 0.006


@pytest.mark.parametrize("sizes, output, k", [
    ([2, 4, 1], "sigmoid", 2), ([2, 4, 2], "softmax", 2), ([2, 8, 3], "softmax", 3), ([2, 8, 7], "softmax", 7),
    ([2, 8, 8], "softmax", None), ([2, 4, 2], "sigmoid", None), ([3, 4, 1], "sigmoid", None), ([2, 4, 1], "identity", None),
])  # fmt: skip
def test_a_planar_classifier_run_is_told_by_its_inputs_output_and_classes(sizes, output, k):
    from nnkern.viz.runs import planar_classes, planar_classifier

    model = {"sizes": sizes, "output": output}
    assert planar_classes(model) == k
    why = planar_classifier(lambda hidden: len(hidden) == 1, "one hidden layer")(model)
    assert (why is None) == (k is not None)
    if why is not None:
        assert str(sizes) in why and repr(output) in why and "one hidden layer" in why
    assert planar_classifier(lambda hidden: False, "no such layers")(model) is not None


@pytest.fixture(scope="module")
def layer3(tmp_path_factory):
    """One softmax neuron per class (2-3) trained on three blobs, recorded to a folder."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 60)
    X = np.array([[-1.0, -0.6], [1.0, -0.6], [0.0, 1.0]])[y] + 0.3 * rng.standard_normal((180, 2))
    folder = tmp_path_factory.mktemp("runs") / "layer3"
    net = nk.MLP([2, 3], activation="identity", output="softmax", dtype="float64", seed=0)
    nk.train(net, X, y, epochs=40, batch_size=24, lr=0.5, seed=0, quiet=True, record="geometric", record_to=folder)
    return folder, net, X, y


def test_class_neurons_paint_the_winning_class_and_draw_each_neurons_weights(layer3, tmp_path):
    _, net, X, y = layer3
    extent = plane.square_extent(X)
    layer = ClassNeurons(extent, 3, side=7, resolution=64).set_net(net)
    probs = nk.grid_activations(net, extent, 64)[-1]
    want = np.round(style.faded(style.probability_rgb(probs), layer.shade) * 255)[::-1]
    assert np.array_equal(layer.image.pixel_array[..., :3], want)
    for c, (arrow, w) in enumerate(zip(layer.arrows, net.weights[0].T)):  # w_c from the centre, in class c's colour
        d = layer.to_plane(arrow.get_end()) - layer.to_plane(arrow.get_start())
        assert np.isclose(d @ w, np.linalg.norm(d) * np.linalg.norm(w))
        assert np.allclose(manim.ManimColor(arrow.get_color()).to_rgb(), style.class_rgb(c), atol=1 / 255)
    on_border = layer.to_plane(layer.borders.points)  # where the two best classes tie
    p = np.sort(net.forward(on_border), axis=1)
    assert np.all(p[:, -1] - p[:, -2] < 0.06)
    with pytest.raises(ValueError, match=r"\[2, 3\] softmax network, not \[2, 1\]"):
        layer.set_net(nk.MLP([2, 1], activation="identity"))

    class Plane(manim.Scene):
        def construct(self):
            layer.set_points(X, y)
            self.add(layer)

    with manim.tempconfig({**LOW, "media_dir": str(tmp_path)}):
        scene = Plane()
        scene.render()
        frame = scene.renderer.get_frame()[..., :3].astype(float)
    assert min(class_shares(frame, 3)) > 0.05  # all three class colours fill regions of the frame


def test_the_neuron_scene_shows_a_three_class_run_as_three_neurons(layer3, monkeypatch):
    folder = layer3[0]
    module = load_scene("neuron")
    shown = []
    set_net = ClassNeurons.set_net
    monkeypatch.setattr(ClassNeurons, "set_net", lambda self, net: shown.append(net) or set_net(self, net))
    diagrams = []
    from_net = NetworkDiagram.from_net.__func__
    monkeypatch.setattr(NetworkDiagram, "from_net", classmethod(lambda cls, net, **kw: diagrams.append(from_net(cls, net, **kw))
                                                                 or diagrams[-1]))
    monkeypatch.setenv("NNKERN_RUN", str(folder))
    texts = dry_run_captions(module.NeuronScene, frame_rate=2)
    (diagram,) = [d for d in diagrams if d.sizes == [2, 3]]
    for c, circle in enumerate(diagram.neurons[-1]):  # each output neuron in its class's colour
        assert np.allclose(manim.ManimColor(circle.get_fill_color()).to_rgb(), style.class_rgb(c), atol=1 / 255)
    rec = nk.Recording.load(folder)
    final = rec.model_at(len(rec) - 1)
    assert any(t and t.startswith("3 classes need 3 neurons") for t in texts)
    assert np.allclose(shown[-1].weights[0], final.weights[0]) and np.allclose(shown[-1].biases[0], final.biases[0])
    score = np.mean(final.predict(rec.data[0]) == rec.data[1])
    assert any(t and t.endswith(f"{100 * score:.0f}% of the points in their class's region") for t in texts)


@pytest.mark.parametrize("sizes, output, fits", [([2, 1], "sigmoid", True), ([2, 3], "softmax", True),
                                                 ([2, 7], "softmax", True), ([2, 8], "softmax", False),
                                                 ([2, 4, 3], "softmax", False), ([2, 3], "sigmoid", False)])
def test_the_neuron_scene_takes_one_neuron_or_one_per_class(sizes, output, fits):
    why = load_scene("neuron").unfit({"sizes": sizes, "output": output})
    assert (why is None) == fits and (fits or str(sizes) in why)
