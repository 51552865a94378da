"""The ``nnkern`` command line: train with a recording, summarise it, one-line errors with status 2."""

import re
import subprocess
import sys

import numpy as np
import pytest

import nnkern as nk
from nnkern.cli import main, parse_schedule
from idx_files import fashion_pair


def test_schedules_parse():
    assert parse_schedule("every:5") == 5
    assert parse_schedule("geometric") == "geometric"
    assert parse_schedule("none") is None
    assert parse_schedule("auto") == "auto"
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
    for text in ("complete", "2-4-1, tanh -> sigmoid", "snapshots:  7, steps 0..12", "dataset=xor", "3 epochs; last: training loss"):
        assert text in info


def test_a_diverging_run_exits_1_and_its_recording_says_incomplete(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--dataset", "xor", "--n", "64", "--output", "identity", "--activation", "relu",
            "--optimizer", "sgd", "--lr", "1e6", "--epochs", "20", "--record", "geometric", "--out", str(out), "--quiet"]
    assert main(argv) == 1
    assert "loss became NaN or infinite" in capsys.readouterr().err
    assert main(["info", str(out)]) == 0
    info = capsys.readouterr().out
    assert "INTERRUPTED" in info and "(geometric, 32 per doubling)" in info and "acc" not in info


def test_default_layers_end_in_one_unit_per_class_for_softmax(capsys):
    argv = ["train", "--dataset", "spiral", "--n", "64", "--output", "softmax", "--epochs", "1", "--record", "none", "--quiet"]
    assert main(argv) == 0
    assert "MLP([2, 16, 16, 2], activation='tanh', output='softmax'" in capsys.readouterr().out


def test_train_on_an_idx_pair_keeps_image_shape_and_class_names(tmp_path, capsys):
    images, labels, pixels, classes = fashion_pair(tmp_path, n=40, side=28)
    out = tmp_path / "run"
    argv = ["train", "--idx", str(images), str(labels), "--class-names", "fashion-mnist", "--layers", "784,8,10",
            "--epochs", "2", "--batch-size", "20", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    rec = nk.Recording.load(out)
    meta = rec.header["meta"]
    assert meta["image_shape"] == [28, 28] and meta["class_names"][0] == "T-shirt/top" and len(meta["class_names"]) == 10
    np.testing.assert_array_equal(rec.data[0], pixels.reshape(40, 784) / np.float32(255))
    np.testing.assert_array_equal(rec.data[1], classes)
    assert main(["train", "--dataset", "digits", "--n", "50", "--epochs", "1", "--class-names", "a,b,c,d,e,f,g,h,i,j",
                 "--out", str(tmp_path / "digits"), "--quiet"]) == 0
    meta = nk.Recording.load(tmp_path / "digits").header["meta"]
    assert meta["image_shape"] == [8, 8] and meta["class_names"][9] == "j" and meta["noise"] is None
    capsys.readouterr()
    assert main(["train", "--idx", str(images), str(labels), "--n", "50"]) == 2
    assert f"--n 50: {images} holds 40 samples" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    ([], "required: command"),
    (["train", "--dataset", "spiralz"], "invalid choice"),
    (["train", "--dataset", "spiral", "--layers", "2,x"], "comma-separated widths"),
    (["train", "--dataset", "spiral", "--layers", "3,4,1", "--out", "x"], "must start with 2"),
    (["train", "--dataset", "spiral", "--record", "every:z"], "every:K"),
    (["train", "--dataset", "spiral", "--record", "every:0", "--out", "{tmp}/r"], "argument --record: 'every:0': every:K records every K-th step and needs K >= 1"),
    (["train", "--dataset", "spiral", "--epochs", "0"], "argument --epochs: '0': expected a positive integer"),
    (["train", "--dataset", "spiral", "--val", "1.5"], "argument --val: '1.5': expected a fraction in [0, 1)"),
    (["train", "--dataset", "spiral", "--lr", "-1"], "argument --lr: '-1': expected a number > 0"),
    (["train", "--dataset", "spiral", "--seed", "-1"], "argument --seed: '-1': expected an integer >= 0"),
    (["train", "--dataset", "spiral", "--activation", "swish"], "argument --activation: invalid choice: 'swish'"),
    (["train", "--dataset", "spiral", "--layers", "2,8,3"], "end --layers in 1; for one unit per class use --output softmax"),
    (["train", "--dataset", "digits", "--output", "sigmoid"], "digits has 10: use --output softmax"),
    (["train", "--dataset", "digits", "--output", "softmax", "--layers", "64,8,4"], "softmax output needs one per class, 10"),
    (["train", "--dataset", "digits", "--n", "5000"], "--n 5000: digits holds 1797 samples"),
    (["train", "--dataset", "spiral", "--record", "none", "--out", "{tmp}/r"], "--record none leaves nothing"),
    (["train", "--dataset", "spiral", "--save-model", "{tmp}"], "--save-model {tmp} already exists"),
    (["info", "{tmp}"], "missing header"),
    (["train"], "one of the arguments --dataset --idx --csv is required"),
    (["train", "--dataset", "digits", "--idx", "a", "b"], "not allowed with argument"),
    (["train", "--dataset", "digits", "--class-names", "a,,b"], "expected fashion-mnist or comma-separated"),
    (["train", "--dataset", "digits", "--class-names", "a,b", "--out", "{tmp}/r"], "gives 2 names; the labels need 10"),
])
def test_bad_arguments_get_one_line_and_status_2(tmp_path, capsys, argv, message):
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnkern: error:") and message.replace("{tmp}", str(tmp_path)) in err and err.count("\n") == 1


def test_python_dash_m_exits_2_without_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "nnkern", "info", str(tmp_path / "missing")],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.startswith("nnkern: error:") and "Traceback" not in done.stderr


def test_the_first_command_trains_without_recording_and_says_how_to_record(capsys):
    assert main(["train", "--dataset", "moons", "--epochs", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "training loss" in out and "training accuracy" in out
    assert "not recorded: add --out runs/NAME to record the run" in out


def test_accuracy_says_whether_it_is_on_training_or_held_out_data(capsys):
    assert main(["train", "--dataset", "moons", "--n", "100", "--epochs", "2", "--val", "0.2", "--quiet"]) == 0
    out = capsys.readouterr().out
    for text in ("training loss", "training accuracy", "validation loss", "validation accuracy"):
        assert text in out
    assert re.search(r"training accuracy \d+\.\d%", out)


def test_save_model_writes_a_network_that_loads(tmp_path, capsys):
    path = tmp_path / "model.npz"
    assert main(["train", "--dataset", "xor", "--n", "64", "--epochs", "2", "--save-model", str(path), "--quiet"]) == 0
    assert f"model: {path}" in capsys.readouterr().out
    net = nk.MLP.load(path)
    X, y = nk.datasets.load("xor", n=64)
    assert net.sizes == [2, 16, 16, 1] and net.predict(X).shape == (64,)


def test_batch_larger_than_the_data_warns_once(capsys):
    assert main(["train", "--dataset", "xor", "--n", "40", "--epochs", "1", "--batch-size", "64", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.count("warning") == 1 and "--batch-size 64 is more than the 40 training samples" in err


def test_version(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0 and capsys.readouterr().out.strip() == f"nnkern {nk.__version__}"


@pytest.mark.parametrize("command", ["train", "info", "sweep"])
def test_help_gives_every_option_its_default(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    options = re.findall(r"^  (--[a-z-]+)", text, flags=re.M)
    assert len(options) >= (15 if command == "train" else 1)
    for option in options:
        if option != "--help":
            block = text[text.index(f"  {option}"):].split("\n  -")[0]
            assert "default" in block or "(required)" in block, f"{option} does not say its default:\n{block}"
    if command == "train":
        assert "{sgd,momentum,adam}" in text  # choices


def test_info_lists_the_optimizer_settings_it_used_and_small_losses_readably(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--dataset", "gauss", "--n", "64", "--layers", "2,4,1", "--epochs", "400", "--optimizer", "sgd",
            "--lr", "0.5", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    info = capsys.readouterr().out
    assert "optimizer:  sgd (lr 0.5, weight decay 0)" in info and "beta" not in info
    loss = nk.Recording.load(out).history["loss"][-1]
    assert loss < 5e-3 and f"training loss {loss:.4g}" in info and "0.0000" not in info
