"""The user's own points: ``nk.datasets.from_csv``, ``nnkern train --csv`` and the three-class spiral."""

import numpy as np
import pytest

import nnkern as nk
from nnkern.cli import main


def write(tmp_path, text, name="points.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_csv_with_or_without_header_gives_the_same_points(tmp_path):
    body = "0.5,-1,1\n-0.25,2e-1,0\n1,1,2\n"
    X, y = nk.datasets.from_csv(write(tmp_path, "x1,x2,label\n" + body, "a.csv"))
    X2, y2 = nk.datasets.from_csv(write(tmp_path, body, "b.csv"))
    np.testing.assert_array_equal(X, [[0.5, -1], [-0.25, 0.2], [1, 1]])
    np.testing.assert_array_equal(y, [1, 0, 2])
    assert y.dtype == np.int64 and np.array_equal(X, X2) and np.array_equal(y, y2)


def test_named_labels_are_numbered_in_sorted_order(tmp_path):
    X, y = nk.datasets.from_csv(write(tmp_path, "a,b,kind\n0,0,dog\n1,1,cat\n2,2,dog\n"))
    assert y.tolist() == [1, 0, 1] and X.shape == (3, 2)


@pytest.mark.parametrize("text, message", [
    ("x1,x2,label\n0,0,0\n1,abc,1\n", "row 3, column 2 (x2): 'abc' is not a number"),
    ("0,0,0\n1,nan,1\n", "row 2, column 2 (x2): 'nan'; expected a finite number"),
    ("0,0,0\n,1,1\n", "row 2, column 1 (x1): empty; expected a number"),
    ("u,v,c\n0,0,0\n1,1,\n", "row 3, column 3 (c): missing label"),
    ("0,0,0\n1,1\n", "row 2 has 2 columns; the first has 3 (x1, x2, label)"),
    ("x1,x2,label\n0,0,1\n1,1,1\n", "every point has label 1: a classifier needs at least two classes"),
    ("x1,x2,label\n", "a header and no points"),
    ("", "no rows"),
])
def test_bad_csv_files_name_row_and_column(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as error:
        nk.datasets.from_csv(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)


def test_a_missing_csv_file_is_named(tmp_path):
    with pytest.raises(ValueError, match="nowhere.csv: cannot read the CSV file"):
        nk.datasets.from_csv(tmp_path / "nowhere.csv")


def test_train_csv_records_the_users_points(tmp_path, capsys):
    X, y = nk.datasets.load("spiral", n=90, classes=3, seed=1)
    rows = "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X, y))
    path = write(tmp_path, "x1,x2,label\n" + rows + "\n")
    out = tmp_path / "run"
    assert main(["train", "--csv", str(path), "--epochs", "2", "--out", str(out), "--quiet"]) == 0
    assert "MLP([2, 16, 16, 3], activation='tanh', output='softmax'" in capsys.readouterr().out
    rec = nk.Recording.load(out)
    np.testing.assert_allclose(rec.data[0], X, rtol=1e-6)
    np.testing.assert_array_equal(rec.data[1], y)
    assert rec.header["meta"]["csv"] == str(path)


@pytest.mark.parametrize("argv, message", [
    (["train", "--csv", "{tmp}/none.csv"], "none.csv: cannot read the CSV file"),
    (["train", "--csv", "a.csv", "--dataset", "xor"], "not allowed with argument"),
    (["train"], "one of the arguments --dataset --idx --csv is required"),
    (["train", "--dataset", "xor", "--classes", "3"], "--classes 3: only --dataset spiral"),
    (["train", "--dataset", "spiral", "--classes", "9"], "--classes 9: spiral takes 2 to 7"),
])
def test_bad_data_options_exit_2_with_one_line(tmp_path, capsys, argv, message):
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize("classes", [3, 5, 7])
def test_the_spiral_has_equal_arms_of_each_class(classes):
    X, y = nk.datasets.load("spiral", n=420, classes=classes, seed=0)
    assert np.bincount(y).tolist() == [420 // classes] * classes
    angles = [np.angle(np.mean(np.exp(1j * np.arctan2(*X[(y == k) & (np.hypot(*X.T) < 0.3)].T)))) for k in range(classes)]
    assert len(set(np.round(angles, 1))) == classes  # each arm starts in its own direction


def test_only_the_spiral_takes_classes():
    with pytest.raises(ValueError, match="only spiral takes a number of classes"):
        nk.datasets.load("xor", classes=3)
    with pytest.raises(ValueError, match="classes must be an integer from 2 to 7; got 8"):
        nk.datasets.load("spiral", classes=8)
