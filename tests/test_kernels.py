"""Every compiled CPU kernel against its NumPy twin in ``nnkern.kernels.reference``, over random
shapes and both dtypes, and the stated accuracy of the vectorising elementary functions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from nnkern.kernels import activations as act
from nnkern.kernels import dense, epoch_args, losses, optim, passes, replay as replay_kernels
from nnkern.kernels import reference as ref
from nnkern.kernels.codes import (ADAM, HIDDEN_ACTIVATIONS, MOMENTUM, OPTIMIZERS, OUTPUTS, RECORD_GRAD, RECORD_STATE,
                                  SGD, SIGMOID, SKIP, SOFTMAX, TANH)
from nnkern.kernels._numba_ext import VECTOR_BYTES
from nnkern.kernels.layout import Layout

DTYPES = [np.float32, np.float64]
# every code of the tables: a new activation, output or optimizer is tested here as it is added
HIDDEN = list(HIDDEN_ACTIVATIONS.values())
OUTS = list(OUTPUTS.values())
ACTIVATIONS = sorted(set(HIDDEN) | set(OUTS))
OPTS = list(OPTIMIZERS.values())
#: a code no table has
UNKNOWN = max(ACTIVATIONS + OPTS) + 1
#: (rtol, atol) for comparing a kernel with the reference
TOL = {np.float32: (2e-4, 2e-5), np.float64: (1e-11, 1e-13)}
FEW = settings(max_examples=20, deadline=None)


def close(actual, expected, dtype, scale=1.0):
    rtol, atol = TOL[dtype]
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale)


# --- elementary functions: the accuracy the module docstring states ----------------------------

@njit(error_model="numpy")
def _map_tanh(x, out):
    for i in range(x.size):
        out[i] = act.fast_tanh(x[i])


@njit(error_model="numpy")
def _map_exp(x, out):
    for i in range(x.size):
        out[i] = act.exp64(x[i])


@njit(error_model="numpy")
def _map_log1p(x, out):
    for i in range(x.size):
        out[i] = act.log1p_01(x[i])


def _map(f, x, dtype=np.float64):
    out = np.empty(x.shape, dtype)
    f(x, out)
    return out


def _rel_err(got, want):
    nz = want != 0
    assert np.all(got[~nz] == 0)
    return np.max(np.abs(got[nz] - want[nz]) / np.abs(want[nz]))


def test_float32_tanh_within_4e7_absolute_of_exact():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-10, 10, 200_000), rng.uniform(-1e-3, 1e-3, 10_000),
                        [0, 7.9, -7.9, 20, -20]]).astype(np.float32)
    got = _map(_map_tanh, x, np.float32)
    exact = np.tanh(x.astype(np.float64))
    assert np.max(np.abs(got - exact)) < 4e-7
    assert np.max(np.abs(got - exact)[np.abs(x) < 0.5] / np.abs(exact[np.abs(x) < 0.5]).clip(1e-30)) < 1e-6
    np.testing.assert_allclose(got, act.tanh_rational(x), rtol=1e-6, atol=1e-7)  # the reference's twin


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", [TANH, SIGMOID])
def test_fast_tanh_from_python_gives_the_kernels_numbers(code, dtype):
    z = np.random.default_rng(4).uniform(-10, 10, (50, 7)).astype(dtype)
    a = np.empty_like(z)
    act.activate(z, a, code)
    half = dtype(0.5)
    f = act.fast_tanh if code == TANH else (lambda x: half + half * act.fast_tanh(half * x))
    from_python = np.array([f(x) for x in z.ravel()]).reshape(z.shape)
    assert from_python.dtype == dtype
    np.testing.assert_array_equal(from_python, a)


def test_float64_tanh_within_5e16_relative_of_numpy():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-25, 25, 200_000), rng.uniform(-1, 1, 200_000),
                        rng.uniform(-1e-8, 1e-8, 1000), [0.0, 0.625, -0.625, 1e-300, 40, -40]])
    got = _map(_map_tanh, x)
    assert _rel_err(got, np.tanh(x)) < 5e-16
    assert np.all(np.abs(got) <= 1)
    special = _map(_map_tanh, np.array([np.inf, -np.inf, np.nan]))
    assert special[0] == 1 and special[1] == -1 and np.isnan(special[2])


def test_exp64_within_4e16_relative_on_its_range():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.uniform(-708, 709, 200_000), rng.uniform(-2, 2, 100_000), [0.0]])
    assert _rel_err(_map(_map_exp, x), np.exp(x)) < 4e-16
    assert np.isnan(_map(_map_exp, np.array([np.nan]))[0])


def test_log1p_01_within_5e16_relative():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(0, 1, 200_000), 10 ** rng.uniform(-300, 0, 100_000),
                        [0.0, 1.0, np.sqrt(2) - 1]])
    assert _rel_err(_map(_map_log1p, x), np.log1p(x)) < 5e-16


# --- activations ---------------------------------------------------------------------------------

@FEW
@given(m=st.integers(1, 40), w=st.integers(1, 40), code=st.sampled_from(ACTIVATIONS),
       dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**31))
def test_activate_and_backward_match_reference(m, w, code, dtype, seed):
    rng = np.random.default_rng(seed)
    z = (rng.normal(0, 3, (m, w))).astype(dtype)
    a = np.empty_like(z)
    act.activate(z, a, code)
    assert a.dtype == dtype
    close(a, ref.activate(z, code), dtype)
    in_place = z.copy()
    act.activate(in_place, in_place, code)  # a forward pass that keeps only the activations
    np.testing.assert_array_equal(in_place, a)
    if code not in HIDDEN:
        return
    da = rng.normal(size=(m, w)).astype(dtype)
    dz = np.empty_like(z)
    act.activation_backward(z, a, da, dz, code)
    close(dz, ref.activation_backward(z, a, da, code), dtype)


# --- dense layers --------------------------------------------------------------------------------

SHAPES = st.tuples(st.integers(1, 70), st.integers(1, 40), st.integers(1, 40))


@FEW
@given(shape=SHAPES, dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**31))
def test_dense_forward_and_backward_match_reference(shape, dtype, seed):
    _check_dense(shape, dtype, seed)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(300, 20, 30), (128, 784, 10), (1000, 16, 16), (5000, 16, 1)])
def test_dense_blas_path_matches_reference(shape, dtype):
    m, fan_in, fan_out = shape
    assert m * fan_in * fan_out >= dense.BLAS_MIN_MACS
    _check_dense(shape, dtype, 7)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(32, 16, 16), (32, 2, 16), (1000, 16, 16), (33, 5, 32), (7, 16, 8), (3, 8, 48),
                                   (128, 784, 128)])
def test_dense_vector_path_matches_reference(shape, dtype):
    m, fan_in, fan_out = shape
    if fan_out % (VECTOR_BYTES // np.dtype(dtype).itemsize):
        pytest.skip("not a whole number of vectors in this dtype")
    if not dense._vectors(m, fan_in, fan_out, np.dtype(dtype).itemsize):
        pytest.skip("BLAS's on this CPU (see dense._vectors)")
    _check_dense(shape, dtype, 3)


@njit(**act.KERNEL)
def _fused_and_apart(A, B, row0, fused, apart):
    dense._product_tanh(A, B, fused, row0)
    dense.matmul_rows(A, B, apart, row0)
    act.activate(apart, apart, TANH)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(40, 16, 1, 0), (7, 2, 1, 0), (13, 5, 3, 0), (13, 5, 1, 8), (9, 3, 1, 3),
                                   (1, 16, 2, 0), (0, 4, 1, 0)])
def test_tanh_in_the_products_stores_has_activates_bits(shape, dtype):
    """The tanh the register tiles apply as they store (and the loops after them, for columns past
    whole vectors) gives activate's bits (tanh32's, tanh64's), out of range, inf and NaN included.
    shape: rows, inner size, whole vectors of columns and columns past them (dense_forward fuses
    rows narrower than the wide tiles, whose leftover rows sum otherwise)."""
    m, K, vectors, extra = shape
    N = vectors * (VECTOR_BYTES // np.dtype(dtype).itemsize) + extra
    assert N * np.dtype(dtype).itemsize < dense.TANH_TILE_MAX_BYTES
    rng = np.random.default_rng(5)
    A = rng.normal(0, 3, size=(m, K)).astype(dtype)
    A.flat[::7] *= 1e3  # sums far past tanh's clamp
    if m > 2:
        A[1, 0], A[2, 0] = np.inf, np.nan
    B, row0 = rng.normal(size=(K, N)).astype(dtype), rng.normal(size=N).astype(dtype)
    fused, apart = np.full((m, N), 7, dtype), np.full((m, N), 7, dtype)
    _fused_and_apart(A, B, row0, fused, apart)
    np.testing.assert_array_equal(fused, apart)  # NaN where NaN
    assert np.isnan(fused).any() == (m > 2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_in_the_stores_bit_for_bit_over_tanhs_range(dtype):
    """The stores' tanh against activate's on each value x itself (C = x * 1 + 0): zeros of both
    signs, subnormals, tiny to saturated values, and tanh64's reduction edges (2|x| / ln2 - 0.35
    near whole numbers, near_one from n = 2)."""
    rng = np.random.default_rng(11)
    edges = (np.arange(-60, 61) + 0.35) * np.log(2) / 2
    x = np.concatenate([[0.0, -0.0, 5e-324, -5e-324, 1e-310, 1e-45, -1e-45],
                        rng.standard_normal(40_000) * np.logspace(-30, 2, 40_000),
                        (edges[:, None] + rng.uniform(-1e-6, 1e-6, (edges.size, 100))).ravel()]).astype(dtype)
    A, B, row0 = x[:, None].copy(), np.ones((1, 16), dtype), np.zeros(16, dtype)
    fused, apart = np.empty((x.size, 16), dtype), np.empty((x.size, 16), dtype)
    _fused_and_apart(A, B, row0, fused, apart)
    np.testing.assert_array_equal(fused.view(f"i{x.itemsize}"), apart.view(f"i{x.itemsize}"))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sizes", [[2, 16, 16, 1], [3, 32, 16, 2], [2, 16, 10, 1]])
def test_forward_keeping_activations_only_gives_the_activations(sizes, dtype):
    """forward_all into one buffer (``grid_activations``: tanh in the products' stores where it can)
    fills the activations that forward_all into two buffers fills, to the bit."""
    rng = np.random.default_rng(2)
    lay = Layout(sizes)
    theta = rng.normal(0, 0.7, lay.n_params).astype(dtype)
    X = rng.normal(0, 2, size=(700, sizes[0])).astype(dtype)
    total = len(X) * sum(sizes[1:])
    one, zbuf, abuf = np.empty(total, dtype), np.empty(total, dtype), np.empty(total, dtype)
    for forward in (passes.forward_all, passes.forward_rows):
        forward(theta, lay.w_off, lay.b_off, lay.sizes, TANH, SIGMOID, X, one, one)
        forward(theta, lay.w_off, lay.b_off, lay.sizes, TANH, SIGMOID, X, zbuf, abuf)
        np.testing.assert_array_equal(one, abuf)


@pytest.mark.parametrize("dtype", DTYPES)
def test_large_weight_gradients_go_to_blas_and_match_reference(dtype):
    m, fan_in, fan_out = 128, 784, 256  # dW of 784 x 256: 784 KiB in float32
    itemsize = np.dtype(dtype).itemsize
    assert fan_in * fan_out * itemsize >= dense.DW_TILE_MAX_BYTES
    assert not dense._dw_tiles(m, fan_in, fan_out, itemsize) and dense.splits(m, fan_in, fan_out, itemsize)
    assert dense._dw_tiles(m, 784, 64, 4) == dense._vectors(784, m, 64, 4)  # 196 KiB: as other products
    _check_dense((m, fan_in, fan_out), dtype, 13)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(128, 784, 128), (97, 1000, 50), (200, 600, 40)])
def test_dense_packed_path_matches_reference(shape, dtype):
    m, fan_in, fan_out = shape
    assert m * fan_in * fan_out >= dense.PACKED_MIN_MACS  # matmul_packed's with AVX2, else the tiles' or BLAS's
    _check_dense(shape, dtype, 11)


@pytest.mark.skipif(VECTOR_BYTES != 32, reason="matmul_packed runs with AVX2 only")
def test_packed_path_is_taken_with_avx2():
    assert dense._packs(128, 784, 128, 4, 784 * 128) and dense._packs(784, 128, 128, 8, 128 * 128)
    assert not dense._packs(128, 784, 128, 4, 784 * 128 - 1)  # no room to pack B: BLAS
    assert not dense._packs(128, 784, 8, 4, 784 * 8) and not dense._packs(32, 16, 16, 4, 256)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1000, 16, 1), (33, 32, 3), (7, 16, 2), (40, 5, 3), (9, 3, 3), (2, 1, 1)])
def test_dense_narrow_paths_match_reference(shape, dtype):
    m, fan_in, fan_out = shape  # register tiles when fan_in is whole vectors, loops otherwise
    assert fan_out < dense.NARROW and m * fan_in * fan_out < dense.BLAS_MIN_MACS
    _check_dense(shape, dtype, 5)


def _check_dense(shape, dtype, seed):
    m, fan_in, fan_out = shape
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(m, fan_in)).astype(dtype)
    W = rng.normal(size=(fan_in, fan_out)).astype(dtype)
    b = rng.normal(size=fan_out).astype(dtype)
    dz = rng.normal(size=(m, fan_out)).astype(dtype)
    z = np.empty((m, fan_out), dtype)
    room = dense.forward_scratch_size(np.array([fan_in, fan_out]))
    forward_scratch = np.full(room + 64, np.nan, dtype)
    dense.dense_forward(a, W, b, z, forward_scratch, m)
    assert np.isnan(forward_scratch[room:]).all(), "dense_forward wrote past its scratch"
    scale = np.sqrt(fan_in)  # sums of fan_in products
    close(z, ref.dense_forward(a, W, b), dtype, scale)
    dW, db, da = np.empty_like(W), np.empty_like(b), np.empty_like(a)
    size = dense.scratch_size(max(fan_in, fan_out))
    scratch = np.full(size + 64, np.nan, dtype)  # and a guard after it
    dense.dense_backward(a, W, dz, dW, db, da, True, scratch)
    assert np.isnan(scratch[size:]).all(), "dense_backward wrote past its scratch"
    rdW, rdb, rda = ref.dense_backward(a, W, dz)
    close(dW, rdW, dtype, np.sqrt(m))
    close(db, rdb, dtype, np.sqrt(m))
    close(da, rda, dtype, np.sqrt(fan_out))


# --- losses --------------------------------------------------------------------------------------

def _targets(code, m, w, rng, dtype):
    if code == SIGMOID:
        return rng.integers(0, 2, (m, w)).astype(dtype)
    if code == SOFTMAX:
        return np.eye(w, dtype=dtype)[rng.integers(0, w, m)]
    return rng.normal(size=(m, w)).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("w", [1, 3])
def test_correct_count_at_the_half_boundary(dtype, w):
    """A sigmoid output of exactly 0.5 counts as class 1, in the one-output loop (which vectorises)
    as in the rows' loop: the count equals the reference's on outputs at and beside 0.5."""
    half = dtype(0.5)
    values = np.array([np.nextafter(half, dtype(0)), half, np.nextafter(half, dtype(1)), 0, 1], dtype)
    rng = np.random.default_rng(3)
    a = rng.choice(values, (1003, w)).astype(dtype)
    Y = rng.integers(0, 2, (1003, w)).astype(dtype)
    z = np.zeros_like(a)
    assert losses.loss_and_correct(z, a, Y, SIGMOID)[1] == ref.n_correct(a, Y, SIGMOID)


@FEW
@given(m=st.integers(1, 50), w=st.integers(1, 6), code=st.sampled_from(OUTS),
       dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**31))
def test_losses_match_reference(m, w, code, dtype, seed):
    if code == SOFTMAX:
        w = max(w, 2)
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 4, (m, w)).astype(dtype)
    z[0, 0] = 40 if m > 1 else z[0, 0]  # far into the flat tail of the sigmoid / softmax
    a = ref.activate(z, code).astype(dtype)
    Y = _targets(code, m, w, rng, dtype)
    dz = np.empty_like(z)
    total, correct = losses.loss_and_output_grad(z, a, Y, code, dz, 1.0 / m)
    want = ref.sample_losses(z, a, Y, code)
    np.testing.assert_allclose(total, want.sum(), rtol=1e-12, atol=1e-12)
    assert correct == ref.n_correct(a, Y, code)
    close(dz, ((a - Y) / m).astype(dtype), dtype)
    assert losses.loss_and_correct(z, a, Y, code) == (total, correct)
    last, _ = losses.loss_and_correct(z[-1:], a[-1:], Y[-1:], code)  # one sample alone
    np.testing.assert_allclose(last, want[-1], rtol=1e-12, atol=1e-12)


def test_the_softmax_loss_over_a_block_is_the_row_rules_bits():
    """The CPU sums its softmax cross-entropy over the block at once; each row's term is the
    bits of ``rules.softmax_ce_row`` (the GPU's, row by row)."""
    from numba import njit

    from nnkern.kernels import activations, rules
    from nnkern.kernels._numba_ext import column_sum

    row = rules.cpu(rules.softmax_ce_row, exp=activations.exp64, cross_entropy=losses.cross_entropy)

    @njit
    def by_rows(z, Y):
        terms = np.empty((z.shape[0], 1))
        for i in range(z.shape[0]):
            terms[i, 0] = row(z, Y, i)
        return column_sum(terms, 0)

    rng = np.random.default_rng(7)
    for dtype in DTYPES:
        for m, w in ((128, 10), (5, 3), (1, 2), (33, 17)):
            z = rng.normal(0, 4, (m, w)).astype(dtype)
            Y = _targets(SOFTMAX, m, w, rng, dtype)
            assert losses.loss_and_correct(z, z, Y, SOFTMAX)[0] == by_rows(z, Y)


def test_nonfinite_logits_give_a_nonfinite_loss():
    z = np.array([[np.nan], [1.0]])
    a = ref.activate(z, SIGMOID)
    total, _ = losses.loss_and_output_grad(z, a, np.ones((2, 1)), SIGMOID, np.empty((2, 1)), 0.5)
    assert not np.isfinite(total)


# --- optimizers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", OPTS)
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_update_matches_reference(code, dtype, weight_decay):
    rng = np.random.default_rng(code)
    P = 203
    theta = rng.normal(size=P).astype(dtype)
    m1, m2 = rng.normal(size=P).astype(dtype), rng.random(P).astype(dtype)
    mask = (rng.random(P) < 0.8).astype(dtype)
    opt = epoch_args.Optimizer(code, 0.01, 0.9, 0.999, 1e-8, weight_decay, mask)
    in_place, out_of_place, want = ([theta.copy(), m1.copy(), m2.copy()] for _ in range(3))
    for t in range(1, 6):
        grad = rng.normal(size=P).astype(dtype)
        optim.update_in_place(*in_place, grad, opt, t)
        new = [np.empty_like(a) for a in out_of_place]
        before = [a.copy() for a in out_of_place]
        optim.update(*out_of_place, grad, opt, t, *new)
        for a, b in zip(out_of_place, before):
            np.testing.assert_array_equal(a, b)  # the source state is left alone
        out_of_place = new
        ref.update(*want, grad, opt, t)
    for got, other, expected in zip(in_place, out_of_place, want):
        assert got.dtype == dtype
        close(got, expected, dtype)
        np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), other.view(f"u{other.itemsize}"))  # to the bit


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", [ADAM, MOMENTUM])
def test_moments_that_become_subnormal_are_flushed_to_zero(code, dtype):
    """A parameter with no gradient (into a dead unit) has its moments decay by beta each step; the
    step that would make one subnormal makes it a zero of its sign instead (``rules.flushed``), in
    the kernel and the reference alike, and leaves every normal moment's bits as IEEE arithmetic
    gives them."""
    tiny, f = np.finfo(dtype).tiny, dtype
    P = 40
    rng = np.random.default_rng(7)
    sign = np.where(np.arange(P) % 2, -1, 1).astype(dtype)
    decaying = np.arange(P) < P // 2  # no gradient, moments just above tiny: the next step's are subnormal
    grad = np.where(decaying, 0, rng.normal(size=P)).astype(dtype)
    m1 = np.where(decaying, sign * f(tiny * 1.05), rng.normal(size=P) * 1e-3).astype(dtype)
    m2 = np.where(decaying, f(tiny * 1.0005), rng.random(P) * 1e-6).astype(dtype)
    theta = rng.normal(size=P).astype(dtype)
    opt = epoch_args.Optimizer(code, 0.01, 0.9, 0.999, 1e-8, 0.0, np.ones(P, dtype))
    kernel, want = [theta.copy(), m1.copy(), m2.copy()], [theta.copy(), m1.copy(), m2.copy()]
    optim.update_in_place(*kernel, grad, opt, 9)
    ref.update(*want, grad, opt, 9)
    ieee_m1 = f(0.9) * m1 + (grad if code == MOMENTUM else f(1 - 0.9) * grad)
    assert np.all(np.abs(ieee_m1[decaying]) < tiny) and np.all(ieee_m1[decaying] != 0)  # they would be subnormal
    new_m1 = kernel[1]
    assert np.all(new_m1[decaying] == 0) and np.array_equal(np.signbit(new_m1[decaying]), sign[decaying] < 0)
    np.testing.assert_array_equal(new_m1[~decaying], ieee_m1[~decaying])
    if code == ADAM:
        assert np.all(kernel[2][decaying] == 0)
        g = grad[~decaying]
        np.testing.assert_array_equal(kernel[2][~decaying], f(0.999) * m2[~decaying] + f(1 - 0.999) * g * g)
    for got, expected in zip(kernel[1:], want[1:]):
        np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), expected.view(f"u{got.itemsize}"))
    np.testing.assert_array_equal(kernel[0][decaying], theta[decaying])  # a zero moment moves nothing
    close(kernel[0], want[0], dtype)


# --- whole network -------------------------------------------------------------------------------

ARCHS = st.lists(st.integers(1, 24), min_size=2, max_size=5)


def _net(sizes, out, dtype, rng):
    if out == SOFTMAX:
        sizes = sizes[:-1] + [max(sizes[-1], 2)]
    lay = Layout(sizes)
    theta = rng.normal(0, 0.7, lay.n_params).astype(dtype)
    return sizes, lay, theta


@FEW
@given(sizes=ARCHS, n=st.integers(1, 600), hidden=st.sampled_from(HIDDEN), out=st.sampled_from(OUTS),
       dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**31))
def test_forward_all_and_full_gradient_match_reference(sizes, n, hidden, out, dtype, seed):
    rng = np.random.default_rng(seed)
    sizes, lay, theta = _net(sizes, out, dtype, rng)
    X = rng.normal(size=(n, sizes[0])).astype(dtype)
    total = n * sum(sizes[1:])
    zbuf, abuf = np.empty(total, dtype), np.empty(total, dtype)
    passes.forward_all(theta, lay.w_off, lay.b_off, lay.sizes, hidden, out, X, zbuf, abuf)
    start = 0
    for (rz, ra), w in zip(ref.forward(lay, theta, X, hidden, out), sizes[1:]):
        close(zbuf[start : start + n * w].reshape(n, w), rz, dtype, 10)
        close(abuf[start : start + n * w].reshape(n, w), ra, dtype, 10)
        start += n * w
    Y = _targets(out, n, sizes[-1], rng, dtype)
    grad = np.empty_like(theta)
    loss, correct = passes.loss_grad_full(theta, grad, lay.w_off, lay.b_off, lay.sizes, hidden, out, X, Y)
    rloss, rcorrect, rgrad = ref.loss_grad(lay, theta, X, Y, hidden, out)
    np.testing.assert_allclose(loss, rloss, rtol=TOL[dtype][0] * 10)
    if dtype == np.float64:
        assert correct == rcorrect
    close(grad, rgrad, dtype, 10)
    if n <= passes.CHUNK_ROWS:  # one chunk: the single-thread twin fills the same numbers
        z1, a1 = np.empty_like(zbuf), np.empty_like(abuf)
        passes.forward_rows(theta, lay.w_off, lay.b_off, lay.sizes, hidden, out, X, z1, a1)
        np.testing.assert_array_equal(z1, zbuf)
        np.testing.assert_array_equal(a1, abuf)


def _epoch_args(sizes, n, batch, opt, dtype, seed):
    """(layout, theta, m1, m2, X, Y, perm, batch, t0, network, optimizer) of a small epoch."""
    rng = np.random.default_rng(seed)
    sizes, lay, theta = _net(sizes, SIGMOID, dtype, rng)
    X = rng.normal(size=(n, sizes[0])).astype(dtype)
    Y = _targets(SIGMOID, n, sizes[-1], rng, dtype)
    perm = rng.permutation(n)
    m1, m2 = np.zeros_like(theta), np.zeros_like(theta)
    network = epoch_args.network(lay, TANH, SIGMOID)
    optimizer = epoch_args.optimizer(lay, dtype, opt, 0.02, 0.9, 0.999, 1e-8, 0.001)
    return lay, theta, m1, m2, X, Y, perm, batch, 3, network, optimizer


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opt", OPTS)
@pytest.mark.parametrize("n,batch", [(100, 32), (64, 64), (37, 5)])
def test_train_epoch_matches_reference(opt, dtype, n, batch):
    lay, theta, m1, m2, X, Y, perm, batch, t0, net, optimizer = _epoch_args([3, 9, 7, 1], n, batch, opt, dtype, opt)
    codes = np.full(-(-n // batch), SKIP, np.int8)
    codes[0], codes[-1] = RECORD_GRAD, RECORD_STATE  # with one batch, its step is a key row
    k_theta, k_m1, k_m2, grad = theta.copy(), m1.copy(), m2.copy(), np.zeros_like(theta)
    total, correct, status = passes.train_epoch(k_theta, grad, k_m1, k_m2, X, Y, perm, batch, t0, net, optimizer,
                                                _recording(codes, lay.n_params, dtype, row0=1, key0=2))
    rtotal, rcorrect = ref.train_epoch(lay, theta, m1, m2, X, Y, perm, batch, net.hidden, net.out, optimizer, t0)
    assert status == -1
    np.testing.assert_allclose(total, rtotal, rtol=TOL[dtype][0] * 10)
    close(k_theta, theta, dtype, 10)
    close(k_m1, m1, dtype, 10)
    close(k_m2, m2, dtype, 10)
    if dtype == np.float64:
        assert correct == rcorrect


def _recording(codes, P, dtype, row0, key0, rows=4):
    """``RecordBuffers`` of ``train_epoch`` with its arrays filled with -1 (untouched)."""
    grad, loss = np.full((rows, P), -1, dtype), np.full(rows, -1, dtype)
    key, state = np.full(rows, -1, np.int64), [np.full((rows, P), -1, dtype) for _ in range(3)]
    return epoch_args.RecordBuffers(codes, row0, key0, grad, loss, key, *state)


@pytest.mark.parametrize("dtype", DTYPES)
def test_train_epoch_records_gradients_and_key_states(dtype):
    lay, theta, m1, m2, X, Y, perm, batch, t0, net, opt = _epoch_args([3, 9, 7, 1], 40, 10, ADAM, dtype, 1)
    codes = np.array([RECORD_GRAD, SKIP, RECORD_STATE, RECORD_GRAD], np.int8)
    grad = np.zeros_like(theta)
    rec = _recording(codes, lay.n_params, dtype, row0=1, key0=2)
    states = [(theta.copy(), m1.copy(), m2.copy())]
    for k in range(len(codes)):  # the same steps one batch at a time, nothing recorded
        th, a, b = (x.copy() for x in states[-1][:3])
        passes.train_epoch(th, grad, a, b, X, Y, perm[10 * k : 10 * k + 10], batch, t0 + k, net, opt,
                           epoch_args.no_recording(1, lay.n_params, dtype))
        states.append((th, a, b, grad.copy()))
    last_grad = grad.copy()
    passes.train_epoch(theta, grad, m1, m2, X, Y, perm, batch, t0, net, opt, rec)
    np.testing.assert_array_equal(rec.grad[1], states[1][3])  # step 1 -> row 1 (row0)
    np.testing.assert_array_equal(rec.grad[2], states[3][3])  # step 3 -> row 2, a key row: key row 2 (key0)
    np.testing.assert_array_equal(rec.grad[3], states[4][3])
    for got, want in zip((rec.theta[2], rec.m1[2], rec.m2[2]), states[3][:3]):
        np.testing.assert_array_equal(got, want)
    assert rec.key.tolist() == [-1, -1, 2, -1] and np.all(rec.loss[1:] > 0)
    assert np.all(rec.grad[0] == -1) and np.all(rec.theta[[0, 1, 3]] == -1)  # nothing else written
    for got, want in zip((theta, m1, m2, grad), (*states[4][:3], last_grad)):
        np.testing.assert_array_equal(got, want)


def test_train_epoch_stops_before_a_nonfinite_batch():
    lay, theta, m1, m2, X, Y, perm, batch, t0, net, opt = _epoch_args([2, 4, 1], 40, 10, SGD, np.float64, 0)
    X[perm[25]] = np.nan  # in the third batch
    before = theta.copy()
    total, correct, status = passes.train_epoch(theta, np.zeros_like(theta), m1, m2, X, Y, perm, batch, t0, net, opt,
                                                epoch_args.no_recording(4, lay.n_params, np.float64))
    assert status == 2
    assert np.all(np.isfinite(theta)) and not np.array_equal(theta, before)


@pytest.mark.parametrize("dtype", DTYPES)
def test_train_epochs_is_train_epoch_in_turn_and_stops_at_a_nonfinite_batch(dtype):
    lay, theta, m1, m2, X, Y, perm, batch, t0, net, opt = _epoch_args([3, 9, 7, 1], 40, 10, ADAM, dtype, 2)
    rng = np.random.default_rng(5)
    perms = np.stack([rng.permutation(40) for _ in range(3)])
    bad = perms[1][25]  # the third batch of the second epoch; the first epoch visits another row twice
    perms[0][perms[0] == bad] = (bad + 1) % 40
    want = [theta.copy(), np.zeros_like(theta), m1.copy(), m2.copy()]
    sums, starts = [], []
    for e in range(3):
        starts.append(want[0].copy())
        sums.append(passes.train_epoch(*want, X, Y, perms[e], batch, t0 + 4 * e, net, opt,
                                       epoch_args.no_recording(4, lay.n_params, dtype))[:2])
    got = [theta.copy(), np.zeros_like(theta), m1.copy(), m2.copy()]
    before, totals, corrects = np.empty_like(theta), np.empty(3), np.empty(3, np.int64)
    none = epoch_args.no_recording(4, lay.n_params, dtype)
    none = none._replace(codes=np.tile(none.codes, (3, 1)))
    val = (X[:13].copy(), Y[:13].copy(), np.empty(3), np.empty(3, np.int64))  # each epoch validated on 13 rows
    assert passes.train_epochs(*got, X, Y, perms, batch, t0, net, opt, none, before, totals, corrects, *val) == (3, -1)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert totals.tolist() == [s[0] for s in sums] and corrects.tolist() == [s[1] for s in sums]
    np.testing.assert_array_equal(before, starts[2])
    loss, correct = ref.evaluate_params(lay, np.stack([starts[1], starts[2], want[0]]), val[0], val[1], net.hidden, net.out)
    close(val[2] / 13, loss, dtype, 10)
    assert val[3].tolist() == correct.tolist()
    X[bad] = np.nan
    got = [theta.copy(), np.zeros_like(theta), m1.copy(), m2.copy()]
    no_val = (X[:0], Y[:0], np.empty(3), np.empty(3, np.int64))
    assert passes.train_epochs(*got, X, Y, perms, batch, t0, net, opt, none, before, totals, corrects, *no_val) == (1, 2)
    np.testing.assert_array_equal(before, starts[1])
    assert np.all(np.isfinite(got[0])) and totals[0] == sums[0][0]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", OPTS)
def test_replay_matches_reference(code, dtype):
    rng = np.random.default_rng(code)
    k, P = 9, 31
    grad = rng.normal(size=(k, P)).astype(dtype)
    steps = np.array([4, 5, 6, 10, 11, 12, 13, 20, 21])
    key = np.array([0, 3, 7])  # rows after a gap in the steps must be key rows
    key_state = [rng.normal(size=(3, P)).astype(dtype), rng.normal(size=(3, P)).astype(dtype),
                 rng.random((3, P)).astype(dtype)]
    opt = epoch_args.Optimizer(code, 0.01, 0.9, 0.999, 1e-8, 0.01, (rng.random(P) < 0.8).astype(dtype))
    got = [np.empty_like(grad) for _ in range(3)]
    replay_kernels.replay(grad, steps, key, *key_state, opt, *got)
    for a, b, stored in zip(got, ref.replay(grad, steps, key, *key_state, opt), key_state):
        close(a, b, dtype, 10)
        np.testing.assert_array_equal(a[key], stored)


# --- unknown codes -------------------------------------------------------------------------------

def test_kernels_reject_unknown_codes():
    z = np.zeros((2, 3))
    with pytest.raises(ValueError, match="unknown activation"):
        act.activate(z, np.empty_like(z), UNKNOWN)
    with pytest.raises(ValueError, match="unknown hidden activation"):
        act.activation_backward(z, z, z, np.empty_like(z), SOFTMAX)  # softmax is an output only
    with pytest.raises(ValueError, match="unknown output"):
        losses.loss_and_output_grad(z, z, z, UNKNOWN, np.empty_like(z), 1.0)
    P = 5
    opt = epoch_args.Optimizer(UNKNOWN, 0.1, 0.9, 0.999, 1e-8, 0.0, np.ones(P))
    with pytest.raises(ValueError, match="unknown optimizer"):
        optim.update(*(np.zeros(P) for _ in range(4)), opt, 1, *(np.zeros(P) for _ in range(3)))
    lay = Layout([3, 4, 3])
    theta, X = np.zeros(lay.n_params), np.zeros((2, 3))
    with pytest.raises(ValueError, match="unknown activation"):
        passes.loss_grad_full(theta, np.empty_like(theta), lay.w_off, lay.b_off, lay.sizes, UNKNOWN, SIGMOID, X, z)


def test_reference_rejects_unknown_codes():
    z = np.zeros((2, 3))
    with pytest.raises(ValueError, match=f"unknown activation code {UNKNOWN}"):
        ref.activate(z, UNKNOWN)
    with pytest.raises(ValueError, match="unknown hidden activation code"):
        ref.activation_backward(z, z, z, SOFTMAX)
    with pytest.raises(ValueError, match="unknown output code"):
        ref.sample_losses(z, z, z, UNKNOWN)
    with pytest.raises(ValueError, match="unknown optimizer code"):
        ref.update(*(np.zeros(3) for _ in range(4)), epoch_args.Optimizer(UNKNOWN, 0.1, 0.9, 0.999, 1e-8, 0.0,
                                                                           np.ones(3)), 1)


@pytest.mark.parametrize("which", ["hidden", "output", "optimizer"])
def test_epoch_arguments_reject_unknown_codes_naming_them(which):
    lay = Layout([2, 3, 1])
    with pytest.raises(ValueError, match=f"unknown .*code {UNKNOWN}; expected one of"):
        if which == "optimizer":
            epoch_args.optimizer(lay, np.float64, UNKNOWN, 0.1)
        else:
            epoch_args.network(lay, UNKNOWN if which == "hidden" else TANH, UNKNOWN if which == "output" else SIGMOID)
