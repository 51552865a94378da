"""How fragile is the answer: ``manim render scenes/perturb.py``.

A trained 2-D network has every weight removed in turn (each copy re-scored in one compiled call,
``nk.weight_sensitivity``); the weights are ranked by how much the loss rises without them, the most
important one is swept from -3x to +3x its value while the boundary, accuracy and loss react, and
the network is pruned from its smallest weights up.

With no settings the scene trains RUN below (a second, then cached by ``nk.cache``).
``NNKERN_RUN=runs/myrun manim render scenes/perturb.py`` uses the last snapshot of your recording:
a classifier of 2 inputs (one sigmoid output, or softmax over 2 to 7 classes) with at most 400
weights (the bar chart's limit); any other run stops with one line.
"""

import os

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Axes,
    Circle,
    Create,
    FadeIn,
    FadeOut,
    GrowFromEdge,
    Indicate,
    LaggedStart,
    Transform,
    UpdateFromAlphaFunc,
    ValueTracker,
    VGroup,
    VMobject,
    config,
)

import nnkern as nk
from nnkern.viz import DecisionBoundary, NetworkDiagram, plane, style
from nnkern.viz.bars import SeriesBars
from nnkern.viz.captions import CaptionedScene
from nnkern.viz.overlay import EdgeOverlay
from nnkern.viz.runs import env_recording, planar_classifier
from nnkern.viz.slider import Slider
from nnkern.viz.text import Number, text as light_text

config.disable_caching = True

RUN = dict(
    data=dict(name="circle", n=400, noise=0.05, seed=0),
    sizes=[2, 6, 6, 1],
    activation="tanh",
    train=dict(epochs=80, batch_size=16, optimizer="adam", lr=0.03, seed=0),
)
MAX_WEIGHTS = 400


def train_default(folder):
    """Train RUN into ``folder``, recording its start and end."""
    X, y = nk.datasets.load(**RUN["data"])
    net = nk.MLP(RUN["sizes"], activation=RUN["activation"], output="sigmoid", seed=0)
    nk.train(net, X, y, quiet=True, record=[0], record_to=folder, record_meta=RUN, **RUN["train"])


def unfit(model):
    """Why this scene cannot score a run of ``model`` (its header's dict), or None."""
    sizes = model["sizes"]
    n_weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    why = planar_classifier(lambda hidden: n_weights <= MAX_WEIGHTS, f"at most {MAX_WEIGHTS} weights")(model)
    return why and f"{why}, {n_weights} weights"


def load_net():
    """(network, X, y, where it came from): the last snapshot of $NNKERN_RUN, else of RUN (trained on
    first use, then cached by nk.cache)."""
    rec = env_recording(lambda: nk.cache.recording("perturb", RUN, train_default), unfit)
    path = os.environ.get("NNKERN_RUN")
    source = os.path.basename(os.path.normpath(path)) if path else f"{RUN['data']['name']} data"
    return (rec.model_at(len(rec) - 1), *rec.data, source)


def readout(label, number):
    """``label`` Text with a number to its right."""
    text = light_text(label, font_size=28, color=style.PALETTE.text)
    return VGroup(text, number.next_to(text, RIGHT, buff=0.15).match_y(text))


class PerturbScene(CaptionedScene):
    def construct(self):
        net, X, y, source = load_net()
        pal = style.PALETTE
        base_loss, base_acc = nk.evaluate(net, X, y)
        twin = net.copy()  # the network the plane and the numbers show as it is edited

        # 1. The trained network.
        self.next_section("trained")
        diagram = NetworkDiagram.from_net(net, height=3.5, layer_gap=2.2).move_to([-3.1, 1.0, 0])
        edges = EdgeOverlay(diagram, net.weights, max_width=6.0, power=2.0)
        extent = plane.square_extent(X)
        board = DecisionBoundary(extent, X, y, side=3.2).move_to([4.0, 0.95, 0]).set_params(net)
        acc = Number(100 * base_acc, num_decimal_places=1, unit=r"\%", font_size=42, color=pal.text)
        loss = Number(base_loss, num_decimal_places=3, font_size=42, color=pal.text)  # TeX digits as tall as the Text
        numbers = VGroup(readout("accuracy", acc), readout("loss", loss)).arrange(RIGHT, buff=0.5)
        numbers.next_to(board, DOWN, buff=0.25)
        self.say(f"A trained {'-'.join(map(str, net.sizes))} network on the {source}: how much does each weight matter?")
        self.play(LaggedStart(*(FadeIn(layer) for layer in diagram.neurons), lag_ratio=0.2),
                  Create(edges, lag_ratio=0.01), FadeIn(board), run_time=2)
        self.bring_to_front(*diagram.neurons)
        self.play(FadeIn(numbers))
        self.wait(1.5)

        def show(params, restyle_edges=True):
            """Put params on the plane, the numbers and (unless told not to) the edges."""
            twin.set_params(params)
            board.set_params(twin)
            if restyle_edges:
                edges.set_values(twin.weights)
            l, a = nk.evaluate(twin, X, y)
            loss.set_value(l)
            acc.set_value(100 * a)

        # 2. Remove one weight at a time.
        self.next_section("sensitivity")
        losses, accs = nk.weight_sensitivity(net, X, y, scale=0.0)
        rise = [np.clip(L - base_loss, 0, None) for L in losses]
        flat = np.concatenate([r.ravel() for r in rise])
        order = np.argsort(flat)[::-1]
        bars = SeriesBars(flat[order], width=6.6, height=1.5, label="loss rise without each weight, largest first",
                          palette=pal).move_to([-3.3, -2.6, 0])
        self.say(f"Remove each weight in turn and re-score: {flat.size} edited copies, one compiled call")
        self.play(LaggedStart(*(GrowFromEdge(b, DOWN) for b in bars.bars), lag_ratio=0.03, run_time=2.5),
                  FadeIn(bars.frame))
        self.wait(0.5)
        sens = EdgeOverlay(diagram, rise, max_width=7.0, power=1.0, signed=False)
        self.say("The same number on each edge: brighter and thicker = the loss rises more without it")
        self.play(Transform(edges, sens), run_time=1.5)
        self.wait(1.5)

        top = int(order[0])
        bounds = np.cumsum([0, *(W.size for W in net.weights)])
        l = int(np.searchsorted(bounds, top, side="right") - 1)
        i, j = np.unravel_index(top - bounds[l], net.weights[l].shape)
        w0 = float(net.weights[l][i, j])
        k = int(net.layout.w_off[l] + i * net.sizes[l + 1] + j)  # its place in the flat parameters
        ring = edges.line(l, i, j).copy().set_stroke(pal.marker, width=10, opacity=0.6)
        self.say(f"The most important weight: without it, accuracy falls to {100 * accs[l][i, j]:.0f}%",
                 Create(ring), Indicate(bars.bars[0], color=pal.marker))
        without = net.params.copy()
        without[k] = 0
        self.play(UpdateFromAlphaFunc(board, lambda m, a: show(net.params + a * (without - net.params), False)),
                  run_time=1.5)
        self.wait(1.5)

        # 3. Sweep it.
        self.next_section("sweep")
        slider = Slider(rf"\times {w0:.2f}", (-3, 3, 1), length=3.4, value=0, font_size=40, number_size=35, palette=pal)
        slider.next_to(numbers, DOWN, buff=0.45)
        self.say("Sweep it from −3× to +3× its trained value: the boundary reacts",
                 FadeIn(slider), Transform(edges, EdgeOverlay(diagram, twin.weights, max_width=6.0, power=2.0)))
        scale = slider.tracker
        params = net.params.copy()

        def follow(_):
            params[k] = scale.get_value() * w0
            show(params)

        board.add_updater(follow)
        for target, seconds in ((1, 2.0), (3, 3.0), (-3, 5.0), (1, 3.5)):
            self.play(scale.animate.set_value(target), run_time=seconds)
        board.remove_updater(follow)
        show(net.params)
        self.wait(0.5)

        # 4. Pruning from the smallest weights up.
        self.next_section("pruning")
        n_w = flat.size
        fractions = np.arange(n_w + 1) / n_w
        thetas = nk.pruned_params(net, fractions)
        _, prune_acc = nk.evaluate_many(net, thetas, X, y)
        low = 0.4 if net.sizes[-1] <= 2 else 0.0  # chance is 1/k: 0.5 for two classes
        axes = Axes([0, 1, 0.25], [low, 1, 0.2], x_length=6.6, y_length=1.7, tips=False,
                    axis_config=dict(color=pal.frame, include_numbers=True, font_size=35))  # TeX digits at 35 = Text at 24
        axes.move_to([-2.7, -2.15, 0])
        for n in [*axes.x_axis.numbers, *axes.y_axis.numbers]:
            n.set_color(pal.text)
        xlabel = light_text("fraction of weights removed, smallest |w| first", font_size=24, color=pal.text)
        xlabel.next_to(axes, DOWN, buff=0.1)
        ylabel = light_text("accuracy", font_size=24, color=pal.text).next_to(axes, UP, buff=0.1).align_to(axes, LEFT)
        self.say("Now prune: remove weights from the smallest |w| up",
                 FadeOut(bars), FadeOut(ring), FadeOut(slider),
                 Transform(edges, EdgeOverlay(diagram, net.weights, max_width=6.0, power=2.0)))
        self.play(Create(axes), FadeIn(xlabel, ylabel))
        trace = VMobject(stroke_color=pal.curves[0], stroke_width=4)
        points = axes.coords_to_point(np.c_[fractions, np.clip(prune_acc, low, 1)])
        removed = ValueTracker(0)

        def prune(_):
            n = int(removed.get_value())
            trace.set_points_as_corners(points[: n + 1] if n else points[:1].repeat(2, axis=0))
            show(thetas[n])

        board.add_updater(prune)
        self.add(trace)
        self.play(removed.animate.set_value(n_w), run_time=10, rate_func=lambda t: t)
        board.remove_updater(prune)
        keep = np.flatnonzero(prune_acc >= base_acc - 0.02)
        n_keep = int(keep[-1]) if keep.size else 0  # the most weights removed with accuracy within 2 points
        self.say(f"{100 * fractions[n_keep]:.0f}% of the weights can go before accuracy drops by 2 points or more",
                 UpdateFromAlphaFunc(board, lambda m, a: show(thetas[int(round(n_w + a * (n_keep - n_w)))]), run_time=2))
        marker = Circle(radius=0.1, stroke_color=pal.marker, stroke_width=4).move_to(points[n_keep])
        self.play(Create(marker))
        self.wait(3)
        self.say(None)
        self.play(FadeOut(self.cap))
