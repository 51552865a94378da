"""Which optimizer steps a recording keeps.

Step 0 is the initial network, step t the network after t updates.  A schedule is
    k (int >= 1)     every k-th step;
    "geometric"      every step early, then ``PER_OCTAVE`` steps per doubling (dense early, sparse late);
    [t0, t1, ...]    exactly these steps.
Step 0 and the last step of the run are always kept, so a recording spans the whole run.
"""

import numpy as np

#: snapshots per doubling of the step count under the "geometric" schedule
PER_OCTAVE = 32


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
