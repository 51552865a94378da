"""scenes/digits.py: every part runs (dry run), and what it draws holds the numbers of the views
behind it; a Fashion-MNIST-shaped run made from IDX files renders through NNKERN_RUN."""


import numpy as np
import pytest

manim = pytest.importorskip("manim")

import nnkern as nk  # noqa: E402
from nnkern.cli import main  # noqa: E402
from nnkern.viz import style  # noqa: E402
from scene_files import load_scene  # noqa: E402
from idx_files import fashion_pair  # noqa: E402
from test_viz_cells import frame_rgb  # noqa: E402

PARTS = ["intro", "layer_outputs", "class_averages", "morph", "saliency", "trace", "learning"]


@pytest.fixture(scope="module")
def scene_module():
    return load_scene("digits")


@pytest.fixture(scope="module")
def default_run(scene_module):
    return scene_module.default_run()


def play(scene_module, run, parts):
    """Dry-run the named parts of the scene on ``run``; returns the scene."""

    class Parts(scene_module.DigitsScene):
        def construct(self):
            self.digits, self.drawn = run, {}
            for part in parts:
                getattr(self, part)()

    with manim.tempconfig({"dry_run": True, "quality": "low_quality", "frame_rate": 3}):  # few frames: fast
        scene = Parts()
        scene.render()
    return scene


def test_the_default_run_is_small_and_accurate(default_run, tmp_path):
    assert default_run.test and default_run.accuracy >= 0.95
    assert default_run.image_shape == (8, 8) and default_run.names == [str(k) for k in range(10)]
    default_run.recording.save(tmp_path / "run")
    size = sum(f.stat().st_size for f in (tmp_path / "run").iterdir())
    assert size < 50e6


@pytest.mark.parametrize("part", PARTS)
def test_each_part_runs(scene_module, default_run, part):
    scene = play(scene_module, default_run, [part])
    assert scene.renderer.num_plays > 0


def test_layer_output_cells_show_the_last_digits_activations(scene_module, default_run):
    drawn = play(scene_module, default_run, ["layer_outputs"]).drawn["layer outputs"]
    for column, (z, a) in zip(drawn["columns"], drawn["outputs"]):
        units = column.shown
        got = frame_rgb(column, [column.cell_center(u, "a") for u in units])
        signed = column.activation in style.SIGNED_ACTIVATIONS
        want = (style.signed_rgb if signed else style.unsigned_rgb)(a[units], column.a_scale)
        np.testing.assert_allclose(got, want, atol=2 / 255)
        got_z = frame_rgb(column, [column.cell_center(u, "z") for u in units])
        np.testing.assert_allclose(got_z, style.signed_rgb(z[units], column.z_scale), atol=2 / 255)


def test_the_stream_includes_a_miss(scene_module, default_run):
    run = default_run
    picks = scene_module.stream_samples(run.net, run.X, run.y)
    assert np.any(run.net.predict(run.X[picks]) != run.y[picks])


def test_the_flip_point_is_where_path_activations_change_class(scene_module, default_run):
    drawn = play(scene_module, default_run, ["morph"]).drawn["morph"]
    t, _, acts = nk.path_activations(default_run.net, *drawn["ends"], steps=scene_module.MORPH_STEPS)
    pred = acts[-1].argmax(axis=1)
    assert pred[0] == 5 and pred[-1] == 6
    first = int(np.flatnonzero(pred != pred[0])[0])
    assert drawn["flip"] == first and np.allclose(drawn["t"], t)
    hidden = np.concatenate(acts[:-1], axis=1).T  # the raster: every hidden neuron (rows) by step, filled in
    np.testing.assert_allclose(drawn["values"], hidden)
    raster = drawn["raster"]
    got = frame_rgb(raster, [raster.grid.cell_center(i, first) for i in range(0, hidden.shape[0], 7)])
    want = style.unsigned_rgb(hidden[::7, first], raster.grid.value_scale)
    np.testing.assert_allclose(got, want, atol=2 / 255)


def test_the_traced_weight_image_is_the_first_layers_weights_reshaped(scene_module, default_run):
    drawn = play(scene_module, default_run, ["trace"]).drawn["trace"]
    net, tr, grid = default_run.net, drawn["trace"], drawn["grid"]
    unit = tr.neurons[-1][1]
    W = net.weights[0]
    np.testing.assert_array_equal(tr.input_weights, W[:, unit])
    tiles = grid.tiles(W)
    np.testing.assert_allclose(tiles[unit], W[:, unit].reshape(8, 8) / np.abs(W[:, unit]).max())
    np.testing.assert_allclose(tiles[unit], tr.image)


def test_learning_shows_the_change_since_the_start_and_most_of_it_early(scene_module, default_run):
    drawn = play(scene_module, default_run, ["learning"]).drawn["learning"]
    rec = default_run.recording
    np.testing.assert_array_equal(drawn["first"], rec[0].weights[0])
    changes = drawn["changes"]
    assert len(changes) == rec.header["training"]["epochs"] and np.argmax(changes) < 3
    assert changes[0] > 2 * changes[-1]


def test_a_fashion_mnist_shaped_run_renders_through_nnkern_run(scene_module, tmp_path, monkeypatch):
    images, labels, _, _ = fashion_pair(tmp_path, n=200, side=28)
    out = tmp_path / "fashion"
    assert main(["train", "--idx", str(images), str(labels), "--class-names", "fashion-mnist", "--layers", "784,48,16,10",
                 "--epochs", "3", "--val", "0.25", "--record", "geometric", "--out", str(out), "--quiet"]) == 0
    monkeypatch.setenv("NNKERN_RUN", str(out))
    run = scene_module.load_run()
    assert run.image_shape == (28, 28) and run.names[9] == "Ankle boot" and run.test
    scene = play(scene_module, run, PARTS)
    columns = scene.drawn["layer outputs"]["columns"]
    assert columns[0].n_units == 48 and len(columns[0].shown) == 32 and columns[0].collapse[1].text == "48"
    assert scene.drawn["trace"]["grid"].tiles(run.net.weights[0]).shape == (32, 28, 28)


def test_a_run_that_is_not_an_image_classifier_is_refused(scene_module, tmp_path, monkeypatch):
    out = tmp_path / "xor"
    assert main(["train", "--dataset", "xor", "--n", "64", "--epochs", "1", "--out", str(out), "--quiet"]) == 0
    monkeypatch.setenv("NNKERN_RUN", str(out))
    with pytest.raises(SystemExit, match="draws softmax classifiers"):
        scene_module.load_run()
