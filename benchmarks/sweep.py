"""``python -m benchmarks.sweep``: 16 runs of a 2-16-16-1 tanh network on the spiral (1000 points,
a quarter held out, batch 32, Adam), trained serially in one process against ``nk.sweep`` on a
LocalCluster of 2 workers, taking turns; then the Numba cache: two sweeps on new workers with an
empty cache directory, the second of which should compile nothing.

    serial        the runs as a sweep's worker does them (train, record into a folder with the same
                  durability, write each result once its recording is, while the next run trains),
                  one after another in this process; with Numba on one thread (as a worker) and
                  on all cores (the default), the faster of the two being the baseline
    sweep, new cluster
                  nk.sweep on a new LocalCluster of 2 worker processes, its start-up timed apart:
                  the workers load the kernels from Numba's cache before the first run
    sweep, warm workers
                  a second sweep (into a new folder) on the same cluster, whose workers hold the
                  kernels already, as a running cluster's do
    command, serial / command, sweep
                  the whole command, ``python -m nnkern sweep ... --workers 0`` (one process, Numba
                  on one thread) against ``--workers 2``: Python's start-up, imports, the kernels
                  loaded from the cache, the cluster's start and close, the runs
    plain         each run's nk.train alone, no recording: the reference for the per-run overhead
                  (also the faster of one Numba thread and the default)
    processes, 1 / processes, 2
                  what this machine allows without Dask: the runs as ``serial`` does them, in one
                  fresh process and split between two started together, each bound to a CPU of its
                  own as the sweep's workers are (Numba on one thread in each, timed from a start
                  signal after a warm-up run); their ratio bounds the sweep's speed-up here

Besides wall time (which other load on the machine moves), the CPU time a warm sweep cost its
workers and the client process (scheduler included) per run, against a plain nk.train's: what the
overhead is whatever the load; and the machine's steadiness before and after (``common.steadiness``:
a run on a noisy host is not to be trusted), and the CPU cost of creating a file before and after
(``common.file_creation``: high for minutes after many files were deleted, such as the scratch of
the run before, on a file system with no journal; each training run creates several).  Writes
results/sweep-EPOCHS-epochs.json. Options: ``--epochs`` (default 200), ``--repeats`` (default 3),
``--out``, ``--no-cold-cache``.
"""

import os

# Numba's parallel kernels run on OpenMP threads that spin after each parallel region; spinning in this
# process would take the cores from the sweep's workers that run after it. Passive waiting stops that
# (read when libgomp loads, so before nnkern is imported).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import nnkern as nk  # noqa: E402
from nnkern.kernels.team import cpus  # noqa: E402
from nnkern.sweeps import dispatch, grid, worker  # noqa: E402

from .common import SLOW_FILE_US, bind, file_creation, file_text, steadiness, steady_text  # noqa: E402

GRID = dict(dataset="spiral", n=1000, layers=[2, 16, 16, 1], activation="tanh", optimizer="adam", lr=0.01,
            batch_size=32, seed=list(range(16)))


def serial(specs, root):
    """The runs one after another in this process, as ``nk.sweep(..., n_workers=0)`` and a sweep's
    task train them (``worker.run_many``: the data made once, each run's end while the next trains)."""
    worker.run_many([(grid.run_name(spec), spec, os.path.join(root, grid.run_name(spec))) for spec in specs])


def plain(specs):
    for spec in specs:
        worker.train_run(spec)


def command(epochs, workers, out):
    """``python -m nnkern sweep`` of the benchmark's runs on ``workers`` local workers (0: in its own
    process), Numba on one thread in that process."""
    argv = [sys.executable, "-m", "nnkern", "sweep", "--dataset", "spiral", "--n", "1000", "--layers", "2,16,16,1",
            "--activation", "tanh", "--optimizer", "adam", "--lr", "0.01", "--batch-size", "32",
            "--seeds", f"0-{len(GRID['seed']) - 1}", "--epochs", str(epochs), "--workers", str(workers), "--out", out, "--quiet"]
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, NUMBA_NUM_THREADS="1"))


#: a process of ``processes``: warm up, wait for a line on stdin, record its share of the runs, print the seconds
_SHARE = r"""
import os, sys, tempfile, time
from nnkern.sweeps import grid, worker
epochs, part, parts = map(int, sys.argv[1:4])
specs = grid.expand(dict({grid_}, epochs=epochs))
root, data = tempfile.mkdtemp(prefix="nnkern-share-", dir=sys.argv[4]), {{}}
worker.run(specs[0], os.path.join(root, "warm-up"), data=data)
print("ready", flush=True)
sys.stdin.readline()
start = time.perf_counter()
worker.run_many([(str(i), spec, os.path.join(root, str(i))) for i, spec in enumerate(specs[part::parts])])
print(time.perf_counter() - start, flush=True)
"""


def processes(epochs, parts, scratch):
    """Seconds for ``parts`` fresh processes (Numba on one thread each) started together to record
    the runs between them as ``serial`` does, no Dask: the machine's own parallel speed."""
    code = _SHARE.format(grid_=repr(GRID))
    env = dict(os.environ, NUMBA_NUM_THREADS="1")
    own = cpus()
    procs = [subprocess.Popen([sys.executable, "-c", code, str(epochs), str(k), str(parts), scratch], env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              preexec_fn=bind(own[k]) if parts == len(own) else None) for k in range(parts)]
    try:
        for p in procs:
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("a benchmark process failed to start")
        start = time.perf_counter()
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in procs:
            p.stdout.readline()
        return time.perf_counter() - start
    except BaseException:
        for p in procs:  # the others may be waiting for their start signal
            p.kill()
        raise
    finally:
        for p in procs:
            p.wait()


def cpu_seconds(client):
    """CPU seconds so far of this process and of each worker process of ``client``."""
    return time.process_time(), sum(client.run(time.process_time).values())


def on_threads(threads, fn, *args):
    """``fn(*args)`` with Numba's parallel kernels (validation's forward pass) on ``threads`` threads."""
    import numba

    default = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        fn(*args)
    finally:
        numba.set_num_threads(default)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def swept(grid_, out, **kwargs):
    """``nk.sweep``, which must complete every run (a sweep whose runs failed would time nothing)."""
    result = nk.sweep(grid_, out, progress=False, **kwargs)
    if result.failed:
        raise RuntimeError(f"the benchmark's sweep into {out} failed {len(result.failed)} runs: {result.failed[0]['error']}")
    return result


def speed(epochs, repeats, scratch):
    """Median seconds of each way over ``repeats`` turns, the cluster's start-up, and the CPU
    seconds of the warm sweeps' workers and client."""
    import numba

    specs = grid.expand(dict(GRID, epochs=epochs))
    worker.warm_up(["float32"])
    cores = numba.get_num_threads()
    times = {"sweep, new cluster": [], "startup": []}
    cpu = {"workers": [], "client": [], "plain": []}
    for k in range(repeats):
        for threads in sorted({1, cores}):  # one Numba thread, as a worker has, and the default: the faster counts
            for name, fn, args in (("plain", plain, (specs,)), ("serial", serial, (specs, os.path.join(scratch, f"s{k}-{threads}")))):
                cpu_before = time.process_time()
                times.setdefault(f"{name}, {threads} Numba threads", []).append(timed(on_threads, threads, fn, *args))
                if name == "plain" and threads == 1:
                    cpu["plain"].append(time.process_time() - cpu_before)
        start = time.perf_counter()
        with dispatch._client(None, None, 2) as client:
            times["startup"].append(time.perf_counter() - start)
            times["sweep, new cluster"].append(timed(swept, dict(GRID, epochs=epochs), os.path.join(scratch, f"sweep{k}"),
                                                     client=client))
            before = cpu_seconds(client)
            times.setdefault("sweep, warm workers", []).append(timed(swept, dict(GRID, epochs=epochs),
                                                                     os.path.join(scratch, f"again{k}"), client=client))
            after = cpu_seconds(client)
            cpu["client"].append(after[0] - before[0])
            cpu["workers"].append(after[1] - before[1])
        for workers in (0, 2):
            times.setdefault(f"command, {'serial' if workers == 0 else 'sweep'}", []).append(
                timed(command, epochs, workers, os.path.join(scratch, f"command{k}-{workers}")))
        for parts in (1, 2):
            times.setdefault(f"processes, {parts}", []).append(processes(epochs, parts, scratch))
        print(f"  turn {k + 1}: " + ", ".join(f"{name} {t[-1]:.2f} s" for name, t in times.items() if t),
              file=sys.stderr, flush=True)
    medians = {name: statistics.median(t) for name, t in times.items() if t}
    for name in ("plain", "serial"):
        medians[name] = min(v for k, v in medians.items() if k.startswith(f"{name},"))
    return medians | {"all": times, "cpu": {name: statistics.median(t) for name, t in cpu.items()}, "all_cpu": cpu}


def cold_cache(scratch):
    """Two sweeps of 4 short runs, each on a new LocalCluster of 2 workers, with a new empty
    NUMBA_CACHE_DIR: the kernels each worker compiled (cache misses) and loaded (hits), and the time."""
    old = os.environ.get("NUMBA_CACHE_DIR")
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(scratch, "numba_cache")
    try:
        sweeps = []
        for k in range(2):
            start = time.perf_counter()
            result = swept(dict(GRID, seed=[0, 1, 2, 3], epochs=20), os.path.join(scratch, f"cold{k}"), n_workers=2)
            sweeps.append({"seconds": time.perf_counter() - start,
                           "workers": [{"compiled": w["compiled"], "loaded": w["loaded"]} for w in result.workers.values()]})
        return sweeps
    finally:
        if old is None:
            del os.environ["NUMBA_CACHE_DIR"]
        else:
            os.environ["NUMBA_CACHE_DIR"] = old


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results"))
    parser.add_argument("--no-cold-cache", action="store_true", help="skip the two sweeps with an empty Numba cache")
    args = parser.parse_args(argv)
    scratch = tempfile.mkdtemp(prefix="nnkern-bench-sweep-")
    load_before, steady_before, creation_before = os.getloadavg(), steadiness(), file_creation(scratch)
    if creation_before > SLOW_FILE_US:
        print(f"note: a new file costs {creation_before:.0f} us of CPU here now (about 5-10 on a quiet disk): files "
              "deleted in the last minutes (a test run, this benchmark's last scratch) slow every file made on a "
              "file system without a journal, the sweep's workers more than the serial loop, whose ratio then reads "
              "low: run it again in a few minutes", file=sys.stderr, flush=True)
    try:
        t = speed(args.epochs, args.repeats, scratch)
        creation_after = file_creation(scratch)
        cold = [] if args.no_cold_cache else cold_cache(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    load_after, steady_after = os.getloadavg(), steadiness()
    n = len(GRID["seed"])
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_1_5_15": {"before": load_before, "after": load_after},
        "steadiness": {"before": steady_before, "after": steady_after},
        "file_creation_us": {"before": creation_before, "after": creation_after},
        "case": f"{n} runs of 2-16-16-1 tanh on spiral (1000 points, 750 trained), {args.epochs} epochs, batch 32, "
                "adam, recorded on a geometric schedule",
        "median_seconds": {k: t[k] for k in ("serial", "sweep, new cluster", "sweep, warm workers", "plain", "startup",
                                             "command, serial", "command, sweep", "processes, 1", "processes, 2")},
        "all_seconds": t["all"],
        "speedup": {
            "new cluster": t["serial"] / t["sweep, new cluster"],
            "new cluster, with its start-up": t["serial"] / (t["sweep, new cluster"] + t["startup"]),
            "warm workers": t["serial"] / t["sweep, warm workers"],
            "command": t["command, serial"] / t["command, sweep"],
            "two processes, no Dask": t["processes, 1"] / t["processes, 2"],
        },
        "per_run_ms": {
            "plain nk.train": 1e3 * t["plain"] / n,
            "recording (serial - plain)": 1e3 * (t["serial"] - t["plain"]) / n,
            "sweep worker time, warm (2 x sweep / runs)": 1e3 * 2 * t["sweep, warm workers"] / n,
            "overhead over plain nk.train, warm workers": 1e3 * (2 * t["sweep, warm workers"] - t["plain"]) / n,
        },
        "per_run_cpu_ms": {
            "plain nk.train": 1e3 * t["cpu"]["plain"] / n,
            "sweep workers, warm": 1e3 * t["cpu"]["workers"] / n,
            "sweep client and scheduler, warm": 1e3 * t["cpu"]["client"] / n,
        },
        "all_cpu_seconds": t["all_cpu"],
        "cold_cache_sweeps": cold,
    }
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"sweep-{args.epochs}-epochs.json").write_text(json.dumps(result, indent=1) + "\n")
    m, x = result["median_seconds"], result["speedup"]
    print(f"{result['case']}\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f}; steadiness "
          f"(see benchmarks.common.steadiness) before {steady_text(steady_before)}, after {steady_text(steady_after)}; "
          f"a new file (see benchmarks.common.file_creation) before {file_text(creation_before)}, after {file_text(creation_after)}")
    print(f"serial {m['serial']:.2f} s; sweep on 2 workers: new cluster {m['sweep, new cluster']:.2f} s "
          f"(+{m['startup']:.2f} s start-up) {x['new cluster']:.2f}x ({x['new cluster, with its start-up']:.2f}x with "
          f"the start-up), warm workers {m['sweep, warm workers']:.2f} s {x['warm workers']:.2f}x")
    print(f"whole command: serial {m['command, serial']:.2f} s, sweep {m['command, sweep']:.2f} s, {x['command']:.2f}x")
    print(f"without Dask: one process {m['processes, 1']:.2f} s, two processes {m['processes, 2']:.2f} s, "
          f"{x['two processes, no Dask']:.2f}x (what this machine allows)")
    print("per run: " + ", ".join(f"{k} {v:.1f} ms" for k, v in result["per_run_ms"].items()))
    print("per run, CPU: " + ", ".join(f"{k} {v:.1f} ms" for k, v in result["per_run_cpu_ms"].items()))
    for k, s in enumerate(cold):
        print(f"new workers, {'empty' if k == 0 else 'filled'} cache: {s['seconds']:.1f} s, "
              + ", ".join(f"worker compiled {w['compiled']} loaded {w['loaded']} kernels" for w in s["workers"]))
    print(f"wrote {out / f'sweep-{args.epochs}-epochs.json'}")


if __name__ == "__main__":
    main()
