"""Three to seven classes: the plane in the class colours with borders, the flagship's captions and numbers."""

import importlib.util
import pathlib

import numpy as np
import pytest

manim = pytest.importorskip("manim")

import nnkern as nk  # noqa: E402
from nnkern.viz import DecisionBoundary, plane, style  # noqa: E402

SCENE = pathlib.Path(__file__).resolve().parents[1] / "scenes" / "training.py"


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
    for k in range(3):  # each class's region: its colour at the plane's shade, where the net is sure
        region = style.class_rgb(k) * 0.55 * 255
        share = np.mean(np.linalg.norm(frame - region, axis=-1) < 25)
        assert share > 0.05, f"class {k} ({style.PALETTE.class_names[k]}) covers {share:.1%} of the frame"


def test_the_flagship_tells_a_three_class_run_by_its_classes(three, monkeypatch):
    folder = three[0]
    spec = importlib.util.spec_from_file_location("training_scene_3", SCENE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
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
