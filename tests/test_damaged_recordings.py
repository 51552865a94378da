"""Recordings that are damaged, inconsistent, unfinished or diverged: each problem is named, and
what can still be read is."""

import json
import os
import shutil

import numpy as np
import pytest

import nnkern as nk
from nnkern.cli import main
from nnkern.record import storage


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs") / "run"
    X, y = nk.datasets.load("xor", n=64, noise=0.05, seed=1)
    nk.train(nk.MLP([2, 5, 1], seed=3), X, y, epochs=4, batch_size=16, quiet=True, record=1, record_to=folder).wait()
    return folder


@pytest.fixture
def saved(source, tmp_path):
    return shutil.copytree(source, tmp_path / "run")


def edit_header(folder, change):
    path = os.path.join(folder, "header.json")
    header = json.load(open(path))
    change(header)
    json.dump(header, open(path, "w"))


def info(folder, *flags):
    return main(["info", str(folder), *flags])


def test_header_sizes_that_disagree_with_the_parameter_count_name_the_header(saved):
    edit_header(saved, lambda h: h["model"].update(sizes=[2, 6, 1]))
    with pytest.raises(nk.RecordingError, match=r"header.json: header says n_params 21, but sizes \[2, 6, 1\] have 25"):
        nk.Recording.load(saved)


def test_one_bad_history_line_is_skipped_when_asked_and_suggested_when_not(saved, capsys):
    path = os.path.join(saved, "history.jsonl")
    lines = open(path).read().splitlines()
    lines[1] = '{"epoch": 2, "loss'
    open(path, "w").write("\n".join(lines) + "\n")
    with pytest.raises(nk.RecordingError, match="history.jsonl: corrupt line 2; pass --skip-corrupt"):
        nk.Recording.load(saved)
    with pytest.warns(UserWarning, match="history.jsonl line 2"):
        rec = nk.Recording.load(saved, skip_corrupt=True)
    assert rec.history["epoch"] == [1, 3, 4] and len(rec) == 17 and not rec.complete and not rec.interrupted
    assert info(saved) == 2 and "--skip-corrupt" in capsys.readouterr().err
    assert info(saved, "--skip-corrupt") == 0
    out = capsys.readouterr().out
    assert "DAMAGED" in out and "history.jsonl line 2" in out and "complete" not in out.splitlines()[0]


def test_info_reports_a_missing_data_file(saved, capsys):
    os.remove(os.path.join(saved, "data.npz"))
    rec = nk.Recording.load(saved)
    assert rec.missing == ["data.npz"] and not rec.complete
    with pytest.raises(nk.RecordingError, match="data.npz: missing file"):
        rec.data
    assert info(saved) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "missing data.npz" in first and "complete" not in first


def test_info_tells_an_interrupted_run_from_one_with_skipped_chunks(saved, tmp_path, capsys):
    edit_header(saved, lambda h: h.update(complete=False))
    assert info(saved) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "INTERRUPTED" in first and "DAMAGED" not in first
    other = shutil.copytree(saved, tmp_path / "other")
    edit_header(other, lambda h: h.update(complete=True))
    open(os.path.join(other, storage.chunk_name(0)), "wb").write(b"junk")
    assert info(other) == 2 and "--skip-corrupt" in capsys.readouterr().err
    assert info(other, "--skip-corrupt") == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "DAMAGED" in first and "INTERRUPTED" not in first


def test_a_diverged_run_serves_its_last_finite_snapshot_and_marks_the_rest(tmp_path, capsys):
    X, y = nk.datasets.load("xor", n=64, seed=0)
    with pytest.raises(nk.TrainingDiverged):  # lr 1e39 overflows float32: the first update gives inf
        nk.train(nk.MLP([2, 8, 1]), X, y, epochs=5, optimizer="sgd", lr=1e39, record=1, record_to=tmp_path / "run", quiet=True)
    rec = nk.Recording.load(tmp_path / "run")
    assert rec.interrupted and len(rec) == 2
    assert rec.finite(0) and not rec.finite(1) and rec.last_finite() == 0
    np.testing.assert_array_equal(rec.model_at(0).params, rec.params(0))
    with pytest.raises(nk.RecordingError, match="snapshot 1 .* NaN or inf parameters.* last finite snapshot is 0"):
        rec.model_at(1)
    assert info(tmp_path / "run") == 0
    assert "diverged:   snapshot 1 (step 1) holds NaN or inf; the last finite is 0 (step 0)" in capsys.readouterr().out


def test_a_missing_history_is_named_and_skippable(saved, capsys):
    os.remove(os.path.join(saved, "history.jsonl"))
    assert info(saved) == 2 and "history.jsonl: missing file; pass --skip-corrupt" in capsys.readouterr().err
    assert info(saved, "--skip-corrupt") == 0
    out = capsys.readouterr().out
    assert "DAMAGED" in out and "skipped:    " in out and "history.jsonl: missing file" in out


def test_a_snapshot_of_a_recording_saves_as_a_model_file(source, tmp_path):
    rec = nk.Recording.load(source)
    path = rec.model_at(len(rec) - 1).save(tmp_path / "model.npz")
    np.testing.assert_array_equal(nk.MLP.load(path).params, rec.params(len(rec) - 1))


def test_info_names_a_last_chunk_whose_arrays_are_damaged(saved, capsys):
    path = os.path.join(saved, storage.chunk_name(0))
    with np.load(path) as npz:
        grad = npz["grad"][-1].tobytes()
    raw = open(path, "rb").read()
    at = raw.index(grad)
    open(path, "wb").write(raw[:at] + bytes(b ^ 0xFF for b in raw[at : at + 8]) + raw[at + 8 :])
    assert info(saved) == 0
    out = capsys.readouterr().out
    assert "last:       unreadable" in out and "chunk-000000.npz: truncated or corrupt" in out
