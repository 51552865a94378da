"""Sweeps on Dask: a LocalCluster of 2 workers on 127.0.0.1, and a real ``dask scheduler`` with two
``dask worker`` processes on loopback; failures, a killed sweep and its rerun, the summary against
the recordings on disk, and the Numba cache shared by the workers."""

import csv
import json
import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

import nnkern as nk  # noqa: E402
from nnkern.cli import main  # noqa: E402
from nnkern.sweeps import grid as grids  # noqa: E402
from dask_cluster import LOOPBACK, loopback_cluster  # noqa: E402

TINY = dict(dataset="xor", n=64, layers=[[2, 4, 1], [2, 6, 1]], epochs=5, batch_size=16, seed=[0, 1])


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of 2 worker processes on 127.0.0.1, one thread each; closed after the module."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=LOOPBACK) as cluster:
        with distributed.Client(cluster) as c:
            yield c


def test_grid_is_the_product_of_its_lists_with_stable_names():
    runs = grids.expand(dict(TINY, lr=[0.01, 0.1]))
    assert len(runs) == 2 * 2 * 2
    assert {r["lr"] for r in runs} == {0.01, 0.1} and all(r["epochs"] == 5 for r in runs)
    assert [grids.run_name(r) for r in runs] == [grids.run_name(r) for r in grids.expand(dict(TINY, lr=[0.01, 0.1]))]
    assert len({grids.run_name(r) for r in runs}) == 8
    one = grids.expand(dict(TINY, layers=[2, 4, 1], seed=0, lr=1))  # one architecture; ints and floats alike
    assert len(one) == 1 and one[0]["layers"] == [2, 4, 1] and one[0]["lr"] == 1.0
    assert grids.run_name(one[0]) == grids.run_name(grids.expand(dict(TINY, layers=[2, 4, 1], seed=0, lr=1.0))[0])
    assert len(grids.expand([dict(TINY, lr=0.1), dict(TINY, lr=[0.1, 0.2])])) == 8  # a union without repeats


@pytest.mark.parametrize("bad, message", [
    (dict(TINY, learning_rate=0.1), "unknown sweep setting(s) 'learning_rate'"),
    (dict(TINY, lr="fast"), "'lr' must be a number"),
    (dict(TINY, epochs=[5, 2.5]), "'epochs' must be an integer"),
    (dict(TINY, layers=None), "a sweep needs layers"),
    (dict(TINY, seed=[]), "'seed' is an empty list"),
    ([], "must be a dict of settings"),
])
def test_a_bad_grid_names_its_problem(tmp_path, bad, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        nk.sweep(bad, tmp_path / "sweep")
    assert not (tmp_path / "sweep").exists()


@pytest.mark.parametrize("n_workers", [-2, 1.5, "2"])
def test_a_bad_worker_count_is_refused_before_anything_starts(tmp_path, n_workers):
    with pytest.raises(ValueError, match=f"n_workers must be an integer >= 0; got {n_workers!r}"):
        nk.sweep(dict(TINY, seed=0), tmp_path / "sweep", n_workers=n_workers, progress=False)
    assert not (tmp_path / "sweep").exists()


def test_workers_addresses_come_from_the_cluster_objects_copy_only_once_it_lists_every_worker():
    from types import SimpleNamespace

    from nnkern.sweeps import dispatch

    asked = []

    def scheduler_info(n_workers):
        asked.append(n_workers)
        return {"workers": {"tcp://b": {}, "tcp://a": {}}}

    lagging = SimpleNamespace(scheduler_info={"workers": {"tcp://b": {}}}, workers={0: None, 1: None})
    client = SimpleNamespace(cluster=lagging, scheduler_info=scheduler_info)
    assert dispatch._addresses(client) == ["tcp://a", "tcp://b"] and asked == [-1]  # asked the scheduler
    lagging.scheduler_info["workers"]["tcp://a"] = {}
    assert dispatch._addresses(client) == ["tcp://a", "tcp://b"] and asked == [-1]  # the copy, no round trip
    assert dispatch._addresses(SimpleNamespace(cluster=None, scheduler_info=scheduler_info)) == ["tcp://a", "tcp://b"]
    assert asked == [-1, -1]


def test_import_nnkern_does_not_import_dask():
    code = "import sys, nnkern; print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'fsspec')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_n_workers_0_trains_in_this_process_without_a_cluster(tmp_path):
    result = nk.sweep(TINY, tmp_path / "sweep", n_workers=0, progress=False)
    assert result.trained == 4 and result.workers == {} and not result.failed
    assert [nk.Recording.load(tmp_path / "sweep" / r["name"]).complete for r in result.rows] == [True] * 4
    assert set(_csv_rows(tmp_path / "sweep")) == {r["name"] for r in result.rows}
    data = {os.stat(tmp_path / "sweep" / r["name"] / "data.npz").st_ino for r in result.rows}
    assert len(data) == 1  # the runs' data, the same for all, is on disk once


def _csv_rows(folder):
    with open(folder / "summary.csv") as f:
        return {row["name"]: row for row in csv.DictReader(f)}


def test_failing_runs_are_reported_the_rest_complete_and_the_summary_matches_the_recordings(tmp_path, client):
    out = tmp_path / "sweep"
    good = dict(TINY, lr=0.05, val=0.25)
    diverging = dict(good, layers=[2, 4, 1], activation="relu", output="identity", optimizer="sgd", lr=1e6)
    bad = dict(good, layers=[3, 4, 1])  # 3 inputs for 2-D data
    result = nk.sweep([good, diverging, bad], out, client=client, progress=False)
    status = {r["name"]: r["status"] for r in result.rows}
    assert len(status) == 4 + 2 + 2 and result.trained == 8
    assert sum(s == "failed" for s in status.values()) == 4
    for r in result.failed:
        if r["layers"][0] == 2:
            assert r["error"].startswith("TrainingDiverged: loss became NaN")
        else:
            assert "X has shape (48, 2); expected (n_samples, 3)" in r["error"]

    import gc

    assert set(client.run(gc.get_freeze_count).values()) == {0}  # not a sweep's own workers: nothing frozen
    table = _csv_rows(out)
    assert set(table) == set(status) == {p.name for p in out.iterdir() if p.is_dir()}
    data = {os.stat(p).st_ino for p in out.glob("*/data.npz")}
    assert len(list(out.glob("*/data.npz"))) == 6 and len(data) <= 2  # a copy per worker at most
    for name, row in table.items():
        assert row["status"] == status[name]
        folder = out / name
        if row["layers"].startswith("3-"):  # refused before training: no recording, just the result
            assert not (folder / "header.json").exists() and row["epochs_done"] == "0"
            continue
        rec = nk.Recording.load(folder)
        assert rec.complete == (row["status"] == "complete")
        result = json.loads((folder / "result.json").read_text())
        assert rec.header["meta"] == {k: result[k] for k in grids.DEFAULTS}  # the settings it was trained with
        assert row["layers"] == "-".join(map(str, rec.header["model"]["sizes"]))
        assert float(row["lr"]) == rec.header["optimizer"]["lr"] and int(row["seed"]) == rec.header["model"]["seed"]
        assert int(row["epochs_done"]) == len(rec.history.get("epoch", []))
        for metric in ("loss", "acc", "val_loss", "val_acc"):
            values = rec.history.get(metric, [])
            finite = [v for v in values if math.isfinite(v)]
            if finite and row["status"] == "complete":
                assert float(row[metric]) == pytest.approx(finite[-1], rel=1e-12)
        if row["status"] == "complete":
            assert float(row["val_acc"]) == pytest.approx(
                np.mean(rec.model_at(len(rec) - 1).predict(rec.val_data[0]) == rec.val_data[1]))


def test_the_same_runs_swept_again_on_one_client_into_another_folder_all_complete(tmp_path):
    """Back to back on one client (as a script or the benchmark does; here the cluster nk.sweep
    starts itself, whose event loops tick once a second): the second sweep's tasks are not the
    first's, so the first's clean-up cannot cancel them (it did, now and then: every run failed
    with FutureCancelledError)."""
    from nnkern.sweeps import dispatch

    runs = dict(TINY, layers=[2, 6, 1], seed=list(range(8)), epochs=100)
    with dispatch._client(None, None, 2) as client:
        for k in range(12):
            result = nk.sweep(runs, tmp_path / f"again{k}", client=client, progress=False)
            assert result.trained == 8 and not result.failed, [r["error"] for r in result.failed]


def test_new_worker_processes_load_the_kernels_from_the_shared_cache(tmp_path, client):
    nk.sweep(dict(TINY, seed=0), tmp_path / "first", client=client, progress=False)  # the cache is filled by now
    assert os.environ.get("NUMBA_CACHE_DIR")  # set as the brief says; workers inherit it
    second = nk.sweep(dict(TINY, seed=[2, 3]), tmp_path / "second", n_workers=2, progress=False)  # a new LocalCluster
    assert len(second.workers) == 2
    for stats in second.workers.values():
        assert stats["cache_dir"] == os.environ["NUMBA_CACHE_DIR"]
        assert stats["compiled"] == 0 and stats["loaded"] > 0, stats
    assert len({s["pid"] for s in second.workers.values()} | {os.getpid()}) == 3


def _periodic(dask_worker=None, dask_scheduler=None):
    """{name: milliseconds} of a Dask server's periodic callbacks (run on a worker or the scheduler)."""
    return {k: v.callback_time for k, v in (dask_worker or dask_scheduler).periodic_callbacks.items()}


def test_a_sweeps_own_cluster_checks_its_event_loops_rarely_and_profiles_nothing(tmp_path):
    """The LocalCluster nk.sweep starts runs Dask's periodic checks at LOCAL_CONFIG's intervals in its
    scheduler, nannies and workers (loop latency every 1 s, not 20 ms; system metrics every 2 s;
    memory every 1 s), with no statistical profiler in the workers; its client batches its messages
    for 1 ms, not Dask's 10; this process's settings stay.  Its workers put the objects alive after
    their first task out of the garbage collector's reach, once."""
    import gc

    import dask

    from nnkern.sweeps import dispatch

    before = dask.config.get("distributed.admin.tick.interval")
    with dispatch._client(None, None, 2) as c:
        workers = list(c.run(_periodic).values())
        nannies = [_periodic(n) for n in c.cluster.workers.values()]
        everyone = workers + nannies + [c.run_on_scheduler(_periodic)]
        assert c.scheduler_comm.interval == dispatch.CLIENT_MESSAGE_SECONDS == 0.001
        assert set(c.run(gc.get_freeze_count).values()) == {0}
        for k in range(2):
            nk.sweep(dict(TINY, seed=[k]), tmp_path / str(k), client=c, progress=False)
            frozen = c.run(gc.get_freeze_count)
            assert all(n > 10_000 for n in frozen.values()), frozen  # imports, kernels, Dask's objects
            # once: after the next task only fewer (some freed), not the objects made since
            assert k == 0 or all(frozen[a] <= first[a] for a in frozen), (first, frozen)
            first = frozen
    assert len(workers) == len(nannies) == 2
    assert all(p["tick"] == 1000 and p["monitor"] == 2000 for p in everyone), everyone
    assert all(p["memory_monitor"] == 1000 and "profile" not in p for p in workers + nannies), everyone
    assert dask.config.get("distributed.admin.tick.interval") == before


def _affinities():
    """The CPUs each thread of this process may run on, and those of a thread started now."""
    import threading

    tids = os.listdir("/proc/self/task")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(os.sched_getaffinity(0)))
    thread.start()
    thread.join()
    return {frozenset(os.sched_getaffinity(int(t))) for t in tids}, seen[0]


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs Linux and two CPUs")
def test_a_sweeps_own_cluster_of_one_worker_per_cpu_binds_each_to_a_cpu_of_its_own():
    """Every thread of each worker, and the threads a task starts, run on that worker's CPU alone,
    a different one for each; a cluster of fewer workers than CPUs is left to the OS."""
    from nnkern.sweeps import dispatch

    cpus = sorted(os.sched_getaffinity(0))
    with dispatch._client(None, None, None) as c:
        bound = list(c.run(_affinities).values())
        started = c.gather(c.map(lambda _: _affinities()[1], range(4), pure=False))  # threads tasks start
    own = [min(new) for _, new in bound]
    assert sorted(own) == cpus, bound
    assert all(threads == {frozenset([cpu])} and new == {cpu} for (threads, new), cpu in zip(bound, own)), bound
    assert all(len(new) == 1 for new in started), started
    with dispatch._client(None, None, len(cpus) - 1) as c:
        free = list(c.run(_affinities).values())
    assert all(threads == {frozenset(cpus)} and new == set(cpus) for threads, new in free), free


def _folders(out):
    """(finished: {name: result.json bytes and mtime}, interrupted: names with a header but no result)."""
    done, started = {}, set()
    for p in out.iterdir() if out.exists() else ():
        if (p / "result.json").exists():
            done[p.name] = ((p / "result.json").read_bytes(), (p / "result.json").stat().st_mtime_ns)
        elif (p / "header.json").exists():
            started.add(p.name)
    return done, started


def test_a_rerun_after_a_killed_sweep_skips_finished_runs_and_retrains_the_rest(tmp_path, client):
    out = tmp_path / "sweep"
    argv = ["sweep", "--dataset", "spiral", "--n", "1000", "--layers", "2,16,16,1", "--lr", "0.01", "--seeds", "0-5",
            "--epochs", "150", "--record", "every:1", "--workers", "2", "--out", str(out), "--quiet"]
    proc = subprocess.Popen([sys.executable, "-m", "nnkern", *argv], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not all(_folders(out)) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the client, its scheduler and worker processes, mid-sweep
        proc.wait()
    killed = time.time_ns()
    done, interrupted = _folders(out)  # interrupted: started, no result (its recording may have just ended)
    assert done and interrupted, "the sweep was not caught mid-way"
    for name in list(done)[:1]:  # a result cut off by a kill (as a non-atomic write would leave it) counts as unfinished
        (out / name / "result.json").write_text('{"status": "comp')
        interrupted.add(name)
        del done[name]

    grid = dict(dataset="spiral", n=1000, layers=[2, 16, 16, 1], lr=0.01, seed=[0, 1, 2, 3, 4, 5, 6], epochs=150, record=1)
    result = nk.sweep(grid, out, client=client, progress=False)  # one seed more than the killed sweep
    assert result.trained == 7 - len(done)
    assert all(r["status"] == "complete" for r in result.rows) and len(result.rows) == 7
    after, _ = _folders(out)
    for name, (text, mtime) in done.items():
        assert after[name] == (text, mtime)  # not trained again
    for name in interrupted:  # trained again, from the start
        assert after[name][1] > killed and nk.Recording.load(out / name).complete
    assert set(_csv_rows(out)) == set(after)


def test_an_fsspec_url_gets_every_run_and_the_summary():
    fsspec = pytest.importorskip("fsspec")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=LOOPBACK) as c:
        result = nk.sweep(dict(TINY, seed=0), "memory://nnkern-sweep", client=c, progress=False)
    fs = fsspec.filesystem("memory")
    try:
        assert result.folder == "memory:///nnkern-sweep" or result.folder.endswith("nnkern-sweep")
        for row in result.rows:
            assert row["status"] == "complete"
            files = {p.rsplit("/", 1)[-1] for p in fs.ls(f"/nnkern-sweep/{row['name']}", detail=False)}
            assert {"header.json", "data.npz", "history.jsonl", "result.json", "chunk-000000.npz"} <= files
        with fs.open("/nnkern-sweep/summary.csv") as f:
            assert len(f.read().decode().splitlines()) == 1 + 2
    finally:
        fs.rm("/nnkern-sweep", recursive=True)


def test_a_sweep_through_a_dask_scheduler_and_two_workers_on_loopback(tmp_path, capsys):
    with loopback_cluster(tmp_path) as address:
        out = tmp_path / "sweep"
        argv = ["sweep", "--dataset", "xor", "--n", "64", "--layers", "2,4,1", "--lr", "0.01,0.1", "--seeds", "0-1",
                "--epochs", "5", "--scheduler", address, "--out", str(out), "--quiet"]
        assert main(argv) == 0
        printed = capsys.readouterr().out
        assert "4 runs, 0 finished before, 0 failed" in printed and "best 4 of 4 runs" in printed
        rows = _csv_rows(out)
        assert len(rows) == 4 and all(r["status"] == "complete" for r in rows.values())
        assert all(nk.Recording.load(out / name).complete for name in rows)
        assert main(argv) == 0 and "4 runs, 4 finished before" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["sweep", "--out", "{tmp}/s"], "needs --layers and --out"),
    (["sweep", "--summary", "{tmp}"], "no sweep summary here"),
    (["sweep", "--layers", "2,4,1", "--seeds", "a-b", "--out", "{tmp}/s"], "FIRST-LAST"),
    (["sweep", "--layers", "2,4,1", "--lr", "0.1,x", "--out", "{tmp}/s"], "expected a comma list of numbers"),
])
def test_sweep_cli_bad_arguments_get_one_line_and_status_2(tmp_path, capsys, argv, message):
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnkern: error:") and message in err and err.count("\n") == 1


def test_the_users_csv_and_idx_files_are_swept_through_the_cli(tmp_path, capsys):
    from idx_files import fashion_pair

    X, y = nk.datasets.load("xor", n=80, seed=3)
    points = tmp_path / "my points.csv"
    np.savetxt(points, np.c_[X, y], delimiter=",", header="x1,x2,label", comments="", fmt=["%.6f", "%.6f", "%d"])
    common = ["--epochs", "3", "--batch-size", "16", "--workers", "0", "--quiet"]
    assert main(["sweep", "--csv", str(points), "--layers", "2,4,1", "--lr", "0.01,0.1", *common,
                 "--out", str(tmp_path / "csv")]) == 0
    rows = _csv_rows(tmp_path / "csv")
    assert len(rows) == 2 and all(name.startswith("my-points_2-4-1_") for name in rows)
    for name in rows:  # each run trained on exactly the file's points
        X_run, y_run = nk.Recording.load(tmp_path / "csv" / name).data
        assert len(X_run) + round(0.25 * len(X)) == len(X) and set(y_run.tolist()) <= {0, 1}

    images, labels, *_ = fashion_pair(tmp_path, n=40, side=6, gz=True)
    assert main(["sweep", "--idx", str(images), str(labels), "--n", "32", "--layers", "36,8,10", *common,
                 "--out", str(tmp_path / "idx")]) == 0
    (name,) = _csv_rows(tmp_path / "idx")
    rec = nk.Recording.load(tmp_path / "idx" / name)
    assert rec.complete and rec.header["model"]["sizes"] == [36, 8, 10] and len(rec.data[0]) == 24


def test_tasks_share_the_work_evenly_biggest_runs_first():
    from nnkern.sweeps import dispatch

    specs = grids.expand(dict(TINY, layers=[[2, 64, 1], [2, 4, 1]], epochs=[5, 50], seed=[0, 1, 2]))
    todo = [(grids.run_name(s), s, f"out/{grids.run_name(s)}") for s in specs]
    tasks = dispatch.batches(todo, n_workers=2)
    assert len(tasks) == 2 * dispatch.TASKS_PER_WORKER and sorted(n for t in tasks for n, _, _ in t) == sorted(n for n, _, _ in todo)
    work = [sum(dispatch._work(item) for item in t) for t in tasks]
    assert max(work) - min(work) <= max(dispatch._work(item) for item in todo)  # no task a whole run behind
    assert all(t[0][1]["layers"] == [2, 64, 1] and t[0][1]["epochs"] == 50 for t in tasks[:3])  # the biggest first
    many = dispatch.batches(todo * 10, n_workers=2)
    assert max(map(len, many)) <= dispatch.MAX_RUNS_PER_TASK and len(dispatch.batches(todo[:1], 2)) == 1


def test_a_task_tried_again_keeps_the_runs_it_finished_before(tmp_path):
    """Dask runs a lost worker's task again elsewhere: runs of it with a result are not retrained."""
    from nnkern.sweeps import worker

    specs = grids.expand(dict(TINY, layers=[2, 4, 1]))
    runs = [(grids.run_name(s), s, str(tmp_path / grids.run_name(s))) for s in specs]
    first = worker.run_many(runs[:1])
    result = tmp_path / runs[0][0] / "result.json"
    before = (result.read_bytes(), result.stat().st_mtime_ns)
    again = worker.run_many(runs)
    assert (result.read_bytes(), result.stat().st_mtime_ns) == before
    assert again[0] == first[0] and [row["status"] for _, row in again] == ["complete"] * 2
    assert nk.Recording.load(runs[1][2]).complete


def test_a_runs_result_comes_once_its_recording_is_written_while_the_next_run_trains(tmp_path, monkeypatch):
    """With the recording's last writes slowed down, each run's result is written after its
    recording is complete, the first after the second run started training (not before, waiting);
    a write that fails makes that run's error, the others complete."""
    from nnkern.record import recorder
    from nnkern.sweeps import worker

    specs = grids.expand(dict(TINY, layers=[2, 4, 1], seed=[0, 1, 2]))
    runs = [(grids.run_name(s), s, str(tmp_path / grids.run_name(s))) for s in specs]
    real_end, real_train = recorder._FolderSink._end, worker.train_run
    started = []

    def slow_end(sink, complete):
        time.sleep(0.2)
        if sink.folder.endswith(runs[2][0]):
            raise OSError("disk full")
        return real_end(sink, complete)

    monkeypatch.setattr(recorder._FolderSink, "_end", slow_end)
    monkeypatch.setattr(worker, "train_run", lambda *a: started.append(time.time_ns()) or real_train(*a))
    done = worker.run_many(runs)
    assert [name for name, _ in done] == [name for name, _, _ in runs]
    for name, row in done[:2]:
        result = tmp_path / name / "result.json"
        assert row["status"] == "complete" and json.loads(result.read_text()) == row
        assert nk.Recording.load(tmp_path / name).complete
    assert (tmp_path / runs[0][0] / "result.json").stat().st_mtime_ns > started[1]  # the second run was training
    assert isinstance(done[2][1], OSError) and not (tmp_path / runs[2][0] / "result.json").exists()


SCRIPT = """
import os, sys
import nnkern as nk  # as a user's script: Dask's workers import this module, and Numba with it, first

if __name__ == "__main__":
    os.environ["NUMBA_CACHE_DIR"] = sys.argv[2]  # after Numba read it here
    result = nk.sweep(dict(dataset="xor", n=64, layers=[2, 4, 1], epochs=2, seed=[0, 1]), sys.argv[1], n_workers=2,
                      progress=False)
    print(sorted((w["threads"], w["cache_dir"], w["compiled"]) for w in result.workers.values()))
    print(os.environ.get("NUMBA_NUM_THREADS"))
"""


def test_a_scripts_local_workers_get_one_numba_thread_and_its_numba_cache(tmp_path):
    """Workers import the script's main module, and Numba with it, before Dask passes them their
    environment: the local cluster's workers start with it instead. The script's own is left as it was."""
    script = tmp_path / "my_sweep.py"
    script.write_text(SCRIPT)
    cache = os.environ["NUMBA_CACHE_DIR"]
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_NUM_THREADS"}
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "sweep"), cache], env=dict(env, NUMBA_CACHE_DIR="/nonexistent"),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    workers, numba_threads = done.stdout.splitlines()[-2:]
    assert workers == str([(1, cache, 0), (1, cache, 0)]) and numba_threads == "None"


def test_a_cluster_that_cost_more_than_it_saved_is_pointed_out(tmp_path, capsys, client):
    """A sweep whose own local cluster took longer to start than its workers could save says so
    (the CLI suggests --workers 0); one on a given client started nothing, so it says nothing."""
    from nnkern.sweeps.dispatch import SweepResult

    two = {"tcp://a": {}, "tcp://b": {}}
    assert SweepResult("f", [], 4, two, startup=1.0, seconds=1.9).cluster_cost_more  # 1.0 + 1.9 / 2 > 1.9
    assert not SweepResult("f", [], 4, two, startup=1.0, seconds=2.1).cluster_cost_more  # 1.0 + 2.1 / 2 < 2.1
    assert SweepResult("f", [], 1, {"tcp://a": {}}, startup=0.1, seconds=60.0).cluster_cost_more  # one worker saves nothing
    assert not SweepResult("f", [], 4, two, startup=None, seconds=0.1).cluster_cost_more

    given = nk.sweep(TINY, tmp_path / "given", client=client, progress=False)
    assert given.startup is None and not given.cluster_cost_more
    rows = given.rows
    assert given.seconds == pytest.approx(sum(r["seconds"] for r in rows)) and given.seconds > 0

    assert main(["sweep", "--dataset", "xor", "--n", "64", "--layers", "2,4,1", "--epochs", "5", "--batch-size", "16",
                 "--seeds", "0-1", "--workers", "2", "--quiet", "--out", str(tmp_path / "own")]) == 0
    err = capsys.readouterr().err
    assert "nnkern: note: starting the local cluster took" in err and "--workers 0 (one process, no Dask) is faster" in err
