"""Views of a whole run over time: ``Histogram`` (a layer's weight distribution, redrawn per
snapshot), ``Raster`` (units x time as one image, revealed left to right) and ``LogSeries`` (positive
series on a log-scale axis, drawn as a replay passes them)."""

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Group, ImageMobject, Line, MathTex, Rectangle, Triangle, VGroup, VMobject
from PIL import Image

from . import style
from .cells import value_rgb
from .text import light, text


class Histogram(VGroup):
    """Counts over the bins ``edges`` (bins + 1,) as bars over a baseline of ``width``; a bar's height is
    ``height`` x count / ``top`` (default the largest count given first). Bins hold signed values
    (weights), so a bar's fill is its bin centre on the diverging map; ``label`` goes above, the range's
    ends and 0 below."""

    def __init__(self, counts, edges, *, width=3.0, height=1.5, top=None, label=None, font_size=24, palette=None, **kwargs):
        super().__init__(**kwargs)
        counts, self.edges = np.asarray(counts, dtype=float), np.asarray(edges, dtype=float)
        if counts.ndim != 1 or self.edges.shape != (counts.size + 1,) or not np.all(np.diff(self.edges) > 0):
            raise ValueError(f"edges must be {counts.size + 1} increasing bin edges for {counts.size} counts; got shape {self.edges.shape}")
        self.top = float(top if top is not None else max(counts.max(), 1))
        self.bar_height = height
        lo, hi = self.edges[0], self.edges[-1]
        self.x = lambda v: (np.asarray(v, dtype=float) - lo) / (hi - lo) * width
        centres = (self.edges[:-1] + self.edges[1:]) / 2
        rgb = style.signed_rgb(centres, max(abs(lo), abs(hi)), palette)
        self.bars = VGroup(*(Rectangle(width=max(self.x(b) - self.x(a), 1e-3) * 0.9, height=1e-3, stroke_width=0)
                             .set_fill(style.to_color(c), 1).move_to([(self.x(a) + self.x(b)) / 2, 0, 0], aligned_edge=DOWN)
                             for a, b, c in zip(self.edges[:-1], self.edges[1:], rgb)))
        p = style.current(palette)
        self.axis = Line([0, 0, 0], [width, 0, 0], stroke_width=2, color=p.frame)
        ticks = VGroup(*(text(f"{v:g}", font_size=font_size, palette=palette).next_to([self.x(v), 0, 0], DOWN, buff=0.12)
                         for v in (_round(lo), 0.0, _round(hi)) if lo <= v <= hi))
        self.frame = VGroup(self.axis, ticks)
        if label:
            self.frame.add(text(label, font_size=font_size, palette=palette).next_to([width / 2, height, 0], UP, buff=0.1))
        self.add(self.frame, self.bars)
        self.set_counts(counts)

    def set_counts(self, counts):
        """Redraw from counts (bins,) (fractional counts, e.g. between two snapshots, are fine)."""
        counts = np.ravel(counts).astype(float)
        if counts.shape != (len(self.bars),):
            raise ValueError(f"counts must hold {len(self.bars)} values; got shape {counts.shape}")
        base = self.axis.get_start()[1]
        for bar, c in zip(self.bars, counts):
            x = bar.get_center()[0]
            bar.stretch_to_fit_height(max(c / self.top * self.bar_height, 1e-3)).move_to([x, base, 0], aligned_edge=DOWN)
        return self


def _round(v):
    """v rounded towards 0 to two significant digits (a tick that stays inside the range)."""
    if v == 0:
        return 0.0
    step = 10.0 ** (np.floor(np.log10(abs(v))) - 1)
    return float(np.trunc(v / step) * step)


class Raster(Group):
    """Values (units, T), e.g. each neuron's activation at every recorded step, as ONE image of
    ``width`` x ``height``: row i is unit i (top row first), column t is time t. Unsigned values use the
    sequential map over [0, scale], signed ones the diverging map (scale None: max |v|). ``reveal(m)``
    shows the first m columns; ``row_center(i)``, ``column_x(t)`` and ``row_marker(i)`` place things."""

    def __init__(self, values, *, width=6.0, height=2.0, signed=False, scale=None, palette=None, **kwargs):
        super().__init__(**kwargs)
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or 0 in values.shape or not np.all(np.isfinite(values)):
            raise ValueError(f"values must be a (units, T) array of finite numbers; got shape {values.shape}")
        self.values, self.palette = values, palette
        rgb = np.rint(value_rgb(values, signed, scale, palette) * 255).astype(np.uint8)
        self.rgb = np.repeat(rgb, 4, axis=0)  # 4 pixel rows a unit: rows stay crisp
        self.image = ImageMobject(np.dstack([self.rgb, np.full(self.rgb.shape[:2], 255, np.uint8)]))
        self.image.set_resampling_algorithm(Image.Resampling.NEAREST)
        self.image.stretch_to_fit_width(width).stretch_to_fit_height(height)
        self.add(self.image)

    def reveal(self, m):
        """Show the first m columns (fractional m rounds down), hide the rest."""
        self.image.pixel_array[:, :, 3] = np.where(np.arange(self.values.shape[1]) < int(m), 255, 0).astype(np.uint8)
        return self

    def row_center(self, i):
        """Scene point at the middle of row i's left end."""
        top, rows = self.image.get_top()[1], self.values.shape[0]
        return np.array([self.image.get_left()[0], top - (i + 0.5) * self.image.height / rows, 0.0])

    def column_x(self, t):
        """Scene x of the middle of column t."""
        return self.image.get_left()[0] + (t + 0.5) * self.image.width / self.values.shape[1]

    def row_marker(self, i, color=None, size=0.16):
        """A triangle right of the image pointing at row i (to point a unit out, leaving the row visible)."""
        marker = Triangle(stroke_width=0).set_fill(color or style.current(self.palette).highlight, 1)
        marker.rotate(np.pi / 2).scale_to_fit_height(size)  # pointing left
        return marker.next_to([self.image.get_right()[0], self.row_center(i)[1], 0], RIGHT, buff=0.08)


class LogSeries(VGroup):
    """Positive series (k, n) over x (n,) on a log10 y axis spanning whole decades around them (or the
    decades 10**lo..10**hi of ``decades`` = (lo, hi), to share one axis between charts), in a
    ``width`` x ``height`` box; series j is drawn in ``style.series_color(j)`` and ``labels[j]`` (optional)
    sits at its right end. ``reveal(f)`` draws every line up to fraction f of the x range."""

    def __init__(self, x, values, *, width=5.0, height=3.0, decades=None, labels=None, title=None, font_size=24,
                 palette=None, **kwargs):
        super().__init__(**kwargs)
        x, values = np.asarray(x, dtype=float), np.atleast_2d(np.asarray(values, dtype=float))
        if values.shape[1:] != x.shape or x.ndim != 1 or x.size < 2 or not np.all(values > 0) or not np.all(np.isfinite(values)):
            raise ValueError(f"values must be (k, {x.size}) finite numbers > 0 over x (n >= 2,); got shape {values.shape}")
        self.lo, self.hi = decades or (np.floor(np.log10(values.min())), np.ceil(np.log10(values.max())))
        self.hi = max(self.hi, self.lo + 1)
        self.box, self.x0, self.x1 = (width, height), x[0], x[-1]
        self.paths = [self.to_point(x, v) for v in values]
        p = style.current(palette)
        self.axes = VGroup(Line([0, 0, 0], [width, 0, 0], color=p.frame, stroke_width=2),
                           Line([0, 0, 0], [0, height, 0], color=p.frame, stroke_width=2))
        self.ticks = VGroup()
        for k in range(int(self.lo), int(self.hi) + 1):
            y = self.to_point([x[0]], [10.0**k])[0][1]
            self.axes.add(Line([0, y, 0], [width, y, 0], color=p.zero, stroke_width=1))
            tick = MathTex(f"10^{{{k}}}", font_size=font_size * 4 / 3, color=p.text)  # the exponent is small
            self.ticks.add(light(tick).next_to([0, y, 0], LEFT, buff=0.1))
        self.lines = VGroup(*(VMobject(stroke_color=style.series_color(j, palette), stroke_width=2.5) for j in range(len(values))))
        self.labels = VGroup()
        for j, label in enumerate(labels or []):
            self.labels.add(text(label, font_size=font_size, color=style.series_color(j, palette))
                            .next_to(self.paths[j][-1], RIGHT, buff=0.1))
        self.add(self.axes, self.ticks, self.lines, self.labels)
        if title:
            self.add(text(title, font_size=font_size, palette=palette).next_to(self.axes, UP, buff=0.15))
        self.reveal(1.0)

    def to_point(self, x, v):
        """Box coordinates (m, 3) of the values v (m,) at x (m,) (before the box is moved)."""
        px = (np.asarray(x, dtype=float) - self.x0) / (self.x1 - self.x0) * self.box[0]
        py = (np.log10(np.asarray(v, dtype=float)) - self.lo) / (self.hi - self.lo) * self.box[1]
        return np.c_[px, py, np.zeros_like(px)]

    def reveal(self, f):
        """Draw every line over the first fraction f (0..1) of the x range."""
        n = len(self.paths[0])
        m = max(2, int(round(np.clip(f, 0, 1) * (n - 1))) + 1)
        shift = self.axes[0].get_start() - self.to_point([self.x0], [10.0**self.lo])[0]
        for line, pts in zip(self.lines, self.paths):
            line.set_points_as_corners(pts[:m] + shift)
        return self
