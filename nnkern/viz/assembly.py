"""OutputSum: how a one-output network's output map is assembled from its last hidden layer's maps:
z = Σ_j v_j h_j + c over the plane, then a = σ(z)."""

import numpy as np
from manim import Group, ImageMobject, Square, VGroup
from PIL import Image

import nnkern as nk

from . import style


def _tile(side, resolution):
    image = ImageMobject(np.full((resolution, resolution, 4), 255, np.uint8))
    image.set_resampling_algorithm(Image.Resampling.BILINEAR)
    return image.stretch_to_fit_width(side).stretch_to_fit_height(side)


def _paint(image, rgb):
    image.pixel_array[..., :3] = np.round(rgb[::-1] * 255)


class OutputSum(Group):
    """The terms v_j h_j of a 1-output network's output neuron as tiles over the plane ``extent``, and
    their running sum.

    ``terms[j]``: a tile of side ``side`` at ``centres[j]`` (put them over the last hidden layer's
    maps): neuron j's map h_j, weighted by its outgoing weight v_j as ``set_weighting`` goes 0 -> 1
    (it dims, or flips colour for v_j < 0, relative to the largest |v|). ``total``: a tile of side
    ``total_side`` at ``total_centre`` showing Σ_j amounts_j v_j h_j + amounts_c c (``set_sum``), drawn
    with the diverging map (scaled by the largest |partial sum|), blended into σ(z) with
    ``probability`` colours as ``squash`` goes to 1. The sum of everything, squashed, is the network's
    output over the plane (``output``).
    """

    def __init__(self, centres, total_centre, extent, *, side=1.2, total_side=1.2, resolution=96, palette=None,
                 **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.extent, self.resolution, self.palette = tuple(extent), resolution, style.current(palette)
        centres = np.atleast_2d(np.asarray(centres, dtype=float))
        self.terms = Group(*(_tile(side, resolution).move_to(c) for c in centres))
        self.total = _tile(total_side, resolution).move_to(total_centre)
        self.frames = VGroup(*(Square(side, stroke_color=self.palette.frame, stroke_width=1.5).move_to(c) for c in centres),
                             Square(total_side, stroke_color=self.palette.frame, stroke_width=2).move_to(total_centre))
        self.add(self.terms, self.total, self.frames)
        self.hidden = self.v = self.c = None

    def set_net(self, net):
        """Take the maps h (res, res, m) of ``net``'s last hidden layer and its output weights v (m,), bias c."""
        if net.sizes[-1] != 1 or len(net.sizes) < 3 or net.output != "sigmoid":
            raise ValueError(f"OutputSum needs hidden layers and one sigmoid output; got sizes {net.sizes}, "
                             f"output {net.output!r}")
        if net.sizes[-2] != len(self.terms):
            raise ValueError(f"the last hidden layer has {net.sizes[-2]} neurons but {len(self.terms)} tiles were placed")
        grid = nk.grid_activations(net, self.extent, self.resolution)
        self.activation = net.activation
        self.hidden = grid[-2].astype(np.float64)
        self.v, self.c = net.weights[-1][:, 0].astype(np.float64), float(net.biases[-1][0])
        partials = np.cumsum(np.concatenate([self.hidden * self.v, np.full(self.hidden.shape[:2] + (1,), self.c)], -1), -1)
        self.z_scale = float(np.abs(partials).max()) or 1.0
        self.set_weighting(0.0)
        return self.set_sum(np.zeros(len(self.v) + 1))

    def sync(self, frame):
        """Follow a training frame's network."""
        return self.set_net(frame.net)

    def weighted(self, alpha):
        """The term tiles' values (res, res, m) at weighting ``alpha``: h_j ((1 - alpha) + alpha v_j / max|v|)."""
        return self.hidden * ((1 - alpha) + alpha * self.v / np.abs(self.v).max())

    def set_weighting(self, alpha):
        """Weight the tiles: alpha = 0 shows h_j as the neuron maps do, 1 shows v_j h_j (relative to max|v|).
        ``alpha`` is a number or one per tile (m,)."""
        values = self.weighted(np.broadcast_to(np.asarray(alpha, dtype=float), self.v.shape))
        for j, tile in enumerate(self.terms):
            _paint(tile, style.activation_rgb(values[..., j], self.activation, self.palette))
        return self

    def z(self, amounts):
        """The sum (res, res) with term j counted amounts[j] times and the bias amounts[-1] times."""
        amounts = np.asarray(amounts, dtype=float)
        return self.hidden @ (amounts[:-1] * self.v) + amounts[-1] * self.c

    def set_sum(self, amounts, squash=0.0):
        """Show the sum with ``amounts`` (m + 1,) of each term and the bias, blended from the diverging map
        of z (squash = 0) to the output colours of σ(z) (squash = 1)."""
        z = self.z(amounts)
        rgb = style.signed_rgb(z, self.z_scale, self.palette)
        if squash:
            rgb = (1 - squash) * rgb + squash * style.probability_rgb(self.squashed(z)[..., None], self.palette)
        _paint(self.total, rgb)
        return self

    @staticmethod
    def squashed(z):
        """σ(z), the sigmoid output."""
        return 1 / (1 + np.exp(-z))

    def output(self):
        """The network's output over the plane (res, res): σ of the whole sum."""
        return self.squashed(self.z(np.ones(len(self.v) + 1)))
