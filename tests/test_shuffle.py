"""Row orders drawn in compiled code (``nnkern.kernels.shuffle``) against NumPy's own
``Generator.permutation``: the same numbers, the generator left in the same state."""

import numpy as np
import pytest

from nnkern.batches import EpochOrders
from nnkern.kernels import shuffle


@pytest.mark.parametrize("seed", [0, 1, 2**40 + 7])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 31, 1000, 65_537])
def test_permutations_are_numpys_one_call_after_another(seed, n):
    rng = np.random.default_rng(seed)
    state = shuffle.pcg64_state(np.random.default_rng(seed))
    for k in (1, 3, 2):  # calls of several epochs continue where the last one stopped
        out = np.empty((k, n), np.int64)
        shuffle.permutations(state, out)
        np.testing.assert_array_equal(out, np.stack([rng.permutation(n) for _ in range(k)]))
        np.testing.assert_array_equal(state, shuffle.pcg64_state(rng))


@pytest.mark.parametrize("seed", [0, 1, 7, 12345, 2**32 - 1, 2**32, 2**64 - 1, 2**64, 2**128 + 99, 3**200,
                                  np.int64(42), np.uint32(9)])
def test_seeded_state_is_default_rngs(seed):
    np.testing.assert_array_equal(shuffle.seeded_state(seed), shuffle.pcg64_state(np.random.default_rng(seed)))


def test_epoch_orders_take_any_seed_numpy_takes():
    for seed in (None, [1, 2, 3], np.random.SeedSequence(4)):
        assert EpochOrders(seed, 50, 10).take(1).shape == (1, 50)
    np.testing.assert_array_equal(EpochOrders([1, 2], 50, 10).take(1)[0], np.random.default_rng([1, 2]).permutation(50))
    with pytest.raises(ValueError, match="negative"):
        EpochOrders(-1, 50, 10)


def test_a_generator_holding_half_a_draw_continues_as_numpy_does():
    rng = np.random.default_rng(3)
    rng.integers(0, 10, dtype=np.uint32)  # leaves 32 buffered bits
    state = shuffle.pcg64_state(rng)
    assert state[4] == 1
    out = np.empty((1, 500), np.int64)
    shuffle.permutations(state, out)
    np.testing.assert_array_equal(out[0], rng.permutation(500))


def test_only_pcg64_is_taken():
    with pytest.raises(ValueError, match="PCG64 generator, not MT19937"):
        shuffle.pcg64_state(np.random.Generator(np.random.MT19937(0)))


def test_epoch_orders_take_what_next_gives():
    a, b = EpochOrders(5, 200, 32), EpochOrders(5, 200, 32)
    np.testing.assert_array_equal(a.take(4), np.stack([next(b) for _ in range(4)]))
    np.testing.assert_array_equal(next(a), next(b))
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(EpochOrders(5, 200, 32).take(2), np.stack([rng.permutation(200), rng.permutation(200)]))
    np.testing.assert_array_equal(EpochOrders(5, 200, 200).take(2), np.tile(np.arange(200), (2, 1)))


def test_too_many_rows_to_shuffle_is_a_clear_error_and_full_batches_need_none():
    with pytest.raises(ValueError, match="at most 4294967295 samples can be shuffled; got 4294967296"):
        EpochOrders(0, 2**32, 32)
    assert EpochOrders(0, 2**32, 2**32).state is None  # one full batch: nothing to shuffle
