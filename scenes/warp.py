"""How a network bends space: ``manim render scenes/warp.py``.

The input plane as a grid with the data on it, carried through a 2-2-2-2-1 tanh network one step at
a time (each layer's linear map W x + b keeps lines straight and parallel; tanh bends them), first
untrained, then trained, where the output neuron's one line cuts the two moons apart; then the last
layer's view through the whole of training. Every hidden layer is 2 wide, so the hidden space is
the screen itself.

With no settings the scene trains RUN below (well under a second). ``NNKERN_RUN=runs/myrun manim
render scenes/warp.py`` replays your recording instead: 2 inputs, any hidden layers, one sigmoid
output or a softmax over 2 to 7 classes (e.g. ``nnkern train --dataset spiral --classes 3 --layers
2,8,8,3 --out runs/spiral3``). A layer wider than 2 is drawn as its projection onto the plane where
the data spread most (``nk.plane_projection``), and the frame says so; for a softmax the last plane
shows the classes' regions, cut by straight borders.
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
    MathTex,
    SurroundingRectangle,
    UpdateFromAlphaFunc,
    VGroup,
    Write,
)

import nnkern as nk
from nnkern.viz import LossCurve, NetworkDiagram, RecordedRun, TrainingTracker, WarpGrid, plane, style
from nnkern.viz.captions import CaptionedScene
from nnkern.viz.runs import env_recording, planar_classes, planar_classifier
from nnkern.viz.text import text as light_text

config.disable_caching = True  # every animation here runs updaters: caching would only cost hashing

RUN = dict(
    data=dict(name="moons", n=400, noise=0.05, seed=0),
    sizes=[2, 2, 2, 2, 1],
    activation="tanh",
    train=dict(epochs=60, batch_size=32, optimizer="adam", lr=0.03, seed=1),
)
TRAINING_SECONDS = 14


def default_recording():
    """RUN's recording, trained on first use and then read from the cache (nk.cache)."""
    return nk.cache.recording("warp", RUN, train_default)


def train_default(folder):
    """Train RUN into ``folder``, recording a geometric schedule of snapshots."""
    X, y = nk.datasets.load(**RUN["data"])
    net = nk.MLP(RUN["sizes"], activation=RUN["activation"], output="sigmoid", seed=RUN["train"]["seed"])
    nk.train(net, X, y, quiet=True, record="geometric", record_to=folder, record_meta=RUN, **RUN["train"])


def load_run():
    """The recording at $NNKERN_RUN (2 inputs, hidden layers, a sigmoid or softmax output), else RUN's."""
    unfit = planar_classifier(lambda hidden: len(hidden) > 0, "at least one hidden layer")
    return RecordedRun.from_recording(env_recording(default_recording, unfit))


def stage_tex(k, activation):
    """The formula of stage k (0: the input; then per layer its linear map and its activation)."""
    if k == 0:
        return "a_0 = x"
    l = (k + 1) // 2
    return f"z_{l} = W_{l}\\,a_{{{l - 1}}} + b_{l}" if k % 2 else rf"a_{l} = \{activation}(z_{l})" if activation == "tanh" else \
        rf"a_{l} = \mathrm{{{activation}}}(z_{l})"  # fmt: skip


class WarpScene(CaptionedScene):
    def construct(self):
        run = load_run()
        rec, net = run.recording, run.net
        final = rec.model_at(len(rec) - 1)
        extent = plane.square_extent(run.X)
        pal = style.PALETTE
        layers = len(net.sizes) - 2
        last = 2 * layers
        n_classes = planar_classes(rec.header["model"])
        meta = rec.header.get("meta") or {}
        data_name = meta.get("dataset") or (meta.get("data") or {}).get("name")
        data = "the two moons" if data_name == "moons" else "the classes"
        one = net.sizes[-1] == 1  # one sigmoid output neuron, else a softmax
        cut = "the output's one line" if one else "straight borders between the classes"

        # 1. The plane as a grid, the data, the network.
        self.next_section("plane")
        title = light_text("How a network bends space", font_size=52, color=pal.text)
        self.play(Write(title))
        self.wait(0.8)
        self.play(FadeOut(title))
        warp = WarpGrid(extent, run.X, run.y, side=6.3).move_to([2.95, -0.4, 0]).set_net(net).show(0)
        self.warp, self.tag, self.tag_text = warp, None, None
        self.say("The input plane with a grid drawn on it, and the data" + (": two moons" if data_name == "moons" else ""))
        self.play(Create(warp.frame), Create(warp.grid, run_time=2))
        self.play(LaggedStart(*(FadeIn(d, scale=0.5) for d in warp.dots), lag_ratio=0.3))
        self.add(warp)
        diagram = NetworkDiagram.from_net(net, height=3.0, layer_gap=min(1.35, 5.4 / (len(net.sizes) - 1)))
        diagram.move_to([-3.8, 1.2, 0])
        self.activation = net.activation
        self.label = label = MathTex(stage_tex(0, net.activation), font_size=40, color=pal.text).move_to([-3.8, -0.8, 0])
        wide = any(warp.projected)
        self.say(f"A {'-'.join(map(str, net.sizes))} network: " + (
            "a layer wider than 2 is shown projected onto a plane" if wide
            else "every hidden layer is 2 wide, so its space is a plane too"))
        self.play(LaggedStart(*(GrowFromCenter(c) for layer in diagram.neurons for c in layer), lag_ratio=0.05),
                  Create(VGroup(*diagram.edges)), Write(label))
        self.add(diagram)
        self.wait(1)

        # 2. Untrained, step by step.
        self.next_section("untrained")
        marker = SurroundingRectangle(diagram.neurons[1], color=pal.marker, buff=0.12)
        self.say("Untrained. Layer 1 first maps the plane linearly, W x + b: lines stay straight and parallel")
        self.play(Create(marker))
        self.step(warp, 0, 2.5)
        squeeze = "squeezes it into a square" if net.activation in ("tanh", "sigmoid") else "folds it"
        self.say(f"then {net.activation} {squeeze}: the lines bend")
        self.step(warp, 1, 2.5)
        for l in range(2, layers + 1):
            self.say(f"Layer {l}: the same two steps, on the output of layer {l - 1}")
            self.play(marker.animate.move_to(diagram.neurons[l]))
            self.step(warp, 2 * l - 2, 1.8)
            self.step(warp, 2 * l - 1, 1.8)
        self.add(warp.output)
        self.say("The output neuron is the single neuron of the first scene: one line, in this last plane" if one
                 else f"The output layer scores the {n_classes} classes linearly: straight borders, in this last plane")
        self.play(marker.animate.move_to(diagram.neurons[-1]), FadeIn(warp.output))
        self.wait(1)
        self.say(f"Untrained, {'that line cannot' if one else 'they cannot'} separate {data}")
        self.wait(1.5)
        self.say("Back to the input plane")
        self.play(FadeOut(warp.output), FadeOut(marker))
        self.play(UpdateFromAlphaFunc(warp, lambda m, a: m.show(last * (1 - a)), run_time=2),
                  *self.relabel(0), *self.retag(0))

        # 3. Trained: the same steps.
        self.next_section("trained")
        warp.set_net(final)
        diagram.set_weights(final.weights)
        self.say("After training, the same steps")
        self.play(Create(marker.move_to(diagram.neurons[1])))
        for k in range(last):
            if k % 2 == 0 and k > 0:
                self.play(marker.animate.move_to(diagram.neurons[k // 2 + 1]), run_time=0.5)
            if k == 2:
                self.say(f"Layer by layer, {data} are pulled apart")
            self.step(warp, k, 1.4)
        self.say(f"Now {data} lie apart, and {cut} cut{'s' if one else ''} them")
        self.play(FadeIn(warp.output), marker.animate.move_to(diagram.neurons[-1]))
        score = np.mean(final.predict(run.X) == run.y)
        self.wait(1.5)
        self.say(f"A straight cut in the last plane is a curved boundary in the first: {100 * score:.0f}% right")
        self.wait(2)

        # 4. The last plane through training.
        self.next_section("training")
        tracker = TrainingTracker(run, extent)
        curve = LossCurve.from_recording(rec, width=3.6, height=1.0).move_to([-3.9, -2.95, 0])
        self.play(FadeOut(marker))
        tracker.attach(diagram, warp, curve)
        # the grid's updater redraws the output too, but on z_index -1 Manim draws it before the grid and
        # would keep it in the static background: an updater of its own has it redrawn every frame
        redrawn = lambda mob: mob  # noqa: E731
        warp.output.add_updater(redrawn)
        self.say(f"Through training, in the last plane: watch the network untangle {data}")
        self.play(FadeIn(curve))
        self.play(tracker.play(0, 1, TRAINING_SECONDS, 10))
        tracker.detach()
        warp.output.remove_updater(redrawn)
        self.say("Each layer bends the plane a little, until " + ("one line is" if one else "straight borders are") + " enough",
                 font_size=34)
        self.play(Indicate(self.cap, color=pal.marker, scale_factor=1.08))
        self.wait(2.5)
        self.say(None)

    def step(self, warp, k, run_time):
        """Animate the grid from stage k to k + 1 while the formula label changes to stage k + 1's."""
        self.play(UpdateFromAlphaFunc(warp, lambda m, a: m.show(k + a), run_time=run_time), *self.relabel(k + 1),
                  *self.retag(k + 1))
        self.wait(0.4)

    def relabel(self, k):
        """Animations swapping the stage formula for stage k's."""
        new = MathTex(stage_tex(k, self.activation), font_size=40, color=style.PALETTE.text).move_to(self.label)
        old, self.label = self.label, new
        return [FadeOut(old, run_time=0.6), FadeIn(new, run_time=0.6)]

    def retag(self, k):
        """Animations putting up (or taking down) the note that stage k is a projection of a wider layer."""
        stage = self.warp.stages[k]
        want = (f"{stage[2][1].shape[0]}-D space, projected\nonto its 2 main directions (PCA)" if self.warp.projected[k]
                else None)
        if want == self.tag_text:
            return []
        old, self.tag_text = self.tag, want
        self.tag = None if want is None else light_text(want, font_size=24, line_spacing=0.8, color=style.PALETTE.marker).move_to(
            self.label.get_center() + 0.72 * DOWN)
        return [a for a in (old and FadeOut(old, run_time=0.6), self.tag and FadeIn(self.tag, run_time=0.6)) if a]
