"""Compiled helper of the recorder."""

from numba import njit

#: elements of 4 bytes in a 4 KiB page (touching one per page, at least, faults every page in)
_STRIDE = 1024


@njit(cache=True, nogil=True)
def touch(flat):
    """Write zeros through the 1-D array ``flat`` one page apart, without holding the GIL, so its
    page faults are taken by the calling thread now rather than by whoever writes it next."""
    for i in range(0, flat.shape[0], _STRIDE):
        flat[i] = 0
