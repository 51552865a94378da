"""Values drawn on top of a NetworkDiagram: one line per edge (gradients, weights that animate
smoothly, sensitivities) and one number per neuron (activations, error signals δ)."""

import numpy as np
from manim import UP, Line, Rectangle, VGroup

from . import style
from .text import Number


class EdgeOverlay(VGroup):
    """One ``Line`` per drawn edge of ``diagram``, coloured by the sign of a per-edge value and widened
    by its size relative to the largest of its layer: ``(|v| / layer max)**power`` (see
    ``style.magnitude_width``). ``signed=False`` is for magnitudes (a sensitivity): colour (the
    sequential map) and width both by |v| over the largest of all layers, so layers compare.

    Unlike the diagram's bundled edges, each edge is its own line, so ``overlay.animate.set_values(...)``
    morphs every colour and width smoothly: meant for small networks (a few hundred edges at most).
    ``lines[l]`` holds the lines of weight matrix l in the order of ``diagram.edge_indices(l)``.
    values[l] are (fan_in, fan_out), as ``MLP.weights`` or the dW of ``nk.loss_and_grads``.
    """

    def __init__(self, diagram, values=None, *, max_width=6.0, min_width=0.5, power=2.0, signed=True, palette=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.palette, self.signed = style.current(palette), signed
        self.max_width, self.min_width, self.power = max_width, min_width, power
        self.indices = [diagram.edge_indices(l) for l in range(len(diagram.edges))]
        self.lines = [VGroup(*(Line(a, b) for a, b in zip(*diagram.edge_ends(l)))) for l in range(len(diagram.edges))]
        self.add(*self.lines)
        if values is not None:
            self.set_values(values)

    def styles(self, values):
        """[(colours (m, 3) RGB, widths (m,)) per layer] of the drawn edges for values[l] (fan_in, fan_out)."""
        if len(values) != len(self.lines):
            raise ValueError(f"expected values for {len(self.lines)} weight matrices; got {len(values)}")
        values = [np.asarray(V, dtype=float) for V in values]
        if any(np.isnan(V).any() for V in values):
            raise ValueError("cannot draw NaN on an edge: the values hold NaN")
        top = max(float(np.abs(V).max()) for V in values)
        out = []
        for V, (ti, tj) in zip(values, self.indices):
            v = V[ti, tj]
            if self.signed:
                rel = style.relative_change(V)[ti, tj]
                colors = style.signed_rgb(np.sign(v) * (0.35 + 0.65 * rel), 1.0, self.palette)
            else:
                rel = np.abs(v) / top if top > 0 else np.zeros_like(v)
                colors = style.unsigned_rgb(0.25 * top + 0.75 * np.abs(v), top, self.palette)
            out.append((colors, style.magnitude_width(rel, self.max_width, self.min_width, self.power)))
        return out

    def set_values(self, values):
        """Restyle every line from values[l] (fan_in, fan_out); returns self (so ``.animate`` works)."""
        for lines, (colors, widths) in zip(self.lines, self.styles(values)):
            for line, rgb, w in zip(lines, colors, widths):
                line.set_stroke(style.to_color(rgb), width=float(w), opacity=1)
        return self

    def line(self, l, i, j):
        """The line of the edge from neuron i of layer l to neuron j of layer l + 1 (true indices)."""
        ti, tj = self.indices[l]
        hit = np.flatnonzero((ti == i) & (tj == j))
        if not hit.size:
            raise IndexError(f"no edge drawn from neuron {i} of layer {l} to neuron {j} of layer {l + 1}")
        return self.lines[l][hit[0]]


class NeuronLabels(VGroup):
    """A number (``text.Number``, a fast ``DecimalNumber``) beside each drawn neuron of the chosen
    layers (0 = inputs), on a small background patch so edges behind it do not cut through the
    digits, coloured by sign (``style.sign_color``). ``labels[k]`` is the VGroup of layer
    ``layers[k]``'s numbers (each a VGroup of patch and number; ``number(k, i)`` gives the number).

    values: a list per layer in ``layers`` of (width_l,) values (true neuron indices).
    """

    def __init__(self, diagram, layers, values, *, direction=UP, font_size=24, num_decimal_places=2,
                 buff=0.08, palette=None, **kwargs):
        super().__init__(**kwargs)
        self.palette = style.current(palette)
        self.layers = list(layers)
        if len(values) != len(self.layers):
            raise ValueError(f"expected one array of values per layer in {self.layers}; got {len(values)}")
        self.labels = []
        for l, vals in zip(self.layers, values):
            group = VGroup()
            for circle, i in zip(diagram.neurons[l], diagram.shown[l]):
                number = Number(float(vals[i]), num_decimal_places=num_decimal_places, font_size=font_size,
                                include_sign=True, color=style.sign_color(vals[i], self.palette))
                patch = Rectangle(width=number.width + 0.1, height=number.height + 0.1, stroke_width=0)
                patch.set_fill(self.palette.background, opacity=0.8).move_to(number)
                group.add(VGroup(patch, number).next_to(circle, direction, buff=buff))
            self.labels.append(group)
            self.add(group)

    def number(self, k, i):
        """The number of the i-th drawn neuron of ``layers[k]``."""
        return self.labels[k][i][1]
