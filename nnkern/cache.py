"""Train once, render many: recordings kept on disk under a key of their settings.

A scene's default run is a function of a few settings (data, network, training); ``recording``
trains it the first time and loads it afterwards. The folder is ``$NNKERN_CACHE`` (default
``~/.cache/nnkern``)/``<name>-<key>``, the key a hash of the settings and the nnkern version, so
changing a setting or upgrading nnkern trains again.
"""

import hashlib
import json
import os
import pathlib
import shutil

from . import __version__
from .record import Recording, RecordingError, storage


def folder():
    """The cache folder: $NNKERN_CACHE, else ~/.cache/nnkern."""
    return pathlib.Path(os.environ.get("NNKERN_CACHE") or pathlib.Path.home() / ".cache" / "nnkern")


def key(settings):
    """16 hex digits naming ``settings`` (a JSON-ready dict) under this nnkern version."""
    text = json.dumps({"settings": settings, "nnkern": __version__}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def recording(name, settings, train):
    """The Recording that ``train(path)`` records into a new folder ``path`` for ``settings``, trained
    only when no complete one is cached yet (a damaged or unfinished one is trained again).

    ``name`` (e.g. the scene's) keeps different uses of equal settings apart. Training writes to a
    temporary folder renamed into place when done, so parallel renders never read half a run.
    """
    path = folder() / f"{name}-{key(settings)}"
    cached = _load(path)
    if cached is not None:
        return cached
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
    storage.wait_written(partial)  # an earlier training of this process may still write there
    shutil.rmtree(partial, ignore_errors=True)
    train(partial)
    storage.wait_written(partial)  # training returns before its last writes
    shutil.rmtree(path, ignore_errors=True)  # a damaged earlier copy
    try:
        partial.rename(path)
    except OSError:  # another process put its copy there first: keep that one
        shutil.rmtree(partial, ignore_errors=True)
    return Recording.load(path)


def _load(path):
    """The complete recording at ``path``, else None."""
    try:
        rec = Recording.load(path)
    except RecordingError:
        return None
    return rec if rec.complete else None
