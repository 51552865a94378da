"""Compiled dense-layer kernels: z = a @ W + b and its backward pass, on (m, width) blocks.

Products whose output width is a whole number of SIMD vectors (``VECTOR_BYTES``: 16 float32 / 8
float64 columns with AVX-512, half as many with AVX2) and whose left operand fits in a core's L2
cache (with AVX2, only up to 64 KiB: ``TILE_MAX_A_BYTES``, or any size if the output's rows are
narrow: ``TILE_ROW_BYTES``; never output rows of 2 KiB or more: ``TILE_MAX_ROW_BYTES``, nor weight
gradients of 512 KiB or more: ``DW_TILE_MAX_BYTES``) go to ``_numba_ext.matmul_rows``:
register tiles of fused multiply-adds over the operands as they lie (no packing), the bias as the
accumulators' start.  Measured on one core with AVX-512: 1.7x a BLAS call on 32 x 16 x 16
(whose fixed cost dominates there), 1.25x OpenBLAS's sgemm on the 128 x 784 x 128 products of an
MNIST-sized net, 1.3x its dgemm; with a larger left operand, re-read for every column tile, BLAS's
packed blocks win.  With AVX2, large products go to ``_numba_ext.matmul_packed`` instead (B's
columns packed into panels, then register tiles of 6 rows: ``PACKED_MIN_MACS``).  Other products with four or more outputs go to ``np.dot`` (BLAS): inside
``@njit`` a BLAS call beats the best plain loop (four to eight rank-1 updates fused per pass over a
contiguous output row) already at 32 x 16 x 16, by 1.5-2x (Numba leaves LLVM's SLP vectoriser
off, so a loop cannot keep a register tile of outputs).
A forward pass that does not keep the hidden layers' z (``grid_activations``, training, validation,
``predict_proba``: ``passes.forward_block``'s hidden_z) takes a tanh layer's tanh in the tiles'
stores (``matmul_rows_tanh``: the same bits as ``activate`` after the product), so that the tanh's
divisions run beside the product's multiply-adds instead of in a pass of their own (a 200 x 200
grid of 2-16-16-1 in float32 on one core 587-608 against 754-792 us; a float64 full-batch epoch of
2-16-16-1 through ``nk.train`` 64.9 against 68.7 us, medians of 16 processes each taking turns).
Outputs narrower than ``NARROW`` (a classifier's last layer) go forward by dot products over the
contiguous input row, in ``_numba_ext.row_dots`` when fan_in is whole vectors (a block of rows'
products summed across the block by shuffles: a 2-16-16-1 grid's 16 -> 1 layer over 40,000 rows
86 against 126 us as a loop per row; a vector loop over 1-3 outputs would never leave its
remainder); backward,
dW as its transpose dz.T @ a and da = dz @ W.T go to ``matmul_rows`` when fan_in is whole vectors
(4x faster than loops over 16 columns, which LLVM leaves mostly scalar), else to loops that let
consecutive inner loops write different rows, so one row's store -> load -> FMA chain does not
stall the next.
"""

import numpy as np
from numba import njit

from .activations import KERNEL, activation_backward, fast_tanh
from .codes import TANH
from ._numba_ext import (INTERNALS, TILE_VECTORS, VECTOR_BYTES, WIDE_VECTORS, _columns_from, at_b_rows, block, flat,
                          matmul_packed, matmul_rows, matmul_rows_tanh, row_dots, span, sum_rows, transposed)

#: below this many outputs per row a layer uses loops, unless it has BLAS_MIN_MACS multiply-adds
NARROW = 4
#: multiply-adds from which even a narrow layer goes to np.dot (BLAS)
BLAS_MIN_MACS = 65536
#: products whose output width is a whole number of vectors and whose left operand (m, K) takes up
#: to this many bytes go to ``matmul_rows`` (see the module's docstring).  Without AVX-512 the tiles
#: (4 x 2 vectors of 8 float32) ran at half of BLAS's speed on MNIST-sized products (one Zen 3
#: core: a 784-512-10 epoch of 8,192 samples 186-250 ms through BLAS, 384-393 ms in the tiles),
#: so only products up to 64 KiB go there, whose fixed cost in a BLAS call weighs more
TILE_MAX_A_BYTES = (1 << 20) if VECTOR_BYTES == 64 else (64 << 10)
#: ... but products whose output rows take at most this many bytes (16 float64 / 32 float32 columns,
#: two register tiles' width with AVX2) go there whatever A's size: B's rows lie close, and the
#: tiles beat a BLAS call on every such shape measured (one Zen 3 core, fastest of 30 turns: z and
#: dW of a 1000 x 16 x 16 float64 layer 20 and 20 us against 25 and 36, 4096 x 64 x 16 float32
#: 117 and 147 against 210 and 240); with wider rows BLAS won some (4096 x 16 x 64 float64 dW: 1.65x)
TILE_ROW_BYTES = 128
#: ... and never products whose output rows take this many bytes or more: B's rows then lie 2 KiB or
#: more apart, so the rows of a tile's column panel share a few of L1's sets (every 32nd of 64) and
#: are read again from L2 for each block of rows (one core of an Intel Xeon with AVX-512, fastest of
#: 7: 128 x 784 x 512 float32 1015 us in the tiles against 661 through OpenBLAS, 128 x 784 x 256
#: float64 939 against 670; a 784-512-10 epoch of 8,192 samples 124-130 ms with its dW in the tiles,
#: 112 through BLAS; the rule loses on a 128 x 256 x 256 float64 product: 203 us against 174)
TILE_MAX_ROW_BYTES = 2048
#: dW = a.T @ dz of 512 KiB or more goes to BLAS: the tiles run over a.T's fan_in rows a few at a
#: time and stream dz (m, fan_out) from L2 for each block of them, which OpenBLAS packs once (one
#: core of an Intel Xeon with AVX-512, fastest of 7, m = 128: float32 dW of 784 x 256 457 us in the
#: tiles against 388 through BLAS, 512 x 256 285 against 255, float64 512 x 128 319 against 292;
#: below the line the tiles win or tie: 784 x 64 90 against 115, 256 x 256 137 against 131). A
#: 784-256-10 epoch of 8,192 samples 72 ms against 75, the deep ReLU net's 130 against 134 (medians
#: of 4 turns in processes taking turns; the turns spread by 5%)
DW_TILE_MAX_BYTES = 512 << 10
#: with AVX2, products of at least this many multiply-adds that would go to BLAS, with at least a
#: panel of TILE_VECTORS vectors of output columns, go to ``matmul_packed`` instead: B's columns packed
#: into panels first, then register tiles of 6 rows (on a Zen 3 core, against OpenBLAS's sgemm:
#: z = a @ W of 128 x 784 x 128 1.16-1.18x as fast, dW = a.T @ dz 1.08-1.10x, 128 x 256 x 256 1.1x,
#: widths 256 and 512 1.0-1.25x; dgemm 1.0-1.1x).  Not da = dz @ W.T: packing W.T's columns reads W
#: across its rows (0.8x).  Unpacked, the same tiles ran at 0.6-0.75x OpenBLAS (B's rows 512 bytes
#: apart).  With AVX-512 the products of these nets go to ``matmul_rows``
PACKED_MIN_MACS = 1 << 22
#: a tanh goes into the product's stores (``matmul_rows_tanh``) for output rows narrower than this
#: many bytes: those tiles leave out the wide ones (``WIDE_VECTORS``), which wider products gain
#: more from than the tanh's own pass costs (784-128-10: a pass over 128 x 128 values beside a
#: 128 x 784 x 128 product; the wide tiles took the epoch to 0.92-0.98x its time)
TANH_TILE_MAX_BYTES = WIDE_VECTORS * VECTOR_BYTES if WIDE_VECTORS else 1 << 30
#: da = dz @ W.T goes to ``matmul_rows`` through a copy of W.T only for W of up to this many
#: entries: the copy's strided writes cost about 0.6 ns each (195 us for 256 x 256, against 93 us
#: for the whole product through BLAS, which reads W.T as it lies)
TRANSPOSE_MAX = 1 << 12


@njit(**KERNEL)
def scratch_size(width):
    """Elements of the ``scratch`` that ``dense_backward`` needs for layers up to ``width`` wide:
    zeros and W.T (wide layers), or dW.T, W.T and zeros (narrow ones)."""
    return width * max(width + 1, 2 * NARROW - 1)


@njit(**KERNEL)
def _add_atb(A, B, C):
    """C += A.T @ B for C-contiguous A (m, K), B (m, N), C (K, N): eight, four, two, then one
    row i per pass over C (for the narrow layers' dW.T = dz.T @ a: K = fan_out, N = fan_in)."""
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
def _transpose(W, WT):
    """WT = W.T for W (K, N), WT (N, K)."""
    for k in range(W.shape[0]):
        for j in range(W.shape[1]):
            WT[j, k] = W[k, j]


@njit(**KERNEL)
def _blas(m, fan_in, fan_out):
    return fan_out >= NARROW or m * fan_in * fan_out >= BLAS_MIN_MACS


@njit(**KERNEL)
def _vectors(m, K, N, itemsize):
    whole = N % (VECTOR_BYTES // itemsize) == 0 and N * itemsize < TILE_MAX_ROW_BYTES
    return whole and (m * K * itemsize <= TILE_MAX_A_BYTES or N * itemsize <= TILE_ROW_BYTES)


@njit(**KERNEL)
def _dw_tiles(m, fan_in, fan_out, itemsize):
    """Whether dW = a.T @ dz (a: (m, fan_in), dz: (m, fan_out)) goes to ``matmul_rows``."""
    return _vectors(fan_in, m, fan_out, itemsize) and fan_in * fan_out * itemsize < DW_TILE_MAX_BYTES


@njit(**KERNEL)
def _packs(m, K, N, itemsize, room):
    """Whether C (m, N) = A (m, K) @ B (K, N) goes to ``matmul_packed`` with ``room`` elements of
    scratch to pack B into."""
    return (INTERNALS and VECTOR_BYTES == 32 and N >= TILE_VECTORS * VECTOR_BYTES // itemsize
            and m * K * N >= PACKED_MIN_MACS and K * N <= room)


@njit(**KERNEL)
def forward_scratch_size(sizes):
    """Elements of the scratch ``dense_forward`` needs for every layer of a net of widths sizes (W
    packed for ``matmul_packed``)."""
    most = 0
    for l in range(sizes.shape[0] - 1):
        most = max(most, sizes[l] * sizes[l + 1])
    return most


@njit(**KERNEL)
def dense_forward(a, W, b, z, scratch, rows, tanh=False):
    """z = a @ W + b.  a: (m, fan_in), W: (fan_in, fan_out), b: (fan_out,), z: (m, fan_out) out;
    scratch: 1-D, ``forward_scratch_size`` elements at least (W's packed copy).  rows: the rows of
    the product a is a block of (m when a is all of them): the path is chosen for them, so that a
    team's blocks of one batch take one thread's path and give its bits (a share of 64 rows of a
    784 -> 48 layer would go to BLAS, the batch of 128 to ``matmul_packed``).
    tanh: z = tanh(a @ W + b) instead where the product runs in ``matmul_rows`` (the tanh in its
    stores: ``matmul_rows_tanh``); returns whether it did (else the caller applies it)."""
    m, fan_in = a.shape
    fan_out = W.shape[1]
    if _vectors(rows, fan_in, fan_out, z.itemsize):
        if tanh and fan_out < TANH_TILE_MAX_BYTES // z.itemsize:
            _product_tanh(a, W, z, b)
            return True
        matmul_rows(a, W, z, b)
        return False
    if _packs(rows, fan_in, fan_out, z.itemsize, scratch.shape[0]):
        matmul_packed(a, W, z, b, scratch, 0, m)
        return False
    if _blas(rows, fan_in, fan_out):
        np.dot(a, W, z)
        for i in range(m):
            for j in range(fan_out):
                z[i, j] += b[j]
        return False
    if fan_in % (VECTOR_BYTES // z.itemsize) == 0:
        w = span(scratch, 0, fan_in)
        for j in range(fan_out):
            for k in range(fan_in):
                w[k] = W[k, j]
            row_dots(a, w, b[j], z, j)
        return False
    for i in range(m):
        for j in range(fan_out):
            s = b[j]
            for k in range(fan_in):
                s += a[i, k] * W[k, j]
            z[i, j] = s
    return False


@njit(inline="always")
def _product_tanh(A, B, C, row0):
    """C = tanh(A @ B + row0) for operands ``matmul_rows`` takes: the tanh (``tanh32``'s or
    ``tanh64``'s bits) in the register tiles' stores (``matmul_rows_tanh``), the columns they leave
    by ``fast_tanh``."""
    n = matmul_rows_tanh(A, B, C, row0)
    _columns_from(A, B, C, row0, n, 0, A.shape[0])
    for i in range(C.shape[0]):
        for j in range(n, C.shape[1]):
            C[i, j] = fast_tanh(C[i, j])


@njit(**KERNEL)
def splits(m, fan_in, fan_out, itemsize):
    """Whether a layer's backward pass over m rows runs as ``weight_grad_rows`` and ``input_grad``,
    which a team of threads can split (by rows of dW, by rows of da): every layer whose dW goes to
    the register tiles or to BLAS (not the narrow ones' loops).  Sharing the BLAS products too, a
    team of 2 trained 784-128-10 (Zen 3, AVX2: its products go to BLAS) in 33-34 ms an epoch,
    against 35-36 for one thread calling BLAS on 2 threads and 51-52 for a team whose role 0
    computed dW alone."""
    return _dw_tiles(m, fan_in, fan_out, itemsize) or fan_out >= NARROW


@njit(**KERNEL)
def bias_grad(dz, db):
    """db = dz summed over its rows.  dz: (m, fan_out), db: (fan_out,).  (A function of its own, so
    that a team's member computes the same bits as ``dense_backward``.)"""
    sum_rows(dz, db)


@njit(**KERNEL)
def weight_grad_rows(a, dz, dW, k0, k1, scratch):
    """Rows k0 .. k1 of dW = a.T @ dz, for a layer that ``splits``: in the register tiles (rows split
    at multiples of ``TILE_ROWS`` give the same bits as one call for all), in ``matmul_packed``'s
    (any rows: the same bits), else by BLAS.
    a: (m, fan_in), dz: (m, fan_out), dW: (fan_in, fan_out); scratch as ``dense_backward``'s."""
    m, fan_in = a.shape
    if not _dw_tiles(m, fan_in, dW.shape[1], dW.itemsize):
        if _packs(fan_in, m, dW.shape[1], dW.itemsize, scratch.shape[0]):
            matmul_packed(transposed(a), dz, dW, None, scratch, k0, k1)
        else:
            at_b_rows(a, dz, dW, k0, k1)
        return
    zeros = span(scratch, 0, dW.shape[1])
    zeros[:] = 0
    matmul_rows(transposed(a)[k0:k1], dz, dW[k0:k1], zeros)


@njit(**KERNEL)
def input_grad(W, dz, da, scratch, rows, tanh_of=None, fuse=True):
    """da = dz @ W.T for a layer that ``splits``, on any block of rows of a batch of ``rows`` (the
    path is chosen for the batch, as ``dense_forward``'s); given the layer's input tanh_of (m,
    fan_in), the activations of a tanh layer, and fuse true, da = (dz @ W.T) * (1 - tanh_of**2):
    the gradient at that layer's z, in the product's pass where it runs in ``matmul_rows`` (fuse
    is decided at run time, so callers with and without it share the compiled code).
    W: (fan_in, fan_out), dz: (m, fan_out), da: (m, fan_in); scratch as ``dense_backward``'s."""
    fan_out = dz.shape[1]
    fan_in = W.shape[0]
    if _vectors(rows, fan_out, fan_in, da.itemsize) and fan_in * fan_out <= TRANSPOSE_MAX:
        zeros = span(scratch, 0, fan_in)
        zeros[:] = 0
        WT = block(scratch, max(fan_in, fan_out), fan_out, fan_in)
        _transpose(W, WT)
        matmul_rows(dz, WT, da, zeros, tanh_of, fuse)
        return
    np.dot(dz, W.T, da)
    _tanh_grad(da, tanh_of, fuse)


@njit(inline="always")
def _tanh_grad(da, tanh_of, fuse):
    """da *= 1 - tanh_of**2 if fuse (nothing for None): ``matmul_rows``'s tanh_grad_of for other
    paths."""
    if tanh_of is not None and fuse:
        activation_backward(tanh_of, tanh_of, da, da, TANH)


@njit(**KERNEL)
def dense_backward(a, W, dz, dW, db, da, want_da, scratch, tanh_of=None, fuse=True):
    """Gradients of a dense layer.

    a: (m, fan_in) layer input, W: (fan_in, fan_out), dz: (m, fan_out) = dL/dz.
    Writes dW = a.T @ dz (fan_in, fan_out), db = dz summed over rows (fan_out,) and,
    when ``want_da``, da = dz @ W.T (m, fan_in), times 1 - tanh_of**2 when tanh_of is given and
    fuse is true (tanh_of = a, the activations of a tanh layer: ``input_grad``).  scratch: 1-D, at least
    ``scratch_size(max(fan_in, fan_out))`` elements (the loops of narrow layers and W.T for
    ``matmul_rows`` go there, so a minibatch allocates nothing).
    """
    m, fan_in = a.shape
    fan_out = W.shape[1]
    bias_grad(dz, db)
    if splits(m, fan_in, fan_out, dW.itemsize):
        weight_grad_rows(a, dz, dW, 0, fan_in, scratch)
        if want_da:
            input_grad(W, dz, da, scratch, m, tanh_of, fuse)
        return
    if _blas(m, fan_in, fan_out):
        np.dot(a.T, dz, dW)
        if want_da:
            np.dot(dz, W.T, da)
            _tanh_grad(da, tanh_of, fuse)
        return
    # a narrow layer: dW.T = dz.T @ a and da = dz @ W.T, in the register tiles when fan_in is whole vectors;
    # with one output, dW.T and W.T are dW and W themselves, read as one row (a 2-16-16-1 float64
    # batch-32 step's copies of them took 120 of its 8,400 TSC cycles)
    tiles = _vectors(fan_out, m, fan_in, dW.itemsize)
    one = fan_out == 1
    dWT = block(flat(dW), 0, 1, fan_in) if one else block(scratch, 0, fan_out, fan_in)
    if tiles:
        zeros = span(scratch, 2 * fan_out * fan_in, fan_in)
        zeros[:] = 0
        matmul_rows(transposed(dz), a, dWT, zeros)
    else:
        dWT[:] = 0
        _add_atb(dz, a, dWT)
    if not one:
        for k in range(fan_in):
            for j in range(fan_out):
                dW[k, j] = dWT[j, k]
    if not want_da:
        return
    if one:
        WT = block(flat(W), 0, 1, fan_in)
    else:
        WT = block(scratch, fan_out * fan_in, fan_out, fan_in)
        _transpose(W, WT)
    if tiles:
        matmul_rows(dz, WT, da, span(scratch, 2 * fan_out * fan_in, fan_in), tanh_of, fuse)
        return
    for i in range(m):  # da[i] = sum over j of dz[i, j] W[:, j]
        for k in range(fan_in):
            da[i, k] = 0
    for j in range(fan_out):
        column = WT[j]
        for i in range(m):
            dzij = dz[i, j]
            row = da[i]
            for k in range(fan_in):
                row[k] += dzij * column[k]
    _tanh_grad(da, tanh_of, fuse)
