"""Write a recording as one self-contained HTML page (``nk.explore``): the run's data, a chosen
set of snapshots and the palette as JSON, with ``explorer.js`` and ``explorer.css`` inlined.

Snapshots: ``n_snapshots`` steps spaced as the scenes play a run (geometric in screen time, so
early training, which changes fastest, gets most of them), each parameter stored as int16
times a float32 scale of its own (its largest |value| over the chosen snapshots / 32767): the
page's parameters differ from the recorded ones by at most half that scale.
"""

import base64
import json
import os
import re
from importlib import resources

import numpy as np

from ..palette import PALETTE
from ..record import Recording
from ..views import input_scale, slow_motion_steps, square_extent

#: default number of snapshots in a page (fewer for big nets: at most SNAPSHOT_BYTES of int16 parameters),
#: and their screen-time spacing (as ``TrainingTracker.time_at``)
N_SNAPSHOTS, SNAPSHOT_BYTES, SLOW_MOTION = 600, 1_200_000, 20.0
#: plane grid points per side, and neurons drawn per layer before the rest collapse into "⋮"
RESOLUTION, MAX_SHOWN = 128, 16
FORMAT = "nnkern-explorer"
QMAX = 32767


def explore(recording, path, *, n_snapshots=None, title=None, palette=None):
    """Write ``recording`` (a ``Recording`` or a recording folder) as one HTML page at ``path``
    that opens from disk with no server or network; returns the path.

    The run must be a classifier on 2 inputs (sigmoid with one output, or softmax).
    n_snapshots: how many snapshots the page keeps (all if the run has fewer; default 600, fewer for
    nets so big that 600 would pass SNAPSHOT_BYTES, and at least 2); title: the page's
    heading (default: the architecture and the dataset); palette: a ``nnkern.palette.Palette``.
    """
    rec = recording if isinstance(recording, Recording) else Recording.load(recording)
    data = page_data(rec, n_snapshots=n_snapshots, title=title, palette=palette)
    html = render(data)
    path = os.fspath(path)
    tmp = f"{path}.writing"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(html)
    os.replace(tmp, path)  # an existing page is replaced only by a complete one
    return path


def check_explorable(header):
    """ValueError unless the recording's model is a classifier on 2 inputs."""
    m = header["model"]
    sizes, output = m["sizes"], m["output"]
    if sizes[0] != 2:
        raise ValueError(f"the explorer draws the input plane of a network with 2 inputs; this recording's "
                         f"network ({'-'.join(map(str, sizes))}) has {sizes[0]}")
    if not (output == "softmax" or (output == "sigmoid" and sizes[-1] == 1)):
        raise ValueError(f"the explorer needs a classifier (softmax, or sigmoid with one output); this recording's "
                         f"network has output={output!r} with {sizes[-1]} output(s)")


def chosen_snapshots(steps, n):
    """Indices into ``steps`` (increasing recorded steps) of at most n snapshots, first and last included,
    nearest to n steps spaced geometrically in screen time (``SLOW_MOTION`` times more steps per
    second at the end than at the start)."""
    steps = np.asarray(steps)
    if len(steps) <= n:
        return np.arange(len(steps))
    targets = slow_motion_steps(steps[0], steps[-1], np.linspace(0.0, 1.0, n), SLOW_MOTION)
    right = np.clip(np.searchsorted(steps, targets), 1, len(steps) - 1)
    nearer_left = targets - steps[right - 1] < steps[right] - targets
    return np.unique(np.where(nearer_left, right - 1, right))


def quantize(params):
    """(k, P) parameters -> (q (k, P) int16, scale (P,) float32) with params ~ q * scale, error <= scale / 2."""
    params = np.asarray(params, dtype=np.float64)
    scale = (np.abs(params).max(axis=0) / QMAX).astype(np.float32)
    safe = np.where(scale > 0, scale, 1).astype(np.float64)
    q = np.clip(np.rint(params / safe), -QMAX, QMAX).astype(np.int16)
    return q, scale


def dequantize(q, scale):
    """The parameters a page holds: float32(q) * scale, rounded in float32 as the page rounds them."""
    return q.astype(np.float32) * np.asarray(scale, dtype=np.float32)


def page_data(rec, *, n_snapshots=None, title=None, palette=None):
    """The JSON-ready dict a page is built from (see ``explore``)."""
    check_explorable(rec.header)
    if len(rec) == 0:
        raise ValueError("the recording holds no snapshots")
    m, training = rec.header["model"], rec.header["training"]
    if n_snapshots is None:
        n_snapshots = max(2, min(N_SNAPSHOTS, SNAPSHOT_BYTES // (2 * m["n_params"])))
    if int(n_snapshots) < 2:
        raise ValueError(f"n_snapshots must be at least 2 (the first and the last); got {n_snapshots}")
    chosen = chosen_snapshots(rec.steps, int(n_snapshots))
    q, scale = quantize(rec.stack("params", chosen))
    X, y = rec.data
    extent = square_extent(X)
    meta = rec.header.get("meta") or {}
    arch = "-".join(map(str, m["sizes"]))
    history = {k: [None if v != v else float(v) for v in vals] for k, vals in rec.history.items()}
    return {
        "format": FORMAT,
        "title": title or f"{arch} {m['activation']} → {m['output']}" + (f" on {meta['dataset']}" if meta.get("dataset") else ""),
        "model": {k: m[k] for k in ("sizes", "activation", "output", "dtype")},
        "extent": [float(v) for v in extent],
        "inputScale": input_scale(extent),
        "resolution": RESOLUTION,
        "maxShown": MAX_SHOWN,
        "palette": (palette or PALETTE).to_dict(),
        "stepsPerEpoch": int(training["steps_per_epoch"]),
        "snapshots": {
            "steps": rec.steps[chosen].tolist(),
            "scale": _b64(scale),
            "q": _b64(q),
        },
        "history": history,
        "data": {"X": _b64(np.asarray(X, dtype=np.float32)), "y": _b64(np.asarray(y, dtype=np.uint8))},
    }


def _b64(array):
    """Little-endian bytes of ``array`` as base64 text."""
    a = np.ascontiguousarray(array)
    return base64.b64encode(a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()).decode("ascii")


def _asset(name):
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def render(data):
    """The page's HTML: the template with the stylesheet, the data (JSON) and the script inlined."""
    blob = json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    parts = {"{{TITLE}}": _html_escape(data["title"]), "{{STYLE}}": _asset("explorer.css"),
             "{{DATA}}": blob, "{{SCRIPT}}": _asset("explorer.js")}
    return re.sub(r"{{[A-Z]+}}", lambda m: parts[m.group(0)], _asset("template.html"))


def _html_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
