"""Slider: a number line with a marker that follows a ValueTracker (a minimal one for scenes/perturb.py)."""

from manim import LEFT, PI, UP, NumberLine, Text, Triangle, ValueTracker, VGroup

from . import style


class Slider(VGroup):
    """A horizontal slider from ``lo`` to ``hi`` with ticks every ``step``, a marker over the line, pointing at at
    ``tracker``'s value (a ValueTracker, made if not given) and an optional ``label`` over its left end.
    Animate the value with ``slider.tracker.animate.set_value(v)``; ``slider.marker`` follows it.
    """

    def __init__(self, lo, hi, *, value=None, tracker=None, step=1.0, width=5.0, label="", font_size=24,
                 palette=None, **kwargs):
        super().__init__(**kwargs)
        if not lo < hi:
            raise ValueError(f"a slider needs lo < hi; got {lo}, {hi}")
        self.palette = style.current(palette)
        self.tracker = tracker or ValueTracker(lo if value is None else value)
        self.line = NumberLine([lo, hi, step], length=width, include_numbers=True, font_size=font_size,
                               color=self.palette.frame, stroke_width=2)
        self.line.numbers.set_color(self.palette.text)
        self.marker = Triangle(fill_color=self.palette.marker, fill_opacity=1, stroke_width=0).scale(0.12).rotate(PI)
        self.marker.add_updater(lambda m: m.next_to(self.line.n2p(self.tracker.get_value()), UP, buff=0.02))
        self.label = VGroup()
        if label:
            self.label = Text(label, font_size=font_size, color=self.palette.text)
            self.label.next_to(self.line, UP, buff=0.45).align_to(self.line, LEFT)
        self.add(self.line, self.marker, self.label)
        self.marker.update()

    @property
    def value(self):
        return self.tracker.get_value()
