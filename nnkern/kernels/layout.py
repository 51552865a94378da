"""Where each layer's W and b live in the flat parameter buffer, and each layer's values in an
activation buffer.

Layer l occupies ``theta[w_off[l] : w_off[l] + fan_in*fan_out]`` (W, row-major, shape
(fan_in, fan_out)) followed by ``theta[b_off[l] : b_off[l] + fan_out]`` (b).  One buffer
makes an optimizer step one loop and a recorded step one row.

An activation buffer holds every non-input layer's z (or a) for n rows, layer after layer:
layer l is the (n, sizes[l + 1]) block from ``n * a_off[l]`` (``layer_offsets``), the buffer
``n * a_off[-1]`` elements long.
"""

import numpy as np
from numba import njit

from ._numba_ext import block, flat


class Layout:
    """Offsets of every layer of an MLP with layer widths ``sizes`` (inputs first)."""

    def __init__(self, sizes):
        self.sizes = np.asarray(sizes, dtype=np.int64)
        fan_in, fan_out = self.sizes[:-1], self.sizes[1:]
        per_layer = fan_in * fan_out + fan_out
        self.w_off = np.concatenate([[0], np.cumsum(per_layer)[:-1]]).astype(np.int64)
        self.b_off = self.w_off + fan_in * fan_out
        self.n_params = int(per_layer.sum())
        self.a_off = layer_offsets(self.sizes)
        self._decay_masks = {}
        self._a_off = [int(o) for o in self.a_off]  # as Python ints, for slicing from Python

    @property
    def n_layers(self):
        return len(self.sizes) - 1

    def views(self, theta):
        """Lists (weights, biases) of views into ``theta`` (P,) or a stack of them (..., P)."""
        lead = theta.shape[:-1]
        weights, biases = [], []
        for l in range(self.n_layers):
            fi, fo = int(self.sizes[l]), int(self.sizes[l + 1])
            w0, b0 = int(self.w_off[l]), int(self.b_off[l])
            weights.append(theta[..., w0 : w0 + fi * fo].reshape(lead + (fi, fo)))
            biases.append(theta[..., b0 : b0 + fo])
        return weights, biases

    def layer_values(self, buf, n):
        """Views (n, width) of every layer in an activation buffer ``buf`` for n rows (NumPy or
        CUDA device arrays)."""
        return [buf[start:stop].reshape((n, width)) for start, stop, width in self.layer_bounds(n)]

    def layer_bounds(self, n):
        """(start, stop, width) of every layer's block in an activation buffer for n rows."""
        return [(n * start, n * stop, stop - start) for start, stop in zip(self._a_off, self._a_off[1:])]

    def decay_mask(self, dtype):
        """(P,) array: 1 on weights, 0 on biases (L2 decay applies to weights only).  Made once per
        dtype and shared (every ``nk.train`` call passes it): read it, do not write it."""
        key = np.dtype(dtype).str
        if key not in self._decay_masks:
            mask = np.ones(self.n_params, dtype=dtype)
            for l in range(self.n_layers):
                b0 = int(self.b_off[l])
                mask[b0 : b0 + int(self.sizes[l + 1])] = 0
            self._decay_masks[key] = mask
        return self._decay_masks[key]


@njit(inline="always")
def layer_params(theta, w_off, b_off, sizes, l):
    """Views (W (fan_in, fan_out), b (fan_out,)) of layer l inside the flat buffer theta, not
    owning it (compiled code only: see ``_numba_ext.block``)."""
    fan_in, fan_out = sizes[l], sizes[l + 1]
    W = block(theta, w_off[l], fan_in, fan_out)
    b = flat(block(theta, b_off[l], 1, fan_out))
    return W, b


def layer_offsets(sizes):
    """a_off (n_layers + 1,): cumulative widths of the non-input layers, a_off[0] = 0 (see the
    module docstring).  Plain Python, so building a ``Layout`` compiles nothing; compiled code
    calls ``compiled_layer_offsets``, the same body."""
    n_layers = sizes.shape[0] - 1
    a_off = np.zeros(n_layers + 1, dtype=np.int64)
    for l in range(n_layers):
        a_off[l + 1] = a_off[l] + sizes[l + 1]
    return a_off


compiled_layer_offsets = njit(cache=True)(layer_offsets)


@njit(inline="always")
def layer_rows(buf, a_off, sizes, l, n, row0, m):
    """Rows row0 .. row0 + m of layer l, an (m, width) view, in an activation buffer of n rows."""
    w = sizes[l + 1]
    return block(buf, n * a_off[l] + row0 * w, m, w)


def layer_view(buf, a_off, sizes, l, n):
    """Layer l's (n, width) block of an activation buffer of n rows, from Python (NumPy or CUDA
    device arrays)."""
    start, w = n * int(a_off[l]), int(sizes[l + 1])
    return buf[start : start + n * w].reshape((n, w))
