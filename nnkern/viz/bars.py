"""ValueBars: a bar per value (e.g. each weight's sensitivity), coloured and sized by magnitude."""

import numpy as np
from manim import DOWN, LEFT, Line, Rectangle, Text, VGroup

from . import style


class ValueBars(VGroup):
    """Bars for non-negative values (n,), left to right in the given order, in a ``width`` x ``height``
    box: height and colour (the sequential map) grow with value / max value. ``bars[k]`` is the bar of
    values[k]; ``axis`` the baseline; ``label`` a caption under it. Negative values draw as empty bars.
    """

    def __init__(self, values, *, width=6.0, height=2.0, label="", font_size=24, palette=None, **kwargs):
        super().__init__(**kwargs)
        self.palette = style.current(palette)
        values = np.asarray(values, dtype=float).ravel()
        if values.size == 0 or np.isnan(values).any():
            raise ValueError("ValueBars needs at least one value and no NaN")
        self.values, self.width_, self.height_ = values, width, height
        top = values.max() if values.max() > 0 else 1.0
        pitch = width / len(values)
        colors = style.unsigned_rgb(np.clip(values, 0, None), top, self.palette)
        self.bars = VGroup()
        for k, (v, rgb) in enumerate(zip(values, colors)):
            h = max(float(v) / top, 0) * height
            bar = Rectangle(width=pitch * 0.8, height=max(h, 1e-3), stroke_width=0)
            bar.set_fill(style.to_color(rgb), 1).move_to([(k + 0.5) * pitch, h / 2, 0])
            self.bars.add(bar)
        self.axis = Line([0, 0, 0], [width, 0, 0], stroke_color=self.palette.frame, stroke_width=2)
        self.label = VGroup()
        if label:
            self.label = Text(label, font_size=font_size, color=self.palette.text).next_to(self.axis, DOWN, buff=0.15)
            self.label.align_to(self.axis, LEFT)
        self.add(self.bars, self.axis, self.label)
