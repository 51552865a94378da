"""Compiled optimizer updates over the whole flat parameter buffer (one loop per step)."""

import math

from numba import njit

from .activations import FASTMATH
from .codes import ADAM, MOMENTUM


@njit(cache=True, fastmath=FASTMATH)
def update(theta, grad, m1, m2, code, lr, beta1, beta2, eps, weight_decay, decay_mask, t):
    """One optimizer step, in place on theta (P,) and the state m1, m2 (P,).

    grad: (P,) gradient of the mean loss. L2 weight decay adds ``weight_decay * theta`` where
    ``decay_mask`` is 1 (weights) and not where it is 0 (biases).
    SGD: theta -= lr g.  Momentum (beta1 = momentum): m1 = beta1 m1 + g; theta -= lr m1.
    Adam: bias-corrected moments m1, m2 at step t (1-based).
    """
    n = theta.shape[0]
    if code == ADAM:
        c1 = 1.0 / (1.0 - beta1**t)
        c2 = 1.0 / (1.0 - beta2**t)
        for i in range(n):
            g = grad[i] + weight_decay * decay_mask[i] * theta[i]
            m1[i] = beta1 * m1[i] + (1 - beta1) * g
            m2[i] = beta2 * m2[i] + (1 - beta2) * g * g
            theta[i] -= lr * (m1[i] * c1) / (math.sqrt(m2[i] * c2) + eps)
    elif code == MOMENTUM:
        for i in range(n):
            g = grad[i] + weight_decay * decay_mask[i] * theta[i]
            m1[i] = beta1 * m1[i] + g
            theta[i] -= lr * m1[i]
    else:
        for i in range(n):
            theta[i] -= lr * (grad[i] + weight_decay * decay_mask[i] * theta[i])
