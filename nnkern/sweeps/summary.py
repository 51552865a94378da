"""A sweep's table, ``summary.csv``: one row per run (its folder name, status, settings, final
train and validation loss and accuracy, epochs trained, seconds, error), gathered from the runs'
``result.json`` files; and the best runs of it, as ``nnkern sweep --summary`` prints them."""

import csv
import io
import json
import math

from .grid import DEFAULTS
from .worker import RESULT

SUMMARY = "summary.csv"
METRICS = ("loss", "acc", "val_loss", "val_acc")
COLUMNS = ("name", "status", *DEFAULTS, "epochs_done", *METRICS, "seconds", "error")


def read_results(fs, root):
    """{name: row} of every finished run (a folder with a readable result) under ``root`` on
    filesystem ``fs``; a run whose result cannot be read counts as interrupted."""
    rows = {}
    for path in sorted(fs.glob(f"{root}/*/{RESULT}")):
        name = path.rstrip("/").split("/")[-2]
        try:
            with fs.open(path, "r") as f:
                rows[name] = dict(json.load(f), name=name)
        except ValueError:
            continue
    return rows


def write(fs, root, rows):
    """Write ``rows`` (dicts with COLUMNS) as ``root``/summary.csv, replacing it whole."""
    text = io.StringIO()
    writer = csv.DictWriter(text, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in COLUMNS})
    tmp = f"{root}/.{SUMMARY}.tmp"
    with fs.open(tmp, "w") as f:
        f.write(text.getvalue())
    fs.mv(tmp, f"{root}/{SUMMARY}")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, list):
        return "-".join(map(str, value))
    return value


def read(fs, root):
    """The rows of ``root``/summary.csv: dicts of strings, metrics and seconds as floats (NaN if blank)."""
    path = f"{root}/{SUMMARY}"
    if not fs.exists(path):
        raise ValueError(f"{path}: no sweep summary here (run nnkern sweep --out {root} first)")
    with fs.open(path, "r") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for k in (*METRICS, "seconds"):
            row[k] = float(row[k]) if row.get(k) else math.nan
    return rows


def ranked(rows):
    """Complete runs, best first: by validation loss when there is one, else training loss."""
    done = [r for r in rows if r["status"] == "complete"]

    def key(row):
        loss = row["val_loss"] if not math.isnan(row["val_loss"]) else row["loss"]
        return math.inf if math.isnan(loss) else loss

    return sorted(done, key=key)


def best_table(rows, k=5):
    """Text: the ``k`` best runs, then a count of failed and unfinished ones with the first errors."""
    top = ranked(rows)[:k]
    shown = ("name", "val_loss", "val_acc", "loss", "acc", "epochs_done", "seconds")
    lines = [f"best {len(top)} of {len(rows)} runs (by validation loss, else training loss):"]
    widths = {c: max(len(c), *(len(_fmt(r[c])) for r in top)) if top else len(c) for c in shown}
    lines.append("  ".join(c.ljust(widths[c]) for c in shown))
    lines += ["  ".join(_fmt(r[c]).ljust(widths[c]) for c in shown) for r in top]
    failed = [r for r in rows if r["status"] != "complete"]
    if failed:
        lines.append(f"{len(failed)} failed:")
        lines += [f"  {r['name']}: {r['error']}" for r in failed[:k]]
    return "\n".join(lines)


def _fmt(value):
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def shown(rows, k=12):
    """At most ``k`` rows to draw, in table order: all when they fit, else the best k // 2 and the
    worst k - k // 2 (failed runs being the worst); the rest stay in the table."""
    if len(rows) <= k:
        return list(rows)
    order = ranked(rows)
    order += [r for r in rows if r not in order]  # the failed and unfinished, worst of all
    keep = {id(r) for r in order[: k // 2] + order[len(order) - (k - k // 2):]}
    return [r for r in rows if id(r) in keep]
