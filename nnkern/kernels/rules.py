"""The rules every compiled target applies alike, written once as plain Python: the
per-parameter optimizer steps, the per-sample loss terms and whether a sample is classified right.

Each target compiles these bodies itself, as umap compiles one body twice: the CPU kernels with
``cpu`` (``njit(inline="always")``, so a loop calling them still vectorises), the CUDA kernels
with ``cuda.jit(device=True)`` (``gpu_passes``).  The loss terms call ``exp``, ``log`` and
``log1p`` by name: ``math``'s here and on the GPU; ``cpu`` binds them to the vectorising
``activations.exp64`` / ``log1p_01`` instead.  ``reference.py`` stays the independent NumPy
check of both.  The steps round exactly as written (the optimizer kernels compile without
fast-math), so a recording replays bit for bit.
"""

import math
import types as pytypes
from math import exp, log, log1p  # noqa: F401 - the loss terms' elementary functions (see above)

import numpy as np
from numba import njit


def decayed(g, theta, weight_decay, mask):
    """Gradient g of one parameter theta plus its L2 decay (mask: 1 for a weight, 0 for a bias)."""
    return g + weight_decay * mask * theta


def sgd_step(theta, g, lr):
    """theta after one SGD step with gradient g."""
    return theta - lr * g


def flushed(m, tiny):
    """An optimizer's moment m, or a zero of its sign where it is subnormal (|m| below ``tiny``,
    the dtype's smallest normal number), as x86's flush-to-zero mode would, but written out so
    that every target computes the same bits.  A parameter whose gradient stays 0 (into a dead
    ReLU unit) has its moments decay geometrically, through some 150 (float32) to 350 (float64)
    steps of subnormals, and x86 takes a microcode assist for every operation on one: Adam over
    such parameters ran 55 times slower, and a ReLU net whose units died trained 20 epochs
    about twice as slowly.  A moment that small moves no parameter anyway (Adam's step is
    lr m1 / (sqrt(m2) + eps)).  (m * (tiny - tiny): a zero of m's sign and dtype, not itself
    subnormal as m * tiny would be: a scalar loop computes both sides before it selects, and
    the remainder of Adam's vectorised loop took two assists, 77 ns, per parameter.)"""
    return m * (tiny - tiny) if abs(m) < tiny else m


def momentum_step(theta, m1, g, lr, beta1, tiny):
    """(theta, m1) after one momentum step: m1 = beta1 m1 + g (``flushed``); theta -= lr m1."""
    u = flushed(beta1 * m1 + g, tiny)
    return theta - lr * u, u


def adam_step(theta, m1, m2, g, lr, beta1, beta2, a1, a2, c1, c2, eps, tiny):
    """(theta, m1, m2) after one Adam step; a1, a2 = 1 - beta1, 1 - beta2 and c1, c2 the bias
    corrections 1 / (1 - beta**t), each rounded to the parameters' dtype once per step; the
    moments ``flushed`` below ``tiny``."""
    u = flushed(beta1 * m1 + a1 * g, tiny)
    v = flushed(beta2 * m2 + a2 * g * g, tiny)
    return theta - lr * (u * c1) / (math.sqrt(v * c2) + eps), u, v


def bce_term(z, y):
    """Binary cross-entropy of one sigmoid output from its logit z and target y, in float64,
    stable for any z: max(z, 0) - z y + log(1 + exp(-|z|))."""
    z = np.float64(z)
    return max(z, 0.0) - z * y + log1p(exp(-abs(z)))


def half_square_term(a, y):
    """Half the squared error of one output a against its target y, in float64."""
    d = np.float64(a) - np.float64(y)
    return 0.5 * d * d


def softmax_ce_row(z, Y, i):
    """Cross-entropy of row i of softmax logits z (m, w) against one-hot targets Y (m, w), in
    float64, stable in the logits: logsumexp(z[i]) - z[i] . Y[i]."""
    w = z.shape[1]
    top = np.float64(z[i, 0])
    for j in range(1, w):
        top = max(top, np.float64(z[i, j]))
    s = 0.0
    zy = 0.0
    for j in range(w):
        zij = np.float64(z[i, j])
        s += exp(zij - top)
        zy += np.float64(Y[i, j]) * zij
    return cross_entropy(top, s, zy)


def cross_entropy(top, s, zy):
    """A row's softmax cross-entropy from its largest logit top, the sum s of exp(logit - top)
    over the row, and zy, its logits' dot product with the one-hot target: logsumexp - z . Y."""
    return top + log(s) - zy


def sigmoid_right(a, y):
    """1 if a sigmoid output a is on the same side of 0.5 as its target y, else 0."""
    return 1 if (a >= 0.5) == (y >= 0.5) else 0


def sigmoid_row_right(a, Y, i):
    """1 if every sigmoid output of row i of a (m, w) is ``sigmoid_right`` for its target in Y
    (m, w), else 0."""
    right = 1
    for j in range(a.shape[1]):
        if sigmoid_right(a[i, j], Y[i, j]) == 0:
            right = 0
    return right


def argmax_row_right(a, Y, i):
    """1 if row i of a (m, w) peaks where the one-hot row i of Y (m, w) does, else 0."""
    best = 0
    label = 0
    for j in range(1, a.shape[1]):
        if a[i, j] > a[i, best]:
            best = j
        if Y[i, j] > Y[i, label]:
            label = j
    return 1 if best == label else 0


def bound(rule, **functions):
    """``rule`` with the functions it calls by name bound to ``functions`` (a target's own)."""
    return pytypes.FunctionType(rule.__code__, dict(rule.__globals__, **functions), rule.__name__,
                                rule.__defaults__, rule.__closure__)


def cpu(rule, **elementary):
    """``rule`` compiled for the CPU kernels (inlined where it is called), with the elementary
    functions it calls by name bound to ``elementary`` (e.g. exp=exp64), and ``flushed`` and
    ``sigmoid_right`` to their compiled selves."""
    return njit(inline="always")(bound(rule, flushed=_FLUSHED, sigmoid_right=_SIGMOID_RIGHT, **elementary))


_FLUSHED, _SIGMOID_RIGHT = njit(inline="always")(flushed), njit(inline="always")(sigmoid_right)
