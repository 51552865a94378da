"""How the weights move over a whole run: ``manim render scenes/weights.py``.

One recorded run, replayed five ways: each layer's weight distribution as an animated histogram
(``nk.weight_histograms``), how much each layer moves per epoch (``nk.epoch_changes``), the weight
matrices as evolving heatmaps, and every hidden neuron's output on one fixed input at every recorded
step (``nk.probe_activations``), where ReLU units that die (``nk.dead_units``) go dark and stay dark.
Then two deeper nets of one shape, sigmoid against tanh, show the gradient size per layer
(``nk.gradient_rms``) on a log scale: the sigmoid net's first layers barely get any.

With no settings the scene trains RUN and DEPTH below (seconds, cached by ``nk.cache``).
``NNKERN_RUN=runs/myrun manim render scenes/weights.py`` replays your recording in the first four
parts: it needs 1 to MAX_LAYERS - 1 hidden layers, every layer (inputs included) at most MAX_WIDTH
wide, and at least two finished epochs; any other run stops with one line. The depth comparison
always uses DEPTH.
"""

import os

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    FadeIn,
    FadeOut,
    GrowFromEdge,
    Group,
    LaggedStart,
    Line,
    UpdateFromAlphaFunc,
    VGroup,
    config,
    linear,
)

import nnkern as nk
from nnkern.viz import CellGrid, Histogram, LogSeries, Raster, SeriesBars, style
from nnkern.viz.captions import CaptionedScene
from nnkern.viz.runs import env_recording
from nnkern.viz.text import number, text

config.disable_caching = True  # every animation here runs updaters: caching would only cost hashing

FONT = 24
# The run replayed: a ReLU net where a few units die while it learns (seed 2 loses several).
RUN = dict(
    data=dict(name="moons", n=400, noise=0.1, seed=0),
    sizes=[2, 16, 16, 1],
    activation="relu",
    seed=2,
    train=dict(epochs=30, batch_size=16, optimizer="adam", lr=0.02, seed=0, record=1),
)
# The depth comparison: one shape, two activations, plain SGD.
DEPTH = dict(
    data=RUN["data"],
    sizes=[2, 8, 8, 8, 8, 1],
    activations=("sigmoid", "tanh"),
    seed=0,
    train=dict(epochs=30, batch_size=16, optimizer="sgd", lr=0.1, seed=0, record=5),
)
MAX_LAYERS, MAX_WIDTH = 4, 32  # weight layers and widest layer the panels fit
BINS = 32
REPLAY = 8.0  # seconds a replay of the whole run takes
SLOW_MOTION = 12.0  # the end of a replay runs this many times more steps a second than its start
RASTER_COLUMNS = 400  # the raster's width in snapshots shown


def train_into(settings, activation):
    """A function training ``settings`` with ``activation`` into a folder (for ``nk.cache.recording``)."""

    def train(folder):
        X, y = nk.datasets.load(**settings["data"])
        net = nk.MLP(settings["sizes"], activation=activation, output="sigmoid", seed=settings["seed"])
        meta = dict(settings, activation=activation)
        nk.train(net, X, y, quiet=True, record_to=folder, record_meta=meta, **settings["train"])

    return train


def unfit(model):
    """Why this scene cannot replay a run of ``model`` (its header's dict), or None."""
    sizes = model["sizes"]
    if not 3 <= len(sizes) <= MAX_LAYERS + 1 or max(sizes) > MAX_WIDTH:
        return (f"this scene draws 1 to {MAX_LAYERS - 1} hidden layers and every layer at most {MAX_WIDTH} wide; "
                f"that run has sizes {sizes}")
    return None


def load_run():
    """The recording at $NNKERN_RUN (checked), else RUN's (trained on first use, then cached)."""
    rec = env_recording(lambda: nk.cache.recording("weights", RUN, train_into(RUN, RUN["activation"])), unfit)
    if len(np.unique(rec.epochs)) < 3:  # step 0 and two epochs
        raise SystemExit(f"NNKERN_RUN={os.environ.get('NNKERN_RUN')}: this scene compares epochs; "
                         "the run needs at least two finished epochs")
    return rec


def depth_runs():
    """{activation: recording} of DEPTH's nets (trained on first use, then cached)."""
    return {a: nk.cache.recording(f"weights-depth-{a}", dict(DEPTH, activation=a), train_into(DEPTH, a))
            for a in DEPTH["activations"]}


def replay(n):
    """A map from animation alpha (0..1) to a fractional snapshot index in [0, n - 1], slow at the
    start, where the weights move most."""
    return lambda alpha: float(nk.views.slow_motion_steps(0, n - 1, alpha, SLOW_MOTION))


def blend(stack, t):
    """Row t (fractional) of ``stack`` (n, ...): linear between the rows around it."""
    i = min(int(t), len(stack) - 2) if len(stack) > 1 else 0
    f = t - i
    return stack[i] if len(stack) == 1 else (1 - f) * stack[i] + f * stack[i + 1]


class WeightsScene(CaptionedScene):
    caption_size = 30

    def construct(self):
        self.rec = load_run()
        self.pal = style.PALETTE
        self.drawn = {}  # part -> the numbers behind what it drew (for tests)
        model = self.rec.header["model"]
        self.layers = len(model["sizes"]) - 1
        self.next_section("distributions")
        self.distributions(model)
        self.next_section("change per epoch")
        self.changes()
        self.next_section("weight maps")
        self.weight_maps()
        self.next_section("raster")
        self.raster(model)
        self.next_section("vanishing gradient")
        self.vanishing()
        self.say(None)
        self.wait(1)

    def counter(self):
        """A 'step N' readout at the bottom right and a function setting it from a snapshot index."""
        steps = self.rec.steps
        value = number(steps[-1], num_decimal_places=0, font_size=40, palette=self.pal)  # digits as tall as the label
        label = text("step", font_size=30, palette=self.pal)
        group = VGroup(label, value).arrange(RIGHT, buff=0.15).to_corner(DOWN + RIGHT, buff=0.4)  # room for the last
        value.set_value(steps[0])  # numbers grow from their left edge

        def show(t):
            value.set_value(float(np.interp(t, np.arange(len(steps)), steps)))

        return group, show

    # 1. Distributions
    def distributions(self, model):
        rec, n = self.rec, len(self.rec)
        counts, edges = nk.weight_histograms(rec, bins=BINS)
        self.drawn["histograms"] = (counts, edges)
        width = min(3.6, 12.6 / self.layers - 0.6)
        self.hists = VGroup(*(Histogram(counts[0, l], edges, width=width, height=1.9, top=counts[:, l].max(),
                                        label=f"layer {l + 1}: {model['sizes'][l]}×{model['sizes'][l + 1]} weights",
                                        font_size=FONT, palette=self.pal) for l in range(self.layers)))
        self.hists.arrange(RIGHT, buff=0.6, aligned_edge=DOWN).move_to([0, 1.05, 0])
        self.step, self.show_step = self.counter()
        sizes = "-".join(map(str, model["sizes"]))
        self.say(f"A {sizes} {model['activation']} network, every step recorded: how do its weights move?",
                 FadeIn(self.hists, lag_ratio=0.2), FadeIn(self.step))
        self.wait(2)
        self.say("Each layer's weights as a histogram, from the random start to the end")
        at = replay(n)

        def update(_, alpha):
            t = at(alpha)
            for l, h in enumerate(self.hists):
                h.set_counts(blend(counts[:, l], t))
            self.show_step(t)

        self.play(UpdateFromAlphaFunc(VGroup(self.hists, self.step), update), run_time=REPLAY, rate_func=linear)
        self.wait(1)

    # 2. Relative change per epoch
    def changes(self):
        epochs, change = nk.epoch_changes(self.rec)
        self.drawn["changes"] = (epochs, change)
        top = change.max()
        self.bars = VGroup()
        for l, h in enumerate(self.hists):
            b = SeriesBars(change[:, l], width=h.axis.width, height=1.6, top=top, font_size=FONT,
                           label=f"epochs 1–{epochs[-1]}", palette=self.pal)
            self.bars.add(b.next_to(h, DOWN, buff=0.55).align_to(h.axis, LEFT))
        first, last = 100 * change[0], 100 * change[-1]
        k = int(np.argmax(first))
        self.say("How far each layer moves per epoch, relative to its own size", *(FadeIn(b.frame) for b in self.bars))
        self.play(LaggedStart(*(GrowFromEdge(bar, DOWN) for b in self.bars for bar in b.bars), lag_ratio=0.01),
                  run_time=3)
        self.wait(1)
        self.say(f"Layer {k + 1} moves {first[k]:.0f}% in epoch 1 and {last[k]:.1f}% in epoch {epochs[-1]}: "
                 "most change is early")
        self.wait(2.5)

    # 3. Weight matrices
    def weight_maps(self):
        rec, n = self.rec, len(self.rec)
        stack = rec.stack()
        weights = rec.layout.views(stack.astype(np.float64))[0]  # per layer (n, fan_in, fan_out)
        scales = [float(np.abs(W).max()) or 1.0 for W in weights]
        self.drawn["weight maps"] = (weights, scales)
        cell = min(0.22, 3.6 / max(max(W.shape[1:]) for W in weights))
        grids = Group(*(CellGrid(*W.shape[1:], cell=cell, px=8, gap=1, signed=True, scale=s, palette=self.pal)
                        .set_values(W[0]) for W, s in zip(weights, scales)))
        grids.arrange(RIGHT, buff=1.0).move_to([0, -0.2, 0])
        labels = VGroup(*(text(f"W{l + 1}: {W.shape[1]}×{W.shape[2]}", font_size=FONT, palette=self.pal)
                          .next_to(g, UP, buff=0.2) for l, (W, g) in enumerate(zip(weights, grids))))
        self.maps = Group(grids, labels)
        self.say(f"The weight matrices themselves: {self.pal.positive_name} positive, {self.pal.negative_name} negative",
                 FadeOut(self.hists), FadeOut(self.bars), FadeIn(self.maps))
        self.show_step(0)
        at = replay(n)

        def update(_, alpha):
            t = at(alpha)
            for g, W in zip(grids, weights):
                g.set_values(blend(W, t))
            self.show_step(t)

        self.play(UpdateFromAlphaFunc(Group(grids, self.step), update), run_time=REPLAY, rate_func=linear)
        self.say("The pattern is set early; later steps mostly sharpen it")
        self.wait(2)

    # 4. Neuron x time raster
    def raster(self, model):
        rec = self.rec
        X, _ = rec.data
        probe = X[np.argmin(np.linalg.norm(X - X.mean(axis=0), axis=1))]  # the training point nearest the centre
        acts = nk.probe_activations(rec, probe)
        dead = nk.dead_units(rec, X)
        self.drawn["raster"] = (probe, acts, dead)
        signed = model["activation"] in style.SIGNED_ACTIVATIONS
        n = len(rec)
        # column k shows snapshot columns[k]: early snapshots stretched, as the replays pace them
        tau = np.linspace(0, 1, min(n, RASTER_COLUMNS))
        columns = np.rint(nk.views.slow_motion_steps(0, n - 1, tau, SLOW_MOTION)).astype(np.int64)
        self.raster_columns = columns
        height = min(4.4 / sum(model["sizes"][1:-1]), 0.2)
        rasters = Group(*(Raster(a[columns].T, width=10.0, height=height * a.shape[1], signed=signed, palette=self.pal)
                          for a in acts)).arrange(DOWN, buff=0.25).move_to([0.6, -0.1, 0])
        names = VGroup(*(text(f"layer {l + 1}", font_size=FONT, palette=self.pal).next_to(r, LEFT, buff=0.25)
                         for l, r in enumerate(rasters)))
        bottom = rasters[-1]
        ticks = VGroup(*(text(f"{rec.steps[columns[k]]}", font_size=FONT, palette=self.pal)
                         .move_to([bottom.column_x(k), bottom.get_bottom()[1] - 0.25, 0])
                         for k in np.linspace(0, len(columns) - 1, 5).astype(int)))
        axis = VGroup(ticks, text("recorded step (the early ones stretched)", font_size=FONT, palette=self.pal)
                      .next_to(ticks, DOWN, buff=0.15))
        for r in rasters:
            r.reveal(0)
        self.say("One row per hidden neuron: its output on one fixed input, step by step",
                 FadeOut(self.maps), FadeOut(self.step), FadeIn(rasters), FadeIn(names), FadeIn(axis))
        self.play(UpdateFromAlphaFunc(rasters, lambda m, a: [r.reveal(a * len(columns)) for r in rasters]),
                  run_time=6, rate_func=linear)
        self.wait(0.5)
        # units dead on all training data at the end, and the first snapshot from which they stay dead
        marks, died = VGroup(), []
        for l, (r, d) in enumerate(zip(rasters, dead)):
            for unit in np.flatnonzero(d[-1]):
                alive = np.flatnonzero(~d[:, unit])
                since = alive[-1] + 1 if alive.size else 0
                died.append((l, int(unit), int(rec.steps[since])))
                k = int(np.searchsorted(columns, since))  # the first column showing it dead
                y = r.row_center(unit)[1]
                half = r.image.height / r.values.shape[0] / 2
                marks.add(r.row_marker(unit, color=self.pal.highlight),
                          Line([r.column_x(k), y - half, 0], [r.column_x(k), y + half, 0], stroke_width=5,
                               color=self.pal.highlight))
        self.drawn["dead"] = died
        if died:
            at_start = sum(step == 0 for *_, step in died)
            later = len(died) - at_start
            self.say(f"{len(died)} rows go dark and stay dark (arrows): ReLUs at 0 on every training point",
                     FadeIn(marks, lag_ratio=0.1))
            self.wait(2)
            self.say(f"{later} of them died during training (the ticks), {at_start} were dead from the start"
                     if at_start else f"All {later} were alive at the start and died during training, at the ticks")
            self.wait(2)
            self.say("Unmarked dark rows are only off for this input: they fire for other points")
            self.wait(2)
            self.say("A dead unit gets no gradient, so its weights stop learning: lost capacity")
            self.wait(2.5)
        else:
            self.say("No unit died in this run: every row lights up for some training point")
            self.wait(2.5)
        self.rasters = rasters
        self.raster_parts = Group(rasters, names, axis, marks)

    # 5. Vanishing gradients
    def vanishing(self):
        runs = self.depth = depth_runs()
        rms = {a: nk.gradient_rms(r) for a, r in runs.items()}
        self.drawn["gradients"] = rms
        both = np.concatenate([g.ravel() for g in rms.values()])
        decades = (np.floor(np.log10(both.min())), np.ceil(np.log10(both.max())))
        sizes = "-".join(map(str, DEPTH["sizes"]))
        charts = VGroup(*(LogSeries(r.steps, g.T, width=4.0, height=3.8, decades=decades, font_size=FONT,
                                    title=f"{a} {sizes}", palette=self.pal) for (a, r), g in zip(runs.items(), rms.values())))
        charts.arrange(RIGHT, buff=1.3)
        self.charts = charts
        n_layers = len(DEPTH["sizes"]) - 1
        legend = VGroup(*(text(f"layer {l + 1}", font_size=FONT, color=style.series_color(l, self.pal))
                          for l in range(n_layers))).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        legend.next_to(charts, RIGHT, buff=0.4)
        VGroup(charts, legend).move_to([0, -0.5, 0])
        xlabel = text("training steps →", font_size=FONT, palette=self.pal).next_to(charts, DOWN, buff=0.25)
        for c in charts:
            c.reveal(0)
        sig, tan = (np.median(g, axis=0) for g in rms.values())
        acc = {a: 100 * nk.evaluate(r.model_at(len(r) - 1), *r.data)[1] for a, r in runs.items()}  # on its training data
        self.say(f"Gradient size per layer (log scale): two {sizes} nets, same data and SGD",
                 FadeOut(self.raster_parts), FadeIn(charts), FadeIn(legend), FadeIn(xlabel))
        self.play(UpdateFromAlphaFunc(charts, lambda m, a: [c.reveal(a) for c in charts]), run_time=6, rate_func=linear)
        self.say(f"Sigmoid: layer 1 gets 1/{sig[-1] / sig[0]:.0f} of the last layer's gradient; it ends at "
                 f"{acc['sigmoid']:.0f}% accuracy", charts[0].lines[0].animate.set_stroke(width=8))
        self.wait(2.5)
        self.say(f"Tanh: all layers within {tan.max() / tan.min():.0f}× of each other; it reaches "
                 f"{acc['tanh']:.0f}% accuracy")
        self.wait(3)
