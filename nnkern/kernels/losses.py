"""Compiled output losses, fused with their gradient with respect to the output logits.

For each pairing (sigmoid + binary cross-entropy, softmax + cross-entropy, identity + MSE)
dL/dz = (a - Y) / m, so one kernel writes the gradient; only the loss value differs.
Targets Y are (m, n_out) floats: 0/1 for sigmoid, one-hot rows for softmax, values for MSE.
Losses are summed in float64 with the vectorising ``exp64`` / ``log1p_01`` (errors below 5e-16
relative), so the loss loops vectorise too.
"""

import math

import numpy as np

from numba import njit

from .activations import KERNEL, exp64, log1p_01
from .codes import SIGMOID, SOFTMAX
from ._numba_ext import flat


@njit(**KERNEL)
def _softplus_terms(z, Y):
    """Sum of max(z, 0) - z y + log1p(exp(-|z|)) over a flat block: BCE in the logits."""
    total = 0.0
    for i in range(z.shape[0]):
        zi = np.float64(z[i])
        total += max(zi, 0.0) - zi * Y[i] + log1p_01(exp64(-abs(zi)))
    return total


@njit(**KERNEL)
def _loss_sum(z, a, Y, code):
    """Sum of the sample losses of an (m, n_out) block, stable in the logits z."""
    m, w = z.shape
    if code == SIGMOID:
        return _softplus_terms(flat(z), flat(Y))
    if code == SOFTMAX:
        total = 0.0
        for i in range(m):
            top = np.float64(z[i, 0])
            for j in range(1, w):
                top = max(top, np.float64(z[i, j]))
            s = 0.0
            zy = 0.0
            for j in range(w):
                zij = np.float64(z[i, j])
                s += exp64(zij - top)
                zy += np.float64(Y[i, j]) * zij
            total += top + math.log(s) - zy
        return total
    af, Yf = flat(a), flat(Y)
    total = 0.0
    for i in range(m * w):
        d = np.float64(af[i]) - np.float64(Yf[i])
        total += 0.5 * d * d
    return total


@njit(**KERNEL)
def _n_correct(a, Y, code):
    """Rows classified right (every sigmoid output on the right side of 0.5 / argmax); 0 for
    regression."""
    m, w = a.shape
    correct = 0
    if code == SIGMOID:
        if w == 1:
            for i in range(m):
                correct += (a[i, 0] >= 0.5) == (Y[i, 0] >= 0.5)
            return correct
        for i in range(m):
            ok = 1
            for j in range(w):
                if (a[i, j] >= 0.5) != (Y[i, j] >= 0.5):
                    ok = 0
            correct += ok
        return correct
    if code == SOFTMAX:
        for i in range(m):
            best = 0
            label = 0
            for j in range(1, w):
                if a[i, j] > a[i, best]:
                    best = j
                if Y[i, j] > Y[i, label]:
                    label = j
            correct += best == label
    return correct


@njit(**KERNEL)
def loss_and_output_grad(z, a, Y, code, dz, scale):
    """Sum of sample losses and correct count over the block; dz = (a - Y) * scale.

    z, a, Y, dz: C-contiguous (m, n_out).  Pass scale = 1/N to get the gradient of the mean over
    N samples.
    """
    m, w = z.shape
    af, Yf, dzf = flat(a), flat(Y), flat(dz)
    s = dz.dtype.type(scale)
    for i in range(m * w):
        dzf[i] = (af[i] - Yf[i]) * s
    return _loss_sum(z, a, Y, code), _n_correct(a, Y, code)


@njit(**KERNEL)
def loss_and_correct(z, a, Y, code):
    """(sum of sample losses, correct count) over a C-contiguous (m, n_out) block, without
    gradients."""
    return _loss_sum(z, a, Y, code), _n_correct(a, Y, code)
