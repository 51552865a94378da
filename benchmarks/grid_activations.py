"""Time of ``nk.grid_activations`` (every neuron over a 200x200 grid, 2-16-16-1 tanh, float32), the
once-per-frame view: with a fresh result each call and filling a reused ``out`` buffer.
Usage: python -m benchmarks.grid_activations [--resolution R] [--repeats N]
"""

import argparse

import numpy as np

import nnkern as nk

from .common import call_times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    net = nk.MLP([2, 16, 16, 1], activation="tanh", output="sigmoid", seed=0, dtype="float32")
    extent, res = (-1.2, 1.2, -1.2, 1.2), args.resolution
    out = net.layer_buffer(res * res)
    for label, call in (("fresh arrays", lambda: nk.grid_activations(net, extent, res)),
                        ("reused out", lambda: nk.grid_activations(net, extent, res, out=out))):
        ms = np.array(call_times(call, args.repeats)) * 1e3  # the warm-up call compiles
        med, best = np.median(ms), ms.min()
        print(f"grid_activations {res}x{res} 2-16-16-1, {label:12s}: median {med:.3f} ms, best {best:.3f} ms")


if __name__ == "__main__":
    main()
