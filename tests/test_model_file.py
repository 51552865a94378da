"""Copies, pickles and model files of an ``MLP`` keep one parameter buffer; model files load
without running code and refuse what they cannot hold."""

import copy
import json
import os
import pickle

import numpy as np
import pytest

import nnkern as nk


@pytest.fixture
def data():
    return nk.datasets.load("moons", n=64, seed=1)


def trained(dtype="float32"):
    X, y = nk.datasets.load("moons", n=64, seed=1)
    net = nk.MLP([2, 5, 3], activation="relu", output="softmax", seed=2, dtype=dtype)
    nk.train(net, X, y, epochs=2, batch_size=16, quiet=True)
    return net


@pytest.mark.parametrize("clone", [lambda n: pickle.loads(pickle.dumps(n)), copy.deepcopy, copy.copy], ids=["pickle", "deepcopy", "copy"])
def test_clones_keep_weights_as_views_of_params(clone, data):
    net = trained()
    twin = clone(net) if clone is not copy.copy else net.copy()
    np.testing.assert_array_equal(twin.params, net.params)
    assert twin.params is not net.params
    nk.train(twin, *data, epochs=1, batch_size=16, quiet=True)  # more training: the views follow
    np.testing.assert_array_equal(np.concatenate([np.r_[W.ravel(), b] for W, b in zip(twin.weights, twin.biases)]), twin.params)
    before = twin.predict_proba(data[0]).copy()
    twin.weights[-1][...] = 0  # editing a view changes what the network computes
    twin.biases[-1][...] = [5, 0, 0]
    assert not np.allclose(twin.predict_proba(data[0]), before)
    assert np.all(twin.predict(data[0]) == 0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_save_and_load_give_the_same_network(tmp_path, data, dtype):
    net = trained(dtype)
    path = net.save(tmp_path / "models" / "model.npz")  # makes the folder
    assert sorted(os.listdir(tmp_path / "models")) == ["model.npz"]  # no temporary left
    loaded = nk.MLP.load(path)
    assert (loaded.sizes, loaded.activation, loaded.output, loaded.dtype) == (net.sizes, net.activation, net.output, net.dtype)
    np.testing.assert_array_equal(loaded.params, net.params)
    np.testing.assert_array_equal(loaded.predict_proba(data[0]), net.predict_proba(data[0]))
    loaded.weights[0][0, 0] = 9  # the loaded net has one buffer too
    assert loaded.params[0] == 9
    with np.load(path, allow_pickle=False) as npz:  # plain arrays only: nothing pickled
        assert sorted(npz.files) == ["header", "params"]
        header = json.loads(str(npz["header"][()]))
    assert header["schema"] == 1 and header["nnkern_version"] == nk.__version__ and header["sizes"] == [2, 5, 3]


def test_save_does_not_overwrite_unless_asked(tmp_path):
    net, path = trained(), tmp_path / "model.npz"
    path.write_bytes(b"precious")
    with pytest.raises(ValueError, match="already exists"):
        net.save(path)
    assert path.read_bytes() == b"precious"
    net.save(path, overwrite=True)
    assert nk.MLP.load(path).sizes == [2, 5, 3]


def write_model(path, header, params):
    np.savez(path, header=np.array(json.dumps(header)), params=params)
    return path


def good_header(**changes):
    return dict({"format": "nnkern-model", "schema": 1, "nnkern_version": "0.1.0", "sizes": [2, 3, 1],
                 "activation": "tanh", "output": "sigmoid", "dtype": "float32", "seed": 0}, **changes)


@pytest.mark.parametrize("make, message", [
    (lambda p: p, "no such model file"),
    (lambda p: p.write_bytes(b"not a zip") and p, "not a readable nnkern model file"),
    (lambda p: write_model(p, good_header(schema=7), np.zeros(13, np.float32)), "schema 7"),
    (lambda p: write_model(p, {"format": "other"}, np.zeros(13, np.float32)), "not an nnkern model file"),
    (lambda p: write_model(p, good_header(), np.zeros(12, np.float32)), r"params is float32\(12,\), but sizes \[2, 3, 1\]"),
    (lambda p: write_model(p, good_header(activation="swish"), np.zeros(13, np.float32)), "invalid model header"),
    (lambda p: write_model(p, good_header(), np.full(13, np.nan, np.float32)), "NaN"),
    (lambda p: np.savez(p, params=np.zeros(13)) or p, "no header array"),
])
def test_bad_model_files_get_a_clear_error(tmp_path, make, message):
    path = tmp_path / "model.npz"
    make(path)
    with pytest.raises(nk.ModelFileError, match=message) as info:
        nk.MLP.load(path)
    assert str(path) in str(info.value)


def test_load_refuses_pickled_objects(tmp_path):
    path = tmp_path / "model.npz"
    np.savez(path, header=np.array([{"format": "nnkern-model"}], dtype=object), params=np.zeros(13, np.float32))
    with pytest.raises(nk.ModelFileError, match="not a readable nnkern model file"):
        nk.MLP.load(path)
