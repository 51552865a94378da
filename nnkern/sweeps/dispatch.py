"""``sweep``: hand the runs of a grid to Dask, a few runs per task, and keep the sweep's table.

Dask is imported here, inside the functions, so that ``import nnkern`` does not import it.
"""

import contextlib
import math
import os
import time
import uuid

from ..checks import int_in
from ..kernels.team import cpus
from . import grid as grids
from . import summary, worker

#: tasks per worker a sweep aims at, and at most this many runs per task (so that progress and the
#: summary move along in long sweeps, and a worker that finishes early takes another task): each task
#: costs a round trip to the scheduler, during which its worker waits (16 runs on 2 workers: 2 tasks
#: per worker took 8-14% longer than 1)
TASKS_PER_WORKER, MAX_RUNS_PER_TASK = 1, 8
#: summary.csv is rewritten at most this often while runs finish (seconds), and when the sweep ends
SUMMARY_SECONDS = 2.0
#: Dask settings of a LocalCluster the sweep starts: no statistical profiler in the workers (sampling
#: the training thread every 10 ms took about a sixth of a worker's CPU time), and the event loops'
#: periodic checks (loop latency every 20 ms, the nannies' memory every 100 ms, system metrics every
#: 500 ms) made rarer: an idle cluster of 2 workers took 13% of a core, 4% with these
LOCAL_CONFIG = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
                "distributed.worker.memory.monitor-interval": "1s", "distributed.admin.system-monitor.interval": "2s",
                "distributed.admin.system-monitor.disk": False}
#: a sweep's own client sends its messages to the scheduler within this many seconds of the last
#: batch (Dask's default is 10 ms): a sweep started within 10 ms of the end of the one before on the
#: same cluster, whose futures' release had just gone, held its tasks back for the rest of those
#: 10 ms (back-to-back sweeps of the benchmark's 16 runs: 134.7 against 140.1 ms, medians of 32
#: taken in alternation; shorter batches from the scheduler and the workers too gained 1 ms more)
CLIENT_MESSAGE_SECONDS = 0.001


class SweepResult:
    """What ``sweep`` returns. rows: the summary rows of the grid's runs, in grid order (dicts as
    in summary.csv: settings, status, metrics, seconds, error); trained: how many runs this call
    trained (the others were finished before); workers: {worker address: ``worker.numba_stats()``} of
    the workers that trained them, as each last finished a task; startup: seconds this call took to
    start its own local cluster and have its workers find the kernels (None: it started none);
    seconds: the runs it trained, their seconds summed (each run's own time, on whichever worker)."""

    def __init__(self, folder, rows, trained, workers, startup=None, seconds=0.0):
        self.folder, self.rows, self.trained, self.workers = folder, rows, trained, workers
        self.startup, self.seconds = startup, seconds

    @property
    def failed(self):
        return [r for r in self.rows if r["status"] != "complete"]

    @property
    def cluster_cost_more(self):
        """True when this call's own local cluster of W workers cost more time than it could save:
        its runs' seconds in all (T) under startup * W / (W - 1), so one process (``n_workers=0``,
        about T) would have finished before the cluster could (at least startup + T / W)."""
        if self.startup is None:
            return False
        w = max(len(self.workers), 1)
        return w == 1 or self.seconds < self.startup * w / (w - 1)

    def __repr__(self):
        return (f"SweepResult({self.folder!r}, runs={len(self.rows)}, failed={len(self.failed)}, "
                f"trained={self.trained})")


def sweep(grid, out, *, client=None, scheduler=None, n_workers=None, retry_failed=False, durable=worker.DURABLE,
          progress=True):
    """Train every run of ``grid`` (see ``nnkern.sweeps.grid.expand``) on Dask, each recorded into
    its own folder under ``out`` (a local path or an fsspec URL every worker can write), and keep
    ``out``/summary.csv up to date as runs finish.

    Where: ``client`` (a ``distributed.Client``), else ``scheduler`` ("tcp://host:8786"), else
    ``n_workers=0``: one after another in this process, without Dask; else a LocalCluster on
    127.0.0.1 of ``n_workers`` processes (default: one per CPU, each then bound to a CPU of its
    own), one thread each (Numba's and BLAS's too), sharing this process's NUMBA_CACHE_DIR.  Each
    task trains a few runs (about TASKS_PER_WORKER tasks per worker, balanced by the runs' sizes),
    each written as it finishes.
    Runs finished before (a folder with a result) are skipped, failed ones too unless
    ``retry_failed``; interrupted ones are trained again.  A run that diverges or has bad settings
    is marked failed; the others go on.  durable: when each recording is flushed to disk (as for
    nk.train; "none": by the OS, which a killed worker or sweep does not stop).  Returns a ``SweepResult``.
    """
    try:
        import fsspec.core
    except ImportError as e:
        raise ImportError(f"nk.sweep needs dask and distributed: pip install 'nnkern[sweep]' ({e})") from None
    if n_workers is not None:
        n_workers = int_in(n_workers, "n_workers", 0)
    specs = grids.expand(grid)
    fs, root = fsspec.core.url_to_fs(os.fspath(out))
    fs.makedirs(root, exist_ok=True)
    names = [grids.run_name(s) for s in specs]
    rows = summary.read_results(fs, root)  # every finished run in the folder, this grid's or not
    todo = [(name, spec, fs.unstrip_protocol(f"{root}/{name}")) for name, spec in zip(names, specs)
            if name not in rows or (retry_failed and rows[name]["status"] != "complete")]
    workers, startup = {}, None
    try:
        if todo and n_workers == 0 and client is None and scheduler is None:
            _record(_in_process(todo, durable), len(todo), fs, root, rows, names, progress)
        elif todo:
            started = time.perf_counter()
            with _client(client, scheduler, n_workers) as c:
                addresses = _addresses(c)
                _warm_up(c, addresses, {spec["dtype"] for _, spec, _ in todo})
                if client is None and scheduler is None:
                    startup = time.perf_counter() - started
                _record(_on_dask(c, todo, durable, len(addresses), workers), len(todo), fs, root, rows, names, progress)
    except BaseException:  # interrupted: the runs finished on workers but not reported yet are on disk
        rows.update(summary.read_results(fs, root))
        raise
    finally:
        _write_summary(fs, root, rows, names)
    seconds = sum(rows[name].get("seconds") or 0.0 for name, _, _ in todo if name in rows)
    return SweepResult(fs.unstrip_protocol(root), [rows[n] for n in names], len(todo), workers, startup, seconds)


@contextlib.contextmanager
def _client(client, scheduler, n_workers):
    """The given client, or one to ``scheduler``, or to a new LocalCluster (closed on exit)."""
    from distributed import Client, LocalCluster

    if client is not None:
        yield client
    elif scheduler is not None:
        with Client(scheduler, timeout="20s") as c:
            yield c
    else:
        import dask

        # the workers' environment from their start: a worker imports the client's main module (and
        # with it Numba) before Dask hands it ``env``; Dask's own periodic work made rarer (LOCAL_CONFIG)
        n_workers = n_workers or len(cpus())
        with _environ(_worker_env()), dask.config.set(LOCAL_CONFIG):
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address="127.0.0.1:0", env=_worker_env())
        with cluster, Client(cluster, direct_to_workers=True) as c:
            _send_promptly(c)
            if n_workers == len(cpus()):
                _pin_workers(c)
            yield c


def _send_promptly(client):
    """Have ``client`` batch its messages for at most CLIENT_MESSAGE_SECONDS (where its Dask keeps
    them in a batched stream with an ``interval``, as distributed's ``BatchedSend`` does; otherwise
    Dask's own interval stays)."""
    comm = getattr(client, "scheduler_comm", None)
    if hasattr(comm, "interval"):
        comm.interval = CLIENT_MESSAGE_SECONDS


def _addresses(client):
    """The sorted addresses of ``client``'s workers: from the copy a cluster object (a LocalCluster)
    keeps up to date (asking the scheduler took 1.4 ms) once it lists every worker the cluster
    started (it follows the scheduler a moment late), else from the scheduler."""
    cluster = client.cluster
    known = cluster.scheduler_info["workers"] if cluster is not None else {}
    if not known or len(known) < len(getattr(cluster, "workers", ())):
        known = client.scheduler_info(n_workers=-1)["workers"]
    return sorted(known)


def _pin_workers(client):
    """Bind each worker of ``client`` (one per CPU this process may use) to a CPU of its own, in
    the order of their addresses, where the OS allows (Linux): two unbound processes training
    side by side on this 2-core machine ran 5-9% slower each than two bound ones (the OS moving
    them between the cores, each move leaving its caches behind)."""
    if not hasattr(os, "sched_setaffinity"):
        return
    try:
        client.run(worker.pin, dict(zip(_addresses(client), cpus())))
    except OSError:  # not allowed here: the workers stay where the OS puts them
        pass


def _worker_env():
    """Environment variables of a local cluster's workers: Numba on one thread, this process's Numba
    cache, and the mark of a sweep's own worker (``worker.OWN_WORKER``)."""
    return {"NUMBA_NUM_THREADS": "1", worker.OWN_WORKER: "1",
            **{k: os.environ[k] for k in ("NUMBA_CACHE_DIR",) if k in os.environ}}


@contextlib.contextmanager
def _environ(values):
    """os.environ with ``values`` set, as it was again on exit."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


#: (scheduler, worker addresses) whose workers all found the kernels in Numba's cache, or compiled
#: them since: their processes hold the kernels now, so a later sweep on them need not ask again
_READY = set()


def _warm_up(client, addresses, dtypes):
    """Make sure Numba's on-disk cache holds the kernels before any run: every worker (of
    ``addresses``) looks (each importing the kernels, as its first run would), and when one finds it
    empty, one worker compiles them first, so that the others load them (as their runs need them)
    instead of each compiling them too."""
    key = (client.scheduler.address, tuple(addresses))
    if key in _READY:
        return
    if not all(client.run(worker.cache_ready).values()):
        client.submit(worker.warm_up, sorted(dtypes), workers=addresses[:1], pure=False).result()
    _READY.add(key)


def batches(todo, n_workers):
    """``todo`` [(name, spec, folder)] dealt into tasks: about TASKS_PER_WORKER per worker and at
    most MAX_RUNS_PER_TASK runs each, the biggest runs first, each to the task with the least work
    so far (a run's work: epochs x samples x parameters)."""
    n_tasks = min(len(todo), max(TASKS_PER_WORKER * max(n_workers, 1), math.ceil(len(todo) / MAX_RUNS_PER_TASK)))
    tasks, work = [[] for _ in range(n_tasks)], [0.0] * n_tasks
    for item in sorted(todo, key=_work, reverse=True):
        k = work.index(min(work))
        tasks[k].append(item)
        work[k] += _work(item)
    return [t for t in tasks if t]


def _work(item):
    spec = item[1]
    sizes = spec["layers"]
    return spec["epochs"] * (spec["n"] or 1000) * sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))


def _on_dask(client, todo, durable, n_workers, workers):
    """Submit the runs ``todo`` [(name, spec, folder URL)] as tasks of a few runs each (for
    ``n_workers`` workers); yield (name, spec, row or exception) as the tasks finish, keeping each
    task's worker's ``numba_stats`` in ``workers``; cancel what is left on exit (an interrupt)."""
    from distributed import as_completed

    specs = {name: spec for name, spec, _ in todo}
    # keys unique to this call: a task of a later sweep of the same runs (into another folder, on the
    # same client) under the key of one this call cancels on exit would be cancelled with it
    call = uuid.uuid4().hex
    futures = {client.submit(worker.task, task, durable, key=f"nnkern-runs-{task[0][0]}-{call}", pure=False): task
               for task in batches(todo, n_workers)}
    try:
        for future in as_completed(futures):
            try:
                done, address, stats = future.result()
                workers[address] = stats
            except Exception as e:  # the task itself failed (a killed worker): its unfinished runs are not kept
                finished = summary.read_results(*_fs_root(futures[future]))
                done = [(name, finished.get(name, e)) for name, _, _ in futures[future]]
            for name, row in done:
                yield name, specs[name], row
    finally:
        left = [f for f in futures if not f.done()]
        if left:
            client.cancel(left)


def _fs_root(task):
    """(filesystem, folder) holding the runs of ``task``."""
    import fsspec.core

    fs, path = fsspec.core.url_to_fs(task[0][2])
    return fs, path.rstrip("/").rsplit("/", 1)[0]


def _in_process(todo, durable):
    """The runs ``todo`` one after another in this process (``n_workers=0``), as ``_on_dask`` yields them."""
    specs = {name: spec for name, spec, _ in todo}
    for name, row in worker.each_run(todo, durable):
        yield name, specs[name], row


def _record(results, total, fs, root, rows, names, progress):
    """Keep each (name, spec, row or exception) of ``results`` in ``rows``, rewriting the summary at
    most every SUMMARY_SECONDS, under a progress bar of runs done, failed and left."""
    from tqdm.auto import tqdm

    failed, written = 0, time.monotonic()
    with tqdm(total=total, unit="run", disable=not progress, dynamic_ncols=True) as bar:
        for name, spec, row in results:
            if isinstance(row, Exception):
                row = dict(spec, status="failed", error=f"{type(row).__name__}: {row}")
            rows[name] = dict(row, name=name)
            failed += row["status"] != "complete"
            if time.monotonic() - written > SUMMARY_SECONDS:
                _write_summary(fs, root, rows, names)
                written = time.monotonic()
            done = bar.n + 1
            bar.set_postfix_str(f"done {done - failed}, failed {failed}, left {total - done}", refresh=False)
            bar.update()


def _write_summary(fs, root, rows, names):
    """summary.csv of every run in ``rows``: the grid's (``names``) in grid order, then the others."""
    first = [n for n in names if n in rows]
    summary.write(fs, root, [rows[n] for n in first + sorted(set(rows) - set(first))])
