"""A team of threads running one compiled training call together.

Each member runs the same compiled function with its own ``role`` (0 .. size-1, role 0 on the
calling thread), takes its ``part`` of every large loop (rows of a batch, rows of a weight
gradient, a range of parameters) and waits at a ``barrier`` for the others wherever the next
loop reads what they wrote.  The members wait by spinning, not sleeping: a step of an
MNIST-sized net has four barriers some 100 us apart, and waking a sleeping thread costs tens of
microseconds on a virtual machine.  A team is plain ``njit`` code started from Python threads,
not a Numba ``prange``: a cached kernel that calls a parallel one is not reloaded safely from
Numba's on-disk cache (numba#8578), and Numba's thread pool sleeps between parallel regions.

``team`` in compiled code is the tuple (role, size, sync); sync holds, one 64-byte cache line
each, an abort flag then every member's count of barriers passed.
"""

import collections
import math
import os
import threading

import numpy as np
from numba import get_num_threads, njit

from ._numba_ext import INTERNALS, load_acquire, spin_pause, store_release, yield_core
from .activations import KERNEL

#: int64 slots per 64-byte cache line: sync's flag and counters sit a line apart
LINE = 8
#: spin-wait hints a waiting member runs through between yields of its core (about 50 us)
SPINS = 2000
#: multiply-adds of a step's forward pass from which a team pays off (measured on 784-128-10,
#: 12.8M: 1.6x; a 2-16-16-1 step of 32 rows, 9K, is shorter than starting a thread)
MIN_STEP_MACS = 1 << 20
#: rows per member at least; members' shares of rows start at multiples of it: whole register tiles
#: of ``matmul_rows`` (TILE_ROWS divides it) and whole 8-row blocks of OpenBLAS's kernels, so that a
#: team computes the bits one thread does (shares at multiples of 6 or 4 changed the last bits)
MIN_ROWS = 8
#: members at most (``passes.workspace`` keeps each one's batch loss)
MAX_SIZE = 64

@njit(**KERNEL)
def solo():
    """The team of the caller's thread alone: (role 0, size 1, its counters)."""
    return np.int64(0), np.int64(1), np.zeros(LINE, np.int64)


@njit(**KERNEL)
def barrier(team):
    """Wait until every member has called ``barrier`` as often as this one; returns False at once
    when the team is aborted (a member failed), True otherwise.  Writes each member made before
    its call are visible to every member after."""
    role, size, sync = team
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
def part(n, team, align):
    """(lo, hi): the member's share of range(n), shares of equal length rounded up to a multiple
    of align (the last member's is what is left; a share may be empty)."""
    role, size, _ = team
    share = ((n + size - 1) // size + align - 1) // align * align
    lo = min(n, role * share)
    return lo, (n if role == size - 1 else min(n, lo + share))


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
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(int(threads), cores, batch_size // MIN_ROWS, MAX_SIZE)) if INTERNALS else 1


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
    key = (tuple(int(s) for s in sizes), int(batch_size), str(dtype), size)
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
            kernel(*args, (role, size, sync))
        except BaseException as e:  # noqa: BLE001 (re-raised on the caller's thread)
            errors.append(e)
            sync[0] = 1

    threads = [threading.Thread(target=member, args=(role,), name=f"nnkern-team-{role}", daemon=True)
               for role in range(1, size)]
    for t in threads:
        t.start()
    try:
        result = kernel(*args, (0, size, sync))
    except BaseException:
        sync[0] = 1
        raise
    finally:
        for t in threads:
            t.join()
    if errors:
        raise errors[0]
    return result
