"""NeuronMap: hidden neurons' activations over the input plane, as small heatmaps beside the neurons."""

import numpy as np
from manim import LEFT, Group, ImageMobject, Square, VMobject
from PIL import Image

import nnkern as nk

from . import style


class NeuronMap(Group):
    """Heatmaps of neurons ``indices`` (k,) of ``layer`` (1 = first hidden) over ``extent``, as TensorFlow
    Playground draws them: tile i is a square of side ``side`` centred at ``centres[i]`` (k, 3).

    All tiles live in ONE image (a frame composites each image over the whole picture, so one image
    per layer rather than per neuron keeps rendering fast). Tiles use the neuron's fill map, so a
    neuron's colour for an input is its tile's colour at that input. Colours come from ``palette``
    (default ``style.PALETTE``). As a TrainingTracker view, ``sync(frame)`` shows the frame's grid.
    """

    needs_grid = True

    def __init__(
        self, layer, indices, centres, extent, activation="tanh", *, side=0.3, resolution=128, palette=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.palette = style.current(palette)
        self.layer, self.indices, self.extent, self.activation = layer, np.atleast_1d(indices), tuple(extent), activation
        self.resolution = resolution
        centres = np.atleast_2d(np.asarray(centres, dtype=float))
        ppu = resolution / side
        lo = centres[:, :2].min(axis=0) - side / 2
        hi = centres[:, :2].max(axis=0) + side / 2
        self._cols = np.rint((centres[:, 0] - side / 2 - lo[0]) * ppu).astype(int)
        self._rows = np.rint((hi[1] - centres[:, 1] - side / 2) * ppu).astype(int)
        pixels = np.zeros((self._rows.max() + resolution, self._cols.max() + resolution, 4), np.uint8)
        for row, col in zip(self._rows, self._cols):
            pixels[row : row + resolution, col : col + resolution, 3] = 255
        self.image = ImageMobject(pixels)
        self.image.set_resampling_algorithm(Image.Resampling.BILINEAR)
        self.image.stretch_to_fit_width(pixels.shape[1] / ppu).stretch_to_fit_height(pixels.shape[0] / ppu)
        self.image.move_to([lo[0], hi[1], 0], aligned_edge=[-1, 1, 0])
        self.frames = VMobject(stroke_color=self.palette.frame, stroke_width=0.8)
        square = Square(side).points
        self.frames.set_points((centres[:, None, :] + square[None]).reshape(-1, 3))
        self._tiles(np.zeros((resolution, resolution, len(self.indices))))
        self.add(self.image, self.frames)

    @classmethod
    def beside(cls, diagram, layer, extent, *, side=0.3, direction=LEFT, buff=0.05, **kwargs):
        """Maps for every drawn neuron of a NetworkDiagram's ``layer``, each next to its circle (in the
        diagram's palette unless ``palette=`` is given)."""
        centres = [c.get_center() + np.asarray(direction) * (diagram.radius + buff + side / 2) for c in diagram.neurons[layer]]
        kwargs.setdefault("palette", diagram.palette)
        return cls(layer, diagram.shown[layer], centres, extent, diagram.activation, side=side, **kwargs)

    @classmethod
    def tiled(cls, diagram, layer, extent, *, side=1.2, gap=0.15, **kwargs):
        """Maps for every drawn neuron of a NetworkDiagram's ``layer`` as a near-square grid of tiles of
        side ``side`` centred at the origin, row by row in the neurons' order (a close-up of ``beside``)."""
        n = len(diagram.shown[layer])
        cols = int(np.ceil(np.sqrt(n)))
        rows = int(np.ceil(n / cols))
        pitch = side + gap
        r, c = np.divmod(np.arange(n), cols)
        centres = np.c_[(c - (cols - 1) / 2) * pitch, ((rows - 1) / 2 - r) * pitch, np.zeros(n)]
        kwargs.setdefault("palette", diagram.palette)
        return cls(layer, diagram.shown[layer], centres, extent, diagram.activation, side=side, **kwargs)

    def _tiles(self, values):
        """Paint tiles from values (res, res, k) (row 0 at ymin)."""
        rgb = np.rint(style.activation_rgb(values[::-1], self.activation, self.palette) * 255).astype(np.uint8)
        r = self.resolution
        pixels = self.image.pixel_array
        for k, (row, col) in enumerate(zip(self._rows, self._cols)):
            pixels[row : row + r, col : col + r, :3] = rgb[:, :, k]

    def sync(self, frame):
        """Restyle from a tracker's Frame (its grid)."""
        return self.set_grid(frame.grid)

    def set_grid(self, grid_acts):
        """Restyle from all layers' grid activations (list of (res, res, width), as ``nk.grid_activations``)."""
        self._tiles(grid_acts[self.layer - 1][..., self.indices])
        return self

    def set_params(self, net):
        """Evaluate ``net`` over the grid and restyle."""
        return self.set_grid(nk.grid_activations(net, self.extent, self.resolution))
