"""One training epoch, set up the same way (architecture, Adam, batch size, shuffling) in nnkern,
the NumPy reference, PyTorch and scikit-learn.  Each ``*_epoch`` returns a zero-argument function
that runs one more epoch on its own model."""

import os

import numpy as np

import nnkern as nk
from nnkern.kernels import epoch_args, passes
from nnkern.kernels import reference as ref
from nnkern.kernels.codes import ADAM
from nnkern.train import checked_targets

from .common import optional, torch_module

LR = 0.01


def problem(sizes, n, output="sigmoid", seed=0, dtype="float32"):
    """(net, X, y) for a ``sizes`` network on n random points (class labels from a random rule)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, sizes[0])).astype(dtype)
    if output == "softmax":
        y = rng.integers(0, sizes[-1], n)
    else:
        y = (X[:, 0] * X[:, 1 % sizes[0]] > 0).astype(np.int64)
    net = nk.MLP(sizes, activation="tanh", output=output, seed=seed, dtype=dtype)
    return net, X, y


def spiral(sizes, n=1000, dtype="float32"):
    X, y = nk.datasets.load("spiral", n=n, noise=0.1, seed=0)
    return nk.MLP(sizes, activation="tanh", output="sigmoid", seed=0, dtype=dtype), X.astype(dtype), y


def _adam(net):
    """The ``Optimizer`` every peer runs: Adam at LR, default betas, no weight decay."""
    return epoch_args.optimizer(net.layout, net.dtype, ADAM, LR)


def nnkern_epoch(net, X, y, batch_size):
    """nnkern's fused epoch as ``nk.train`` runs it: a fresh permutation, then one compiled call."""
    X, Y = checked_targets(net, X, y)
    theta = net.params
    grad, m1, m2 = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
    n = len(X)
    n_batches = -(-n // batch_size)
    network, opt = epoch_args.network(net.layout, net.hidden_code, net.output_code), _adam(net)
    no_rec = epoch_args.no_recording(n_batches, net.n_params, net.dtype)
    rng = np.random.default_rng(0)
    state = {"t": 0}

    def epoch():
        perm = rng.permutation(n)
        total, correct, status = passes.train_epoch(theta, grad, m1, m2, X, Y, perm, batch_size, state["t"],
                                                    network, opt, no_rec)
        state["t"] += n_batches
        return total

    return epoch


def reference_epoch(net, X, y, batch_size):
    """The NumPy reference (``nnkern.kernels.reference.train_epoch``) on a copy of the parameters."""
    X, Y = checked_targets(net, X, y)
    theta = net.params.copy()
    m1, m2 = np.zeros_like(theta), np.zeros_like(theta)
    opt = _adam(net)
    rng = np.random.default_rng(0)
    n_batches = -(-len(X) // batch_size)
    state = {"t": 0}

    def epoch():
        perm = rng.permutation(len(X))
        ref.train_epoch(net.layout, theta, m1, m2, X, Y, perm, batch_size, net.hidden_code, net.output_code, opt,
                        state["t"])
        state["t"] += n_batches

    return epoch


def torch_model(net):
    """The same network in PyTorch (tanh hidden layers), with nnkern's initial weights."""
    torch = torch_module()
    dtype = getattr(torch, net.dtype.name)
    layers = []
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        lin = torch.nn.Linear(*W.shape).to(dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b.copy()))
        layers.append(lin)
        if l < len(net.weights) - 1:
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def torch_epoch(net, X, y, batch_size, threads=None):
    """PyTorch CPU: Adam, BCE-with-logits / cross-entropy, a randperm and index per batch; None
    without torch.  threads: intra-op threads (default one per core)."""
    torch = torch_module(threads)
    if torch is None:
        return None
    model = torch_model(net)
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=net.dtype.name))
    if net.output == "softmax":
        yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
        loss_fn = torch.nn.CrossEntropyLoss()
    else:
        yt = torch.from_numpy(np.asarray(y, dtype=net.dtype.name).reshape(-1, 1))
        loss_fn = torch.nn.BCEWithLogitsLoss()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    gen = torch.Generator().manual_seed(0)
    n = len(Xt)

    def epoch():
        torch.set_num_threads(threads or os.cpu_count() or 1)
        perm = torch.randperm(n, generator=gen)
        for s in range(0, n, batch_size):
            idx = perm[s : s + batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    return epoch


def sklearn_epoch(net, X, y, batch_size):
    """scikit-learn's MLPClassifier.partial_fit (one epoch per call, Adam, no L2); None without it."""
    if optional("sklearn") is None:
        return None
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=tuple(net.sizes[1:-1]), activation="tanh", solver="adam",
                        alpha=0.0, batch_size=batch_size, learning_rate_init=LR, shuffle=True,
                        random_state=0)
    X = np.ascontiguousarray(X, dtype=net.dtype.name)
    y = np.asarray(y)
    classes = np.unique(y) if net.output == "sigmoid" else np.arange(net.sizes[-1])

    def epoch():
        clf.partial_fit(X, y, classes=classes)

    return epoch


def torch_grid(net, points, threads=None):
    """All layers' activations of the grid points in PyTorch (no autograd); None without torch."""
    torch = torch_module(threads)
    if torch is None:
        return None
    model = torch_model(net)
    Xt = torch.from_numpy(points)

    def run():
        torch.set_num_threads(threads or os.cpu_count() or 1)
        with torch.no_grad():
            outs, a = [], Xt
            for layer in model:
                a = layer(a)
                outs.append(a)
            outs.append(torch.sigmoid(a))
        return outs

    return run
