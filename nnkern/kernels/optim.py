"""Compiled optimizer updates over the whole flat parameter buffer (one loop per step), applying
the per-parameter steps of ``rules``.

``update`` compiles without fast-math: every operation is rounded as IEEE 754 says, so it gives
the same bits on any machine, vectorised or not.  That lets a recording store each step's
gradient and rebuild the parameters and optimizer state by running ``update`` again
(``nnkern.kernels.replay.replay``) instead of storing them at every step."""

import numpy as np
from numba import njit

from . import rules
from .activations import KERNEL
from .codes import ADAM, MOMENTUM, SGD

#: KERNEL without fast-math (see the module docstring)
EXACT = dict(KERNEL, fastmath=False)

decayed, sgd_step, momentum_step, adam_step = (rules.cpu(r) for r in (
    rules.decayed, rules.sgd_step, rules.momentum_step, rules.adam_step))


@njit(**EXACT)
def update(theta, m1, m2, grad, opt, t, new_theta, new_m1, new_m2):
    """One optimizer step from parameters theta (P,) and state m1, m2 (P,) with gradient grad (P,)
    of the mean loss, by the ``epoch_args.Optimizer`` opt at step t (1-based), into new_theta,
    new_m1, new_m2 (P,): arrays other than theta, m1, m2 (the training kernel writes recorded steps
    straight into rows of the recording); ``update_in_place`` updates theta, m1, m2 themselves.

    L2 weight decay adds ``weight_decay * theta`` where ``decay_mask`` is 1 (weights) and not where
    it is 0 (biases).
    SGD: theta -= lr g.  Momentum (beta1 = momentum): m1 = beta1 m1 + g; theta -= lr m1.
    Adam: bias-corrected moments m1, m2 at step t.
    The arithmetic runs in theta's dtype (as NumPy does for the reference), so it vectorises.
    """
    _steps(theta, m1, m2, grad, opt, t, new_theta, new_m1, new_m2)


@njit(**EXACT)
def update_in_place(theta, m1, m2, grad, opt, t):
    """``update`` into theta, m1, m2 themselves, to the same bits.  (Given to ``update`` as
    new_theta, new_m1, new_m2, they would fail the vectorised loop's check that its output does
    not overlap its input, and the loop would run one element at a time; here the compiler sees
    each element read and written at the same place.  In place, a large net's step reads and writes
    half the memory: 784-128-10's Adam step took 23 us instead of 38.)"""
    _steps(theta, m1, m2, grad, opt, t, theta, m1, m2)


@njit(inline="always", **EXACT)
def _steps(theta, m1, m2, grad, opt, t, new_theta, new_m1, new_m2):
    """The loops of ``update`` (inlined into its two callers, which is what lets the in-place one
    vectorise)."""
    code, lr, beta1, beta2, eps, weight_decay, decay_mask = opt
    n = theta.shape[0]
    f = theta.dtype.type
    lr_, b1, b2, eps_, wd = f(lr), f(beta1), f(beta2), f(eps), f(weight_decay)
    tiny = f(np.finfo(theta.dtype).tiny)  # the moments are ``rules.flushed`` below it
    if code == ADAM:
        a1, a2 = f(1.0 - beta1), f(1.0 - beta2)
        c1 = f(1.0 / (1.0 - beta1**t))
        c2 = f(1.0 / (1.0 - beta2**t))
        for i in range(n):
            g = decayed(grad[i], theta[i], wd, decay_mask[i])
            new_theta[i], new_m1[i], new_m2[i] = adam_step(theta[i], m1[i], m2[i], g, lr_, b1, b2, a1, a2, c1, c2,
                                                           eps_, tiny)
    elif code == MOMENTUM:
        for i in range(n):
            g = decayed(grad[i], theta[i], wd, decay_mask[i])
            new_theta[i], new_m1[i] = momentum_step(theta[i], m1[i], g, lr_, b1, tiny)
            new_m2[i] = m2[i]
    elif code == SGD:
        for i in range(n):
            new_theta[i] = sgd_step(theta[i], decayed(grad[i], theta[i], wd, decay_mask[i]), lr_)
            new_m1[i] = m1[i]
            new_m2[i] = m2[i]
    else:
        raise ValueError("update: unknown optimizer code (see nnkern.kernels.codes)")
