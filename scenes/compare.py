"""Many training runs side by side: ``manim render scenes/compare.py``.

With no settings the scene trains SWEEP below in this process (nine runs: three learning rates,
three seeds; a second or two, then kept in nk.cache's folder) and tells the learning-rate story with them.
``NNKERN_RUN=runs/sweep manim render scenes/compare.py`` draws a sweep made by ``nnkern sweep``:
classifiers of 2 inputs on one dataset (2 to 7 classes: a CSV of your own with ``dataset="csv:PATH"``);
up to 12 runs on screen (more: the best and the worst, the rest in summary.csv). Runs are grouped into
rows by the first setting that varies.
"""

import dataclasses
import os

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Create, FadeIn, FadeOut, LaggedStart,
                   UpdateFromAlphaFunc, ValueTracker, VGroup, config)

import nnkern as nk
from nnkern.sweeps import grid, summary
from nnkern.viz import BoundaryGrid, LossCurve, plane, style
from nnkern.viz.boundary_grid import sample_points
from nnkern.viz.captions import CaptionedScene
from nnkern.viz.text import Number, text as light_text

config.disable_caching = True

SWEEP = dict(dataset="spiral", n=600, layers=[2, 16, 16, 1], activation="tanh", optimizer="adam",
             lr=[0.0005, 0.02, 0.5], seed=[0, 1, 2], epochs=120, batch_size=32)
TRAINING_SECONDS = 22
MOST_SHOWN = 12


def load_sweep():
    """(folder, [(row, recording)] of the runs to draw, number of runs in the table)."""
    folder = os.environ.get("NNKERN_RUN")
    if not folder:  # a sweep folder per SWEEP in nk.cache's: a second render trains nothing (complete runs are skipped)
        folder = str(nk.cache.folder() / f"compare-{nk.cache.key(SWEEP)}")
        nk.sweep(SWEEP, folder, n_workers=0, progress=False)
    import fsspec.core

    rows = summary.read(*fsspec.core.url_to_fs(folder))
    drawable = [r for r in rows if os.path.exists(os.path.join(folder, r["name"], "header.json"))]
    runs = [(r, nk.Recording.load(os.path.join(folder, r["name"]))) for r in summary.shown(drawable, MOST_SHOWN)]
    if not runs:
        raise SystemExit(f"NNKERN_RUN={folder}: no recorded run to draw")
    for row, rec in runs:
        model, meta = rec.header["model"], rec.header.get("meta") or {}
        if model["sizes"][0] != 2 or model["output"] == "identity":
            raise SystemExit(f"NNKERN_RUN={folder}: this scene draws classifiers of 2 inputs; run {row['name']} "
                             f"has sizes {model['sizes']} and output {model['output']!r}")
        if any(meta.get(k) != runs[0][1].header["meta"].get(k) for k in ("dataset", "n", "noise", "data_seed", "val")):
            raise SystemExit(f"NNKERN_RUN={folder}: the runs were trained on different data; draw one dataset at a time")
    return folder, runs, len(rows)


def class_list(names):
    """Class names as words: "red or blue", "red, blue or green"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def layout(specs):
    """(cells, groups, row labels, tile labels): rows by the first varying setting when that fits a
    grid of at most 4 a row, else 4 a row; labels name the other varying settings."""
    keys = grid.varying(specs) or ["seed"]
    rows = sorted({grid.describe(s, keys[0]) for s in specs}, key=lambda d: [s[keys[0]] for s in specs
                  if grid.describe(s, keys[0]) == d][0])  # fmt: skip
    per_row = [[i for i, s in enumerate(specs) if grid.describe(s, keys[0]) == d] for d in rows]
    if len(rows) <= 4 and max(map(len, per_row)) <= 4 and len(keys) > 1:
        cells, groups = [None] * len(specs), [0] * len(specs)
        for r, members in enumerate(per_row):
            for c, i in enumerate(members):
                cells[i], groups[i] = (r, c), r
        labels = ["\n".join(grid.describe(s, k) for k in keys[1:3]) for s in specs]
        return cells, groups, rows, labels
    groups = [rows.index(grid.describe(s, keys[0])) for s in specs]
    labels = ["\n".join(grid.describe(s, k) for k in keys[:2]) for s in specs]
    return [divmod(i, 4) for i in range(len(specs))], groups, None, labels


def snapshot_at(rec, epoch):
    """Fractional snapshot index of ``rec`` at a fractional epoch (held at the last snapshot)."""
    step = epoch * rec.header["training"]["steps_per_epoch"]
    return float(np.interp(step, rec.steps, np.arange(len(rec))))


def loss_series(rec, epochs, cap):
    """Training loss at epochs 0..epochs (NaN after a run stopped), capped at ``cap`` for the plot."""
    values = np.full(epochs + 1, np.nan)
    history = [rec.losses[0], *rec.history.get("loss", [])][: epochs + 1]
    values[: len(history)] = history
    return np.minimum(values, cap)


class CompareScene(CaptionedScene):
    caption_size = 28

    def construct(self):
        self.folder, runs, n_table = load_sweep()
        rows, recs = [r for r, _ in runs], [rec for _, rec in runs]
        specs = [rec.header["meta"] for rec in recs]
        keys = grid.varying(specs) or ["seed"]
        cells, groups, row_labels, labels = layout(specs)
        X, y = recs[0].data
        X_shown, y_shown = sample_points(X, y, 160)
        n_rows = max(r for r, _ in cells) + 1
        n_cols = max(c for _, c in cells) + 1
        side = min(1.9, 6.9 / n_rows - 0.65, 7.6 / n_cols - 0.3)
        board = BoundaryGrid(plane.square_extent(X), X_shown, y_shown, labels, cells=cells, groups=groups,
                             row_labels=row_labels, side=side, resolution=72, gap=0.25)
        board.to_edge(LEFT, buff=0.35).to_edge(DOWN, buff=0.25)
        nets = [rec.model_at(0) for rec in recs]
        board.set_params(nets)

        # 1. The runs.
        self.next_section("runs")
        what = " x ".join(f"{len({grid.describe(s, k) for s in specs})} {k.replace('_', ' ')}s" for k in keys[:2])
        self.say(f"{len(runs)} training runs of one network on one dataset" + (f": {what}" if len(keys) <= 2 else ""))
        self.play(LaggedStart(*(FadeIn(board.cell(i), scale=0.9) for i in range(len(runs))), lag_ratio=0.15, run_time=2.5),
                  FadeIn(board.row_labels))
        self.add(board)  # the whole grid from now on (its tiles were faded in one by one)
        self.wait(1)
        k = max(2, recs[0].header["model"]["sizes"][-1])  # one sigmoid output: two classes
        self.say(f"Each square: one run's answer over the plane, {class_list(style.PALETTE.class_names[:k])}, "
                 "with the data on top")
        self.wait(2)

        # 2. Training, all runs in lockstep.
        self.next_section("training")
        epochs = max(rec.header["training"]["epochs"] for rec in recs)
        cap = 1.5 * max(float(rec.losses[0]) for rec in recs)
        p = style.current()
        by_run = dataclasses.replace(p, curves=tuple(p.series[g % len(p.series)] for g in groups))  # a run's curve: its row's colour
        curve = LossCurve(np.arange(epochs + 1), {r["name"]: loss_series(rec, epochs, cap) for r, rec in runs},
                          width=min(4.3, 12.6 - board.width), height=2.4, log_x=True, palette=by_run)
        curve.frame.remove(curve.keys)
        curve.trace.remove(curve.dot)
        curve.labels[1].next_to(curve.axes.x_axis, DOWN, buff=0.45)  # below the tick labels, not among them
        curve.next_to(board, RIGHT, buff=0.9).to_edge(UP, buff=1.3)
        legend = VGroup(*(light_text(t, font_size=24, color=board.group_color(g)) for g, t in enumerate(row_labels or [])))
        if row_labels:  # a sweep of one varying setting has no rows to name
            legend.arrange(DOWN, aligned_edge=LEFT, buff=0.12).next_to(curve, DOWN, buff=0.35).align_to(curve.axes, LEFT)
        counter = VGroup(light_text("epoch", font_size=28, color=p.text),
                         Number(0, num_decimal_places=0, font_size=40, color=p.text))
        counter.arrange(RIGHT).to_corner(RIGHT + DOWN, buff=0.4)
        self.say("They all train at once, epoch for epoch")
        self.play(Create(curve.axes), FadeIn(curve.labels, curve.ticks, legend, counter))
        self.add(curve.trace)
        epoch = ValueTracker(0.0)

        def follow(_):
            e = epoch.get_value()
            board.set_params([rec.model_at(snapshot_at(rec, e)) for rec in recs])
            curve.set_epoch(e)
            counter[1].set_value(e)

        board.add_updater(follow)
        self.say("Slow motion at the start, where learning is fastest")
        # screen time t in [0, 1] -> epoch epochs * t**2: early epochs get most of the time
        self.play(UpdateFromAlphaFunc(epoch, lambda m, a: m.set_value(epochs * a**2)), run_time=TRAINING_SECONDS)
        board.remove_updater(follow)

        # 3. The story, group by group (rows), from the runs' final numbers.
        self.next_section("groups")
        best = summary.ranked(rows)[0] if summary.ranked(rows) else None
        best_group = groups[rows.index(best)] if best else 0
        lines = list(curve.lines.values())
        for g in sorted(set(groups)):
            members = [i for i in range(len(runs)) if groups[i] == g]
            frame = VGroup(*(board.highlight(i, width=4).set_color(board.group_color(g)) for i in members))
            self.play(FadeIn(frame), *(lines[i].animate.set_stroke(opacity=1 if i in members else 0.2)
                                       for i in range(len(runs))))
            self.say(self.group_story(g, best_group, [rows[i] for i in members], specs[members[0]], keys[0]))
            self.wait(3)
            self.play(FadeOut(frame))

        # 4. The best run.
        self.next_section("best")
        if best is not None:
            i = rows.index(best)
            ring = board.highlight(i)
            self.play(Create(ring), lines[i].animate.set_stroke(p.marker, width=6, opacity=1),
                      *(line.animate.set_stroke(opacity=0.2) for j, line in enumerate(lines) if j != i))
            what = ", ".join(grid.describe(specs[i], k) for k in keys[:3])
            self.say(f"Best: {what}; validation loss {best['val_loss']:.3f}, accuracy {100 * best['val_acc']:.0f}%")
            self.wait(3)
        if n_table > len(runs):
            self.next_section("table")
            self.say(f"Shown: the best and worst {len(runs)} of {n_table} runs; all of them are in summary.csv")
            self.wait(3)
        self.wait(1)
        self.say(None)

    def group_story(self, g, best_group, members, spec, key):
        """One caption for a row of runs: its setting, what happened, its final numbers."""
        done = [r for r in members if r["status"] == "complete"]
        loss = np.mean([r["loss"] for r in done]) if done else float("nan")
        acc = np.mean([r["val_acc"] for r in done]) if done else float("nan")
        diverged = len(members) - len(done)
        numbers = f"loss {loss:.2f}, validation accuracy {100 * acc:.0f}%" if done else "no run finished"
        words = ""
        if key == "lr":  # rows go up in lr
            words = ("about right: fast, then settles" if g == best_group else
                     "too small: it crawls" if g < best_group else "too large: it overshoots and jumps")
        if diverged:
            numbers += f"; {diverged} diverged"
        return f"{grid.describe(spec, key)}{' is ' + words if words else ''} ({numbers})"
