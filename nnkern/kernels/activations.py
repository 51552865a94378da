"""Compiled activation functions, applied to whole (m, width) blocks, and the vectorisable
elementary functions they are built from.

pip's llvmlite has no SVML, so ``math.tanh``, ``math.exp`` and ``math.log1p`` are scalar library
calls (~15 ns / ~5 ns each) that stop a loop from vectorising.  The functions here are plain
arithmetic (clamps, polynomials, one division, an exponent built from bits), so LLVM vectorises
every loop that calls them:

- float32 ``fast_tanh`` (``tanh32``): Eigen's rational approximation; error against the exact
  tanh below 4e-7 absolute, 1e-6 relative for |x| < 0.5 (tested).
- float64 ``fast_tanh`` (``tanh64``): (exp(2|x|) - 1) / (exp(2|x|) + 1) with exp written as
  Cephes' rational, one formula for every x; error against ``np.tanh`` below 5e-16 relative
  (tested; 3.6e-16 against the exact tanh on 24 million points), so gradient checks stay tight.
- ``exp64`` (Cephes' Pade form with Cody-Waite reduction, 2**n built in the exponent bits):
  below 3e-16 relative on [-708, 709]; ``log1p_01`` (log1p on [0, 1]): below 3e-16 relative.

These functions use only ``contract`` fast-math (FMA): reassociation would undo the two-constant
range reduction.  Element-wise loops over a block run over its flat (m * width) buffer so they
stay long enough to vectorise.
"""

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from .codes import IDENTITY, LEAKY_RELU, LEAKY_SLOPE, RELU, SIGMOID, SOFTMAX, TANH
from ._numba_ext import bits_to_float64, flat, float64_to_bits, wide_vectors

#: the one fast-math flag of every kernel: a multiply and an add may fuse into an FMA.  No
#: reassociation: with it, LLVM chose the order of a sum (the batch's bias gradient, the loss) anew
#: wherever it inlined the loop, so a function gave other bits in the process that compiled it than
#: in one that loaded it from Numba's cache, and a run trained on a fresh cache was not the run
#: trained again (``tests/test_numba_cache.py``); nor 'nsz' or 'arcp', which leave signs of zeros
#: and divisions to the optimiser the same way.  NaN and inf keep their meaning (no 'nnan' / 'ninf')
ELEMENTWISE = {"contract"}
#: options every CPU kernel compiles with: cached, ``ELEMENTWISE``, and no Python ZeroDivisionError
#: checks (they keep any loop with a division from vectorising)
KERNEL = dict(cache=True, fastmath=ELEMENTWISE, error_model="numpy")

_f = np.float32
_CLAMP = _f(7.90531110763549805)
_A1, _A3, _A5 = _f(4.89352455891786e-03), _f(6.37261928875436e-04), _f(1.48572235717979e-05)
_A7, _A9 = _f(5.12229709037114e-08), _f(-8.60467152213735e-11)
_A11, _A13 = _f(2.00018790482477e-13), _f(-2.76076847742355e-16)
_B0, _B2 = _f(4.89352518554385e-03), _f(2.26843463243900e-03)
_B4, _B6 = _f(1.18534705686654e-04), _f(1.19825839466702e-06)

# Cephes exp: x = n ln2 + r (ln2 = C1 + C2), exp r = 1 + 2 r P(r^2) / (Q(r^2) - r P(r^2))
_LOG2E = 1.4426950408889634073599
_C1, _C2 = 6.93145751953125e-1, 1.42860682030941723212e-6
_EP0, _EP1, _EP2 = 1.26177193074810590878e-4, 3.02994407707441961300e-2, 9.99999999999999999910e-1
_EQ0, _EQ1 = 3.00198505138664455042e-6, 2.52448340349684104192e-3
_EQ2, _EQ3 = 2.27265548208155028766e-1, 2.00000000000000000009e0
# tanh64: the same rational in h = r / 2, p and q halved (powers of two: the same roundings):
# p / 2 = h + h^3 (_H0 h^2 + _H1), q / 2 = 1 + h^2 ((_G0 h^2 + _G1) h^2 + _G2)  (_EP2 is 1, _EQ3 2)
_H0, _H1 = 16.0 * _EP0, 4.0 * _EP1
_G0, _G1, _G2 = 32.0 * _EQ0, 8.0 * _EQ1, 2.0 * _EQ2
#: adding it to a float below 2**51 rounds that to an integer m and leaves m + 1022 in the low bits
_SHIFTER = 1.5 * 2.0**52 + 1022.0
_SQRT2 = 1.41421356237309504880
_LN2 = 0.693147180559945309417232


def tanh_rational(x):
    """Eigen's float32 rational tanh on a NumPy float32 array (the reference for the kernel)."""
    x = np.clip(np.asarray(x, np.float32), -_CLAMP, _CLAMP)
    x2 = x * x
    p = x2 * _A13 + _A11
    for c in (_A9, _A7, _A5, _A3, _A1):
        p = p * x2 + c
    q = ((x2 * _B6 + _B4) * x2 + _B2) * x2 + _B0
    return (x * p / q).astype(np.float32)


@njit(inline="always")
def _pow2(n):
    """2.0**n for an integral n in float64's normal exponent range, built from its exponent bits."""
    return bits_to_float64((np.int64(np.int32(n)) + 1023) << 52)  # via int32: AVX2 converts those in vectors


@njit(inline="always")
def _exp_reduced(x):
    """(p, q, n) with exp(x) = (q + p) / (q - p) * 2**n: Cephes' range reduction x = n ln2 + r and
    its rational approximation in r."""
    n = np.floor(_LOG2E * x + 0.5)  # a float: math.floor's int64 and back do not vectorise with AVX2
    r = x - n * _C1
    r = r - n * _C2
    rr = r * r
    p = r * ((_EP0 * rr + _EP1) * rr + _EP2)
    q = ((_EQ0 * rr + _EQ1) * rr + _EQ2) * rr + _EQ3
    return p, q, n


@njit(fastmath=ELEMENTWISE, error_model="numpy")
def exp64(x):
    """exp(x) in float64 that vectorises; clamps x to [-708, 709] (no overflow, no subnormals)."""
    x = min(max(x, -708.0), 709.0)
    p, q, n = _exp_reduced(x)
    e = 1.0 + 2.0 * (p / (q - p))
    return e * _pow2(n)


@njit(fastmath=ELEMENTWISE, error_model="numpy")
def log1p_01(t):
    """log(1 + t) for t in [0, 1] in float64 that vectorises (atanh series, with the rounding of
    1 + t corrected)."""
    u = 1.0 + t
    big = u > _SQRT2
    f = u * 0.5 if big else u
    s = (f - 1.0) / (f + 1.0)
    s2 = s * s
    # 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| <= 0.1716 so s^2 <= 0.0295: 11 terms
    p = 1.0 / 23.0
    p = p * s2 + 1.0 / 21.0
    p = p * s2 + 1.0 / 19.0
    p = p * s2 + 1.0 / 17.0
    p = p * s2 + 1.0 / 15.0
    p = p * s2 + 1.0 / 13.0
    p = p * s2 + 1.0 / 11.0
    p = p * s2 + 1.0 / 9.0
    p = p * s2 + 1.0 / 7.0
    p = p * s2 + 1.0 / 5.0
    p = p * s2 + 1.0 / 3.0
    log_f = 2.0 * s + 2.0 * s * s2 * p
    correction = (t - (u - 1.0)) / u
    return (_LN2 if big else 0.0) + log_f + correction


@njit(fastmath=ELEMENTWISE, error_model="numpy")
def tanh64(x):
    """tanh in float64 that vectorises: one division, no branch (see the module docstring).

    With 2|x| = n ln2 + r and Cephes' exp(r) = (q + p) / (q - p), tanh|x| = (exp(2|x|) - 1) /
    (exp(2|x|) + 1) = (q (s - 1/2) + p (s + 1/2)) / (q (s + 1/2) + p (s - 1/2)), s = 2**(n-1).
    n is rounded from 2|x| / ln2 - 0.35, so r lies in [-0.11, 0.59] (where the rational still
    holds to 1e-17) and the numerator cancels little; for n >= 2 the quotient is written
    1 - (q - p) / denominator, which rounds well near 1.
    """
    a = min(abs(x), 20.0)
    k = (2.0 * _LOG2E * a - 0.35) + _SHIFTER
    n = k - _SHIFTER
    h = a - n * (0.5 * _C1)
    h = h - n * (0.5 * _C2)
    hh = h * h
    p = (h * hh) * (_H0 * hh + _H1) + h
    q = ((_G0 * hh + _G1) * hh + _G2) * hh + 1.0
    s = bits_to_float64(float64_to_bits(k) << 52)
    sm, sp = s - 0.5, s + 0.5
    den = q * sp + p * sm
    near_one = n >= 2.0
    num = q - p if near_one else q * sm + p * sp
    f = num / den
    return np.copysign(1.0 - f if near_one else f, x)


@njit(fastmath=ELEMENTWISE, error_model="numpy")
def tanh32(x):
    """tanh in float32 that vectorises: Eigen's rational approximation (``tanh_rational`` in NumPy,
    up to a few ulp where fused multiply-adds round differently)."""
    x = min(max(x, -_CLAMP), _CLAMP)
    x2 = x * x
    p = x2 * _A13 + _A11
    p = p * x2 + _A9
    p = p * x2 + _A7
    p = p * x2 + _A5
    p = p * x2 + _A3
    p = p * x2 + _A1
    q = ((x2 * _B6 + _B4) * x2 + _B2) * x2 + _B0
    return x * p / q


def fast_tanh(x):
    """tanh of a scalar that vectorises inside compiled code: ``tanh32`` for float32, ``tanh64``
    for float64, ``math.tanh`` otherwise; called from Python, the same functions, so the same
    numbers."""
    if isinstance(x, np.float32):
        return np.float32(tanh32(x))
    if isinstance(x, (float, np.float64)):
        return tanh64(x)
    return math.tanh(x)


@overload(fast_tanh)
def _fast_tanh_impl(x):
    if x == types.float32:
        return lambda x: tanh32(x)
    if x == types.float64:
        return lambda x: tanh64(x)
    return lambda x: math.tanh(x)


@njit(cache=True, fastmath=ELEMENTWISE, error_model="numpy")
def activate(z, a, code):
    """a = f(z) for C-contiguous (m, w) blocks; ``a`` may be ``z`` (in place: a forward pass that
    keeps only the activations).  Softmax acts along each row."""
    # in 512-bit vectors on AVX-512 (LLVM's tuning keeps loops to 256 bits there): a 2-16-16-1
    # forward pass over 1000 rows 14.8 against 18.6 us in float32, 40.9 against 49.9 in float64
    # (an Intel Xeon core, fastest of 5 runs of 2,000 passes)
    wide_vectors()
    m, w = z.shape
    if code == SOFTMAX:  # 128 x 10 float32 2.2 against 10 us a row at a time
        exp_less_row_max(z, a, None)
        for i in range(m):  # then each row's sum, in order, in float64
            total = 0.0
            for j in range(w):
                total += a[i, j]
            inv = 1.0 / total
            for j in range(w):
                a[i, j] *= inv
        return
    af = flat(a)
    if z.ctypes.data == a.ctypes.data:  # one array: its loops vectorise with no overlap check
        _elementwise(af, af, code)
    else:
        _elementwise(flat(z), af, code)


@njit(inline="always")
def exp_less_row_max(z, out, tops):
    """out[i, j] = exp(z[i, j] - the largest z[i, :]) (``exp64``), the difference rounded to out's
    dtype, for C-contiguous z, out (m, w) (out may be z); each row's largest into tops (m,) as well
    unless tops is None.  The exps run in one loop over the block, which vectorises (a row of 10
    went through a scalar remainder)."""
    m, w = z.shape
    f = out.dtype.type
    for i in range(m):
        top = f(z[i, 0])
        for j in range(1, w):
            top = max(top, f(z[i, j]))
        if tops is not None:
            tops[i] = top
        for j in range(w):
            out[i, j] = f(z[i, j]) - top
    of = flat(out)
    for k in range(of.size):
        of[k] = exp64(of[k])


@njit(inline="always")
def _elementwise(zf, af, code):
    """af = f(zf) for an element-wise activation, flat arrays of one length (af may be zf)."""
    half = zf.dtype.type(0.5)
    if code == TANH:
        for i in range(zf.size):
            af[i] = fast_tanh(zf[i])
    elif code == SIGMOID:
        for i in range(zf.size):
            af[i] = half + half * fast_tanh(half * zf[i])
    elif code == RELU:
        for i in range(zf.size):
            af[i] = max(zf[i], 0)
    elif code == LEAKY_RELU:
        for i in range(zf.size):
            zi = zf[i]
            af[i] = zi if zi > 0 else LEAKY_SLOPE * zi
    elif code == IDENTITY:
        for i in range(zf.size):
            af[i] = zf[i]
    else:
        raise ValueError("activate: unknown activation code (see nnkern.kernels.codes)")


@njit(cache=True, fastmath=ELEMENTWISE, error_model="numpy")
def activation_backward(z, a, da, dz, code):
    """dz = da * f'(z) for an element-wise hidden activation, C-contiguous (m, w) blocks;
    f' from a where cheaper."""
    n = z.shape[0] * z.shape[1]
    zf, af, daf, dzf = flat(z), flat(a), flat(da), flat(dz)
    one = a.dtype.type(1)  # in a's dtype (an int 1 took float32 through float64), as ``matmul_rows``'s tanh_grad_of
    if code == TANH:
        for i in range(n):
            dzf[i] = daf[i] * (one - af[i] * af[i])
    elif code == SIGMOID:
        for i in range(n):
            dzf[i] = daf[i] * af[i] * (1 - af[i])
    elif code == RELU:
        for i in range(n):
            dzf[i] = daf[i] if zf[i] > 0 else 0
    elif code == LEAKY_RELU:
        for i in range(n):
            dzf[i] = daf[i] if zf[i] > 0 else LEAKY_SLOPE * daf[i]
    elif code == IDENTITY:
        for i in range(n):
            dzf[i] = daf[i]
    else:
        raise ValueError("activation_backward: unknown hidden activation code (see nnkern.kernels.codes)")
