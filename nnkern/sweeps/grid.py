"""A sweep's grid: every combination of the settings given as lists, each one run with a stable
folder name (readable settings and a hash of all of them, so a rerun finds the same folder).

    expand({"dataset": "spiral", "layers": [[2, 4, 1], [2, 8, 8, 1]], "lr": [0.003, 0.03], "seed": [0, 1]})
    -> 8 run settings, each a dict with every key of DEFAULTS
"""

import hashlib
import itertools
import json
import os
import re

#: the settings of one run and their defaults. Data: ``dataset`` generated from n, noise and
#: ``data_seed`` (the same data for every seed), or the user's files as "csv:PATH" or
#: "idx:IMAGES,LABELS" (see ``data_label``), ``val`` held out; ``seed`` seeds the initial
#: weights and the shuffling; ``record`` is nk.train's schedule (not swept); output None means
#: sigmoid for one output unit, else softmax.
DEFAULTS = dict(dataset="spiral", n=None, noise=0.05, data_seed=0, val=0.25, layers=None, activation="tanh",
                output=None, dtype="float32", epochs=200, batch_size=32, optimizer="adam", lr=0.01,
                weight_decay=0.0, seed=0, record="geometric")
_FLOATS = ("noise", "val", "lr", "weight_decay")
_INTS = ("data_seed", "epochs", "batch_size", "seed")
_FIXED = ("record",)  # a list here is one value, not a set to sweep


def expand(grid):
    """Settings dicts of every run in ``grid``: a dict of key -> value or list of values (the
    product over lists), or a list of such dicts (their union, without repeats).  ``layers`` is
    one list of widths or a list of them.  Raises ValueError naming an unknown key or bad value."""
    grids = [grid] if isinstance(grid, dict) else list(grid) if isinstance(grid, (list, tuple)) else None
    if not grids or not all(isinstance(g, dict) for g in grids):
        raise ValueError(f"a sweep's grid must be a dict of settings (or a list of dicts); got {grid!r}")
    runs, seen = [], set()
    for g in grids:
        for spec in _product(g):
            name = run_name(spec)
            if name not in seen:
                seen.add(name)
                runs.append(spec)
    return runs


def _product(grid):
    unknown = set(grid) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown sweep setting(s) {', '.join(sorted(map(repr, unknown)))}; "
                         f"expected some of {', '.join(DEFAULTS)}")
    options = {k: _options(k, grid.get(k, v)) for k, v in DEFAULTS.items()}
    if options["layers"] == [None]:
        raise ValueError("a sweep needs layers, e.g. {'layers': [[2, 8, 1], [2, 16, 16, 1]]}")
    for values in itertools.product(*options.values()):
        yield dict(zip(options, values))


def _options(key, value):
    """The values a setting takes, each normalised (ints as int, floats as float, layers as a list)."""
    if key == "layers":
        many = isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple))
        values = list(value) if many else [value]
        return [None if v is None else _widths(v) for v in values]
    values = list(value) if isinstance(value, (list, tuple)) and key not in _FIXED else [value]
    if not values:
        raise ValueError(f"sweep setting {key!r} is an empty list")
    return [_typed(key, v) for v in values]


def _widths(value):
    try:
        widths = [int(w) for w in value]
    except (TypeError, ValueError):
        raise ValueError(f"layers {value!r}: expected a list of widths, inputs first, e.g. [2, 16, 1]") from None
    if widths != list(value):
        raise ValueError(f"layers {value!r}: widths must be integers")
    return widths


def _typed(key, value):
    try:
        if key in _FLOATS:
            return float(value)
        if key in _INTS:
            if isinstance(value, bool) or int(value) != value:
                raise ValueError
            return int(value)
    except (TypeError, ValueError):
        kind = "a number" if key in _FLOATS else "an integer"
        raise ValueError(f"sweep setting {key!r} must be {kind} (or a list of them); got {value!r}") from None
    return value


def run_name(spec):
    """The run's folder name: its main settings, then 8 hex digits of a hash of all of them."""
    digest = hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:8]
    layers = "-".join(map(str, spec["layers"]))
    return f"{data_label(spec['dataset'])}_{layers}_{spec['activation']}_{spec['optimizer']}_lr{spec['lr']:g}_seed{spec['seed']}_{digest}"


def varying(specs):
    """The settings whose values differ between ``specs``, in DEFAULTS order."""
    return [k for k in DEFAULTS if len({json.dumps(s[k]) for s in specs}) > 1]


def describe(spec, key):
    """One setting in a few words: "lr 0.03", "seed 1", "2-16-16-1", "relu"."""
    value = spec[key]
    if key == "layers":
        return "-".join(map(str, value))
    if key == "dataset":
        return data_label(value)
    if key in ("activation", "optimizer", "dtype"):
        return str(value)
    return f"{key.replace('_', ' ')} {value:g}" if isinstance(value, float) else f"{key.replace('_', ' ')} {value}"


def data_label(dataset):
    """A short name for a run's data: the dataset's name, or the stem of the user's CSV or IDX images file."""
    kind, _, where = dataset.partition(":")
    if kind not in ("csv", "idx") or not where:
        return dataset
    stem = os.path.basename(where.split(",")[0])
    for ext in (".gz", ".csv", ".idx3-ubyte", "-idx3-ubyte"):
        stem = stem[: -len(ext)] if stem.endswith(ext) else stem
    return re.sub(r"[^A-Za-z0-9.-]+", "-", stem) or kind
