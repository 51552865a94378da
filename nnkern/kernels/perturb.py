"""Evaluate many copies of one network that differ only in their parameters, in one compiled call:
each copy's mean loss and correct count on the same data.

``evaluate_params`` takes the copies as a stack of flat parameter vectors (a sweep, a pruning
schedule); ``evaluate_perturbed`` takes one vector and a list of single-parameter edits (every
weight scaled or zeroed in turn: a sensitivity map) without ever building the stack.  Each has a
serial and a parallel compilation of one body, chosen by ``pick`` (umap's selector): threads pay off
only once there is enough work.  The NumPy twins are ``reference.evaluate_params`` and
``reference.evaluate_perturbed``.
"""

import numpy as np
from numba import njit, prange

from .activations import KERNEL
from .layout import compiled_layer_offsets as layer_offsets
from .passes import CHUNK_ROWS, evaluate_rows

#: copies x samples below which the serial compilation runs (a thread team costs more than it saves)
PARALLEL_WORK = 50_000


def _params_body(thetas, w_off, b_off, sizes, hidden, out, X, Y, loss, correct):
    width = CHUNK_ROWS * layer_offsets(sizes)[-1]
    for k in prange(thetas.shape[0]):
        zbuf = np.empty(width, dtype=thetas.dtype)
        abuf = np.empty(width, dtype=thetas.dtype)
        total, c = evaluate_rows(thetas[k], w_off, b_off, sizes, hidden, out, X, Y, zbuf, abuf)
        loss[k] = total / X.shape[0]
        correct[k] = c


def _perturbed_body(theta, index, value, w_off, b_off, sizes, hidden, out, X, Y, loss, correct):
    width = CHUNK_ROWS * layer_offsets(sizes)[-1]
    for k in prange(index.shape[0]):
        zbuf = np.empty(width, dtype=theta.dtype)
        abuf = np.empty(width, dtype=theta.dtype)
        copy = theta.copy()
        copy[index[k]] = value[k]
        total, c = evaluate_rows(copy, w_off, b_off, sizes, hidden, out, X, Y, zbuf, abuf)
        loss[k] = total / X.shape[0]
        correct[k] = c


_params = (njit(**KERNEL)(_params_body), njit(parallel=True, **KERNEL)(_params_body))
_perturbed = (njit(**KERNEL)(_perturbed_body), njit(parallel=True, **KERNEL)(_perturbed_body))


def pick(variants, copies, n):
    """The serial (first) or parallel (second) compilation for ``copies`` copies on n samples."""
    return variants[copies * n >= PARALLEL_WORK]


def evaluate_params(thetas, w_off, b_off, sizes, hidden, out, X, Y, loss, correct):
    """Copy k has parameters thetas[k] ((K, P), C-contiguous); writes its mean loss over X (n, n_in),
    Y (n, n_out) into loss[k] (K,) float64 and its correct count into correct[k] (K,) int64."""
    pick(_params, len(thetas), len(X))(thetas, w_off, b_off, sizes, hidden, out, X, Y, loss, correct)


def evaluate_perturbed(theta, index, value, w_off, b_off, sizes, hidden, out, X, Y, loss, correct):
    """Copy k is theta (P,) with parameter index[k] (K,) int64 set to value[k] (K,); writes its mean
    loss and correct count as ``evaluate_params`` does."""
    pick(_perturbed, len(index), len(X))(theta, index, value, w_off, b_off, sizes, hidden, out, X, Y, loss, correct)
