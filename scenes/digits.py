"""A handwriting network (an image classifier), inside out: ``manim render scenes/digits.py``.

With no settings the scene trains RUN below on scikit-learn's bundled 8x8 digits (about a second) and
shows it in six parts, one section each: layer outputs for a stream of test digits; class averages
and confusions; a 5 morphing into a 6; which pixels decide; a decision traced back to a first-layer
weight image; the first layer learning. ``NNKERN_RUN=runs/mnist manim render scenes/digits.py``
shows your own recording instead: any softmax classifier of images (``nnkern train --idx ...`` keeps
the image shape and class names in the recording; a square input is assumed square otherwise).
"""

import os
from dataclasses import dataclass

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Arrow,
    Create,
    DashedLine,
    FadeIn,
    FadeOut,
    Group,
    LaggedStart,
    ValueTracker,
    VGroup,
    Write,
    config,
)

import nnkern as nk
from nnkern.viz import ActivationColumn, HeatTable, PixelImage, ProbabilityBars, SeriesBars, WeightGrid, style
from nnkern.viz.captions import CaptionedScene
from nnkern.viz.diagram import shown_indices
from nnkern.viz.text import number, text

# Every animation here is unique (updaters), so Manim's per-animation cache only costs hashing time.
config.disable_caching = True

# The default run: data, network and training, all in one place.
RUN = dict(
    data=dict(name="digits", seed=0),
    test_size=0.25,
    sizes=[64, 32, 16, 10],
    activation="relu",
    train=dict(epochs=20, batch_size=32, optimizer="adam", lr=0.005, seed=0),
    record=1,  # every step: 861 snapshots, about 7 MB on disk
)
FONT = 28  # captions
SMALL = 24  # labels: the smallest text on screen
NUMBER = 40  # DecimalNumbers (their font sizes read smaller than Text's)


@dataclass
class DigitsRun:
    """What the scene needs from a run: the recording, the trained network, the samples shown (test
    data when the run kept some, else training data), the image shape and class names."""

    recording: object
    net: object
    X: np.ndarray
    y: np.ndarray
    image_shape: tuple
    names: list
    test: bool

    @classmethod
    def from_recording(cls, rec, source="a run"):
        model, meta = rec.header["model"], rec.header.get("meta") or {}
        if model["output"] != "softmax" or len(model["sizes"]) < 3:
            raise SystemExit(f"{source}: this scene draws softmax classifiers with a hidden layer; "
                             f"that run has sizes {model['sizes']} and output {model['output']!r}")
        n_in, k = model["sizes"][0], model["sizes"][-1]
        side = int(round(np.sqrt(n_in)))
        shape = tuple(meta.get("image_shape") or (side, side))
        if shape[0] * shape[1] != n_in:
            raise SystemExit(f"{source}: {n_in} inputs are not a square image; record image_shape in its meta")
        names = [str(n) for n in meta.get("class_names") or range(k)][:k]
        test = rec.val_data
        X, y = test if test is not None else rec.data
        return cls(rec, rec.model_at(len(rec) - 1), X, y, shape, names, test is not None)

    @property
    def accuracy(self):
        return float(np.mean(self.net.predict(self.X) == self.y))


def default_run():
    """RUN's recording, trained on first use and then read from the cache (nk.cache)."""
    return DigitsRun.from_recording(nk.cache.recording("digits", RUN, train_default))


def train_default(folder):
    """Train RUN into ``folder``, recording it, with its test split as validation data."""
    X, y = nk.datasets.load(**RUN["data"])
    Xtr, Xte, ytr, yte = nk.datasets.train_test_split(X, y, test_size=RUN["test_size"], seed=RUN["data"]["seed"])
    net = nk.MLP(RUN["sizes"], activation=RUN["activation"], output="softmax", seed=RUN["train"]["seed"])
    meta = dict(RUN, image_shape=list(nk.datasets.DIGITS_SHAPE))
    nk.train(net, Xtr, ytr, quiet=True, val=(Xte, yte), record=RUN["record"], record_to=folder, record_meta=meta, **RUN["train"])


def load_run():
    """The recording at $NNKERN_RUN, else the default run."""
    path = os.environ.get("NNKERN_RUN")
    return DigitsRun.from_recording(nk.Recording.load(path), f"NNKERN_RUN={path}") if path else default_run()


def top_scale(values, q=99):
    """A colour scale for values: their q-th percentile of |value| (1 if that is 0)."""
    top = float(np.percentile(np.abs(values), q))
    return top if top > 0 else 1.0


def blend(arrays0, arrays1, f):
    """Arrays (a list) a fraction f of the way from arrays0 to arrays1."""
    return [(1 - f) * a0 + f * a1 for a0, a1 in zip(arrays0, arrays1)]


class DigitsScene(CaptionedScene):
    caption_size = FONT

    def construct(self):
        self.digits = load_run()
        self.drawn = {}  # part -> what it drew and the numbers behind it (for tests)
        self.intro()
        self.next_section("layer outputs")
        self.layer_outputs()
        self.next_section("class averages")
        self.class_averages()
        self.next_section("morph")
        self.morph()
        self.next_section("saliency")
        self.saliency()
        self.next_section("trace")
        self.trace()
        self.next_section("learning")
        self.learning()

    # -- helpers ------------------------------------------------------------------------------
    def clear_stage(self, *keep):
        """Fade out everything but the caption and ``keep``."""
        gone = [m for m in self.mobjects if m is not self.cap and m not in keep]
        if gone:
            self.play(*(FadeOut(m) for m in gone), run_time=0.6)

    # -- title --------------------------------------------------------------------------------
    def intro(self):
        run = self.digits
        title = text("An image classifier, inside out", font_size=48)
        h, w = run.image_shape
        sub = text(f"{'-'.join(map(str, run.net.sizes))} network on {h}x{w} images; "
                   f"{'test' if run.test else 'training'} accuracy {100 * run.accuracy:.1f}%", font_size=FONT)
        sub.next_to(title, DOWN)
        self.add_subcaption(f"{title.text}: {sub.text}", duration=3)
        self.play(Write(title), FadeIn(sub, shift=UP * 0.2))
        examples = Group(*(PixelImage(x, run.image_shape, side=1.2) for x in run.X[:8])).arrange(RIGHT, buff=0.4)
        examples.next_to(sub, DOWN, buff=0.6)
        self.play(LaggedStart(*(FadeIn(e, shift=UP * 0.2) for e in examples), lag_ratio=0.15, run_time=1.5))
        self.wait(1)
        self.play(FadeOut(title), FadeOut(sub), FadeOut(examples))

    # -- 1. layer outputs ---------------------------------------------------------------------
    def layer_outputs(self):
        run, net, p = self.digits, self.digits.net, style.PALETTE
        picks = stream_samples(net, run.X, run.y)
        X = run.X[picks]
        outs = net.layer_outputs(X)
        everything = net.layer_outputs(run.X)
        L = len(outs)
        image = PixelImage(X[0], run.image_shape, side=2.4).move_to([-5.3, 0.0, 0])
        columns = []
        for l, ((z, a), (z_all, a_all)) in enumerate(zip(outs, everything)):
            last = l == L - 1
            col = ActivationColumn(z.shape[1], net.output if last else net.activation, z_scale=top_scale(z_all),
                                   a_scale=1.0 if last else top_scale(a_all), cell=0.3 if last else 0.16, max_shown=32,
                                   font_size=32)
            columns.append(col.move_to([-2.3 + 4.8 * l / max(L - 1, 1), 0.0, 0]))
        names = VGroup(*(text(run.names[k], font_size=SMALL).next_to(columns[-1].cell_center(k, "a"), RIGHT, buff=0.4)
                         for k in columns[-1].shown))
        below = min(c.get_bottom()[1] for c in columns) - 0.2
        layer_caps = VGroup(*(text("output" if l == L - 1 else f"layer {l + 1}", font_size=SMALL)
                              .next_to([c.get_x(), below, 0], DOWN, buff=0) for l, c in enumerate(columns)))
        layer_caps.add(text("input", font_size=SMALL).next_to([image.get_x(), below, 0], DOWN, buff=0))
        arrows = VGroup(*(Arrow(a.get_right(), b.get_left(), buff=0.15, stroke_width=3, max_tip_length_to_length_ratio=0.3,
                                color=p.frame)
                          .set_y(0) for a, b in zip([image, *columns[:-1]], columns)))

        def show(s):
            i, f = int(s), s - int(s)
            j = min(i + 1, len(X) - 1)
            image.set_values((1 - f) * X[i] + f * X[j])
            for col, (z, a) in zip(columns, outs):
                zz, aa = blend([z[i], a[i]], [z[j], a[j]], f)
                col.set_values(zz, aa)
            return blend([outs[-1][1][i]], [outs[-1][1][j]], f)[0]

        stream = ValueTracker(0)
        box = columns[-1].a.cell_box(0, 0, color=p.highlight)
        holder = Group(image, *columns)

        def update(_):
            probs = show(stream.get_value())
            box.move_to(columns[-1].cell_center(columns[-1].shown[np.argmax(probs[columns[-1].shown])], "a"))

        show(0)
        update(None)
        self.say("A test image goes in; each layer computes z = Wx + b, then a", FadeIn(image), FadeIn(layer_caps[-1]))
        for l, col in enumerate(columns):
            self.play(Create(arrows[l]), FadeIn(col, shift=RIGHT * 0.2), FadeIn(layer_caps[l]), run_time=0.8)
        self.play(FadeIn(names), Create(box))
        verdict = self.verdict(picks[0], columns[-1])
        self.play(FadeIn(verdict))
        self.say(f"Raw z: {p.positive_name} positive, {p.negative_name} negative; activated a: dark to bright")
        self.wait(1.5)
        self.add(holder.add_updater(update))
        self.say("The brightest output is its answer. A stream of test images:")
        for i in range(1, len(X)):
            self.play(stream.animate.set_value(i), FadeOut(verdict), run_time=0.9)
            verdict = self.verdict(picks[i], columns[-1])
            wrong = run.y[picks[i]] != net.predict(X[i : i + 1])[0]
            box.set_stroke(p.negative if wrong else p.highlight)
            self.play(FadeIn(verdict, scale=1.2), run_time=0.4)
            if wrong:
                self.say(f"A miss: the box turns {p.negative_name}; the outputs show its doubt")
                self.wait(2)
            else:
                self.wait(0.4)
        holder.clear_updaters()
        self.drawn["layer outputs"] = dict(columns=columns, outputs=[(z[-1], a[-1]) for z, a in outs])
        self.wait(0.5)
        self.clear_stage()

    def verdict(self, index, output_column):
        """'predicted ..., true ...: right' under the output column, the last word in the negative colour
        when the prediction is wrong."""
        run, p = self.digits, style.PALETTE
        pred = int(run.net.predict(run.X[index : index + 1])[0])
        true = int(run.y[index])
        line = VGroup(text(f"predicted {run.names[pred]}, true {run.names[true]}:", font_size=FONT),
                      text("right" if pred == true else "wrong", font_size=FONT,
                           color=p.highlight if pred == true else p.negative)).arrange(RIGHT, buff=0.15)
        line.next_to(output_column, DOWN, buff=0.45)
        return line.shift(LEFT * max(0.0, line.get_right()[0] - 6.7))

    # -- 2. class averages and confusions -----------------------------------------------------
    def class_averages(self):
        run, net, p = self.digits, self.digits.net, style.PALETTE
        means = nk.class_activations(net, run.X, run.y)
        hidden = means[:-1]
        signed = net.activation in style.SIGNED_ACTIVATIONS
        tables = [HeatTable(np.nan_to_num(m), row_labels=run.names, title=f"layer {l + 1}: average activation per class",
                            signed=signed, scale=top_scale(m[np.isfinite(m)], 98), cell=0.3, max_cols=32)
                  for l, m in enumerate(hidden)]
        for table in tables:
            table.scale_to_fit_width(min(table.width, 13)).move_to([0, -0.3, 0])
        self.say("Each row: one class's average activation of every neuron", FadeIn(tables[0], shift=UP * 0.2))
        self.wait(2)
        self.say("Every class lights its own pattern of neurons, in every layer")
        for old, new in zip(tables, tables[1:]):
            self.play(FadeOut(old, shift=UP * 0.3), FadeIn(new, shift=UP * 0.3))
            self.wait(1.5)

        C = nk.confusion_matrix(net, run.X, run.y)
        rows = C / np.maximum(C.sum(axis=1, keepdims=True), 1)
        a, b = most_confused(C)
        short = max(map(len, run.names)) <= 2  # long names label rows as "k name" and columns by k
        row_names = run.names if short else [f"{k} {name}" for k, name in enumerate(run.names)]
        col_names = run.names if short else [str(k) for k in range(len(run.names))]
        matrix = HeatTable(rows, row_labels=row_names, col_labels=col_names, signed=False, scale=1.0, cell=0.42)
        matrix.scale_to_fit_height(min(matrix.height, 5.6))
        axis_true = text("true", font_size=SMALL).rotate(np.pi / 2).next_to(matrix.labels, LEFT, buff=0.15)
        axis_pred = text("predicted", font_size=SMALL).next_to(matrix, UP, buff=0.1)
        block = Group(matrix, axis_true, axis_pred)
        block.scale_to_fit_width(min(block.width, 6.6)).move_to([-3.55, -0.55, 0])
        counts = VGroup(*(text(str(C[i, j]), font_size=SMALL).move_to(matrix.grid.cell_center(i, j))
                          for i, j in zip(*np.nonzero(C)) if i != j))
        self.clear_stage()
        self.say("True class by row, predicted by column: mistakes sit off the diagonal",
                 FadeIn(matrix), FadeIn(axis_true), FadeIn(axis_pred))
        if C[a, b] + C[b, a] == 0:
            self.say("No mistakes between any two classes here")
            self.wait(1.5)
            self.clear_stage()
            return
        self.play(LaggedStart(*(FadeIn(c, scale=1.5) for c in counts), lag_ratio=0.2))
        boxes = VGroup(matrix.cell_box(a, b, color=p.negative), matrix.cell_box(b, a, color=p.negative))
        self.say(f"Most confused: {run.names[a]} and {run.names[b]} ({C[a, b] + C[b, a]} mistakes)", Create(boxes))

        pair = np.array([a, b])
        images = Group(*(PixelImage(run.X[run.y == k].mean(axis=0), run.image_shape, side=2.0) for k in pair))
        images.arrange(RIGHT, buff=0.8)
        image_caps = VGroup(*(text(f"average {run.names[k]}", font_size=SMALL).next_to(im, DOWN, buff=0.1)
                              for k, im in zip(pair, images)))
        last = len(hidden)
        table = HeatTable(hidden[-1][pair], row_labels=[run.names[k] for k in pair], title=f"layer {last}, averages",
                          signed=signed, scale=top_scale(hidden[-1][np.isfinite(hidden[-1])], 98), cell=0.33, max_cols=16)
        side = Group(Group(images, image_caps), table).arrange(DOWN, buff=0.5)
        side.scale_to_fit_width(min(side.width, 6.2)).move_to([3.5, -0.4, 0])
        self.play(FadeIn(images), FadeIn(image_caps), FadeIn(table))
        self.say(f"Their averages share strokes and neurons: {run.names[a]} and {run.names[b]} look alike to it")
        self.wait(2.5)
        self.clear_stage()

    # -- 3. from a 5 to a 6 -------------------------------------------------------------------
    def morph(self):
        run, net, p = self.digits, self.digits.net, style.PALETTE
        a, b = morph_classes(net.sizes[-1])
        x0, x1 = run.X[best_example(net, run.X, run.y, a)], run.X[best_example(net, run.X, run.y, b)]
        t, points, acts = nk.path_activations(net, x0, x1, steps=MORPH_STEPS)
        flip = flip_index(acts[-1])
        rows = [acts[l][:, shown_units(acts[l].shape[1])] for l in range(len(acts) - 1)]
        raster_values = np.concatenate(rows, axis=1).T  # (neurons, steps)
        image = PixelImage(x0, run.image_shape, side=2.3).move_to([-5.4, 0.6, 0])
        t_label = VGroup(text("t =", font_size=FONT), number(0, num_decimal_places=2, font_size=NUMBER)).arrange(RIGHT)
        t_label.next_to(image, DOWN, buff=0.3)
        raster = HeatTable(np.zeros_like(raster_values), signed=net.activation in style.SIGNED_ACTIVATIONS,
                           scale=top_scale(raster_values, 98), cell=0.1, max_cols=MORPH_STEPS)
        raster.stretch_to_fit_width(5.6).stretch_to_fit_height(5.4).move_to([-0.4, -0.3, 0])
        raster_caps = VGroup(text("hidden neurons", font_size=SMALL).rotate(np.pi / 2).next_to(raster, LEFT, buff=0.15),
                             text(f"steps from {run.names[a]} to {run.names[b]}", font_size=SMALL).next_to(raster, DOWN, buff=0.15))
        bars = ProbabilityBars(run.names, length=2.2, bar_height=0.3, font_size=SMALL).move_to([4.9, -0.3, 0])
        bars.set_values(net.forward(x0[None])[0])
        self.say(f"Slide a real {run.names[a]} into a real {run.names[b]}, pixel by pixel",
                 FadeIn(image), FadeIn(t_label), FadeIn(raster), FadeIn(raster_caps), FadeIn(bars))
        tt = ValueTracker(0.0)

        def update(_):
            u = tt.get_value()
            x = x0 + u * (x1 - x0)
            image.set_values(x)
            t_label[1].set_value(u)
            done = np.where(t <= u + 1e-9, 1.0, 0.0)
            raster.set_values(raster_values * done, scale=raster.grid.value_scale)
            bars.set_values(net.forward(x[None])[0])

        group = Group(image, raster, bars, t_label[1]).add_updater(update)
        self.add(group)
        self.say("Hidden neurons (rows) fill in step by step; the bars are its answer")
        if flip is None:
            self.play(tt.animate.set_value(1.0), run_time=6)
        else:
            self.play(tt.animate.set_value(t[flip]), run_time=max(6 * t[flip], 0.5))
            column = raster.grid.cell_center(0, flip)
            line = DashedLine([column[0], raster.grid.get_top()[1] + 0.1, 0], [column[0], raster.grid.get_bottom()[1] - 0.1, 0],
                              color=p.highlight, stroke_width=3)
            new = run.names[int(np.argmax(acts[-1][flip]))]
            self.say(f"The decision flips to {new} at t = {t[flip]:.2f}", Create(line))
            self.wait(1.5)
            self.play(tt.animate.set_value(1.0), run_time=max(6 * (1 - t[flip]), 0.5))
        group.clear_updaters()
        self.drawn["morph"] = dict(ends=(x0, x1), flip=flip, t=t, raster=raster, values=raster_values)
        self.wait(1)
        self.clear_stage()

    # -- 4. which pixels decide ---------------------------------------------------------------
    def saliency(self):
        run, net, p = self.digits, self.digits.net, style.PALETTE
        picks = stream_samples(net, run.X, run.y)[:4]
        pred = net.predict(run.X[picks])
        cells = []
        for i, k in zip(picks, pred):
            sal = nk.saliency(net, run.X[i : i + 1], output=int(k))[1][0]
            digit = PixelImage(run.X[i], run.image_shape, side=1.9)
            heat = PixelImage(sal, run.image_shape, side=1.9, signed=True, scale=None)
            label = text(f"says {run.names[k]}", font_size=SMALL)
            cells.append(Group(label, digit, heat).arrange(DOWN, buff=0.2))
        board = Group(*cells).arrange(RIGHT, buff=0.7).move_to([0, -0.4, 0])
        self.say("Which pixels decide? Gradient x input for the class it chose",
                 LaggedStart(*(FadeIn(c[:2]) for c in cells), lag_ratio=0.2))
        self.play(LaggedStart(*(FadeIn(c[2], shift=DOWN * 0.2) for c in cells), lag_ratio=0.2))
        self.say(f"{p.positive_name.capitalize()} pixels push toward that class, {p.negative_name} ones away")
        self.wait(2.5)
        self.clear_stage()

        C = nk.confusion_matrix(net, run.X, run.y)
        a, b = most_confused(C)
        i = best_example(net, run.X, run.y, a)
        x = run.X[i : i + 1]
        separating = (nk.saliency(net, x, output=a)[0] - nk.saliency(net, x, output=b)[0])[0] * x[0]
        digit = PixelImage(x[0], run.image_shape, side=2.8)
        heat = PixelImage(separating, run.image_shape, side=2.8, signed=True, scale=None)
        pair = Group(digit, heat).arrange(RIGHT, buff=1.2).move_to([0, -0.2, 0])
        labels = VGroup(text(f"a {run.names[a]}", font_size=FONT).next_to(digit, DOWN),
                        text(f"{run.names[a]} rather than {run.names[b]}", font_size=FONT).next_to(heat, DOWN))
        self.say(f"{run.names[a]} or {run.names[b]}, its most confused pair: which pixels tell them apart?",
                 FadeIn(digit), FadeIn(labels[0]))
        self.play(FadeIn(heat, shift=RIGHT * 0.3), FadeIn(labels[1]))
        self.wait(2.5)
        self.clear_stage()

    # -- 5. tracing a decision backwards ------------------------------------------------------
    def trace(self):
        run, net, p = self.digits, self.digits.net, style.PALETTE
        i = int(stream_samples(net, run.X, run.y)[0])
        x = run.X[i]
        k = int(net.predict(x[None])[0])
        tr = nk.trace_contributions(net, x, output=k, image_shape=run.image_shape)
        outs = net.layer_outputs(x[None])
        L = len(outs)
        columns = []
        for l, (z, a) in enumerate(outs):
            last = l == L - 1
            units = shown_units(z.shape[1], keep=[u for ll, u in tr.neurons if ll == l], max_shown=32)
            col = ActivationColumn(z.shape[1], net.output if last else net.activation, z_scale=top_scale(z), shown=units,
                                   a_scale=1.0 if last else top_scale(a), cell=0.3 if last else 0.16, font_size=32)
            columns.append(col.set_values(z[0], a[0]).move_to([-1.9 + 5.6 * l / max(L - 1, 1), -0.2, 0]))
        names = VGroup(*(text(run.names[u], font_size=SMALL).next_to(columns[-1].cell_center(u, "a"), RIGHT, buff=0.4)
                         for u in columns[-1].shown))
        image = PixelImage(x, run.image_shape, side=2.0).move_to([-5.6, 1.5, 0])
        self.say(f"Why did it say {run.names[k]}? Follow the strongest input backwards",
                 FadeIn(image), FadeIn(names), *(FadeIn(c) for c in columns))
        path = VGroup()
        boxes = VGroup()
        for (l, unit), contrib in zip(tr.neurons, tr.contributions):
            boxes.add(columns[l].cell_box(unit, color=p.highlight))
        self.play(Create(boxes[0]))
        for n, ((l, unit), contrib) in enumerate(zip(tr.neurons[:-1], tr.contributions[:-1])):
            lower = tr.neurons[n + 1][1]
            arrow = Arrow(columns[l].cell_center(unit, "z"), columns[l - 1].cell_center(lower, "a"), buff=0.1,
                          stroke_width=4, color=p.highlight, max_tip_length_to_length_ratio=0.15)
            w_a = text(f"w·a = {contrib[lower]:+.2f}", font_size=SMALL).next_to(arrow.get_center(), UP, buff=0.25)
            w_a.add_background_rectangle(color=p.background, opacity=0.8)
            path.add(arrow, w_a)
            self.play(Create(arrow), FadeIn(w_a), Create(boxes[n + 1]), run_time=1.0)
        unit = tr.neurons[-1][1]
        weights = PixelImage(tr.input_weights, run.image_shape, side=2.0, signed=True, scale=None)
        weights.move_to([-5.6, -1.5, 0])
        weight_cap = text(f"neuron {unit}'s\ninput weights", font_size=SMALL, line_spacing=0.8)
        weight_cap.next_to(weights, DOWN, buff=0.15)
        arrow = Arrow(columns[0].cell_center(unit, "z"), weights.get_right(), buff=0.15, stroke_width=4, color=p.highlight)
        self.say(f"Its input weights as an image: {p.positive_name} excites, {p.negative_name} (negative) inhibits",
                 Create(arrow), FadeIn(weights), FadeIn(weight_cap))
        self.wait(2)
        self.clear_stage(weights)
        W0 = net.weights[0]
        grid = WeightGrid(W0, run.image_shape, cols=8, tile=1.15, max_tiles=32).move_to([0, -0.4, 0])
        self.say("Every first-layer neuron's weights: the strokes it looks for")
        if unit in grid.units:
            target = grid.tile_box(unit, color=p.highlight)
            self.play(FadeIn(grid), weights.animate.replace(target))
            self.play(FadeOut(weights), Create(target))
        else:
            self.play(FadeIn(grid), FadeOut(weights))
        self.drawn["trace"] = dict(x=x, trace=tr, grid=grid)
        self.wait(2.5)
        self.clear_stage()

    # -- 6. learning in motion ----------------------------------------------------------------
    def learning(self):
        run, p = self.digits, style.PALETTE
        rec = run.recording
        W_at = lambda t: rec.layout.views(rec.params_at(t))[0][0]  # noqa: E731
        W0 = W_at(0).astype(np.float64)
        grid = WeightGrid(W0 - W0, run.image_shape, cols=8, tile=0.9, max_tiles=32).move_to([-2.3, 0.2, 0])
        epoch_ends = epoch_snapshots(rec)
        changes = per_epoch_change(rec, epoch_ends)
        chart = SeriesBars(changes, width=4.2, height=3.0, label="layer 1 change per epoch").move_to([4.3, -0.3, 0])
        epoch = VGroup(text("epoch", font_size=FONT), number(0, num_decimal_places=0, font_size=NUMBER)).arrange(RIGHT)
        epoch.next_to(grid, DOWN, buff=0.35)
        self.say("Replay training: what it writes into each first-layer neuron's weights",
                 FadeIn(grid), FadeIn(epoch), FadeIn(chart.frame))
        last = len(rec) - 1
        clock = ValueTracker(0.0)

        def update(_):
            t = last * clock.get_value() ** 2  # slow motion early, where learning is fastest
            grid.set_weights(W_at(t) - W0)  # the change since the start, each tile scaled to its largest
            epoch[1].set_value(rec.epochs[int(t)])
            chart.reveal(np.searchsorted(epoch_ends, t, side="right") - 1)

        group = Group(grid, chart, epoch[1]).add_updater(update)
        self.add(group)
        self.play(clock.animate.set_value(0.5), run_time=7, rate_func=lambda u: u)
        self.say("Random starting weights hide it: this is the change since the start", 
                 clock.animate(run_time=3, rate_func=lambda u: u).set_value(0.7))
        self.say("Bars: how far layer 1 moved in each epoch; most of it comes first",
                 clock.animate(run_time=4, rate_func=lambda u: u).set_value(1.0))
        group.clear_updaters()
        self.drawn["learning"] = dict(grid=grid, first=W0, chart=chart, changes=changes)
        self.wait(2)
        self.say(f"{'Test' if run.test else 'Training'} accuracy {100 * run.accuracy:.1f}%", font_size=40)
        self.wait(2)


MORPH_STEPS = 40


def stream_samples(net, X, y, n=7):
    """Indices of n samples to stream through: correctly classified ones of different classes, with the
    first misclassified sample (if any) fifth."""
    pred = net.predict(X)
    right = np.flatnonzero(pred == y)
    order, seen = [], set()
    for i in right:
        if y[i] not in seen:
            order.append(int(i))
            seen.add(y[i])
    wrong = np.flatnonzero(pred != y)
    picks = order[: n - 1]
    if wrong.size:
        picks.insert(4, int(wrong[0]))
    return np.array(picks[:n])


def morph_classes(k):
    """The two classes to morph between: 5 and 6 when there are that many, else the first two."""
    return (5, 6) if k > 6 else (0, 1)


def best_example(net, X, y, k):
    """Index of the sample of class k the network gives the highest probability of k."""
    probs = net.forward(X)[:, k]
    return int(np.argmax(np.where(y == k, probs, -np.inf)))


def flip_index(outputs):
    """First step where the predicted class differs from the first step's, or None. outputs: (steps, k)."""
    pred = outputs.argmax(axis=1)
    changed = np.flatnonzero(pred != pred[0])
    return int(changed[0]) if changed.size else None


def shown_units(width, keep=(), max_shown=32):
    """The neurons of a layer drawn in a raster or column: all up to ``max_shown``, else the first and
    last few plus those in ``keep``."""
    return np.union1d(shown_indices(width, max_shown), np.asarray(keep, dtype=int)) if width > max_shown else np.arange(width)


def epoch_snapshots(rec):
    """Fractional snapshot indices (n_epochs + 1,) of the last snapshot at or before each epoch's end (0 first)."""
    spe = rec.header["training"]["steps_per_epoch"]
    ends = np.arange(rec.header["training"]["epochs"] + 1) * spe
    ends = ends[ends <= rec.steps[-1]]
    return np.searchsorted(rec.steps, ends, side="right") - 1


def per_epoch_change(rec, ends):
    """(n_epochs,) root-mean-square change of the first layer's weights over each epoch, relative to
    their size at its start (``nk.weight_change(..., relative=True)``)."""
    return np.array([np.sqrt(np.mean(nk.weight_change(rec[int(i)], rec[int(j)], relative=True)[0][0] ** 2))
                     for i, j in zip(ends[:-1], ends[1:])])


def most_confused(C):
    """(a, b): the pair of different classes with the most mistakes between them, either way."""
    both = C + C.T
    np.fill_diagonal(both, -1)
    a, b = np.unravel_index(int(np.argmax(both)), both.shape)
    return int(a), int(b)
