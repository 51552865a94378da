"""Compiled optimizer updates over the whole flat parameter buffer (one loop per step)."""

import math

from numba import njit

from .activations import KERNEL
from .codes import ADAM, MOMENTUM


@njit(**KERNEL)
def update(theta, grad, m1, m2, code, lr, beta1, beta2, eps, weight_decay, decay_mask, t):
    """One optimizer step, in place on theta (P,) and the state m1, m2 (P,).

    grad: (P,) gradient of the mean loss. L2 weight decay adds ``weight_decay * theta`` where
    ``decay_mask`` is 1 (weights) and not where it is 0 (biases).
    SGD: theta -= lr g.  Momentum (beta1 = momentum): m1 = beta1 m1 + g; theta -= lr m1.
    Adam: bias-corrected moments m1, m2 at step t (1-based).
    The arithmetic runs in theta's dtype (as NumPy does for the reference), so it vectorises.
    """
    n = theta.shape[0]
    f = theta.dtype.type
    lr_, b1, b2, eps_, wd = f(lr), f(beta1), f(beta2), f(eps), f(weight_decay)
    a1, a2 = f(1.0 - beta1), f(1.0 - beta2)
    if code == ADAM:
        c1 = f(1.0 / (1.0 - beta1**t))
        c2 = f(1.0 / (1.0 - beta2**t))
        for i in range(n):
            g = grad[i] + wd * decay_mask[i] * theta[i]
            u = b1 * m1[i] + a1 * g
            v = b2 * m2[i] + a2 * g * g
            m1[i] = u
            m2[i] = v
            theta[i] -= lr_ * (u * c1) / (math.sqrt(v * c2) + eps_)
    elif code == MOMENTUM:
        for i in range(n):
            g = grad[i] + wd * decay_mask[i] * theta[i]
            u = b1 * m1[i] + g
            m1[i] = u
            theta[i] -= lr_ * u
    else:
        for i in range(n):
            theta[i] -= lr_ * (grad[i] + wd * decay_mask[i] * theta[i])
