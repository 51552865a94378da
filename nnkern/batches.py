"""The order in which ``train`` visits the samples: one seeded shuffle per epoch, cut into batches
(none when one batch holds every row: a full-batch step's gradient does not depend on the order,
and shuffling 1,000 rows took 9 us, a fifth of a small net's full-batch epoch).

Written once here so a recording can say which rows any step trained on (``Recording.batch_rows``).
"""

import numpy as np

from .kernels import shuffle


class EpochOrders:
    """Row orders (n,) int64 of epochs 1, 2, ... of a run trained with ``seed`` on n samples in
    batches of ``batch_size`` (an endless iterator): what ``np.random.default_rng(seed)``'s
    ``permutation(n)`` gives, call after call, drawn in compiled code (``kernels.shuffle``, 2x
    NumPy's speed), several epochs at once with ``take``; 0 .. n-1 each epoch when batch_size >= n."""

    def __init__(self, seed, n, batch_size):
        self.n, self.state = n, None
        if batch_size < n:
            if n >= shuffle.MAX_ROWS:
                raise ValueError(f"at most {shuffle.MAX_ROWS - 1} samples can be shuffled; got {n}")
            if isinstance(seed, (int, np.integer)) and seed >= 0:  # the common case, without NumPy's objects
                self.state = shuffle.seeded_state(seed)
            else:
                self.state = shuffle.pcg64_state(np.random.default_rng(seed))

    def __iter__(self):
        return self

    def __next__(self):
        return self.take(1)[0]

    def take(self, k):
        """The next k epochs' orders, (k, n) int64."""
        if self.state is None:
            return np.tile(np.arange(self.n), (k, 1))
        out = np.empty((k, self.n), np.int64)
        shuffle.permutations(self.state, out)
        return out


def step_rows(seed, n, batch_size, step):
    """Rows (m,) of the batch that optimizer step ``step`` (1-based) of such a run trained on."""
    if step < 1:
        raise ValueError(f"step must be 1 or more (step 0 is the initial network, trained on nothing); got {step}")
    per_epoch = (n + batch_size - 1) // batch_size
    epoch, k = divmod(step - 1, per_epoch)
    orders = EpochOrders(seed, n, batch_size)
    for _ in range(epoch):
        next(orders)
    return next(orders)[k * batch_size : (k + 1) * batch_size]
