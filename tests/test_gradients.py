"""Gradients of every hidden activation x output pair against central finite differences (float64)."""

import numpy as np
import pytest

import nnkern as nk
from nnkern.kernels.codes import HIDDEN_ACTIVATIONS, OUTPUTS

#: (output, n_out) for every output of the table: one and three units (softmax needs two or more)
OUTPUT_WIDTHS = [(output, n_out) for output in OUTPUTS for n_out in (1, 3) if (output, n_out) != ("softmax", 1)]


def _data(output, n_out, rng):
    X = rng.normal(size=(7, 3))
    if output == "sigmoid":
        return X, rng.integers(0, 2, 7 if n_out == 1 else (7, n_out))
    if output == "softmax":
        return X, rng.integers(0, n_out, 7)
    return X, rng.normal(size=(7, n_out))


def _loss(net, X, y):
    return nk.loss_and_grads(net, X, y)[0]


@pytest.mark.parametrize("activation", list(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize("output,n_out", OUTPUT_WIDTHS)
def test_gradient_matches_finite_differences(activation, output, n_out):
    rng = np.random.default_rng(0)
    net = nk.MLP([3, 5, 4, n_out], activation=activation, output=output, seed=1, dtype="float64")
    net.params[:] = rng.normal(0, 0.8, net.n_params)
    X, y = _data(output, n_out, rng)
    loss, grads = nk.loss_and_grads(net, X, y)
    analytic = np.concatenate([np.r_[dW.ravel(), db] for dW, db in grads])
    numeric = np.empty(net.n_params)
    eps = 1e-6
    for i in range(net.n_params):
        saved = net.params[i]
        net.params[i] = saved + eps
        up = _loss(net, X, y)
        net.params[i] = saved - eps
        down = _loss(net, X, y)
        net.params[i] = saved
        numeric[i] = (up - down) / (2 * eps)
    assert np.isfinite(loss)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_grads_have_weight_and_bias_shapes():
    net = nk.MLP([4, 6, 3], output="softmax", dtype="float64")
    X = np.random.default_rng(0).normal(size=(10, 4))
    _, grads = nk.loss_and_grads(net, X, np.arange(10) % 3)
    assert [(dW.shape, db.shape) for dW, db in grads] == [((4, 6), (6,)), ((6, 3), (3,))]


def test_loss_is_mean_over_samples():
    """Duplicating every sample leaves the mean loss and its gradient unchanged."""
    net = nk.MLP([2, 8, 1], dtype="float64", seed=3)
    X, y = nk.datasets.load("xor", n=50, seed=1)
    l1, g1 = nk.loss_and_grads(net, X, y)
    l2, g2 = nk.loss_and_grads(net, np.r_[X, X], np.r_[y, y])
    assert l1 == pytest.approx(l2, rel=1e-12)
    np.testing.assert_allclose(g1[0][0], g2[0][0], rtol=1e-10)
