"""Recording defaults stay small: "auto" records every step up to a byte budget, then the
geometric schedule, and a large recording is announced, with its size, before training."""

import os
import warnings

import numpy as np
import pytest

import nnkern as nk
from nnkern.cli import main
from nnkern.record import recorder, schedules

EPOCHS, BATCH = 40, 16  # 64 samples: 4 steps per epoch, 160 steps


@pytest.fixture(scope="module")
def data():
    return nk.datasets.load("xor", n=64, noise=0.05, seed=1)


def net():
    return nk.MLP([2, 16, 16, 1], seed=3)


def folder_bytes(folder):
    return sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder) if f.startswith("chunk-"))


def test_record_to_alone_records_every_step_of_a_small_run_silently(data, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rec = nk.train(net(), *data, epochs=EPOCHS, batch_size=BATCH, quiet=True, record_to=tmp_path / "run").recording
    assert rec.steps.tolist() == list(range(EPOCHS * 4 + 1)) and rec.header["schedule"] == {"every": 1}


def test_auto_falls_back_to_geometric_past_the_budget_and_says_so(data, tmp_path, monkeypatch):
    monkeypatch.setattr(schedules, "AUTO_BYTES", 100_000)  # every step here: ~2 MB
    epochs = 10 * EPOCHS
    with pytest.warns(nk.RecordingSizeWarning, match=r"every step of this run would take about \d\.\d MB, so it records "
                                                     r"the geometric schedule: \d+ snapshots, about \d+\.\d kB.*--record every:1"):
        rec = nk.train(net(), *data, epochs=epochs, batch_size=BATCH, quiet=True, record_to=tmp_path / "run").recording
    assert rec.header["schedule"] == {"geometric": schedules.PER_OCTAVE}
    np.testing.assert_array_equal(rec.steps, np.flatnonzero(schedules.step_mask("geometric", epochs * 4)))
    with pytest.warns(nk.RecordingSizeWarning, match=r"this recording \(1601 snapshots\) will take about \d\.\d MB; the geometric"):
        kept = nk.train(net(), *data, epochs=epochs, batch_size=BATCH, quiet=True, record=1).recording
    assert len(kept) == epochs * 4 + 1  # every:1 stays when asked for


def test_auto_keeps_every_step_when_the_geometric_schedule_would_be_no_smaller(data, monkeypatch):
    monkeypatch.setattr(schedules, "AUTO_BYTES", 100_000)  # every step: ~0.2 MB; geometric: more (its rows after gaps hold state)
    with pytest.warns(nk.RecordingSizeWarning, match=r"this recording \(161 snapshots\) will take about \d+\.\d kB$"):
        rec = nk.train(net(), *data, epochs=EPOCHS, batch_size=BATCH, quiet=True, record="auto").recording
    assert rec.header["schedule"] == {"every": 1}


@pytest.mark.parametrize("schedule", [1, "geometric", 3])
def test_the_announced_size_is_the_size_on_disk(data, tmp_path, schedule, monkeypatch):
    monkeypatch.setattr(schedules, "AUTO_BYTES", 0)  # announce every recording
    with pytest.warns(nk.RecordingSizeWarning) as caught:
        nk.train(net(), *data, epochs=EPOCHS, batch_size=BATCH, quiet=True, record=schedule, record_to=tmp_path / "run").wait()
    announced = float(str(caught[0].message).split("take about ")[1].split(" kB")[0]) * 1e3
    assert abs(announced - folder_bytes(tmp_path / "run")) < 0.1 * announced


def test_the_cli_announces_a_large_recording_before_training(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(schedules, "AUTO_BYTES", 100_000)
    calls = []
    monkeypatch.setattr(recorder.Recorder, "begin", lambda self, *a, _begin=recorder.Recorder.begin: (calls.append(capsys.readouterr().err), _begin(self, *a))[1])
    argv = ["train", "--dataset", "xor", "--n", "64", "--epochs", "100", "--batch-size", "16", "--out", str(tmp_path / "run"), "--quiet"]
    assert main(argv) == 0
    assert calls[0].startswith("nnkern: warning: recording every step of this run would take about") and "--record every:1" in calls[0]


def test_a_batch_larger_than_the_data_warns(data):
    with pytest.warns(UserWarning, match="batch_size=100 is more than the 64 training samples"):
        run = nk.train(net(), *data, epochs=1, batch_size=100, quiet=True)
    assert run.steps == 1


def test_asking_for_more_digits_than_exist_fails():
    with pytest.raises(ValueError, match="n=2000: digits holds 1797 samples"):
        nk.datasets.load("digits", n=2000)
