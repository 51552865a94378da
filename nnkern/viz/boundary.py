"""DecisionBoundary: the input plane coloured by the network's output, its 0.5 contour and the data."""

import numpy as np
from manim import Circle, Group, ImageMobject, Rectangle, VGroup, VMobject
from PIL import Image

import nnkern as nk

from . import plane, style


def hard_output(probs):
    """One-hot (or 0/1 for a single sigmoid unit) of the predicted class; probs is (..., k)."""
    probs = np.asarray(probs, dtype=float)
    if probs.shape[-1] == 1:
        return (probs >= 0.5).astype(float)
    return (probs == probs.max(axis=-1, keepdims=True)).astype(float)


class DotCloud(VGroup):
    """Small outlined dots of one class at centres (n, 3): two VMobjects, ``outline`` (discs of radius
    ``radius + outline`` in the palette's outline colour) under ``fill`` (discs of ``radius`` in the class's
    colour). Both are fills, which Cairo draws several times faster than a stroke around many overlapping
    dots; overlapping outlines merge instead of cross-hatching."""

    def __init__(self, centres, radius, label, palette=None, outline=0.0125, **kwargs):
        palette = style.current(palette)
        self._discs = [Circle(radius=r, num_components=5).points for r in (radius + outline, radius)]
        self.outline, self.fill = (VMobject(stroke_width=0).set_fill(c, 1) for c in
                                   (palette.outline, style.to_color(style.class_rgb(label, palette))))  # fmt: skip
        super().__init__(self.outline, self.fill, **kwargs)
        self.move_dots(centres)

    def move_dots(self, centres):
        """Put the dots at centres (n, 3) (scene coordinates)."""
        centres = np.asarray(centres, dtype=float)[:, None, :]
        for part, disc in zip((self.outline, self.fill), self._discs):
            part.set_points((centres + disc[None]).reshape(-1, 3))
        return self


class DecisionBoundary(Group):
    """The input plane over ``extent`` (xmin, xmax, ymin, ymax) drawn as a square of side ``side``.

    ``image`` shows the output layer (its colours ``shade`` of the way from the background) over a ``resolution``² grid: soft probabilities, or hard classes as
    ``hardness`` goes to 1, faded in from the blank plane as ``reveal`` goes to 1. ``contour`` is the 0.5
    level (binary outputs) or the borders between the classes' regions (k > 2), ``dots`` the data X (n, 2) coloured by y (n,): small dots, dark outlines.
    Colours come from ``palette`` (default ``style.PALETTE``). As a TrainingTracker view, ``sync(frame)``
    shows the output layer of the frame's grid.
    """

    needs_grid = True

    def __init__(self, extent, X, y, *, side=5.0, resolution=128, shade=0.55, dot_radius=0.045, palette=None, **kwargs):
        super().__init__(**kwargs)
        self.palette = style.current(palette)
        self.extent, self.resolution, self.shade = tuple(extent), resolution, shade
        self.hardness, self.reveal = 0.0, 1.0
        self._probs = None
        self.frame = Rectangle(width=side, height=side, stroke_color=self.palette.frame, stroke_width=1.5)
        blank = np.round(style.faded(style.probability_rgb(np.full((resolution, resolution, 1), 0.5), self.palette), shade, self.palette) * 255)
        self.image = ImageMobject(blank.astype(np.uint8))
        self.image.set_resampling_algorithm(Image.Resampling.BILINEAR)
        self.image.stretch_to_fit_width(side).stretch_to_fit_height(side)
        self.contour = VMobject(stroke_color=self.palette.contour, stroke_width=3)
        self.dots = self.make_points(X, y, dot_radius)
        self.add(self.image, self.contour, self.frame, self.dots)

    def to_point(self, xy):
        """Plane coordinates (..., 2) -> scene points (..., 3) inside the frame (follows moves/scales)."""
        xy = np.asarray(xy, dtype=float)
        xmin, xmax, ymin, ymax = self.extent
        lo, hi = self.frame.get_corner([-1, -1, 0]), self.frame.get_corner([1, 1, 0])
        u = (xy[..., 0] - xmin) / (xmax - xmin)
        v = (xy[..., 1] - ymin) / (ymax - ymin)
        return np.stack([lo[0] + u * (hi[0] - lo[0]), lo[1] + v * (hi[1] - lo[1]), np.zeros_like(u)], axis=-1)

    def make_points(self, X, y, radius=0.045):
        """Dots for X (n, 2) filled by class y (n,) with a thin dark outline: one DotCloud per class."""
        y = np.asarray(y)
        return VGroup(*(DotCloud(self.to_point(np.asarray(X)[y == k]), radius, k, self.palette) for k in np.unique(y)))

    def set_output(self, probs):
        """Restyle from the output layer over the grid: probs (resolution, resolution, k), row 0 at ymin."""
        self._probs = np.array(probs, dtype=float)  # a copy: callers may reuse their buffer
        self._set_contour(plane.class_borders(self._probs, self.extent))
        return self._redraw()

    def sync(self, frame):
        """Restyle from a tracker's Frame (its grid's output layer)."""
        return self.set_output(frame.grid[-1])

    def set_params(self, net):
        """Evaluate ``net`` over the grid and restyle."""
        return self.set_output(nk.grid_activations(net, self.extent, self.resolution)[-1])

    def set_hardness(self, hardness):
        """Blend the image from soft probabilities (0) to hard classes (1)."""
        self.hardness = float(hardness)
        return self._redraw()

    def set_reveal(self, reveal):
        """Blend the image from the blank plane (0) to the network's output (1)."""
        self.reveal = float(reveal)
        return self._redraw()

    def _redraw(self):
        """Repaint the image from the stored probabilities, hardness and reveal."""
        probs = shown = self._probs
        if probs is None:
            return self
        if self.hardness:
            shown = (1 - self.hardness) * probs + self.hardness * hard_output(probs)
        if self.reveal != 1:
            shown = (1 - self.reveal) * (1 / max(2, probs.shape[-1])) + self.reveal * shown
        rgb = style.faded(style.probability_rgb(shown, self.palette), self.shade, self.palette)
        self.image.pixel_array[..., :3] = np.round(rgb[::-1] * 255)
        return self

    def _set_contour(self, paths):
        self.contour.clear_points()
        for path in paths:
            pts = self.to_point(path)
            self.contour.start_new_path(pts[0])
            self.contour.add_points_as_corners(pts[1:])
