"""The order in which ``train`` visits the samples: one seeded shuffle per epoch, cut into batches
(none when one batch holds every row: a full-batch step's gradient does not depend on the order,
and shuffling 1,000 rows took 9 us, a fifth of a small net's full-batch epoch).

Written once here so a recording can say which rows any step trained on (``Recording.batch_rows``).
"""

import numpy as np


def epoch_orders(seed, n, batch_size):
    """Row orders (n,) int64 of epochs 1, 2, ... of a run trained with ``seed`` on n samples in
    batches of ``batch_size`` (endless): 0 .. n-1 each epoch when batch_size >= n."""
    if batch_size >= n:
        order = np.arange(n)
        while True:
            yield order
    rng = np.random.default_rng(seed)
    while True:
        yield rng.permutation(n)


def step_rows(seed, n, batch_size, step):
    """Rows (m,) of the batch that optimizer step ``step`` (1-based) of such a run trained on."""
    if step < 1:
        raise ValueError(f"step must be 1 or more (step 0 is the initial network, trained on nothing); got {step}")
    per_epoch = (n + batch_size - 1) // batch_size
    epoch, k = divmod(step - 1, per_epoch)
    orders = epoch_orders(seed, n, batch_size)
    for _ in range(epoch):
        next(orders)
    return next(orders)[k * batch_size : (k + 1) * batch_size]
