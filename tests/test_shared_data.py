"""A recording's data.npz is a hard link to the one an earlier recording of the same process wrote
with the same data, and written anew whenever that is not safe."""

import os

import numpy as np
import pytest

import nnkern as nk
from nnkern.record import storage


@pytest.fixture
def data():
    return nk.datasets.load("xor", n=64, noise=0.05, seed=1)


@pytest.fixture(autouse=True)
def no_earlier_data(monkeypatch):
    monkeypatch.setattr(storage, "_DATA", {})


def record(data, folder, **kwargs):
    net = nk.MLP([2, 4, 1], seed=0, dtype="float64")
    return nk.train(net, *data, epochs=2, batch_size=16, lr=0.05, quiet=True, record=1, record_to=folder,
                    **kwargs).recording


def inode(folder):
    return os.stat(os.path.join(folder, storage.DATA)).st_ino


def test_runs_on_the_same_data_share_one_file_and_read_it_back(data, tmp_path):
    first = record(data, tmp_path / "a", val=data)
    second = record(data, tmp_path / "b", val=data, durable="chunk")
    assert inode(tmp_path / "a") == inode(tmp_path / "b")
    assert os.stat(tmp_path / "b" / storage.DATA).st_nlink == 2
    assert not [n for n in os.listdir(tmp_path / "b") if n.endswith(".tmp")]
    for rec in (second, nk.Recording.load(tmp_path / "a"), nk.Recording.load(tmp_path / "b")):
        for got, want in zip((*rec.data, *rec.val_data), (*data, *data)):
            np.testing.assert_array_equal(got, want)


def test_other_data_or_a_changed_file_is_written_anew(data, tmp_path):
    X, y = data
    record((X, y), tmp_path / "a")
    X2 = X.copy()
    X2[0, 0] += 1e-9  # the same shape and dtype, other values
    record((X2, y), tmp_path / "b")
    assert inode(tmp_path / "b") != inode(tmp_path / "a")
    np.testing.assert_array_equal(nk.Recording.load(tmp_path / "b").data[0], X2)
    record((X, y), tmp_path / "c", val=(X, y))  # the same X and Y, but validation data too
    assert inode(tmp_path / "c") not in (inode(tmp_path / "a"), inode(tmp_path / "b"))
    # the first recording's file deleted, then one replaced in place: neither is linked to
    (tmp_path / "a" / storage.DATA).unlink()
    record((X, y), tmp_path / "d")
    assert os.stat(tmp_path / "d" / storage.DATA).st_nlink == 1
    path = tmp_path / "d" / storage.DATA
    path.write_bytes(path.read_bytes())  # the same bytes, rewritten: no longer the file nnkern wrote
    record((X, y), tmp_path / "e")
    assert inode(tmp_path / "e") != inode(tmp_path / "d")
    np.testing.assert_array_equal(nk.Recording.load(tmp_path / "e").data[0], X)


def test_where_links_fail_the_file_is_written(data, tmp_path, monkeypatch):
    record(data, tmp_path / "a")

    def cross_device(src, dst):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(storage.os, "link", cross_device)
    rec = record(data, tmp_path / "b")
    assert inode(tmp_path / "b") != inode(tmp_path / "a") and sorted(os.listdir(tmp_path / "b")) == sorted(
        os.listdir(tmp_path / "a"))
    np.testing.assert_array_equal(rec.data[0], data[0])


def test_the_memory_of_written_data_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "DATA_WRITTEN", 3)
    for k in range(5):
        storage.write_data(str(tmp_path / f"{k}.npz"), {"X": np.full(4, k)}, sync=False)
    assert [path for path, _ in storage._DATA.values()] == [str(tmp_path / f"{k}.npz") for k in (2, 3, 4)]
    storage.write_data(str(tmp_path / "again.npz"), {"X": np.full(4, 2)}, sync=False)
    assert os.stat(tmp_path / "again.npz").st_ino == os.stat(tmp_path / "2.npz").st_ino
