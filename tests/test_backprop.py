"""One step of backpropagation as scenes/backprop.py shows it: the rows a step trained on, the error
signals δ and the recorded gradients all agree with nk.loss_and_grads; the overlay mobjects draw
what they are given; the scene runs and its subtitles follow its captions."""


import numpy as np
import pytest

import nnkern as nk
from scene_files import dry_run_captions, load_scene



@pytest.fixture(scope="module")
def rec():
    X, y = nk.datasets.load("xor", n=60, noise=0.1, seed=0)
    net = nk.MLP([2, 3, 3, 1], activation="tanh", seed=1, dtype="float64")
    return nk.train(net, X, y, epochs=3, batch_size=8, lr=0.03, seed=5, quiet=True, record=1).recording


def test_a_recorded_gradient_is_loss_and_grads_on_the_rows_batch_rows_names(rec):
    X, y = rec.data
    per_epoch = rec.header["training"]["steps_per_epoch"]
    for step in (1, 2, per_epoch, per_epoch + 1, len(rec) - 1):  # the last batch of an epoch is short
        rows = rec.batch_rows(step)
        loss, grads = nk.loss_and_grads(rec.model_at(step - 1), X[rows], y[rows])
        assert loss == pytest.approx(rec[step].loss, rel=1e-12)
        for (dW, db), (rW, rb) in zip(grads, rec[step].grads):
            np.testing.assert_allclose(dW, rW, rtol=1e-10, atol=1e-14)
            np.testing.assert_allclose(db, rb, rtol=1e-10, atol=1e-14)
    epoch = np.concatenate([rec.batch_rows(s) for s in range(per_epoch + 1, 2 * per_epoch + 1)])
    np.testing.assert_array_equal(np.sort(epoch), np.arange(len(X)))  # every row once per epoch
    with pytest.raises(ValueError, match="step must be 1 or more"):
        rec.batch_rows(0)


def test_error_signals_give_the_gradient_as_outer_products(rec):
    X, y = rec.data
    net = rec.model_at(7)
    deltas = nk.error_signals(net, X[:5], y[:5])
    acts = [X[:5], *(a for _, a in net.layer_outputs(X[:5]))]
    _, grads = nk.loss_and_grads(net, X[:5], y[:5])
    for l, (dW, db) in enumerate(grads):
        np.testing.assert_allclose(acts[l].T @ deltas[l] / 5, dW, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(deltas[l].mean(axis=0), db, rtol=1e-10, atol=1e-14)


def load_scene_module():
    return load_scene("backprop")


def test_the_numbers_the_scene_shows_are_the_recording_and_loss_and_grads():
    pytest.importorskip("manim")
    scene = load_scene_module()
    rec = scene.default_recording()
    s = scene.Step.best(rec)
    x, y = s.x[None], [s.y]
    loss, grads = nk.loss_and_grads(s.before, x, y)
    assert s.loss_before == pytest.approx(loss, rel=1e-6)
    for l, (dW, _) in enumerate(grads):
        np.testing.assert_allclose(s.grads[l], dW, rtol=1e-5, atol=1e-7)  # edges: the recording = loss_and_grads
        np.testing.assert_allclose(np.outer(s.a[l], s.delta[l + 1]), dW, rtol=1e-4, atol=1e-6)  # = a · δ
    # the chain rule as written: δ_j = tanh'(z_j) · Σ_k w_jk δ_k
    np.testing.assert_allclose(s.delta[1], (1 - s.a[1] ** 2) * (s.before.weights[1] @ s.delta[2]), rtol=1e-5)
    assert s.delta[-1][0] == pytest.approx(s.a[-1][0] - s.y)
    # the update shown is Adam's: -lr m̂ / (sqrt(v̂) + eps) from the recorded moments, and it lowers the loss
    opt, t = rec.header["optimizer"], s.step
    step = -opt["lr"] * (s.m1 / (1 - opt["beta1"] ** t)) / (np.sqrt(s.m2 / (1 - opt["beta2"] ** t)) + opt["eps"])
    np.testing.assert_allclose(s.after.params - s.before.params, step, rtol=1e-3, atol=1e-6)
    assert s.loss_after < s.loss_before


def test_edge_overlay_styles_follow_sign_and_size():
    manim = pytest.importorskip("manim")
    from nnkern.viz import NetworkDiagram, style
    from nnkern.viz.overlay import EdgeOverlay, NeuronLabels

    diagram = NetworkDiagram([2, 3, 1])
    values = [np.array([[1.0, -0.5, 0.0], [0.25, -2.0, 0.1]]), np.array([[3.0], [-1.0], [0.0]])]
    overlay = EdgeOverlay(diagram, values)
    blue, red = (np.asarray(manim.ManimColor(c).to_rgb()) for c in (style.PALETTE.positive, style.PALETTE.negative))
    strongest = overlay.line(0, 1, 1)  # -2.0, the layer's largest
    assert np.allclose(strongest.get_stroke_color().to_rgb(), red, atol=0.02)
    assert np.allclose(overlay.line(1, 0, 0).get_stroke_color().to_rgb(), blue, atol=0.02)
    assert strongest.get_stroke_width() > overlay.line(0, 0, 0).get_stroke_width() > overlay.line(0, 1, 0).get_stroke_width()
    np.testing.assert_allclose(overlay.line(0, 1, 2).get_start(), diagram.neurons[0][1].get_center())
    with pytest.raises(ValueError, match="NaN"):
        overlay.set_values([np.full((2, 3), np.nan), values[1]])
    labels = NeuronLabels(diagram, [1], [np.array([0.5, -0.25, 0.0])])
    assert labels.number(0, 1).get_value() == -0.25
    assert np.allclose(labels.number(0, 1).get_color().to_rgb(), red, atol=0.02)
    assert labels.labels[0][0].get_y() > diagram.neurons[1][0].get_y()  # above its neuron


def test_scene_runs_and_writes_its_captions_as_subtitles():
    manim = pytest.importorskip("manim")
    with manim.tempconfig({"dry_run": True, "quality": "low_quality", "frame_rate": 2, "progress_bar": "none"}):
        scene = load_scene_module().BackpropScene()
        scene.render()
        assert 45 <= scene.renderer.time <= 120
        subtitles = scene.renderer.file_writer.subcaptions
    assert len(subtitles) >= 12
    assert any("chain rule" in s.content for s in subtitles)
    starts = [s.start.total_seconds() for s in subtitles]
    assert starts == sorted(starts) and all(s.end > s.start for s in subtitles)


@pytest.mark.parametrize("sizes, batch_size, fits", [([2, 3, 1], 1, True), ([2, 3, 1], 8, False), ([2, 9, 1], 1, False),
                                                     ([2, 3, 3], 1, True), ([2, 3], 1, False), ([2, 3, 7], 1, False)])
def test_backprop_scene_takes_the_runs_it_can_show_and_refuses_others_in_one_line(tmp_path, monkeypatch, sizes, batch_size, fits):
    pytest.importorskip("manim")
    scene = load_scene_module()
    X, y = nk.datasets.load("xor", n=32, seed=0)
    net = nk.MLP(sizes, output="sigmoid" if sizes[-1] == 1 else "softmax")
    nk.train(net, X, y, epochs=1, batch_size=batch_size, record=1, record_to=tmp_path / "run", quiet=True)
    monkeypatch.setenv("NNKERN_RUN", str(tmp_path / "run"))
    if fits:
        assert scene.load_recording().header["model"]["sizes"] == sizes
    else:
        with pytest.raises(SystemExit) as stop:
            scene.load_recording()
        text = str(stop.value.code)
        assert text.startswith(f"NNKERN_RUN={tmp_path / 'run'}: this scene") and "\n" not in text


def test_a_three_class_step_shows_the_points_own_class(tmp_path, monkeypatch):
    pytest.importorskip("manim")
    from nnkern.viz import style
    X, y = nk.datasets.load("spiral", n=90, classes=3, noise=0.05, seed=0)
    net = nk.MLP([2, 4, 3], activation="tanh", output="softmax", seed=0)
    nk.train(net, X, y, epochs=3, batch_size=1, lr=0.03, record=1, record_to=tmp_path / "run", quiet=True)
    monkeypatch.setenv("NNKERN_RUN", str(tmp_path / "run"))
    module = load_scene_module()
    s = module.Step.best(module.load_recording())
    assert s.out == s.y
    np.testing.assert_allclose(s.delta[-1], s.a[-1] - np.eye(3)[s.y], rtol=1e-5, atol=1e-6)  # δ_c = p_c - y_c
    loss, grads = nk.loss_and_grads(s.before, s.x[None], [s.y])
    assert s.loss_before == pytest.approx(loss, rel=1e-5) and loss == pytest.approx(-np.log(s.a[-1][s.y]), rel=1e-4)
    for l, (dW, _) in enumerate(grads):
        np.testing.assert_allclose(s.grads[l], dW, rtol=1e-5, atol=1e-7)
    texts = dry_run_captions(module.BackpropScene)
    own = f"p{'₀₁₂₃₄₅'[s.y]} = P({style.PALETTE.class_names[s.y]})"
    assert any(t and t.startswith(f"The output for its class, {own}") for t in texts)
