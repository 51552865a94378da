"""The kernels' only uses of Numba internals, fenced in here: array views made without a runtime
call and without a reference to their array (``block``, ``flat``, ``span``, ``transposed``, and
``borrowed``, arrays themselves), an
int64's bits read as a float64 and back (``bits_to_float64``, ``float64_to_bits``), cache prefetches (``prefetch_for_read``, ``prefetch_for_write``, ``prefetch_row``),
a function's loops vectorised in the CPU's widest vectors (``wide_vectors``),
matrix products and column sums in explicit vectors (``matmul_rows``, ``matmul_rows_tanh``, ``matmul_packed``,
``sum_rows``), a BLAS
product on strided columns (``at_b_rows``), what threads need to wait for each other
(``load_acquire``, ``store_release``, ``spin_pause``, ``yield_core``) and to share their work
(``cycles``), NumPy's PCG64 step in 128-bit integers (``pcg64_step``); and, from Python, the
state of a compiled function's on-disk cache (``cache_file_exists``, ``cache_counts``), which
sweeps' workers report.

They are built on ``numba.np.arrayobj``, ``numba.core.cgutils`` / ``imputils``, ``numba.np.linalg``'s
BLAS binding and ``llvmlite`` IR, which are not public API and may move in a new Numba
(pyproject.toml bounds the version to the newest one tested).  When those imports fail,
``INTERNALS`` is False and each function falls back to plain Numba operations with the same
results (views by slice and reshape, the arrays themselves, a scalar ``view``, no prefetch, loops for the products,
``np.dot`` on a copy): slower, never wrong.  Plain reads and writes are no way for threads to wait
for each other, so without the internals the training kernels run on one thread
(``kernels.team``).  Every function is callable from compiled code only.
"""

import os
import platform

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

try:
    from llvmlite import ir
    from numba.core import cgutils
    from numba.core.imputils import impl_ret_borrowed
    from numba.extending import overload
    from numba.np.arrayobj import make_array, populate_array
    from numba.np.linalg import _BLAS, get_blas_kind
except ImportError:  # tests/test_numba_ext.py imports this module so
    INTERNALS = False
else:
    INTERNALS = True


def _vector_bytes():
    """Bytes of the widest vectors of the CPU Numba compiles for: 64 with AVX-512, else 32 (AVX2's;
    LLVM splits them on narrower CPUs); 64 where llvmlite cannot say."""
    from numba.core import config

    try:
        from llvmlite import binding
    except ImportError:
        return 64
    features = config.CPU_FEATURES or binding.get_host_cpu_features().flatten()
    return 64 if "+avx512f" in features.split(",") else 32


#: bytes of the vectors ``matmul_rows`` computes in
VECTOR_BYTES = _vector_bytes()
#: ``matmul_rows``'s register tile: TILE_ROWS rows x TILE_VECTORS vectors of accumulators, each
#: loaded vector of B used TILE_ROWS times.  With AVX-512, 8 x 2 (16 of its 32 registers; measured
#: on 784 x 128 products, 1.1-1.3x the speed of OpenBLAS's sgemm, 4 x 1 ran at half its speed);
#: with AVX2, 4 x 2 (8 of its 16; 8 x 2 spilled: 784-128-10 trained at half the speed on a Zen 3,
#: and 6 x 2 was no faster there)
TILE_ROWS, TILE_VECTORS = (8 if VECTOR_BYTES == 64 else 4), 2
#: with AVX-512, ``matmul_rows`` takes columns first in wider tiles of WIDE_ROWS rows x WIDE_VECTORS
#: vectors (24 of the 32 registers; each loaded vector of B used 6 times, each broadcast of A 4
#: times: 10 loads for 24 fused multiply-adds, against 10 for 16).  One core of an Intel Xeon, float32,
#: three turns taken in alternation against 8 x 2 tiles: 128 x 784 x 128 137-140 against 141-176 us,
#: its dW (784 x 128 x 128, A transposed) 167-177 against 177-196; a 784-128-10 epoch of 8,192 samples
#: 0.92-0.98x the time, the deep ReLU net's 0.89-0.95x, 784-256-10's level (0.97-1.07x).
#: Every row sums over k in one chain whichever tile holds it (the rows left over in tiles of 4, 2,
#: 1 rows alike), so a row's bits do not depend on where a team's part of the rows starts.  With
#: AVX2 (16 registers) none: 0
WIDE_ROWS, WIDE_VECTORS = (6, 4) if VECTOR_BYTES == 64 else (0, 0)
#: ``matmul_packed``'s register tile: PACKED_ROWS rows x TILE_VECTORS vectors of accumulators over
#: B's columns packed in panels (12 of AVX2's 16 registers; measured: ``dense.PACKED_MIN_MACS``) ...
PACKED_ROWS = 6
#: ... over blocks of this many rows of A (a multiple of PACKED_ROWS) per pass over the panels
PACKED_BLOCK = 48
#: NumPy's PCG64 multiplier (PCG_DEFAULT_MULTIPLIER_128), as 64-bit words for the fallback
PCG64_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645
_M_HI, _M_LO = np.uint64(PCG64_MULTIPLIER >> 64), np.uint64(PCG64_MULTIPLIER & (1 << 64) - 1)
#: a row left over from the tiles sums over k in this many chains (dW of a 2-input layer over 1000
#: samples is two such rows: one chain waited on every fused multiply-add's latency, 4x slower)
SINGLE_ROW_CHAINS = 4
#: bytes in a cache line
LINE_BYTES = 64

if INTERNALS:

    def _view(context, builder, src_type, src_value, offset, shape, retty):
        """A C-contiguous view of ``shape`` starting ``offset`` elements into a contiguous array, which
        it does not own (no reference to the array's memory: see ``block``)."""
        src = make_array(src_type)(context, builder, src_value)
        dst = make_array(retty)(context, builder)
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(context.get_data_type(src_type.dtype)))
        strides = [itemsize]
        for extent in reversed(shape[1:]):
            strides.insert(0, builder.mul(strides[0], extent))
        populate_array(dst, data=builder.gep(src.data, [offset]), shape=shape, strides=strides,
                       itemsize=itemsize, meminfo=None, parent=None)
        return impl_ret_borrowed(context, builder, retty, dst._getvalue())

    @intrinsic
    def block(typingctx, buf, start, m, n):
        """The (m, n) C-contiguous view of ``buf[start : start + m*n]`` for a contiguous 1-D ``buf``.

        What ``buf[start : start + m*n].reshape((m, n))`` gives, without the ~20 ns runtime call
        numba's reshape makes (the kernels take ~50 such views per minibatch), and without a
        reference to buf's memory: Numba counts references to an array's memory with atomic
        operations, a call each time a view is made or dropped, which took about a third of a
        small layer's backward pass.  So the view must not outlive buf: use it only while buf is
        alive (an argument of the compiled function, or a local used again later), and never
        return it.  No bounds check: the caller keeps start + m*n <= buf.size.
        """
        if not (isinstance(buf, types.Array) and buf.ndim == 1 and buf.layout == "C"):
            return None
        retty = buf.copy(ndim=2, layout="C")

        def codegen(context, builder, sig, args):
            start_, m_, n_ = (context.cast(builder, v, t, types.intp) for v, t in zip(args[1:], sig.args[1:]))
            return _view(context, builder, sig.args[0], args[0], start_, [m_, n_], retty)

        return retty(buf, start, m, n), codegen

    def _borrow(context, builder, typ, value):
        """``value`` of Numba type ``typ`` with every array in it (tuples searched, nested too)
        rebuilt without its meminfo."""
        if isinstance(typ, types.Array):
            src = make_array(typ)(context, builder, value)
            dst = make_array(typ)(context, builder)
            populate_array(dst, data=src.data, shape=cgutils.unpack_tuple(builder, src.shape, typ.ndim),
                           strides=cgutils.unpack_tuple(builder, src.strides, typ.ndim), itemsize=src.itemsize,
                           meminfo=None, parent=None)
            return dst._getvalue()
        if isinstance(typ, types.BaseTuple):
            for i, t in enumerate(typ):
                value = builder.insert_value(value, _borrow(context, builder, t, builder.extract_value(value, i)), i)
        return value

    @intrinsic
    def borrowed(typingctx, arrays):
        """``arrays`` (an array, or a tuple holding arrays among other values, nested or not) with
        every array itself (the same data, shape and strides) but without a reference to its
        memory, so that passing them to other compiled functions and viewing them count none (see
        ``block``): a small net's training step 6-12% faster.  They must not outlive the originals."""
        if not isinstance(arrays, (types.Array, types.BaseTuple)):
            return None

        def codegen(context, builder, sig, args):
            return impl_ret_borrowed(context, builder, sig.return_type, _borrow(context, builder, sig.args[0], args[0]))

        return arrays(arrays), codegen

    @intrinsic
    def flat(typingctx, arr):
        """The 1-D view of every element of a C-contiguous 2-D array (``arr.reshape(arr.size)``),
        which must not outlive arr (see ``block``)."""
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
    def transposed(typingctx, arr):
        """arr.T of a C-contiguous 2-D array, a view that must not outlive arr (see ``block``)."""
        if not (isinstance(arr, types.Array) and arr.ndim == 2 and arr.layout == "C"):
            return None
        retty = arr.copy(layout="F")

        def codegen(context, builder, sig, args):
            src = make_array(sig.args[0])(context, builder, args[0])
            dst = make_array(retty)(context, builder)
            m_, n_ = cgutils.unpack_tuple(builder, src.shape, 2)
            s0, s1 = cgutils.unpack_tuple(builder, src.strides, 2)
            populate_array(dst, data=src.data, shape=[n_, m_], strides=[s1, s0], itemsize=src.itemsize,
                           meminfo=None, parent=None)
            return impl_ret_borrowed(context, builder, retty, dst._getvalue())

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
    def float64_to_bits(typingctx, x):
        """The int64 whose bits are those of the float64 ``x`` (compiles to a no-op)."""
        if x != types.float64:
            return None

        def codegen(context, builder, sig, args):
            return builder.bitcast(args[0], ir.IntType(64))

        return types.int64(types.float64), codegen

    @intrinsic
    def wide_vectors(typingctx):
        """Let LLVM vectorise the loops of the function that calls this in the CPU's widest vectors
        (the function attribute "prefer-vector-width", as clang's -mprefer-vector-width=512 sets it):
        on AVX-512 CPUs LLVM's tuning otherwise keeps such loops to 256 bits."""

        def codegen(context, builder, sig, args):
            # llvmlite checks attribute names against a list without string attributes
            set.add(builder.function.attributes, f'"prefer-vector-width"="{VECTOR_BYTES * 8}"')
            return context.get_dummy_value()

        return types.void(), codegen

    def _prefetch(write):
        """An intrinsic (ary, index) hinting the CPU to bring the cache line of ``ary[index]`` (1-D)
        in, to be written (write 1) or read (0)."""

        def hint(typingctx, ary, index):
            def codegen(context, builder, sig, args):
                data = make_array(sig.args[0])(context, builder, args[0]).data
                ptr = builder.gep(data, [args[1]])
                i32 = ir.IntType(32)
                fn = cgutils.get_or_insert_function(
                    builder.module, ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32]), "llvm.prefetch.p0")
                builder.call(fn, [ptr, i32(write), i32(3), i32(1)])  # keep in all cache levels, data
                return context.get_dummy_value()

            return types.void(ary, types.intp), codegen

        hint.__name__ = hint.__qualname__ = "prefetch_for_write" if write else "prefetch_for_read"
        hint.__doc__ = ("Hint the CPU to bring the cache line of ``ary[index]`` (1-D) in, to be "
                        + ("written" if write else "read") + " (llvm.prefetch).")
        return intrinsic(hint)

    prefetch_for_write, prefetch_for_read = _prefetch(1), _prefetch(0)

    def _fma(builder, vty):
        """LLVM's fused multiply-add of vectors of type vty (float or double lanes)."""
        bits = "f32" if vty.element == ir.FloatType() else "f64"
        return cgutils.get_or_insert_function(builder.module, ir.FunctionType(vty, [vty] * 3),
                                              f"llvm.fma.v{vty.count}{bits}")

    def _splat(builder, vty, value):
        """A vector of type vty with every lane ``value``."""
        undef = ir.Constant(vty, ir.Undefined)
        lanes = ir.Constant(ir.VectorType(ir.IntType(32), vty.count), [0] * vty.count)
        return builder.shuffle_vector(builder.insert_element(undef, value, ir.IntType(32)(0)), undef, lanes)

    def _splat_float(builder, vty, value):
        """A vector of type vty (float or double lanes) with every lane the Python float ``value``."""
        return _splat(builder, vty, ir.Constant(vty.element, float(value)))

    def _tile(context, builder, rows, nv, i0, ops, jbytes, chains=1, panel=None):
        """Emit C[i0 + q, cols] = row0[cols] + sum over k of A[i0 + q, k] B[k, cols] for q < rows, cols
        the ``nv`` vectors from byte ``jbytes``: a register tile of rows x nv accumulators (independent
        chains of fused multiply-adds), each B vector loaded once per k for all the tile's rows.
        In ``ops``, A None stands for ones (C's rows get B's column sums) and row0 None for zeros;
        T (not None) multiplies each of C's elements by 1 - T**2 as it is stored where fuse (an LLVM
        i1) is true, else by 1 (``matmul_rows``'s tanh_grad_of, fuse); epilogue (not None) maps each
        vector of C before it is stored (``_tanh32_vector``, ``_tanh64_vector``: ``matmul_rows_tanh``).
        chains > 1 splits each sum over k into that many chains (k mod chains), added at the end: a
        tile of few accumulators then waits less on each fused multiply-add's latency.
        panel: the address of B's first row of these columns, packed nv vectors to a row (``ops``'s
        B and its row stride are not used then)."""
        a, b, c, r, vty, size, K, a_s0, a_s1, b_s0, c_s0, t, t_s0, fuse, epilogue = ops
        vptr, intp = vty.as_pointer(), a_s0.type
        offsets = [builder.add(jbytes, intp(v * vty.count * size)) for v in range(nv)]
        b_base, b_offsets = (b.data, offsets) if panel is None else (panel, [intp(v * vty.count * size) for v in range(nv)])
        b_s0 = b_s0 if panel is None else intp(nv * vty.count * size)

        def vector(base, offset):
            return builder.bitcast(cgutils.pointer_add(builder, base, offset), vptr)

        # accs[s][q][v]: chain s of row q, vector v; chain 0 starts from row0, the others from 0
        accs = [[[cgutils.alloca_once(builder, vty) for _ in range(nv)] for _ in range(rows)] for _ in range(chains)]
        arows = [None if a is None else cgutils.pointer_add(builder, a.data, builder.mul(builder.add(i0, intp(q)), a_s0))
                 for q in range(rows)]
        for v, offset in enumerate(offsets):
            init = ir.Constant(vty, None) if r is None else builder.load(vector(r.data, offset), align=size)
            for s in range(chains):
                for q in range(rows):
                    builder.store(init if s == 0 else ir.Constant(vty, None), accs[s][q][v])
        fma = _fma(builder, vty)

        def step(k, chain):
            brow = cgutils.pointer_add(builder, b_base, builder.mul(k, b_s0))
            bvs = [builder.load(vector(brow, offset), align=size) for offset in b_offsets]
            for q in range(rows):
                if arows[q] is None:  # A of ones: C's row sums B's rows
                    for v in range(nv):
                        builder.store(builder.fadd(bvs[v], builder.load(chain[q][v])), chain[q][v])
                    continue
                aik = builder.load(cgutils.pointer_add(builder, arows[q], builder.mul(k, a_s1)))
                splat = _splat(builder, vty, aik)
                for v in range(nv):
                    builder.store(builder.call(fma, [splat, bvs[v], builder.load(chain[q][v])]), chain[q][v])

        rounds = builder.udiv(K, intp(chains))
        with cgutils.for_range(builder, rounds) as loop:
            for s in range(chains):
                step(builder.add(builder.mul(loop.index, intp(chains)), intp(s)), accs[s])
        if chains > 1:
            with cgutils.for_range(builder, builder.sub(K, builder.mul(rounds, intp(chains)))) as loop:
                step(builder.add(builder.mul(rounds, intp(chains)), loop.index), accs[0])
        one = _splat_float(builder, vty, 1.0)
        for q in range(rows):
            crow = cgutils.pointer_add(builder, c.data, builder.mul(builder.add(i0, intp(q)), c_s0))
            trow = None if t is None else cgutils.pointer_add(builder, t.data, builder.mul(builder.add(i0, intp(q)), t_s0))
            for v, offset in enumerate(offsets):
                total = [builder.load(accs[s][q][v]) for s in range(chains)]
                while len(total) > 1:  # pairwise
                    total = [builder.fadd(x, y) for x, y in zip(total[::2], total[1::2])] + total[len(total) - len(total) % 2:]
                if trow is not None:  # times 1 - T**2 (as fma(-T, T, 1)) where fuse, else times 1
                    tv = builder.load(vector(trow, offset), align=size)
                    factor = builder.select(fuse, builder.call(fma, [builder.fneg(tv), tv, one]), one)
                    total = [builder.fmul(total[0], factor)]
                if epilogue is not None:
                    total = [epilogue(builder, total[0])]
                builder.store(total[0], vector(crow, offset), align=size)

    def _tiles(context, builder, nv, ops, m, j0, n_blocks):
        """Columns j0 .. j0 + n_blocks * nv vectors of C, in tiles of TILE_ROWS rows x nv vectors,
        then the rows left over one at a time (in SINGLE_ROW_CHAINS chains)."""
        intp = m.type
        vector_bytes = ops[4].count * ops[5]
        full = builder.udiv(m, intp(TILE_ROWS))
        with cgutils.for_range(builder, n_blocks) as jl:
            jbytes = builder.mul(builder.add(j0, builder.mul(jl.index, intp(nv))), intp(vector_bytes))
            with cgutils.for_range(builder, full) as il:
                _tile(context, builder, TILE_ROWS, nv, builder.mul(il.index, intp(TILE_ROWS)), ops, jbytes)
            with cgutils.for_range(builder, builder.sub(m, builder.mul(full, intp(TILE_ROWS)))) as il:
                _tile(context, builder, 1, nv, builder.add(builder.mul(full, intp(TILE_ROWS)), il.index), ops, jbytes,
                      SINGLE_ROW_CHAINS)

    def _rows_left(builder, start, rest, tile_rows, emit):
        """``emit(rows, i0)`` for the ``rest`` rows from ``start`` that whole tiles of ``tile_rows``
        rows left (rest < tile_rows): in tiles of the powers of two below tile_rows, largest first."""
        piece = 1 << (tile_rows - 1).bit_length() - 1
        while piece:
            has = builder.and_(rest, rest.type(piece))
            with builder.if_then(builder.icmp_unsigned("!=", has, rest.type(0))):
                emit(piece, start)
            start = builder.add(start, has)
            piece >>= 1

    def _wide_tiles(context, builder, ops, m, n_blocks):
        """Columns 0 .. n_blocks * WIDE_VECTORS vectors of C, in tiles of WIDE_ROWS rows x
        WIDE_VECTORS vectors, the rows left over in tiles of 4, 2 and 1 rows, each row one chain."""
        vty, size, intp = ops[4], ops[5], ops[7].type
        full = builder.udiv(m, intp(WIDE_ROWS))
        with cgutils.for_range(builder, n_blocks) as jl:
            jbytes = builder.mul(jl.index, intp(WIDE_VECTORS * vty.count * size))
            with cgutils.for_range(builder, full) as il:
                _tile(context, builder, WIDE_ROWS, WIDE_VECTORS, builder.mul(il.index, intp(WIDE_ROWS)), ops, jbytes)
            start = builder.mul(full, intp(WIDE_ROWS))
            _rows_left(builder, start, builder.sub(m, start), WIDE_ROWS,
                       lambda rows, i0: _tile(context, builder, rows, WIDE_VECTORS, i0, ops, jbytes))

    def _tanh32_vector(builder, x):
        """tanh of a vector of float32 x as ``activations.tanh32`` computes it (the same operations, its
        multiply-adds fused as the kernels' contraction fuses them: the same bits), in LLVM IR."""
        from . import activations as act

        vty = x.type
        fma = _fma(builder, vty)

        def const(value):
            return _splat_float(builder, vty, value)

        low, high = const(-act._CLAMP), const(act._CLAMP)
        x = builder.select(builder.fcmp_ordered(">", low, x), low, x)  # Numba's max(x, -c), then min(., c)
        x = builder.select(builder.fcmp_ordered("<", high, x), high, x)
        x2 = builder.fmul(x, x)
        p = builder.call(fma, [x2, const(act._A13), const(act._A11)])
        for coefficient in (act._A9, act._A7, act._A5, act._A3, act._A1):
            p = builder.call(fma, [p, x2, const(coefficient)])
        q = builder.call(fma, [x2, const(act._B6), const(act._B4)])
        for coefficient in (act._B2, act._B0):
            q = builder.call(fma, [q, x2, const(coefficient)])
        return builder.fdiv(builder.fmul(x, p), q)

    def _tanh64_vector(builder, x):
        """tanh of a vector of float64 x as ``activations.tanh64`` computes it (the same operations,
        fused into the multiply-adds the kernels' contraction makes of them: the same bits), in LLVM IR."""
        from . import activations as act

        vty = x.type
        fma = _fma(builder, vty)

        def const(value):
            return _splat_float(builder, vty, value)

        def call(name, *args):
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vty, [vty] * len(args)),
                                                f"llvm.{name}.v{vty.count}f64")
            return builder.call(fn, list(args))

        a = call("fabs", x)
        a = builder.select(builder.fcmp_ordered("<", const(20.0), a), const(20.0), a)  # Numba's min(a, 20.0)
        k = builder.fadd(builder.call(fma, [const(2.0 * act._LOG2E), a, const(-0.35)]), const(act._SHIFTER))
        n = builder.fsub(k, const(act._SHIFTER))
        h = builder.call(fma, [n, const(-0.5 * act._C1), a])
        h = builder.call(fma, [n, const(-0.5 * act._C2), h])
        hh = builder.fmul(h, h)
        p = builder.call(fma, [builder.fmul(h, hh), builder.call(fma, [const(act._H0), hh, const(act._H1)]), h])
        q = builder.call(fma, [const(act._G0), hh, const(act._G1)])
        q = builder.call(fma, [q, hh, const(act._G2)])
        q = builder.call(fma, [q, hh, const(1.0)])
        i64s = ir.VectorType(ir.IntType(64), vty.count)
        s = builder.bitcast(builder.shl(builder.bitcast(k, i64s), ir.Constant(i64s, [52] * vty.count)), vty)
        sm, sp = builder.fsub(s, const(0.5)), builder.fadd(s, const(0.5))
        den = builder.call(fma, [p, sm, builder.fmul(q, sp)])
        near_one = builder.fcmp_ordered(">=", n, const(2.0))
        num = builder.select(near_one, builder.fsub(q, p), builder.call(fma, [p, sp, builder.fmul(q, sm)]))
        f = builder.fdiv(num, den)
        return call("copysign", builder.select(near_one, builder.fsub(const(1.0), f), f), x)

    def _matmul_intrinsic(tanh_out):
        """``_matmul_vectors``, or with tanh_out its twin whose stores are tanh of the sums
        (``_tanh32_vector``, ``_tanh64_vector``) and which takes no T."""

        @intrinsic
        def matmul_vectors(typingctx, A, B, C, row0, T, fuse):
            """C[:, :n] = row0[:n] + A @ B[:, :n] in vectors of VECTOR_BYTES, n the largest multiple of
            their width up to C's width, times 1 - T[:, :n]**2 where T is not None and fuse is true;
            returns n.  A (m, K) any layout; B (K, N), C (m, N), row0 (N,), T (m, N) C-contiguous, all
            float32 or all float64; fuse a bool."""
            arrays = (A, B, C, row0) + (() if isinstance(T, types.NoneType) else (T,))
            if not (all(isinstance(t, types.Array) for t in arrays) and (A.ndim, B.ndim, C.ndim, row0.ndim) == (2, 2, 2, 1)
                    and all(t.layout == "C" for t in arrays[1:]) and A.dtype in (types.float32, types.float64)
                    and all(t.dtype == A.dtype for t in arrays) and arrays[-1].ndim == 2 - (len(arrays) == 4)
                    and isinstance(fuse, types.Boolean)
                    and (not tanh_out or isinstance(T, types.NoneType))):
                return None

            def codegen(context, builder, sig, args):
                a, b, c, r = (make_array(t)(context, builder, v) for t, v in zip(sig.args[:4], args[:4]))
                t = None if isinstance(sig.args[4], types.NoneType) else make_array(sig.args[4])(context, builder, args[4])
                fuse = context.cast(builder, args[5], sig.args[5], types.boolean)
                ftype = context.get_value_type(sig.args[0].dtype)
                size = context.get_abi_sizeof(ftype)
                vty = ir.VectorType(ftype, VECTOR_BYTES // size)
                m, K = cgutils.unpack_tuple(builder, a.shape, 2)
                a_s0, a_s1 = cgutils.unpack_tuple(builder, a.strides, 2)
                N = cgutils.unpack_tuple(builder, c.shape, 2)[1]
                b_s0, c_s0 = cgutils.unpack_tuple(builder, b.strides, 2)[0], cgutils.unpack_tuple(builder, c.strides, 2)[0]
                intp = a_s0.type
                t_s0 = None if t is None else cgutils.unpack_tuple(builder, t.strides, 2)[0]
                ops = (a, b, c, r, vty, size, K, a_s0, a_s1, b_s0, c_s0, t, t_s0, fuse,
                       None if not tanh_out else _tanh32_vector if size == 4 else _tanh64_vector)
                n_vec = builder.udiv(N, intp(vty.count))
                done = intp(0)
                if WIDE_VECTORS and not tanh_out:  # the tanh's in the narrower tiles only: less code to compile
                    wide = builder.udiv(n_vec, intp(WIDE_VECTORS))
                    _wide_tiles(context, builder, ops, m, wide)
                    done = builder.mul(wide, intp(WIDE_VECTORS))
                pairs = builder.udiv(builder.sub(n_vec, done), intp(TILE_VECTORS))
                _tiles(context, builder, TILE_VECTORS, ops, m, done, pairs)
                done = builder.add(done, builder.mul(pairs, intp(TILE_VECTORS)))
                _tiles(context, builder, 1, ops, m, done, builder.sub(n_vec, done))
                return builder.mul(n_vec, intp(vty.count))

            return types.intp(A, B, C, row0, T, fuse), codegen

        return matmul_vectors

    _matmul_vectors = _matmul_intrinsic(False)
    _matmul_vectors_tanh = _matmul_intrinsic(True)

    @intrinsic
    def _matmul_packed(typingctx, A, P, C, row0, i0, i1):
        """C[i0:i1, :n] = row0[:n] + A[i0:i1] @ B[:, :n] for B (K, N) packed into P by ``pack_panels``,
        n the largest multiple of the vector width up to N; returns n.  PACKED_BLOCK rows of A at a
        time meet every panel of B, in tiles of PACKED_ROWS rows x TILE_VECTORS vectors, the block's
        last rows in tiles of 4, 2, 1 rows.  Each element sums over k in one chain of fused
        multiply-adds, so a row of C has the same bits whichever tile computes it (and however a team
        splits the rows).  A (m, K) any layout; P 1-D, C (m, N) and row0 (N,) C-contiguous, row0 may
        be None (zeros); all float32 or all float64."""
        floats = (types.float32, types.float64)
        if not (isinstance(A, types.Array) and isinstance(P, types.Array) and isinstance(C, types.Array)
                and (A.ndim, P.ndim, C.ndim) == (2, 1, 2) and P.layout == C.layout == "C" and A.dtype in floats
                and P.dtype == C.dtype == A.dtype and isinstance(i0, types.Integer) and isinstance(i1, types.Integer)
                and (isinstance(row0, types.NoneType) or (isinstance(row0, types.Array) and row0.ndim == 1
                                                          and row0.layout == "C" and row0.dtype == A.dtype))):
            return None

        def codegen(context, builder, sig, args):
            a, p, c = (make_array(t)(context, builder, v) for t, v in zip(sig.args[:3], args[:3]))
            r = None if isinstance(sig.args[3], types.NoneType) else make_array(sig.args[3])(context, builder, args[3])
            lo, hi = (context.cast(builder, v, t, types.intp) for v, t in zip(args[4:], sig.args[4:]))
            ftype = context.get_value_type(sig.args[0].dtype)
            size = context.get_abi_sizeof(ftype)
            vty = ir.VectorType(ftype, VECTOR_BYTES // size)
            K = cgutils.unpack_tuple(builder, a.shape, 2)[1]
            a_s0, a_s1 = cgutils.unpack_tuple(builder, a.strides, 2)
            N = cgutils.unpack_tuple(builder, c.shape, 2)[1]
            c_s0 = cgutils.unpack_tuple(builder, c.strides, 2)[0]
            intp = a_s0.type
            ops = (a, None, c, r, vty, size, K, a_s0, a_s1, intp(0), c_s0, None, None, None, None)
            vector_bytes = vty.count * size
            n_vec = builder.udiv(N, intp(vty.count))
            pairs = builder.udiv(n_vec, intp(TILE_VECTORS))
            done = builder.mul(pairs, intp(TILE_VECTORS))
            wide_panel = builder.mul(K, intp(TILE_VECTORS * vector_bytes))  # bytes of a panel of TILE_VECTORS vectors
            n_blocks = builder.udiv(builder.add(builder.sub(hi, lo), intp(PACKED_BLOCK - 1)), intp(PACKED_BLOCK))

            def panel_tiles(b0, rows, nv, panel, jbytes):
                full = builder.udiv(rows, intp(PACKED_ROWS))
                with cgutils.for_range(builder, full) as tl:
                    _tile(context, builder, PACKED_ROWS, nv, builder.add(b0, builder.mul(tl.index, intp(PACKED_ROWS))),
                          ops, jbytes, panel=panel)
                _rows_left(builder, builder.add(b0, builder.mul(full, intp(PACKED_ROWS))),
                           builder.sub(rows, builder.mul(full, intp(PACKED_ROWS))), PACKED_ROWS,
                           lambda n, i0: _tile(context, builder, n, nv, i0, ops, jbytes, panel=panel))

            with cgutils.for_range(builder, n_blocks) as bl:
                b0 = builder.add(lo, builder.mul(bl.index, intp(PACKED_BLOCK)))
                left = builder.sub(hi, b0)
                rows = builder.select(builder.icmp_signed("<", left, intp(PACKED_BLOCK)), left, intp(PACKED_BLOCK))
                with cgutils.for_range(builder, pairs) as pl:
                    panel = cgutils.pointer_add(builder, p.data, builder.mul(pl.index, wide_panel))
                    panel_tiles(b0, rows, TILE_VECTORS, panel, builder.mul(pl.index, intp(TILE_VECTORS * vector_bytes)))
                with cgutils.for_range(builder, builder.sub(n_vec, done)) as ol:
                    at = builder.add(builder.mul(pairs, wide_panel), builder.mul(ol.index, builder.mul(K, intp(vector_bytes))))
                    panel_tiles(b0, rows, 1, cgutils.pointer_add(builder, p.data, at),
                                builder.mul(builder.add(done, ol.index), intp(vector_bytes)))
            return builder.mul(n_vec, intp(vty.count))

        return types.intp(A, P, C, row0, i0, i1), codegen

    @intrinsic
    def _sum_rows_vectors(typingctx, B, out):
        """out[:n] = B[:, :n] summed over its rows, in vectors of VECTOR_BYTES (SINGLE_ROW_CHAINS
        chains), TILE_VECTORS of them per pass over B's rows (float64's (1000, 16): 2.4 to 1.1 us),
        n the largest multiple of their width up to B's width; returns n.  B (K, N) and out
        (N,) C-contiguous, both float32 or both float64."""
        if not (isinstance(B, types.Array) and isinstance(out, types.Array) and (B.ndim, out.ndim) == (2, 1)
                and B.layout == out.layout == "C" and B.dtype in (types.float32, types.float64) and out.dtype == B.dtype):
            return None

        def codegen(context, builder, sig, args):
            b, c = (make_array(t)(context, builder, v) for t, v in zip(sig.args, args))
            ftype = context.get_value_type(sig.args[0].dtype)
            size = context.get_abi_sizeof(ftype)
            vty = ir.VectorType(ftype, VECTOR_BYTES // size)
            K, N = cgutils.unpack_tuple(builder, b.shape, 2)
            b_s0 = cgutils.unpack_tuple(builder, b.strides, 2)[0]
            intp = b_s0.type
            ops = (None, b, c, None, vty, size, K, intp(0), intp(0), b_s0, intp(0), None, None, None, None)
            n_vec = builder.udiv(N, intp(vty.count))
            pairs = builder.udiv(n_vec, intp(TILE_VECTORS))  # TILE_VECTORS columns of vectors per pass over B
            with cgutils.for_range(builder, pairs) as jl:
                jbytes = builder.mul(jl.index, intp(TILE_VECTORS * vty.count * size))
                _tile(context, builder, 1, TILE_VECTORS, intp(0), ops, jbytes, SINGLE_ROW_CHAINS)
            done = builder.mul(pairs, intp(TILE_VECTORS))
            with cgutils.for_range(builder, builder.sub(n_vec, done)) as jl:
                jbytes = builder.mul(builder.add(done, jl.index), intp(vty.count * size))
                _tile(context, builder, 1, 1, intp(0), ops, jbytes, SINGLE_ROW_CHAINS)
            return builder.mul(n_vec, intp(vty.count))

        return types.intp(B, out), codegen

    def _halving_masks(n):
        """Shuffle masks that sum n vectors of n lanes each into one vector of their n sums, lane r
        the sum of vector r: n - 1 steps, each taking two vectors that hold R rows' sums in R blocks
        of P partial sums and giving one of 2R blocks of P/2 (the first halves of every block, then
        the second halves, added).  Returns [(low mask, high mask)] per level, for pairs in order."""
        levels, rows = [], 1
        while rows < n:
            part = n // rows
            low = [blk * part + q for blk in range(rows) for q in range(part // 2)]
            low = low + [n + i for i in low]
            levels.append((low, [i + part // 2 for i in low]))
            rows *= 2
        return levels

    @intrinsic
    def row_dots(typingctx, A, w, bias, C, j):
        """C[:, j] = bias + A @ w, each row's dot product in vectors of VECTOR_BYTES: a vector of
        VECTOR_BYTES per row of a block of as many rows as it has lanes, summed across the block's
        rows by halving shuffles (``_halving_masks``) into one vector of their sums.  Each row gets
        the same bits wherever it lies in a block (a team's split of rows keeps one thread's
        numbers), so where A has a block's rows the last block ends at A's last row (overlapping
        the one before) and every block reads rows one stride apart; fewer rows than lanes repeat
        the last.  A (m, K) with K a multiple of the vector width (not checked), w (K,), C (m, N),
        C-contiguous, bias a scalar, all float32 or all float64."""
        floats = (types.float32, types.float64)
        if not (isinstance(A, types.Array) and isinstance(w, types.Array) and isinstance(C, types.Array)
                and (A.ndim, w.ndim, C.ndim) == (2, 1, 2) and A.layout == w.layout == C.layout == "C"
                and A.dtype in floats and w.dtype == C.dtype == A.dtype and bias == A.dtype
                and isinstance(j, types.Integer)):
            return None

        def codegen(context, builder, sig, args):
            a, wv_, c = (make_array(t)(context, builder, v) for t, v in zip((sig.args[0], sig.args[1], sig.args[3]),
                                                                          (args[0], args[1], args[3])))
            col = context.cast(builder, args[4], sig.args[4], types.intp)
            ftype = context.get_value_type(sig.args[0].dtype)
            size = context.get_abi_sizeof(ftype)
            lanes = VECTOR_BYTES // size
            vty = ir.VectorType(ftype, lanes)
            vptr = vty.as_pointer()
            m, K = cgutils.unpack_tuple(builder, a.shape, 2)
            a_s0 = cgutils.unpack_tuple(builder, a.strides, 2)[0]
            N = cgutils.unpack_tuple(builder, c.shape, 2)[1]
            c_s0 = cgutils.unpack_tuple(builder, c.strides, 2)[0]
            intp = a_s0.type
            i32 = ir.IntType(32)
            fma = _fma(builder, vty)
            splat_bias = _splat(builder, vty, args[2])
            chunks = builder.udiv(K, intp(lanes))
            last = builder.sub(m, intp(1))
            full = builder.icmp_signed(">=", m, intp(lanes))
            n_blocks = builder.udiv(builder.add(m, intp(lanes - 1)), intp(lanes))

            def partial_sums(rows):
                """Each row's vector of partial sums, one chain over its chunks in order (a block
                of one chunk a row, the common case, without a loop: its row pointers stay in registers)."""
                accs = [cgutils.alloca_once_value(builder, ir.Constant(vty, None)) for _ in rows]

                def step(offset):
                    wk = builder.load(builder.bitcast(cgutils.pointer_add(builder, wv_.data, offset), vptr), align=size)
                    for row, acc in zip(rows, accs):
                        ak = builder.load(builder.bitcast(cgutils.pointer_add(builder, row, offset), vptr), align=size)
                        builder.store(builder.call(fma, [ak, wk, builder.load(acc)]), acc)

                with builder.if_else(builder.icmp_signed("==", chunks, intp(1))) as (one, more):
                    with one:
                        step(intp(0))
                    with more:
                        with cgutils.for_range(builder, chunks) as kl:
                            step(builder.mul(kl.index, intp(lanes * size)))
                return [builder.load(acc) for acc in accs]

            def block_sums(i0, whole):
                """Sum a block of rows from i0 into C; whole: it has a row per lane, one stride apart."""
                rows = [cgutils.pointer_add(builder, a.data, builder.mul(i0, a_s0))]
                for r in range(1, lanes):
                    if whole:
                        rows.append(cgutils.pointer_add(builder, rows[-1], a_s0))
                    else:  # rows past the end repeat the last one (their sums are not stored)
                        i = builder.add(i0, intp(r))
                        rows.append(cgutils.pointer_add(builder, a.data, builder.mul(builder.select(
                            builder.icmp_signed("<", i, m), i, last), a_s0)))
                sums = partial_sums(rows)
                for low, high in _halving_masks(lanes):
                    sums = [builder.fadd(builder.shuffle_vector(x, y, ir.Constant(ir.VectorType(i32, lanes), low)),
                                         builder.shuffle_vector(x, y, ir.Constant(ir.VectorType(i32, lanes), high)))
                            for x, y in zip(sums[::2], sums[1::2])]
                total = builder.fadd(sums[0], splat_bias)
                first = cgutils.pointer_add(builder, c.data, builder.add(builder.mul(i0, c_s0), builder.mul(col, intp(size))))
                contiguous = builder.icmp_signed("==", N, intp(1))
                if not whole:
                    contiguous = builder.and_(contiguous, builder.icmp_signed("<=", builder.add(i0, intp(lanes)), m))
                with builder.if_else(contiguous) as (vector_store, apart):
                    with vector_store:
                        builder.store(total, builder.bitcast(first, vptr), align=size)
                    with apart:
                        for r in range(lanes):
                            with builder.if_then(builder.icmp_signed("<", builder.add(i0, intp(r)), m)):
                                ptr = cgutils.pointer_add(builder, first, builder.mul(intp(r), c_s0))
                                builder.store(builder.extract_element(total, i32(r)),
                                              builder.bitcast(ptr, ftype.as_pointer()))

            with builder.if_else(full) as (blocks, few):
                with blocks:
                    with cgutils.for_range(builder, n_blocks) as bl:
                        i0 = builder.mul(bl.index, intp(lanes))
                        end = builder.sub(m, intp(lanes))
                        block_sums(builder.select(builder.icmp_signed("<", i0, end), i0, end), True)
                with few:
                    with builder.if_then(builder.icmp_signed(">", m, intp(0))):
                        block_sums(intp(0), False)
            return context.get_dummy_value()

        return types.void(A, w, bias, C, j), codegen

    def _slot(context, builder, sig, args):
        """A pointer to ``ary[index]`` of the intrinsic's first two arguments."""
        index = context.cast(builder, args[1], sig.args[1], types.intp)
        return builder.gep(make_array(sig.args[0])(context, builder, args[0]).data, [index])

    def _int64_slots(ary):
        return isinstance(ary, types.Array) and ary.ndim == 1 and ary.dtype == types.int64 and ary.layout == "C"

    @intrinsic
    def load_acquire(typingctx, ary, index):
        """ary[index] of a C-contiguous 1-D int64 array, read atomically with acquire ordering: what
        the thread that stored it (``store_release``) wrote before is visible after, and the compiler
        reads memory again each time (a plain read in a waiting loop may be read once)."""
        if not (_int64_slots(ary) and isinstance(index, types.Integer)):
            return None

        def codegen(context, builder, sig, args):
            return builder.load_atomic(_slot(context, builder, sig, args), "acquire", 8)

        return types.int64(ary, index), codegen

    @intrinsic
    def store_release(typingctx, ary, index, value):
        """ary[index] = value (int64), written atomically with release ordering (``load_acquire``)."""
        if not (_int64_slots(ary) and isinstance(index, types.Integer) and isinstance(value, types.Integer)):
            return None

        def codegen(context, builder, sig, args):
            value_ = context.cast(builder, args[2], sig.args[2], types.int64)
            builder.store_atomic(value_, _slot(context, builder, sig, args), "release", 8)
            return context.get_dummy_value()

        return types.void(ary, index, value), codegen

    def _call_void(builder, name, returns=ir.VoidType()):
        builder.call(cgutils.get_or_insert_function(builder.module, ir.FunctionType(returns, []), name), [])

    @intrinsic
    def spin_pause(typingctx):
        """The CPU's spin-wait hint (x86's pause; nothing elsewhere): a waiting loop yields the
        core's shared resources and leaves the loop without a mispredicted branch."""

        def codegen(context, builder, sig, args):
            if platform.machine().lower() in ("x86_64", "amd64", "i686", "x86"):
                _call_void(builder, "llvm.x86.sse2.pause")
            return context.get_dummy_value()

        return types.void(), codegen

    @intrinsic
    def yield_core(typingctx):
        """Give the core to another runnable thread (POSIX ``sched_yield``)."""

        def codegen(context, builder, sig, args):
            _call_void(builder, "sched_yield", ir.IntType(32))
            return context.get_dummy_value()

        return types.void(), codegen

    @intrinsic
    def cycles(typingctx):
        """The CPU's cycle counter (x86's time-stamp counter, which runs at a constant rate; 0 where
        LLVM has none): an int64 for timing short stretches of one thread's work."""

        def codegen(context, builder, sig, args):
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(64), []),
                                                "llvm.readcyclecounter")
            return builder.call(fn, [])

        return types.int64(), codegen

    @intrinsic
    def pcg64_step(typingctx, hi, lo, inc_hi, inc_lo):
        """(hi, lo, bits): the next state of NumPy's ``PCG64`` (XSL-RR 128/64) whose 128-bit state and
        increment are hi, lo and inc_hi, inc_lo (uint64 words), and its 64 random bits: the state
        steps by a 128-bit multiply-add, then its halves are xored and rotated right by its top 6
        bits.  The state travels in values, not an array: a loop keeps it in registers."""
        if not all(t == types.uint64 for t in (hi, lo, inc_hi, inc_lo)):
            return None
        retty = types.UniTuple(types.uint64, 3)

        def codegen(context, builder, sig, args):
            i64, i128 = ir.IntType(64), ir.IntType(128)

            def wide(hi, lo):
                return builder.or_(builder.shl(builder.zext(hi, i128), i128(64)), builder.zext(lo, i128))

            state = builder.add(builder.mul(wide(*args[:2]), i128(PCG64_MULTIPLIER)), wide(*args[2:]))
            hi, lo = builder.trunc(builder.lshr(state, i128(64)), i64), builder.trunc(state, i64)
            x, r = builder.xor(hi, lo), builder.lshr(hi, i64(58))
            bits = builder.or_(builder.lshr(x, r), builder.shl(x, builder.and_(builder.neg(r), i64(63))))
            return context.make_tuple(builder, retty, [hi, lo, bits])

        return retty(types.uint64, types.uint64, types.uint64, types.uint64), codegen

else:  # the fallbacks (see the module docstring)

    @njit(inline="always")
    def block(buf, start, m, n):
        return buf[start : start + m * n].reshape((m, n))

    @njit(inline="always")
    def borrowed(arrays):
        return arrays

    @njit(inline="always")
    def flat(arr):
        return arr.reshape(arr.size)

    @njit(inline="always")
    def transposed(arr):
        return arr.T

    @njit(inline="always")
    def bits_to_float64(bits):
        return np.int64(bits).view(np.float64)

    @njit(inline="always")
    def float64_to_bits(x):
        return np.float64(x).view(np.int64)

    @njit(inline="always")
    def prefetch_for_write(ary, index):
        pass

    @njit(inline="always")
    def prefetch_for_read(ary, index):
        pass

    @njit(inline="always")
    def wide_vectors():
        pass

    @njit(inline="always")
    def _matmul_vectors(A, B, C, row0, T, fuse):
        return 0

    @njit(inline="always")
    def _matmul_vectors_tanh(A, B, C, row0, T, fuse):
        return 0

    @njit(inline="always")
    def _sum_rows_vectors(B, out):
        return 0

    @njit(inline="always")
    def row_dots(A, w, bias, C, j):
        for i in range(A.shape[0]):
            s = bias
            for k in range(A.shape[1]):
                s += A[i, k] * w[k]
            C[i, j] = s

    @njit(inline="always")
    def _matmul_packed(A, P, C, row0, i0, i1):
        return 0

    @njit(inline="always")
    def load_acquire(ary, index):
        return ary[index]

    @njit(inline="always")
    def store_release(ary, index, value):
        ary[index] = value

    @njit(inline="always")
    def spin_pause():
        pass

    @njit(inline="always")
    def yield_core():
        pass

    @njit(inline="always")
    def cycles():
        return np.int64(0)

    @njit(inline="always")
    def _mulhi(a, b):
        """The high 64 bits of the 128-bit product of uint64 a and b."""
        low, half = np.uint64(0xFFFFFFFF), np.uint64(32)
        a0, a1, b0, b1 = a & low, a >> half, b & low, b >> half
        p00, p01, p10, p11 = a0 * b0, a0 * b1, a1 * b0, a1 * b1
        return p11 + (p01 >> half) + (p10 >> half) + (((p00 >> half) + (p01 & low) + (p10 & low)) >> half)

    @njit(inline="always")
    def pcg64_step(hi, lo, inc_hi, inc_lo):
        product_lo = lo * _M_LO
        new_lo = product_lo + inc_lo
        new_hi = _mulhi(lo, _M_LO) + hi * _M_LO + lo * _M_HI + inc_hi + (np.uint64(1) if new_lo < product_lo else np.uint64(0))
        x, r = new_hi ^ new_lo, new_hi >> np.uint64(58)
        return new_hi, new_lo, (x >> r) | (x << ((np.uint64(64) - r) & np.uint64(63)))


@njit(inline="always")
def prefetch_row(row, write=True):
    """Start fetching the 1-D array ``row`` into the cache, to be written (a recording's fresh rows
    are in no cache: writes to them later then do not wait on memory) or, write false, read."""
    for i in range(0, row.shape[0], max(1, LINE_BYTES // row.itemsize)):
        if write:
            prefetch_for_write(row, i)
        else:
            prefetch_for_read(row, i)


@njit(inline="always")
def span(buf, start, n):
    """buf[start : start + n] of a contiguous 1-D buf, a view that must not outlive buf (see ``block``)."""
    return flat(block(buf, start, 1, n))


if INTERNALS:

    def at_b_rows(a, b, c, k0, k1):
        """c[k0:k1] = a[:, k0:k1].T @ b in one BLAS call on the operands as they lie (``np.dot``
        would copy the strided columns a[:, k0:k1] first), so that threads can share one product
        by rows of c.  a: (m, K), b: (m, N), c: (K, N), C-contiguous, float32 or float64 alike.
        For k0, k1 = 0, K it is the call ``np.dot(a.T, b, c)`` makes."""

    @overload(at_b_rows, inline="always")
    def _at_b_rows(a, b, c, k0, k1):
        gemm = _BLAS().numba_xxgemm(a.dtype)
        kind, no_transpose, transpose = ord(get_blas_kind(a.dtype)), ord("n"), ord("t")

        def impl(a, b, c, k0, k1):
            m, K = a.shape
            n = b.shape[1]
            if k1 <= k0:
                return
            one, zero = np.ones(1, a.dtype), np.zeros(1, a.dtype)
            # column-major, c[k0:k1].T (n, k1-k0) = b.T (n, m) @ a[:, k0:k1] (m, k1-k0), where BLAS
            # sees b as b.T and a[:, k0:k1] as its transpose with leading dimension K
            status = gemm(kind, no_transpose, transpose, n, k1 - k0, m, one.ctypes, b.ctypes, n,
                          span(flat(a), k0, m * K - k0).ctypes, K, zero.ctypes,
                          span(flat(c), k0 * n, (k1 - k0) * n).ctypes, n)
            if status != 0:
                raise RuntimeError("at_b_rows: the BLAS product failed")

        return impl

else:

    @njit(inline="always")
    def at_b_rows(a, b, c, k0, k1):
        if k1 > k0:
            np.dot(np.ascontiguousarray(a[:, k0:k1]).T, b, c[k0:k1])


@njit(inline="always")
def matmul_rows(A, B, C, row0, tanh_grad_of=None, fuse=True):
    """C = A @ B + row0 (added to every row), times 1 - T**2 element by element when tanh_grad_of =
    T (m, N) is given and fuse is true: the gradient at a tanh layer's input from the one at its
    output (T its activations), in the same pass (fuse decided at run time: one copy of the code
    serves both).  A: (m, K) any layout; B: (K, N), C: (m, N), row0: (N,) and T C-contiguous
    float32 or float64.  Columns in whole vectors of VECTOR_BYTES (register tiles of WIDE_ROWS x
    WIDE_VECTORS, then TILE_ROWS x TILE_VECTORS, then TILE_ROWS x 1 accumulators, fused
    multiply-adds: what LLVM's loop vectoriser does not make of these loops), the rest in plain
    loops."""
    n = _matmul_vectors(A, B, C, row0, tanh_grad_of, fuse)
    _columns_from(A, B, C, row0, n, 0, A.shape[0], tanh_grad_of, fuse)


@njit(inline="always")
def matmul_rows_tanh(A, B, C, row0):
    """C[:, :n] = tanh(A @ B + row0)[:, :n] for operands laid out as ``matmul_rows`` takes them, the
    tanh (``activations.tanh32``'s or ``tanh64``'s operations: the same bits) applied to the register
    tiles' sums as they are stored, so that its division and multiply-adds run beside the
    product's; returns n, the columns done (whole vectors; the caller computes the rest)."""
    return _matmul_vectors_tanh(A, B, C, row0, None, False)


@njit(inline="always")
def _columns_from(A, B, C, row0, n, i0, i1, tanh_grad_of=None, fuse=True):
    """Columns n onwards of rows i0 .. i1 of C = A @ B + row0 (None: nothing added), times 1 - T**2
    for tanh_grad_of = T where fuse is true, in plain loops: the columns the vector tiles leave."""
    for i in range(i0, i1):
        for j in range(n, C.shape[1]):
            if row0 is None:
                s = C.dtype.type(0)
            else:
                s = row0[j]
            for k in range(A.shape[1]):
                s += A[i, k] * B[k, j]
            if tanh_grad_of is not None and fuse:  # contracted to the tiles' fma(-t, t, 1) in the kernels
                t = tanh_grad_of[i, j]
                s *= C.dtype.type(1) - t * t
            C[i, j] = s


@njit(inline="always")
def pack_panels(B, P):
    """B (K, N)'s columns in whole vectors of VECTOR_BYTES into P (at least K * N elements) as
    ``matmul_packed`` reads them: panels of TILE_VECTORS vectors, each (K, their width) row after
    row, then a panel of each vector left.  B any layout."""
    K, N = B.shape
    width = VECTOR_BYTES // B.itemsize
    wide = TILE_VECTORS * width
    pairs = N // wide
    for k in range(K):  # B row by row (a C-contiguous B read in order); unsigned indices: no
        for p in range(pairs):  # wraparound of negative ones, so the copies vectorise (3x faster)
            row = (p * K + k) * wide
            for j in range(wide):
                P[types.uint64(row + j)] = B[types.uint64(k), types.uint64(p * wide + j)]
        for v in range(pairs * TILE_VECTORS, N // width):
            row = v * width * K + k * width
            for j in range(width):
                P[types.uint64(row + j)] = B[types.uint64(k), types.uint64(v * width + j)]


@njit(inline="always")
def matmul_packed(A, B, C, row0, pack, i0, i1):
    """Rows i0 .. i1 of C = A @ B + row0 (added to every row; None: nothing added), B's columns first
    packed into ``pack`` (``pack_panels``).  A: (m, K), B: (K, N) any layout; C: (m, N), row0: (N,),
    pack: 1-D of at least K * N elements, C-contiguous, float32 or float64 alike.  Columns in whole
    vectors in ``_matmul_packed``'s tiles (each row the same bits whatever rows i0 .. i1 are), the
    rest in plain loops."""
    pack_panels(B, pack)
    _columns_from(A, B, C, row0, _matmul_packed(A, pack, C, row0, i0, i1), i0, i1)


@njit(inline="always")
def sum_rows(B, out):
    """out = B summed over its rows.  B: (K, N), out: (N,) C-contiguous float32 or float64.  Columns
    in whole vectors of VECTOR_BYTES, the rest by ``column_sum``."""
    n = _sum_rows_vectors(B, out)
    for j in range(n, B.shape[1]):
        out[j] = column_sum(B, j)


@njit(inline="always")
def column_sum(B, j):
    """Column j of B (K, N) summed in one fixed order: four chains (rows 4k, 4k + 1, 4k + 2, 4k + 3,
    the rest on the first), then (chain 0 + chain 1) + (chain 2 + chain 3).  The kernels compile
    without reassociation, so this is the order run wherever the compiler inlines it."""
    K = B.shape[0]
    s0, s1, s2, s3 = B.dtype.type(0), B.dtype.type(0), B.dtype.type(0), B.dtype.type(0)
    i = 0
    while i + 4 <= K:
        s0 += B[i, j]
        s1 += B[i + 1, j]
        s2 += B[i + 2, j]
        s3 += B[i + 3, j]
        i += 4
    while i < K:
        s0 += B[i, j]
        i += 1
    return (s0 + s1) + (s2 + s3)


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
