"""Runs of a sweep, as a worker does them: make the data, train while recording into the run's
folder, then write ``result.json`` (the run's row of the summary) last, so a folder with a result
is a finished run and one without is an interrupted one.  A task (``run_many``) holds several runs,
one after another, each written as it finishes (its result once its recording is, while the next
run trains).

A run that fails for reasons of its own (divergence, bad settings) is a finished run with status
"failed" and its error; anything else (a killed worker, a full disk) raises to the scheduler.
"""

import gc
import json
import os
import shutil
import tempfile
import time
from concurrent.futures import Future

RESULT = "result.json"
#: when a sweep's recordings are flushed to disk (nk.train's ``durable``): "none", as a killed worker
#: keeps every finished file anyway and many short runs would add up their waits for the disk
DURABLE = "none"
#: set in the environment of the workers of a cluster a sweep starts (``dispatch._worker_env``), whose
#: processes run nothing but sweeps' tasks
OWN_WORKER = "NNKERN_SWEEP_WORKER"
_frozen = False  # whether this process froze its objects (see ``task``)
#: kernel modules whose compiled functions a worker reports (see ``numba_stats``)
_KERNEL_MODULES = ("activations", "dense", "losses", "optim", "passes", "replay")


def run_many(runs, durable=DURABLE):
    """``each_run(runs, durable)`` as a list."""
    return list(each_run(runs, durable))


def each_run(runs, durable=DURABLE):
    """Train ``runs`` [(name, spec, folder)] one after another (see ``start``), each run's data made
    once, and yield (name, row or the exception that stopped it) for each in turn, the others going
    on.  A run's end (the rest of its recording written, then its result) comes while the next one
    trains; it is yielded once that one has trained.  A run whose folder holds a result already
    (this task's earlier try, on a worker lost since) is not trained again."""
    data, ending = {}, None  # ending: (name, end) of the run trained last
    for name, spec, folder in runs:
        end = None
        try:
            row = finished(folder)
            if row is None:
                end = start(spec, folder, durable, data)
        except Exception as e:  # not kept on disk: a rerun tries it again
            row = e
        if ending is not None:
            yield _ended(*ending)
        ending = None if end is None else (name, end)
        if end is None:
            yield name, row
    if ending is not None:
        yield _ended(*ending)


def _ended(name, end):
    """(name, the row ``end()`` returns, or the exception it raised)."""
    try:
        return name, end()
    except Exception as e:
        return name, e


def task(runs, durable=DURABLE):
    """A sweep's Dask task: ``run_many(runs, durable)``, this worker's address and its ``numba_stats()``
    (which the sweep then has without another round trip to every worker).

    In a worker of a cluster a sweep started (OWN_WORKER), the objects alive after its first task
    (imports, kernels, Dask's own: some 150,000) are then put out of the garbage collector's reach
    (``gc.freeze``), which its full collections scanned every few runs: 0.2 ms of a worker's CPU
    time a 200-epoch run, 1% of a sweep's time.  Not in other processes, whose objects that became
    garbage in a cycle would stay."""
    global _frozen
    from distributed import get_worker

    rows = run_many(runs, durable)
    if not _frozen and os.environ.get(OWN_WORKER):
        gc.freeze()
        _frozen = True
    return rows, get_worker().address, numba_stats()


def finished(folder):
    """The result (summary row) in ``folder``, or None if it has none or an unreadable one."""
    import fsspec.core

    fs, path = fsspec.core.url_to_fs(folder)
    try:
        with fs.open(f"{path}/{RESULT}", "r") as f:
            return json.load(f)
    except (FileNotFoundError, ValueError):
        return None


def run(spec, folder, durable=DURABLE, data=None):
    """Train the run ``spec`` into ``folder`` and end it (see ``start``); returns its summary row."""
    return start(spec, folder, durable, data)()


def start(spec, folder, durable=DURABLE, data=None):
    """Train the run ``spec`` (see ``grid.DEFAULTS``) into ``folder`` (a local path or fsspec URL,
    replaced if it holds an interrupted run), and write its result as soon as its recording is
    written (on the thread that writes it: ``nk.train`` returns before its last writes end).
    Returns the run's end: a function that waits for the result to be written and returns the
    summary row (a dict), or raises what made a write fail.  data: a dict keeping the data made for
    earlier runs of the same task."""
    import fsspec.core
    from fsspec.implementations.local import LocalFileSystem

    fs, path = fsspec.core.url_to_fs(folder)
    if fs.exists(path):
        fs.rm(path, recursive=True)
    if isinstance(fs, LocalFileSystem):
        row, saved = train_run(spec, path, durable, data)
    else:  # train into a local folder, then copy it over, result last
        local = tempfile.mkdtemp(prefix="nnkern-run-")
        try:
            row, saved = train_run(spec, os.path.join(local, "run"), durable, data)
            if saved is not None:
                saved.result()
            fs.put(os.path.join(local, "run"), path, recursive=True)
        finally:
            shutil.rmtree(local, ignore_errors=True)
    ended = Future()

    def write_result(saved=None):
        try:
            if saved is not None:
                saved.result()  # raises what made a write fail
            with fs.open(f"{path}/.{RESULT}.tmp", "w") as f:  # then renamed: a kill leaves no half-written result
                f.write(json.dumps(row, indent=1))  # one write: json.dump writes each piece (some 70 per row)
            fs.mv(f"{path}/.{RESULT}.tmp", f"{path}/{RESULT}")
            ended.set_result(row)
        except BaseException as e:
            ended.set_exception(e)

    if saved is None:
        write_result()
    else:
        saved.add_done_callback(write_result)  # at once if its writes have ended
    return ended.result


def load_data(spec):
    """(X, y) of the run ``spec``: its "csv:PATH" or "idx:IMAGES,LABELS" files (the first ``n`` rows),
    else the named dataset generated from n, noise and data_seed."""
    import nnkern as nk

    kind, _, where = spec["dataset"].partition(":")
    if kind == "csv":
        X, y = nk.datasets.from_csv(where)
    elif kind == "idx":
        X, y, _ = nk.datasets.load_idx(*where.split(",", 1))
    else:
        return nk.datasets.load(spec["dataset"], n=spec["n"], noise=spec["noise"], seed=spec["data_seed"])
    return X[: spec["n"]], y[: spec["n"]]


def split_data(spec, data=None):
    """(X, y, val) of the run ``spec``: its data (``load_data``) less the validation share, held
    out as val = (X_val, y_val) (None when ``val`` is 0).  data: a dict of the splits made before,
    by data settings; this one is added."""
    import nnkern as nk

    key = tuple(spec[k] for k in ("dataset", "n", "noise", "data_seed", "val"))
    if data is not None and key in data:
        return data[key]
    X, y = load_data(spec)
    val = None
    if spec["val"]:
        X, X_val, y, y_val = nk.datasets.train_test_split(X, y, test_size=spec["val"], seed=spec["data_seed"])
        val = (X_val, y_val)
    if data is not None:
        data[key] = (X, y, val)
    return X, y, val


def train_run(spec, folder=None, durable=DURABLE, data=None):
    """Train the run ``spec``, recording into the local ``folder`` (None: no recording) flushed to
    disk as ``durable`` says; returns its summary row and the future of the end of the recording's
    writes (``TrainResult.saved``; None without).  data: as for ``split_data``."""
    import numpy as np

    import nnkern as nk

    started = time.perf_counter()
    status, error, history, saved = "complete", "", {}, None
    try:
        X, y, val = split_data(spec, data)
        layers = spec["layers"]
        output = spec["output"] or ("sigmoid" if layers[-1] == 1 else "softmax")
        net = nk.MLP(layers, activation=spec["activation"], output=output, seed=spec["seed"], dtype=spec["dtype"])
        run = nk.train(net, X, y, epochs=spec["epochs"], batch_size=spec["batch_size"], optimizer=spec["optimizer"],
                       lr=spec["lr"], weight_decay=spec["weight_decay"], seed=spec["seed"], val=val,
                       record=spec["record"] if folder else None, record_to=folder, record_meta=spec, durable=durable,
                       quiet=True)
        history, saved = run.history, run.saved
    except (nk.TrainingDiverged, ValueError) as e:
        status, error = "failed", f"{type(e).__name__}: {e}"
        if folder and os.path.exists(os.path.join(folder, "header.json")):
            history = nk.Recording.load(folder).history  # the epochs before it failed
    if folder:
        os.makedirs(folder, exist_ok=True)  # a run refused before training has a folder for its result
    last = {k: float(v[-1]) for k, v in history.items() if k != "epoch" and v and np.isfinite(v[-1])}
    row = dict(spec, status=status, epochs_done=len(history.get("epoch", [])), loss=last.get("loss"),
               acc=last.get("acc"), val_loss=last.get("val_loss"), val_acc=last.get("val_acc"),
               seconds=round(time.perf_counter() - started, 4), error=error)
    return row, saved


_WARM = set()  # the dtypes whose kernels this process holds


def warm_up(dtypes):
    """Compile (or load from Numba's on-disk cache) the kernels a run uses, once per worker process:
    a tiny recorded run per dtype not warmed up before. Returns ``numba_stats()``."""
    import numpy as np

    import nnkern as nk

    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    y = np.array([0, 0, 1, 1])
    for dtype in sorted(set(dtypes) - _WARM):
        _WARM.add(dtype)
        with tempfile.TemporaryDirectory() as tmp:
            net = nk.MLP([2, 4, 1], seed=0, dtype=dtype)
            nk.train(net, X, y, epochs=2, batch_size=2, val=(X, y), record=1, record_to=os.path.join(tmp, "r"),
                     durable="none", quiet=True)
            nk.train(net, X, y, epochs=2, batch_size=2, record=1, quiet=True)  # recorded in memory
            nk.Recording.load(os.path.join(tmp, "r"))[1]  # the replay kernel
    return numba_stats()


def pin(cpus, dask_worker=None):
    """Bind every thread of this worker process, and so the threads they start, to the CPU
    ``cpus[its address]`` (Linux: an affinity is each thread's own)."""
    cpu = cpus[dask_worker.address]
    for tid in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(tid), {cpu})
        except ProcessLookupError:  # a thread that ended since
            pass
    return cpu


def cache_ready():
    """Whether Numba's on-disk cache here already holds the training kernel (so that workers can
    all load the kernels at once instead of each compiling them)."""
    from nnkern.kernels import _numba_ext, passes

    return all(_numba_ext.cache_file_exists(fn) for fn in (passes._train_epoch, passes._train_epochs))


def numba_stats():
    """{"pid", "cache_dir", "threads", "compiled", "loaded"}: this process's Numba cache folder and
    threads, and its kernel compilations (cache misses) and loads from the on-disk cache (hits),
    summed over nnkern's compiled kernels."""
    import importlib

    from numba.core.config import CACHE_DIR, NUMBA_NUM_THREADS
    from numba.core.registry import CPUDispatcher

    from nnkern.kernels import _numba_ext

    compiled = loaded = 0
    for name in _KERNEL_MODULES:
        module = importlib.import_module(f"nnkern.kernels.{name}")
        for fn in vars(module).values():
            if isinstance(fn, CPUDispatcher):
                misses, hits = _numba_ext.cache_counts(fn)
                compiled, loaded = compiled + misses, loaded + hits
    return {"pid": os.getpid(), "cache_dir": CACHE_DIR, "threads": NUMBA_NUM_THREADS, "compiled": compiled, "loaded": loaded}
