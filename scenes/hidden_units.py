"""What every hidden neuron sees: ``manim render scenes/hidden_units.py``.

First a 2-4-1 tanh network learns XOR: each hidden neuron's output over the plane is drawn as a large
map in its place in the network, each draws one line (the last scene's neuron), and the output map
is assembled from those maps, weighted, summed and squashed, one term at a time, then all at once.
Then a 2-8-8-1 network learns the spiral: every hidden neuron's map, layer by layer beside the
diagram, through training; the first layer's lines over the output map, bent by the second layer
into curved regions. Ends on the soft and hard boundaries and the test points.

With no settings the scene trains RUNS below (a second or two). ``NNKERN_RUN=runs/myrun manim render
scenes/hidden_units.py`` replays your recording in the second part: 2 inputs, 1 to 3 hidden layers of
at most 8 neurons, one sigmoid output or a softmax over 2 to 7 classes (e.g. ``nnkern train --dataset
spiral --classes 3 --layers 2,8,8,3 --val 0.25 --out runs/spiral3``); a softmax run's map shows each
class's colour where it wins.
"""

import numpy as np
from manim import (
    DOWN,
    RIGHT,
    UP,
    AnimationGroup,
    config,
    Create,
    FadeIn,
    FadeOut,
    GrowFromCenter,
    Indicate,
    LaggedStart,
    Line,
    ShowPassingFlash,
    SurroundingRectangle,
    UpdateFromAlphaFunc,
    VGroup,
    Write,
)

import nnkern as nk
from nnkern.viz import (
    DecisionBoundary,
    LiveFormula,
    LossCurve,
    NetworkDiagram,
    NeuronMap,
    OutputSum,
    RecordedRun,
    TrainingTracker,
    plane,
    style,
)
from nnkern.viz.captions import CaptionedScene
from nnkern.viz.neuron import first_layer_lines
from nnkern.viz.runs import env_recording, planar_classes, planar_classifier
from nnkern.viz.text import text as light_text

config.disable_caching = True  # every animation here runs updaters: caching would only cost hashing

RUNS = {
    "xor": dict(data=dict(name="xor", n=400, noise=0.05, seed=0), sizes=[2, 4, 1], activation="tanh",
                train=dict(epochs=60, batch_size=32, optimizer="adam", lr=0.03, seed=1), seed=2),
    "spiral": dict(data=dict(name="spiral", n=600, noise=0.05, seed=0), test_size=0.25, sizes=[2, 8, 8, 1],
                   activation="tanh", train=dict(epochs=300, batch_size=32, optimizer="adam", lr=0.02, seed=1), seed=1),
}  # fmt: skip
MAX_WIDTH, MAX_LAYERS = 8, 3  # the widest and deepest hidden layers whose maps fit on screen (second part)
XOR_TRAINING_SECONDS, TRAINING_SECONDS = 7, 13


def train_default(name, folder):
    """Train RUNS[name] into ``folder`` (a geometric schedule), with its test split as validation data if it has one."""
    run = RUNS[name]
    X, y = nk.datasets.load(**run["data"])
    val = None
    if "test_size" in run:
        X, Xte, y, yte = nk.datasets.train_test_split(X, y, test_size=run["test_size"], seed=run["data"]["seed"])
        val = (Xte, yte)
    net = nk.MLP(run["sizes"], activation=run["activation"], output="sigmoid", seed=run["seed"])
    nk.train(net, X, y, quiet=True, val=val, record="geometric", record_to=folder, record_meta=run, **run["train"])


def xor_recording():
    """The first part's run (RUNS["xor"]), trained on first use and then read from the cache (nk.cache)."""
    return nk.cache.recording("hidden_units_xor", RUNS["xor"], lambda folder: train_default("xor", folder))


def default_recording():
    """The second part's default run (RUNS["spiral"]), trained on first use and then read from the cache."""
    return nk.cache.recording("hidden_units_spiral", RUNS["spiral"], lambda folder: train_default("spiral", folder))


def load_run():
    """The second part's recording: $NNKERN_RUN's (2 inputs, 1..MAX_LAYERS hidden layers of <= MAX_WIDTH, a
    classifier output), else RUNS["spiral"]'s."""
    unfit = planar_classifier(lambda hidden: 0 < len(hidden) <= MAX_LAYERS and max(hidden) <= MAX_WIDTH,
                              f"1 to {MAX_LAYERS} hidden layers of at most {MAX_WIDTH}")
    return RecordedRun.from_recording(env_recording(default_recording, unfit))


def data_name(rec):
    """The data set's name in a recording's meta (a scene's RUN or `nnkern train`'s), or None."""
    meta = rec.header.get("meta") or {}
    return meta.get("dataset") or (meta.get("data") or {}).get("name")


def tile_point(xy, centre, side, extent):
    """Plane coordinates (..., 2) -> scene points (..., 3) inside a square tile of ``side`` at ``centre``."""
    xy = np.asarray(xy, dtype=float)
    xmin, xmax, ymin, ymax = extent
    u, v = (xy[..., 0] - xmin) / (xmax - xmin) - 0.5, (xy[..., 1] - ymin) / (ymax - ymin) - 0.5
    return np.stack([centre[0] + u * side, centre[1] + v * side, np.zeros_like(u)], axis=-1)


def layer_blocks(widths, left, right, top, bottom, gap=0.45):
    """Tile centres of hidden layers ``widths`` laid out left to right between x = ``left`` and ``right``,
    each layer a block of 1 column (up to 4 neurons) or 2, filled row by row, centred between y = ``top``
    and ``bottom``: (list per layer of centres (n, 3), the pitch between tiles)."""
    cols = [1 if n <= 4 else 2 for n in widths]
    rows = max(-(-n // c) for n, c in zip(widths, cols))
    pitch = min(1.2, (right - left - gap * (len(widths) - 1)) / sum(cols), (top - bottom) / rows)
    blocks, x = [], left + (right - left - pitch * sum(cols) - gap * (len(widths) - 1)) / 2
    for n, c in zip(widths, cols):
        r, k = np.divmod(np.arange(n), c)
        blocks.append(np.c_[x + (k + 0.5) * pitch, (top + bottom) / 2 + ((-(-n // c) - 1) / 2 - r) * pitch, np.zeros(n)])
        x += c * pitch + gap
    return blocks, pitch


class HiddenUnitsScene(CaptionedScene):
    def construct(self):
        title = light_text("What every hidden neuron sees", font_size=50, color=style.PALETTE.text)
        self.play(Write(title), run_time=1.0)
        self.wait(0.4)
        self.xor_part(RecordedRun.from_recording(xor_recording()), title)
        self.deep_part(load_run())

    def net_with_maps(self, run, extent, diagram, maps, board, out_side, caption=None, extra=()):
        """Draw ``diagram`` (under a new ``caption`` if given, playing ``extra`` alongside); returns the tracker
        driving it, its hidden ``maps``, ``board`` and the output map of side ``out_side`` (a small
        DecisionBoundary, also returned) over the output neuron, or beside the output neurons of a softmax,
        each filled with its class's colour."""
        out_map = DecisionBoundary(extent, np.zeros((0, 2)), np.zeros(0, int), side=out_side)
        outputs = diagram.neurons[-1]
        if len(outputs) == 1:
            out_map.move_to(outputs.get_center())
        else:
            out_map.next_to(outputs, RIGHT, buff=0.12)
            diagram.set_output_classes()
        draw = (LaggedStart(*(GrowFromCenter(c) for c in diagram.neurons[0]), lag_ratio=0.2),
                Create(VGroup(*diagram.edges), lag_ratio=0.01, run_time=1.2),
                LaggedStart(*(GrowFromCenter(c) for layer in diagram.neurons[1:] for c in layer), lag_ratio=0.03,
                            run_time=1.2), *extra)  # fmt: skip
        if caption is None:
            self.play(*draw)
        else:
            self.say(caption, *draw)
        self.add(diagram)
        tracker = TrainingTracker(run, extent)
        tracker.attach(diagram, board, out_map, *maps)
        return tracker, out_map

    def xor_part(self, run, title=None):
        """2-4-1 on XOR: the maps in the neurons' places, training, their lines, and the output assembled;
        ``title`` (on screen, if given) leaves as the first caption comes in."""
        rec, net = run.recording, run.net
        final = rec.model_at(len(rec) - 1)
        extent = plane.square_extent(run.X)
        pal = style.PALETTE
        class1 = pal.class_names[1]
        self.next_section("xor")
        diagram = NetworkDiagram.from_net(net, height=6.0, layer_gap=2.55)
        diagram.move_to([-3.45, -0.3, 0])
        tile = 0.87 * diagram.pitch
        hidden = diagram.neurons[1]
        maps = [NeuronMap(1, diagram.shown[1], [c.get_center() for c in hidden], extent, net.activation, side=tile)]
        board = DecisionBoundary(extent, run.X, run.y, side=4.2).move_to([4.55, 0.45, 0])
        board.contour.set_stroke(opacity=0)  # until the output map is revealed
        show_board = AnimationGroup(FadeIn(board.frame), FadeIn(board.image),
                                    LaggedStart(*(FadeIn(d) for d in board.dots), lag_ratio=0.3), run_time=1.2)
        self.say("XOR: one neuron drew one line, and that was not enough. Here, 4 hidden neurons",
                 LaggedStart(FadeOut(title, shift=UP * 0.5, run_time=0.6), show_board, lag_ratio=0.8)  # the board after
                 if title is not None else show_board)  # the title has gone, not over it
        self.add(board)
        tracker, out_map = self.net_with_maps(run, extent, diagram, maps, board, tile)
        inputs = diagram.input_labels(["x_1", "x_2"])
        board.set_reveal(0)
        self.say("Each neuron becomes a map: its output at every point of the plane")
        self.play(FadeIn(maps[0], scale=0.6), FadeIn(out_map), Write(inputs), run_time=1.5)
        self.say(f"{pal.positive_name.capitalize()}: near +1, {pal.negative_name}: near -1. The output map is P({class1})")
        self.play(UpdateFromAlphaFunc(board, lambda m, a: m.set_reveal(a)), board.contour.animate.set_stroke(opacity=1))
        self.say("Training shapes every map at once", tracker.play(0, 1, XOR_TRAINING_SECONDS, 10))
        tracker.detach()

        # each first-layer neuron draws one line
        self.next_section("xor lines")
        centres = [c.get_center() for c in hidden]
        tile_lines = VGroup(*(first_layer_lines(final, extent, lambda xy, c=c: tile_point(xy, c, tile, extent),
                                                stroke_width=2.5, color=pal.contour)[j]
                              for j, c in zip(diagram.shown[1], centres)))  # fmt: skip
        board_lines = first_layer_lines(final, extent, board.to_point, stroke_width=2.5, color=pal.contour)
        board_lines.set_stroke(opacity=0.8)
        self.say("Each hidden neuron is the single neuron of the last scene: it draws one line")
        self.play(LaggedStart(*(Create(line) for line in tile_lines), lag_ratio=0.3, run_time=1.6))
        self.say("Over the output map, those four lines: the output combines them")
        self.play(LaggedStart(*(Create(line) for line in board_lines), lag_ratio=0.3, run_time=1.6))
        self.wait(1)

        # the output map, assembled from the hidden maps
        self.next_section("assemble")
        out_centre = out_map.get_center()
        assembly = OutputSum(centres, out_centre, extent, side=tile, total_side=out_map.frame.width).set_net(final)
        self.assembly = assembly
        m = net.sizes[-2]
        parts = ["z", "="] + sum(([f"v_{j + 1}", f"h_{j + 1}", "+"] for j in range(m)), []) + ["c"]
        values = {f"v_{j + 1}": v for j, v in enumerate(assembly.v)} | {"c": assembly.c}
        formula = LiveFormula(parts, values, font_size=38, number_size=28, buff=0.15)
        formula.scale_to_fit_width(min(formula.width, 6.6)).move_to([3.3, -2.75, 0])
        self.say("The output neuron adds up the hidden maps, each times its weight v")
        self.play(FadeOut(tile_lines), FadeOut(board_lines), FadeIn(assembly.terms), FadeIn(assembly.frames[:-1]))
        self.play(Write(formula.tex), FadeIn(*formula.numbers.values()), FadeIn(assembly.total, assembly.frames[-1]))
        self.add(assembly)
        amounts, weighting = np.zeros(m + 1), np.zeros(m)
        for j in range(m):
            edge = Line(centres[j], out_centre).set_stroke(pal.highlight, width=5)

            def grow(mob, a, j=j):
                weighting[j] = min(1, 2 * a)
                amounts[j] = max(0, 2 * a - 1)
                assembly.set_weighting(weighting).set_sum(amounts)

            if j == 0:
                self.say("A positive weight keeps the map's colours, a negative one flips them; small ones dim it")
            self.play(UpdateFromAlphaFunc(assembly, grow, run_time=2.0 if j < 2 else 1.3),
                      ShowPassingFlash(edge, time_width=0.6, run_time=1.3),
                      Indicate(VGroup(formula.part(f"v_{j + 1}"), formula.part(f"h_{j + 1}")), color=pal.marker))
        self.say("plus the bias c: that sum is z")
        self.play(UpdateFromAlphaFunc(assembly, lambda mob, a: mob.set_sum(np.r_[np.ones(m), a])),
                  Indicate(formula.part("c"), color=pal.marker))
        self.say(f"then squashed: P({class1}) = σ(z), and that is the output map")
        self.play(UpdateFromAlphaFunc(assembly, lambda mob, a: mob.set_sum(np.ones(m + 1), squash=a), run_time=1.3))
        flyer = assembly.total.copy()
        self.play(flyer.animate.replace(board.image), run_time=1.2)
        self.remove(flyer)
        self.say("All at once: weigh, add, squash")
        self.play(UpdateFromAlphaFunc(assembly, lambda mob, a: mob.set_weighting(0).set_sum(np.zeros(m + 1))),
                  run_time=0.5)
        self.play(UpdateFromAlphaFunc(assembly, lambda mob, a: mob.set_weighting(min(1, 3 * a))
                                      .set_sum(np.full(m + 1, np.clip(3 * a - 1, 0, 1)), squash=np.clip(3 * a - 2, 0, 1)),
                                      run_time=2.5))  # fmt: skip
        self.wait(0.8)
        self.play(*(FadeOut(mob) for mob in (assembly, formula, diagram, maps[0], out_map, inputs, board)))

    def deep_part(self, run):
        """A deeper net (2-8-8-1 on the spiral, or $NNKERN_RUN's): every map layer by layer, training, the
        first layer's lines over the output map, then soft and hard boundaries and the test points."""
        rec, net = run.recording, run.net
        final = rec.model_at(len(rec) - 1)
        extent = plane.square_extent(run.X)
        pal = style.PALETTE
        k = planar_classes(rec.header["model"])
        hidden = net.sizes[1:-1]
        self.next_section("deeper")
        height = min(4.6, 0.58 * max(net.sizes))  # the same pitch for narrow nets: their tiles do not overlap
        diagram = NetworkDiagram.from_net(net, height=height, layer_gap=min(0.8, 2.4 / (len(net.sizes) - 1)))
        diagram.move_to([-5.4, 0.2, 0])
        small = [NeuronMap(l, diagram.shown[l], [c.get_center() for c in diagram.neurons[l]], extent, net.activation,
                           side=0.8 * diagram.pitch) for l in range(1, len(net.sizes) - 1)]  # fmt: skip
        left = diagram.get_right()[0] + (0.3 if net.sizes[-1] == 1 else 0.9 * diagram.pitch + 0.3)
        blocks, pitch = layer_blocks(hidden, left, 2.1, 2.6, -2.0)
        maps = [NeuronMap(l, diagram.shown[l], centres, extent, net.activation, side=pitch - 0.12)
                for l, centres in enumerate(blocks, start=1)]  # fmt: skip
        names = VGroup(*(light_text(f"layer {l}", font_size=24, color=pal.text).next_to(m, DOWN, buff=0.15)
                         for l, m in enumerate(maps, start=1)))  # fmt: skip
        numbers = diagram.layer_captions([""] + [str(l) for l in range(1, len(hidden) + 1)] + [""])
        board = DecisionBoundary(extent, run.X, run.y, side=4.2).move_to([4.6, 0.45, 0])
        name = data_name(rec)
        on = f" on the {name}" if name else ""
        caption = f"Deeper: a {'-'.join(map(str, net.sizes))} network{on}" + (f", {k} classes" if k > 2 else "")
        tracker, out_map = self.net_with_maps(run, extent, diagram, small + maps, board, 0.8 * diagram.pitch, caption,
                                              [FadeIn(board, run_time=1)])  # all at once: no screen left empty
        self.wait(0.5)  # time to read the caption
        self.say("Every hidden neuron's map, layer by layer")
        self.play(LaggedStart(*(FadeIn(m, scale=0.8) for m in maps), lag_ratio=0.4, run_time=1.5),
                  *(FadeIn(m) for m in small), FadeIn(out_map), FadeIn(names), FadeIn(numbers))
        curve = LossCurve.from_recording(rec, "test" if run.X_test is not None else None, width=3.2, height=0.95)
        curve.move_to([4.3, -2.85, 0])
        self.play(FadeIn(curve), run_time=0.6)
        tracker.attach(curve)
        self.add(curve.trace)
        t = TRAINING_SECONDS
        self.next_section("deeper training")
        self.say("Training: the first layer's maps turn and sharpen", tracker.play(0, 0.4, 0.4 * t, 10))
        self.say("the second layer's maps fold into curved pieces of the answer" if len(hidden) > 1 else
                 "each map settles into a piece of the answer", tracker.play(0.4, 1, 0.6 * t, 10))  # fmt: skip
        tracker.detach()

        # layer 1 draws lines, the next layers bend them into regions
        self.next_section("deeper lines")
        tile_lines = VGroup(*(first_layer_lines(final, extent, lambda xy, c=c: tile_point(xy, c, pitch - 0.12, extent),
                                                stroke_width=2, color=pal.contour)[j]
                              for j, c in zip(diagram.shown[1], blocks[0])))  # fmt: skip
        board_lines = first_layer_lines(final, extent, board.to_point, stroke_width=2, color=pal.contour)
        board_lines.set_stroke(opacity=0.7)
        self.say(f"Layer 1 still draws only lines, {hidden[0]} of them")
        self.play(LaggedStart(*(Create(line) for line in tile_lines), lag_ratio=0.15, run_time=1.6))
        self.say("Over the output map: its curves are made of those lines, bent and combined")
        self.play(LaggedStart(*(Create(line) for line in board_lines), lag_ratio=0.15, run_time=1.6))
        self.wait(1)
        if len(maps) > 1:
            ring = SurroundingRectangle(maps[1], color=pal.marker, buff=0.08)
            self.say("Deeper neurons combine them into curved regions")
            self.play(FadeOut(tile_lines), FadeOut(board_lines), Create(ring))
            self.wait(1.2)
            self.play(FadeOut(ring))
        else:
            self.play(FadeOut(tile_lines), FadeOut(board_lines))

        # soft boundary, hard boundary, test points
        self.next_section("end")
        self.board = board
        self.say("Soft boundary: the colour shows how sure the network is" if k == 2 else
                 "Soft boundary: each class's colour where it wins, faded where the network is unsure")  # fmt: skip
        self.play(FadeOut(curve), run_time=0.5)
        self.wait(1)
        self.say(f"Hard boundary: its decision, {pal.class_names[1]} or {pal.class_names[0]}" if k == 2 else
                 f"Hard boundary: its decision, one of {k} classes at every point")  # fmt: skip
        self.play(UpdateFromAlphaFunc(board, lambda mob, a: mob.set_hardness(a), run_time=1.8))
        fresh = run.X_test is not None
        X_test, y_test = (run.X_test, run.y_test) if fresh else (run.X, run.y)
        self.say("Points it never saw while training" if fresh else "The training points")
        self.play(FadeOut(board.dots), FadeIn(board.make_points(X_test, y_test)))
        score = np.mean(final.predict(X_test) == y_test)
        self.say(f"{'Test' if fresh else 'Training'} accuracy: {100 * score:.1f}%", font_size=40)
        self.play(Indicate(self.cap, color=pal.marker, scale_factor=1.1))
        self.wait(2.5)
        self.say(None)
