"""CUDA twin of ``passes``: forward through every layer, the training epoch and the grid, as
short sequences of kernel launches (``gpu_dense``) driven from Python.

``train_epoch`` has the signature and the semantics of ``passes.train_epoch`` (host arrays in,
updated in place; recording rows; status of the first non-finite batch, whose update and all
later ones, and their writes to the gradient, are skipped on the device without a per-batch sync).
Only the parameters and the optimizer state cross the bus per epoch; X, Y and the decay mask are
copied to the device once per ``Device``.

No GPU exists on the machines this is developed on: the kernels run in Numba's CUDA simulator in
the tests (tiny sizes, small blocks so the multi-block paths run) and are compiled to PTX there.
"""

import math

import numpy as np
from numba import cuda

from . import rules
from .codes import (ADAM, HIDDEN_ACTIVATIONS, MOMENTUM, OPTIMIZERS, OUTPUTS, RECORD_STATE, SIGMOID, SKIP, SOFTMAX,
                    check_code)
from .gpu_dense import (dense_forward_kernel, dense_input_grad_kernel, dense_param_grad_kernel,
                        softmax_rows_kernel)
from .layout import layer_offsets, layer_view

#: threads per block of 1-D launches, and per side of 2-D ones
BLOCK, BLOCK_2D = 128, 16


def available():
    """True when numba.cuda sees a GPU (or runs in its simulator)."""
    try:
        return bool(cuda.is_available())
    except Exception:  # a broken driver install counts as no GPU
        return False


def _grid1(n, block):
    return (max(1, -(-n // block)),), (block,)


def _grid2(n0, n1, block):
    return (max(1, -(-n0 // block)), max(1, -(-n1 // block))), (block, block)


# --- kernels of the epoch ------------------------------------------------------------------------

_flushed, _cross_entropy, _sigmoid_right = (cuda.jit(device=True)(r) for r in (rules.flushed, rules.cross_entropy,
                                                                                rules.sigmoid_right))
(decayed, sgd_step, momentum_step, adam_step, bce_term, half_square_term, softmax_ce_row, sigmoid_row_right,
 argmax_row_right) = (cuda.jit(device=True)(rules.bound(r, flushed=_flushed, cross_entropy=_cross_entropy,
                                                        sigmoid_right=_sigmoid_right)) for r in (
    rules.decayed, rules.sgd_step, rules.momentum_step, rules.adam_step, rules.bce_term, rules.half_square_term,
    rules.softmax_ce_row, rules.sigmoid_row_right, rules.argmax_row_right))


@cuda.jit
def gather_kernel(X, Y, perm, start, a0, yb):
    """Row i of the batch: a0[i] = X[perm[start + i]], yb[i] = Y[perm[start + i]]."""
    i = cuda.grid(1)
    if i >= a0.shape[0]:
        return
    row = perm[start + i]
    for j in range(X.shape[1]):
        a0[i, j] = X[row, j]
    for j in range(Y.shape[1]):
        yb[i, j] = Y[row, j]


@cuda.jit
def output_grad_kernel(z, a, Y, code, scale, dz, row_loss, row_correct):
    """Row i: dz = (a - Y) * scale, the row's loss (``rules``' terms, stable in the logits) and
    whether it is right."""
    i = cuda.grid(1)
    if i >= z.shape[0]:
        return
    w = z.shape[1]
    loss = 0.0
    for j in range(w):
        dz[i, j] = (a[i, j] - Y[i, j]) * scale
    right = 0
    if code == SIGMOID:
        for j in range(w):
            loss += bce_term(z[i, j], Y[i, j])
        right = sigmoid_row_right(a, Y, i)
    elif code == SOFTMAX:
        loss = softmax_ce_row(z, Y, i)
        right = argmax_row_right(a, Y, i)
    else:
        for j in range(w):
            loss += half_square_term(a[i, j], Y[i, j])
    row_loss[i] = loss
    row_correct[i] = right


@cuda.jit
def batch_stats_kernel(row_loss, row_correct, m, k, batch_loss, batch_correct, halt):
    """One thread: batch k's loss sum and correct count; halt[0] = k at the first non-finite one."""
    if cuda.grid(1) != 0:
        return
    total = 0.0
    correct = 0
    for i in range(m):
        total += row_loss[i]
        correct += row_correct[i]
    batch_loss[k] = total
    batch_correct[k] = correct
    if halt[0] < 0 and not math.isfinite(total):
        halt[0] = k


@cuda.jit
def update_kernel(theta, m1, m2, grad, code, lr, beta1, beta2, eps, weight_decay, decay_mask, a1, a2, c1, c2,
                  tiny, halt):
    """One optimizer step (``rules``' steps, as ``optim.update``), thread p for parameter p; skipped
    once halted.
    a1, a2: 1 - beta1, 1 - beta2, and c1, c2: Adam's bias corrections 1 / (1 - beta**t), rounded
    to the dtype once on the host as ``optim.update`` does; tiny: the dtype's smallest normal
    number (``rules.flushed``)."""
    p = cuda.grid(1)
    if p >= theta.shape[0] or halt[0] >= 0:
        return
    g = decayed(grad[p], theta[p], weight_decay, decay_mask[p])
    if code == ADAM:
        theta[p], m1[p], m2[p] = adam_step(theta[p], m1[p], m2[p], g, lr, beta1, beta2, a1, a2, c1, c2, eps, tiny)
    elif code == MOMENTUM:
        theta[p], m1[p] = momentum_step(theta[p], m1[p], g, lr, beta1, tiny)
    else:
        theta[p] = sgd_step(theta[p], g, lr)


@cuda.jit
def record_kernel(theta, m1, m2, key_row, rec_theta, rec_m1, rec_m2, halt):
    """Copy the state into key row ``key_row`` (thread p for parameter p); skipped once halted.
    (Recorded gradients need no copy: ``backward`` writes them straight into their rows.)"""
    p = cuda.grid(1)
    if p >= theta.shape[0] or halt[0] >= 0:
        return
    rec_theta[key_row, p] = theta[p]
    rec_m1[key_row, p] = m1[p]
    rec_m2[key_row, p] = m2[p]


@cuda.jit
def grid_points_kernel(x0, dx, y0, dy, res, X):
    """X[r * res + c] = (x0 + c dx, y0 + r dy): the grid of ``grid_forward``, row-major."""
    t = cuda.grid(1)
    if t >= res * res:
        return
    r = t // res
    c = t - r * res
    X[t, 0] = x0 + c * dx
    X[t, 1] = y0 + r * dy


# --- host drivers --------------------------------------------------------------------------------

def _params(theta, w_off, b_off, sizes, l):
    fi, fo = int(sizes[l]), int(sizes[l + 1])
    w0, b0 = int(w_off[l]), int(b_off[l])
    return theta[w0 : w0 + fi * fo].reshape((fi, fo)), theta[b0 : b0 + fo]


def forward(theta, w_off, b_off, sizes, a_off, hidden, out, a0, zbuf, abuf, block=BLOCK_2D):
    """Forward device rows a0 (m, n_in) through every layer into device activation buffers zbuf,
    abuf of m rows (offsets a_off: ``layout.layer_offsets``).  Unknown activation codes raise a
    ValueError (the device functions cannot)."""
    check_code(hidden, HIDDEN_ACTIVATIONS, "activation")
    check_code(out, OUTPUTS, "output")
    m = a0.shape[0]
    n_layers = len(sizes) - 1
    a_prev = a0
    for l in range(n_layers):
        W, b = _params(theta, w_off, b_off, sizes, l)
        z, a = layer_view(zbuf, a_off, sizes, l, m), layer_view(abuf, a_off, sizes, l, m)
        code = out if l == n_layers - 1 else hidden
        blocks, threads = _grid2(m, z.shape[1], block)
        dense_forward_kernel[blocks, threads](a_prev, W, b, z, a, code, code != SOFTMAX)
        if code == SOFTMAX:
            blocks, threads = _grid1(m, block * block)
            softmax_rows_kernel[blocks, threads](z, a)
        a_prev = a


def backward(theta, grad, w_off, b_off, sizes, a_off, hidden, a0, zbuf, abuf, dz_buf, dz_spare, halt,
             block=BLOCK_2D):
    """Gradients of every layer into device ``grad``, from dL/dz of the output in dz_buf[: m n_out];
    ``grad`` is left alone once halted (halt[0] >= 0)."""
    m = a0.shape[0]
    n_layers = len(sizes) - 1
    dz = dz_buf[: m * int(sizes[-1])].reshape((m, int(sizes[-1])))
    cur, spare = dz_buf, dz_spare
    for l in range(n_layers - 1, -1, -1):
        W, _ = _params(theta, w_off, b_off, sizes, l)
        dW, db = _params(grad, w_off, b_off, sizes, l)
        a_prev = a0 if l == 0 else layer_view(abuf, a_off, sizes, l - 1, m)
        blocks, threads = _grid2(W.shape[0] + 1, W.shape[1], block)
        dense_param_grad_kernel[blocks, threads](a_prev, dz, dW, db, halt)
        if l == 0:
            break
        fan_in = W.shape[0]
        dz_prev = spare[: m * fan_in].reshape((m, fan_in))
        blocks, threads = _grid2(m, fan_in, block)
        dense_input_grad_kernel[blocks, threads](dz, W, layer_view(zbuf, a_off, sizes, l - 1, m), a_prev, dz_prev,
                                                         hidden)
        dz = dz_prev
        cur, spare = spare, cur


class Device:
    """Device copies of one training set and decay mask, and the scratch of its epochs (made once
    per ``train``)."""

    def __init__(self, X, Y, sizes, batch_size, decay_mask):
        self.X, self.Y, self.decay_mask = cuda.to_device(X), cuda.to_device(Y), cuda.to_device(decay_mask)
        dtype = X.dtype
        widths = int(layer_offsets(np.asarray(sizes))[-1])
        self.a0 = cuda.device_array((batch_size, int(sizes[0])), dtype)
        self.yb = cuda.device_array((batch_size, int(sizes[-1])), dtype)
        self.zbuf = cuda.device_array(batch_size * widths, dtype)
        self.abuf = cuda.device_array(batch_size * widths, dtype)
        self.dz = cuda.device_array(batch_size * int(np.max(sizes)), dtype)
        self.dz_spare = cuda.device_array(batch_size * int(np.max(sizes)), dtype)
        self.row_loss = cuda.device_array(batch_size, np.float64)
        self.row_correct = cuda.device_array(batch_size, np.int64)


def train_epoch(theta, grad, m1, m2, X, Y, perm, batch_size, t0, net, opt, rec, device=None, block=BLOCK,
                block_2d=BLOCK_2D):
    """``passes.train_epoch`` on the GPU: same arguments (host arrays, updated in place), same
    return value (sum of sample losses, correct count, status).  ``device``: a ``Device`` holding
    X, Y and decay_mask, reused across epochs (made here when None; when given, its copies are
    used); block, block_2d: threads per block."""
    w_off, b_off, sizes, hidden, out = net
    code, lr, beta1, beta2, eps, weight_decay, decay_mask = opt
    check_code(code, OPTIMIZERS, "optimizer")
    n = perm.shape[0]
    sizes = np.asarray(sizes)
    a_off, n_layers = layer_offsets(sizes), len(sizes) - 1
    dev = device if device is not None else Device(X, Y, sizes, batch_size, decay_mask)
    d_theta, d_m1, d_m2 = cuda.to_device(theta), cuda.to_device(m1), cuda.to_device(m2)
    d_grad = cuda.device_array_like(grad)  # written by backward: nothing to copy in
    d_perm, d_mask = cuda.to_device(perm), dev.decay_mask
    n_batches = -(-n // batch_size)
    batch_loss = cuda.device_array(n_batches, np.float64)
    batch_correct = cuda.device_array(n_batches, np.int64)
    halt = cuda.to_device(np.array([-1], np.int64))
    f = theta.dtype.type
    P = theta.shape[0]
    recorded, key_rows = rec.codes != SKIP, rec.codes == RECORD_STATE
    n_rec, n_key = int(np.count_nonzero(recorded)), int(np.count_nonzero(key_rows))
    d_rec_grad = cuda.device_array((n_rec, P), theta.dtype) if n_rec else None
    d_state = [cuda.device_array((n_key, P), theta.dtype) for _ in range(3)] if n_key else []
    r = rk = 0
    for k in range(n_batches):
        s = k * batch_size
        m = min(batch_size, n - s)
        a0, yb = dev.a0[:m], dev.yb[:m]
        blocks, threads = _grid1(m, block)
        gather_kernel[blocks, threads](dev.X, dev.Y, d_perm, s, a0, yb)
        forward(d_theta, w_off, b_off, sizes, a_off, hidden, out, a0, dev.zbuf, dev.abuf, block_2d)
        z_out = layer_view(dev.zbuf, a_off, sizes, n_layers - 1, m)
        a_out = layer_view(dev.abuf, a_off, sizes, n_layers - 1, m)
        dz = dev.dz[: m * int(sizes[-1])].reshape((m, int(sizes[-1])))
        output_grad_kernel[blocks, threads](z_out, a_out, yb, out, f(1.0 / m), dz, dev.row_loss, dev.row_correct)
        batch_stats_kernel[1, 1](dev.row_loss, dev.row_correct, m, k, batch_loss, batch_correct, halt)
        g = d_rec_grad[r] if recorded[k] else d_grad  # a recorded step's gradient goes to its row
        backward(d_theta, g, w_off, b_off, sizes, a_off, hidden, a0, dev.zbuf, dev.abuf, dev.dz, dev.dz_spare, halt, block_2d)
        t = t0 + k + 1
        pb, pt = _grid1(P, block)
        update_kernel[pb, pt](d_theta, d_m1, d_m2, g, code, f(lr), f(beta1), f(beta2), f(eps), f(weight_decay), d_mask,
                              f(1.0 - beta1), f(1.0 - beta2), f(1.0 / (1.0 - beta1**t)), f(1.0 / (1.0 - beta2**t)),
                              f(np.finfo(f).tiny), halt)
        if key_rows[k]:
            record_kernel[pb, pt](d_theta, d_m1, d_m2, rk, *d_state, halt)
            rk += 1
        r += int(recorded[k])
    status = int(halt.copy_to_host()[0])
    done = n_batches if status < 0 else status
    losses, correct = batch_loss.copy_to_host(), batch_correct.copy_to_host()
    theta[:] = d_theta.copy_to_host()
    m1[:] = d_m1.copy_to_host()
    m2[:] = d_m2.copy_to_host()
    done_recorded, done_keys = recorded[:done], key_rows[:done]
    rows, keys = int(np.count_nonzero(done_recorded)), int(np.count_nonzero(done_keys))
    row0, key0 = rec.row0, rec.key0
    if n_rec:
        rec.key[key0 : key0 + keys] = row0 + np.flatnonzero(done_keys[done_recorded])
        rec.grad[row0 : row0 + rows] = d_rec_grad.copy_to_host()[:rows]
        for host, dev_rec in zip((rec.theta, rec.m1, rec.m2), d_state):
            host[key0 : key0 + keys] = dev_rec.copy_to_host()[:keys]
        rec.loss[row0 : row0 + rows] = (losses[:done] / _batch_rows(n, batch_size, done))[done_recorded]
    if done:  # the last applied step's gradient, as ``passes.train_epoch`` leaves it
        grad[:] = rec.grad[row0 + rows - 1] if done_recorded[-1] else d_grad.copy_to_host()
    return float(losses[:done].sum()), int(correct[:done].sum()), (status if status >= 0 else -1)


def _batch_rows(n, batch_size, n_batches):
    return np.minimum(batch_size, n - batch_size * np.arange(n_batches))


def layer_outputs(theta, w_off, b_off, sizes, hidden, out, X, block=BLOCK_2D):
    """Host (zbuf, abuf) laid out as ``passes.forward_all`` fills them, computed on the GPU."""
    sizes = np.asarray(sizes)
    a_off = layer_offsets(sizes)
    total = X.shape[0] * int(a_off[-1])
    zbuf, abuf = cuda.device_array(total, X.dtype), cuda.device_array(total, X.dtype)
    forward(cuda.to_device(theta), w_off, b_off, sizes, a_off, hidden, out, cuda.to_device(X), zbuf, abuf, block)
    return zbuf.copy_to_host(), abuf.copy_to_host()


def grid_forward(theta, w_off, b_off, sizes, hidden, out, x0, dx, y0, dy, res, block=BLOCK_2D):
    """Every layer's activations over a res x res grid of 2-D inputs (point (r, c) at
    (x0 + c dx, y0 + r dy)), laid out as ``passes.forward_all`` lays out its rows; host array."""
    n = res * res
    X = cuda.device_array((n, 2), theta.dtype)
    blocks, threads = _grid1(n, block * block)
    grid_points_kernel[blocks, threads](x0, dx, y0, dy, res, X)
    sizes = np.asarray(sizes)
    a_off = layer_offsets(sizes)
    total = n * int(a_off[-1])
    zbuf, abuf = cuda.device_array(total, theta.dtype), cuda.device_array(total, theta.dtype)
    forward(cuda.to_device(theta), w_off, b_off, sizes, a_off, hidden, out, X, zbuf, abuf, block)
    return abuf.copy_to_host()
