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
