"""The CUDA kernels (``gpu_dense``, ``gpu_passes``) against the NumPy reference, in Numba's CUDA
simulator: tiny sizes (each simulated thread costs ~0.1 ms) and blocks of 2-4 threads per side
so every launch spans several blocks and the bounds checks of partial blocks run."""

import numpy as np
import pytest

import nnkern as nk
from nnkern.kernels import gpu_dense as gd
from nnkern.kernels import gpu_passes as gn
from nnkern.kernels import epoch_args, passes
from nnkern.kernels import reference as ref
from nnkern.kernels.codes import (ADAM, HIDDEN_ACTIVATIONS, OPTIMIZERS, OUTPUTS, RECORD_GRAD, RECORD_STATE, SGD,
                                  SIGMOID, SKIP, SOFTMAX, TANH)
from nnkern.kernels.layout import Layout

cuda = pytest.importorskip("numba.cuda")

B1, B2 = 4, 2  # threads per block: 1-D, and per side of 2-D launches
TOL = {np.float32: dict(rtol=1e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}
DTYPES = [np.float32, np.float64]
# every code of the tables: a new activation, output or optimizer is tested here as it is added
HIDDEN, OUTS, OPTS = list(HIDDEN_ACTIVATIONS.values()), list(OUTPUTS.values()), list(OPTIMIZERS.values())
ACTIVATIONS = sorted(set(HIDDEN) | set(OUTS))


def _exact_tanh(z, code):
    """The reference's activation with the exact tanh (the GPU uses its own, not the CPU's
    float32 rational approximation)."""
    if code == TANH:
        return np.tanh(z)
    if code == SIGMOID:
        return 0.5 + 0.5 * np.tanh(0.5 * z)
    return ref.activate(z, code)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", ACTIVATIONS)
def test_dense_forward_kernel(code, dtype):
    rng = np.random.default_rng(code)
    m, fan_in, fan_out = 5, 3, 3
    a = rng.normal(size=(m, fan_in)).astype(dtype)
    W = rng.normal(size=(fan_in, fan_out)).astype(dtype)
    b = rng.normal(size=fan_out).astype(dtype)
    z, out = np.zeros((m, fan_out), dtype), np.zeros((m, fan_out), dtype)
    gd.dense_forward_kernel[(3, 2), (B2, B2)](a, W, b, z, out, code, code != SOFTMAX)
    if code == SOFTMAX:
        gd.softmax_rows_kernel[2, B1](z, out)
    want_z = ref.dense_forward(a, W, b)
    np.testing.assert_allclose(z, want_z, **TOL[dtype])
    np.testing.assert_allclose(out, _exact_tanh(want_z.astype(np.float64), code), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", HIDDEN)
def test_dense_gradient_kernels(code, dtype):
    rng = np.random.default_rng(10 + code)
    m, fan_in, fan_out = 5, 3, 3
    a_prev_z = rng.normal(size=(m, fan_in)).astype(dtype)
    a_prev = _exact_tanh(a_prev_z, code).astype(dtype)
    W = rng.normal(size=(fan_in, fan_out)).astype(dtype)
    dz = rng.normal(size=(m, fan_out)).astype(dtype)
    dW, db = np.zeros_like(W), np.zeros(fan_out, dtype)
    gd.dense_param_grad_kernel[(2, 2), (B2, B2)](a_prev, dz, dW, db, np.array([-1]))
    want_dW, want_db, want_da = ref.dense_backward(a_prev, W, dz)
    np.testing.assert_allclose(dW, want_dW, **TOL[dtype])
    np.testing.assert_allclose(db, want_db, **TOL[dtype])
    gd.dense_param_grad_kernel[(2, 2), (B2, B2)](a_prev, 2 * dz, dW, db, np.array([0]))  # halted: no change
    np.testing.assert_allclose(dW, want_dW, **TOL[dtype])
    np.testing.assert_allclose(db, want_db, **TOL[dtype])
    dz_prev = np.zeros((m, fan_in), dtype)
    gd.dense_input_grad_kernel[(3, 2), (B2, B2)](dz, W, a_prev_z, a_prev, dz_prev, code)
    np.testing.assert_allclose(dz_prev, ref.activation_backward(a_prev_z, a_prev, want_da, code), **TOL[dtype])


@pytest.mark.parametrize("code", OUTS)
def test_output_gradient_loss_and_batch_stats(code):
    rng = np.random.default_rng(20 + code)
    m, w = 5, (3 if code == SOFTMAX else 2)
    z = rng.normal(0, 3, (m, w))
    z[0, 0] = 40.0
    a = ref.activate(z, code)
    Y = (np.eye(w)[rng.integers(0, w, m)] if code == SOFTMAX else
         rng.integers(0, 2, (m, w)).astype(float) if code == SIGMOID else rng.normal(size=(m, w)))
    dz, row_loss, row_correct = np.zeros_like(z), np.zeros(m), np.zeros(m, np.int64)
    gn.output_grad_kernel[2, B1](z, a, Y, code, 1.0 / m, dz, row_loss, row_correct)
    np.testing.assert_allclose(dz, (a - Y) / m, rtol=1e-12)
    np.testing.assert_allclose(row_loss, ref.sample_losses(z, a, Y, code), rtol=1e-12)
    batch_loss, batch_correct, halt = np.zeros(3), np.zeros(3, np.int64), np.array([-1])
    gn.batch_stats_kernel[1, 1](row_loss, row_correct, m, 1, batch_loss, batch_correct, halt)
    np.testing.assert_allclose(batch_loss[1], row_loss.sum(), rtol=1e-12)
    assert batch_correct[1] == ref.n_correct(a, Y, code) and halt[0] == -1
    row_loss[2] = np.nan
    gn.batch_stats_kernel[1, 1](row_loss, row_correct, m, 2, batch_loss, batch_correct, halt)
    assert halt[0] == 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", OPTS)
def test_update_kernel(code, dtype):
    rng = np.random.default_rng(30 + code)
    P = 11
    theta, m1, m2 = rng.normal(size=P).astype(dtype), rng.normal(size=P).astype(dtype), rng.random(P).astype(dtype)
    grad, mask = rng.normal(size=P).astype(dtype), (rng.random(P) < 0.7).astype(dtype)
    t, f = 3, dtype
    tiny = f(np.finfo(dtype).tiny)
    grad[:2], mask[:2], m1[:2], m2[:2] = 0, 0, [tiny * f(1.05), -tiny * f(1.05)], tiny * f(1.0005)  # to be flushed
    want = [theta.copy(), m1.copy(), m2.copy()]
    ref.update(*want, grad, epoch_args.Optimizer(code, 0.01, 0.9, 0.999, 1e-8, 0.01, mask), t)
    gn.update_kernel[3, B1](theta, m1, m2, grad, code, f(0.01), f(0.9), f(0.999), f(1e-8), f(0.01), mask,
                            f(1 - 0.9), f(1 - 0.999), f(1 / (1 - 0.9**t)), f(1 / (1 - 0.999**t)), tiny, np.array([-1]))
    for got, expected in zip((theta, m1, m2), want):
        np.testing.assert_allclose(got, expected, **TOL[dtype])
    if code != SGD:  # the moments that became subnormal are zeros of their sign, as in the reference
        np.testing.assert_array_equal(m1[:2].view(f"u{m1.itemsize}"), want[1][:2].view(f"u{m1.itemsize}"))
        assert np.all(m1[:2] == 0) and np.signbit(m1[1])
    before = theta.copy()
    gn.update_kernel[3, B1](theta, m1, m2, grad, code, f(0.01), f(0.9), f(0.999), f(1e-8), f(0.01), mask,
                            f(0.1), f(0.001), f(1.0), f(1.0), tiny, np.array([0]))  # halted: no change
    np.testing.assert_array_equal(theta, before)


def _epoch_inputs(dtype, n=7, sizes=(2, 3, 1), seed=0):
    rng = np.random.default_rng(seed)
    lay = Layout(list(sizes))
    theta = rng.normal(0, 0.8, lay.n_params).astype(dtype)
    X = rng.normal(size=(n, sizes[0])).astype(dtype)
    Y = rng.integers(0, 2, (n, sizes[-1])).astype(dtype)
    return lay, theta, X, Y, rng.permutation(n)


@pytest.mark.parametrize("dtype", DTYPES)
def test_train_epoch_matches_reference_and_records(dtype):
    lay, theta, X, Y, perm = _epoch_inputs(dtype)
    batch = 3
    net, opt = epoch_args.network(lay, TANH, SIGMOID), epoch_args.optimizer(lay, dtype, ADAM, 0.05, weight_decay=0.01)
    m1, m2 = np.zeros_like(theta), np.zeros_like(theta)
    want = [theta.copy(), m1.copy(), m2.copy()]
    want_total, want_correct = ref.train_epoch(lay, *want, X, Y, perm, batch, TANH, SIGMOID, opt, 2)
    codes = np.array([RECORD_STATE, SKIP, RECORD_GRAD], np.int8)
    P = lay.n_params
    rec = epoch_args.RecordBuffers(codes, 1, 1, np.zeros((3, P), dtype), np.zeros(3, dtype), np.full(2, -1),
                                   *(np.zeros((2, P), dtype) for _ in range(3)))
    grad = np.zeros_like(theta)
    total, correct, status = gn.train_epoch(theta, grad, m1, m2, X, Y, perm, batch, 2, net, opt, rec,
                                            block=B1, block_2d=B2)
    assert status == -1
    np.testing.assert_allclose(total, want_total, rtol=TOL[dtype]["rtol"] * 10)
    assert correct == want_correct
    for got, expected in zip((theta, m1, m2), want):
        np.testing.assert_allclose(got, expected, rtol=TOL[dtype]["rtol"] * 10, atol=TOL[dtype]["atol"] * 10)
    np.testing.assert_array_equal(rec.grad[2], grad)  # the last step's gradient, recorded in row 2
    assert rec.key.tolist() == [-1, 1] and np.all(rec.theta[0] == 0) and np.any(rec.theta[1] != 0)
    assert rec.loss[0] == 0 and rec.loss[1] > 0 and rec.loss[2] > 0


@pytest.mark.parametrize("rec_code", [RECORD_STATE, SKIP])
def test_train_epoch_halts_at_a_nonfinite_batch_like_the_cpu(rec_code):
    lay, theta, X, Y, perm = _epoch_inputs(np.float64, n=9)
    X[perm[4]] = np.nan  # batch 1 of 3
    net, opt = epoch_args.network(lay, TANH, SIGMOID), epoch_args.optimizer(lay, np.float64, SGD, 0.1)
    results = []
    for run in (passes.train_epoch, gn.train_epoch):
        th, grad = theta.copy(), np.zeros_like(theta)
        rec = epoch_args.RecordBuffers(np.full(3, rec_code, np.int8), 0, 0, np.zeros((3, lay.n_params)), np.zeros(3),
                                       np.zeros(3, np.int64), *(np.zeros((3, lay.n_params)) for _ in range(3)))
        extra = {"block": B1, "block_2d": B2} if run is gn.train_epoch else {}
        out = run(th, grad, np.zeros_like(th), np.zeros_like(th), X, Y, perm, 3, 0, net, opt, rec, **extra)
        results.append((out, th, grad, rec))
    (cpu, cpu_theta, cpu_grad, cpu_rec), (gpu, gpu_theta, gpu_grad, gpu_rec) = results
    assert cpu[2] == gpu[2] == 1 and cpu[1] == gpu[1]
    np.testing.assert_allclose(gpu[0], cpu[0], rtol=1e-12)
    np.testing.assert_allclose(gpu_theta, cpu_theta, rtol=1e-12)
    assert np.any(cpu_grad != 0)  # batch 0's gradient, not the failed batch's
    np.testing.assert_allclose(gpu_grad, cpu_grad, rtol=1e-12)
    for got, want in zip(gpu_rec[3:], cpu_rec[3:]):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_unknown_codes_are_rejected_before_any_launch():
    lay, theta, X, Y, perm = _epoch_inputs(np.float64)
    unknown = max(ACTIVATIONS + OPTS) + 1
    with pytest.raises(ValueError, match=f"unknown activation code {unknown}"):
        gn.layer_outputs(theta, lay.w_off, lay.b_off, lay.sizes, unknown, SIGMOID, X)
    with pytest.raises(ValueError, match=f"unknown output code {unknown}"):
        gn.layer_outputs(theta, lay.w_off, lay.b_off, lay.sizes, TANH, unknown, X)
    net = epoch_args.network(lay, TANH, SIGMOID)
    opt = epoch_args.Optimizer(unknown, 0.1, 0.9, 0.999, 1e-8, 0.0, lay.decay_mask(np.float64))
    with pytest.raises(ValueError, match=f"unknown optimizer code {unknown}"):
        gn.train_epoch(theta, np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta), X, Y, perm, 3, 0, net,
                       opt, epoch_args.no_recording(3, lay.n_params, np.float64), block=B1, block_2d=B2)


@pytest.mark.parametrize("out", [SIGMOID, SOFTMAX])
def test_grid_forward_and_layer_outputs_match_reference(out):
    sizes = [2, 3, 2] if out == SOFTMAX else [2, 3, 1]
    lay, theta, _, _, _ = _epoch_inputs(np.float64, sizes=sizes)
    res, x0, dx, y0, dy = 3, -1.0, 1.0, -0.5, 0.5
    gx, gy = np.meshgrid(x0 + dx * np.arange(res), y0 + dy * np.arange(res))
    points = np.c_[gx.ravel(), gy.ravel()]
    want = ref.forward(lay, theta, points, TANH, out)
    abuf = gn.grid_forward(theta, lay.w_off, lay.b_off, lay.sizes, TANH, out, x0, dx, y0, dy, res, block=B2)
    zbuf, abuf2 = gn.layer_outputs(theta, lay.w_off, lay.b_off, lay.sizes, TANH, out, points, block=B2)
    start = 0
    for (z, a), w in zip(want, sizes[1:]):
        n = res * res * w
        np.testing.assert_allclose(abuf[start : start + n].reshape(-1, w), a, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(abuf2[start : start + n].reshape(-1, w), a, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(zbuf[start : start + n].reshape(-1, w), z, rtol=1e-12, atol=1e-14)
        start += n


def test_train_with_backend_cuda_matches_cpu():
    X, y = nk.datasets.load("xor", n=8, seed=0)
    nets = {b: nk.MLP([2, 3, 1], seed=0, dtype="float64") for b in ("cpu", "cuda")}
    runs = {b: nk.train(net, X, y, epochs=2, batch_size=4, lr=0.05, quiet=True, backend=b) for b, net in nets.items()}
    np.testing.assert_allclose(nets["cuda"].params, nets["cpu"].params, rtol=1e-10)
    np.testing.assert_allclose(runs["cuda"].history["loss"], runs["cpu"].history["loss"], rtol=1e-10)


def test_grid_activations_view_with_backend_cuda_matches_cpu():
    net = nk.MLP([2, 3, 1], seed=0, dtype="float64")
    extent = (-1.0, 2.0, -0.5, 0.5)
    for a, b in zip(nk.grid_activations(net, extent, 3, backend="cuda"), nk.grid_activations(net, extent, 3)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
