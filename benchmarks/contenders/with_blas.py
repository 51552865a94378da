"""Not a contender: the machine's GEMM rates, through NumPy's BLAS.  For a training spec, one
epoch's matrix products alone (the same shapes as every contender's: per batch the forward
product of each layer, its weight gradient, and the back-propagated gradient of every layer but
the first), the floor no trainer can beat with this BLAS; for a "gemm" spec, one large
(n x n) @ (n x n) product."""

import numpy as np


def make(spec):
    rng = np.random.default_rng(0)
    dtype = spec["dtype"]
    if spec["kind"] == "gemm":
        a = rng.standard_normal((spec["n"], spec["n"]), dtype=np.float32).astype(dtype)
        c = np.empty_like(a)
        return lambda: np.dot(a, a, out=c)
    if spec["kind"] != "train":
        return None
    sizes, batch = spec["sizes"], spec["batch"]
    acts = [rng.standard_normal((batch, k), dtype=np.float32).astype(dtype) for k in sizes]
    Ws = [rng.standard_normal((i, o), dtype=np.float32).astype(dtype) for i, o in zip(sizes[:-1], sizes[1:])]
    gWs, outs = [np.empty_like(W) for W in Ws], [np.empty_like(a) for a in acts]
    n_batches = -(-spec["n"] // batch)

    def run(epochs):
        for _ in range(epochs * n_batches):
            for l, W in enumerate(Ws):
                np.dot(acts[l], W, out=outs[l + 1])
                np.dot(acts[l].T, acts[l + 1], out=gWs[l])
                if l:
                    np.dot(acts[l + 1], W.T, out=outs[l])

    return run


def epoch_flops(spec):
    """Floating-point operations of one epoch's GEMMs (2 per multiply-add)."""
    sizes = spec["sizes"]
    macs = sum(i * o for i, o in zip(sizes[:-1], sizes[1:]))
    return 2 * spec["n"] * (2 * macs + macs - sizes[0] * sizes[1])
