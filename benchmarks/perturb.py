"""Time of evaluating every edited copy of a network at once: each of the 320 weights of a 2-16-16-1
tanh net (float32) zeroed in turn, every copy scored (mean loss, accuracy) on 1000 points.
nnkern (``nk.weight_sensitivity``: one compiled call) against the same work batched in NumPy and in
PyTorch (the copies stacked, one batched matmul per layer) and the per-copy NumPy reference loop.
Usage: python -m benchmarks.perturb [--points N] [--repeats N]
"""

import argparse

import numpy as np

import nnkern as nk
from nnkern.kernels import reference as ref
from nnkern.sensitivity import _weight_index
from nnkern.train import checked_targets

from .common import call_times


def copies(net):
    """(K, P) parameters: copy k has weight k zeroed (as ``nk.weight_sensitivity(scale=0)`` makes them)."""
    index = _weight_index(net)
    thetas = np.repeat(net.params[None], len(index), axis=0)
    thetas[np.arange(len(index)), index] = 0
    return thetas


def numpy_batched(net, thetas, X, Y):
    """(loss (K,), accuracy (K,)) of the stacked copies thetas (K, P): one batched matmul per layer."""
    weights, biases = net.layout.views(thetas)  # (K, fan_in, fan_out), (K, fan_out)
    a = X
    for l, (W, b) in enumerate(zip(weights, biases)):
        z = a @ W + b[:, None, :]
        a = np.tanh(z) if l < len(weights) - 1 else z
    loss = (np.maximum(a, 0) - a * Y + np.log1p(np.exp(-np.abs(a)))).mean(axis=(1, 2))
    return loss, ((a >= 0) == (Y >= 0.5)).mean(axis=(1, 2))


def torch_batched(torch, net, thetas, X, Y):
    """``numpy_batched`` in PyTorch (tensors in, no autograd)."""
    weights, biases = net.layout.views(thetas)
    with torch.inference_mode():
        a = X
        for l, (W, b) in enumerate(zip(weights, biases)):
            z = a @ W + b[:, None, :]
            a = torch.tanh(z) if l < len(weights) - 1 else z
        loss = torch.nn.functional.softplus(a).sub(a * Y).mean(dim=(1, 2))
        return loss, ((a >= 0) == (Y >= 0.5)).float().mean(dim=(1, 2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    X, y = nk.datasets.load("spiral", n=args.points, noise=0.05, seed=0)
    net = nk.MLP([2, 16, 16, 1], activation="tanh", output="sigmoid", seed=0, dtype="float32")
    nk.train(net, X, y, epochs=20, batch_size=32, lr=0.02, seed=0, quiet=True)
    Xc, Y = checked_targets(net, X, y)
    thetas = copies(net)
    lay, h, o = net.layout, net.hidden_code, net.output_code

    want = ref.evaluate_params(lay, thetas, Xc, Y, h, o)[0]
    runs = {
        "nnkern weight_sensitivity": lambda: nk.weight_sensitivity(net, X, y, scale=0.0),
        "NumPy batched": lambda: numpy_batched(net, thetas, Xc, Y),
        "NumPy reference (per copy)": lambda: ref.evaluate_params(lay, thetas, Xc, Y, h, o),
    }
    got = np.concatenate([L.ravel() for L in nk.weight_sensitivity(net, X, y, scale=0.0)[0]])
    np.testing.assert_allclose(got, want, rtol=2e-4)
    np.testing.assert_allclose(numpy_batched(net, thetas, Xc, Y)[0], want, rtol=2e-3)
    try:
        import torch
    except ImportError:  # PyTorch is optional here
        torch = None
    if torch is not None:
        tt, tX, tY = (torch.from_numpy(np.ascontiguousarray(a)) for a in (thetas, Xc, Y))
        np.testing.assert_allclose(torch_batched(torch, net, tt, tX, tY)[0].numpy(), want, rtol=2e-3)
        runs["PyTorch batched"] = lambda: torch_batched(torch, net, tt, tX, tY)
    print(f"{len(thetas)} copies of a 2-16-16-1 net (each with one weight zeroed) on {len(X)} points, float32")
    base = None
    for label, call in runs.items():
        ms = np.array(call_times(call, args.repeats)) * 1e3
        base = base or np.median(ms)
        print(f"  {label:28s} median {np.median(ms):9.2f} ms  best {ms.min():9.2f} ms  ({np.median(ms) / base:.1f}x nnkern)")


if __name__ == "__main__":
    main()
