"""NetworkDiagram: neurons as circles, weights as edges, restyled in place from parameters."""

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    WHITE,
    AnimationGroup,
    Brace,
    Circle,
    Line,
    MathTex,
    ShowPassingFlash,
    Succession,
    Text,
    VGroup,
    VMobject,
)

from . import style


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
    ``edges[l]`` (VGroup of lines for weight matrix l, shown pairs only), ``glow[l]`` (change
    highlights under ``edges[l]``, see ``set_changes``), ``shown[l]`` (true neuron indices drawn).
    """

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
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.sizes = list(sizes)
        self.activation, self.output = activation, output
        self.max_edge_width, self.power, self.glow_levels = max_edge_width, power, glow_levels
        self.shown = [shown_indices(n, max_shown) for n in self.sizes]
        slots = max(len(s) + (len(s) < n) for s, n in zip(self.shown, self.sizes))
        self.pitch = pitch = height / max(slots, 2)
        self.radius = min(0.36 * pitch, 0.3)

        self.neurons, self.ellipses = [], VGroup()
        for l, (idx, n) in enumerate(zip(self.shown, self.sizes)):
            ys = self._slot_ys(len(idx), len(idx) < n, pitch)
            x = (l - (len(self.sizes) - 1) / 2) * layer_gap
            layer = VGroup(
                *(
                    Circle(self.radius, stroke_color=WHITE, stroke_width=1.5)
                    .set_fill(style.PALETTE.zero, 1)
                    .move_to([x, y, 0])
                    for y in ys
                )
            )
            self.neurons.append(layer)
            if len(idx) < n:
                dots = MathTex(r"\vdots").scale_to_fit_height(min(pitch * 0.8, 0.5)).move_to([x, 0, 0])
                brace = Brace(layer, LEFT, buff=0.08)
                count = Text(str(n), font_size=20).next_to(brace, LEFT, buff=0.06)
                self.ellipses.add(VGroup(dots, brace, count))

        self._pairs, self.edges, self.glow = [], [], []
        for l in range(len(self.sizes) - 1):
            ii, jj = np.meshgrid(np.arange(len(self.shown[l])), np.arange(len(self.shown[l + 1])), indexing="ij")
            ii, jj = ii.ravel(), jj.ravel()
            self._pairs.append((self.shown[l][ii], self.shown[l + 1][jj]))
            lines = VGroup(
                *(
                    Line(self.neurons[l][a].get_center(), self.neurons[l + 1][b].get_center(), stroke_width=1)
                    for a, b in zip(ii, jj)
                )
            )
            self.edges.append(lines)
            self.glow.append(VGroup(*(VMobject() for _ in range(self.glow_levels))))
        self.add(*self.glow, *self.edges, *self.neurons, self.ellipses)

    @classmethod
    def from_net(cls, net, **kwargs):
        """Diagram for an ``nk.MLP`` (its sizes and activation names), styled from its weights."""
        return cls(net.sizes, net.activation, net.output, **kwargs).set_weights(net.weights)

    @staticmethod
    def _slot_ys(count, with_dots, pitch):
        slots = count + with_dots
        ys = (np.arange(slots)[::-1] - (slots - 1) / 2) * pitch
        if with_dots:
            ys = np.delete(ys, count // 2)
        return ys

    def set_weights(self, weights):
        """Colour edges by weight sign and widen by (|w| / layer max |w|)**power; weights[l] is (fan_in, fan_out)."""
        for lines, W, (ii, jj) in zip(self.edges, weights, self._pairs):
            W = np.asarray(W)
            colors = style.signed_rgb(W[ii, jj], np.abs(W).max())
            widths = style.edge_widths(W, self.max_edge_width, power=self.power)[ii, jj]
            for line, rgb, width in zip(lines, colors, widths):
                line.set_stroke(style.to_color(rgb), width=width, opacity=1)
        return self

    def neuron_colors(self, activations, input_scale=1.0):
        """Fill colours (list per layer of (shown, 3) RGB) for activations[l] (width_l,), input layer first."""
        out = []
        for l, (a, idx) in enumerate(zip(activations, self.shown)):
            a = np.asarray(a, dtype=float).ravel()
            if l == 0:
                rgb = style.signed_rgb(a, input_scale)
            elif l < len(self.sizes) - 1:
                rgb = style.activation_rgb(a, self.activation)
            elif self.output == "sigmoid" and len(a) == 1:
                rgb = style.probability_rgb(a)[None]
            else:  # probabilities of softmax / several sigmoids, or regression values
                rgb = style.activation_rgb(a, self.output)
            out.append(rgb[idx])
        return out

    def set_activations(self, activations, input_scale=1.0):
        """Fill neurons by their activation for one input: activations[l] is (width_l,), input layer first."""
        for layer, colors in zip(self.neurons, self.neuron_colors(activations, input_scale)):
            for circle, rgb in zip(layer, colors):
                circle.set_fill(style.to_color(rgb), 1)
        return self

    def set_changes(self, deltas):
        """Highlight edges by |Δw| relative to their layer's largest change; deltas[l] is (fan_in, fan_out).

        Glow width and opacity grow with the relative change, in ``glow_levels`` steps (one VMobject
        each); changes under 1/glow_levels of the layer's largest are not highlighted.
        """
        for glow, lines, D, (ii, jj) in zip(self.glow, self.edges, deltas, self._pairs):
            level = np.floor(style.relative_change(D)[ii, jj] * self.glow_levels).astype(int)
            ends = np.array([line.points[[0, -1]] for line in lines])
            for k, vm in enumerate(glow, start=1):
                a, b = ends[level >= k if k == self.glow_levels else level == k].transpose(1, 0, 2)
                vm.set_points(np.stack([a, a + (b - a) / 3, a + 2 * (b - a) / 3, b], axis=1).reshape(-1, 3))
                r = k / self.glow_levels
                vm.set_stroke(style.PALETTE.bright, width=2.5 * self.max_edge_width * r, opacity=0.85 * r**1.5)
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
        for l, lines in enumerate(self.edges):
            pulse = lines.copy().set_stroke(style.PALETTE.bright, width=2.5, opacity=1)
            steps.append(
                AnimationGroup(ShowPassingFlash(pulse, time_width=0.5, run_time=layer_time), fill(l + 1), lag_ratio=0.5)
            )
        return Succession(*steps)

    def _fit(self, label, layer):
        """Shrink a label to one neuron slot when the layer has neighbours it could overlap."""
        return label.scale(min(1.0, 0.95 * self.pitch / label.height)) if len(self.neurons[layer]) > 1 else label

    def input_labels(self, names, font_size=30):
        """MathTex labels (e.g. ["x_1", "x_2"]) left of the shown input neurons."""
        return VGroup(
            *(self._fit(MathTex(n, font_size=font_size), 0).next_to(c, LEFT, buff=0.15) for n, c in zip(names, self.neurons[0]))
        )

    def output_labels(self, names, font_size=26):
        """Text labels (e.g. ["P(blue)"]) right of the shown output neurons."""
        return VGroup(
            *(self._fit(Text(n, font_size=font_size), -1).next_to(c, RIGHT, buff=0.15) for n, c in zip(names, self.neurons[-1]))
        )

    def layer_captions(self, texts, font_size=22, buff=0.25):
        """Text captions under each layer (one per layer, '' to skip), aligned on one baseline."""
        bottom = self.get_bottom()[1] - buff
        out = VGroup()
        for text, layer in zip(texts, self.neurons):
            if text:
                out.add(Text(text, font_size=font_size, line_spacing=0.8).next_to([layer.get_x(), bottom, 0], DOWN, 0))
        return out

    def neuron(self, layer, index):
        """The circle drawing true neuron ``index`` of ``layer`` (raises if that neuron is elided)."""
        pos = np.flatnonzero(self.shown[layer] == index)
        if not len(pos):
            raise IndexError(f"neuron {index} of layer {layer} is not drawn")
        return self.neurons[layer][int(pos[0])]
