"""Which optimizer steps a recording keeps.

Step 0 is the initial network, step t the network after t updates.  A schedule is
    k (int >= 1)     every k-th step;
    "geometric"      every step early, then ``PER_OCTAVE`` steps per doubling (dense early, sparse late);
    [t0, t1, ...]    exactly these steps.
    "auto"           every step while that takes at most ``AUTO_BYTES``, else "geometric" if smaller.
Step 0 and the last step of the run are always kept, so a recording spans the whole run.
"""

import warnings

import numpy as np

from ..kernels.codes import RECORD_GRAD, RECORD_STATE, SKIP

#: snapshots per doubling of the step count under the "geometric" schedule
PER_OCTAVE = 32
#: "auto" records every step while the recording takes at most this many bytes; a recording
#: larger than this is announced before training
AUTO_BYTES = 256 << 20


class RecordingSizeWarning(UserWarning):
    """A recording about to take more than ``AUTO_BYTES``, or "auto" choosing the geometric schedule."""


def step_codes(schedule, n_steps, exact_replay=True):
    """int8 (n_steps + 1,) per step, as ``train_epoch`` takes them (``codes``): SKIP, RECORD_GRAD
    (its state rebuilt on reading from the row before) or RECORD_STATE (a key row: after a gap, or
    every row without ``exact_replay``)."""
    mask = step_mask(schedule, n_steps)
    after_gap = np.ones_like(mask)
    after_gap[1:] = ~mask[:-1] | (not exact_replay)
    return np.where(mask, np.where(after_gap, RECORD_STATE, RECORD_GRAD), SKIP).astype(np.int8)


def expected_bytes(codes, row_bytes, chunk_bytes):
    """About how many bytes a recording with ``codes`` (see ``step_codes``) takes: every row's
    gradient, the key rows' (and each chunk's first row's) parameters and two optimizer moments."""
    rows = int(np.count_nonzero(codes != SKIP))
    keys = int(np.count_nonzero(codes == RECORD_STATE)) + rows * row_bytes // chunk_bytes
    return (rows + 3 * min(keys, rows)) * row_bytes


def resolve(schedule, n_steps, row_bytes, chunk_bytes, exact_replay=True):
    """(schedule, codes): "auto" made concrete, and its ``step_codes``.  Warns
    (``RecordingSizeWarning``) when "auto" falls back to the geometric schedule, or when the
    recording will take more than ``AUTO_BYTES``, saying its size and how to change it."""
    auto = schedule == "auto"
    codes = step_codes(1 if auto else schedule, n_steps, exact_replay)
    size = expected_bytes(codes, row_bytes, chunk_bytes)
    if size <= AUTO_BYTES:
        return (1 if auto else schedule), codes
    geometric = step_codes("geometric", n_steps, exact_replay)
    small = expected_bytes(geometric, row_bytes, chunk_bytes)
    if auto and small < size:
        warnings.warn(f"recording every step of this run would take about {nbytes(size)}, so it records the geometric "
                      f"schedule: {np.count_nonzero(geometric != SKIP)} snapshots, about {nbytes(small)} (record=1, on the "
                      f"command line --record every:1, keeps every step)", RecordingSizeWarning, stacklevel=5)
        return "geometric", geometric
    schedule = 1 if auto else schedule
    hint = "" if schedule == "geometric" or small >= size else (
        f"; the geometric schedule would take about {nbytes(small)} (record='geometric', on the command line --record geometric)")
    warnings.warn(f"this recording ({np.count_nonzero(codes != SKIP)} snapshots) will take about {nbytes(size)}{hint}",
                  RecordingSizeWarning, stacklevel=5)
    return schedule, codes


def nbytes(n):
    """A byte count for people: 812 B, 3.4 MB, 1.6 GB."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def step_mask(schedule, n_steps):
    """Bool (n_steps + 1,): True at the steps 0..n_steps that ``schedule`` records."""
    mask = np.zeros(n_steps + 1, dtype=np.bool_)
    if isinstance(schedule, (int, np.integer)) and not isinstance(schedule, bool):
        if schedule < 1:
            raise ValueError(f"record={schedule!r}: an int schedule records every k steps and needs k >= 1")
        mask[::schedule] = True
    elif isinstance(schedule, str):
        if schedule != "geometric":
            raise ValueError(f"unknown record schedule {schedule!r}; expected an int k, 'geometric', a list of steps or None")
        steps = np.arange(1, n_steps + 1)
        stride = np.maximum(1, 2 ** np.floor(np.log2(steps)).astype(np.int64) // PER_OCTAVE)
        mask[1:] = steps % stride == 0
    elif isinstance(schedule, (list, tuple, np.ndarray)):
        mask[_checked_steps(schedule, n_steps)] = True
    else:
        raise ValueError(f"record={schedule!r}: expected an int k, 'geometric', a list of steps or None")
    mask[0] = mask[n_steps] = True
    return mask


def _checked_steps(steps, n_steps):
    steps = np.asarray(steps)
    if steps.ndim != 1 or not (np.issubdtype(steps.dtype, np.integer) or steps.size == 0):
        raise ValueError("record: a list of steps must hold integers")
    bad = steps[(steps < 0) | (steps > n_steps)]
    if bad.size:
        raise ValueError(f"record lists step {bad[0]}, outside this run's steps 0..{n_steps} (epochs x batches per epoch)")
    return steps


def describe(schedule):
    """The schedule as JSON for the header."""
    if isinstance(schedule, (list, tuple, np.ndarray)):
        return {"steps": [int(s) for s in schedule]}
    if isinstance(schedule, str):
        return {"geometric": PER_OCTAVE}
    return {"every": int(schedule)}
