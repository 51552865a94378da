"""Slider: a number line with a knob that follows a ValueTracker, for a parameter the viewer watches turn."""

import numpy as np
from manim import DOWN, LEFT, MathTex, NumberLine, Triangle, ValueTracker, VGroup

from . import style


class Slider(VGroup):
    """A labelled number line over ``x_range`` (lo, hi, tick step) of ``length`` scene units, with a
    knob at ``tracker``'s value (clipped to the line), coloured by the value's sign.

    ``tracker`` is a ValueTracker (a new one at ``value`` if not given): animate it
    (``slider.tracker.animate.set_value(v)``) and the knob follows, frame by frame. ``read`` maps a
    training frame to this slider's value (see ``sync``), e.g. ``lambda f: f.net.biases[0][0]``.
    ``number_size``: the font size of the end and zero numbers (TeX digits at 35 match Text at 24).
    """

    def __init__(self, label, x_range=(-4, 4, 1), *, length=4.0, value=0.0, tracker=None, read=None,
                 font_size=34, number_size=24, palette=None, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.lo, self.hi = float(x_range[0]), float(x_range[1])
        self.palette = p = style.current(palette)
        self.read = read
        self.tracker = tracker if tracker is not None else ValueTracker(value)
        self.line = NumberLine(x_range=list(x_range), length=length, stroke_width=2, tick_size=0.06,
                               numbers_with_elongated_ticks=[0], color=p.frame)  # fmt: skip
        self.line.add_numbers([self.lo, 0, self.hi], font_size=number_size, num_decimal_places=0)
        self.line.numbers.set_color(p.text)
        self.label = MathTex(label, font_size=font_size, color=p.text).next_to(self.line, LEFT, buff=0.3)
        self.knob = Triangle(stroke_width=1.5, stroke_color=p.frame).scale(0.13).rotate(np.pi)
        self.knob.set_fill(opacity=1)
        self.add(self.line, self.label, self.knob)
        self.knob.add_updater(lambda m: self._place_knob())
        self._place_knob()

    @property
    def value(self):
        return self.tracker.get_value()

    def _place_knob(self):
        v = self.value
        point = self.line.n2p(float(np.clip(v, self.lo, self.hi)))
        self.knob.move_to(point, aligned_edge=DOWN).shift(0.02 * DOWN)
        self.knob.set_fill(style.sign_color(v, self.palette))

    def set_value(self, value):
        """Move the knob to ``value`` now."""
        self.tracker.set_value(float(value))
        self._place_knob()
        return self

    def sync(self, frame):
        """Follow a training frame through ``read``."""
        if self.read is None:
            raise ValueError("this Slider has no read= function mapping a training frame to its value")
        return self.set_value(self.read(frame))
