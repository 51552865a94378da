"""NetworkDiagram: neurons as circles, weights as edges, restyled in place from parameters."""

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    AnimationGroup,
    Arrow,
    Brace,
    Circle,
    Line,
    MathTex,
    ShowPassingFlash,
    Succession,
    VGroup,
    VMobject,
)

from . import plane, style
from .text import text as light_text


def shown_indices(n: int, max_shown: int) -> np.ndarray:
    """Indices of the neurons drawn for a layer of n: all, or the first and last halves of max_shown."""
    if n <= max_shown:
        return np.arange(n)
    head = max_shown // 2
    return np.r_[np.arange(head), np.arange(n - (max_shown - head), n)]


class NetworkDiagram(VGroup):
    """A layered network drawing for layer sizes ``sizes`` (e.g. [2, 16, 16, 1]).

    Layers wider than ``max_shown`` draw their first and last neurons around a ``⋮`` with a brace
    giving the true count. Attributes: ``neurons[l]`` (VGroup of circles, one per shown neuron),
    ``edges[l]`` (the edges of weight matrix l between shown neurons), ``glow[l]`` (change highlights
    under ``edges[l]``, see ``set_changes``), ``shown[l]`` (true neuron indices drawn).

    Edges are drawn in bundles: one VMobject per (sign, ``edge_levels`` band of |w| / layer max), each
    styled once, so a frame draws a few dozen paths instead of one per edge; ``set_weights`` moves
    edges between bundles. ``edge_bundle(l, i, j)`` is the VMobject drawing one edge.

    As a TrainingTracker view, ``sync(frame)`` shows the frame's weights, its point's activations and,
    once ``needs_changes`` is set True, its weight changes. Colours come from ``palette`` (default
    ``style.PALETTE``).
    """

    needs_changes = False  # set True to highlight the weight changes each frame carries

    def __init__(
        self,
        sizes,
        activation="tanh",
        output="sigmoid",
        *,
        height=5.0,
        layer_gap=2.0,
        max_shown=16,
        max_edge_width=4.0,
        power=3.0,
        glow_levels=6,
        edge_levels=16,
        palette=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.palette = style.current(palette)
        self.sizes = list(sizes)
        self.activation, self.output = activation, output
        self.max_edge_width, self.power = max_edge_width, power
        self.glow_levels, self.edge_levels = glow_levels, edge_levels
        self.shown = [shown_indices(n, max_shown) for n in self.sizes]
        slots = max(len(s) + (len(s) < n) for s, n in zip(self.shown, self.sizes))
        self.pitch = pitch = height / max(slots, 2)
        self.radius = min(0.36 * pitch, 0.3)

        self.neurons, self.ellipses = [], VGroup()
        for l, (idx, n) in enumerate(zip(self.shown, self.sizes)):
            ys = self._slot_ys(len(idx), len(idx) < n, self._layer_pitch(len(idx) + (len(idx) < n), height))
            x = (l - (len(self.sizes) - 1) / 2) * layer_gap
            layer = VGroup(
                *(
                    Circle(self.radius, stroke_color=self.palette.frame, stroke_width=1.5)
                    .set_fill(self.palette.zero, 1)
                    .move_to([x, y, 0])
                    for y in ys
                )
            )
            self.neurons.append(layer)
            if len(idx) < n:
                dots = MathTex(r"\vdots", color=self.palette.text).scale_to_fit_height(min(pitch * 0.8, 0.5))
                dots.move_to([x, 0, 0])
                brace = Brace(layer, LEFT, buff=0.08, color=self.palette.text)
                count = light_text(str(n), font_size=24, color=self.palette.text).next_to(brace, LEFT, buff=0.06)
                self.ellipses.add(VGroup(dots, brace, count))

        self._slots, self._pairs, self._bundle, self.edges, self.glow = [], [], [], [], []
        self._ends, self._ends_key = None, None
        for l in range(len(self.sizes) - 1):
            ii, jj = np.meshgrid(np.arange(len(self.shown[l])), np.arange(len(self.shown[l + 1])), indexing="ij")
            self._slots.append((ii.ravel(), jj.ravel()))
            self._pairs.append((self.shown[l][ii.ravel()], self.shown[l + 1][jj.ravel()]))
            self._bundle.append(np.zeros(ii.size, dtype=int))
            self.edges.append(VGroup(*(self._styled_bundle(k) for k in range(2 * edge_levels))))
            self.glow.append(VGroup(*(VMobject() for _ in range(self.glow_levels))))
        self.add(*self.glow, *self.edges, *self.neurons, self.ellipses)
        self.set_weights([np.zeros((a, b)) for a, b in zip(self.sizes, self.sizes[1:])])

    def _styled_bundle(self, k):
        """Bundle k of a layer's edges: k < L holds negative weights, k >= L positive ones, with
        |w| / layer max in [level / L, (level + 1) / L), level = k mod L; coloured and widened for the
        middle of that range."""
        L = self.edge_levels
        rel = (k % L + 0.5) / L
        sign = 1.0 if k >= L else -1.0
        width = style.magnitude_width(rel, self.max_edge_width, power=self.power)
        return VMobject(stroke_color=style.to_color(style.signed_rgb(sign * rel, 1.0, self.palette)), stroke_width=float(width))

    @classmethod
    def from_net(cls, net, **kwargs):
        """Diagram for an ``nk.MLP`` (its sizes and activation names), styled from its weights."""
        return cls(net.sizes, net.activation, net.output, **kwargs).set_weights(net.weights)

    def _layer_pitch(self, slots, height):
        """Spacing of a layer's neurons: the common pitch, spread up to 3x for small layers."""
        return max(self.pitch, min(3 * self.pitch, height / (slots + 1)))

    @staticmethod
    def _slot_ys(count, with_dots, pitch):
        slots = count + with_dots
        ys = (np.arange(slots)[::-1] - (slots - 1) / 2) * pitch
        if with_dots:
            ys = np.delete(ys, count // 2)
        return ys

    def edge_ends(self, l):
        """Start and end points (m, 3), (m, 3) of the shown edges of weight matrix l, at the neurons' centres."""
        return self._all_edge_ends()[l]

    def _all_edge_ends(self):
        """``edge_ends`` of every weight matrix, read from the circles once and again only after one moves."""
        key = np.concatenate([c.get_all_points() for layer in self.neurons for c in layer])
        if not np.array_equal(key, self._ends_key):
            centres = [np.array([c.get_center() for c in layer]) for layer in self.neurons]
            self._ends = [(centres[l][ii], centres[l + 1][jj]) for l, (ii, jj) in enumerate(self._slots)]
            self._ends_key = key
        return self._ends

    def sync(self, frame):
        """Restyle from a tracker's Frame: weights, the point's activations (if any), changes (if ``needs_changes``)."""
        self.set_weights(frame.net.weights)
        if frame.point_activations is not None:
            self.set_activations(frame.point_activations, input_scale=plane.input_scale(frame.extent))
        if self.needs_changes and frame.weight_changes is not None:
            self.set_changes(frame.weight_changes, frame.change_rate / frame.change_peak if frame.change_peak > 0 else 0.0)
        return self

    def set_weights(self, weights):
        """Colour edges by weight sign and widen by (|w| / layer max |w|)**power; weights[l] is (fan_in, fan_out)."""
        L = self.edge_levels
        for l, (bundles, W, (ti, tj), (a, b)) in enumerate(zip(self.edges, weights, self._pairs, self._all_edge_ends())):
            W = np.asarray(W)
            w = W[ti, tj]
            level = np.minimum((style.relative_change(W)[ti, tj] * L).astype(int), L - 1)
            self._bundle[l] = level + L * (w > 0)
            for k, vm in enumerate(bundles):
                vm.set_points(_segments(a[self._bundle[l] == k], b[self._bundle[l] == k]))
        return self

    def edge_indices(self, l):
        """True neuron indices (i (m,), j (m,)) of the drawn edges of weight matrix l, in ``edge_ends`` order."""
        return self._pairs[l]

    def edge_bundle(self, l, i, j):
        """The VMobject drawing the edge from neuron i of layer l to neuron j of layer l + 1 (true indices)."""
        ti, tj = self._pairs[l]
        hit = np.flatnonzero((ti == i) & (tj == j))
        if not hit.size:
            raise IndexError(f"no edge drawn from neuron {i} of layer {l} to neuron {j} of layer {l + 1}: "
                             f"drawn are {self.shown[l].tolist()} and {self.shown[l + 1].tolist()}")
        return self.edges[l][self._bundle[l][hit[0]]]

    def neuron_colors(self, activations, input_scale=1.0):
        """Fill colours (list per layer of (shown, 3) RGB) for activations[l] (width_l,), input layer first."""
        out = []
        for l, (a, idx) in enumerate(zip(activations, self.shown)):
            a = np.asarray(a, dtype=float).ravel()
            if l == 0:
                rgb = style.signed_rgb(a, input_scale, self.palette)
            elif l < len(self.sizes) - 1:
                rgb = style.activation_rgb(a, self.activation, self.palette)
            elif self.output == "sigmoid" and len(a) == 1:
                rgb = style.probability_rgb(a, self.palette)[None]
            elif self.output == "softmax":  # one neuron per class: its class's colour, by its probability
                rgb = style.class_probability_rgb(a, self.palette)
            else:  # probabilities of several sigmoids, or regression values
                rgb = style.activation_rgb(a, self.output, self.palette)
            out.append(rgb[idx])
        return out

    def set_activations(self, activations, input_scale=1.0):
        """Fill neurons by their activation for one input: activations[l] is (width_l,), input layer first."""
        for layer, colors in zip(self.neurons, self.neuron_colors(activations, input_scale)):
            for circle, rgb in zip(layer, colors):
                circle.set_fill(style.to_color(rgb), 1)
        return self

    def set_output_classes(self, probs=None):
        """Fill each output neuron of a classifier with k >= 2 outputs with its class's colour: at full strength,
        or, given probabilities ``probs`` (k,), faded towards zero-grey as its class's probability falls."""
        k = self.sizes[-1]
        probs = np.ones(k) if probs is None else np.asarray(probs, dtype=float)
        if k < 2 or probs.shape != (k,):
            raise ValueError(f"set_output_classes needs a classifier with 2 or more outputs and one probability each; "
                             f"the diagram has {k} output(s), given shape {probs.shape}")
        for circle, rgb in zip(self.neurons[-1], style.class_probability_rgb(probs, self.palette)[self.shown[-1]]):
            circle.set_fill(style.to_color(rgb), 1)
        return self

    def set_changes(self, deltas, strength=1.0):
        """Highlight edges by |Δw| relative to their layer's largest change; deltas[l] is (fan_in, fan_out).

        Glow width and opacity grow with the relative change, in ``glow_levels`` steps (one VMobject
        each); changes under 1/glow_levels of the layer's largest are not highlighted. ``strength``
        (0..1) scales every glow's opacity: as a tracker view, the frame's change per step against the
        largest up to then in the run, so the highlight fades as learning settles.
        """
        for glow, D, (ti, tj), (a, b) in zip(self.glow, deltas, self._pairs, self._all_edge_ends()):
            level = np.floor(style.relative_change(D)[ti, tj] * self.glow_levels).astype(int)
            for k, vm in enumerate(glow, start=1):
                chosen = level >= k if k == self.glow_levels else level == k
                vm.set_points(_segments(a[chosen], b[chosen]))
                r = k / self.glow_levels
                vm.set_stroke(self.palette.highlight, width=2.5 * self.max_edge_width * r, opacity=0.85 * r**1.5 * strength)
        return self

    def clear_changes(self):
        """Remove all change highlights."""
        for glow in self.glow:
            for vm in glow:
                vm.clear_points()
        return self

    def forward_pass(self, activations, input_scale=1.0, layer_time=1.0):
        """Animation: inputs fill, then each layer's edges pulse and the next layer fills, in turn."""
        colors = self.neuron_colors(activations, input_scale)

        def fill(l):
            return AnimationGroup(
                *(c.animate.set_fill(style.to_color(rgb), 1) for c, rgb in zip(self.neurons[l], colors[l])),
                lag_ratio=0.04,
                run_time=0.6 * layer_time,
            )

        steps = [fill(0)]
        for l in range(len(self.edges)):
            pulse = VGroup(*(Line(a, b) for a, b in zip(*self.edge_ends(l))))
            pulse.set_stroke(self.palette.highlight, width=2.5, opacity=1)
            steps.append(
                AnimationGroup(ShowPassingFlash(pulse, time_width=0.5, run_time=layer_time), fill(l + 1), lag_ratio=0.5)
            )
        return Succession(*steps)

    def _fit(self, label, layer):
        """Shrink a label to one neuron slot when the layer has neighbours it could overlap."""
        return label.scale(min(1.0, 0.95 * self.pitch / label.height)) if len(self.neurons[layer]) > 1 else label

    def input_labels(self, names, font_size=30):
        """MathTex labels (e.g. ["x_1", "x_2"]) left of the shown input neurons."""
        labels = (MathTex(n, font_size=font_size, color=self.palette.text) for n in names)
        return VGroup(*(self._fit(t, 0).next_to(c, LEFT, buff=0.15) for t, c in zip(labels, self.neurons[0])))

    def output_labels(self, names, font_size=26, classes=False):
        """Text labels (e.g. ["P(blue)"]) right of the shown output neurons; with ``classes``, each in its
        output's class colour (names[i] labels output ``shown[-1][i]``)."""
        colors = ([style.to_color(style.class_rgb(j, self.palette)) for j in self.shown[-1]] if classes else
                  [self.palette.text] * len(names))  # fmt: skip
        labels = (light_text(n, font_size=font_size, color=c) for n, c in zip(names, colors))
        return VGroup(*(self._fit(t, -1).next_to(c, RIGHT, buff=0.15) for t, c in zip(labels, self.neurons[-1])))

    def layer_captions(self, texts, font_size=24, buff=0.25):
        """Text captions under each layer (one per layer, '' to skip), aligned on one baseline."""
        bottom = self.get_bottom()[1] - buff
        out = VGroup()
        for text, layer in zip(texts, self.neurons):
            if text:
                label = light_text(text, font_size=font_size, line_spacing=0.8, color=self.palette.text)
                out.add(label.next_to([layer.get_x(), bottom, 0], DOWN, 0))
        return out


def _segments(a, b):
    """Points of straight cubic Bézier segments from a[i] to b[i] ((m, 3) each), as one path of m subpaths."""
    return np.stack([a, a + (b - a) / 3, b - (b - a) / 3, b], axis=1).reshape(-1, 3)


class NeuronDrawing(VGroup):
    """The neuron of the formula as a drawing: the inputs x₁, x₂ (``inputs``), the edges of ``net``'s weights
    (a 2-1 network; ``diagram``, coloured and widened by w as ``NetworkDiagram`` draws them) labelled w₁, w₂
    (``weights``), the bias b under the neuron (``bias``), σ in it (``sigma``) and an arrow out to a
    (``arrow``, ``output``)."""

    def __init__(self, net, *, height=3.6, layer_gap=3.2, font_size=36):
        super().__init__()
        self.diagram = NetworkDiagram.from_net(net, height=height, layer_gap=layer_gap)
        text = self.diagram.palette.text
        self.inputs = self.diagram.input_labels(["x_1", "x_2"], font_size=font_size)
        neuron = self.diagram.neurons[1][0]
        self.weights = VGroup()
        for x, side in zip(self.diagram.neurons[0], (UP, DOWN)):  # each label beside the middle of its edge
            middle = (x.get_center() + neuron.get_center()) / 2
            label = MathTex(f"w_{len(self.weights) + 1}", font_size=font_size, color=text)
            self.weights.add(label.next_to(middle, side, buff=0.2))
        self.bias = MathTex("b", font_size=font_size, color=text).next_to(neuron, DOWN, buff=0.2)
        self.sigma = MathTex(r"\sigma", font_size=font_size, color=text).move_to(neuron)
        self.arrow = Arrow(neuron.get_right(), neuron.get_right() + RIGHT * 1.1, buff=0.05, color=text, stroke_width=3)
        self.output = MathTex("a", font_size=font_size, color=text).next_to(self.arrow, RIGHT, buff=0.15)
        self.add(self.diagram, self.inputs, self.weights, self.bias, self.sigma, self.arrow, self.output)
