"""Where each layer's W and b live in the flat parameter buffer.

Layer l occupies ``theta[w_off[l] : w_off[l] + fan_in*fan_out]`` (W, row-major, shape
(fan_in, fan_out)) followed by ``theta[b_off[l] : b_off[l] + fan_out]`` (b).  One buffer
makes an optimizer step one loop and a recorded step one row.
"""

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.core.imputils import impl_ret_borrowed
from numba.extending import intrinsic
from numba.np.arrayobj import make_array, populate_array


class Layout:
    """Offsets of every layer of an MLP with layer widths ``sizes`` (inputs first)."""

    def __init__(self, sizes):
        self.sizes = np.asarray(sizes, dtype=np.int64)
        fan_in, fan_out = self.sizes[:-1], self.sizes[1:]
        block = fan_in * fan_out + fan_out
        self.w_off = np.concatenate([[0], np.cumsum(block)[:-1]]).astype(np.int64)
        self.b_off = self.w_off + fan_in * fan_out
        self.n_params = int(block.sum())

    @property
    def n_layers(self):
        return len(self.sizes) - 1

    def views(self, theta):
        """Lists (weights, biases) of views into ``theta`` (P,) or a stack of them (..., P)."""
        lead = theta.shape[:-1]
        weights, biases = [], []
        for l in range(self.n_layers):
            fi, fo = int(self.sizes[l]), int(self.sizes[l + 1])
            w0, b0 = int(self.w_off[l]), int(self.b_off[l])
            weights.append(theta[..., w0 : w0 + fi * fo].reshape(lead + (fi, fo)))
            biases.append(theta[..., b0 : b0 + fo])
        return weights, biases

    def decay_mask(self, dtype):
        """(P,) array: 1 on weights, 0 on biases (L2 decay applies to weights only)."""
        mask = np.ones(self.n_params, dtype=dtype)
        for l in range(self.n_layers):
            b0 = int(self.b_off[l])
            mask[b0 : b0 + int(self.sizes[l + 1])] = 0
        return mask


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
    numba's reshape makes (the kernels take ~50 such views per minibatch).  No bounds check: the
    caller keeps start + m*n <= buf.size.
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


@njit(inline="always")
def layer_params(theta, w_off, b_off, sizes, l):
    """Views (W (fan_in, fan_out), b (fan_out,)) of layer l inside the flat buffer theta."""
    fan_in, fan_out = sizes[l], sizes[l + 1]
    W = block(theta, w_off[l], fan_in, fan_out)
    b = theta[b_off[l] : b_off[l] + fan_out]
    return W, b
