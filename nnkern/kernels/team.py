"""A team of threads running one compiled training call together.

Each member runs the same compiled function with its own ``role`` (0 .. size-1, role 0 on the
calling thread), takes its ``part`` of every large loop (rows of a batch, rows of a weight
gradient, a range of parameters) and waits at a ``barrier`` for the others wherever the next
loop reads what they wrote.  The members wait by spinning, not sleeping: a step of an
MNIST-sized net has four barriers some 100 us apart, and waking a sleeping thread costs tens of
microseconds on a virtual machine.  A team is plain ``njit`` code started from Python threads,
not a Numba ``prange``: a cached kernel that calls a parallel one is not reloaded safely from
Numba's on-disk cache (numba#8578), and Numba's thread pool sleeps between parallel regions.

A member's part of a range is not fixed: once a step, at ``balance``, the members weigh how long
each took for its part of the step's first phase and move the bounds of their parts so that a
member on a slower core gets less (this virtual machine's two cores differ by up to 1.75x for
seconds at a time).  Every part starts at a multiple of MIN_ROWS rows, and nnkern's own products
compute each row as one thread does, so the bounds move none of their bits (BLAS's: see MIN_ROWS).

``team`` in compiled code is the tuple (role, size, sync, ledger); sync holds, one 64-byte cache
line each, an abort flag then every member's count of barriers passed and its time to
``balance``; ledger is the member's own (``ledger``).
"""

import collections
import math
import os
import threading

import numpy as np
from numba import get_num_threads, njit

from ._numba_ext import INTERNALS, cycles, load_acquire, spin_pause, store_release, yield_core
from .activations import KERNEL

#: int64 slots per 64-byte cache line: sync's flag and counters sit a line apart
LINE = 8
#: spin-wait hints a waiting member runs through between yields of its core (about 50 us)
SPINS = 2000
#: multiply-adds of a step's forward pass from which a team pays off (measured on 784-128-10,
#: 12.8M: 1.6x; a 2-16-16-1 step of 32 rows, 9K, is shorter than starting a thread)
MIN_STEP_MACS = 1 << 20
#: rows per member at least; members' parts of rows start at multiples of it: whole register tiles
#: of ``matmul_rows`` (TILE_ROWS divides it), so that nnkern's own products give a team the bits one
#: thread gets (parts at multiples of 6 or 4 changed them).  BLAS's are another matter: a row of
#: OpenBLAS's sgemm here has one thread's bits only where the call starts at a multiple of 24 rows
MIN_ROWS = 8
#: members at most (``passes.workspace`` keeps each one's partial sums)
MAX_SIZE = 64
#: how far each ``balance`` moves the parts toward those that would have made the members equally
#: busy (a step's times jitter by tens of percent; a core's speed holds for seconds, some 10^4 steps)
GAIN = 0.125
#: a member's part at least, as a fraction of an equal one
MIN_SHARE = 0.25


def ledger(size):
    """A member's own account for a team of ``size``: the bounds of equal parts (size + 1 fractions
    of a range, 0 to 1), then the cycle count at its last ``mark`` (0: none yet)."""
    return np.concatenate([np.linspace(0.0, 1.0, size + 1), np.zeros(1)])


@njit(**KERNEL)
def solo():
    """The team of the caller's thread alone: (role 0, size 1, its counters, its ledger)."""
    return np.int64(0), np.int64(1), np.zeros(LINE, np.int64), np.array([0.0, 1.0, 0.0])


@njit(**KERNEL)
def barrier(team):
    """Wait until every member has called ``barrier`` as often as this one; returns False at once
    when the team is aborted (a member failed), True otherwise.  Writes each member made before
    its call are visible to every member after."""
    role, size, sync, _ = team
    if size == 1:
        return True
    mine = sync[(role + 1) * LINE] + 1
    store_release(sync, (role + 1) * LINE, mine)
    for other in range(size):
        spins = 0
        while load_acquire(sync, (other + 1) * LINE) < mine:
            if load_acquire(sync, 0) != 0:
                return False
            spins += 1
            if spins % SPINS == 0:
                yield_core()
            else:
                spin_pause()
    return True


@njit(**KERNEL)
def mark(team):
    """Start the clock of the member's work that the next ``balance`` weighs."""
    team[3][team[1] + 1] = cycles()


@njit(**KERNEL)
def balance(team):
    """``barrier``, then every member moves the bounds of the parts (``part``) GAIN of the way
    toward those that would have made the members equally busy between their ``mark`` and this
    ``balance``: a member that took longer for its part gets less.  Each member publishes its time
    before the barrier and computes the same bounds from the same numbers after it; between two
    calls the members pass another barrier (so none overwrites what another has yet to read).
    Returns ``barrier``'s result."""
    role, size, sync, ledger = team
    if size == 1:
        return True
    took = cycles() - ledger[size + 1] if ledger[size + 1] > 0 else 0.0
    sync[(role + 1) * LINE + 1] = max(np.int64(took), np.int64(0))
    if not barrier(team):
        return False
    speed = 0.0  # the members' parts per cycle, summed
    for q in range(size):
        took_q = load_acquire(sync, (q + 1) * LINE + 1)
        if took_q <= 0:  # no mark, or no clock
            return True
        speed += (ledger[q + 1] - ledger[q]) / took_q
    kept = 0.0  # the new parts, summed
    for q in range(size):
        kept += _moved(ledger[q + 1] - ledger[q], load_acquire(sync, (q + 1) * LINE + 1), speed, size)
    old = 0.0  # member q's old lower bound
    for q in range(size - 1):
        share = _moved(ledger[q + 1] - old, load_acquire(sync, (q + 1) * LINE + 1), speed, size)
        old = ledger[q + 1]
        ledger[q + 1] = ledger[q] + share / kept
    return True


@njit(**KERNEL)
def _moved(share, took, speed, size):
    """A member's part moved GAIN of the way from ``share`` toward its part of the team's speed
    (``speed``: the members' parts per cycle, summed), at least MIN_SHARE of an equal part."""
    return max(share + GAIN * (share / took / speed - share), MIN_SHARE / size)


@njit(**KERNEL)
def part(n, team, align):
    """(lo, hi): the member's part of range(n), from its bound (``balance``) to the next member's
    (the last member's to n), each bound a fraction of n rounded to a multiple of align; a part
    may be empty."""
    role, size, _, ledger = team
    if size == 1:
        return 0, n
    return _bound(n, ledger[role], align), (n if role == size - 1 else _bound(n, ledger[role + 1], align))


@njit(**KERNEL)
def _bound(n, fraction, align):
    return min(n, int(np.floor(n * fraction / align + 0.5)) * align)


def size_for(sizes, batch_size, threads=None):
    """Members for training a net of layer widths ``sizes`` in batches of ``batch_size`` rows:
    ``threads`` (default: Numba's thread count, ``numba.set_num_threads``, when a step has at
    least MIN_STEP_MACS multiply-adds, else 1); never more than the cores this process may use
    (a spinning member without a core of its own stalls the others), than leaves each member
    MIN_ROWS rows, or than MAX_SIZE; 1 where Numba's internals are missing."""
    if threads is None:
        if not INTERNALS:
            return 1
        macs = batch_size * sum(int(a) * int(b) for a, b in zip(sizes[:-1], sizes[1:]))
        threads = get_num_threads() if macs >= MIN_STEP_MACS else 1
    if threads <= 1 or not INTERNALS:
        return 1
    return max(1, min(int(threads), len(cpus()), batch_size // MIN_ROWS, MAX_SIZE))


def cpus():
    """The CPUs (ids, ascending) this process may run on."""
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))


#: every this many calls, one call at the size that was slower (or not yet tried), to notice a change
#: (another process taking a core makes a team wait at every barrier: 784-128-10 took 35-39 ms an
#: epoch on 2 threads against 22-27 ms on one while a busy loop ran) ...
PROBE_EVERY = 32
#: ... the first of them at this call (the team runs first: on an idle machine it is the faster)
FIRST_PROBE = 8
#: calls kept per size: a size's estimate is the fastest of its last SAMPLES calls (a team's
#: epochs vary more than one thread's: 12 to 23 ms for 784-128-10 on 2 threads here)
SAMPLES = 2


class Choice:
    """Which team size trains a net faster here, learned from the calls' times per epoch: the team
    runs first; on call FIRST_PROBE, and every PROBE_EVERY calls after, the other size runs once;
    then the size whose last SAMPLES calls include the fastest runs.  The first call does not
    count (it may compile the kernels or load them)."""

    def __init__(self, size):
        self.sizes = [size, 1] if size > 1 else [1]
        self.seconds = {s: collections.deque(maxlen=SAMPLES) for s in self.sizes}  # seconds per epoch
        self.calls = 0

    def size(self):
        """The size for the next call."""
        if len(self.sizes) == 1:
            return 1
        best = min(self.sizes, key=lambda s: min(self.seconds[s], default=math.inf))
        if self.calls % PROBE_EVERY == FIRST_PROBE:
            return next(s for s in self.sizes if s != best)
        return best

    def took(self, size, seconds_per_epoch):
        """Count a call of ``size`` members that took ``seconds_per_epoch``."""
        self.calls += 1
        if self.calls > 1:
            self.seconds[size].append(seconds_per_epoch)


_CHOICES = {}  # (sizes, batch size, dtype, team size): the Choice kept across calls of nk.train


def choice(sizes, batch_size, dtype):
    """The ``Choice`` for training a net of widths ``sizes`` in batches of ``batch_size`` in
    ``dtype``, between ``size_for``'s team and one thread; one per setting for the process."""
    size = size_for(sizes, batch_size)
    key = (np.asarray(sizes, np.int64).tobytes(), int(batch_size), str(dtype), size)
    if key not in _CHOICES:
        _CHOICES[key] = Choice(size)
    return _CHOICES[key]


_BLAS = []  # threadpoolctl's controller of the loaded BLAS libraries, made when first needed


def _one_blas_thread():
    """A context holding BLAS (NumPy's, and SciPy's, which Numba's np.dot calls) to the calling
    thread: each member calls BLAS for the products ``matmul_rows`` does not do, and a BLAS
    thread has no core to run on beside the spinning members (784-512-10 on a team of 2: 207 ms
    an epoch with BLAS on its own 2 threads, 60 ms with BLAS on the members' threads)."""
    if not _BLAS:
        import scipy.linalg.cython_blas  # noqa: F401 - loaded now, so the controller finds it
        from threadpoolctl import ThreadpoolController

        _BLAS.append(ThreadpoolController())
    return _BLAS[0].limit(limits=1, user_api="blas")


def run(kernel, args, size):
    """``kernel(*args, team)`` on ``size`` threads, the caller's being role 0, BLAS on one thread
    meanwhile; returns role 0's result.  If a member raises, the others leave their barriers and
    its exception is raised."""
    if size == 1:
        return kernel(*args, solo())
    with _one_blas_thread():
        return _run(kernel, args, size)


def _run(kernel, args, size):
    sync = np.zeros((size + 1) * LINE, np.int64)
    errors = []

    def member(role):
        try:
            kernel(*args, (role, size, sync, ledger(size)))
        except BaseException as e:  # noqa: BLE001 (re-raised on the caller's thread)
            errors.append(e)
            sync[0] = 1

    threads = [threading.Thread(target=member, args=(role,), name=f"nnkern-team-{role}", daemon=True)
               for role in range(1, size)]
    for t in threads:
        t.start()
    try:
        result = kernel(*args, (0, size, sync, ledger(size)))
    except BaseException:
        sync[0] = 1
        raise
    finally:
        for t in threads:
            t.join()
    if errors:
        raise errors[0]
    return result
