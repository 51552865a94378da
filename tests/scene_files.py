"""The scene files of ``scenes/`` loaded as modules (they are files for ``manim render``, not a package)."""

import importlib.util
import pathlib

SCENES = pathlib.Path(__file__).resolve().parents[1] / "scenes"


def load_scene(name, alias=None):
    """A fresh module of ``scenes/<name>.py``, named ``alias`` (default ``<name>_scene``)."""
    spec = importlib.util.spec_from_file_location(alias or f"{name}_scene", SCENES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dry_run_captions(scene_class, frame_rate=1):
    """The captions (``say`` texts, in order) of a dry run of ``scene_class`` at -ql and ``frame_rate``."""
    import manim

    texts = []
    with manim.tempconfig({"dry_run": True, "quality": "low_quality", "frame_rate": frame_rate, "progress_bar": "none"}):
        scene = scene_class()
        say = scene.say
        scene.say = lambda text, *a, **k: texts.append(text) or say(text, *a, **k)
        scene.render()
    return texts
