"""Compiled dense-layer kernels: z = a @ W + b and its backward pass, on (m, width) blocks.

Small layers use loops; large ones call ``np.dot``, which keeps pace with BLAS.  Numba leaves
LLVM's SLP vectoriser off, so only innermost loops vectorise, and a 16-wide inner loop is short:
its set-up and the store -> load -> FMA chain through the output row cost more than its FMAs.
The loops below therefore

- run the innermost loop over a contiguous output row, fusing eight (then four) rank-1 updates
  into each pass (``c[j] += (a0 B0[j] + a1 B1[j]) + (a2 B2[j] + a3 B3[j]) + ...``): an eighth
  of the loads, stores and loop set-ups;
- let consecutive inner loops write different rows, so one row's chain does not stall the next;
- treat outputs narrower than ``NARROW`` (a classifier's last layer) as dot products, or
  accumulate dW's transpose, since a vector loop over 1-3 outputs never leaves its remainder.
"""

import numpy as np
from numba import njit

from .activations import KERNEL

#: multiply-adds above which a layer product goes to np.dot (BLAS) instead of loops
BLAS_MIN_MACS = 65536
#: outputs below this many per row use dot products over the inputs
NARROW = 4


@njit(**KERNEL)
def _add_ab(A, B, C):
    """C += A @ B for C-contiguous A (m, K), B (K, N), C (m, N): eight, four, two, then one k
    per pass over C."""
    m, K = A.shape
    k = 0
    while k + 8 <= K:
        B0, B1, B2, B3, B4, B5, B6, B7 = B[k], B[k + 1], B[k + 2], B[k + 3], B[k + 4], B[k + 5], B[k + 6], B[k + 7]
        for i in range(m):
            a = A[i]
            a0, a1, a2, a3, a4, a5, a6, a7 = a[k], a[k + 1], a[k + 2], a[k + 3], a[k + 4], a[k + 5], a[k + 6], a[k + 7]
            c = C[i]
            for j in range(c.shape[0]):
                c[j] += ((a0 * B0[j] + a1 * B1[j]) + (a2 * B2[j] + a3 * B3[j])) + (
                    (a4 * B4[j] + a5 * B5[j]) + (a6 * B6[j] + a7 * B7[j]))
        k += 8
    if k + 4 <= K:
        B0, B1, B2, B3 = B[k], B[k + 1], B[k + 2], B[k + 3]
        for i in range(m):
            a0, a1, a2, a3 = A[i, k], A[i, k + 1], A[i, k + 2], A[i, k + 3]
            c = C[i]
            for j in range(c.shape[0]):
                c[j] += (a0 * B0[j] + a1 * B1[j]) + (a2 * B2[j] + a3 * B3[j])
        k += 4
    if k + 2 <= K:
        B0, B1 = B[k], B[k + 1]
        for i in range(m):
            a0, a1 = A[i, k], A[i, k + 1]
            c = C[i]
            for j in range(c.shape[0]):
                c[j] += a0 * B0[j] + a1 * B1[j]
        k += 2
    while k < K:
        Bk = B[k]
        for i in range(m):
            aik = A[i, k]
            c = C[i]
            for j in range(c.shape[0]):
                c[j] += aik * Bk[j]
        k += 1


@njit(**KERNEL)
def _add_atb(A, B, C):
    """C += A.T @ B for C-contiguous A (m, K), B (m, N), C (K, N): eight, four, two, then one
    row i per pass over C."""
    m, K = A.shape
    i = 0
    while i + 8 <= m:
        B0, B1, B2, B3, B4, B5, B6, B7 = B[i], B[i + 1], B[i + 2], B[i + 3], B[i + 4], B[i + 5], B[i + 6], B[i + 7]
        A0, A1, A2, A3, A4, A5, A6, A7 = A[i], A[i + 1], A[i + 2], A[i + 3], A[i + 4], A[i + 5], A[i + 6], A[i + 7]
        for k in range(K):
            a0, a1, a2, a3, a4, a5, a6, a7 = A0[k], A1[k], A2[k], A3[k], A4[k], A5[k], A6[k], A7[k]
            c = C[k]
            for j in range(c.shape[0]):
                c[j] += ((a0 * B0[j] + a1 * B1[j]) + (a2 * B2[j] + a3 * B3[j])) + (
                    (a4 * B4[j] + a5 * B5[j]) + (a6 * B6[j] + a7 * B7[j]))
        i += 8
    if i + 4 <= m:
        B0, B1, B2, B3 = B[i], B[i + 1], B[i + 2], B[i + 3]
        for k in range(K):
            a0, a1, a2, a3 = A[i, k], A[i + 1, k], A[i + 2, k], A[i + 3, k]
            c = C[k]
            for j in range(c.shape[0]):
                c[j] += (a0 * B0[j] + a1 * B1[j]) + (a2 * B2[j] + a3 * B3[j])
        i += 4
    if i + 2 <= m:
        B0, B1 = B[i], B[i + 1]
        for k in range(K):
            a0, a1 = A[i, k], A[i + 1, k]
            c = C[k]
            for j in range(c.shape[0]):
                c[j] += a0 * B0[j] + a1 * B1[j]
        i += 2
    while i < m:
        Bi = B[i]
        for k in range(K):
            aik = A[i, k]
            c = C[k]
            for j in range(c.shape[0]):
                c[j] += aik * Bi[j]
        i += 1


@njit(**KERNEL)
def _sum_rows(A, out):
    """out = A summed over its rows, eight rows per pass."""
    m = A.shape[0]
    out[:] = 0
    i = 0
    while i + 8 <= m:
        A0, A1, A2, A3, A4, A5, A6, A7 = A[i], A[i + 1], A[i + 2], A[i + 3], A[i + 4], A[i + 5], A[i + 6], A[i + 7]
        for j in range(out.shape[0]):
            out[j] += ((A0[j] + A1[j]) + (A2[j] + A3[j])) + ((A4[j] + A5[j]) + (A6[j] + A7[j]))
        i += 8
    while i < m:
        Ai = A[i]
        for j in range(out.shape[0]):
            out[j] += Ai[j]
        i += 1


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
    _add_ab(a, W, z)


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
        dWT = np.zeros((fan_out, fan_in), dtype=dW.dtype)  # dW.T = dz.T @ a: rows of a innermost
        _add_atb(dz, a, dWT)
        for k in range(fan_in):
            for j in range(fan_out):
                dW[k, j] = dWT[j, k]
    else:
        dW[:, :] = 0
        _add_atb(a, dz, dW)
    _sum_rows(dz, db)
    if not want_da:
        return
    if big:
        np.dot(dz, W.T, da)
        return
    WT = np.empty((fan_out, fan_in), dtype=W.dtype)  # rows of W.T contiguous for the inner loop
    for k in range(fan_in):
        for j in range(fan_out):
            WT[j, k] = W[k, j]
    da[:, :] = 0
    _add_ab(dz, WT, da)
