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


def seeded_state(seed):
    """``pcg64_state(np.random.default_rng(seed))`` for an int seed >= 0, computed in compiled code
    (NumPy's SeedSequence hashing its 32-bit words, then PCG64's seeding: 1.5 against 9 us)."""
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"seed must be non-negative; got {seed}")
    words = [seed >> shift & 0xFFFFFFFF for shift in range(0, max(seed.bit_length(), 1), 32)]
    return _seeded_state(np.array(words, np.uint32))


#: NumPy's SeedSequence constants (numpy/random/bit_generator.pyx)
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R, _POOL = 0xCA01F9DD, 0x4973F715, 4


@njit(**KERNEL)
def _seeded_state(words):
    """``pcg64_state`` of the PCG64 that NumPy seeds from SeedSequence(entropy) for an entropy of
    32-bit words (n,) uint32, least significant first.  (32-bit arithmetic in uint64 values, masked:
    Numba widens uint32 products.)"""
    pool = np.empty(_POOL, np.uint64)
    h = np.uint64(_INIT_A)
    for i in range(_POOL):
        pool[i], h = _hashmix(np.uint64(words[i]) if i < words.shape[0] else np.uint64(0), h)
    for i_src in range(_POOL):
        for i_dst in range(_POOL):
            if i_src != i_dst:
                value, h = _hashmix(pool[i_src], h)
                pool[i_dst] = _mix(pool[i_dst], value)
    for i_src in range(_POOL, words.shape[0]):
        for i_dst in range(_POOL):
            value, h = _hashmix(np.uint64(words[i_src]), h)
            pool[i_dst] = _mix(pool[i_dst], value)
    # generate_state(4, uint64): 8 words cycling over the pool, pairs little-endian
    h = np.uint64(_INIT_B)
    seed = np.zeros(4, np.uint64)
    for i in range(8):
        value = pool[i % _POOL] ^ h
        h = h * np.uint64(_MULT_B) & _LOW32
        value = value * h & _LOW32
        seed[i // 2] |= (value ^ value >> np.uint64(16)) << (_HALF if i % 2 else np.uint64(0))
    # PCG64's seeding: state 0, inc = (seed[2:] << 1) | 1, a step, state += seed[:2], a step
    inc_hi, inc_lo = seed[2] << np.uint64(1) | seed[3] >> np.uint64(63), seed[3] << np.uint64(1) | np.uint64(1)
    hi, lo, _ = pcg64_step(np.uint64(0), np.uint64(0), inc_hi, inc_lo)
    lo += seed[1]
    hi += seed[0] + (np.uint64(1) if lo < seed[1] else np.uint64(0))
    hi, lo, _ = pcg64_step(hi, lo, inc_hi, inc_lo)
    out = np.zeros(6, np.uint64)
    out[0], out[1], out[2], out[3] = hi, lo, inc_hi, inc_lo
    return out


@njit(inline="always")
def _hashmix(value, h):
    """SeedSequence's hashmix of a 32-bit value (uint64) with hash constant h: (hash, next h)."""
    value ^= h
    h = h * np.uint64(_MULT_A) & _LOW32
    value = value * h & _LOW32
    return value ^ value >> np.uint64(16), h


@njit(inline="always")
def _mix(x, y):
    """SeedSequence's mix of two 32-bit values (uint64)."""
    result = (np.uint64(_MIX_L) * x - np.uint64(_MIX_R) * y) & _LOW32
    return result ^ result >> np.uint64(16)


@njit(nogil=True, **KERNEL)
def permutations(s, out):
    """Fill each row of out (k, n) int64, n < MAX_ROWS, with what ``Generator.permutation(n)``
    of the generator in state s (``pcg64_state``, advanced) gives, one call after another:
    0 .. n-1, then Fisher-Yates from the last row down, row j swapped with row i for j drawn in
    0 .. i by NumPy's random_interval (32 random bits masked to i's bit length, drawn again while
    above i), the 32 bits being halves of PCG64's 64 (the low half first, the high half kept for
    the next draw).  Every draw is one ``_draw`` without a branch on it (a rejected one swaps row
    i with itself), two per step of the generator, whose state stays in registers; the mask is
    fixed for a loop over the i of one bit length, so each draw waits only on the last one's i:
    2.0-2.1 ns a row here (n of 1,000 to 60,000), against 3.4-3.7 with the mask chosen at every draw and
    5.8-6.3 for a loop branching on each draw's rejection."""
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
        while i > 0:  # i from mask down to mask >> 1 (exclusive), then the next bit length
            floor = mask >> np.uint64(1)
            if has_half:  # the last step's high half comes first
                i = _draw(row, i, mask, half)
                has_half = np.uint64(0)
            while i > floor:
                hi, lo, bits = pcg64_step(hi, lo, inc_hi, inc_lo)
                half = bits >> _HALF  # kept as NumPy keeps it, drawn or not
                i = _draw(row, i, mask, bits & _LOW32)
                if i <= floor:
                    has_half = np.uint64(1)
                    break
                i = _draw(row, i, mask, half)
            mask = floor
    s[0], s[1], s[4], s[5] = hi, lo, has_half, half


@njit(inline="always")
def _draw(row, i, mask, bits):
    """One draw of random_interval(i) (uint64 i >= 1, mask its bit length's): row i swapped with row
    bits & mask if that is at most i, then i - 1; else row i with itself, i."""
    j = bits & mask
    taken = j <= i
    j = j if taken else i
    row[i], row[j] = row[j], row[i]
    return i - (np.uint64(1) if taken else np.uint64(0))
