"""A team of threads training one net (``nnkern.kernels.team``): its shares, its barrier, its
failures, and that it trains as one thread does."""

import threading

import numpy as np
import pytest
from numba import njit

from nnkern.kernels import epoch_args, passes, team
from nnkern.kernels._numba_ext import INTERNALS, cycles
from nnkern.kernels.codes import ADAM, MOMENTUM, RECORD_GRAD, RECORD_STATE, RELU, SIGMOID, SKIP, SOFTMAX, TANH
from nnkern.kernels.layout import Layout


def _skewed(size, equal=team.ledger):
    """A member's ledger whose parts grow with the role (1, 2, 3 ...)."""
    ledger = equal(size)
    ledger[: size + 1] = np.cumsum([0, *range(1, size + 1)]) / (size * (size + 1) / 2)
    return ledger


@pytest.mark.parametrize("n", [0, 1, 7, 8, 100, 784, 1001])
@pytest.mark.parametrize("size", [1, 2, 3, 5])
@pytest.mark.parametrize("align", [1, 8, 16])
@pytest.mark.parametrize("ledger", [team.ledger, _skewed])
def test_parts_cover_the_range_once_at_aligned_starts(n, size, align, ledger):
    books = ledger(size)
    parts = [team.part(n, (role, size, team.solo()[2], books), align) for role in range(size)]
    assert parts[0][0] == 0 and parts[-1][1] == n
    for (lo, hi), (next_lo, _) in zip(parts, parts[1:]):
        assert lo <= hi == next_lo and (lo % align == 0 or lo == n)
    if ledger is _skewed and size > 1 and n >= 100 * align:
        assert parts[-1][1] - parts[-1][0] > parts[0][1] - parts[0][0]


@njit(nogil=True)
def _work_slowed(n, cost, steps, bounds, team_):
    """Steps of a range of n items, each member spinning ``cost[role]`` cycles per item of its part
    between a mark and a balance; bounds (steps, size + 1) gets role 0's bounds after each step."""
    role = team_[0]
    for s in range(steps):
        team.mark(team_)
        lo, hi = team.part(n, team_, 1)
        until = cycles() + (hi - lo) * cost[role]
        while cycles() < until:
            pass
        if not team.balance(team_) or not team.barrier(team_):
            return False
        if role == 0:
            bounds[s] = team_[3][: bounds.shape[1]]
    return True


@pytest.mark.skipif(not INTERNALS, reason="no cycle counter without Numba's internals")
def test_balance_gives_a_slower_member_less():
    # member 1 takes 3x as long per item (a slower core): its part settles near a quarter
    steps, bounds = 200, np.zeros((200, 3))
    assert team.run(_work_slowed, (1000, np.array([2000, 6000], np.int64), steps, bounds), 2)
    assert np.all(bounds[:, 0] == 0) and np.all(bounds[:, 2] == 1)
    assert 0.5 < bounds[0, 1] <= 0.5 + team.GAIN * 0.5  # one balance moves it by at most GAIN of the way
    settled = bounds[-50:, 1]
    assert 0.68 < np.median(settled) < 0.82, np.median(settled)


@njit(nogil=True)
def _count_in_lockstep(seen, rounds, team_):
    """Each member writes the round into its slot of seen, then checks after the barrier that
    every member wrote it: returns the rounds where one had not."""
    role, size = team_[0], team_[1]
    wrong = 0
    for r in range(rounds):
        seen[role] = r
        if not team.barrier(team_):
            return -1
        for other in range(size):
            if seen[other] != r:
                wrong += 1
        if not team.barrier(team_):
            return -1
    return wrong


def test_no_member_passes_a_barrier_before_all_reach_it():
    seen = np.full(2, -1, np.int64)
    assert team.run(_count_in_lockstep, (seen, 3000), 2) == 0


@njit(nogil=True)
def _fail_as_member_one(team_):
    role = team_[0]
    if role == 1:
        raise ValueError("member one failed")
    return team.barrier(team_)


def test_a_failing_member_aborts_the_others_and_its_error_is_raised():
    done = []
    caller = threading.Thread(target=lambda: done.append(pytest.raises(ValueError, team.run, _fail_as_member_one,
                                                                       (), 2)))
    caller.start()
    caller.join(timeout=60)
    assert not caller.is_alive(), "role 0 kept waiting at its barrier"
    assert done and "member one failed" in str(done[0].value)


def test_team_size_follows_the_step_and_the_threads():
    assert team.size_for(np.array([2, 16, 16, 1]), 32) == 1  # too small a step
    assert team.size_for(np.array([784, 128, 10]), 128, threads=1) == 1
    assert team.size_for(np.array([784, 128, 10]), 128, threads=2) == 2
    assert team.size_for(np.array([784, 128, 10]), 8, threads=2) == 1  # a member needs MIN_ROWS rows


def _epochs(sizes, hidden, out, dtype, opt, n=200, batch=40, seed=0):
    """The arguments of ``passes.train_epochs`` for 3 epochs, recording steps 1 and 5 (a key row)."""
    rng = np.random.default_rng(seed)
    lay = Layout(np.array(sizes))
    theta = rng.normal(scale=0.4, size=lay.n_params).astype(dtype)
    X = rng.normal(size=(n, sizes[0])).astype(dtype)
    Y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], n)] if out == SOFTMAX else \
        (rng.random((n, sizes[-1])) < 0.5).astype(dtype)
    perms = np.stack([rng.permutation(n) for _ in range(3)])
    codes = np.full((3, -(-n // batch)), SKIP, np.int8)
    codes[0, 1], codes[1, 0] = RECORD_GRAD, RECORD_STATE
    rows, P = 3, lay.n_params
    rec = epoch_args.RecordBuffers(codes, 0, 0, np.zeros((rows, P), dtype), np.zeros(rows, dtype),
                                   np.zeros(rows, np.int64), *(np.zeros((rows, P), dtype) for _ in range(3)))
    state = [theta, np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)]
    out_arrays = (np.empty_like(theta), np.empty(3), np.empty(3, np.int64))
    val = (X[:30].copy(), Y[:30].copy(), np.empty(3), np.empty(3, np.int64))
    return (*state, X, Y, perms, batch, 0, epoch_args.network(lay, hidden, out),
            epoch_args.optimizer(lay, dtype, opt, 0.01, 0.9, 0.999, 1e-8, 1e-3), rec, *out_arrays, *val)


def _assert_rounding_close(have, want, rtol, err_msg=""):
    """have equals want up to rounding: of each entry, and of the sums that made it.  A sum's
    rounding is relative to its terms, not to its result, so an entry cancelled to near zero may
    be off by rtol of the array's largest entry."""
    np.testing.assert_allclose(have, want, rtol=rtol, atol=rtol * np.abs(want).max(initial=0), err_msg=err_msg)


def _train(args, threads, monkeypatch=None):
    """``passes.train_epochs`` on copies of args by a team of ``threads`` (more than the cores when
    monkeypatch is given); returns its result and the arrays."""
    if monkeypatch is not None:
        monkeypatch.setattr(team, "size_for", lambda sizes, batch_size, threads=None: threads)
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    rec = args[11]
    args[11] = rec._replace(**{f: getattr(rec, f).copy() for f in ("grad", "loss", "key", "theta", "m1", "m2")})
    result = passes.train_epochs(*args, threads=threads)
    return result, args


# every product of these nets runs in the register tiles: a team gives the same bits
TILED = [([32, 48, 16], TANH, SOFTMAX, np.float32), ([24, 32, 32, 16], RELU, SIGMOID, np.float32),
         ([16, 24, 8], TANH, SOFTMAX, np.float64)]
# these have layers that go to BLAS (narrow outputs) or loops: the same up to rounding
MIXED = [([40, 32, 3], TANH, SOFTMAX, np.float32), ([30, 16, 16, 1], RELU, SIGMOID, np.float64),
         ([5, 7, 2], TANH, SOFTMAX, np.float64)]


@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize("ledger", [team.ledger, _skewed])
@pytest.mark.parametrize("sizes,hidden,out,dtype", TILED + MIXED)
def test_a_team_trains_and_records_what_one_thread_does(sizes, hidden, out, dtype, ledger, size, monkeypatch):
    args = _epochs(sizes, hidden, out, dtype, ADAM if dtype == np.float32 else MOMENTUM)
    (done, status), solo = _train(args, 1)
    assert (done, status) == (3, -1)
    monkeypatch.setattr(team, "ledger", ledger)  # the parts start equal, or skewed
    got_status, got = _train(args, size, monkeypatch)
    assert got_status == (3, -1)
    exact = (sizes, hidden, out, dtype) in TILED
    names = ["theta", "grad", "m1", "m2"] + [f"rec.{f}" for f in ("grad", "loss", "key", "theta", "m1", "m2")] + \
        ["before", "totals", "corrects", "val totals", "val corrects"]
    pairs = [*zip(solo[:4], got[:4]), *zip(solo[11][3:], got[11][3:]), *zip(solo[12:15], got[12:15]),
             *zip(solo[17:], got[17:])]
    for name, (want, have) in zip(names, pairs):
        if exact and name not in ("totals", "rec.loss"):  # sums of the members' losses: in another order
            np.testing.assert_array_equal(have, want, err_msg=name)
        else:
            _assert_rounding_close(have, want, 2e-5 if dtype == np.float32 else 1e-12, err_msg=name)
    assert not np.array_equal(got[0], args[0])  # it trained


@pytest.mark.parametrize("sizes,hidden,out,dtype", TILED)
def test_a_teams_results_do_not_depend_on_where_its_parts_start(sizes, hidden, out, dtype, monkeypatch):
    # losses included: a team sums them by blocks of MIN_ROWS rows, whoever computed each
    args = _epochs(sizes, hidden, out, dtype, ADAM)
    _, equal = _train(args, 2, monkeypatch)
    monkeypatch.setattr(team, "ledger", _skewed)
    _, skewed = _train(args, 2, monkeypatch)
    for want, have in zip([*equal[:4], *equal[11][3:], *equal[12:15], *equal[17:]],
                          [*skewed[:4], *skewed[11][3:], *skewed[12:15], *skewed[17:]]):
        np.testing.assert_array_equal(have, want)


def test_a_teams_shares_of_a_product_take_the_path_of_the_whole_batch(monkeypatch):
    """A 256 -> 128 layer over a batch of 128 rows has 4M multiply-adds: with AVX2 the packed tiles
    (``dense.PACKED_MIN_MACS``), with AVX-512 the register tiles.  Each member of a team forwards
    a share of the rows; the path is chosen for the batch, not for the share (64 rows: 2M, BLAS's
    on its own), so the team computes one thread's bits."""
    from nnkern.kernels import dense

    assert 128 * 784 * 48 >= dense.PACKED_MIN_MACS > 64 * 784 * 48
    args = _epochs([784, 48, 16], TANH, SOFTMAX, np.float32, ADAM, n=256, batch=128)
    (done, status), solo = _train(args, 1)
    assert (done, status) == (3, -1)
    for size in (2, 4):
        (done, status), got = _train(args, size, monkeypatch)
        assert (done, status) == (3, -1)
        for name, want, have in zip(("theta", "grad", "m1", "m2"), solo[:4], got[:4]):
            np.testing.assert_array_equal(have, want, err_msg=f"{name}, a team of {size}")


def test_a_team_stops_at_a_nonfinite_batch_as_one_thread_does():
    args = _epochs([32, 48, 16], TANH, SOFTMAX, np.float32, ADAM)
    X, perms = args[4], args[6]
    bad = perms[1][45]  # in the second batch of the second epoch; the first epoch visits another row twice
    perms[0][perms[0] == bad] = (bad + 1) % len(X)
    X[bad] = np.nan
    (done, status), solo = _train(args, 1)
    assert (done, status) == (1, 1)
    (done, status), got = _train(args, 2)
    assert (done, status) == (1, 1)
    np.testing.assert_array_equal(got[0], solo[0])  # the first epoch's parameters: the team's are the same


def test_nk_train_on_a_team_records_and_replays_what_one_thread_does(tmp_path, monkeypatch):
    import nnkern as nk

    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(300, 32)).astype(np.float32), rng.integers(0, 16, 300)

    def run(threads, folder):
        monkeypatch.setattr(team, "size_for", lambda sizes, batch_size, _=None: threads)
        net = nk.MLP([32, 48, 16], output="softmax", seed=2)
        return net, nk.train(net, X, y, epochs=3, batch_size=40, record=1, record_to=folder, quiet=True).recording

    solo_net, solo = run(1, tmp_path / "solo")
    team_net, teamed = run(2, tmp_path / "team")
    np.testing.assert_array_equal(team_net.params, solo_net.params)  # every product in the tiles: the same bits
    np.testing.assert_array_equal(teamed.params(-1), team_net.params)  # replaying the recorded steps rebuilds them
    for field in ("params", "grad", "m1", "m2"):
        np.testing.assert_array_equal(teamed.stack(field), solo.stack(field))
    np.testing.assert_allclose(teamed.losses, solo.losses, rtol=1e-6)


def test_a_team_shares_the_blas_products_by_rows(monkeypatch):
    """An 800-wide layer over 400 rows (1.3 MB of left operand) goes to BLAS on any CPU; a team
    still shares its backward pass (dW by rows through ``at_b_rows``, da by rows of the batch) and
    trains to what one thread does, up to BLAS's rounding."""
    from nnkern.kernels import dense

    assert dense.splits(400, 800, 48, 4) and not dense._vectors(800, 400, 48, 4)
    args = _epochs([800, 48, 32, 10], TANH, SOFTMAX, np.float32, ADAM, n=800, batch=400)
    (done, status), solo = _train(args, 1)
    assert (done, status) == (3, -1)
    (done, status), got = _train(args, 2, monkeypatch)
    assert (done, status) == (3, -1)
    for name, want, have in zip(("theta", "grad", "m1", "m2"), solo[:4], got[:4]):
        _assert_rounding_close(have, want, 2e-5, err_msg=name)
    assert not np.array_equal(got[0], args[0])  # it trained


def test_the_choice_runs_the_team_probes_one_thread_and_keeps_the_faster():
    choice = team.Choice(2)
    seen = []
    for call in range(4 * team.PROBE_EVERY):
        size = choice.size()
        seen.append(size)
        slow = call >= 2 * team.PROBE_EVERY  # from then on another process holds a core: the team is slow
        choice.took(size, (0.030 if slow else 0.015) if size == 2 else 0.021)
    probes = [team.FIRST_PROBE + k * team.PROBE_EVERY for k in range(4)]
    assert [c for c in range(2 * team.PROBE_EVERY) if seen[c] == 1] == probes[:2]  # one thread only to probe it
    assert seen[probes[2] + 1 :].count(2) == 1  # once slower, the team runs only to probe it
    solo = team.Choice(1)
    for _ in range(2 * team.PROBE_EVERY):
        assert solo.size() == 1
        solo.took(1, 0.01)


def test_nk_train_asks_the_choice_and_tells_it_the_times(monkeypatch):
    import nnkern as nk

    asked, told = [], []

    class Fixed:
        def size(self):
            asked.append(2)
            return 2

        def took(self, size, seconds):
            told.append((size, seconds))

    monkeypatch.setattr(team, "choice", lambda sizes, batch_size, dtype: Fixed())
    monkeypatch.setattr(team, "size_for", lambda sizes, batch_size, threads=None: threads)
    X, y = np.random.default_rng(0).normal(size=(200, 32)).astype(np.float32), np.arange(200) % 16
    nk.train(nk.MLP([32, 48, 16], output="softmax"), X, y, epochs=4, batch_size=40, quiet=True)
    assert asked and len(told) == len(asked) and all(size == 2 and s > 0 for size, s in told)


@pytest.mark.parametrize("first", [0.1, 0.9])
@pytest.mark.parametrize("n,batch", [(205, 40), (37, 36)])
def test_a_last_batch_too_short_to_share_trains_as_one_thread_does(n, batch, first, monkeypatch):
    """The last batch has 5 or 1 rows: one member's part is empty (the first's while the bound is
    below 0.8, else the second's; BLAS products of no rows).  The other batches go to BLAS in parts
    whose bounds move, so the same up to its rounding."""
    args = _epochs([40, 80, 64, 3], RELU, SOFTMAX, np.float32, ADAM, n=n, batch=batch)
    (done, status), solo = _train(args, 1)
    assert (done, status) == (3, -1)
    monkeypatch.setattr(team, "ledger", lambda size: np.array([0.0, first, 1.0, 0.0]))
    status, got = _train(args, 2, monkeypatch)
    assert status == (3, -1)
    for name, want, have in zip(("theta", "grad", "m1", "m2"), solo[:4], got[:4]):
        _assert_rounding_close(have, want, 2e-5, err_msg=name)
