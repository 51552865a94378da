"""Typeset once per machine: mobjects that are slow to build (Manim's ``Text`` parses an SVG, some
150 ms a caption) kept on disk, pickled, and loaded in a few milliseconds by later renders.

The folder is ``nnkern.cache.folder()/mobjects``; a file's name is a hash (``nnkern.cache.key``) of
what built the mobject (a kind, its arguments), Manim's renderer and the versions of Manim,
ManimPango and nnkern, so another version builds anew. A file that cannot be read (damaged, from
another Python) is built and written again; a folder that cannot be written, or a mobject that
cannot be pickled, only loses the speed-up. Writes go to a temporary name renamed into place, so
parallel renders never read half a file. The pickles are this user's own, as the rest of the cache
folder is. Like Manim's own SVG files of text, a kept mobject does not notice fonts installed
later: delete the folder then.
"""

import contextlib
import os
import pickle

import manim
import manimpango
from manim import ManimColor

from .. import cache

#: the arguments' types that name a mobject (anything else is built, not kept)
PLAIN = (str, int, float, bool, type(None))


def folder():
    """Where the pickled mobjects are kept."""
    return cache.folder() / "mobjects"


def key(kind, args):
    """The name (``nnkern.cache.key``) of the mobject ``kind`` builds from ``args`` (a dict), or None
    when an argument is not plain data."""
    named = {}
    for name, value in args.items():
        named[name] = value.to_hex(with_alpha=True) if isinstance(value, ManimColor) else value
        if not isinstance(named[name], PLAIN):
            return None
    return cache.key({"kind": kind, "args": named, "renderer": str(manim.config.renderer),
                      "manim": manim.__version__, "manimpango": manimpango.__version__})


def built(kind, args, build):
    """``build()`` (a mobject made from ``args`` alone), loaded from the disk when an earlier call
    with the same kind and args (in this or another process) kept it there, else built and kept."""
    name = key(kind, args)
    if name is None:
        return build()
    path = folder() / f"{name}.pickle"
    try:
        return pickle.loads(path.read_bytes())
    except Exception:  # none yet; or damaged, unreadable by this Python: built and written over
        pass
    mobject = build()
    try:
        data = pickle.dumps(mobject, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):  # e.g. an updater made of a local function
        return mobject
    _keep(path, data)
    return mobject


def _keep(path, data):
    """Write data at path by a rename (readers see the whole file or none) from a temporary name of
    this process's own (two renders may keep the same text at once, so not ``storage.write_atomic``'s
    one name per file); an unwritable folder is left be."""
    partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
