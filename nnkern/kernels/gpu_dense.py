"""CUDA twins of ``dense`` and ``activations``: one thread per output element.

Same codes (``codes``), same layout (W (fan_in, fan_out) row-major in the flat buffer), same
results as the CPU kernels and the NumPy reference up to rounding (the GPU's own tanh/exp are
used here: it has fast ones).  Launch configurations live in ``gpu_passes``.
Tested in Numba's CUDA simulator only (no GPU on the development machines), and compiled to PTX
in the tests so typing errors the simulator misses are caught.
Constants and sums take the arrays' dtype (``type(z)(0.5)``, ``a.dtype.type(0)``): a Python float
literal is a float64 to Numba, and would turn float32 kernels into float64 arithmetic.
"""

import math

from numba import cuda

from .codes import LEAKY_RELU, LEAKY_SLOPE, RELU, SIGMOID, TANH


@cuda.jit(device=True)
def activate_elem(z, code):
    """f(z) for an element-wise activation code (softmax is row-wise: ``softmax_rows_kernel``)."""
    f = type(z)
    if code == TANH:
        return math.tanh(z)
    if code == SIGMOID:
        half = f(0.5)
        return half + half * math.tanh(half * z)
    if code == RELU:
        return max(z, f(0))
    if code == LEAKY_RELU:
        return z if z > f(0) else f(LEAKY_SLOPE) * z
    return z


@cuda.jit(device=True)
def activation_grad_elem(z, a, code):
    """f'(z), from a where cheaper."""
    f = type(a)
    one = f(1)
    if code == TANH:
        return one - a * a
    if code == SIGMOID:
        return a * (one - a)
    if code == RELU:
        return one if z > f(0) else f(0)
    if code == LEAKY_RELU:
        return one if z > f(0) else f(LEAKY_SLOPE)
    return one


@cuda.jit
def dense_forward_kernel(a, W, b, z, out, code, elementwise):
    """z = a @ W + b and, when ``elementwise``, out = f(z); thread (i, j) for row i, output j.

    a: (m, fan_in), W: (fan_in, fan_out), b: (fan_out,), z, out: (m, fan_out).
    """
    i, j = cuda.grid(2)
    if i >= z.shape[0] or j >= z.shape[1]:
        return
    s = b[j]
    for k in range(a.shape[1]):
        s += a[i, k] * W[k, j]
    z[i, j] = s
    if elementwise:
        out[i, j] = activate_elem(s, code)


@cuda.jit
def softmax_rows_kernel(z, out):
    """out = softmax(z) along each row; thread i for row i."""
    i = cuda.grid(1)
    if i >= z.shape[0]:
        return
    w = z.shape[1]
    top = z[i, 0]
    for j in range(1, w):
        top = max(top, z[i, j])
    total = out.dtype.type(0)
    for j in range(w):
        e = math.exp(z[i, j] - top)
        out[i, j] = e
        total += e
    for j in range(w):
        out[i, j] /= total


@cuda.jit
def dense_param_grad_kernel(a, dz, dW, db, halt):
    """dW = a.T @ dz (thread (k, j), k < fan_in) and db = dz summed over rows (threads (fan_in, j));
    skipped once halted (halt[0] >= 0: ``gpu_passes.train_epoch`` keeps the last applied step's
    gradient)."""
    k, j = cuda.grid(2)
    fan_in = a.shape[1]
    if k > fan_in or j >= dz.shape[1] or halt[0] >= 0:
        return
    s = dz.dtype.type(0)
    if k == fan_in:
        for i in range(dz.shape[0]):
            s += dz[i, j]
        db[j] = s
        return
    for i in range(dz.shape[0]):
        s += a[i, k] * dz[i, j]
    dW[k, j] = s


@cuda.jit
def dense_input_grad_kernel(dz, W, z_prev, a_prev, dz_prev, code):
    """dz_prev = (dz @ W.T) * f'(z_prev): the gradient at the previous layer's pre-activations;
    thread (i, k)."""
    i, k = cuda.grid(2)
    if i >= dz.shape[0] or k >= W.shape[0]:
        return
    s = dz.dtype.type(0)
    for j in range(dz.shape[1]):
        s += dz[i, j] * W[k, j]
    dz_prev[i, k] = s * activation_grad_elem(z_prev[i, k], a_prev[i, k], code)
