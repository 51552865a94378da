"""Compiled helper of the recorder."""

from numba import njit

#: bytes in a memory page (touching one element per page faults every page in)
PAGE_BYTES = 4096


@njit(cache=True, nogil=True)
def touch(flat):
    """Write zeros through the 1-D array ``flat`` one page apart, without holding the GIL, so its
    page faults are taken by the calling thread now rather than by whoever writes it next."""
    for i in range(0, flat.shape[0], max(1, PAGE_BYTES // flat.itemsize)):
        flat[i] = 0
