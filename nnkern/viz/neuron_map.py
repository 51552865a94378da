"""NeuronMap: one hidden neuron's activation over the input plane, as a small heatmap."""

import numpy as np
from manim import LEFT, WHITE, Group, ImageMobject, Rectangle
from PIL import Image

from . import plane, style


class NeuronMap(Group):
    """Heatmap of neuron ``index`` of layer ``layer`` (1 = first hidden) over ``extent``, side ``side``.

    Coloured with the same map as the neuron's fill (diverging for tanh), so the neuron's colour for
    one input is the map's colour at that input.
    """

    def __init__(self, layer, index, extent, activation="tanh", *, side=0.4, resolution=128, **kwargs):
        super().__init__(**kwargs)
        self.layer, self.index, self.extent, self.activation = layer, index, tuple(extent), activation
        self.resolution = resolution
        blank = np.round(style.activation_rgb(np.zeros((resolution, resolution)), activation) * 255)
        self.image = ImageMobject(blank.astype(np.uint8))
        self.image.set_resampling_algorithm(Image.Resampling.BILINEAR)
        self.image.stretch_to_fit_width(side).stretch_to_fit_height(side)
        self.frame = Rectangle(width=side, height=side, stroke_color=WHITE, stroke_width=0.8)
        self.add(self.image, self.frame)

    def set_grid(self, grid_acts):
        """Restyle from all layers' grid activations (list of (res, res, width), as ``plane.grid_activations``)."""
        values = grid_acts[self.layer - 1][..., self.index]
        self.image.pixel_array[..., :3] = np.round(style.activation_rgb(values[::-1], self.activation) * 255)
        return self

    def set_params(self, net):
        """Evaluate ``net`` over the grid and restyle."""
        return self.set_grid(plane.grid_activations(net, self.extent, self.resolution))

    def place_beside(self, neuron, direction=LEFT, buff=0.06):
        """Move next to a neuron mobject (a diagram's circle)."""
        return self.next_to(neuron, direction, buff=buff)
