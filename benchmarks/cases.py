"""The cases (a)-(f) of issue 5.  Each returns a list of result rows:
``{"case", "setting", "times": {impl: seconds}, "targets": {impl: minimum ratio}, ...}`` where a
ratio is the peer's time over nnkern's (higher is better for nnkern)."""

import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import types

import numpy as np

import nnkern as nk
from nnkern.kernels import reference as ref

from . import peers
from .common import sgemm_gflops

PEERS = ("numpy", "torch", "sklearn")
#: PyTorch's intra-op threads for the 2-16-16-1 cases (a) and (c): one thread is as fast there,
#: and two collapse (to ~1 s an epoch) whenever another process holds one of the two cores
TINY_TORCH_THREADS = 1


def _times(runners, repeats, rounds=5):
    """{impl: median seconds} for the runners that exist (None = peer not installed).

    The implementations take turns: ``rounds`` rounds, each running every implementation for its
    share of ``repeats`` calls, so a busy spell on a shared machine hits them all alike."""
    runners = {name: fn for name, fn in runners.items() if fn is not None}
    for fn in runners.values():  # warm-up: compilation, caches, allocator
        fn()
    times = {name: [] for name in runners}
    for _ in range(rounds):
        for name, fn in runners.items():
            per_round = max(1, -(-repeats.get(name, 3) // rounds))
            for _ in range(per_round):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def case_a(quick=False):
    """(a) one epoch of 2-16-16-1 tanh/sigmoid on 1000 spiral points."""
    rows = []
    for dtype in ("float32", "float64"):
        for batch in (32, 1000):
            runners = {}
            for name, make in (("nnkern", peers.nnkern_epoch), ("numpy", peers.reference_epoch),
                               ("torch", functools.partial(peers.torch_epoch, threads=TINY_TORCH_THREADS)),
                               ("sklearn", peers.sklearn_epoch)):
                net, X, y = peers.spiral([2, 16, 16, 1], dtype=dtype)
                runners[name] = make(net, X, y, batch)
            reps = {"nnkern": 40 if quick else 200, "numpy": 5 if quick else 20, "torch": 3 if quick else 10,
                    "sklearn": 3 if quick else 10}
            if batch == 1000:
                reps = {k: v * 3 for k, v in reps.items()}
            targets = {"numpy": 10, "torch": 50} if batch == 32 else {"numpy": 3}
            label = "full batch" if batch == 1000 else f"batch {batch}"
            rows.append({"case": "a", "setting": f"2-16-16-1 epoch, 1000 pts, {label}, {dtype}",
                         "times": _times(runners, reps), "targets": targets, "torch_threads": TINY_TORCH_THREADS})
    return rows


def case_b(quick=False):
    """(b) one epoch of 784-128-10 softmax on 8192 samples, batch 128, float32; GFLOP/s."""
    sizes, n, batch = [784, 128, 10], 8192, 128
    runners = {}
    for name, make in (("nnkern", peers.nnkern_epoch), ("numpy", peers.reference_epoch),
                       ("torch", peers.torch_epoch), ("sklearn", peers.sklearn_epoch)):
        net, X, y = peers.problem(sizes, n, output="softmax", dtype="float32")
        runners[name] = make(net, X, y, batch)
    times = _times(runners, {"nnkern": 3 if quick else 7, "numpy": 3 if quick else 5,
                             "torch": 3 if quick else 5, "sklearn": 2 if quick else 3})
    # multiply-adds: forward of both layers, dW of both, da of the second (not of the inputs)
    macs = n * (2 * (784 * 128 + 128 * 10) + 128 * 10)
    gflops = {name: 2 * macs / t / 1e9 for name, t in times.items()}
    roofline = sgemm_gflops()
    return [{"case": "b", "setting": "784-128-10 softmax epoch, 8192 samples, batch 128, float32",
             "times": times, "targets": {"numpy": 1.2, "torch": 1.0},
             "gflops": gflops, "sgemm_gflops": roofline, "roofline_share": gflops["nnkern"] / roofline}]


def case_c(quick=False):
    """(c) every layer's activations on a 200x200 grid for 2-16-16-1."""
    res, extent = 200, (-1.5, 1.5, -1.5, 1.5)
    net = nk.MLP([2, 16, 16, 1], activation="tanh", output="sigmoid", seed=0)
    gx, gy = np.meshgrid(np.linspace(extent[0], extent[1], res), np.linspace(extent[2], extent[3], res))
    points = np.ascontiguousarray(np.c_[gx.ravel(), gy.ravel()], dtype=np.float32)
    out = np.empty(res * res * 33, np.float32)
    runners = {"nnkern": lambda: nk.grid_activations(net, extent, res, out=out),
               "numpy": lambda: ref.forward(net.layout, net.params, points, net.hidden_code, net.output_code),
               "torch": peers.torch_grid(net, points, threads=TINY_TORCH_THREADS)}
    times = _times(runners, {"nnkern": 30 if quick else 200, "numpy": 10 if quick else 30,
                             "torch": 10 if quick else 30})
    return [{"case": "c", "setting": "grid activations 200x200, 2-16-16-1, all layers, float32",
             "times": times, "targets": {"numpy": 4, "torch": 1.5},
             "torch_threads": TINY_TORCH_THREADS,
             "target_seconds": 1e-3}]


def case_d(quick=False):
    """(d) recording every step against not recording (``benchmarks/recording_overhead.py``)."""
    from . import recording_overhead as rec

    X, y = nk.datasets.load("spiral", n=1000, noise=0.1, seed=0)
    args = types.SimpleNamespace(repeats=3 if quick else 15, epochs=100 if quick else 300)
    results = rec.measure(X, y, args)
    setting = f"record every step {{}}, 2-16-16-1, {args.epochs} epochs x 32 steps"
    memory, folder = ({k: v - 1 for k, v in results[m].items()} for m in ("memory", "folder"))
    return [{"case": "d", "setting": setting.format("in memory"), "times": {}, "targets": {}, "overhead": memory,
             "overhead_target": 0.15, "met": bool(memory["wall median"] <= 0.15)},
            {"case": "d", "setting": setting.format("streamed to a folder (no target)"), "times": {},
             "targets": {}, "overhead": folder}]


def case_e(quick=False):
    """(e) epoch time against samples, width and batch size (plotted by ``plots``)."""
    series = {"samples": [], "width": [], "batch": []}
    samples = [1000, 10_000, 100_000] + ([] if quick else [1_000_000])
    for n in samples:
        series["samples"].append(_scaling_point(n, [2, 16, 16, 1], 32, peers_up_to=10_000, quick=quick))
    for w in [8, 32, 128, 512] + ([] if quick else [1024]):
        series["width"].append(_scaling_point(1000, [2, w, w, 1], 32, peers_up_to=None, quick=quick, x=w))
    for b in [1, 8, 32, 128, 1000]:
        series["batch"].append(_scaling_point(1000, [2, 16, 16, 1], b, peers_up_to=None, quick=quick, x=b))
    return [{"case": "e", "setting": "scaling of the epoch time (float32, 2-w-w-1, Adam)", "times": {},
             "targets": {}, "series": series}]


def _scaling_point(n, sizes, batch, peers_up_to, quick, x=None):
    net, X, y = peers.problem(sizes, n, dtype="float32")
    runners = {"nnkern": peers.nnkern_epoch(net, X, y, batch)}
    big = n * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    if peers_up_to is None or n <= peers_up_to:
        runners["numpy"] = peers.reference_epoch(net, X, y, batch)
        runners["torch"] = peers.torch_epoch(net, X, y, batch)
    reps = 1 if big > 2e9 or quick else (3 if big > 2e8 else 5)
    return {"x": x if x is not None else n, "times": _times(runners, {k: reps for k in runners})}


_COMPILE_SCRIPT = textwrap.dedent("""
    import json, time
    t0 = time.perf_counter()
    import nnkern as nk
    t1 = time.perf_counter()
    X, y = nk.datasets.load("spiral", n=1000, noise=0.1, seed=0)
    net = nk.MLP([2, 16, 16, 1], activation="tanh", output="sigmoid", seed=0)
    t2 = time.perf_counter()
    nk.train(net, X, y, epochs=1, batch_size=32, quiet=True)
    net.layer_outputs(X)
    t3 = time.perf_counter()
    nk.train(net, X, y, epochs=1, batch_size=32, quiet=True)
    net.layer_outputs(X)
    t4 = time.perf_counter()
    print(json.dumps({"import": t1 - t0, "first_call": t3 - t2, "second_call": t4 - t3}))
""")


def case_f(quick=False):
    """(f) cold compile (empty NUMBA_CACHE_DIR) and warm cached first call, each in a fresh process:
    the first ``nk.train`` epoch plus a ``layer_outputs`` call, float32 2-16-16-1."""
    runs = {}
    with tempfile.TemporaryDirectory(prefix="nnkern-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold", "warm", "warm"):
            out = subprocess.run([sys.executable, "-c", _COMPILE_SCRIPT], env=env, check=True,
                                 capture_output=True, text=True).stdout
            runs.setdefault(label, []).append(json.loads(out.strip().splitlines()[-1]))
    warm = min(runs["warm"], key=lambda r: r["first_call"])
    return [{"case": "f", "setting": "first train epoch + forward in a fresh process", "times": {},
             "targets": {}, "cold": runs["cold"][0], "warm": warm, "warm_target_seconds": 1.0,
             "met": bool(warm["first_call"] < 1.0)}]


CASES = {"a": case_a, "b": case_b, "c": case_c, "d": case_d, "e": case_e, "f": case_f}
