"""The work every contender does, described by a plain dict (a *spec*) so that it can be handed to
a fresh process: the network, its data and, for training, the batch size and optimizer.

    {"kind": "train" | "grid" | "predict" | "memory", "sizes": [2, 16, 16, 1], "activation": "tanh",
     "output": "sigmoid" | "softmax", "dtype": "float32", "data": "spiral" | "random", "n": 1000,
     "batch": 32, "resolution": 200, "epochs": epochs per timed call, "calls": timed calls}

Every contender starts from the same weights (``nk.MLP``'s, seed 0) and trains with Adam at
``LR`` (betas 0.9, 0.999, eps 1e-8), shuffling every epoch (but for a full batch, which has no order
to shuffle: no contender does then, nk.train included).
"""

import numpy as np

LR = 0.01
BETAS, EPS = (0.9, 0.999), 1e-8
GRID_EXTENT = (-1.5, 1.5, -1.5, 1.5)


def initial_weights(spec):
    """[(W (fan_in, fan_out), b (fan_out,))] per layer, copies of ``nk.MLP``'s initial ones."""
    import nnkern as nk

    net = nk.MLP(spec["sizes"], activation=spec["activation"], output=spec["output"], seed=0, dtype=spec["dtype"])
    return [(W.copy(), b.copy()) for W, b in zip(net.weights, net.biases)]


def data(spec):
    """(X (n, n_in) of the spec's dtype, y (n,) int64 labels)."""
    n, dtype = spec["n"], spec["dtype"]
    if spec["data"] == "spiral":
        import nnkern as nk

        X, y = nk.datasets.load("spiral", n=n, noise=0.1, seed=0)
        return np.ascontiguousarray(X, dtype=dtype), np.asarray(y, dtype=np.int64)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, spec["sizes"][0]), dtype=np.float32).astype(dtype, copy=False)
    if spec["output"] == "softmax":
        return X, rng.integers(0, spec["sizes"][-1], n)
    return X, (X[:, 0] * X[:, 1] > 0).astype(np.int64)


def grid_points(spec):
    """(resolution**2, 2) points of the grid, row-major from (xmin, ymin), as ``nk.grid_activations`` lays them."""
    res, (x0, x1, y0, y1) = spec["resolution"], GRID_EXTENT
    gx, gy = np.meshgrid(np.linspace(x0, x1, res), np.linspace(y0, y1, res))
    return np.ascontiguousarray(np.c_[gx.ravel(), gy.ravel()], dtype=spec["dtype"])


def label(spec):
    """The spec in a few words, for the table."""
    if spec["kind"] == "gemm":
        return f"one {spec['n']}x{spec['n']} @ {spec['n']}x{spec['n']} product, {spec['dtype']}"
    net = "-".join(map(str, spec["sizes"]))
    if spec["activation"] != "tanh":
        net += f" {spec['activation']}"
    kind = spec["kind"]
    if kind == "grid":
        return f"grid {spec['resolution']}x{spec['resolution']}, {net}, all layers, {spec['dtype']}"
    if kind == "predict":
        return f"predict_proba, {net}, {spec['n']:,} rows, {spec['dtype']}"
    batch = "full batch" if spec["batch"] >= spec["n"] else f"batch {spec['batch']}"
    what = "peak RSS, 1 epoch" if kind == "memory" else "epoch"
    return f"{net} {what}, {spec['n']:,} samples, {batch}, {spec['dtype']}"
