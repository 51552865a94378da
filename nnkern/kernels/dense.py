"""Compiled dense-layer kernels: z = a @ W + b and its backward pass, on (m, width) blocks.

Small layers use loops; large ones call ``np.dot``, which keeps pace with BLAS.  The loops are
ordered so that

- the innermost loop runs over a contiguous output row (it vectorises), and
- consecutive inner loops write different rows, so the store -> load -> FMA chain of one row
  does not stall the next (``for k: for i: for j`` rather than ``for i: for k: for j``);
- outputs narrower than ``NARROW`` (the last layer of a classifier) are dot products over the
  contiguous input row instead, since a vector loop over 1-3 outputs never leaves its remainder.
"""

import numpy as np
from numba import njit

from .activations import KERNEL

#: multiply-adds above which a layer product goes to np.dot (BLAS) instead of loops
BLAS_MIN_MACS = 65536
#: outputs below this many per row use dot products over the inputs
NARROW = 4


@njit(**KERNEL)
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
    if fan_out < NARROW:
        for i in range(m):
            for j in range(fan_out):
                s = b[j]
                for k in range(fan_in):
                    s += a[i, k] * W[k, j]
                z[i, j] = s
        return
    for i in range(m):
        for j in range(fan_out):
            z[i, j] = b[j]
    for k in range(fan_in):
        for i in range(m):
            aik = a[i, k]
            for j in range(fan_out):
                z[i, j] += aik * W[k, j]


@njit(**KERNEL)
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
    elif fan_out < NARROW:
        # dW.T rows accumulated over the contiguous rows of a, in 4 interleaved partial sums so
        # that consecutive rows do not wait on each other's stores
        part = np.zeros((4, fan_out, fan_in), dtype=dW.dtype)
        for i in range(m):
            acc = part[i & 3]
            for j in range(fan_out):
                dzij = dz[i, j]
                for k in range(fan_in):
                    acc[j, k] += a[i, k] * dzij
        for k in range(fan_in):
            for j in range(fan_out):
                dW[k, j] = (part[0, j, k] + part[1, j, k]) + (part[2, j, k] + part[3, j, k])
    else:
        dW[:, :] = 0
        for i in range(m):
            for k in range(fan_in):
                aik = a[i, k]
                for j in range(fan_out):
                    dW[k, j] += aik * dz[i, j]
    for j in range(fan_out):
        db[j] = dz[0, j]
    for i in range(1, m):
        for j in range(fan_out):
            db[j] += dz[i, j]
    if not want_da:
        return
    if big:
        np.dot(dz, W.T, da)
        return
    WT = W.T.copy()  # (fan_out, fan_in): rows of W.T contiguous for the inner loop
    for i in range(m):
        for k in range(fan_in):
            da[i, k] = 0
    for j in range(fan_out):
        for i in range(m):
            dzij = dz[i, j]
            for k in range(fan_in):
                da[i, k] += dzij * WT[j, k]
