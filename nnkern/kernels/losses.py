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
from ._numba_ext import block, column_sum, flat, wide_vectors
from .activations import KERNEL, exp64, exp_less_row_max, log1p_01
from .codes import IDENTITY, SIGMOID, SOFTMAX

bce_term = rules.cpu(rules.bce_term, exp=exp64, log1p=log1p_01)
half_square_term = rules.cpu(rules.half_square_term)
cross_entropy = rules.cpu(rules.cross_entropy)
sigmoid_right, sigmoid_row_right = rules.cpu(rules.sigmoid_right), rules.cpu(rules.sigmoid_row_right)
argmax_row_right = rules.cpu(rules.argmax_row_right)


@njit(**KERNEL)
def _loss_sum(z, a, Y, code, terms_buf=None):
    """Sum of the sample losses of an (m, n_out) block (``rules``' terms), stable in the logits z:
    the terms in one loop (which vectorises), then summed in a fixed order (``column_sum``).
    terms_buf: float64 (m * n_out,) at least for the terms (None: allocated; a training step's
    own saves the allocation, a tenth of a 32-row loss).  The terms' loop in 512-bit vectors on
    AVX-512 (``wide_vectors``; each term the same operations): 1000 x 1 in float64 2.8 against 3.0 us
    a call from Python."""
    wide_vectors()
    m, w = z.shape
    k = m if code == SOFTMAX else m * w
    terms = np.empty((k, 1)) if terms_buf is None else block(terms_buf, 0, k, 1)
    if code == SIGMOID:
        zf, Yf = flat(z), flat(Y)
        for i in range(m * w):
            terms[i, 0] = bce_term(zf[i], Yf[i])
    elif code == SOFTMAX:
        _softmax_ce_rows(z, Y, terms)
    elif code == IDENTITY:
        af, Yf = flat(a), flat(Y)
        for i in range(m * w):
            terms[i, 0] = half_square_term(af[i], Yf[i])
    else:
        raise ValueError("loss: unknown output code (see nnkern.kernels.codes)")
    return column_sum(terms, 0)


@njit(inline="always")
def _softmax_ce_rows(z, Y, terms):
    """terms[i, 0] = ``rules.softmax_ce_row(z, Y, i)`` for every row i of z, Y (m, w), bit for bit:
    each row's largest logit and every exp(logit - it) in float64 (``exp_less_row_max``; 128 x 10
    float32 3.0 against 6.5 us a row at a time), then each row's sums in order."""
    m, w = z.shape
    shifted = np.empty((m, w))  # float64: each logit's exp less its row's largest
    exp_less_row_max(z, shifted, terms[:, 0])
    for i in range(m):
        s = 0.0
        zy = 0.0
        for j in range(w):
            s += shifted[i, j]
            zy += np.float64(Y[i, j]) * np.float64(z[i, j])
        terms[i, 0] = cross_entropy(terms[i, 0], s, zy)


@njit(**KERNEL)
def _n_correct(a, Y, code):
    """Rows classified right (``rules``: every sigmoid output on its target's side of 0.5 / the
    argmax); 0 for regression.  One sigmoid output a row: one loop over the outputs, which
    vectorises (1000 rows 0.36 against 1.9 us a call from Python)."""
    wide_vectors()
    m, w = a.shape
    correct = 0
    if code == SIGMOID and w == 1:
        af, Yf = flat(a), flat(Y)
        for i in range(m):
            correct += sigmoid_right(af[i], Yf[i])
    elif code == SIGMOID:
        for i in range(m):
            correct += sigmoid_row_right(a, Y, i)
    elif code == SOFTMAX:
        for i in range(m):
            correct += argmax_row_right(a, Y, i)
    return correct


@njit(**KERNEL)
def loss_and_output_grad(z, a, Y, code, dz, scale, terms_buf=None):
    """Sum of sample losses and correct count over the block; dz = (a - Y) * scale.

    z, a, Y, dz: C-contiguous (m, n_out).  Pass scale = 1/N to get the gradient of the mean over
    N samples.  terms_buf: as ``_loss_sum``'s.
    """
    m, w = z.shape
    af, Yf, dzf = flat(a), flat(Y), flat(dz)
    s = dz.dtype.type(scale)
    for i in range(m * w):
        dzf[i] = (af[i] - Yf[i]) * s
    return _loss_sum(z, a, Y, code, terms_buf), _n_correct(a, Y, code)


@njit(**KERNEL)
def loss_and_correct(z, a, Y, code):
    """(sum of sample losses, correct count) over a C-contiguous (m, n_out) block, without
    gradients."""
    return _loss_sum(z, a, Y, code), _n_correct(a, Y, code)
