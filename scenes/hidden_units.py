"""What every hidden neuron sees: ``manim render scenes/hidden_units.py``.

A 2-4-4-1 tanh network learns the circle; each hidden neuron's output over the plane is drawn as a
large map in its place in the network. First-layer neurons draw one line each, the second layer
combines them into curved regions, and the output map is assembled from the second layer's maps,
weighted, summed, squashed. Ends on the soft and hard boundaries and the test points.

With no settings the scene trains RUN below (under a second). ``NNKERN_RUN=runs/myrun manim render
scenes/hidden_units.py`` replays your recording instead: 2 inputs, hidden layers of at most 6
neurons, one sigmoid output (e.g. ``nnkern train --dataset circle --layers 2,4,4,1``).
"""

import numpy as np
from manim import (
    DOWN,
    config,
    Create,
    FadeIn,
    FadeOut,
    GrowFromCenter,
    Indicate,
    LaggedStart,
    Line,
    ShowPassingFlash,
    Square,
    Text,
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
from nnkern.viz.runs import env_recording, planar_binary
from nnkern.viz.neuron import first_layer_lines

config.disable_caching = True  # every animation here runs updaters: caching would only cost hashing

RUN = dict(
    data=dict(name="circle", n=600, noise=0.05, seed=0),
    test_size=0.25,
    sizes=[2, 4, 4, 1],
    activation="tanh",
    train=dict(epochs=60, batch_size=32, optimizer="adam", lr=0.03, seed=1),
)
MAX_WIDTH = 6  # widest hidden layer whose maps fit on screen
TRAINING_SECONDS = 16


def default_recording():
    """RUN's recording, trained on first use and then read from the cache (nk.cache)."""
    return nk.cache.recording("hidden_units", RUN, train_default)


def train_default(folder):
    """Train RUN into ``folder`` (a geometric schedule) with its test split as validation data."""
    X, y = nk.datasets.load(**RUN["data"])
    Xtr, Xte, ytr, yte = nk.datasets.train_test_split(X, y, test_size=RUN["test_size"], seed=RUN["data"]["seed"])
    net = nk.MLP(RUN["sizes"], activation=RUN["activation"], output="sigmoid", seed=RUN["train"]["seed"])
    nk.train(net, Xtr, ytr, quiet=True, val=(Xte, yte), record="geometric", record_to=folder, record_meta=RUN, **RUN["train"])


def load_run():
    """The recording at $NNKERN_RUN (2 inputs, hidden layers of <= MAX_WIDTH, one sigmoid output), else RUN's."""
    unfit = planar_binary(lambda hidden: hidden and max(hidden) <= MAX_WIDTH, f"hidden layers of at most {MAX_WIDTH}")
    return RecordedRun.from_recording(env_recording(default_recording, unfit))



class HiddenUnitsScene(CaptionedScene):
    def construct(self):
        run = load_run()
        rec, net = run.recording, run.net
        final = rec.model_at(len(rec) - 1)
        extent = plane.square_extent(run.X)
        hidden = net.sizes[1:-1]
        pal = style.PALETTE
        pos, neg = pal.positive_name, pal.negative_name
        class0, class1 = pal.class_names[:2]

        # 1. The network, with a large map in place of every hidden neuron.
        self.next_section("network")
        title = Text("What every hidden neuron sees", font_size=50, color=pal.text)
        self.play(Write(title))
        self.wait(0.8)
        self.play(FadeOut(title))
        gap = min(2.55, 7.65 / (len(net.sizes) - 1))
        diagram = NetworkDiagram.from_net(net, height=6.0, layer_gap=gap)
        diagram.move_to([-6.0 + gap * (len(net.sizes) - 1) / 2, -0.3, 0])
        tile = 0.87 * diagram.pitch
        maps = [NeuronMap(l, diagram.shown[l], [c.get_center() for c in diagram.neurons[l]], extent, net.activation,
                          side=tile) for l in range(1, len(net.sizes) - 1)]  # fmt: skip
        inputs = diagram.input_labels(["x_1", "x_2"])
        names = VGroup(*(Text(f"layer {l}", font_size=26, color=pal.text).next_to(diagram.neurons[l], DOWN, buff=0.5 * tile + 0.1)
                         for l in range(1, len(net.sizes) - 1)))  # fmt: skip
        board = DecisionBoundary(extent, run.X, run.y, side=4.2).move_to([4.55, 0.45, 0])
        board.contour.set_stroke(opacity=0)  # until the output map is revealed
        self.board = board
        self.say(f"A network with {len(hidden)} hidden layers of {' and '.join(map(str, hidden))} neurons, on the circle")
        self.play(FadeIn(board.frame), FadeIn(board.image), LaggedStart(*(FadeIn(d) for d in board.dots), lag_ratio=0.3))
        self.add(board)
        self.play(LaggedStart(*(GrowFromCenter(c) for c in diagram.neurons[0]), lag_ratio=0.2), Write(inputs))
        for l, edges in enumerate(diagram.edges):
            self.play(Create(edges, lag_ratio=0.01, run_time=0.8),
                      LaggedStart(*(GrowFromCenter(c) for c in diagram.neurons[l + 1]), lag_ratio=0.1, run_time=0.8))
        self.add(diagram)
        tracker = TrainingTracker(run, extent)
        board.set_reveal(0)
        tracker.attach(diagram, board, *maps)
        self.say("Each hidden neuron becomes a map: its output at every point of the plane")
        self.play(LaggedStart(*(FadeIn(m, scale=0.6) for m in maps), lag_ratio=0.5, run_time=2), FadeIn(names))
        self.say(f"{pos.capitalize()}: output near +1; {neg}: near -1. The output map (right) is P({class1})")
        self.play(UpdateFromAlphaFunc(board, lambda m, a: m.set_reveal(a)), board.contour.animate.set_stroke(opacity=1))
        self.wait(1)

        # 2. Training shapes every map at once.
        self.next_section("training")
        curve = LossCurve.from_recording(rec, "test", width=3.2, height=0.95).move_to([4.2, -2.85, 0])
        self.play(FadeIn(curve))
        tracker.attach(curve)
        self.add(curve.trace)
        t = TRAINING_SECONDS
        self.say("Training reshapes every map at once", tracker.play(0, 0.4, 0.4 * t, 10))
        self.say("Each map settles into a piece of the answer", tracker.play(0.4, 1, 0.6 * t, 10))
        tracker.detach()
        self.wait(0.5)

        # 3. Layer 1 draws lines; layer 2 bends them into regions.
        self.next_section("lines")
        first = maps[0]
        tile_lines = VGroup(*(
            first_layer_lines(final, extent, lambda xy, c=c: tile_point(xy, c, tile, extent), stroke_width=2.5,
                              color=pal.contour)[j]
            for j, c in zip(diagram.shown[1], (n.get_center() for n in diagram.neurons[1]))))  # fmt: skip
        board_lines = first_layer_lines(final, extent, board.to_point, stroke_width=2.5, color=pal.contour)
        board_lines.set_stroke(opacity=0.8)
        self.say("Layer 1: each neuron is the single neuron of the last scene, and draws one line")
        self.play(LaggedStart(*(Create(line) for line in tile_lines), lag_ratio=0.3, run_time=2))
        self.wait(1)
        self.say("Over the output map, the first layer's lines")
        self.play(LaggedStart(*(Create(line) for line in board_lines), lag_ratio=0.3, run_time=2))
        self.wait(1.5)
        if len(maps) > 1:
            self.say("Layer 2 mixes those lines into curved regions")
            rings = VGroup(*(Square(tile, color=pal.marker, stroke_width=4).move_to(c.get_center()) for c in diagram.neurons[2]))
            self.play(FadeOut(tile_lines), LaggedStart(*(Create(r) for r in rings), lag_ratio=0.3, run_time=1.5))
            self.wait(1.5)
            self.play(FadeOut(rings))
        else:
            self.play(FadeOut(tile_lines))

        # 4. The output map, assembled from the last hidden layer's maps.
        self.next_section("assemble")
        last = len(net.sizes) - 2
        centres = [c.get_center() for c in diagram.neurons[last]]
        out_centre = diagram.neurons[-1][0].get_center()
        assembly = OutputSum(centres, out_centre, extent, side=tile, total_side=tile).set_net(final)
        m = net.sizes[-2]
        parts = ["z", "="] + sum(([f"v_{j + 1}", f"h_{j + 1}", "+"] for j in range(m)), []) + ["c"]
        values = {f"v_{j + 1}": v for j, v in enumerate(assembly.v)} | {"c": assembly.c}
        formula = LiveFormula(parts, values, font_size=38, number_size=28, buff=0.15)
        formula.scale_to_fit_width(min(formula.width, 6.6)).move_to([3.3, -2.75, 0])
        self.say(f"The output neuron adds up the layer-{last} maps, each times its weight v")
        self.play(FadeOut(curve), FadeOut(board_lines), FadeIn(assembly.terms), FadeIn(assembly.frames[:-1]))
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
            self.play(UpdateFromAlphaFunc(assembly, grow, run_time=2.2 if j < 2 else 1.4),
                      ShowPassingFlash(edge, time_width=0.6, run_time=1.4),
                      Indicate(VGroup(formula.part(f"v_{j + 1}"), formula.part(f"h_{j + 1}")), color=pal.marker))
        self.say("plus the bias c: that sum is z")
        self.play(UpdateFromAlphaFunc(assembly, lambda mob, a: mob.set_sum(np.r_[np.ones(m), a])),
                  Indicate(formula.part("c"), color=pal.marker))
        self.say(f"then squashed: P({class1}) = σ(z), and that is the output map")
        self.play(UpdateFromAlphaFunc(assembly, lambda mob, a: mob.set_sum(np.ones(m + 1), squash=a), run_time=1.5))
        flyer = assembly.total.copy()
        self.play(flyer.animate.replace(board.image), run_time=1.5)
        self.remove(flyer)
        self.wait(0.5)
        self.say("All at once: weigh, add, squash")
        self.play(UpdateFromAlphaFunc(assembly, lambda mob, a: mob.set_weighting(0).set_sum(np.zeros(m + 1))),
                  run_time=0.6)
        self.play(UpdateFromAlphaFunc(assembly, lambda mob, a: mob.set_weighting(min(1, 3 * a))
                                      .set_sum(np.full(m + 1, np.clip(3 * a - 1, 0, 1)), squash=np.clip(3 * a - 2, 0, 1)),
                                      run_time=3))  # fmt: skip
        self.wait(1)

        # 5. Soft boundary, hard boundary, test points.
        self.next_section("end")
        self.play(FadeOut(assembly), FadeOut(formula))
        self.say("Soft boundary: the colour shows how sure the network is")
        self.wait(1.5)
        self.say(f"Hard boundary: its decision, {class1} or {class0}")
        self.play(UpdateFromAlphaFunc(board, lambda mob, a: mob.set_hardness(a), run_time=2))
        fresh = run.X_test is not None
        X_test, y_test = (run.X_test, run.y_test) if fresh else (run.X, run.y)
        self.say("Points it never saw while training" if fresh else "The training points")
        self.play(FadeOut(board.dots), FadeIn(board.make_points(X_test, y_test)))
        score = np.mean(final.predict(X_test) == y_test)
        self.say(f"{'Test' if fresh else 'Training'} accuracy: {100 * score:.1f}%", font_size=40)
        self.play(Indicate(self.cap, color=pal.marker, scale_factor=1.1))
        self.wait(2.5)
        self.say(None)


def tile_point(xy, centre, side, extent):
    """Plane coordinates (..., 2) -> scene points (..., 3) inside a square tile of ``side`` at ``centre``."""
    xy = np.asarray(xy, dtype=float)
    xmin, xmax, ymin, ymax = extent
    u, v = (xy[..., 0] - xmin) / (xmax - xmin) - 0.5, (xy[..., 1] - ymin) / (ymax - ymin) - 0.5
    return np.stack([centre[0] + u * side, centre[1] + v * side, np.zeros_like(u)], axis=-1)
