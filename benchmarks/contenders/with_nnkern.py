"""nnkern through what users call (``nk.train``, ``nk.grid_activations``, ``net.predict_proba``),
and the bare compiled epoch (``passes.train_epoch``, one epoch per call; ``nk.train`` runs several
per call through ``passes.train_epochs``) as an extra row."""

import numpy as np

import nnkern as nk
from nnkern.batches import EpochOrders
from nnkern.kernels import epoch_args, passes
from nnkern.kernels.codes import ADAM
from nnkern.train import checked_targets

from ..problems import BETAS, EPS, GRID_EXTENT, LR, data


def _net(spec):
    return nk.MLP(spec["sizes"], activation=spec["activation"], output=spec["output"], seed=0, dtype=spec["dtype"])


def public(spec):
    net = _net(spec)
    if spec["kind"] in ("train", "memory"):
        X, y = data(spec)
        calls = iter(range(1 << 30))

        def run(epochs):
            nk.train(net, X, y, epochs=epochs, batch_size=spec["batch"], optimizer="adam", lr=LR,
                     seed=next(calls), quiet=True)

        return run
    if spec["kind"] == "grid":
        return lambda: nk.grid_activations(net, GRID_EXTENT, spec["resolution"])
    if spec["kind"] == "predict":
        X, _ = data(spec)
        return lambda: net.predict_proba(X)
    return None


def kernel(spec):
    """One compiled epoch per call after a fresh permutation: ``nk.train``'s loop without its
    per-epoch bookkeeping (history, checks, recorder)."""
    if spec["kind"] != "train":
        return None
    net = _net(spec)
    X, Y = checked_targets(net, *data(spec))
    theta = net.params
    grad, m1, m2 = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
    n, batch = len(X), min(spec["batch"], len(X))
    n_batches = -(-n // batch)
    network = epoch_args.network(net.layout, net.hidden_code, net.output_code)
    adam = epoch_args.optimizer(net.layout, net.dtype, ADAM, LR, *BETAS, EPS, 0.0)
    no_rec = epoch_args.no_recording(n_batches, net.n_params, net.dtype)
    orders = EpochOrders(0, n, batch)  # nk.train's row orders
    state = {"t": 0}

    def run(epochs):
        for _ in range(epochs):
            passes.train_epoch(theta, grad, m1, m2, X, Y, next(orders), batch, state["t"], network, adam, no_rec)
            state["t"] += n_batches

    return run
