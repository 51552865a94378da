"""Where each layer's W and b live in the flat parameter buffer.

Layer l occupies ``theta[w_off[l] : w_off[l] + fan_in*fan_out]`` (W, row-major, shape
(fan_in, fan_out)) followed by ``theta[b_off[l] : b_off[l] + fan_out]`` (b).  One buffer
makes an optimizer step one loop and a recorded step one row.
"""

import numpy as np
from numba import njit

from ._numba_ext import block


class Layout:
    """Offsets of every layer of an MLP with layer widths ``sizes`` (inputs first)."""

    def __init__(self, sizes):
        self.sizes = np.asarray(sizes, dtype=np.int64)
        fan_in, fan_out = self.sizes[:-1], self.sizes[1:]
        per_layer = fan_in * fan_out + fan_out
        self.w_off = np.concatenate([[0], np.cumsum(per_layer)[:-1]]).astype(np.int64)
        self.b_off = self.w_off + fan_in * fan_out
        self.n_params = int(per_layer.sum())

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

    def decay_mask(self, dtype):
        """(P,) array: 1 on weights, 0 on biases (L2 decay applies to weights only)."""
        mask = np.ones(self.n_params, dtype=dtype)
        for l in range(self.n_layers):
            b0 = int(self.b_off[l])
            mask[b0 : b0 + int(self.sizes[l + 1])] = 0
        return mask


@njit(inline="always")
def layer_params(theta, w_off, b_off, sizes, l):
    """Views (W (fan_in, fan_out), b (fan_out,)) of layer l inside the flat buffer theta."""
    fan_in, fan_out = sizes[l], sizes[l + 1]
    W = block(theta, w_off[l], fan_in, fan_out)
    b = theta[b_off[l] : b_off[l] + fan_out]
    return W, b
