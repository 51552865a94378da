"""LossCurve: train and validation loss drawn progressively against epochs, with a moving dot."""

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Axes, Dot, VGroup, VMobject

from . import style
from .text import text as light_text


class LossCurve(VGroup):
    """Axes of loss against epoch with one line per series, drawn up to the current epoch.

    ``frame`` (axes, ticks, labels, keys) never changes; ``trace`` (the lines and the dot) follows
    ``set_epoch``.

    ``epochs`` (m,) are the x values (0 allowed); ``series`` maps a label to its values (m,) (NaN =
    missing). ``log_x`` spaces epochs by log(1 + epoch), which gives early training room. Series take
    ``palette.curves`` in order, text ``palette.text``, axes ``palette.frame`` (default ``style.PALETTE``).
    As a TrainingTracker view, ``sync(frame)`` draws up to the frame's epoch and redraws only ``trace``.
    """

    def __init__(self, epochs, series, *, width=5.5, height=1.8, log_x=False, font_size=24, palette=None, **kwargs):
        super().__init__(**kwargs)
        self.palette = p = style.current(palette)
        self.epochs = np.asarray(epochs, dtype=float)
        self.series = {k: np.asarray(v, dtype=float) for k, v in series.items()}
        colors = [p.curves[i % len(p.curves)] for i in range(len(self.series))]
        self.log_x = log_x
        top = np.nanmax([np.nanmax(v) for v in self.series.values()])
        self.y_max = float(np.ceil(top * 10) / 10)
        self.axes = Axes(
            x_range=[0, 1, 1],
            y_range=[0, self.y_max, self.y_max / 2],
            x_length=width,
            y_length=height,
            tips=False,
            axis_config={"stroke_width": 1.5, "include_ticks": False, "color": p.frame},
        )
        self.ticks = VGroup(
            *(self._x_tick(e, font_size) for e in self._tick_epochs()),
            *(
                light_text(f"{v:g}", font_size=font_size, color=p.text).next_to(self.axes.c2p(0, v), LEFT, buff=0.1)
                for v in (0, self.y_max)
            ),
        )
        self.labels = VGroup(
            light_text("loss", font_size=font_size, color=p.text).next_to(self.axes.y_axis, LEFT, buff=0.1),
            light_text("epoch", font_size=font_size, color=p.text).next_to(self.axes.x_axis, DOWN, buff=0.1),
        )
        self.lines = {
            k: VMobject(stroke_color=c, stroke_width=3 if i == 0 else 2)
            for i, (k, c) in enumerate(zip(self.series, colors))
        }
        self.keys = VGroup(
            *(light_text(k, font_size=font_size, color=c) for k, c in zip(self.series, colors))
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.15).next_to(self.axes, RIGHT, buff=0.2).align_to(self.axes, UP)
        self.dot = Dot(radius=0.06, color=colors[0])
        self.frame = VGroup(self.axes, self.labels, self.ticks, self.keys)
        self.trace = VGroup(*self.lines.values(), self.dot)
        self.add(self.frame, self.trace)
        self.set_epoch(self.epochs[0])

    @classmethod
    def from_recording(cls, rec, test_name=None, **kwargs):
        """The training loss of a Recording against epochs (the first snapshot's loss at epoch 0) and,
        when ``test_name`` is given and the run had validation data, its validation loss under that
        name. One series gets no key."""
        series = {"train": np.r_[rec.losses[0], rec.history["loss"]]}
        if test_name and "val_loss" in rec.history:
            series[test_name] = np.r_[np.nan, rec.history["val_loss"]]
        curve = cls(np.r_[0, rec.history["epoch"]], series, **kwargs)
        if len(series) == 1:
            curve.frame.remove(curve.keys)
        return curve

    @property
    def moving_part(self):
        """What a TrainingTracker redraws every frame: the ``trace`` (the ``frame`` stays in the static background)."""
        return self.trace

    def sync(self, frame):
        """Restyle from a tracker's Frame (its epoch)."""
        return self.set_epoch(frame.epoch)

    def _u(self, epoch):
        e, last = np.asarray(epoch, dtype=float), self.epochs[-1]
        return np.log1p(e) / np.log1p(last) if self.log_x else e / last

    def _tick_epochs(self):
        last = self.epochs[-1]
        if not self.log_x:
            return [0, last]
        return [e for e in (1, 10, 100, 1000, 10000) if e < last / 2] + [last]

    def _x_tick(self, epoch, font_size):
        return light_text(f"{epoch:g}", font_size=font_size, color=self.palette.text).next_to(self.axes.c2p(self._u(epoch), 0), DOWN, buff=0.1)

    def _to_points(self, u, v):
        """Axis coordinates (u in [0, 1], loss) -> scene points (..., 3); follows the axes when moved."""
        origin = self.axes.c2p(0, 0)
        ex, ey = self.axes.c2p(1, 0) - origin, self.axes.c2p(0, 1) - origin
        return origin + np.multiply.outer(u, ex) + np.multiply.outer(v, ey)

    def value_at(self, name, epoch):
        """Series ``name`` linearly interpolated at a fractional epoch."""
        v = self.series[name]
        ok = ~np.isnan(v)
        return float(np.interp(epoch, self.epochs[ok], v[ok]))

    def set_epoch(self, epoch):
        """Draw every series up to ``epoch`` (fractional) and put the dot at the first series' value."""
        for name, line in self.lines.items():
            v = self.series[name]
            keep = (self.epochs < epoch) & ~np.isnan(v)
            xs = np.r_[self.epochs[keep], epoch]
            ys = np.r_[v[keep], self.value_at(name, epoch)]
            pts = self._to_points(self._u(xs), np.minimum(ys, self.y_max))
            line.set_points_as_corners(pts if len(pts) > 1 else np.r_[pts, pts])
        first = next(iter(self.series))
        self.dot.move_to(self._to_points(self._u(epoch), min(self.value_at(first, epoch), self.y_max)))
        return self
