"""``NNKERN_RUN`` given to the flagship scene: a run it cannot draw stops it with one clear line."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

import nnkern as nk
from scene_files import load_scene

pytest.importorskip("manim")
SCENE = pathlib.Path(__file__).resolve().parents[1] / "scenes" / "training.py"


@pytest.fixture(scope="module")
def scene():
    return load_scene("training")


def diverged(folder, lr):
    X, y = nk.datasets.load("xor", n=64, seed=0)
    with pytest.raises(nk.TrainingDiverged):
        nk.train(nk.MLP([2, 8, 1]), X, y, epochs=5, optimizer="sgd", lr=lr, record=1, record_to=folder, quiet=True)
    return folder


def good(folder):
    X, y = nk.datasets.load("xor", n=64, seed=0)
    nk.train(nk.MLP([2, 4, 1]), X, y, epochs=2, record=1, record_to=folder, quiet=True).wait()
    return folder


def corrupt_header(folder):
    good(folder)
    (folder / "header.json").write_text("{not json")
    return folder


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp / "nowhere", "no such recording folder"),
    (corrupt_header, "header.json: unreadable header"),
    (lambda tmp: diverged(tmp / "run", 1e39), "the run has no finished epoch to animate"),  # diverges in epoch 1
    (lambda tmp: diverged(tmp / "run", 1e36), "the run diverged"),  # after epoch 1
    (lambda tmp: (good(tmp / "run") / "data.npz").unlink() or tmp / "run", "data.npz: missing file"),
])
def test_a_run_the_scene_cannot_draw_exits_with_one_line(scene, tmp_path, monkeypatch, make, message):
    path = make(tmp_path)
    monkeypatch.setenv("NNKERN_RUN", str(path))
    with pytest.raises(SystemExit) as exit:
        scene.load_run()
    text = str(exit.value.code)
    assert text.startswith(f"NNKERN_RUN={path}: ") and message in text and "\n" not in text


def test_a_good_run_loads(scene, tmp_path, monkeypatch):
    monkeypatch.setenv("NNKERN_RUN", str(good(tmp_path / "run")))
    run = scene.load_run()
    assert run.net.sizes == [2, 4, 1] and len(run.X) == 64


def test_manim_render_prints_only_that_line(tmp_path):
    env = dict(os.environ, NNKERN_RUN=str(tmp_path / "nowhere"))
    done = subprocess.run([sys.executable, "-m", "manim", "render", "--dry_run", str(SCENE)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert done.stderr.strip() == f"NNKERN_RUN={tmp_path / 'nowhere'}: {tmp_path / 'nowhere'}: no such recording folder"
