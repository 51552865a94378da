"""Compiled output losses, fused with their gradient with respect to the output logits.

For each pairing (sigmoid + binary cross-entropy, softmax + cross-entropy, identity + MSE)
dL/dz = (a - Y) / m, so one kernel writes the gradient; only the loss value differs.
Targets Y are (m, n_out) floats: 0/1 for sigmoid, one-hot rows for softmax, values for MSE.
"""

import math

from numba import njit

from .activations import FASTMATH
from .codes import SIGMOID, SOFTMAX


@njit(cache=True, fastmath=FASTMATH)
def sample_loss(z, a, Y, i, code):
    """Loss of sample ``i`` (a float): stable in the logits z, summed over outputs."""
    w = z.shape[1]
    total = 0.0
    if code == SIGMOID:
        for j in range(w):
            zij = z[i, j]
            total += max(zij, 0.0) - zij * Y[i, j] + math.log1p(math.exp(-abs(zij)))
    elif code == SOFTMAX:
        top = z[i, 0]
        for j in range(1, w):
            top = max(top, z[i, j])
        s = 0.0
        zy = 0.0
        for j in range(w):
            s += math.exp(z[i, j] - top)
            zy += Y[i, j] * z[i, j]
        total = top + math.log(s) - zy
    else:
        for j in range(w):
            d = a[i, j] - Y[i, j]
            total += 0.5 * d * d
    return total


@njit(cache=True, fastmath=FASTMATH)
def sample_correct(a, Y, i, code):
    """1 if sample ``i`` is classified right (threshold 0.5 / argmax), else 0; 0 for regression."""
    w = a.shape[1]
    if code == SIGMOID:
        for j in range(w):
            if (a[i, j] >= 0.5) != (Y[i, j] >= 0.5):
                return 0
        return 1
    if code == SOFTMAX:
        best = 0
        label = 0
        for j in range(1, w):
            if a[i, j] > a[i, best]:
                best = j
            if Y[i, j] > Y[i, label]:
                label = j
        return 1 if best == label else 0
    return 0


@njit(cache=True, fastmath=FASTMATH)
def loss_and_output_grad(z, a, Y, code, dz, scale):
    """Sum of sample losses and correct count over the block; dz = (a - Y) * scale.

    z, a, Y, dz: (m, n_out).  Pass scale = 1/N to get the gradient of the mean over N samples.
    """
    m, w = z.shape
    total = 0.0
    correct = 0
    for i in range(m):
        total += sample_loss(z, a, Y, i, code)
        correct += sample_correct(a, Y, i, code)
        for j in range(w):
            dz[i, j] = (a[i, j] - Y[i, j]) * scale
    return total, correct


@njit(cache=True)
def loss_and_correct(z, a, Y, code):
    """(sum of sample losses, correct count) over an (m, n_out) block, without gradients."""
    total = 0.0
    correct = 0
    for i in range(z.shape[0]):
        total += sample_loss(z, a, Y, i, code)
        correct += sample_correct(a, Y, i, code)
    return total, correct
