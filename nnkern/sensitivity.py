"""How much the answer depends on each weight: many edited copies of a network evaluated at once
(``nnkern.kernels.perturb``).  ``net`` takes an ``MLP`` or a recording ``Snapshot``."""

import numpy as np

from .kernels import perturb
from .train import _accuracy, checked_targets
from .views import _net


def _run(kernel, net, X, y, k, *args):
    X, Y = checked_targets(net, X, y)
    loss, correct = np.empty(k), np.empty(k, dtype=np.int64)
    lay = net.layout
    kernel(*args, lay.w_off, lay.b_off, lay.sizes, net.hidden_code, net.output_code, X, Y, loss, correct)
    return loss, np.array([_accuracy(net, c, len(X)) for c in correct])


def _weight_index(net):
    """(W,) int64 places of every weight (no biases) in the flat parameters, layer by layer, row-major."""
    return np.concatenate([off + np.arange(W.size) for off, W in zip(net.layout.w_off, net.weights)]).astype(np.int64)


def evaluate_many(net, thetas, X, y):
    """(mean loss (K,), accuracy (K,)) on X, y of K copies of ``net`` with parameters thetas (K, P)."""
    net = _net(net)
    thetas = np.ascontiguousarray(thetas, dtype=net.dtype)
    if thetas.ndim != 2 or thetas.shape[1] != net.n_params:
        raise ValueError(f"thetas must be (copies, {net.n_params}); got shape {thetas.shape}")
    if not np.all(np.isfinite(thetas)):
        raise ValueError("thetas contain NaN or inf")
    return _run(perturb.evaluate_params, net, X, y, len(thetas), thetas)


def weight_sensitivity(net, X, y, scale=0.0):
    """Loss and accuracy on X, y with each weight alone multiplied by ``scale`` (0: removed).

    Returns (loss, accuracy): lists per layer of (fan_in, fan_out) arrays, as ``net.weights``; compare
    with ``nk.evaluate(net, X, y)`` for the change.  Biases are left as they are.
    """
    net = _net(net)
    if not np.isfinite(scale):
        raise ValueError(f"scale must be a finite number; got {scale!r}")
    index = _weight_index(net)
    value = (net.params[index] * scale).astype(net.dtype)
    loss, acc = _run(perturb.evaluate_perturbed, net, X, y, len(index), net.params, index, value)
    bounds = np.cumsum([0, *(W.size for W in net.weights)])
    split = [(a, b, W.shape) for a, b, W in zip(bounds[:-1], bounds[1:], net.weights)]
    return [loss[a:b].reshape(s) for a, b, s in split], [acc[a:b].reshape(s) for a, b, s in split]


def pruned_params(net, fractions):
    """(F, P) parameters of ``net`` with the smallest-|w| fraction of its weights (all layers pooled)
    set to zero, one row per fraction in ``fractions`` (F,) within [0, 1]; biases kept."""
    net = _net(net)
    fractions = np.asarray(fractions, dtype=float).ravel()
    if not np.all((fractions >= 0) & (fractions <= 1)):
        raise ValueError("fractions must lie in [0, 1]")
    index = _weight_index(net)
    order = index[np.argsort(np.abs(net.params[index]), kind="stable")]
    out = np.repeat(net.params[None], len(fractions), axis=0)
    for row, f in zip(out, fractions):
        row[order[: int(round(f * len(order)))]] = 0
    return out


def prune_curve(net, X, y, fractions):
    """(loss (F,), accuracy (F,)) on X, y after removing each fraction of the smallest weights (see ``pruned_params``)."""
    return evaluate_many(net, pruned_params(net, fractions), X, y)
