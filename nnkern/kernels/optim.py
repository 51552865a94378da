"""Compiled optimizer updates over the whole flat parameter buffer (one loop per step).

``update`` compiles without fast-math: every operation is rounded as IEEE 754 says, so it gives
the same bits on any machine, vectorised or not.  That lets a recording store each step's
gradient and rebuild the parameters and optimizer state by running ``update`` again
(``nnkern.kernels.replay.replay``) instead of storing them at every step."""

import math

from numba import njit

from .activations import KERNEL

#: KERNEL without fast-math (see the module docstring)
EXACT = dict(KERNEL, fastmath=False)
from .codes import ADAM, MOMENTUM


@njit(**EXACT)
def update(theta, m1, m2, grad, opt, t, new_theta, new_m1, new_m2):
    """One optimizer step from parameters theta (P,) and state m1, m2 (P,) with gradient grad (P,)
    of the mean loss, by the ``epoch_args.Optimizer`` opt at step t (1-based), into new_theta,
    new_m1, new_m2 (P,): the same arrays to update in place, or others (the training kernel writes
    recorded steps straight into rows of the recording).

    L2 weight decay adds ``weight_decay * theta`` where ``decay_mask`` is 1 (weights) and not where
    it is 0 (biases).
    SGD: theta -= lr g.  Momentum (beta1 = momentum): m1 = beta1 m1 + g; theta -= lr m1.
    Adam: bias-corrected moments m1, m2 at step t.
    The arithmetic runs in theta's dtype (as NumPy does for the reference), so it vectorises.
    """
    code, lr, beta1, beta2, eps, weight_decay, decay_mask = opt
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
            new_m1[i] = u
            new_m2[i] = v
            new_theta[i] = theta[i] - lr_ * (u * c1) / (math.sqrt(v * c2) + eps_)
    elif code == MOMENTUM:
        for i in range(n):
            g = grad[i] + wd * decay_mask[i] * theta[i]
            u = b1 * m1[i] + g
            new_m1[i] = u
            new_m2[i] = m2[i]
            new_theta[i] = theta[i] - lr_ * u
    else:
        for i in range(n):
            new_m1[i] = m1[i]
            new_m2[i] = m2[i]
            new_theta[i] = theta[i] - lr_ * (grad[i] + wd * decay_mask[i] * theta[i])
