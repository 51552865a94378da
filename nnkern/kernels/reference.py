"""Plain NumPy twins of every compiled kernel: the definition the kernels are tested against,
and the baseline the benchmarks measure them against.

Same codes, same layout (``Layout``), same conventions: W (fan_in, fan_out), targets Y (m, n_out).
"""

import numpy as np

from .activations import tanh_rational
from .codes import ADAM, IDENTITY, LEAKY_RELU, LEAKY_SLOPE, MOMENTUM, RELU, SGD, SIGMOID, SOFTMAX, TANH


def activate(z, code):
    """f(z) for an (m, w) block; softmax along rows. float32 tanh/sigmoid use the same
    rational approximation as the kernels."""
    f32 = z.dtype == np.float32
    if code == TANH:
        return tanh_rational(z) if f32 else np.tanh(z)
    if code == SIGMOID:
        return (0.5 + 0.5 * tanh_rational(0.5 * z)).astype(z.dtype) if f32 else 0.5 + 0.5 * np.tanh(0.5 * z)
    if code == RELU:
        return np.maximum(z, 0)
    if code == LEAKY_RELU:
        return np.where(z > 0, z, LEAKY_SLOPE * z).astype(z.dtype)
    if code == SOFTMAX:
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if code == IDENTITY:
        return z.copy()
    raise ValueError(f"unknown activation code {code!r}")


def activation_backward(z, a, da, code):
    """dz = da * f'(z) for an element-wise activation."""
    if code == TANH:
        return da * (1 - a * a)
    if code == SIGMOID:
        return da * a * (1 - a)
    if code == RELU:
        return np.where(z > 0, da, 0).astype(da.dtype)
    if code == LEAKY_RELU:
        return np.where(z > 0, da, LEAKY_SLOPE * da).astype(da.dtype)
    if code == IDENTITY:
        return da.copy()
    raise ValueError(f"unknown hidden activation code {code!r}")


def dense_forward(a, W, b):
    """z = a @ W + b."""
    return a @ W + b


def dense_backward(a, W, dz):
    """(dW, db, da) of a dense layer: a.T @ dz, dz summed over rows, dz @ W.T."""
    return a.T @ dz, dz.sum(axis=0), dz @ W.T


def sample_losses(z, a, Y, code):
    """(m,) per-sample loss, stable in the logits: BCE / softmax CE / 0.5 * squared error."""
    z = z.astype(np.float64)
    if code == SIGMOID:
        return (np.maximum(z, 0) - z * Y + np.log1p(np.exp(-np.abs(z)))).sum(axis=1)
    if code == SOFTMAX:
        top = z.max(axis=1, keepdims=True)
        lse = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
        return lse - (Y * z).sum(axis=1)
    if code == IDENTITY:
        return 0.5 * ((a.astype(np.float64) - Y) ** 2).sum(axis=1)
    raise ValueError(f"unknown output code {code!r}")


def n_correct(a, Y, code):
    """Samples classified right (0.5 threshold, or argmax); 0 for regression."""
    if code == SIGMOID:
        return int(np.all((a >= 0.5) == (Y >= 0.5), axis=1).sum())
    if code == SOFTMAX:
        return int((a.argmax(axis=1) == Y.argmax(axis=1)).sum())
    return 0


def forward(layout, theta, X, hidden, out):
    """List of (z, a) per layer for X (n, n_in)."""
    weights, biases = layout.views(theta)
    outs, a = [], X
    for l, (W, b) in enumerate(zip(weights, biases)):
        z = dense_forward(a, W, b)
        a = activate(z, out if l == len(weights) - 1 else hidden)
        outs.append((z, a))
    return outs


def loss_grad(layout, theta, X, Y, hidden, out):
    """(mean loss, correct count, grad (P,)) over all rows of X, Y."""
    outs = forward(layout, theta, X, hidden, out)
    z, a = outs[-1]
    loss = sample_losses(z, a, Y, out)
    grad = np.empty_like(theta)
    dWs, dbs = layout.views(grad)
    weights, _ = layout.views(theta)
    dz = ((a - Y) / len(X)).astype(theta.dtype)
    for l in range(len(weights) - 1, -1, -1):
        a_prev = X if l == 0 else outs[l - 1][1]
        dWs[l][...], dbs[l][...], da = dense_backward(a_prev, weights[l], dz)
        if l > 0:
            dz = activation_backward(outs[l - 1][0], a_prev, da, hidden)
    return loss.mean(), n_correct(a, Y, out), grad


def _flushed(m):
    """m with its subnormal elements made zeros of their sign (see ``rules.flushed``)."""
    return np.where(np.abs(m) < np.finfo(m.dtype).tiny, np.copysign(np.zeros_like(m), m), m)


def update(theta, m1, m2, grad, opt, t):
    """One optimizer step in place by the ``epoch_args.Optimizer`` opt at step t (see
    ``optim.update`` for the rules)."""
    code, lr, beta1, beta2, eps, weight_decay, decay_mask = opt
    g = grad + weight_decay * decay_mask * theta
    if code == ADAM:
        m1[...] = _flushed(beta1 * m1 + (1 - beta1) * g)
        m2[...] = _flushed(beta2 * m2 + (1 - beta2) * g * g)
        theta -= (lr * (m1 / (1 - beta1**t)) / (np.sqrt(m2 / (1 - beta2**t)) + eps)).astype(theta.dtype)
    elif code == MOMENTUM:
        m1[...] = _flushed(beta1 * m1 + g)
        theta -= (lr * m1).astype(theta.dtype)
    elif code == SGD:
        theta -= (lr * g).astype(theta.dtype)
    else:
        raise ValueError(f"unknown optimizer code {code!r}")


def train_epoch(layout, theta, m1, m2, X, Y, perm, batch_size, hidden, out, opt, t0):
    """One epoch of minibatch training with the ``epoch_args.Optimizer`` opt; returns (sum of
    sample losses, correct count)."""
    total, correct = 0.0, 0
    for k, s in enumerate(range(0, len(perm), batch_size)):
        rows = perm[s : s + batch_size]
        loss, c, grad = loss_grad(layout, theta, X[rows], Y[rows], hidden, out)
        update(theta, m1, m2, grad, opt, t0 + k + 1)
        total += loss * len(rows)
        correct += c
    return total, correct


def replay(grad, steps, key, key_theta, key_m1, key_m2, opt):
    """(theta, m1, m2), each (k, P): the state after each recorded step (see ``replay.replay``)."""
    states = [np.empty_like(grad) for _ in range(3)]
    keys = dict(zip(key.tolist(), zip(key_theta, key_m1, key_m2)))
    for i in range(len(grad)):
        if i in keys:
            state = [a.copy() for a in keys[i]]
        else:  # state holds row i - 1's
            update(*state, grad[i], opt, steps[i])
        for out, a in zip(states, state):
            out[i] = a
    return tuple(states)


def evaluate_params(layout, thetas, X, Y, hidden, out):
    """(mean loss (K,), correct count (K,)) of each parameter vector thetas[k] (K, P) on X, Y."""
    loss, correct = np.empty(len(thetas)), np.empty(len(thetas), dtype=np.int64)
    for k, theta in enumerate(thetas):
        z, a = forward(layout, theta, X, hidden, out)[-1]
        loss[k], correct[k] = sample_losses(z, a, Y, out).mean(), n_correct(a, Y, out)
    return loss, correct


def evaluate_perturbed(layout, theta, index, value, X, Y, hidden, out):
    """``evaluate_params`` of the copies of theta (P,) with parameter index[k] set to value[k]."""
    thetas = np.repeat(theta[None], len(index), axis=0)
    thetas[np.arange(len(index)), index] = value
    return evaluate_params(layout, thetas, X, Y, hidden, out)
