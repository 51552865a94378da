"""nk.cache: a scene's default run is trained once per settings and nnkern version, then loaded."""

import numpy as np
import pytest

import nnkern as nk


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NNKERN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def trainer(calls):
    def train(folder):
        calls.append(folder)
        X, y = nk.datasets.load("xor", n=32, seed=0)
        nk.train(nk.MLP([2, 3, 1], seed=0), X, y, epochs=2, record=1, record_to=folder, quiet=True)
    return train


def test_a_run_is_trained_once_per_settings(cache):
    calls = []
    first = nk.cache.recording("scene", {"lr": 0.1}, trainer(calls))
    again = nk.cache.recording("scene", {"lr": 0.1}, trainer(calls))
    assert len(calls) == 1 and again.complete
    np.testing.assert_array_equal(first.params_at(len(first) - 1), again.params_at(len(again) - 1))
    nk.cache.recording("scene", {"lr": 0.2}, trainer(calls))  # a changed setting trains again
    nk.cache.recording("other", {"lr": 0.1}, trainer(calls))  # so does another scene
    assert len(calls) == 3
    assert sorted(p.name.split("-")[0] for p in cache.iterdir()) == ["other", "scene", "scene"]


def test_the_key_follows_settings_and_version(monkeypatch):
    key = nk.cache.key({"a": 1, "b": [2, 3]})
    assert key == nk.cache.key({"b": [2, 3], "a": 1}) and key != nk.cache.key({"a": 1, "b": [2, 4]})
    monkeypatch.setattr(nk.cache, "__version__", "99.0")
    assert key != nk.cache.key({"a": 1, "b": [2, 3]})


def test_a_damaged_or_unfinished_copy_is_trained_again(cache):
    calls = []
    rec = nk.cache.recording("scene", {}, trainer(calls))
    (cache / rec.path.split("/")[-1] / "header.json").write_text("{")
    nk.cache.recording("scene", {}, trainer(calls))
    assert len(calls) == 2 and not list(cache.glob("*.partial-*"))


def test_a_failed_training_leaves_no_cached_run(cache):
    def fail(folder):
        trainer([])(folder)
        raise RuntimeError("killed")
    with pytest.raises(RuntimeError):
        nk.cache.recording("scene", {}, fail)
    calls = []
    nk.cache.recording("scene", {}, trainer(calls))
    assert len(calls) == 1
