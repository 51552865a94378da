"""One step of gradient descent, up close: ``manim render scenes/backprop.py``.

A 2-3-3-1 network part-way through training takes one real recorded step on one point: the point
goes forward, the output meets the target, the error signal δ flows back and every edge shows its
gradient ∂L/∂w, the chain rule for one edge is worked with the real numbers, then the optimizer's
actual update (Adam's, for the default run) lowers the loss on that point.

With no settings the scene trains RUN below (a second, then cached by ``nk.cache``).
``NNKERN_RUN=runs/myrun manim render scenes/backprop.py`` shows a step of your recording instead:
it needs batch size 1 (a step is one point), 2 inputs, one sigmoid output or a softmax over 2 to 6
classes, hidden layers (at least one) at most 6 wide and two consecutive recorded steps
(``record=1``); any other run stops with one line saying why. With k classes the output is the
probability of the point's own class, p_y, and δ = p − y holds for each output neuron (y one-hot).
"""

import os

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circle,
    Create,
    FadeIn,
    FadeOut,
    GrowFromCenter,
    Indicate,
    LaggedStart,
    MathTex,
    ShowPassingFlash,
    Transform,
    UpdateFromAlphaFunc,
    VGroup,
    Write,
    config,
)

import nnkern as nk
from nnkern.viz import DecisionBoundary, NetworkDiagram, plane, style
from nnkern.viz.captions import CaptionedScene
from nnkern.viz.overlay import EdgeOverlay, NeuronLabels
from nnkern.viz.runs import env_recording, planar_classifier
from nnkern.viz.text import Number

config.disable_caching = True

# The default run: one point per step, every step recorded.
RUN = dict(
    data=dict(name="xor", n=120, noise=0.1, seed=0),
    sizes=[2, 3, 3, 1],
    activation="tanh",
    train=dict(epochs=30, batch_size=1, optimizer="adam", lr=0.03, seed=0, record=1),
)
SEARCH_STEPS = 300  # the step shown is the one among the first SEARCH_STEPS whose point's loss drops most
MAX_WIDTH = 6  # widest layer the diagram's numbers fit


def default_recording():
    """RUN's recording, trained on first use and then read from the cache (nk.cache)."""
    return nk.cache.recording("backprop", RUN, train_default)


def train_default(folder):
    """Train RUN into ``folder``, recording every step."""
    X, y = nk.datasets.load(**RUN["data"])
    net = nk.MLP(RUN["sizes"], activation=RUN["activation"], output="sigmoid", seed=1)
    nk.train(net, X, y, quiet=True, record_to=folder, record_meta=RUN, **RUN["train"])


def unfit(model):
    """Why the diagram cannot show a run of ``model`` (its header's dict), or None."""
    fits = planar_classifier(lambda hidden: hidden and max(hidden) <= MAX_WIDTH,
                             f"1 or more hidden layers at most {MAX_WIDTH} wide", max_classes=MAX_WIDTH)
    return fits(model)


def load_recording():
    """The recording at $NNKERN_RUN (checked to be one this scene can show), else the default run's."""
    rec = env_recording(default_recording, unfit)
    batch = rec.header["training"]["batch_size"]
    if batch != 1 or not np.any(np.diff(rec.steps) == 1):
        raise SystemExit(f"NNKERN_RUN={os.environ.get('NNKERN_RUN')}: this scene shows one step on one point; it "
                         f"needs batch size 1 and two consecutive recorded steps (record=1); that run has batch size "
                         f"{batch}{'' if np.any(np.diff(rec.steps) == 1) else ', no consecutive steps'}")
    return rec


class Step:
    """Everything the scene shows of recorded step ``step`` (its snapshot ``index``): the point and
    target, the network before and after, each layer's z and a, δ, the recorded gradient and update."""

    def __init__(self, rec, index):
        self.rec, self.index, snap = rec, index, rec[index]
        self.step = snap.step
        X, y = rec.data
        (row,) = rec.batch_rows(self.step)
        self.x, self.y = X[row], int(y[row])
        self.before, self.after = rec.model_at(index - 1), rec.model_at(index)
        outs = self.before.layer_outputs(self.x[None])
        self.z = [None, *(z[0] for z, _ in outs)]
        self.a = [self.x, *(a[0] for _, a in outs)]  # a[0] = the input, a[l] of layer l
        self.delta = [None, *(d[0] for d in nk.error_signals(self.before, self.x[None], [self.y]))]
        self.grads = [dW for dW, _ in snap.grads]  # the recording's ∂L/∂W, (fan_in, fan_out) per layer
        self.loss_before = snap.loss
        self.loss_after = nk.evaluate(self.after, self.x[None], [self.y])[0]
        self.m1, self.m2 = snap.m1, snap.m2  # optimizer state after the step (flat)
        self.out = 0 if len(self.a[-1]) == 1 else self.y  # the output shown: P(class 1), or the point's own class's

    @classmethod
    def best(cls, rec):
        """The step among the first SEARCH_STEPS (recorded with the step before) whose point's loss drops most."""
        X, y = rec.data
        net = rec.model_at(0)
        best, best_drop = None, -np.inf
        for i in range(1, min(len(rec), SEARCH_STEPS + 1)):
            step = int(rec.steps[i])
            if rec.steps[i - 1] != step - 1:
                continue
            rows = rec.batch_rows(step)
            drop = rec.losses[i] - nk.evaluate_many(net, rec.params(i)[None], X[rows], y[rows])[0][0]
            if drop > best_drop:
                best, best_drop = i, drop
        return cls(rec, best)


def num(v, places=2):
    """v as MathTex with fixed decimals."""
    return f"{v:.{places}f}"


def par(v, places=2):
    """``num(v)``, in parentheses when negative (for a product)."""
    return f"({num(v, places)})" if v < 0 else num(v, places)


def sum_lines(ws, ds, per_line=2):
    """MathTex lines of Σ_k w_k δ_k written out with the real numbers, ``per_line`` terms a line."""
    terms = [rf"{par(w)} \cdot {par(d)}" for w, d in zip(ws, ds)]
    lines = [" + ".join(terms[i : i + per_line]) for i in range(0, len(terms), per_line)]
    return [r"\textstyle\sum_k w_k \delta_k = " + lines[0], *(f"+ {line}" for line in lines[1:])]


PANEL_X = 1.45  # left edge of the text column right of the network


def below(mob, anchor, buff=0.3):
    """Place ``mob`` under ``anchor``, left-aligned on the text column."""
    return mob.next_to(anchor, DOWN, buff=buff).align_to([PANEL_X, 0, 0], LEFT)


def tex(text, font_size=34):
    return MathTex(text, font_size=font_size, color=style.PALETTE.text)


def labelled(label, number):
    """``label`` (MathTex ending in "=") with a number beside it, centred on the "=" sign."""
    text = tex(label, 36)
    number.next_to(text, RIGHT, buff=0.15).match_y(text[0][-1])
    return VGroup(text, number)


class BackpropScene(CaptionedScene):
    def construct(self):
        rec = load_recording()
        s = Step.best(rec)
        net, pal = s.before, style.PALETTE
        opt, tr = rec.header["optimizer"], rec.header["training"]
        L = len(net.sizes) - 1  # weight matrices

        # 1. The network and this step's point.
        self.next_section("network")
        diagram = NetworkDiagram.from_net(net, height=5.2, layer_gap=2.1).move_to([-2.75, -0.4, 0])
        edges = EdgeOverlay(diagram, net.weights, max_width=7.0, power=2.0)
        inputs = diagram.input_labels(["x_1", "x_2"])
        k = net.sizes[-1]
        output = diagram.output_labels(["p"] if k == 1 else [f"p{'₀₁₂₃₄₅'[c]}" for c in range(k)], font_size=30)
        self.say(f"One step of training, up close: step {s.step} of {tr['epochs'] * tr['steps_per_epoch']}")
        self.play(LaggedStart(*(GrowFromCenter(c) for c in diagram.neurons[0]), lag_ratio=0.2), Write(inputs))
        for l in range(L):
            self.play(Create(edges.lines[l], lag_ratio=0.05),
                      LaggedStart(*(GrowFromCenter(c) for c in diagram.neurons[l + 1]), lag_ratio=0.1), run_time=0.8)
        self.play(Write(output))
        self.bring_to_front(*diagram.neurons)
        self.say(f"Its weights: {pal.positive_name} positive, {pal.negative_name} negative, thicker = stronger")
        self.wait(2.5)

        extent = plane.square_extent(rec.data[0])
        board = DecisionBoundary(extent, *rec.data, side=2.5)
        board.move_to([PANEL_X, 2.9, 0], aligned_edge=UP + LEFT).set_params(net)
        ring = Circle(radius=0.1, stroke_color=pal.marker, stroke_width=4).move_to(board.to_point(s.x))
        point = VGroup(
            tex(rf"x = ({num(s.x[0])},\ {num(s.x[1])})", 30),
            tex(rf"\text{{target }} y = {s.y}", 30),
            tex(rf"\text{{({pal.class_names[s.y]})}}", 30),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.2).next_to(board, RIGHT, buff=0.25).align_to(board, UP)
        self.say("This step trains on one point of the data", FadeIn(board))
        self.play(Create(ring), FadeIn(point, shift=UP * 0.2))
        self.wait(1.0)

        # 2. Forward.
        self.next_section("forward")
        self.say("Forward: the point flows through, layer by layer (below each neuron: its value)")
        values = NeuronLabels(diagram, range(L + 1), s.a, direction=DOWN, palette=pal)
        colors = diagram.neuron_colors(s.a, plane.input_scale(extent))
        for l in range(L + 1):
            fill = [c.animate.set_fill(style.to_color(rgb), 1) for c, rgb in zip(diagram.neurons[l], colors[l])]
            flash = [ShowPassingFlash(edges.lines[l - 1].copy().set_stroke(pal.highlight, width=3), time_width=0.6)] if l else []
            self.play(*flash, *fill, FadeIn(values.labels[l], shift=DOWN * 0.1), run_time=1.1)
        self.wait(0.5)

        # 3. Output against target: the loss.
        self.next_section("loss")
        p = s.a[L][s.out]
        p_name = "p" if k == 1 else f"p_{s.y}"
        loss_tex = r"-\log(1 - p)" if k == 1 and s.y == 0 else rf"-\log {p_name}"
        verdict = VGroup(
            VGroup(tex(rf"{p_name} = {num(p)}"), tex(rf"y = {s.y}")).arrange(RIGHT, buff=0.6),
            tex(rf"\text{{loss }} L = {loss_tex} = {num(s.loss_before, 3)}"),
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        below(verdict, board, 0.4)
        verdict[0][0].set_color(style.output_color(s.a[L]))
        self.say(f"The output p = P({pal.class_names[1]}) against the target: the loss says how wrong it is" if k == 1 else
                 f"The output for its class, p{'₀₁₂₃₄₅'[s.y]} = P({pal.class_names[s.y]}), against the target: the loss says how wrong it is")
        self.play(FadeIn(verdict[0], shift=UP * 0.2))
        self.play(Write(verdict[1]))
        self.wait(1.5)

        # 4. Backward: δ at the output, then layer by layer; edges turn into gradients.
        self.next_section("backward")
        deltas = NeuronLabels(diagram, range(1, L + 1), s.delta[1:], direction=UP, num_decimal_places=3, palette=pal)
        grads = EdgeOverlay(diagram, s.grads, max_width=7.0, power=1.0)
        out_delta = tex(rf"\delta = \frac{{\partial L}}{{\partial z}} = p - y = {num(s.delta[L][0], 3)}" if k == 1 else
                        rf"\delta_c = \frac{{\partial L}}{{\partial z_c}} = p_c - y_c,\ \ \delta_{s.y} = {num(s.delta[L][s.y], 3)}")
        self.say("Backward: the error signal δ = ∂L/∂z starts at the output (above each neuron)")
        self.play(FadeOut(board), FadeOut(ring), FadeOut(point), verdict.animate.move_to([PANEL_X, 2.9, 0], aligned_edge=UP + LEFT))
        below(out_delta, verdict)
        self.play(Write(out_delta), FadeIn(deltas.labels[L - 1], shift=UP * 0.1))
        self.wait(0.8)
        self.say(f"…and flows back; each line now shows ∂L/∂w: {pal.positive_name} +, {pal.negative_name} −, thicker = larger")
        for l in range(L - 1, -1, -1):
            back = edges.lines[l].copy().set_stroke(pal.highlight, width=3)
            for line in back:
                line.reverse_points()
            anims = [ShowPassingFlash(back, time_width=0.6), Transform(edges.lines[l], grads.lines[l])]
            if l:
                anims.append(FadeIn(deltas.labels[l - 1], shift=UP * 0.1))
            self.play(*anims, run_time=1.4)
        self.wait(1.0)

        # 5. The chain rule for one edge, with the real numbers.
        self.next_section("chain rule")
        G0 = np.abs(s.grads[0])
        i, j = np.unravel_index(np.argmax(G0), G0.shape)  # the first layer's steepest edge: input i -> hidden j
        w_next, d_next = net.weights[1][j], s.delta[2]
        a_in, d_j, g = s.a[0][i], s.delta[1][j], s.grads[0][i, j]
        total = float(np.dot(w_next, d_next))
        fprime = r"\tanh'(z)" if net.activation == "tanh" else rf"\mathrm{{{net.activation}}}'(z)"
        slope = 1 - s.a[1][j] ** 2 if net.activation == "tanh" else d_j / total if total else 0.0  # f'(z) of neuron j
        edge = edges.line(0, i, j).copy().set_stroke(pal.marker, width=9, opacity=0.7)
        self.say(f"The chain rule for one edge: from x{'₁₂'[i]} into hidden neuron {j + 1}")
        self.play(FadeOut(out_delta), verdict.animate.set_opacity(0.5), Create(edge))
        chain = VGroup(
            tex(r"\frac{\partial L}{\partial w} = a \cdot \delta", 36),
            tex(rf"\delta = {fprime} \cdot \textstyle\sum_k w_k\, \delta_k"),
            VGroup(*(tex(line, 30) for line in sum_lines(w_next, d_next)), tex(rf"= {num(total, 3)}", 30)),
            tex(rf"\delta = {num(slope)} \times {par(total, 3)} = {num(d_j, 3)}"),
            tex(rf"\frac{{\partial L}}{{\partial w}} = {num(a_in)} \times {par(d_j, 3)} = {num(g, 3)}", 36),
        )
        chain[2].arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        for line in chain[2][1:]:
            line.shift(RIGHT * 0.5)
        chain.arrange(DOWN, aligned_edge=LEFT, buff=0.25)
        chain.scale_to_fit_width(min(chain.width, 7.0 - PANEL_X))
        below(chain, verdict, 0.35)
        self.play(Write(chain[0]))
        self.play(Indicate(values.labels[0][i], color=pal.marker), Indicate(deltas.labels[0][j], color=pal.marker))
        self.play(Write(chain[1]))
        self.play(*(Indicate(edges.line(1, j, k), color=pal.marker) for k in range(net.sizes[2])),
                  *(Indicate(deltas.number(1, k), color=pal.marker) for k in range(net.sizes[2])))
        self.play(Write(chain[2]), run_time=1.5)
        self.play(Write(chain[3]))
        self.play(Write(chain[4]), Indicate(edges.line(0, i, j), color=pal.marker))
        self.wait(2.0)

        # 6. The update: the optimizer's real step for every weight, then the new weights.
        self.next_section("update")
        lr, t = opt["lr"], s.step
        steps = [A - B for A, B in zip(s.after.weights, net.weights)]  # what the optimizer did, per layer
        dw = float(steps[0][i, j])
        if opt["name"] == "adam":
            k = rec.layout.w_off[0] + i * net.sizes[1] + j  # this edge's place in the flat parameters
            m_hat = s.m1[k] / (1 - opt["beta1"] ** t)
            v_hat = s.m2[k] / (1 - opt["beta2"] ** t)
            rule = VGroup(
                tex(r"\text{Adam: } \Delta w = -\eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}"),
                tex(rf"= -{lr:g} \times \frac{{{num(m_hat, 3)}}}{{{num(np.sqrt(v_hat), 3)}}} = {num(dw, 4)}", 32),
                tex(rf"\text{{plain descent: }} -\eta\, \tfrac{{\partial L}}{{\partial w}} = {num(-lr * g, 4)}", 28),
            )
            words = ("This run used Adam: it steps by a running average of gradients, scaled per weight",
                     f"Adam's step for every weight: {pal.positive_name} up, {pal.negative_name} down")
        else:
            rule = VGroup(tex(rf"\Delta w = -\eta\, \frac{{\partial L}}{{\partial w}} = -{lr:g} \times {par(g, 3)} = {num(dw, 4)}"))
            words = (f"The update ({opt['name']}): every weight steps against its gradient",
                     f"The step for every weight: {pal.positive_name} up, {pal.negative_name} down")
        rule.arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        below(rule, verdict, 0.35)
        self.say(words[0], FadeOut(chain))
        self.play(Write(rule[0]))
        self.play(*(Write(r) for r in rule[1:]))
        self.wait(1.5)
        self.say(words[1], edges.animate.set_values(steps), FadeOut(deltas), FadeOut(values), FadeOut(edge))
        self.wait(1.5)

        loss = Number(s.loss_before, num_decimal_places=3, font_size=36, color=pal.text)
        prob = Number(p, num_decimal_places=2, font_size=36, color=style.output_color(s.a[L]))
        tally = VGroup(labelled("L =", loss), labelled(f"{p_name} =", prob)).arrange(RIGHT, buff=0.6)
        below(tally, rule, 0.4)
        self.say("Take the step: the new weights, and the loss on this point drops",
                 edges.animate.set_values(net.weights), FadeIn(tally), verdict.animate.set_opacity(1))
        twin = net.copy()
        start, end = net.params.astype(np.float64), s.after.params.astype(np.float64)

        def move(_, alpha):
            twin.set_params((start + alpha * (end - start)).astype(net.dtype))
            edges.set_values(twin.weights)
            q = twin.forward(s.x[None])[0]
            prob.set_value(q[s.out]).set_color(style.output_color(q))
            loss.set_value(nk.evaluate(twin, s.x[None], [s.y])[0])
            diagram.set_activations([s.x, *(a[0] for _, a in twin.layer_outputs(s.x[None]))], plane.input_scale(extent))

        self.play(UpdateFromAlphaFunc(edges, move), run_time=3.0)
        change = tex(rf"L:\ {num(s.loss_before, 3)} \rightarrow {num(s.loss_after, 3)}", 36)
        below(change, tally, 0.3)
        self.play(Write(change))
        self.wait(1.5)

        # 7. The step's size against the weights: small, yet aimed.
        self.next_section("end")
        biggest = max(float(np.abs(d).max()) for d in steps)
        self.say(f"No weight moved more than {biggest:.3f}: a small nudge, aimed downhill", Indicate(change, color=pal.marker))
        self.wait(2.0)
        self.say("Repeat for every point, thousands of times: that is training")
        self.wait(2.5)
        self.say(None)
        self.play(FadeOut(self.cap))
