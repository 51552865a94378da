"""ProbabilityBars: a classifier's output probabilities as horizontal bars, the winner outlined."""

import numpy as np
from manim import LEFT, RIGHT, DecimalNumber, Rectangle, Text, VGroup

from . import style


class ProbabilityBars(VGroup):
    """One bar per class, ``names`` top to bottom; a bar's length is ``length`` x its probability and
    its fill the sequential map of it. ``highlight`` outlines the most probable class; ``numbers``
    (optional) show the probabilities as numbers right of the bars.
    """

    def __init__(self, names, *, length=3.0, bar_height=0.3, gap=0.12, font_size=24, numbers=False, palette=None, **kwargs):
        super().__init__(**kwargs)
        self.length, self.palette = length, palette
        p = palette or style.PALETTE
        self.labels, self.bars, self.numbers = VGroup(), VGroup(), VGroup()
        for k, name in enumerate(names):
            y = -k * (bar_height + gap)
            self.labels.add(Text(str(name), font_size=font_size).move_to([0, y, 0], aligned_edge=RIGHT))
            self.bars.add(Rectangle(width=length, height=bar_height, stroke_width=0).move_to([0.15, y, 0], aligned_edge=LEFT))
            if numbers:
                self.numbers.add(DecimalNumber(0, num_decimal_places=2, font_size=font_size))
        self.track = VGroup(*(Rectangle(width=length, height=bar_height, stroke_color=p.zero, stroke_width=1).move_to(b)
                              for b in self.bars))
        self.highlight = Rectangle(width=length + 0.12, height=bar_height + 0.1, stroke_color=p.bright, stroke_width=3)
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
