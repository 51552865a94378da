"""Bars: ``ProbabilityBars`` (a classifier's output probabilities, the winner outlined) and
``SeriesBars`` (one unsigned value per epoch, revealed as a replay passes it)."""

import numpy as np
from manim import DOWN, LEFT, RIGHT, Line, Rectangle, VGroup

from . import style
from .text import number, text


class ProbabilityBars(VGroup):
    """One bar per class, ``names`` top to bottom; a bar's length is ``length`` x its probability and
    its fill the sequential map of it. ``highlight`` outlines the most probable class; ``numbers``
    (optional) show the probabilities as numbers right of the bars.
    """

    def __init__(self, names, *, length=3.0, bar_height=0.3, gap=0.12, font_size=24, numbers=False, palette=None, **kwargs):
        super().__init__(**kwargs)
        self.length, self.palette = length, palette
        p = style.current(palette)
        self.labels, self.bars, self.numbers = VGroup(), VGroup(), VGroup()
        for k, name in enumerate(names):
            y = -k * (bar_height + gap)
            self.labels.add(text(str(name), font_size=font_size, palette=palette).move_to([0, y, 0], aligned_edge=RIGHT))
            self.bars.add(Rectangle(width=length, height=bar_height, stroke_width=0).move_to([0.15, y, 0], aligned_edge=LEFT))
            if numbers:
                self.numbers.add(number(0, num_decimal_places=2, font_size=font_size, palette=palette))
        self.track = VGroup(*(Rectangle(width=length, height=bar_height, stroke_color=p.zero, stroke_width=1).move_to(b)
                              for b in self.bars))
        self.highlight = Rectangle(width=length + 0.12, height=bar_height + 0.1, stroke_color=p.highlight, stroke_width=3)
        self.add(self.track, self.bars, self.labels, self.numbers, self.highlight)
        self.set_values(np.full(len(names), 1 / len(names)))

    def set_values(self, probs):
        """Redraw from probabilities (k,)."""
        probs = np.ravel(probs)
        if probs.shape != (len(self.bars),):
            raise ValueError(f"probs must hold {len(self.bars)} values; got shape {probs.shape}")
        rgb = style.unsigned_rgb(probs, 1.0, self.palette)
        for bar, track, p, c in zip(self.bars, self.track, probs, rgb):
            left = track.get_left()
            bar.stretch_to_fit_width(max(float(p), 1e-3) * self.length).move_to(left, aligned_edge=LEFT)
            bar.set_fill(style.to_color(c), 1)
        for number, track, p in zip(self.numbers, self.track, probs):
            number.set_value(float(p)).next_to(track, RIGHT, buff=0.12)
        self.highlight.move_to(self.track[int(np.argmax(probs))])
        return self


class SeriesBars(VGroup):
    """Unsigned values (n,) (e.g. per-epoch weight change) as n vertical bars over a baseline of
    ``width``; a bar's height is ``height`` x value / ``top`` (default the max value; give one ``top`` to
    compare several), its fill the sequential map of the same ratio. ``reveal(m)`` shows the first m bars (a replay passing them); ``label`` goes under the axis.
    """

    def __init__(self, values, *, width=4.0, height=3.0, top=None, label=None, font_size=24, palette=None, **kwargs):
        super().__init__(**kwargs)
        values = np.asarray(values, dtype=float)
        if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)) or values.min() < 0:
            raise ValueError(f"values must be a non-empty 1-D array of finite numbers >= 0; got {values!r}")
        top = top if top is not None else values.max()
        rel = np.clip(values / (top if top > 0 else 1.0), 0, 1)
        pitch = width / len(values)
        rgb = style.unsigned_rgb(rel, 1.0, palette)
        self.bars = VGroup(*(Rectangle(width=0.75 * pitch, height=max(r * height, 1e-3), stroke_width=0)
                             .set_fill(style.to_color(c), 1).move_to([(i + 0.5) * pitch, 0, 0], aligned_edge=DOWN)
                             for i, (r, c) in enumerate(zip(rel, rgb))))
        self.axis = Line([0, 0, 0], [width, 0, 0], stroke_width=2, color=style.current(palette).frame)
        self.frame = VGroup(self.axis)
        if label:
            self.frame.add(text(label, font_size=font_size, palette=palette).next_to(self.axis, DOWN, buff=0.15))
        self.add(self.frame, self.bars)
        self.reveal(len(values))

    def reveal(self, m):
        """Show the first m bars, hide the rest."""
        for i, bar in enumerate(self.bars):
            bar.set_fill(opacity=1.0 if i < m else 0.0)
        return self
