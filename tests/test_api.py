"""The public API's shapes, and a clear ValueError for every kind of bad input."""

import numpy as np
import pytest

import nnkern as nk
from nnkern.checks import as_float_matrix


def test_import_does_not_pull_in_manim():
    import subprocess
    import sys

    code = "import sys, nnkern; assert 'manim' not in sys.modules, 'manim imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_shapes_of_the_public_api():
    X, y = nk.datasets.load("spiral", n=100, noise=0.1, seed=0)
    assert X.shape == (100, 2) and y.shape == (100,) and set(np.unique(y)) == {0, 1}
    net = nk.MLP([2, 16, 16, 1], activation="tanh", output="sigmoid", seed=0, dtype="float32")
    assert [W.shape for W in net.weights] == [(2, 16), (16, 16), (16, 1)]
    assert [b.shape for b in net.biases] == [(16,), (16,), (1,)]
    assert net.n_params == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    p = net.predict_proba(X)
    assert p.shape == (100,) and np.all((p > 0) & (p < 1))
    assert set(np.unique(net.predict(X))) <= {0, 1}
    outs = net.layer_outputs(X)
    assert [(z.shape, a.shape) for z, a in outs] == [((100, 16),) * 2, ((100, 16),) * 2, ((100, 1),) * 2]
    np.testing.assert_allclose(outs[0][1], np.tanh(outs[0][0]), atol=1e-6)
    np.testing.assert_allclose(outs[-1][1][:, 0], p)


def test_weights_are_views_of_one_buffer():
    net = nk.MLP([3, 4, 2], output="softmax")
    net.weights[1][0, 0] = 7.5
    assert 7.5 in net.params
    flat = np.arange(net.n_params, dtype=np.float32)
    net.set_params(flat)
    assert net.weights[0][0, 1] == 1 and net.biases[-1][-1] == net.n_params - 1


def test_layer_outputs_match_a_plain_numpy_forward():
    X, _ = nk.datasets.load("moons", n=50)
    net = nk.MLP([2, 5, 3], activation="relu", output="softmax", dtype="float64", seed=4)
    a = X
    for (z, act), W, b in zip(net.layer_outputs(X), net.weights, net.biases):
        np.testing.assert_allclose(z, a @ W + b, rtol=1e-12)
        a = act
    np.testing.assert_allclose(a.sum(axis=1), 1.0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [7, 256, 257, 1000])
def test_forward_equals_layer_outputs_last_layer_in_one_chunk_or_many(n, dtype):
    X = np.random.default_rng(n).normal(size=(n, 3))
    for sizes, output in (([3, 16, 8, 1], "sigmoid"), ([3, 5, 4], "softmax")):
        net = nk.MLP(sizes, activation="tanh", output=output, dtype=dtype, seed=1)
        out = net.forward(X)
        assert out.shape == (n, sizes[-1]) and out.dtype == dtype
        np.testing.assert_array_equal(out, net.layer_outputs(X)[-1][1])


@pytest.mark.parametrize("name", ["circle", "xor", "gauss", "spiral", "moons"])
def test_toy_datasets_are_balanced_seeded_and_in_range(name):
    X, y = nk.datasets.load(name, n=400, noise=0.05, seed=3)
    X2, y2 = nk.datasets.load(name, n=400, noise=0.05, seed=3)
    np.testing.assert_array_equal(X, X2)
    assert abs(y.mean() - 0.5) < 0.1 and np.abs(X).max() < 1.6
    assert not np.array_equal(X, nk.datasets.load(name, n=400, noise=0.05, seed=4)[0])


def test_digits_are_scaled_and_split():
    X, y = nk.datasets.load("digits")
    assert X.shape == (1797, 64) and X.min() == 0 and X.max() == 1 and set(y) == set(range(10))
    Xtr, Xte, ytr, yte = nk.datasets.train_test_split(X, y, test_size=0.2, seed=0)
    assert len(Xte) == 359 and len(Xtr) + len(Xte) == 1797
    assert sorted(np.r_[ytr, yte]) == sorted(y)


X, Y = nk.datasets.load("xor", n=40, seed=0)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: nk.datasets.load("swirl"), "unknown dataset 'swirl'"),
        (lambda: nk.datasets.load("xor", n=-5), "n must be"),
        (lambda: nk.MLP([2, 4, 1], activation="swish"), "unknown activation 'swish'"),
        (lambda: nk.MLP([2, 4, 1], output="softplus"), "unknown output"),
        (lambda: nk.MLP([2, 4, 1], dtype="int8"), "unknown dtype"),
        (lambda: nk.MLP([2]), "at least two positive integers"),
        (lambda: nk.MLP([2, 0, 1]), "positive integers"),
        (lambda: nk.MLP([2, 4, 1], output="softmax"), "at least 2 output"),
        (lambda: nk.train(nk.MLP([2, 4, 1]), X, Y, optimizer="rmsprop"), "unknown optimizer 'rmsprop'"),
        (lambda: nk.train(nk.MLP([2, 4, 1]), X, Y, lr=-1), "lr must be"),
        (lambda: nk.train(nk.MLP([2, 4, 1]), X, Y, epochs=0), "epochs must be"),
        (lambda: nk.train(nk.MLP([2, 4, 1]), X, Y, backend="tpu"), "unknown backend"),
        (lambda: nk.train(nk.MLP([3, 4, 1]), X, Y), r"shape \(40, 2\); expected \(n_samples, 3\)"),
        (lambda: nk.train(nk.MLP([2, 4, 1]), X, Y[:-1]), "39 rows but X has 40"),
        (lambda: nk.train(nk.MLP([2, 4, 1]), np.where(X > 0.9, np.nan, X), Y), "NaN or inf"),
        (lambda: nk.train(nk.MLP([2, 4, 1]), X, np.where(Y > 0, np.inf, Y)), "NaN or inf"),
        (lambda: nk.train(nk.MLP([2, 4, 1]), X, Y * 2), r"outside \[0, 1\]"),
        (lambda: nk.train(nk.MLP([2, 4, 3], output="softmax"), X, Y + 3), r"outside 0..2"),
        (lambda: nk.train(nk.MLP([2, 4, 3], output="softmax"), X, Y + 0.5), r"outside 0..2"),
        (lambda: nk.train(nk.MLP([2, 4, 1]), X, Y, val=(X, Y[:3])), "3 rows but X has 40"),
        (lambda: nk.train(nk.MLP([2, 4, 1]), X, Y, val=X), "val must be a pair"),
        (lambda: nk.MLP([2, 4, 1]).predict(np.zeros((5, 3))), r"expected \(n_samples, 2\)"),
        (lambda: nk.MLP([2, 4, 1]).set_params(np.zeros(3)), "parameter vector has shape"),
        (lambda: nk.MLP([2, 4, 1], output="identity").predict_proba(X), "needs a classifier"),
        (lambda: nk.loss_and_grads(nk.MLP([2, 4, 1]), X, Y[:, None, None]), r"has shape .*expected \(n_samples,\) or \(n_samples, 1\)"),
        (lambda: nk.train(nk.MLP([2, 4, 3]), X, Y), "y has one value per sample, but the net has 3 sigmoid outputs: .*output='softmax'"),
        (lambda: nk.train(nk.MLP([2, 4, 3]), X, np.zeros((40, 2))), r"shape \(40, 2\); expected \(n_samples, 3\) for 3 sigmoid"),
    ],
)
def test_bad_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("sizes", [[3, 4, 1], [64, 128, 10]])  # one thread; a team (on two cores)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("batch", [128, 2000])  # 2000: a full batch, trained on X as it lies
def test_nan_in_X_found_while_training_leaves_the_net_as_it_was(sizes, bad, batch, tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, sizes[0])).astype(np.float32)
    X[1733, sizes[0] - 1] = bad  # met after some batches of the first epoch have updated the net
    y = rng.integers(0, sizes[-1] if sizes[-1] > 1 else 2, 2000)
    net = nk.MLP(sizes, output="softmax" if sizes[-1] > 1 else "sigmoid", seed=3)
    start = net.params.copy()
    message = rf"X contains NaN or inf \(first at row 1733, column {sizes[0] - 1}\)"
    with pytest.raises(ValueError, match=message):
        nk.train(net, X, y, epochs=3, batch_size=batch, quiet=True)
    np.testing.assert_array_equal(net.params, start)
    with pytest.raises(ValueError, match=message):  # recorded: X checked before the folder is begun
        nk.train(net, X, y, epochs=3, batch_size=batch, quiet=True, record_to=tmp_path / "run")
    assert not (tmp_path / "run").exists()
    X[1733, sizes[0] - 1] = 0.5
    assert np.isfinite(nk.train(net, X, y, epochs=1, batch_size=batch, quiet=True).history["loss"][-1])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_single_nan_or_inf_in_X_is_found_and_placed(dtype, bad):
    X = np.random.default_rng(0).normal(size=(50, 3)).astype(dtype)
    X[37, 2] = bad
    with pytest.raises(ValueError, match=r"X contains NaN or inf \(first at row 37, column 2\)"):
        nk.train(nk.MLP([3, 4, 1]), X, np.zeros(50))
    X[37, 2] = np.finfo(dtype).max  # huge but finite: accepted
    assert np.array_equal(as_float_matrix(X, "X", 3, dtype), X)
    big = np.full((1001, 33), np.finfo(dtype).max, dtype)  # vectorised sums, then a remainder
    for row, col in ((0, 0), (500, 17), (1000, 32)):
        big[row, col] = bad
        with pytest.raises(ValueError, match=rf"first at row {row}, column {col}\)"):
            as_float_matrix(big, "X", 33, dtype)
        big[row, col] = 1
