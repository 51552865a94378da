"""Compiled dense-layer kernels: z = a @ W + b and its backward pass, on (m, width) blocks.

Small layers use loops with the output-neuron index innermost (they vectorise and avoid BLAS
call overhead); large ones call ``np.dot``, which keeps pace with BLAS.
"""

import numpy as np
from numba import njit

from .activations import FASTMATH

#: multiply-adds above which a layer product goes to np.dot (BLAS) instead of loops
BLAS_MIN_MACS = 65536


@njit(cache=True, fastmath=FASTMATH)
def dense_forward(a, W, b, z):
    """z = a @ W + b.  a: (m, fan_in), W: (fan_in, fan_out), b: (fan_out,), z: (m, fan_out) out."""
    m, fan_in = a.shape
    fan_out = W.shape[1]
    if m * fan_in * fan_out >= BLAS_MIN_MACS:
        np.dot(a, W, z)
        for i in range(m):
            for j in range(fan_out):
                z[i, j] += b[j]
        return
    for i in range(m):
        for j in range(fan_out):
            z[i, j] = b[j]
        for k in range(fan_in):
            aik = a[i, k]
            for j in range(fan_out):
                z[i, j] += aik * W[k, j]


@njit(cache=True, fastmath=FASTMATH)
def dense_backward(a, W, dz, dW, db, da, want_da):
    """Gradients of a dense layer.

    a: (m, fan_in) layer input, W: (fan_in, fan_out), dz: (m, fan_out) = dL/dz.
    Writes dW = a.T @ dz (fan_in, fan_out), db = dz summed over rows (fan_out,) and,
    when ``want_da``, da = dz @ W.T (m, fan_in).
    """
    m, fan_in = a.shape
    fan_out = W.shape[1]
    big = m * fan_in * fan_out >= BLAS_MIN_MACS
    if big:
        np.dot(a.T, dz, dW)
    else:
        dW[:, :] = 0
        for i in range(m):
            for k in range(fan_in):
                aik = a[i, k]
                for j in range(fan_out):
                    dW[k, j] += aik * dz[i, j]
    db[:] = 0
    for i in range(m):
        for j in range(fan_out):
            db[j] += dz[i, j]
    if not want_da:
        return
    if big:
        np.dot(dz, W.T, da)
        return
    for i in range(m):
        for k in range(fan_in):
            s = dz[i, 0] * W[k, 0]
            for j in range(1, fan_out):
                s += dz[i, j] * W[k, j]
            da[i, k] = s
