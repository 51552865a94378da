"""The ``nnkern`` command line: train with a recording, summarise it, one-line errors with status 2."""

import subprocess
import sys

import numpy as np
import pytest

import nnkern as nk
from nnkern.cli import main, parse_schedule


def test_schedules_parse():
    assert parse_schedule("every:5") == 5
    assert parse_schedule("geometric") == "geometric"
    assert parse_schedule("none") is None
    assert parse_schedule("0,10,100") == [0, 10, 100]


def test_train_then_info(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--dataset", "xor", "--n", "64", "--layers", "2,4,1", "--epochs", "3", "--batch-size", "16",
            "--record", "every:2", "--out", str(out), "--durable", "chunk", "--quiet"]
    assert main(argv) == 0
    assert f"recording: {out} (7 snapshots)" in capsys.readouterr().out
    rec = nk.Recording.load(out)
    assert rec.complete and rec.steps.tolist() == [0, 2, 4, 6, 8, 10, 12]
    assert rec.header["meta"]["dataset"] == "xor"
    X, y = nk.datasets.load("xor", n=64, noise=0.05, seed=0)
    np.testing.assert_array_equal(rec.data[0], X.astype(np.float32))  # the header names data that regenerates
    np.testing.assert_array_equal(rec.data[1], y)
    assert main(["info", str(out)]) == 0
    info = capsys.readouterr().out
    for text in ("complete", "2-4-1, tanh -> sigmoid", "snapshots:  7, steps 0..12", "dataset=xor", "3 epochs; last: loss"):
        assert text in info


def test_a_diverging_run_exits_1_and_its_recording_says_incomplete(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--dataset", "xor", "--n", "64", "--output", "identity", "--activation", "relu",
            "--optimizer", "sgd", "--lr", "1e6", "--epochs", "20", "--record", "geometric", "--out", str(out), "--quiet"]
    assert main(argv) == 1
    assert "loss became NaN or infinite" in capsys.readouterr().err
    assert main(["info", str(out)]) == 0
    info = capsys.readouterr().out
    assert "INCOMPLETE" in info and "(geometric, 32 per doubling)" in info and "acc" not in info


def test_default_layers_end_in_one_unit_per_class_for_softmax(capsys):
    argv = ["train", "--dataset", "spiral", "--n", "64", "--output", "softmax", "--epochs", "1", "--record", "none", "--quiet"]
    assert main(argv) == 0
    assert "MLP([2, 16, 16, 2], activation='tanh', output='softmax'" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    ([], "required: command"),
    (["train", "--dataset", "spiralz"], "invalid choice"),
    (["train", "--dataset", "spiral", "--layers", "2,x"], "comma-separated widths"),
    (["train", "--dataset", "spiral", "--layers", "3,4,1", "--out", "x"], "must start with 2"),
    (["train", "--dataset", "spiral", "--record", "every:z"], "every:K"),
    (["train", "--dataset", "spiral", "--record", "every:0", "--out", "{tmp}/r"], "k >= 1"),
    (["train", "--dataset", "spiral", "--epochs", "0", "--out", "{tmp}/r"], "epochs must be a positive integer"),
    (["train", "--dataset", "spiral"], "--out is needed"),
    (["train", "--dataset", "spiral", "--activation", "swish", "--out", "{tmp}/r"], "unknown activation"),
    (["info", "{tmp}"], "missing header"),
])
def test_bad_arguments_get_one_line_and_status_2(tmp_path, capsys, argv, message):
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnkern: error:") and message in err and err.count("\n") == 1


def test_python_dash_m_exits_2_without_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "nnkern", "info", str(tmp_path / "missing")],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.startswith("nnkern: error:") and "Traceback" not in done.stderr
