"""Cost of recording every step: 2-16-16-1 tanh on spiral (1000 points, batch 32, 300 epochs, Adam).

Times training without recording, with ``record=1`` (in memory) and with ``record_to`` (streamed to
a folder), in back-to-back pairs over several repeats after a warm-up; prints the ratios to not
recording (the median of the pairs' ratios, and that of the fastest runs), in wall-clock time and
in the training thread's CPU time (which other processes on a busy machine disturb less; chunks are
prepared on a helper thread).  ``nk.train`` returns before a folder's last writes end: each run waits
for them before the next starts, and the folder mode also reports the wall time until they have
("written median", until ``run.wait()`` returns, against the time of training without recording).
Usage: python benchmarks/recording_overhead.py [--repeats N] [--epochs E] [--json]
(``--json``: the ratios as one JSON object, as the suite's case (d) reads them from each of its runs)
"""

import argparse
import json
import shutil
import tempfile
import time

import numpy as np

import nnkern as nk


def run_once(X, y, epochs, **record):
    net = nk.MLP([2, 16, 16, 1], activation="tanh", output="sigmoid", seed=0)
    start, cpu = time.perf_counter(), time.thread_time()
    run = nk.train(net, X, y, epochs=epochs, batch_size=32, optimizer="adam", lr=0.01, seed=0, quiet=True, **record)
    wall, cpu = time.perf_counter() - start, time.thread_time() - cpu
    run.wait()  # a folder's last writes: not part of training, but not to overlap the next run either
    written = time.perf_counter() - start
    del run  # freeing the recording is not part of training
    return wall, cpu, written


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--json", action="store_true", help="print the ratios as JSON")
    args = parser.parse_args()
    X, y = nk.datasets.load("spiral", n=1000, noise=0.1, seed=0)
    results = measure(X, y, args)
    if args.json:
        print(json.dumps({mode: {k: float(v) for k, v in r.items()} for mode, r in results.items()}))
        return
    print(f"spiral 2-16-16-1, {args.epochs} epochs x 32 steps, median of {args.repeats}:")
    for mode, ratios in results.items():
        print(f"  record every step, {mode}: x the time without recording, " +
              ", ".join(f"{name} {r:.3f}" for name, r in ratios.items()))
    print("recording overhead (every step, in memory): " +
          ", ".join(f"{name} {r - 1:+.1%}" for name, r in results["memory"].items()))


def measure(X, y, args):
    """{"memory": ratios, "folder": ratios} (see ``interleaved``) of recording every step in
    memory and streamed to a folder (in a scratch directory, removed after)."""
    scratch = tempfile.mkdtemp(prefix="nnkern-bench-")
    try:
        memory = interleaved(X, y, args, {"none": lambda: {}, "memory": lambda: {"record": 1}})
        folder = interleaved(X, y, args, {"none": lambda: {},
                                          "folder": lambda: {"record_to": tempfile.mkdtemp(dir=scratch) + "/run"}})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"memory": memory, "folder": folder}


def interleaved(X, y, args, modes):
    """{measure: ratio} of the second mode's times to the first's.  Runs go in pairs, one of each
    mode back to back (which goes first alternates), so that both see the same machine: this
    shared machine's speed drifts by tens of percent over seconds.  "median" is the median of the
    pairs' ratios, "fastest" the ratio of the fastest runs.  (The folder mode's disk writes are
    measured apart so that their write-back does not slow the other modes.)"""
    names = list(modes)
    times = {m: [] for m in names}
    for repeat in range(args.repeats + 1):  # the first round compiles and warms caches
        for mode in names if repeat % 2 else names[::-1]:
            seconds = run_once(X, y, args.epochs, **modes[mode]())
            if repeat:
                times[mode].append(seconds)
    base, other = (np.array(times[m]) for m in names)  # (repeats, [wall, cpu, written])
    ratios = {"wall median": np.median(other[:, 0] / base[:, 0]),
              "wall fastest": other[:, 0].min() / base[:, 0].min(),
              "cpu median": np.median(other[:, 1] / base[:, 1]),
              "cpu fastest": other[:, 1].min() / base[:, 1].min()}
    if names[1] == "folder":
        ratios["written median"] = np.median(other[:, 2] / base[:, 0])
    return ratios


if __name__ == "__main__":
    main()
