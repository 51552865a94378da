"""The Numba internals of ``nnkern.kernels._numba_ext``, each against the plain operation it
stands for, and the module's fallbacks when those internals cannot be imported."""

import os
import pathlib
import platform
import re
import subprocess
import sys

import numpy as np
import pytest
from numba import njit

from nnkern.kernels import _numba_ext as ext
from nnkern.kernels.activations import activation_backward
from nnkern.kernels.codes import TANH

SCRIPT = r'''
import builtins, sys
BLOCKED = {"numba.np.arrayobj", "numba.core.imputils", "numba.core.cgutils", "llvmlite", "llvmlite.ir"}
real_import = builtins.__import__


def without_internals(name, globals=None, locals=None, fromlist=(), level=0):
    """The import statement, failing for _numba_ext's imports of Numba internals."""
    if (globals or {}).get("__name__") == "nnkern.kernels._numba_ext" and name in BLOCKED:
        raise ImportError(f"{name} hidden by the test")
    return real_import(name, globals, locals, fromlist, level)


builtins.__import__ = without_internals
from nnkern.kernels import _numba_ext
builtins.__import__ = real_import
assert not _numba_ext.INTERNALS
sys.path.insert(0, sys.argv[1])
import test_numba_ext as t
for check in (t.check_block, t.check_flat, t.check_bits_to_float64, t.check_prefetches, t.check_matmul_rows,
              t.check_sum_rows, t.check_row_dots, t.check_at_b_rows, t.check_matmul_packed, t.check_span_and_transposed, t.check_sync, t.check_pcg64_step, t.check_borrowed):
    check(_numba_ext)
import numpy as np
from nnkern.kernels import team
assert team.size_for(np.array([784, 128, 10]), 128, 2) == 1  # no team without atomic reads and writes
print("fallbacks ok")
'''


def _kernels(m):
    """Compiled callers of module m's functions (m: the module, or it imported without internals)."""

    @njit
    def block(buf, start, rows, cols):
        return m.block(buf, start, rows, cols)

    @njit
    def flat(arr):
        return m.flat(arr)

    @njit
    def bits(b):
        return m.bits_to_float64(b)

    @njit
    def float_bits(x):
        return m.float64_to_bits(x)

    @njit
    def prefetch(row):
        for i in range(row.shape[0]):
            m.prefetch_for_write(row, i)
            m.prefetch_for_read(row, i)
        return row.sum()

    @njit(fastmath={"contract"})  # as the kernels compile (activations.ELEMENTWISE)
    def matmul(A, B, C, row0, T=None, fuse=True):
        m.matmul_rows(A, B, C, row0, T, fuse)

    @njit
    def sum_rows(B, out):
        m.sum_rows(B, out)

    @njit
    def span_sum(buf, start, n):  # a view used while buf lives
        return m.span(buf, start, n).sum()

    @njit
    def transposed_copy(arr):
        return m.transposed(arr).copy()

    @njit
    def at_b_rows(a, b, c, k0, k1):
        m.at_b_rows(a, b, c, k0, k1)

    @njit
    def packed(A, B, C, row0, pack, i0, i1):
        m.matmul_packed(A, B, C, row0, pack, i0, i1)

    @njit
    def borrowed_doubled(arr):  # doubles arr in place through its borrowed self (alone and in a tuple)
        view = m.borrowed(arr)
        _double(view)
        (first, (n, again)) = m.borrowed((view, (3, arr)))
        return view.sum(), first.sum() + n + again.sum()

    return (block, flat, bits, prefetch, matmul, sum_rows, span_sum, transposed_copy, at_b_rows, packed, borrowed_doubled,
            float_bits)


@njit(inline="never")
def _double(arr):
    arr *= 2


def check_block(m):
    block = _kernels(m)[0]
    buf = np.arange(30.0)
    view = block(buf, 4, 3, 5)
    np.testing.assert_array_equal(view, buf[4:19].reshape(3, 5))
    assert view.flags.c_contiguous and view.shape == (3, 5)
    view[1, 2] = -1  # a view, not a copy
    assert buf[4 + 5 + 2] == -1
    assert block(np.arange(6, dtype=np.float32), 0, 2, 3).dtype == np.float32


def check_flat(m):
    flat = _kernels(m)[1]
    arr = np.arange(12.0).reshape(3, 4)
    view = flat(arr)
    np.testing.assert_array_equal(view, arr.ravel())
    view[5] = -1
    assert arr[1, 1] == -1


def check_bits_to_float64(m):
    kernels = _kernels(m)
    bits, float_bits = kernels[2], kernels[-1]
    for x in (1.0, -2.5, 2.0**-1022, 2.0**1023, np.pi, 0.0, -0.0, np.inf):
        b = np.array([x]).view(np.int64)[0]
        got = bits(b)
        assert np.array([got]).view(np.int64)[0] == b  # the same bits, sign of zero included
        assert float_bits(x) == b and float_bits(got) == b


def check_prefetches(m):
    prefetch = _kernels(m)[3]
    row = np.arange(100.0)
    assert prefetch(row) == np.arange(100.0).sum()
    np.testing.assert_array_equal(row, np.arange(100.0))  # a hint: nothing written


def check_matmul_rows(m):
    matmul = _kernels(m)[4]
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        for rows, K, N in ((32, 16, 16), (7, 3, 16), (5, 2, 8), (9, 4, 19), (4, 16, 48), (0, 3, 16), (3, 5, 1),
                         (17, 5, 80), (24, 33, 64), (8, 3, 32), (2, 1001, 32), (14, 7, 128)):  # whole tiles, left-over rows and vectors
            A = rng.normal(size=(rows, K)).astype(dtype)
            B, row0 = rng.normal(size=(K, N)).astype(dtype), rng.normal(size=N).astype(dtype)
            want = A.astype(np.float64) @ B + row0
            for a in (A, np.asfortranarray(A)):  # A in any layout (the kernels pass a.T)
                C = np.full((rows, N), np.nan, dtype)
                matmul(a, B, C, row0)
                np.testing.assert_allclose(C, want, rtol=1e-5 if dtype == np.float32 else 1e-13, atol=1e-5 if dtype == np.float32 else 1e-13)
            # tanh_grad_of: each element times 1 - T**2 as it is stored, the bits of the product, then
            # activation_backward's pass (C = dL/da of a tanh layer's output T gives dL/dz)
            T = np.tanh(rng.normal(size=(rows, N))).astype(dtype)
            fused, alone = np.full((rows, N), np.nan, dtype), np.full((rows, N), np.nan, dtype)
            matmul(A, B, fused, row0, T)
            matmul(A, B, alone, row0)
            activation_backward(T, T, alone, alone, TANH)
            np.testing.assert_array_equal(fused, alone)
            np.testing.assert_allclose(fused, want * (1 - T.astype(np.float64) ** 2), rtol=1e-4 if dtype == np.float32 else 1e-12,
                                       atol=1e-5 if dtype == np.float32 else 1e-13)
            matmul(A, B, fused, row0, T, False)  # fuse false: the product alone
            matmul(A, B, alone, row0)
            np.testing.assert_array_equal(fused, alone)


def check_matmul_packed(m):
    packed = _kernels(m)[9]
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.float64):
        tol = dict(rtol=1e-5, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-12)
        # whole blocks and tiles, left-over rows (1 to 5) and vectors, columns past the vectors, one row
        for rows, K, N in ((96, 40, 32), (101, 37, 56), (53, 9, 20), (7, 784, 24), (1, 5, 16), (50, 3, 3)):
            A = rng.normal(size=(rows, K)).astype(dtype)
            B, row0 = rng.normal(size=(K, N)).astype(dtype), rng.normal(size=N).astype(dtype)
            for a, b in ((A, B), (np.asfortranarray(A), np.asfortranarray(B))):  # any layout (the kernels pass a.T)
                for r, extra in ((row0, row0), (None, 0)):
                    pack = np.full(K * N + 8, np.nan, dtype)
                    C = np.full((rows, N), np.nan, dtype)
                    packed(a, b, C, r, pack, 0, rows)
                    np.testing.assert_allclose(C, A.astype(np.float64) @ B + extra, **tol)
                    assert np.isnan(pack[K * N:]).all()  # nothing past B's elements
            whole = np.empty((rows, N), dtype)
            packed(A, B, whole, None, np.empty(K * N, dtype), 0, rows)
            cut = rows // 3 + 1  # rows in two calls, as a team shares them: the same bits
            parts = np.full((rows, N), np.nan, dtype)
            packed(A, B, parts, None, np.empty(K * N, dtype), 0, min(cut, rows))
            packed(A, B, parts, None, np.empty(K * N, dtype), min(cut, rows), rows)
            np.testing.assert_array_equal(parts, whole)


def check_sum_rows(m):
    sum_rows = _kernels(m)[5]
    rng = np.random.default_rng(1)
    for dtype in (np.float32, np.float64):
        for rows, N in ((32, 16), (1000, 16), (7, 48), (5, 19), (1001, 1), (0, 16), (3, 40)):
            B = rng.normal(size=(rows, N)).astype(dtype)
            out = np.full(N, np.nan, dtype)
            sum_rows(B, out)
            np.testing.assert_allclose(out, B.astype(np.float64).sum(axis=0), rtol=1e-5 if dtype == np.float32 else 1e-12,
                                       atol=1e-4 if dtype == np.float32 else 1e-12)
            if N == 1:  # a column narrower than a vector: column_sum's four chains, in their order, to the bit
                chains = [dtype(0)] * 4
                for i in range(rows - rows % 4):
                    chains[i % 4] += B[i, 0]
                for i in range(rows - rows % 4, rows):
                    chains[0] += B[i, 0]
                assert out[0] == (chains[0] + chains[1]) + (chains[2] + chains[3])


def check_row_dots(m):
    @njit
    def row_dots(A, w, bias, C, j):
        m.row_dots(A, w, bias, C, j)

    rng = np.random.default_rng(5)
    for dtype in (np.float32, np.float64):
        for rows, K, N in ((256, 16, 1), (1000, 16, 1), (37, 32, 3), (5, 16, 2), (1, 64, 1), (0, 16, 1), (17, 48, 1)):
            A, w = rng.normal(size=(rows, K)).astype(dtype), rng.normal(size=K).astype(dtype)
            C = np.full((rows, N), np.nan, dtype)
            row_dots(A, w, dtype(0.25), C, N - 1)
            want = A.astype(np.float64) @ w + 0.25
            np.testing.assert_allclose(C[:, N - 1], want, rtol=1e-5 if dtype == np.float32 else 1e-12,
                                       atol=1e-5 if dtype == np.float32 else 1e-12)
            assert np.isnan(C[:, : N - 1]).all()  # the other columns untouched
            if rows > 3:  # each row's bits whatever block it lies in (a team's split of the rows)
                later = np.empty((rows - 3, N), dtype)
                row_dots(A[3:], w, dtype(0.25), later, N - 1)
                np.testing.assert_array_equal(later[:, N - 1], C[3:, N - 1])


def check_at_b_rows(m):
    at_b_rows = _kernels(m)[8]
    rng = np.random.default_rng(2)
    for dtype in (np.float32, np.float64):
        for rows, K, N, k0, k1 in ((128, 784, 128, 0, 784), (128, 784, 128, 392, 784), (9, 20, 12, 3, 11),
                                   (5, 16, 4, 0, 8), (4, 6, 3, 2, 2)):  # all rows, a share, odd sizes, none
            a, b = rng.normal(size=(rows, K)).astype(dtype), rng.normal(size=(rows, N)).astype(dtype)
            c = np.full((K, N), np.nan, dtype)
            at_b_rows(a, b, c, k0, k1)
            want = a.astype(np.float64).T @ b
            np.testing.assert_allclose(c[k0:k1], want[k0:k1], rtol=1e-4 if dtype == np.float32 else 1e-12,
                                       atol=1e-4 if dtype == np.float32 else 1e-12)
            assert np.isnan(c[:k0]).all() and np.isnan(c[k1:]).all()  # the other rows untouched


def check_span_and_transposed(m):
    span_sum, transposed_copy = _kernels(m)[6:8]
    buf = np.arange(20.0)
    assert span_sum(buf, 3, 5) == buf[3:8].sum() and span_sum(buf, 19, 1) == 19.0
    arr = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(transposed_copy(arr), arr.T)


def check_borrowed(m):
    borrowed_doubled = _kernels(m)[10]
    for arr in (np.arange(6.0), np.arange(24.0).reshape(4, 6)[:, ::2], np.arange(8, dtype=np.int64).reshape(2, 2, 2)):
        want = 2 * arr
        assert borrowed_doubled(arr) == (want.sum(), 2 * want.sum() + 3)  # the same elements, written in place
        np.testing.assert_array_equal(arr, want)


def test_borrowed_is_the_array_itself():
    check_borrowed(ext)


def test_span_and_transposed_are_the_slice_and_the_transpose():
    check_span_and_transposed(ext)


def test_internals_import_here():
    assert ext.INTERNALS, "this Numba no longer has the internals _numba_ext uses: update it"


def test_block_is_a_reshaped_slice():
    check_block(ext)


def test_flat_is_the_flattened_view():
    check_flat(ext)


def test_bits_to_float64_and_float64_to_bits_reinterpret_the_bits():
    check_bits_to_float64(ext)


def test_prefetches_emit_llvm_prefetch_for_write_and_read_and_write_nothing():
    check_prefetches(ext)
    prefetch = _kernels(ext)[3]
    prefetch(np.zeros(3))
    ir = next(iter(prefetch.inspect_llvm().values()))
    for rw in (1, 0):  # llvm.prefetch(address, rw, locality 3, data)
        assert re.search(rf"call void @llvm\.prefetch\.p0\(ptr [^,]+, i32 {rw}, i32 3, i32 1\)", ir), rw


def test_matmul_rows_is_a_matrix_product_plus_a_row():
    check_matmul_rows(ext)


def test_matmul_packed_is_a_matrix_product_plus_a_row():
    check_matmul_packed(ext)


def test_sum_rows_sums_columns():
    check_sum_rows(ext)


def test_row_dots_are_the_rows_dot_products_plus_the_bias():
    check_row_dots(ext)


def test_at_b_rows_is_rows_of_the_product_of_a_transpose():
    check_at_b_rows(ext)


def test_at_b_rows_is_the_call_np_dot_makes():
    """On all rows, the same bits as ``np.dot(a.T, b, c)`` (which the kernels called before)."""
    at_b_rows = _kernels(ext)[8]
    dot_at_b = njit(lambda a, b, c: np.dot(a.T, b, c))
    a, b = np.random.default_rng(3).normal(size=(2, 64, 200)).astype(np.float32)
    c, want = np.empty((200, 200), np.float32), np.empty((200, 200), np.float32)
    at_b_rows(a, b, c, 0, 200)
    dot_at_b(a, b, want)
    np.testing.assert_array_equal(c, want)


def test_sum_rows_adds_whole_vectors():
    sum_rows = _kernels(ext)[5]
    out = np.zeros(32, np.float32)
    sum_rows(np.ones((9, 32), np.float32), out)
    assert np.all(out == 9)
    assert f"fadd <{ext.VECTOR_BYTES // 4} x float>" in next(iter(sum_rows.inspect_llvm().values()))


def test_matmul_rows_computes_in_vectors_of_fused_multiply_adds():
    matmul = _kernels(ext)[4]
    A, B, C, row0 = np.ones((8, 4), np.float32), np.ones((4, 16), np.float32), np.zeros((8, 16), np.float32), np.zeros(16, np.float32)
    matmul(A, B, C, row0)
    assert np.all(C == 4)
    width = ext.VECTOR_BYTES // 4
    assert f"llvm.fma.v{width}f32" in next(iter(matmul.inspect_llvm().values()))


@pytest.mark.skipif(not ext.WIDE_VECTORS, reason="no wide tiles with AVX2")
def test_a_rows_bits_in_the_wide_tiles_do_not_depend_on_which_tile_holds_it():
    matmul = _kernels(ext)[4]
    rng = np.random.default_rng(5)
    for dtype in (np.float32, np.float64):
        N = 2 * ext.WIDE_VECTORS * ext.VECTOR_BYTES // np.dtype(dtype).itemsize  # wide tiles only
        A = rng.normal(size=(ext.WIDE_ROWS * 3 + 7, 37)).astype(dtype)  # whole tiles, then 4, 2, 1 rows left
        B, row0 = rng.normal(size=(37, N)).astype(dtype), rng.normal(size=N).astype(dtype)
        C = np.empty((len(A), N), dtype)
        matmul(A, B, C, row0)
        for start in (0, 1, 5, ext.WIDE_ROWS * 3):  # the same rows from another start: other tiles hold them
            part = np.empty((len(A) - start, N), dtype)
            matmul(A[start:], B, part, row0)
            np.testing.assert_array_equal(part, C[start:])


def test_wide_vectors_vectorises_its_functions_loops_in_the_cpus_widest_vectors():
    @njit(fastmath=True)
    def scaled(x, out):
        ext.wide_vectors()
        for i in range(x.size):
            out[i] = x[i] * np.float32(3) + np.float32(1)

    x, out = np.arange(1000, dtype=np.float32), np.empty(1000, np.float32)
    scaled(x, out)
    np.testing.assert_array_equal(out, x * 3 + 1)
    assert f'"prefer-vector-width"="{ext.VECTOR_BYTES * 8}"' in next(iter(scaled.inspect_llvm().values()))
    register = {64: "zmm", 32: "ymm"}[ext.VECTOR_BYTES]
    assert re.search(rf"vfmadd\w+ps\s.*%{register}", next(iter(scaled.inspect_asm().values())))


def _sync_kernel(m):
    @njit
    def sync(slots):
        m.store_release(slots, 3, 41)
        m.spin_pause()
        m.yield_core()
        return m.load_acquire(slots, 3) + 1

    return sync


def check_sync(m):
    slots = np.zeros(8, np.int64)
    assert _sync_kernel(m)(slots) == 42 and slots.tolist() == [0, 0, 0, 41, 0, 0, 0, 0]


def check_pcg64_step(m):
    @njit
    def draws(s, k):
        out = np.empty(k, np.uint64)
        hi, lo = s[0], s[1]
        for i in range(k):
            hi, lo, out[i] = m.pcg64_step(hi, lo, s[2], s[3])
        s[0], s[1] = hi, lo
        return out

    for seed in (0, 99):
        rng = np.random.default_rng(seed)
        st = rng.bit_generator.state["state"]
        words = [w >> shift & (2**64 - 1) for w in (st["state"], st["inc"]) for shift in (64, 0)]
        s = np.array(words, np.uint64)
        np.testing.assert_array_equal(draws(s, 1000), rng.bit_generator.random_raw(1000))
        assert (int(s[0]) << 64 | int(s[1])) == rng.bit_generator.state["state"]["state"]


def test_pcg64_step_draws_numpys_numbers():
    check_pcg64_step(ext)


def test_atomic_reads_and_writes_pause_and_yield():
    check_sync(ext)
    sync = _sync_kernel(ext)
    sync(np.zeros(8, np.int64))
    ir = next(iter(sync.inspect_llvm().values()))
    assert "store atomic i64" in ir and "release" in ir and "load atomic i64" in ir and "acquire" in ir
    assert "@sched_yield" in ir
    assert ("llvm.x86.sse2.pause" in ir) == (platform.machine().lower() in ("x86_64", "amd64"))


def test_fallbacks_give_the_same_results_without_the_internals():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, os.path.dirname(__file__)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "fallbacks ok" in proc.stdout


INTERNAL_IMPORT = re.compile(r"^\s*(?:from|import)\s+(numba\.np\.arrayobj|numba\.np\.linalg|numba\.core\.cgutils|numba\.core\.imputils|llvmlite)\b",
                             re.M)


def test_no_other_kernel_module_reaches_into_numba_internals():
    kernels = pathlib.Path(ext.__file__).parent
    for path in kernels.glob("*.py"):
        if path.name != "_numba_ext.py":
            found = INTERNAL_IMPORT.findall(path.read_text())
            assert not found, f"{path.name} imports {found}: fence it in _numba_ext"


CACHED = r'''
import sys
from numba import njit
from nnkern.kernels._numba_ext import cache_counts, cache_file_exists

@njit(cache=True)
def double(x):
    return 2 * x

plain = njit(lambda x: x + 1)
before = cache_file_exists(double)
assert double(2) == 4 and plain(1) == 2
print(before, cache_file_exists(double), *cache_counts(double), *cache_counts(plain), cache_file_exists(plain))
'''


def test_cache_helpers_see_numbas_on_disk_cache(tmp_path):
    """A new process finds no cache file and compiles (a miss); the next one finds the file and
    loads the function from it (a hit); a function without cache=True has neither."""
    (tmp_path / "cached_fn.py").write_text(CACHED)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")]))
    runs = [subprocess.run([sys.executable, str(tmp_path / "cached_fn.py")], env=env, capture_output=True, text=True,
                           timeout=300) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr[-2000:]
    assert runs[0].stdout.split() == ["False", "True", "1", "0", "0", "0", "False"]
    assert runs[1].stdout.split() == ["True", "True", "0", "1", "0", "0", "False"]
