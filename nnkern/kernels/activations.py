"""Compiled activation functions, applied to whole (m, width) blocks.

pip's llvmlite has no SVML, so ``math.tanh`` and ``math.exp`` are scalar library calls that do
not vectorise. For float32 the tanh (and the sigmoid built from it) is Eigen's rational
approximation: a clamp, two short polynomials and a division, which LLVM vectorises.
Its largest error against ``np.tanh`` is below 3e-7 absolute (tested). float64 keeps the exact
``math.tanh`` so gradient checks stay tight.
"""

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

from .codes import IDENTITY, LEAKY_RELU, LEAKY_SLOPE, RELU, SIGMOID, SOFTMAX, TANH

#: fastmath flags safe for NaN detection: no 'nnan' / 'ninf'
FASTMATH = {"contract", "reassoc", "nsz", "arcp"}

_f = np.float32
_CLAMP = _f(7.90531110763549805)
_A1, _A3, _A5 = _f(4.89352455891786e-03), _f(6.37261928875436e-04), _f(1.48572235717979e-05)
_A7, _A9 = _f(5.12229709037114e-08), _f(-8.60467152213735e-11)
_A11, _A13 = _f(2.00018790482477e-13), _f(-2.76076847742355e-16)
_B0, _B2 = _f(4.89352518554385e-03), _f(2.26843463243900e-03)
_B4, _B6 = _f(1.18534705686654e-04), _f(1.19825839466702e-06)


def tanh_rational(x):
    """Eigen's float32 rational tanh on a NumPy float32 array (the reference for the kernel)."""
    x = np.clip(np.asarray(x, np.float32), -_CLAMP, _CLAMP)
    x2 = x * x
    p = x2 * _A13 + _A11
    for c in (_A9, _A7, _A5, _A3, _A1):
        p = p * x2 + c
    q = ((x2 * _B6 + _B4) * x2 + _B2) * x2 + _B0
    return (x * p / q).astype(np.float32)


def fast_tanh(x):
    """tanh that vectorises for float32 inside compiled code (see module docstring)."""
    return np.tanh(x)


@overload(fast_tanh, inline="always")
def _fast_tanh_impl(x):
    if x == types.float32:

        def tanh32(x):
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

        return tanh32
    return lambda x: math.tanh(x)


@njit(cache=True, fastmath=FASTMATH)
def activate(z, a, code):
    """a = f(z) for a (m, w) block, in place on ``a``. Softmax acts along each row."""
    m, w = z.shape
    half = z.dtype.type(0.5)
    if code == TANH:
        for i in range(m):
            for j in range(w):
                a[i, j] = fast_tanh(z[i, j])
    elif code == SIGMOID:
        for i in range(m):
            for j in range(w):
                a[i, j] = half + half * fast_tanh(half * z[i, j])
    elif code == RELU:
        for i in range(m):
            for j in range(w):
                a[i, j] = max(z[i, j], 0)
    elif code == LEAKY_RELU:
        for i in range(m):
            for j in range(w):
                zij = z[i, j]
                a[i, j] = zij if zij > 0 else LEAKY_SLOPE * zij
    elif code == SOFTMAX:
        for i in range(m):
            top = z[i, 0]
            for j in range(1, w):
                top = max(top, z[i, j])
            total = 0.0
            for j in range(w):
                e = math.exp(z[i, j] - top)
                a[i, j] = e
                total += e
            inv = 1.0 / total
            for j in range(w):
                a[i, j] *= inv
    else:
        for i in range(m):
            for j in range(w):
                a[i, j] = z[i, j]


@njit(cache=True, fastmath=FASTMATH)
def activation_backward(z, a, da, dz, code):
    """dz = da * f'(z) for an element-wise hidden activation, (m, w) blocks; f' from a where cheaper."""
    m, w = z.shape
    if code == TANH:
        for i in range(m):
            for j in range(w):
                dz[i, j] = da[i, j] * (1 - a[i, j] * a[i, j])
    elif code == SIGMOID:
        for i in range(m):
            for j in range(w):
                dz[i, j] = da[i, j] * a[i, j] * (1 - a[i, j])
    elif code == RELU:
        for i in range(m):
            for j in range(w):
                dz[i, j] = da[i, j] if z[i, j] > 0 else 0
    elif code == LEAKY_RELU:
        for i in range(m):
            for j in range(w):
                dz[i, j] = da[i, j] if z[i, j] > 0 else LEAKY_SLOPE * da[i, j]
    else:
        for i in range(m):
            for j in range(w):
                dz[i, j] = da[i, j]
