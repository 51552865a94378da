"""Recordings: schedules, what a snapshot holds, interpolation, save/load, damaged folders, a killed run."""

import functools
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from concurrent.futures import Future

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnkern as nk
from nnkern.record import recorder, schedules, storage
from nnkern.kernels import epoch_args, reference
from nnkern.kernels.codes import ADAM

EPOCHS, BATCH = 3, 16  # 64 samples: 4 steps per epoch, 12 steps


@pytest.fixture(scope="module")
def data():
    return nk.datasets.load("xor", n=64, noise=0.05, seed=1)


def fresh_net():
    return nk.MLP([2, 5, 3, 1], activation="tanh", output="sigmoid", seed=3, dtype="float64")


@pytest.fixture(scope="module")
def run(data):
    return nk.train(fresh_net(), *data, epochs=EPOCHS, batch_size=BATCH, lr=0.05, quiet=True, record=1)


def assert_same_recording(a, b):
    assert len(a) == len(b) and a.complete == b.complete
    np.testing.assert_array_equal(a.steps, b.steps)
    np.testing.assert_array_equal(a.epochs, b.epochs)
    np.testing.assert_array_equal(a.losses, b.losses)
    for field in storage.FIELDS:
        np.testing.assert_array_equal(a.stack(field), b.stack(field))
    assert a.history == b.history
    for x, y in zip(a.data, b.data):
        np.testing.assert_array_equal(x, y)


# --- schedules -------------------------------------------------------------------------------


def test_schedules_pick_the_documented_steps():
    assert np.flatnonzero(schedules.step_mask(3, 10)).tolist() == [0, 3, 6, 9, 10]
    assert np.flatnonzero(schedules.step_mask([4, 2], 10)).tolist() == [0, 2, 4, 10]
    geo = np.flatnonzero(schedules.step_mask("geometric", 10000))
    assert geo[0] == 0 and geo[-1] == 10000
    assert np.all(np.isin(np.arange(64), geo))  # every step early
    gaps = np.diff(geo[:-1])  # (the final step is always added)
    assert np.all(np.diff(gaps) >= 0)  # gaps only widen
    assert len(geo) < 400


@pytest.mark.parametrize("bad, message", [(0, "k >= 1"), ("often", "unknown record schedule"),
                                          ([1, 99], "step 99"), ([0.5], "integers"), (True, "expected")])
def test_bad_schedules_are_named(data, bad, message):
    with pytest.raises(ValueError, match=message):
        nk.train(fresh_net(), *data, epochs=2, batch_size=BATCH, quiet=True, record=bad)


@pytest.mark.parametrize("meta", [[1], {"f": open}])
def test_record_meta_must_be_a_json_dict(data, meta):
    with pytest.raises(ValueError, match="record_meta must be a JSON-serialisable dict"):
        nk.train(fresh_net(), *data, epochs=1, quiet=True, record=1, record_meta=meta)


def test_trainer_records_the_schedule(data):
    rec = nk.train(fresh_net(), *data, epochs=EPOCHS, batch_size=BATCH, quiet=True, record=5).recording
    assert rec.steps.tolist() == [0, 5, 10, 12]
    assert rec.epochs.tolist() == [0, 2, 3, 3]


# --- what a snapshot holds -------------------------------------------------------------------


def test_every_step_is_recorded_with_epochs_and_history(run):
    rec = run.recording
    assert len(rec) == EPOCHS * 4 + 1 and rec.complete and run.recording is rec
    assert rec.steps.tolist() == list(range(len(rec)))
    assert rec.epochs.tolist() == [0] + [e for e in range(1, EPOCHS + 1) for _ in range(4)]
    assert rec.history == run.history
    np.testing.assert_array_equal(rec[-1].params, run.net.params)
    assert rec.header["model"]["sizes"] == [2, 5, 3, 1] and rec.header["optimizer"]["name"] == "adam"


def test_snapshot_zero_is_the_initial_network_with_its_full_data_gradient(run, data):
    net = fresh_net()
    first = run.recording[0]
    np.testing.assert_array_equal(first.params, net.params)
    loss, grads = nk.loss_and_grads(net, *data)
    assert first.loss == pytest.approx(loss)
    for (dW, db), (gW, gb) in zip(first.grads, grads):
        np.testing.assert_allclose(dW, gW, rtol=1e-12)
        np.testing.assert_allclose(db, gb, rtol=1e-12)
    assert not first.m1.any() and not first.m2.any()


def test_each_step_is_the_adam_update_of_the_recorded_gradient(run):
    """params[t] = Adam(params[t-1], grad[t], state[t-1]) for every recorded step."""
    rec, opt = run.recording, run.recording.header["optimizer"]
    adam = epoch_args.optimizer(rec.layout, np.float64, ADAM, opt["lr"], opt["beta1"], opt["beta2"], opt["eps"],
                                opt["weight_decay"])
    for t in range(1, len(rec)):
        before, after = rec[t - 1], rec[t]
        theta, m1, m2 = before.params.copy(), before.m1.copy(), before.m2.copy()
        reference.update(theta, m1, m2, after.grad, adam, t)
        np.testing.assert_allclose(after.params, theta, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(after.m1, m1, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(after.m2, m2, rtol=1e-12, atol=1e-14)


def test_snapshot_layer_views_match_the_flat_vectors(run):
    snap = run.recording[5]
    net = run.recording.model_at(5)
    for W, W_net in zip(snap.weights, net.weights):
        np.testing.assert_array_equal(W, W_net)
    assert [dW.shape for dW, _ in snap.grads] == [W.shape for W in net.weights]
    assert (snap.step, snap.epoch) == (5, 2)


def test_indexing_errors(run):
    rec = run.recording
    assert rec[-1].step == rec.steps[-1]
    with pytest.raises(IndexError, match="out of range"):
        rec[len(rec)]
    with pytest.raises(TypeError):
        rec[1.5]


def test_params_at_interpolates_linearly_between_neighbours(run):
    rec = run.recording
    np.testing.assert_array_equal(rec.params_at(0), rec[0].params)
    np.testing.assert_array_equal(rec.params_at(len(rec) - 1), rec[-1].params)
    np.testing.assert_allclose(rec.params_at(2.5), (rec[2].params + rec[3].params) / 2, rtol=1e-12)
    np.testing.assert_allclose(rec.params_at(2.25), 0.75 * rec[2].params + 0.25 * rec[3].params, rtol=1e-12)
    np.testing.assert_allclose(rec.model_at(2.5).params, rec.params_at(2.5))
    for bad in (-0.1, len(rec) - 0.9, float("nan"), "x"):
        with pytest.raises(ValueError):
            rec.params_at(bad)


@settings(max_examples=50, deadline=None)
@given(t=st.floats(0, EPOCHS * 4))
def test_params_at_stays_between_its_neighbours(run, t):
    rec = run.recording
    lo, hi = rec[int(t)].params, rec[min(int(t) + 1, len(rec) - 1)].params
    p = rec.params_at(t)
    assert np.all((p >= np.minimum(lo, hi) - 1e-15) & (p <= np.maximum(lo, hi) + 1e-15))
    np.testing.assert_allclose(p, lo + (t - int(t)) * (hi - lo), rtol=1e-9, atol=1e-15)


@settings(max_examples=100, deadline=None)
@given(k=st.integers(1, 50), n_steps=st.integers(1, 500))
def test_every_k_schedule_property(k, n_steps):
    steps = np.flatnonzero(schedules.step_mask(k, n_steps))
    want = sorted(set(range(0, n_steps + 1, k)) | {n_steps})
    assert steps.tolist() == want


def test_model_at_predicts_like_the_trained_network(run, data):
    np.testing.assert_array_equal(run.recording.model_at(len(run.recording) - 1).predict(data[0]),
                                  run.net.predict(data[0]))


def test_float32_softmax_recording_keeps_dtype_and_labels():
    X, y = nk.datasets.load("gauss", n=40, seed=0)
    net = nk.MLP([2, 4, 2], output="softmax", dtype="float32")
    rec = nk.train(net, X, y, epochs=2, batch_size=10, quiet=True, record="geometric").recording
    assert rec[1].params.dtype == np.float32 and rec.params_at(0.5).dtype == np.float32
    np.testing.assert_array_equal(rec.data[1], y)


@pytest.mark.parametrize("output, sizes, dtype", [("sigmoid", [2, 3, 1], np.int64), ("sigmoid", [2, 3, 2], np.int64),
                                                  ("softmax", [2, 3, 2], np.int64), ("identity", [2, 3, 1], np.float64)])
def test_recorded_labels_are_integers_for_classifiers(data, output, sizes, dtype):
    X, y = data
    y = np.c_[y, 1 - y] if sizes[-1] == 2 and output == "sigmoid" else y
    net = nk.MLP(sizes, output=output, dtype="float64")
    rec = nk.train(net, X, y, epochs=1, quiet=True, record=2, val=(X[:8], y[:8])).recording
    for labels, want in ((rec.data[1], y), (rec.val_data[1], y[:8])):
        assert labels.dtype == dtype and labels.shape == want.shape
        np.testing.assert_array_equal(labels, want)


def test_soft_sigmoid_targets_come_back_unrounded(data):
    X, y = data
    soft = np.where(y == 1, 0.7, 0.2)
    rec = nk.train(nk.MLP([2, 3, 1], dtype="float64"), X, soft, epochs=1, quiet=True, record=2).recording
    np.testing.assert_array_equal(rec.data[1], soft)


# --- storage ---------------------------------------------------------------------------------


def test_streamed_folder_equals_the_in_memory_recording(run, data, tmp_path):
    folder = tmp_path / "run"
    streamed = nk.train(fresh_net(), *data, epochs=EPOCHS, batch_size=BATCH, lr=0.05, quiet=True,
                        record_to=folder, record_meta={"dataset": "xor"}).recording
    assert streamed.path == str(folder) and streamed.header["meta"] == {"dataset": "xor"}
    assert_same_recording(streamed, run.recording)
    assert all(type(e) is int for e in streamed.history["epoch"])
    assert json.loads((folder / "header.json").read_text())["complete"] is True
    assert nk.Recording.load(folder).history == streamed.history  # the history handed over is the file's


def test_a_streamed_recording_is_opened_when_asked_for_from_where_it_was_written(run, data, tmp_path, monkeypatch):
    """nk.train returns without opening a folder recording; run.recording opens it once, from the
    folder record_to named, even after the working directory changed."""
    opened = []
    real = nk.Recording.open_streamed
    monkeypatch.setattr(nk.Recording, "open_streamed", lambda *a: opened.append(a[0]) or real(*a))
    monkeypatch.chdir(tmp_path)
    result = nk.train(fresh_net(), *data, epochs=EPOCHS, batch_size=BATCH, lr=0.05, quiet=True, record_to="run")
    assert opened == []
    monkeypatch.chdir(tmp_path.parent)
    assert result.recording is result.recording and opened == [str(tmp_path / "run")]
    assert_same_recording(result.recording, run.recording)


@pytest.mark.parametrize("durable", ["end", "chunk", "none"])
def test_durable_says_when_the_folder_reaches_the_disk(run, data, tmp_path, monkeypatch, durable):
    """"chunk" flushes each chunk (written under a temporary name) to disk before its rename;
    "end" flushes chunks only after their rename, and every file before the complete header, last;
    "none" nothing."""
    monkeypatch.setattr(recorder, "FIRST_CHUNK_BYTES", 1)
    monkeypatch.setattr(recorder, "CHUNK_BYTES", 1)  # a chunk per epoch
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    monkeypatch.setattr(storage.os, "fsync", fsync)
    folder = tmp_path / "run"
    streamed = nk.train(fresh_net(), *data, epochs=EPOCHS, batch_size=BATCH, lr=0.05, quiet=True,
                        record_to=folder, durable=durable).recording
    assert_same_recording(streamed, run.recording)
    chunks = [storage.chunk_name(i) for i in range(len(storage.chunk_files(folder)))]
    assert len(chunks) >= EPOCHS
    temporary = [name for name in synced if name.endswith(".tmp")]
    if durable == "none":
        assert synced == [] and json.loads((folder / "header.json").read_text())["complete"] is True
        return
    if durable == "chunk":
        assert [f".{c}.tmp" for c in chunks] == [n for n in temporary if n.startswith(".chunk")]
    else:
        assert temporary == [".header.json.tmp"]  # only the final header, written once the rest is on disk
        assert set(chunks + [storage.DATA, storage.HISTORY, "run"]) <= set(synced[: synced.index(".header.json.tmp")])
    assert synced[-2:] == [".header.json.tmp", "run"]


def test_an_unknown_durable_is_named(data, tmp_path):
    with pytest.raises(ValueError, match="durable must be one of 'end', 'chunk', 'none'; got 'always'"):
        nk.train(fresh_net(), *data, epochs=1, quiet=True, record_to=tmp_path / "run", durable="always")
    assert not (tmp_path / "run").exists()


def test_save_and_load_round_trip(run, tmp_path):
    path = run.recording.save(tmp_path / "saved")
    loaded = nk.Recording.load(path)
    assert_same_recording(loaded, run.recording)
    assert_same_recording(nk.Recording.load(loaded.save(tmp_path / "again")), run.recording)


def test_validation_data_is_kept_in_memory_streamed_and_saved(data, tmp_path):
    X, y = data
    val = (X[:10] * 0.5, y[:10])
    assert nk.train(fresh_net(), X, y, epochs=1, quiet=True, record=2).recording.val_data is None
    kept = nk.train(fresh_net(), X, y, epochs=1, quiet=True, record=2, val=val).recording
    streamed = nk.train(fresh_net(), X, y, epochs=1, quiet=True, val=val, record_to=tmp_path / "run").recording
    for rec in (kept, streamed, nk.Recording.load(kept.save(tmp_path / "saved"))):
        np.testing.assert_array_equal(rec.val_data[0], val[0])
        np.testing.assert_array_equal(rec.val_data[1], val[1])


def test_save_never_clobbers_an_existing_recording(run, data, tmp_path, monkeypatch):
    path = tmp_path / "keep"
    run.recording.save(path)
    with pytest.raises(ValueError, match="already exists"):
        run.recording.save(path)
    other = nk.train(fresh_net(), *data, epochs=1, batch_size=BATCH, quiet=True, record=1).recording

    def disk_full(*args):
        raise OSError("disk full")

    monkeypatch.setattr(storage, "write_history", disk_full)
    with pytest.raises(OSError, match="disk full"):
        other.save(path, overwrite=True)
    assert_same_recording(nk.Recording.load(path), run.recording)
    assert sorted(os.listdir(tmp_path)) == ["keep"]  # no temporary leftovers
    monkeypatch.undo()
    other.save(path, overwrite=True)
    assert len(nk.Recording.load(path)) == len(other)


def test_a_failed_chunk_write_stops_training_and_leaves_the_chunks_before_it(data, tmp_path, monkeypatch):
    write_npz = storage.write_npz

    def disk_full_at_chunk_1(path, arrays, *args):
        if path.endswith(storage.chunk_name(1)):
            raise OSError("disk full")
        write_npz(path, arrays, *args)

    monkeypatch.setattr(storage, "write_npz", disk_full_at_chunk_1)
    for name in ("CHUNK_BYTES", "FIRST_CHUNK_BYTES"):  # a chunk per epoch or two
        monkeypatch.setattr(f"nnkern.record.recorder.{name}", 6 * fresh_net().n_params * 8)
    with pytest.raises(OSError, match="disk full"):  # raised by train, or by wait if training ended first
        nk.train(fresh_net(), *data, epochs=EPOCHS * 4, batch_size=BATCH, lr=0.05, quiet=True,
                 record_to=tmp_path / "run").wait()
    assert sorted(storage.chunk_files(tmp_path / "run")) == [0]  # nothing queued after it was written
    rec = nk.Recording.load(tmp_path / "run")
    assert rec.complete is False and rec.steps.tolist() == list(range(len(rec)))
    assert len(rec.history["epoch"]) >= rec.epochs[-1]


def test_train_returns_before_the_last_writes_and_wait_load_and_exit_wait_for_them(run, data, tmp_path, monkeypatch):
    write_json = storage.write_json
    slow = threading.Event()

    def slow_header(path, obj, sync=True):
        if obj["complete"]:
            slow.wait(10)
        write_json(path, obj, sync)

    monkeypatch.setattr(storage, "write_json", slow_header)
    folder = tmp_path / "run"
    result = nk.train(fresh_net(), *data, epochs=EPOCHS, batch_size=BATCH, lr=0.05, quiet=True, record_to=folder)
    assert json.loads((folder / "header.json").read_text())["complete"] is False  # still being written
    threading.Timer(0.2, slow.set).start()
    assert_same_recording(nk.Recording.load(folder), run.recording)  # waited for the writes
    assert result.wait() is result and json.loads((folder / "header.json").read_text())["complete"] is True

    monkeypatch.undo()  # a script that ends right after training leaves a complete recording
    script = ("import sys, nnkern as nk; X, y = nk.datasets.load('spiral', n=400, seed=0); "
              "nk.train(nk.MLP([2, 8, 1], seed=0), X, y, epochs=30, quiet=True, record_to=sys.argv[1])")
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "exit")], check=True, timeout=300)
    rec = nk.Recording.load(tmp_path / "exit")
    assert rec.complete and len(rec) == 30 * 13 + 1


def test_recordings_in_turn_share_one_writer_thread_and_each_is_whole(run, data, tmp_path):
    """Folder recordings one after another (each trained while the last one's writes may still be
    going) are written by one shared thread, started once, and each is complete and right."""
    results = [nk.train(fresh_net(), *data, epochs=EPOCHS, batch_size=BATCH, lr=0.05, quiet=True,
                        record_to=tmp_path / f"run{i}") for i in range(3)]
    for i, result in enumerate(results):
        assert_same_recording(nk.Recording.load(tmp_path / f"run{i}"), run.recording)
        assert result.wait() is result
    writers = [t for t in threading.enumerate() if t.name.startswith(recorder.WRITER)]
    assert len(writers) == 1 and writers[0].is_alive()


class _Immediate:
    """A ThreadPoolExecutor whose writes are done before ``submit`` returns (the fastest disk)."""

    def __init__(self, *args, **kwargs):
        pass

    def submit(self, fn, *args):
        future = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as e:
            future.set_exception(e)
        return future

    def shutdown(self, wait=True):
        pass


def test_writes_done_before_they_are_queued_are_fine(run, data, tmp_path, monkeypatch):
    """The data's write may be done before ``begin`` looks at it (a sweep's worker once raised
    IndexError there)."""
    monkeypatch.setattr(recorder, "ThreadPoolExecutor", _Immediate)
    monkeypatch.setattr(recorder, "_THREADS", {})  # the shared threads made here are not kept for later tests
    result = nk.train(fresh_net(), *data, epochs=EPOCHS, batch_size=BATCH, lr=0.05, quiet=True, record_to=tmp_path / "run")
    assert_same_recording(result.wait().recording, run.recording)


def test_record_to_refuses_a_used_folder(data, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not an empty folder"):
        nk.train(fresh_net(), *data, epochs=1, quiet=True, record_to=tmp_path)
    assert os.listdir(tmp_path) == ["notes.txt"]


@pytest.fixture
def saved(run, tmp_path):
    return run.recording.save(tmp_path / "rec")


def chunk(folder, c=0):
    return os.path.join(folder, storage.chunk_name(c))


def test_missing_header_names_the_file(saved):
    os.remove(os.path.join(saved, "header.json"))
    with pytest.raises(storage.RecordingError, match="header.json: missing header"):
        nk.Recording.load(saved)


def test_newer_schema_names_the_file_and_versions(saved):
    path = os.path.join(saved, "header.json")
    header = json.load(open(path))
    header["schema"] = storage.SCHEMA + 1
    json.dump(header, open(path, "w"))
    with pytest.raises(storage.RecordingError, match=f"header.json: written with schema {storage.SCHEMA + 1}"):
        nk.Recording.load(saved)


def test_header_without_model_fields_names_the_file(saved):
    path = os.path.join(saved, "header.json")
    header = json.load(open(path))
    del header["model"]["sizes"]
    json.dump(header, open(path, "w"))
    with pytest.raises(storage.RecordingError, match="header.json: header lacks model fields \\['sizes'\\]"):
        nk.Recording.load(saved)


def test_header_with_an_unknown_optimizer_names_the_file(saved):
    path = os.path.join(saved, "header.json")
    header = json.load(open(path))
    header["optimizer"]["name"] = "lion"
    json.dump(header, open(path, "w"))
    with pytest.raises(storage.RecordingError, match="header.json: incomplete or invalid header"):
        nk.Recording.load(saved)


def test_snapshots_are_read_only_views(saved):
    rec = nk.Recording.load(saved)
    with pytest.raises(ValueError, match="read-only"):
        rec[1].params[0] = 5.0
    interpolated = rec.params_at(1)
    interpolated[0] = 5.0  # a copy
    assert rec[1].params[0] != 5.0


def test_truncated_chunk_names_the_file_unless_skipping_is_asked_for(saved):
    path = chunk(saved)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    with pytest.raises(storage.RecordingError, match="chunk-000000.npz: truncated or corrupt"):
        nk.Recording.load(saved)
    with pytest.warns(UserWarning, match="chunk-000000.npz"):
        rec = nk.Recording.load(saved, skip_corrupt=True)
    assert len(rec) == 0 and not rec.complete and rec.skipped == [path]


def test_history_lines_hold_each_metric_as_json():
    columns = {"epoch": [1, 2, 3], "loss": [0.5, float("nan"), 1e-300], "acc": [np.float64(0.25), 1, float("inf")],
               "odd%name": [np.int64(4), 5, 6]}
    lines = storage.history_lines(columns).splitlines()
    assert [json.loads(line) for line in lines] == [{"epoch": 1, "loss": 0.5, "acc": 0.25, "odd%name": 4},
                                                     {"epoch": 2, "loss": None, "acc": 1, "odd%name": 5},
                                                     {"epoch": 3, "loss": 1e-300, "acc": None, "odd%name": 6}]
    assert storage.history_lines({"loss": [0.1, -0.0]}) == '{"loss": 0.1}\n{"loss": -0.0}\n'


def test_history_lines(saved):
    path = os.path.join(saved, "history.jsonl")
    lines = open(path).read().splitlines()
    open(path, "w").write("\n".join(lines) + "\n" + lines[0][:7])  # a cut-off last line
    with pytest.raises(storage.RecordingError, match="history.jsonl: truncated last line"):
        nk.Recording.load(saved)
    assert storage.read_history(saved, complete=False)[0]["epoch"] == [1, 2, 3]  # a killed run drops it
    open(path, "w").write("\n".join([lines[0], "{oops", lines[2]]) + "\n")
    with pytest.raises(storage.RecordingError, match="history.jsonl: corrupt line 2"):
        nk.Recording.load(saved)
    os.remove(path)  # a run killed after its header was written, before its history file
    assert storage.read_history(saved, complete=False) == ({}, [])
    with pytest.raises(storage.RecordingError, match="history.jsonl: missing file"):
        nk.Recording.load(saved)


def test_missing_chunk_of_a_complete_run_names_the_file(saved):
    os.remove(chunk(saved))
    with pytest.raises(storage.RecordingError, match="chunk-000000.npz: missing chunk"):
        nk.Recording.load(saved)


def test_corrupt_bytes_are_caught_when_read_and_name_the_file(saved):
    """Loading is lazy: a damaged parameter array is found (by its checksum) when it is read."""
    path = chunk(saved)
    with np.load(path) as npz:
        last = npz["params"][-1].tobytes()
    raw = open(path, "rb").read()
    at = raw.index(last)
    open(path, "wb").write(raw[:at] + bytes(b ^ 0xFF for b in raw[at : at + 8]) + raw[at + 8 :])
    rec = nk.Recording.load(saved)
    assert rec.steps[-1] == EPOCHS * 4
    with pytest.raises(storage.RecordingError, match="chunk-000000.npz: truncated or corrupt"):
        rec[-1]


def test_chunks_split_by_size_and_replay_across_them(run, data, monkeypatch):
    six_rows = 6 * fresh_net().n_params * 8
    for name in ("CHUNK_BYTES", "FIRST_CHUNK_BYTES"):
        monkeypatch.setattr(f"nnkern.record.recorder.{name}", six_rows)
    rec = nk.train(fresh_net(), *data, epochs=EPOCHS, batch_size=BATCH, lr=0.05, quiet=True, record=1).recording
    assert len(rec._chunks) > 1 and rec.steps.tolist() == list(range(len(rec)))
    assert all(len(c.key) == 1 for c in rec._chunks)  # each chunk stores one state, its first
    assert_same_recording(rec, run.recording)


@pytest.mark.parametrize("schedule", [1, 3, "geometric"])
@pytest.mark.parametrize("optimizer", ["adam", "momentum", "sgd"])
def test_replayed_states_are_bit_for_bit_those_training_computed(data, monkeypatch, schedule, optimizer):
    """A recording that stores only some states rebuilds the others exactly: it equals one that
    stores every state (as a GPU run's does), and its last snapshot is the trained network."""
    settings = dict(epochs=EPOCHS, batch_size=BATCH, lr=0.05, optimizer=optimizer, weight_decay=0.01,
                    quiet=True, record=schedule)
    net = nk.MLP([2, 5, 3, 1], seed=3)  # float32, where a rounding difference would show
    replayed = nk.train(net, *data, **settings).recording
    store_all = functools.partial(recorder.Recorder, exact_replay=False)
    monkeypatch.setattr(sys.modules["nnkern.train"], "Recorder", lambda *args, exact_replay: store_all(*args))
    stored = nk.train(nk.MLP([2, 5, 3, 1], seed=3), *data, **settings).recording
    assert sum(len(c.key) for c in stored._chunks) == len(stored)
    assert sum(len(c.key) for c in replayed._chunks) < len(replayed) or schedule != 1
    assert_same_recording(replayed, stored)
    np.testing.assert_array_equal(replayed.params(-1), net.params)


def test_schema_1_folders_that_store_every_state_still_load(run, saved):
    for path in storage.chunk_files(saved).values():
        arrays = dict(np.load(path))
        key = arrays.pop("key")
        full = run.recording.stack("params")[arrays["step"]]
        np.savez(path, **dict(arrays, params=full, m1=run.recording.stack("m1")[arrays["step"]],
                              m2=run.recording.stack("m2")[arrays["step"]]))
        assert len(key) == 1
    header = json.loads(open(os.path.join(saved, "header.json")).read())
    open(os.path.join(saved, "header.json"), "w").write(json.dumps(dict(header, schema=1)))
    assert_same_recording(nk.Recording.load(saved), run.recording)


def test_a_chunk_row_that_can_be_neither_read_nor_rebuilt_names_the_file(saved):
    path = chunk(saved)
    arrays = dict(np.load(path))
    arrays["step"] = arrays["step"] + (np.arange(len(arrays["step"])) >= 5)  # a gap before row 5
    np.savez(path, **arrays)
    with pytest.raises(storage.RecordingError, match="chunk-000000.npz: corrupt chunk \\(row 5 neither"):
        nk.Recording.load(saved)


# --- a run killed mid-training ---------------------------------------------------------------

KILLED = textwrap.dedent("""
    import sys
    import nnkern as nk, nnkern.record.recorder
    nnkern.record.recorder.FLUSH_SECONDS = 0.05
    X, y = nk.datasets.load("spiral", n=256, noise=0.1, seed=0)
    net = nk.MLP([2, 8, 1], seed=0)
    nk.train(net, X, y, epochs=100000, batch_size=32, record=4, record_to=sys.argv[1], quiet=True)
""")


def test_a_killed_run_loads_with_every_finished_chunk(tmp_path):
    folder = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(folder)])
    try:
        deadline = time.monotonic() + 60
        while (not folder.exists() or len(storage.chunk_files(folder)) < 3) and time.monotonic() < deadline:
            assert proc.poll() is None, "the training process ended early"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    files = storage.chunk_files(folder)
    assert len(files) >= 3
    rec = nk.Recording.load(folder)
    assert rec.complete is False and len(rec._chunks) == len(files)
    assert rec.steps[0] == 0 and np.all(np.diff(rec.steps) == 4)
    assert len(rec.history["epoch"]) >= rec.epochs[-1]
    # the last snapshot closes an epoch; retraining that many epochs gives the same network
    X, y = nk.datasets.load("spiral", n=256, noise=0.1, seed=0)
    net = nk.MLP([2, 8, 1], seed=0)
    nk.train(net, X, y, epochs=int(rec.epochs[-1]), batch_size=32, quiet=True)
    np.testing.assert_array_equal(rec[-1].params, net.params)


@pytest.mark.parametrize("schedule", [1, 3, "geometric"])
def test_several_epochs_per_call_record_what_one_per_call_records(data, tmp_path, monkeypatch, schedule):
    """``train`` records several epochs per compiled call (``plan_group``) into the same chunk rows
    and files, byte for byte, as one epoch per call (``plan``)."""
    monkeypatch.setattr(recorder, "FIRST_CHUNK_BYTES", 1)
    monkeypatch.setattr(recorder, "CHUNK_BYTES", 11 * fresh_net().n_params * 8)  # chunks end mid-run
    trainer = sys.modules["nnkern.train"]
    calls, real = [], trainer.passes.train_epochs
    monkeypatch.setattr(trainer.passes, "train_epochs", lambda *a, **kw: calls.append(len(a[6])) or real(*a, **kw))
    runs = {}
    for name, seconds in (("one", 0.0), ("many", 10.0)):
        monkeypatch.setattr(trainer, "GROUP_SECONDS", seconds)
        calls.clear()
        runs[name] = nk.train(fresh_net(), *data, epochs=8, batch_size=BATCH, lr=0.05, quiet=True, record=schedule,
                              record_to=tmp_path / name).recording
        assert (max(calls) == 1) == (name == "one")  # "many": several epochs per call, as many as a chunk holds
    assert_same_recording(runs["one"], runs["many"])
    files = sorted(os.listdir(tmp_path / "one"))
    assert len(storage.chunk_files(tmp_path / "one")) >= 2 and files == sorted(os.listdir(tmp_path / "many"))
    for name in files:
        if name != storage.HEADER:
            assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "many" / name).read_bytes(), name


def assert_npz_holds(path, arrays):
    """The file at ``path`` is a zip whose checksums hold, each member the bytes np.save writes for
    its array (C-contiguous), and np.load reads ``arrays`` back from it."""
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None and z.namelist() == [f"{k}.npy" for k in arrays]
        for k, a in arrays.items():
            saved = io.BytesIO()
            np.save(saved, np.ascontiguousarray(a))
            assert z.read(f"{k}.npy") == saved.getvalue(), k
    with np.load(path) as npz:
        for k, a in arrays.items():
            assert npz[k].dtype == a.dtype and npz[k].shape == a.shape
            np.testing.assert_array_equal(npz[k], a)


def test_the_zip_checksums_are_zlibs_crc32_computed_by_isa_l_where_installed():
    import importlib.util
    import zlib

    rng = np.random.default_rng(1)
    for n in (0, 1, 7, 64, 4097, 1 << 20):
        data = rng.integers(0, 256, n, dtype=np.uint8)
        assert storage.crc32(data, storage.crc32(b"header")) == zlib.crc32(data, zlib.crc32(b"header")), n
    if importlib.util.find_spec("isal") is not None:  # the "sweep" extra installs it (make test does)
        from isal.isal_zlib import crc32

        assert storage.crc32 is crc32


def test_npz_files_read_back_and_the_direct_writer_falls_back_without_o_direct(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    small = {"a": rng.normal(size=(3, 5)).astype(np.float32), "b": np.arange(4), "empty": np.zeros((0, 7)),
             "f": np.asfortranarray(rng.normal(size=(4, 3))), "step": rng.normal(size=(6, 4))[::2]}
    large = {"grad": rng.normal(size=(3000, 337)), "loss": np.zeros(3000)}  # grows the buffer
    writer = storage.DirectWriter()
    for name, arrays in (("small", small), ("large", large), ("again", small)):
        storage.write_npz(str(tmp_path / f"{name}.npz"), arrays, sync=False)
        storage.write_npz(str(tmp_path / f"{name}-direct.npz"), arrays, sync=False, writer=writer)
        assert (tmp_path / f"{name}.npz").read_bytes() == (tmp_path / f"{name}-direct.npz").read_bytes()
        assert_npz_holds(tmp_path / f"{name}.npz", arrays)
    assert writer.works == hasattr(os, "O_DIRECT")
    real_open = os.open

    def no_direct(path, flags, *args):
        if flags & getattr(os, "O_DIRECT", 0):
            raise OSError(22, "Invalid argument")  # EINVAL: what a file system without O_DIRECT says
        return real_open(path, flags, *args)

    monkeypatch.setattr(storage, "_ZIP_LIMIT", 1000)  # larger files (zip64) go through np.savez
    for name, w in (("savez", None), ("savez-direct", storage.DirectWriter())):
        storage.write_npz(str(tmp_path / f"{name}.npz"), large, sync=False, writer=w)
        assert_npz_holds(tmp_path / f"{name}.npz", large)
        assert (tmp_path / f"{name}.npz").read_bytes() != (tmp_path / "large.npz").read_bytes()
    monkeypatch.undo()
    monkeypatch.setattr(storage.os, "open", no_direct)
    writer = storage.DirectWriter()
    storage.write_npz(str(tmp_path / "fallback.npz"), large, sync=True, writer=writer)
    assert not writer.works and sorted(os.listdir(tmp_path)).count(".fallback.npz.tmp") == 0
    assert (tmp_path / "fallback.npz").read_bytes() == (tmp_path / "large.npz").read_bytes()


def test_a_recording_that_fits_in_a_chunk_is_one_chunk_from_the_start(data, tmp_path, monkeypatch):
    """A run whose snapshots all fit in a chunk of CHUNK_BYTES records them into one chunk (one
    file), read back as the same recording made in smaller chunks; a larger run still grows its chunks."""
    net = fresh_net()
    row_bytes = net.n_params * 8
    kwargs = dict(epochs=20, batch_size=BATCH, lr=0.05, quiet=True, record=1)  # 81 snapshots
    monkeypatch.setattr(recorder, "FIRST_CHUNK_BYTES", 4 * row_bytes)
    monkeypatch.setattr(recorder, "CHUNK_BYTES", 81 * row_bytes)
    one = nk.train(fresh_net(), *data, **kwargs, record_to=tmp_path / "one").recording
    monkeypatch.setattr(recorder, "CHUNK_BYTES", 80 * row_bytes)
    grown = nk.train(fresh_net(), *data, **kwargs, record_to=tmp_path / "grown").recording
    assert len(one) == len(grown) == 81
    assert len(storage.chunk_files(tmp_path / "one")) == 1 and len(storage.chunk_files(tmp_path / "grown")) >= 3
    assert_same_recording(one, grown)


def test_written_chunks_memory_is_reused_and_reads_back_the_same(data, tmp_path, monkeypatch):
    """Each chunk a folder recording has written gives its memory to the pool (up to POOL_BYTES),
    and recordings made from pooled memory, in a folder or in memory, read back the same."""
    net = fresh_net()
    row_bytes = net.n_params * 8
    monkeypatch.setattr(recorder, "FIRST_CHUNK_BYTES", 4 * row_bytes)
    monkeypatch.setattr(recorder, "CHUNK_BYTES", 64 * row_bytes)
    monkeypatch.setattr(recorder, "_POOL", [])
    kwargs = dict(epochs=60, batch_size=BATCH, lr=0.05, quiet=True, record=1)
    memory = nk.train(fresh_net(), *data, **kwargs).recording
    assert recorder._POOL == []  # a memory recording keeps its chunks
    for name in ("first", "again"):  # the second from the first's pooled chunks
        folder = nk.train(fresh_net(), *data, **kwargs, record_to=tmp_path / name).recording
        assert_same_recording(folder, memory)
        assert len(storage.chunk_files(tmp_path / name)) >= 3
        assert 0 < sum(b.nbytes for b in recorder._POOL) <= recorder.POOL_BYTES
    assert_same_recording(nk.train(fresh_net(), *data, **kwargs).recording, memory)  # from the pool
    assert sorted(os.listdir(tmp_path / "first")) == sorted(os.listdir(tmp_path / "again"))


def _smaps(array, field="THPeligible"):
    """``field`` (an int) of the mapping holding the middle of array's data in /proc/self/smaps (None
    if not found; NumPy's madvise leaves out the block's first, partial page)."""
    address, found = array.ctypes.data + array.nbytes // 2, False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            head = line.split()[0]
            if "-" in head and ":" not in head:
                start, end = (int(x, 16) for x in head.split("-"))
                found = start <= address < end
            elif found and head == field + ":":
                return int(line.split()[1])
    return None


THP_MODE = "/sys/kernel/mm/transparent_hugepage/enabled"


@pytest.mark.skipif(not os.path.exists(THP_MODE) or "[madvise]" not in open(THP_MODE).read(),
                    reason="transparent huge pages are not on madvise here")
def test_large_chunk_blocks_are_not_on_huge_pages():
    """A chunk's block of 4 MB or more is mapped without NumPy's madvise for huge pages (whose
    first touch at times compacted memory for 20-30 ms while training waited); NumPy's own array of
    that size is eligible, so the check can tell them apart."""
    size = recorder.NUMPY_HUGEPAGE_BYTES * 2
    block, numpys = recorder._fresh_block(size), np.empty(size, np.uint8)
    block[:] = 1
    assert block.nbytes == size and block.flags.writeable and block.sum() == size
    assert _smaps(numpys) == 1
    assert _smaps(block) == 0
    assert recorder._fresh_block(1000).nbytes == 1000  # small ones from NumPy


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps"), reason="no /proc/self/smaps here")
def test_a_fresh_chunk_block_comes_with_its_pages_faulted_in():
    """A new chunk's memory is in RAM before the training kernel writes to it (its page faults
    taken on the helper thread), whether mapped from the OS or from NumPy."""
    net = nk.MLP([2, 16, 16, 1], dtype="float32")
    rows = recorder.NUMPY_HUGEPAGE_BYTES * 2 // (net.n_params * 4)
    block = recorder._allocate(rows, 1, net)["block"]
    assert block.nbytes >= recorder.NUMPY_HUGEPAGE_BYTES * 2 and _smaps(block, "Rss") * 1024 >= block.nbytes
