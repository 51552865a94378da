"""``sweep``: hand every run of a grid to Dask, one task per run, and keep the sweep's table.

Dask is imported here, inside the functions, so that ``import nnkern`` does not import it.
"""

import contextlib
import os

from . import grid as grids
from . import summary, worker


class SweepResult:
    """What ``sweep`` returns. rows: the summary rows of the grid's runs, in grid order (dicts as
    in summary.csv: settings, status, metrics, seconds, error); trained: how many runs this call
    trained (the others were finished before); workers: {worker address: ``worker.numba_stats()``}."""

    def __init__(self, folder, rows, trained, workers):
        self.folder, self.rows, self.trained, self.workers = folder, rows, trained, workers

    @property
    def failed(self):
        return [r for r in self.rows if r["status"] != "complete"]

    def __repr__(self):
        return (f"SweepResult({self.folder!r}, runs={len(self.rows)}, failed={len(self.failed)}, "
                f"trained={self.trained})")


def sweep(grid, out, *, client=None, scheduler=None, n_workers=None, retry_failed=False, progress=True):
    """Train every run of ``grid`` (see ``nnkern.sweeps.grid.expand``) as one Dask task per run,
    each recorded into its own folder under ``out`` (a local path or an fsspec URL every worker can
    write), and keep ``out``/summary.csv up to date as runs finish.

    Where: ``client`` (a ``distributed.Client``), else ``scheduler`` ("tcp://host:8786"), else
    ``n_workers=0``: one after another in this process, without Dask; else a LocalCluster on
    127.0.0.1 of ``n_workers`` processes (default: one per core), one thread each (Numba's and
    BLAS's too), sharing this process's NUMBA_CACHE_DIR.  Runs finished before (a folder with a
    result) are skipped, failed ones too unless ``retry_failed``; interrupted ones are trained again.  A run
    that diverges or has bad settings is marked failed; the others go on.  Returns a ``SweepResult``.
    """
    try:
        import fsspec.core
    except ImportError as e:
        raise ImportError(f"nk.sweep needs dask and distributed: pip install 'nnkern[sweep]' ({e})") from None
    specs = grids.expand(grid)
    fs, root = fsspec.core.url_to_fs(os.fspath(out))
    fs.makedirs(root, exist_ok=True)
    names = [grids.run_name(s) for s in specs]
    rows = summary.read_results(fs, root)  # every finished run in the folder, this grid's or not
    todo = [(name, spec, fs.unstrip_protocol(f"{root}/{name}")) for name, spec in zip(names, specs)
            if name not in rows or (retry_failed and rows[name]["status"] != "complete")]
    workers = {}
    if todo and n_workers == 0 and client is None and scheduler is None:
        _record(_in_process(todo), len(todo), fs, root, rows, names, progress)
    elif todo:
        with _client(client, scheduler, n_workers) as c:
            _warm_up(c, {spec["dtype"] for _, spec, _ in todo})
            _record(_on_dask(c, todo), len(todo), fs, root, rows, names, progress)
            workers = c.run(worker.numba_stats)
    _write_summary(fs, root, rows, names)
    return SweepResult(fs.unstrip_protocol(root), [rows[n] for n in names], len(todo), workers)


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
        env = {"NUMBA_NUM_THREADS": "1", **{k: os.environ[k] for k in ("NUMBA_CACHE_DIR",) if k in os.environ}}
        with LocalCluster(n_workers=n_workers or os.cpu_count(), threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address="127.0.0.1:0", env=env) as cluster, Client(cluster) as c:
            yield c


def _warm_up(client, dtypes):
    """Have every worker compile the kernels or load them from the on-disk cache before any run:
    all at once when the cache holds them, else one worker first, so that the others load them
    instead of each compiling them too."""
    first = sorted(client.scheduler_info(n_workers=-1)["workers"])[:1]
    if not client.submit(worker.cache_ready, workers=first, pure=False).result():
        client.submit(worker.warm_up, sorted(dtypes), workers=first, pure=False).result()
    client.run(worker.warm_up, sorted(dtypes))


def _on_dask(client, todo):
    """Submit the runs ``todo`` [(name, spec, folder URL)] as tasks; yield (name, spec, row or exception) as
    they finish; cancel what is left on exit (an interrupt)."""
    from distributed import as_completed

    futures = {client.submit(worker.run, spec, folder, key=f"nnkern-run-{name}", pure=False): (name, spec)
               for name, spec, folder in todo}
    try:
        for future in as_completed(futures):
            try:
                yield (*futures[future], future.result())
            except Exception as e:  # the task itself failed: not kept on disk, so a rerun tries again
                yield (*futures[future], e)
    finally:
        client.cancel(list(futures))


def _in_process(todo):
    """The runs ``todo`` one after another in this process (``n_workers=0``), as ``_on_dask`` yields them."""
    for name, spec, folder in todo:
        yield name, spec, worker.run(spec, folder)


def _record(results, total, fs, root, rows, names, progress):
    """Keep each (name, spec, row or exception) of ``results`` in ``rows`` and rewrite the summary,
    under a progress bar of runs done, failed and left."""
    from tqdm.auto import tqdm

    failed = 0
    with tqdm(total=total, unit="run", disable=not progress, dynamic_ncols=True) as bar:
        for name, spec, row in results:
            if isinstance(row, Exception):
                row = dict(spec, status="failed", error=f"{type(row).__name__}: {row}")
            rows[name] = dict(row, name=name)
            failed += row["status"] != "complete"
            _write_summary(fs, root, rows, names)
            done = bar.n + 1
            bar.set_postfix_str(f"done {done - failed}, failed {failed}, left {total - done}", refresh=False)
            bar.update()


def _write_summary(fs, root, rows, names):
    """summary.csv of every run in ``rows``: the grid's (``names``) in grid order, then the others."""
    first = [n for n in names if n in rows]
    summary.write(fs, root, [rows[n] for n in first + sorted(set(rows) - set(first))])
