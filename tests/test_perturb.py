"""The batched evaluation of edited copies of a network against its NumPy twin, and the sensitivity,
pruning and many-copies views built on it against plain re-evaluation."""

import numpy as np
import pytest

import nnkern as nk
from nnkern.kernels import perturb
from nnkern.kernels import reference as ref
from nnkern.train import checked_targets
from scene_files import dry_run_captions, load_scene

TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}
ARCHS = [([2, 16, 16, 1], "tanh", "sigmoid"), ([3, 5, 4], "relu", "softmax"), ([2, 6, 2], "sigmoid", "identity")]


def _data(sizes, output, n, rng):
    X = rng.normal(size=(n, sizes[0]))
    if output == "softmax":
        return X, rng.integers(0, sizes[-1], n)
    if output == "sigmoid":
        return X, rng.integers(0, 2, n)
    return X, rng.normal(size=(n, sizes[-1]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sizes, activation, output", ARCHS)
@pytest.mark.parametrize("n", [1, 300, 700])  # one sample, and more than one CHUNK_ROWS block
@pytest.mark.parametrize("variant", [0, 1])  # serial, parallel
def test_kernels_match_the_reference(dtype, sizes, activation, output, n, variant):
    rng = np.random.default_rng(len(sizes) + n)
    net = nk.MLP(sizes, activation=activation, output=output, seed=n, dtype=dtype.__name__)
    X, y = _data(sizes, output, n, rng)
    X, Y = checked_targets(net, X, y)
    lay, K = net.layout, 7
    thetas = (net.params + rng.normal(scale=0.5, size=(K, net.n_params))).astype(dtype)
    loss, correct = np.empty(K), np.empty(K, dtype=np.int64)
    perturb._params[variant](thetas, lay.w_off, lay.b_off, lay.sizes, net.hidden_code, net.output_code, X, Y, loss, correct)
    want_loss, want_correct = ref.evaluate_params(lay, thetas, X, Y, net.hidden_code, net.output_code)
    np.testing.assert_allclose(loss, want_loss, **TOL[dtype])
    np.testing.assert_array_equal(correct, want_correct)

    index = rng.integers(0, net.n_params, K).astype(np.int64)
    value = rng.normal(size=K).astype(dtype)
    perturb._perturbed[variant](net.params, index, value, lay.w_off, lay.b_off, lay.sizes, net.hidden_code,
                                net.output_code, X, Y, loss, correct)
    want_loss, want_correct = ref.evaluate_perturbed(lay, net.params, index, value, X, Y, net.hidden_code, net.output_code)
    np.testing.assert_allclose(loss, want_loss, **TOL[dtype])
    np.testing.assert_array_equal(correct, want_correct)


@pytest.fixture(scope="module")
def trained():
    X, y = nk.datasets.load("moons", n=200, noise=0.1, seed=0)
    net = nk.MLP([2, 8, 8, 1], activation="tanh", seed=0, dtype="float64")
    nk.train(net, X, y, epochs=40, batch_size=16, lr=0.03, seed=0, quiet=True)
    return net, X, y


def test_sensitivity_of_a_weight_is_the_network_re_evaluated_without_it(trained):
    net, X, y = trained
    loss, acc = nk.weight_sensitivity(net, X, y, scale=0.0)
    assert [a.shape for a in loss] == [W.shape for W in net.weights]
    for l, i, j in [(0, 1, 3), (1, 7, 0), (2, 4, 0)]:
        twin = net.copy()
        twin.weights[l][i, j] = 0
        Xc, Y = checked_targets(twin, X, y)
        want_loss, want_correct = ref.evaluate_params(twin.layout, twin.params[None], Xc, Y, twin.hidden_code,
                                                      twin.output_code)  # the NumPy reference, on the edited copy
        assert loss[l][i, j] == pytest.approx(want_loss[0], rel=1e-10)
        assert acc[l][i, j] == want_correct[0] / len(X)
    base, _ = nk.evaluate(net, X, y)
    assert max(L.max() for L in loss) > base  # removing some weight hurts


def test_pruning_removes_the_smallest_weights_first(trained):
    net, X, y = trained
    thetas = nk.pruned_params(net, [0.0, 0.5, 1.0])
    weights = [net.layout.views(t)[0] for t in thetas]
    np.testing.assert_array_equal(thetas[0], net.params)
    kept = np.concatenate([np.abs(W).ravel() for W in weights[1]])
    removed = np.concatenate([np.abs(W0).ravel()[W1.ravel() == 0] for W0, W1 in zip(net.weights, weights[1])])
    assert (kept == 0).sum() == round(0.5 * kept.size)
    assert removed.max() <= kept[kept > 0].min()
    assert all(not W.any() for W in weights[2])
    np.testing.assert_array_equal(net.layout.views(thetas[2])[1][0], net.biases[0])  # biases kept
    loss, acc = nk.prune_curve(net, X, y, [0.0, 1.0])
    assert (loss[0], acc[0]) == pytest.approx(nk.evaluate(net, X, y))


def test_bad_input_is_named(trained):
    net, X, y = trained
    with pytest.raises(ValueError, match="thetas must be"):
        nk.evaluate_many(net, np.zeros((3, 5)), X, y)
    with pytest.raises(ValueError, match="NaN"):
        nk.evaluate_many(net, np.full((1, net.n_params), np.nan), X, y)
    with pytest.raises(ValueError, match="fractions"):
        nk.pruned_params(net, [1.5])


def test_perturb_scene_runs_in_a_dry_run():
    manim = pytest.importorskip("manim")

    module = load_scene("perturb")
    with manim.tempconfig({"dry_run": True, "quality": "low_quality", "frame_rate": 2, "progress_bar": "none"}):
        scene = module.PerturbScene()
        scene.render()
        assert 45 <= scene.renderer.time <= 120
        assert len(scene.renderer.file_writer.subcaptions) >= 7


@pytest.mark.parametrize("sizes, fits", [([2, 4, 1], True), ([2, 30, 30, 1], False), ([2, 3, 2], True), ([2, 4, 9], False)])
def test_perturb_scene_takes_the_runs_it_can_score_and_refuses_others_in_one_line(tmp_path, monkeypatch, sizes, fits):
    pytest.importorskip("manim")

    module = load_scene("perturb")
    X, y = nk.datasets.load("moons", n=64, seed=0)
    output = "softmax" if sizes[-1] >= 2 else "sigmoid"
    net = nk.MLP(sizes, activation="tanh", output=output)
    nk.train(net, X, y, epochs=2, batch_size=16, record=1, record_to=tmp_path / "run", quiet=True)
    monkeypatch.setenv("NNKERN_RUN", str(tmp_path / "run"))
    if fits:
        loaded, X1, y1, source = module.load_net()
        np.testing.assert_array_equal(loaded.params, net.params)  # the last snapshot: the trained net
        np.testing.assert_allclose(X1, X, rtol=1e-6)  # the recording's data (stored in the net's float32)
        np.testing.assert_array_equal(y1, y)
        assert source == "run"
    else:
        with pytest.raises(SystemExit) as stop:
            module.load_net()
        text = str(stop.value.code)
        assert text.startswith(f"NNKERN_RUN={tmp_path / 'run'}: this scene") and str(sizes) in text and "\n" not in text


def test_perturb_scene_scores_a_three_class_run(tmp_path, monkeypatch):
    pytest.importorskip("manim")

    module = load_scene("perturb")
    X, y = nk.datasets.load("spiral", n=240, classes=3, noise=0.05, seed=0)
    net = nk.MLP([2, 8, 8, 3], activation="tanh", output="softmax", seed=0)
    nk.train(net, X, y, epochs=150, batch_size=16, lr=0.03, record="geometric", record_to=tmp_path / "run", quiet=True)
    monkeypatch.setenv("NNKERN_RUN", str(tmp_path / "run"))
    texts = dry_run_captions(module.PerturbScene)
    # the pruning verdict is the run's own: the most weights removed with accuracy within 2 points
    _, base = nk.evaluate(net, X, y)
    n_w = sum(w.size for w in net.weights)
    fractions = np.arange(n_w + 1) / n_w
    _, acc = nk.evaluate_many(net, nk.pruned_params(net, fractions), X, y)
    n_keep = int(np.flatnonzero(acc >= base - 0.02)[-1])
    assert f"{100 * fractions[n_keep]:.0f}% of the weights can go before accuracy drops by 2 points or more" in texts
    assert base > 0.7  # three classes, well above chance (1/3)
