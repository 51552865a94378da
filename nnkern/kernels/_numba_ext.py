"""The kernels' only uses of Numba internals, fenced in here: array views made without a runtime
call (``block``, ``flat``), an int64's bits read as a float64 (``bits_to_float64``) and a cache
prefetch (``prefetch_for_write``); and, from Python, the state of a compiled function's on-disk
cache (``cache_file_exists``, ``cache_counts``), which sweeps' workers report.

They are built on ``numba.np.arrayobj``, ``numba.core.cgutils`` / ``imputils`` and ``llvmlite``
IR, which are not public API and may move in a new Numba (pyproject.toml bounds the version to
the newest one tested).  When those imports fail, ``INTERNALS`` is False and each function falls
back to plain Numba operations with the same results (views by slice and reshape, a scalar
``view``, no prefetch): slower, never wrong.  Every function is callable from compiled code only.
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
