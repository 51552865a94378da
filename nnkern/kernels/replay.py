"""Compiled helpers of recordings: prefaulting the recorder's buffers, and rebuilding the
parameters and optimizer state of recorded steps from their gradients."""

from numba import njit

from ._numba_ext import borrowed
from .optim import EXACT, update

#: bytes in a memory page (touching one element per page faults every page in)
PAGE_BYTES = 4096


@njit(cache=True, nogil=True)
def touch(flat):
    """Write zeros through the 1-D array ``flat`` one page apart, without holding the GIL, so its
    page faults are taken by the calling thread now rather than by whoever writes it next."""
    for i in range(0, flat.shape[0], max(1, PAGE_BYTES // flat.itemsize)):
        flat[i] = 0


@njit(**EXACT)
def replay(grad, steps, key, key_theta, key_m1, key_m2, opt, theta, m1, m2):
    """The state after each of k recorded steps, rebuilt from their gradients.

    grad: (k, P) gradients; steps: (k,) their step numbers; key: (n_key,) increasing row numbers,
    key[0] = 0, whose state key_theta, key_m1, key_m2 (n_key, P) was recorded.  Every other row i
    follows row i - 1 by one step: its state is ``optim.update`` of row i - 1's with grad[i] by
    the ``epoch_args.Optimizer`` opt at steps[i], bit for bit what training computed.  Writes
    theta, m1, m2 (k, P).
    """
    # borrowed, so that the rows' views count no references (``_numba_ext.borrowed``): 2,000 rows of
    # 337 parameters 210-280 against 310-340 ns a row
    grad, theta, m1, m2 = borrowed((grad, theta, m1, m2))
    j = 0
    for i in range(grad.shape[0]):
        if j < key.shape[0] and key[j] == i:
            theta[i] = key_theta[j]
            m1[i] = key_m1[j]
            m2[i] = key_m2[j]
            j += 1
        else:
            update(theta[i - 1], m1[i - 1], m2[i - 1], grad[i], opt, steps[i], theta[i], m1[i], m2[i])
