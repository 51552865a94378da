"""Compiled output losses, fused with their gradient with respect to the output logits.

For each pairing (sigmoid + binary cross-entropy, softmax + cross-entropy, identity + MSE)
dL/dz = (a - Y) / m, so one kernel writes the gradient; only the loss value differs.
Targets Y are (m, n_out) floats: 0/1 for sigmoid, one-hot rows for softmax, values for MSE.
Losses are summed in float64 with the vectorising ``exp64`` / ``log1p_01`` (errors below 5e-16
relative), so the loss loops vectorise too, then added up in a fixed order.
"""

import numpy as np
from numba import njit

from . import rules
from ._numba_ext import flat
from .activations import KERNEL, exp64, log1p_01
from .codes import IDENTITY, SIGMOID, SOFTMAX

bce_term = rules.cpu(rules.bce_term, exp=exp64, log1p=log1p_01)
half_square_term = rules.cpu(rules.half_square_term)
softmax_ce_row = rules.cpu(rules.softmax_ce_row, exp=exp64)
sigmoid_row_right, argmax_row_right = rules.cpu(rules.sigmoid_row_right), rules.cpu(rules.argmax_row_right)


@njit(**KERNEL)
def _loss_sum(z, a, Y, code):
    """Sum of the sample losses of an (m, n_out) block (``rules``' terms), stable in the logits z:
    the terms in one loop (which vectorises), then summed in a fixed order (``_sum_in_order``)."""
    m, w = z.shape
    if code == SIGMOID:
        zf, Yf = flat(z), flat(Y)
        terms = np.empty(m * w)
        for i in range(m * w):
            terms[i] = bce_term(zf[i], Yf[i])
    elif code == SOFTMAX:
        terms = np.empty(m)
        for i in range(m):
            terms[i] = softmax_ce_row(z, Y, i)
    elif code == IDENTITY:
        af, Yf = flat(a), flat(Y)
        terms = np.empty(m * w)
        for i in range(m * w):
            terms[i] = half_square_term(af[i], Yf[i])
    else:
        raise ValueError("loss: unknown output code (see nnkern.kernels.codes)")
    return _sum_in_order(terms)


@njit(**KERNEL)
def _sum_in_order(x):
    """Sum of x (n,) in one fixed order: four chains (elements 4k, 4k + 1, 4k + 2, 4k + 3, the
    rest on the first), then (chain 0 + chain 1) + (chain 2 + chain 3).  The kernels compile
    without reassociation, so this is the order run, whatever the compiler inlines where."""
    s0, s1, s2, s3 = x.dtype.type(0), x.dtype.type(0), x.dtype.type(0), x.dtype.type(0)
    n = x.shape[0]
    i = 0
    while i + 4 <= n:
        s0 += x[i]
        s1 += x[i + 1]
        s2 += x[i + 2]
        s3 += x[i + 3]
        i += 4
    while i < n:
        s0 += x[i]
        i += 1
    return (s0 + s1) + (s2 + s3)


@njit(**KERNEL)
def _n_correct(a, Y, code):
    """Rows classified right (``rules``: every sigmoid output on its target's side of 0.5 / the
    argmax); 0 for regression."""
    m = a.shape[0]
    correct = 0
    if code == SIGMOID:
        for i in range(m):
            correct += sigmoid_row_right(a, Y, i)
    elif code == SOFTMAX:
        for i in range(m):
            correct += argmax_row_right(a, Y, i)
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
