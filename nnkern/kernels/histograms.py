"""Compiled helpers of the views (twins in ``views_reference``); grid activations reuse
``passes.forward_all``."""

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def weight_histograms(stack, w_off, sizes, lo, hi, bins):
    """counts (n, n_layers, bins): histogram of each layer's weights in each row of ``stack`` (n, P).

    Bins split [lo, hi] evenly (the last one closed), as ``np.histogram``; values outside are not counted.
    """
    n, n_layers = stack.shape[0], sizes.shape[0] - 1
    counts = np.zeros((n, n_layers, bins), dtype=np.int64)
    scale = bins / (hi - lo)
    edges = np.linspace(lo, hi, bins + 1)
    for s in prange(n):
        for l in range(n_layers):
            start = w_off[l]
            for k in range(start, start + sizes[l] * sizes[l + 1]):
                v = stack[s, k]
                if not lo <= v <= hi:
                    continue
                i = min(int((v - lo) * scale), bins - 1)
                if v < edges[i]:  # the same edge corrections as np.histogram
                    i -= 1
                elif i < bins - 1 and v >= edges[i + 1]:
                    i += 1
                counts[s, l, i] += 1
    return counts
