"""The kernels' only uses of Numba internals, fenced in here: array views made without a runtime
call (``block``, ``flat``), an int64's bits read as a float64 (``bits_to_float64``), a cache
prefetch (``prefetch_for_write``) and small matrix products in explicit vectors (``matmul_rows``);
and, from Python, the state of a compiled function's on-disk cache (``cache_file_exists``,
``cache_counts``), which sweeps' workers report.

They are built on ``numba.np.arrayobj``, ``numba.core.cgutils`` / ``imputils`` and ``llvmlite``
IR, which are not public API and may move in a new Numba (pyproject.toml bounds the version to
the newest one tested).  When those imports fail, ``INTERNALS`` is False and each function falls
back to plain Numba operations with the same results (views by slice and reshape, a scalar
``view``, no prefetch, loops for the products): slower, never wrong.  Every function is callable from compiled code only.
"""

import os

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

try:
    from llvmlite import ir
    from numba.core import cgutils
    from numba.core.imputils import impl_ret_borrowed
    from numba.np.arrayobj import make_array, populate_array
except ImportError:  # tests/test_numba_ext.py imports this module so
    INTERNALS = False
else:
    INTERNALS = True


#: bytes of the vectors ``matmul_rows`` computes in (AVX-512's; LLVM splits them on narrower CPUs)
VECTOR_BYTES = 64

if INTERNALS:

    def _view(context, builder, src_type, src_value, offset, shape, retty):
        """A C-contiguous view of ``shape`` starting ``offset`` elements into a contiguous array."""
        src = make_array(src_type)(context, builder, src_value)
        dst = make_array(retty)(context, builder)
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(context.get_data_type(src_type.dtype)))
        strides = [itemsize]
        for extent in reversed(shape[1:]):
            strides.insert(0, builder.mul(strides[0], extent))
        populate_array(dst, data=builder.gep(src.data, [offset]), shape=shape, strides=strides,
                       itemsize=itemsize, meminfo=src.meminfo, parent=src.parent)
        return impl_ret_borrowed(context, builder, retty, dst._getvalue())

    @intrinsic
    def block(typingctx, buf, start, m, n):
        """The (m, n) C-contiguous view of ``buf[start : start + m*n]`` for a contiguous 1-D ``buf``.

        What ``buf[start : start + m*n].reshape((m, n))`` gives, without the ~20 ns runtime call
        numba's reshape makes (the kernels take ~50 such views per minibatch).  No bounds check:
        the caller keeps start + m*n <= buf.size.
        """
        if not (isinstance(buf, types.Array) and buf.ndim == 1 and buf.layout == "C"):
            return None
        retty = buf.copy(ndim=2, layout="C")

        def codegen(context, builder, sig, args):
            start_, m_, n_ = (context.cast(builder, v, t, types.intp) for v, t in zip(args[1:], sig.args[1:]))
            return _view(context, builder, sig.args[0], args[0], start_, [m_, n_], retty)

        return retty(buf, start, m, n), codegen

    @intrinsic
    def flat(typingctx, arr):
        """The 1-D view of every element of a C-contiguous 2-D array (``arr.reshape(arr.size)``)."""
        if not (isinstance(arr, types.Array) and arr.ndim == 2 and arr.layout == "C"):
            return None
        retty = arr.copy(ndim=1, layout="C")

        def codegen(context, builder, sig, args):
            src = make_array(sig.args[0])(context, builder, args[0])
            m_, n_ = cgutils.unpack_tuple(builder, src.shape, 2)
            return _view(context, builder, sig.args[0], args[0], context.get_constant(types.intp, 0),
                         [builder.mul(m_, n_)], retty)

        return retty(arr), codegen

    @intrinsic
    def bits_to_float64(typingctx, bits):
        """The float64 whose bits are those of the int64 ``bits`` (compiles to a no-op)."""
        if bits != types.int64:
            return None

        def codegen(context, builder, sig, args):
            return builder.bitcast(args[0], ir.DoubleType())

        return types.float64(types.int64), codegen

    @intrinsic
    def prefetch_for_write(typingctx, ary, index):
        """Hint the CPU to bring the cache line of ``ary[index]`` (1-D) in, to be written
        (llvm.prefetch)."""

        def codegen(context, builder, sig, args):
            data = make_array(sig.args[0])(context, builder, args[0]).data
            ptr = builder.gep(data, [args[1]])
            i32 = ir.IntType(32)
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32]), "llvm.prefetch.p0")
            builder.call(fn, [ptr, i32(1), i32(3), i32(1)])  # write, keep in all cache levels, data
            return context.get_dummy_value()

        return types.void(ary, types.intp), codegen

    def _vector_rows(context, builder, rows, i0, ops, jbytes):
        """Emit C[i0 + r, j:j+w] = row0[j:j+w] + sum over k of A[i0 + r, k] B[k, j:j+w] for r < rows,
        one vector accumulator per row (independent chains of fused multiply-adds)."""
        a, b, c, r, vty, size, K, a_s0, a_s1, b_s0, c_s0 = ops
        vptr, intp = vty.as_pointer(), a_s0.type
        undef = ir.Constant(vty, ir.Undefined)
        zeros = ir.Constant(ir.VectorType(ir.IntType(32), vty.count), [0] * vty.count)
        init = builder.load(builder.bitcast(cgutils.pointer_add(builder, r.data, jbytes), vptr), align=size)
        accs = [cgutils.alloca_once(builder, vty) for _ in range(rows)]
        arows = [cgutils.pointer_add(builder, a.data, builder.mul(builder.add(i0, intp(q)), a_s0)) for q in range(rows)]
        for acc in accs:
            builder.store(init, acc)
        bits = "f32" if size == 4 else "f64"
        fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vty, [vty] * 3),
                                             f"llvm.fma.v{vty.count}{bits}")
        with cgutils.for_range(builder, K) as loop:
            k = loop.index
            bv = builder.load(builder.bitcast(cgutils.pointer_add(builder, b.data, builder.add(builder.mul(k, b_s0), jbytes)),
                                              vptr), align=size)
            for acc, arow in zip(accs, arows):
                aik = builder.load(cgutils.pointer_add(builder, arow, builder.mul(k, a_s1)))
                splat = builder.shuffle_vector(builder.insert_element(undef, aik, ir.IntType(32)(0)), undef, zeros)
                builder.store(builder.call(fma, [splat, bv, builder.load(acc)]), acc)
        for q, acc in enumerate(accs):
            row = builder.add(i0, intp(q))
            cptr = cgutils.pointer_add(builder, c.data, builder.add(builder.mul(row, c_s0), jbytes))
            builder.store(builder.load(acc), builder.bitcast(cptr, vptr), align=size)

    @intrinsic
    def _matmul_vectors(typingctx, A, B, C, row0):
        """C[:, :n] = row0[:n] + A @ B[:, :n] in vectors of VECTOR_BYTES, n the largest multiple of
        their width up to C's width; returns n.  A (m, K) any layout; B (K, N), C (m, N), row0 (N,)
        C-contiguous, all float32 or all float64."""
        arrays = (A, B, C, row0)
        if not (all(isinstance(t, types.Array) for t in arrays) and (A.ndim, B.ndim, C.ndim, row0.ndim) == (2, 2, 2, 1)
                and all(t.layout == "C" for t in arrays[1:]) and A.dtype in (types.float32, types.float64)
                and all(t.dtype == A.dtype for t in arrays)):
            return None

        def codegen(context, builder, sig, args):
            a, b, c, r = (make_array(t)(context, builder, v) for t, v in zip(sig.args, args))
            ftype = context.get_value_type(sig.args[0].dtype)
            size = context.get_abi_sizeof(ftype)
            vty = ir.VectorType(ftype, VECTOR_BYTES // size)
            m, K = cgutils.unpack_tuple(builder, a.shape, 2)
            a_s0, a_s1 = cgutils.unpack_tuple(builder, a.strides, 2)
            N = cgutils.unpack_tuple(builder, c.shape, 2)[1]
            b_s0, c_s0 = cgutils.unpack_tuple(builder, b.strides, 2)[0], cgutils.unpack_tuple(builder, c.strides, 2)[0]
            intp = a_s0.type
            width = intp(vty.count)
            ops = (a, b, c, r, vty, size, K, a_s0, a_s1, b_s0, c_s0)
            n_vec = builder.udiv(N, width)
            quads = builder.udiv(m, intp(4))
            with cgutils.for_range(builder, n_vec) as jl:
                jbytes = builder.mul(builder.mul(jl.index, width), intp(size))
                with cgutils.for_range(builder, quads) as il:
                    _vector_rows(context, builder, 4, builder.mul(il.index, intp(4)), ops, jbytes)
                with cgutils.for_range(builder, builder.sub(m, builder.mul(quads, intp(4)))) as il:
                    _vector_rows(context, builder, 1, builder.add(builder.mul(quads, intp(4)), il.index), ops, jbytes)
            return builder.mul(n_vec, width)

        return types.intp(A, B, C, row0), codegen

else:  # the fallbacks (see the module docstring)

    @njit(inline="always")
    def block(buf, start, m, n):
        return buf[start : start + m * n].reshape((m, n))

    @njit(inline="always")
    def flat(arr):
        return arr.reshape(arr.size)

    @njit(inline="always")
    def bits_to_float64(bits):
        return np.int64(bits).view(np.float64)

    @njit(inline="always")
    def prefetch_for_write(ary, index):
        pass

    @njit(inline="always")
    def _matmul_vectors(A, B, C, row0):
        return 0


@njit(inline="always")
def matmul_rows(A, B, C, row0):
    """C = A @ B + row0 (added to every row).  A: (m, K) any layout; B: (K, N), C: (m, N) and
    row0: (N,) C-contiguous float32 or float64.  Columns in whole vectors of VECTOR_BYTES
    (a register tile of four rows' accumulators, fused multiply-adds: what LLVM's loop vectoriser
    does not make of loops over 16 columns), the rest in plain loops."""
    n = _matmul_vectors(A, B, C, row0)
    m, K = A.shape
    for i in range(m):
        for j in range(n, C.shape[1]):
            s = row0[j]
            for k in range(K):
                s += A[i, k] * B[k, j]
            C[i, j] = s


def cache_file_exists(dispatcher):
    """Whether Numba's on-disk cache holds an index for ``dispatcher`` (an ``njit(cache=True)``
    function), so that a new process loads it instead of compiling it.  False when unknown (a
    Numba whose private cache layout differs): the caller then compiles once first."""
    try:
        return os.path.exists(dispatcher._cache._cache_file._index_path)
    except AttributeError:
        return False


def cache_counts(dispatcher):
    """(compiled, loaded): this process's cache misses and hits of ``dispatcher``, summed over
    signatures; (0, 0) for a function without an on-disk cache."""
    if type(getattr(dispatcher, "_cache", None)).__name__ in ("NullCache", "NoneType"):
        return 0, 0
    return sum(dispatcher.stats.cache_misses.values()), sum(dispatcher.stats.cache_hits.values())
