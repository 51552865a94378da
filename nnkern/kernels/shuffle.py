"""Compiled row orders: NumPy's ``Generator.permutation`` of a ``PCG64`` generator (what
``np.random.default_rng(seed)`` makes), the same numbers, drawn in compiled code for several
epochs at once.  NumPy's own shuffle took 10-14 ns a row here (a function-pointer call per random
number, a generic copy per swap): for a small net, a tenth of an epoch.

The generator's state travels as ``pcg64_state``'s uint64 array; the reference is NumPy itself
(``tests/test_shuffle.py`` holds the two together).
"""

import numpy as np
from numba import njit

from .activations import KERNEL
from ._numba_ext import pcg64_next

_LOW32, _HALF = np.uint64(0xFFFFFFFF), np.uint64(32)
#: the largest row count drawn as NumPy does with 32-bit numbers (larger ones it draws with 64)
MAX_ROWS = 1 << 32


def pcg64_state(rng):
    """uint64 (6,): the state and increment (high and low words) of ``rng``'s PCG64 bit generator,
    then its buffered 32 bits (has_uint32, uinteger)."""
    st = rng.bit_generator.state
    if st["bit_generator"] != "PCG64":
        raise ValueError(f"row orders are drawn from a PCG64 generator, not {st['bit_generator']}")
    words = [w >> shift & 0xFFFFFFFFFFFFFFFF for w in (st["state"]["state"], st["state"]["inc"]) for shift in (64, 0)]
    return np.array(words + [st["has_uint32"], st["uinteger"]], np.uint64)


@njit(nogil=True, **KERNEL)
def permutations(s, out):
    """Fill each row of out (k, n) int64, n < MAX_ROWS, with what ``Generator.permutation(n)``
    of the generator in state s (``pcg64_state``, advanced) gives, one call after another:
    0 .. n-1, then Fisher-Yates from the last row down, row j swapped with row i for j drawn in
    0 .. i by NumPy's random_interval (32 random bits masked to i's bit length, drawn again while
    above i), the 32 bits being halves of PCG64's 64 (pcg64_next32: the low half first, the high
    half kept for the next draw)."""
    k, n = out.shape
    has_half, half = s[4], s[5]  # kept in registers (the generator's state stays in s)
    for e in range(k):
        row = out[e]
        for i in range(n):
            row[i] = i
        for i in range(n - 1, 0, -1):
            top = np.uint64(i)
            mask = top
            for shift in (1, 2, 4, 8, 16):
                mask |= mask >> np.uint64(shift)
            while True:
                if has_half:
                    bits, has_half = half, np.uint64(0)
                else:
                    word = pcg64_next(s)
                    bits, half, has_half = word & _LOW32, word >> _HALF, np.uint64(1)
                bits &= mask
                if bits <= top:
                    break
            row[i], row[bits] = row[bits], row[i]
    s[4], s[5] = has_half, half
