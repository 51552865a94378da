"""scenes/weights.py: it runs (dry run) and what it draws holds the recording's numbers: the
histograms are ``weight_histograms``, the raster's rows the activations at those snapshots, the
gradient charts the recorded gradients."""


import numpy as np
import pytest

manim = pytest.importorskip("manim")

import nnkern as nk  # noqa: E402
from scene_files import load_scene  # noqa: E402



@pytest.fixture(scope="module")
def module():
    return load_scene("weights")


@pytest.fixture(scope="module")
def scene(module):
    with manim.tempconfig({"dry_run": True, "quality": "low_quality", "frame_rate": 2, "progress_bar": "none"}):
        s = module.WeightsScene()
        s.render()
    return s


def test_weights_scene_runs_in_a_dry_run(scene):
    assert 45 <= scene.renderer.time <= 120
    assert len(scene.renderer.file_writer.subcaptions) >= 10
    assert scene.drawn["dead"], "the default run should lose some ReLUs"


def test_histograms_end_on_the_last_snapshots_weight_histograms(scene):
    counts, edges = nk.weight_histograms(scene.rec, bins=32)
    for l, hist in enumerate(scene.hists):
        np.testing.assert_array_equal(hist.edges, edges)
        heights = np.array([b.height for b in hist.bars]) / hist.bar_height * hist.top
        np.testing.assert_allclose(heights, np.maximum(counts[-1, l], 1e-3 / hist.bar_height * hist.top), rtol=1e-6)


def test_raster_rows_are_each_units_activation_at_each_snapshot(scene):
    rec = scene.rec
    probe = scene.drawn["raster"][0]
    columns = scene.raster_columns
    assert columns[0] == 0 and columns[-1] == len(rec) - 1 and np.all(np.diff(columns) >= 0)
    for k in (0, len(columns) // 3, len(columns) - 1):
        i = columns[k]  # column k shows snapshot i
        h = probe.astype(np.float64)
        for raster, W, b in zip(scene.rasters, rec[i].weights[:-1], rec[i].biases[:-1]):
            h = np.maximum(h @ W + b, 0)  # the default run's ReLU, by hand
            np.testing.assert_allclose(raster.values[:, k], h, rtol=1e-5, atol=1e-6)
    X, _ = rec.data
    for layer, unit, step in scene.drawn["dead"]:  # a unit pointed out is 0 on every training point from then on
        i = int(np.searchsorted(rec.steps, step))
        for j in (i, len(rec) - 1):
            a = rec.model_at(j).layer_outputs(X)[layer][1][:, unit]
            assert not a.any()
        assert scene.rasters[layer].values[unit, np.searchsorted(columns, i):].max() == 0


def test_gradient_charts_plot_the_recorded_gradients(scene):
    for chart, rms in zip(scene.charts, scene.drawn["gradients"].values()):
        assert rms.shape[1] == 5
        for l, line in enumerate(chart.lines):
            y = np.vstack([line.points[::4], line.points[-1:]])[:, 1] - chart.axes[0].get_start()[1]
            np.testing.assert_allclose(y, (np.log10(rms[:, l]) - chart.lo) / (chart.hi - chart.lo) * 3.8, atol=1e-6)
    for activation, rec in scene.depth.items():
        rms = scene.drawn["gradients"][activation]
        for i in (0, len(rec) - 1):
            want = [np.sqrt(np.mean(np.square(dW, dtype=np.float64))) for dW, _ in rec[i].grads]
            np.testing.assert_allclose(rms[i], want, rtol=1e-9)
    sig, tanh = (np.median(g, axis=0) for g in scene.drawn["gradients"].values())
    assert sig[-1] / sig[0] > 20 > tanh.max() / tanh.min()  # the vanishing gradient the captions claim
    captions = [c.content for c in scene.renderer.file_writer.subcaptions]
    for activation, rec in scene.depth.items():  # the accuracies the captions give: the final nets on their data
        net = rec.model_at(len(rec) - 1)
        acc = np.mean(net.predict(rec.data[0]) == rec.data[1])
        assert any(c.startswith(activation.capitalize()) and f"{100 * acc:.0f}% accuracy" in c for c in captions)


@pytest.mark.parametrize("sizes, epochs, fits", [([2, 5, 3, 1], 2, True), ([2, 40, 1], 2, False), ([2, 1], 2, False),
                                                 ([2, 5, 1], 1, False)])
def test_the_scene_takes_the_runs_it_can_draw_and_refuses_others_in_one_line(tmp_path, monkeypatch, module, sizes, epochs, fits):
    X, y = nk.datasets.load("moons", n=64, seed=0)
    folder = tmp_path / "run"
    nk.train(nk.MLP(sizes, activation="tanh"), X, y, epochs=epochs, batch_size=16, record=1, record_to=folder, quiet=True)
    monkeypatch.setenv("NNKERN_RUN", str(folder))
    if not fits:
        with pytest.raises(SystemExit) as stop:
            module.load_run()
        text = str(stop.value.code)
        assert text.startswith(f"NNKERN_RUN={folder}: this scene") and "\n" not in text
        return
    with manim.tempconfig({"dry_run": True, "quality": "low_quality", "frame_rate": 2, "progress_bar": "none"}):
        s = module.WeightsScene()
        s.render()
    assert s.rec.header["model"]["sizes"] == sizes and s.drawn["dead"] == []  # tanh units never die
    acts = nk.probe_activations(s.rec, s.drawn["raster"][0])
    for raster, a in zip(s.rasters, acts):
        np.testing.assert_array_equal(raster.values, a[s.raster_columns].T)
        assert raster.values.min() < 0  # tanh: signed rows on the diverging map
