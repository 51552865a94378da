"""Plain NumPy twins of the compiled view helpers in ``views``: the definitions they are tested against."""

import numpy as np

from . import reference


def grid_activations(layout, theta, hidden, out, extent, res):
    """List per layer of (res, res, width) activations; row r at y = linspace(ymin, ymax)[r],
    column c at x = linspace(xmin, xmax)[c]."""
    xmin, xmax, ymin, ymax = extent
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, res), np.linspace(ymin, ymax, res))
    X = np.c_[gx.ravel(), gy.ravel()].astype(theta.dtype)
    return [a.reshape(res, res, -1) for _, a in reference.forward(layout, theta, X, hidden, out)]


def weight_histograms(layout, stack, lo, hi, bins):
    """counts (n, n_layers, bins) by ``np.histogram`` of each layer's weights in each row of stack (n, P)."""
    weights, _ = layout.views(stack)
    return np.array([[np.histogram(W[s], bins, (lo, hi))[0] for W in weights] for s in range(len(stack))])
