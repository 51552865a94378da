"""Runs a case: every contender in its own fresh process (``benchmarks.worker``), taking turns,
``runs`` independent times; at 1 thread every library is held to one thread through the usual
environment variables and its process is pinned to one core (XLA runs threads of its own that no
variable holds: at "1 thread" JAX kept 1.6-1.8 cores busy on 784-128-10), at 2 each keeps its own
defaults.  Returns the case's rows."""

import json
import os
import statistics
import subprocess
import sys
import tempfile

from nnkern.kernels.team import cpus

from .common import bind

#: what holds each library to one thread (set before it loads)
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1",
              "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}
RUNS = 3


def _worker(contender, specs, threads, cache):
    env = dict(os.environ, **(ONE_THREAD if threads == 1 else {}))
    if contender == "nnkern cold":
        env["NUMBA_CACHE_DIR"] = cache
    job = json.dumps({"contender": contender, "specs": specs})
    pin = bind(min(cpus())) if threads == 1 else None
    proc = subprocess.run([sys.executable, "-m", "benchmarks.worker", job], env=env, capture_output=True, text=True,
                          preexec_fn=pin)
    if proc.returncode:
        print(f"  {contender} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_case(key, case, quick, only=None, runs=None):
    """only: run just these contenders (None: all the case's); runs: independent runs (None: RUNS),
    unless the case sets its own."""
    runs = 1 if quick else case.get("runs", runs or RUNS)
    specs = [dict(s, contenders=tuple(c for c in s["contenders"] if only is None or c in only)) for s in case["specs"]]
    contenders = list(dict.fromkeys(c for s in specs for c in s["contenders"]))
    # raw[threads][contender][run] = the worker's answer
    raw = {t: {c: [] for c in contenders} for t in case["threads"]}
    with tempfile.TemporaryDirectory(prefix="nnkern-cold-") as cache:
        for r in range(runs):
            for threads in case["threads"]:
                load = os.getloadavg()[0]
                print(f"  ({key}) run {r + 1}/{runs}, {threads} thread(s), load {load:.1f}:", end="", file=sys.stderr, flush=True)
                for c in contenders:
                    mine = [s for s in specs if c in s["contenders"] and threads in _threads(case, s)]
                    if not mine:
                        continue
                    print(f" {c}", end="", file=sys.stderr, flush=True)
                    raw[threads][c].append(_worker(c, mine, threads, cache))
                print(file=sys.stderr)
    case = dict(case, specs=specs)
    return [_row(key, case, spec, threads, raw[threads]) for spec in specs for threads in _threads(case, spec)]


def _threads(case, spec):
    return [t for t in case["threads"] if t in spec.get("threads", case["threads"])]


def _row(key, case, spec, threads, raw):
    """The table's row: per contender, per run: the median time of its calls, the first call, the import."""
    from .problems import label

    row = {"case": key, "title": case["title"], "setting": label(spec), "threads": threads,
           "spec": {k: v for k, v in spec.items() if k not in ("contenders", "targets")},
           "targets": spec["targets"], "runs": {}, "first": {}, "import": {}, "memory": {}}
    for c in spec["contenders"]:
        for answer in raw[c]:
            if answer is None:
                continue
            result = answer["results"][_specs_of(case, c, threads).index(spec)]
            if result is None:
                continue
            row["import"].setdefault(c, []).append(answer["import"])
            row["first"].setdefault(c, []).append(result["first"])
            if "times" in result:
                row["runs"].setdefault(c, []).append(statistics.median(result["times"]))
            if "peak_rss_mib" in result:
                row["memory"][c] = {"peak_mib": result["peak_rss_mib"], "after_import_mib": answer["after_import_rss_mib"],
                                    "before_training_mib": result["rss_before_mib"]}
    row["ratios"] = ratios(row)
    return row


def _specs_of(case, contender, threads):
    """The specs a contender's worker ran at ``threads``, in order."""
    return [s for s in case["specs"] if contender in s["contenders"] and threads in _threads(case, s)]


def ratios(row):
    """{peer: [its time / nnkern's time, per run]}: runs pair up in order (they ran side by side)."""
    base = row["runs"].get("nnkern")
    if not base:
        return {}
    return {c: [t / b for t, b in zip(times, base)] for c, times in row["runs"].items() if c != "nnkern"}
