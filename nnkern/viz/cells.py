"""Tables of coloured cells drawn as one image: ``CellGrid`` (the primitive), ``HeatTable`` (a labelled
grid, e.g. classes x neurons) and ``ActivationColumn`` (one layer's raw z beside its activation a).

A cell's colour is its value through ``nnkern.viz.style``: signed values on the diverging map scaled by
``scale`` (default: the largest |value|), unsigned ones on the sequential map over [0, scale].
"""

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Brace, Group, ImageMobject, MathTex, Rectangle, VGroup
from PIL import Image

from . import style
from .diagram import shown_indices
from .text import light, text


def value_rgb(values, signed, scale=None, palette=None):
    """RGB (..., 3) of values (...): diverging map if ``signed`` (scale: default max |v|), else
    sequential over [0, scale] (default max v)."""
    values = np.asarray(values, dtype=float)
    if scale is None:
        top = np.abs(values).max() if values.size else 0.0
        scale = top if top > 0 else 1.0
    if signed:
        return style.signed_rgb(values, scale, palette)
    return style.unsigned_rgb(values, scale, palette)


def _outline(mobject):
    """An invisible rectangle over ``mobject`` (a Brace needs a VMobject to measure)."""
    return Rectangle(width=mobject.width, height=mobject.height, stroke_width=0).move_to(mobject)


class CellGrid(Group):
    """A (rows, cols) table of square cells of side ``cell`` (scene units), ONE ImageMobject.

    Each cell is ``px`` pixels with ``gap`` transparent pixels between cells (nearest resampling, so
    cells stay crisp); ``blank``: optional bool (rows, cols) of cells left empty. ``set_values`` colours
    from values, ``set_rgb`` from colours; ``cell_center(i, j)`` is where cell (i, j) sits (row 0 at the top).
    """

    def __init__(self, rows, cols, *, cell=0.25, px=12, gap=2, signed=True, scale=None, blank=None, palette=None, **kwargs):
        super().__init__(**kwargs)
        self.rows, self.cols, self.px, self.gap = int(rows), int(cols), int(px), int(gap)
        self.signed, self.value_scale, self.palette = signed, scale, palette
        pitch = self.px + self.gap
        pixels = np.zeros((self.rows * pitch - self.gap, self.cols * pitch - self.gap, 4), np.uint8)
        keep = np.zeros(pixels.shape[:2], bool)
        blank = np.zeros((self.rows, self.cols), bool) if blank is None else np.asarray(blank, bool)
        for i, j in zip(*np.nonzero(~blank)):
            keep[i * pitch : i * pitch + self.px, j * pitch : j * pitch + self.px] = True
        pixels[..., 3] = np.where(keep, 255, 0)
        self.image = ImageMobject(pixels)
        self.image.set_resampling_algorithm(Image.Resampling.NEAREST)
        units = cell / self.px
        self.image.stretch_to_fit_width(pixels.shape[1] * units).stretch_to_fit_height(pixels.shape[0] * units)
        self.add(self.image)

    def set_rgb(self, rgb):
        """Colour the cells from rgb (rows, cols, 3) in [0, 1]."""
        rgb = np.asarray(rgb)
        if rgb.shape != (self.rows, self.cols, 3):
            raise ValueError(f"rgb has shape {rgb.shape}; expected ({self.rows}, {self.cols}, 3)")
        pitch = self.px + self.gap
        big = np.repeat(np.repeat(np.rint(rgb * 255).astype(np.uint8), pitch, axis=0), pitch, axis=1)
        pixels = self.image.pixel_array
        pixels[..., :3] = big[: pixels.shape[0], : pixels.shape[1]]
        return self

    def set_values(self, values, scale=None):
        """Colour the cells from values (rows, cols) (scale: this call's, else the grid's, else max |v|)."""
        values = np.asarray(values, dtype=float).reshape(self.rows, self.cols)
        return self.set_rgb(value_rgb(values, self.signed, scale if scale is not None else self.value_scale, self.palette))

    def cell_center(self, i, j):
        """Scene point at the centre of cell (i, j), row 0 at the top (follows moves and scales)."""
        pitch = self.px + self.gap
        h, w = self.image.pixel_array.shape[:2]
        left, top = self.image.get_corner(UP + LEFT)[:2]
        sx, sy = self.image.width / w, self.image.height / h
        return np.array([left + (j * pitch + self.px / 2) * sx, top - (i * pitch + self.px / 2) * sy, 0.0])

    def cell_box(self, i, j, color=None, width=4, pad=0.04):
        """A rectangle outlining cell (i, j) (to highlight it)."""
        side = self.image.width / self.image.pixel_array.shape[1] * (self.px + 2 * self.gap) + 2 * pad
        p = style.current(self.palette)
        return Rectangle(width=side, height=side, stroke_color=color or p.highlight, stroke_width=width).move_to(self.cell_center(i, j))


class HeatTable(Group):
    """Values (rows, cols) as a labelled table of coloured cells: ``row_labels`` left of the rows,
    ``col_labels`` above the columns (either may be None), ``title`` above.

    Tables wider than ``max_cols`` show the first and last columns (``shown``: the true column indices)
    around a ``⋯`` with a brace giving the true count, as ``NetworkDiagram`` collapses wide layers.
    """

    def __init__(self, values, *, row_labels=None, col_labels=None, title=None, signed=True, scale=None,
                 cell=0.25, max_cols=32, font_size=24, palette=None, **kwargs):
        super().__init__(**kwargs)
        values = np.asarray(values, dtype=float)
        ink = style.current(palette).text
        self.n_cols = values.shape[1]
        self.shown = shown_indices(self.n_cols, max_cols)
        self.grid = CellGrid(values.shape[0], len(self.shown), cell=cell, signed=signed, scale=scale, palette=palette)
        self.add(self.grid)
        self.labels = VGroup()
        if row_labels is not None:
            for i, name in enumerate(row_labels):
                label = text(str(name), font_size=font_size, palette=palette)
                self.labels.add(label.next_to(self.grid.cell_center(i, 0), LEFT, buff=cell * 0.5 + 0.1))
        if col_labels is not None:
            for j, k in enumerate(self.shown):
                label = text(str(col_labels[k]), font_size=font_size, palette=palette)
                self.labels.add(label.next_to(self.grid.cell_center(0, j), UP, buff=cell * 0.5 + 0.1))
        self.collapse = VGroup()
        if len(self.shown) < self.n_cols:
            head = max_cols // 2
            mid = (self.grid.cell_center(0, head - 1) + self.grid.cell_center(0, head)) / 2
            dots = light(MathTex(r"\cdots", font_size=font_size, color=ink))
            self.collapse.add(dots.next_to(self.grid, DOWN, buff=0.1).set_x(mid[0]))
            brace = light(Brace(_outline(self.grid), DOWN, buff=0.3, color=ink))
            count = text(f"{self.n_cols} neurons", font_size=font_size, palette=palette)
            self.collapse.add(brace, count.next_to(brace, DOWN, buff=0.08))
        self.add(self.labels, self.collapse)
        self.title = VGroup()
        if title:
            self.title.add(text(title, font_size=font_size, palette=palette).next_to(self, UP, buff=0.15))
        self.add(self.title)
        self.set_values(values)

    def set_values(self, values, scale=None):
        """Recolour from values (rows, n_cols) (the shown columns are drawn)."""
        self.grid.set_values(np.asarray(values, dtype=float)[:, self.shown], scale)
        return self

    def cell_box(self, i, k, **kwargs):
        """Outline of row i, true column k (must be shown)."""
        j = np.flatnonzero(self.shown == k)
        if not j.size:
            raise IndexError(f"column {k} is not drawn (drawn: {self.shown.tolist()})")
        return self.grid.cell_box(i, int(j[0]), **kwargs)


class ActivationColumn(Group):
    """One layer's outputs for one input: raw z (diverging map) beside activated a, one cell per neuron,
    top to bottom. Layers wider than ``max_shown`` draw their first and last neurons (or the sorted true
    indices ``shown``) around a ``⋮`` with a brace giving the true count; ``shown`` keeps the indices drawn.

    z_scale: |z| at the diverging map's ends; a_scale: the activation at the bright end (signed
    activations such as tanh use the diverging map over [-a_scale, a_scale]).
    """

    def __init__(self, width, activation="relu", *, z_scale=1.0, a_scale=1.0, cell=0.2, max_shown=16, shown=None,
                 font_size=24, palette=None, **kwargs):
        super().__init__(**kwargs)
        self.n_units, self.activation, self.palette = int(width), activation, palette
        ink = style.current(palette).text
        self.z_scale, self.a_scale = z_scale, a_scale
        self.shown = shown_indices(self.n_units, max_shown) if shown is None else np.unique(np.asarray(shown, dtype=int))
        if self.shown.size == 0 or self.shown[0] < 0 or self.shown[-1] >= self.n_units:
            raise ValueError(f"shown must name neurons in 0..{self.n_units - 1}; got {shown!r}")
        n = len(self.shown)
        collapsed = n < self.n_units
        self._rows = np.arange(n) + (collapsed & (np.arange(n) >= n // 2))  # a blank row for the dots
        blank = np.zeros((n + collapsed, 1), bool)
        blank[n // 2] = collapsed
        self.z = CellGrid(n + collapsed, 1, cell=cell, signed=True, scale=z_scale, blank=blank, palette=palette)
        self.a = CellGrid(n + collapsed, 1, cell=cell, signed=activation in style.SIGNED_ACTIVATIONS, scale=a_scale,
                          blank=blank, palette=palette)
        self.a.next_to(self.z, RIGHT, buff=max(cell * 0.25, 0.12))  # room for the z and a headers
        self.add(self.z, self.a)
        self.headers = VGroup(*(light(MathTex(name, font_size=font_size + 4, color=ink)).next_to(grid, UP, buff=0.1)
                                for name, grid in (("z", self.z), ("a", self.a))))
        self.headers[1].align_to(self.headers[0], DOWN)
        self.add(self.headers)
        self.collapse = VGroup()
        if collapsed:
            brace = light(Brace(_outline(Group(self.z, self.a)), LEFT, buff=0.08, color=ink))
            count = text(str(self.n_units), font_size=font_size, palette=palette).next_to(brace, LEFT, buff=0.06)
            middle = (self.z.cell_center(n // 2, 0) + self.a.cell_center(n // 2, 0)) / 2
            dots = light(MathTex(r"\vdots", font_size=font_size, color=ink)).scale_to_fit_height(cell * 0.9)
            dots.move_to(middle)
            self.collapse.add(brace, count, dots)
        self.add(self.collapse)

    def set_values(self, z, a):
        """Recolour from one input's z (width,) and a (width,)."""
        z, a = np.ravel(z), np.ravel(a)
        if z.shape != (self.n_units,) or a.shape != (self.n_units,):
            raise ValueError(f"z and a must each hold {self.n_units} values; got {z.shape} and {a.shape}")
        for grid, values in ((self.z, z), (self.a, a)):
            column = np.zeros((grid.rows, 1))
            column[self._rows, 0] = values[self.shown]
            grid.set_values(column)
        return self

    def _row(self, unit):
        i = np.flatnonzero(self.shown == unit)
        if not i.size:
            raise IndexError(f"neuron {unit} is not drawn (drawn: {self.shown.tolist()})")
        return int(self._rows[i[0]])

    def cell_center(self, unit, which="a"):
        """Centre of neuron ``unit``'s (true index, must be shown) z or a cell."""
        return (self.a if which == "a" else self.z).cell_center(self._row(unit), 0)

    def cell_box(self, unit, which="a", **kwargs):
        """A rectangle outlining neuron ``unit``'s z or a cell (see ``CellGrid.cell_box``)."""
        return (self.a if which == "a" else self.z).cell_box(self._row(unit), 0, **kwargs)
