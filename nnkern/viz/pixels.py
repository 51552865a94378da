"""Images from vectors: ``PixelImage`` (one input, e.g. a digit) and ``WeightGrid`` (every first-layer
neuron's input weights as an image), each ONE ImageMobject of crisp pixels."""

import numpy as np
from manim import Group, Rectangle

from . import style
from .cells import CellGrid


def _shape(image_shape, n):
    h, w = (int(s) for s in image_shape)
    if h * w != n:
        raise ValueError(f"image_shape {tuple(image_shape)} holds {h * w} pixels; the vectors hold {n}")
    return h, w


class PixelImage(Group):
    """A vector of h * w values (row-major, as a row of ``X``) drawn as an h x w image of side ``side``
    (the longer edge), with a thin frame. Unsigned values (pixels in [0, scale]) use the sequential
    map, signed ones (saliency, weights) the diverging map over [-scale, scale] (scale None: max |v|).
    """

    def __init__(self, values, image_shape, *, side=2.0, signed=False, scale=1.0, palette=None, **kwargs):
        super().__init__(**kwargs)
        values = np.ravel(values)
        self.image_shape = _shape(image_shape, values.size)
        h, w = self.image_shape
        px = max(1, int(np.ceil(128 / max(h, w))))
        self.grid = CellGrid(h, w, cell=side / max(h, w), px=px, gap=0, signed=signed, scale=scale, palette=palette)
        self.frame = Rectangle(width=self.grid.width, height=self.grid.height, stroke_color=style.current(palette).frame, stroke_width=1.5)
        self.frame.move_to(self.grid)
        self.add(self.grid, self.frame)
        self.set_values(values)

    def set_values(self, values, scale=None):
        """Redraw from values (h * w,)."""
        self.grid.set_values(np.reshape(values, self.image_shape), scale)
        return self


class WeightGrid(Group):
    """The input weights of first-layer neurons ``units`` (default the first ``max_tiles``) as images:
    tile j is W[:, units[j]] reshaped to ``image_shape``, on the diverging map scaled by that neuron's
    own largest |w| (blue pixels excite the neuron, red ones inhibit it). W: (n_in, n_units).
    Tiles of side ``tile`` sit in rows of ``cols``.
    """

    def __init__(self, W, image_shape, *, cols=8, tile=0.7, units=None, max_tiles=32, palette=None, **kwargs):
        super().__init__(**kwargs)
        W = np.asarray(W, dtype=float)
        self.image_shape = _shape(image_shape, W.shape[0])
        self.units = np.arange(min(W.shape[1], max_tiles)) if units is None else np.asarray(units)
        self.cols = min(cols, len(self.units))
        self.rows = -(-len(self.units) // self.cols)
        h, w = self.image_shape
        blank = np.ones((self.rows * (h + 1) - 1, self.cols * (w + 1) - 1), bool)
        for j in range(len(self.units)):
            r, c = self._origin(j)
            blank[r : r + h, c : c + w] = False
        px = max(1, int(np.ceil(48 / max(h, w))))
        self.palette = palette
        self.grid = CellGrid(*blank.shape, cell=tile / max(h, w), px=px, gap=0, signed=True, blank=blank, palette=palette)
        self.add(self.grid)
        self.set_weights(W)

    def _origin(self, j):
        """(row, col) of tile j's top-left cell in the grid."""
        h, w = self.image_shape
        return (j // self.cols) * (h + 1), (j % self.cols) * (w + 1)

    def tiles(self, W):
        """(k, h, w): each drawn neuron's input weights reshaped to the image and divided by its largest |w|."""
        cols = np.asarray(W, dtype=float)[:, self.units].T  # (k, n_in)
        peak = np.abs(cols).max(axis=1, keepdims=True)
        return (cols / np.where(peak > 0, peak, 1)).reshape(len(self.units), *self.image_shape)

    def set_weights(self, W):
        """Redraw from first-layer weights W (n_in, n_units)."""
        values = np.zeros((self.grid.rows, self.grid.cols))
        h, w = self.image_shape
        for j, tile in enumerate(self.tiles(W)):
            r, c = self._origin(j)
            values[r : r + h, c : c + w] = tile
        self.grid.set_values(values, scale=1.0)
        return self

    def tile_box(self, unit, color=None, width=4):
        """A rectangle around neuron ``unit``'s tile (to highlight it)."""
        j = np.flatnonzero(self.units == unit)
        if not j.size:
            raise IndexError(f"neuron {unit} has no tile (drawn: {self.units.tolist()})")
        r, c = self._origin(int(j[0]))
        h, w = self.image_shape
        corner, far = self.grid.cell_center(r, c), self.grid.cell_center(r + h - 1, c + w - 1)
        pad = abs(far[0] - corner[0]) / (w - 1 if w > 1 else 1)
        box = Rectangle(width=far[0] - corner[0] + pad * 1.6, height=corner[1] - far[1] + pad * 1.6,
                        stroke_color=color or style.current(self.palette).highlight, stroke_width=width)
        return box.move_to((corner + far) / 2)
