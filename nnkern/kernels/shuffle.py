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
from ._numba_ext import pcg64_step

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
    above i), the 32 bits being halves of PCG64's 64 (the low half first, the high half kept for
    the next draw).  Every draw is one ``_draw`` without a branch on it (a rejected one swaps row
    i with itself), two per step of the generator, whose state stays in registers: 3.5 ns a row
    here (n of 1,000 to 60,000), against 5.8-6.3 for a loop branching on each draw's rejection."""
    k, n = out.shape
    hi, lo, inc_hi, inc_lo, has_half, half = s[0], s[1], s[2], s[3], s[4], s[5]
    for e in range(k):
        row = out[e]
        for i in range(n):
            row[i] = i
        i = np.uint64(max(n - 1, 0))  # no rows: nothing drawn (n - 1 would wrap around)
        mask = i
        for shift in (1, 2, 4, 8, 16):
            mask |= mask >> np.uint64(shift)
        if i > 0 and has_half:
            i, mask = _draw(row, i, mask, half)
            has_half = np.uint64(0)
        while i > 0:
            hi, lo, bits = pcg64_step(hi, lo, inc_hi, inc_lo)
            half = bits >> _HALF  # kept as NumPy keeps it, drawn or not
            i, mask = _draw(row, i, mask, bits & _LOW32)
            if i == 0:
                has_half = np.uint64(1)
                break
            i, mask = _draw(row, i, mask, half)
    s[0], s[1], s[4], s[5] = hi, lo, has_half, half


@njit(inline="always")
def _draw(row, i, mask, bits):
    """One draw of random_interval(i) (uint64 i >= 1, mask its bit length's): row i swapped with row
    bits & mask if that is at most i, then (i - 1, its mask); else row i with itself, (i, mask)."""
    j = bits & mask
    taken = j <= i
    j = j if taken else i
    row[i], row[j] = row[j], row[i]
    i -= np.uint64(1) if taken else np.uint64(0)
    return i, (mask >> np.uint64(1) if i <= mask >> np.uint64(1) else mask)
