"""One layer of neurons over the input plane. NeuronPlane: one neuron a = σ(w·x + b), its output as a
heatmap, the line w·x + b = 0 and the weight vector w as an arrow from that line. ClassNeurons: k
neurons with softmax (one per class), the regions where each class wins and each neuron's w."""

import numpy as np
from manim import Arrow, Group, ImageMobject, Line, MathTex, Rectangle, VGroup, VMobject
from PIL import Image

import nnkern as nk

from . import plane, style
from .boundary import DotCloud


def line_in_box(w, b, extent):
    """The segment of the line w·x + b = 0 inside the box ``extent`` (xmin, xmax, ymin, ymax):
    its two ends (2, 2) in plane coordinates, or None if the line misses the box (or w = 0)."""
    w = np.asarray(w, dtype=float)
    xmin, xmax, ymin, ymax = extent
    hits = []
    if w[1] != 0:  # crossings of the left and right sides
        hits += [(x, -(w[0] * x + b) / w[1]) for x in (xmin, xmax)]
    if w[0] != 0:  # crossings of the bottom and top sides
        hits += [(-(w[1] * y + b) / w[0], y) for y in (ymin, ymax)]
    eps = 1e-9 * max(xmax - xmin, ymax - ymin)
    inside = [p for p in hits if xmin - eps <= p[0] <= xmax + eps and ymin - eps <= p[1] <= ymax + eps]
    if len(inside) < 2:
        return None
    pts = np.array(inside)
    d = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    i, j = np.unravel_index(np.argmax(d), d.shape)
    return None if d[i, j] <= eps else pts[[i, j]]


def first_layer_lines(net, extent, to_point, **line_style):
    """The lines w_j·x + b_j = 0 of every first-layer neuron j of ``net`` inside ``extent``, as a VGroup
    of Lines in scene points (``to_point`` maps plane coordinates (..., 2) to scene points (..., 3));
    a neuron whose line misses the plane gets an empty Line."""
    lines = VGroup()
    for w, b in zip(net.weights[0].T, net.biases[0]):
        ends = line_in_box(w, b, extent)
        line = Line(**line_style)
        if ends is not None:
            line.put_start_and_end_on(*to_point(ends))
        else:
            line.clear_points()
        lines.add(line)
    return lines


class InputPlane(Group):
    """The input plane over ``extent`` (xmin, xmax, ymin, ymax) as a square of side ``side``: ``frame``,
    ``image`` (a ``resolution``² heatmap for subclasses to paint), ``dots`` the data (``set_points``)."""

    def __init__(self, extent, *, side=5.0, resolution=128, shade=0.55, palette=None, **kwargs):
        super().__init__(**kwargs)
        self.extent, self.resolution, self.shade = tuple(extent), resolution, shade
        self.palette = p = style.current(palette)
        self.frame = Rectangle(width=side, height=side, stroke_color=p.frame, stroke_width=1.5)
        self.image = ImageMobject(np.zeros((resolution, resolution, 4), np.uint8))
        self.image.set_resampling_algorithm(Image.Resampling.BILINEAR)
        self.image.stretch_to_fit_width(side).stretch_to_fit_height(side)
        self.dots = VGroup()

    def to_point(self, xy):
        """Plane coordinates (..., 2) -> scene points (..., 3) inside the frame (follows moves/scales)."""
        xy = np.asarray(xy, dtype=float)
        xmin, xmax, ymin, ymax = self.extent
        lo, hi = self.frame.get_corner([-1, -1, 0]), self.frame.get_corner([1, 1, 0])
        u, v = (xy[..., 0] - xmin) / (xmax - xmin), (xy[..., 1] - ymin) / (ymax - ymin)
        return np.stack([lo[0] + u * (hi[0] - lo[0]), lo[1] + v * (hi[1] - lo[1]), np.zeros_like(u)], axis=-1)

    def to_plane(self, points):
        """Scene points (..., 3) -> plane coordinates (..., 2) (the inverse of ``to_point``)."""
        p = np.asarray(points, dtype=float)
        xmin, xmax, ymin, ymax = self.extent
        lo, hi = self.frame.get_corner([-1, -1, 0]), self.frame.get_corner([1, 1, 0])
        u, v = (p[..., 0] - lo[0]) / (hi[0] - lo[0]), (p[..., 1] - lo[1]) / (hi[1] - lo[1])
        return np.stack([xmin + u * (xmax - xmin), ymin + v * (ymax - ymin)], axis=-1)

    def set_points(self, X, y, radius=0.05):
        """Show data X (n, 2) coloured by class y (n,) (small dots, dark outlines); replaces earlier dots."""
        y = np.asarray(y)
        self.dots.remove(*self.dots)
        self.dots.add(*(DotCloud(self.to_point(np.asarray(X)[y == k]), radius, k, self.palette) for k in np.unique(y)))
        return self

    def _paint(self, rgb):
        """Fill the image with RGB (resolution, resolution, 3) in [0, 1], row 0 at ymin."""
        self.image.pixel_array[..., :3] = np.round(rgb[::-1] * 255)
        self.image.pixel_array[..., 3] = 255


class NeuronPlane(InputPlane):
    """The input plane over ``extent`` (xmin, xmax, ymin, ymax) as a square of side ``side``, showing
    one neuron a = σ(w₁x₁ + w₂x₂ + b) (a 2-1 sigmoid network):

    ``image`` its output a over a ``resolution``² grid (probability colours: blue a > 0.5, red below,
    darkened by ``shade`` so data dots read on it), ``line`` where w·x + b = 0, ``arrow`` the weight
    vector w drawn from the point of the line nearest the plane's centre, ``arrow_scale`` plane units
    per unit of |w| (at most ``max_arrow`` plane units), ``arrow_label`` "w" at its tip, both fading out
    as the arrow shrinks from 2 to 1 ``min_arrow`` (scene units), where they would only cover the line;
    ``dots`` the data (``set_points``).
    """

    def __init__(self, extent, *, side=5.0, resolution=128, shade=0.55, arrow_scale=0.25, max_arrow=None,
                 min_arrow=0.15, palette=None, **kwargs):  # fmt: skip
        super().__init__(extent, side=side, resolution=resolution, shade=shade, palette=palette, **kwargs)
        p = self.palette
        self.arrow_scale, self.min_arrow = arrow_scale, min_arrow
        self.max_arrow = 0.4 * (self.extent[1] - self.extent[0]) if max_arrow is None else max_arrow
        self.net = nk.MLP([2, 1], activation="identity", output="sigmoid", dtype="float64")
        self.line = Line(stroke_color=p.contour, stroke_width=4)
        self.arrow = Arrow(color=p.highlight)
        self.arrow_label = MathTex("w", font_size=36, color=p.text).add_background_rectangle(color=p.background, opacity=0.5, buff=0.04)
        self.add(self.image, self.frame, self.line, self.arrow, self.arrow_label, self.dots)
        self.set_weights((1.0, 0.0), 0.0)

    @property
    def w(self):
        """The neuron's weights (2,) as last set."""
        return self.net.weights[0][:, 0].copy()

    @property
    def b(self):
        """The neuron's bias as last set."""
        return float(self.net.biases[0][0])

    def set_weights(self, w, b):
        """Show the neuron with weights w (2,) and bias b."""
        self.net.weights[0][:, 0] = w
        self.net.biases[0][0] = b
        return self._redraw()

    def set_net(self, net, unit=0):
        """Show neuron ``unit`` of the first layer of ``net`` (an ``nk.MLP`` with 2 inputs)."""
        return self.set_weights(net.weights[0][:, unit], net.biases[0][unit])

    def sync(self, frame):
        """Follow a training frame: its network's first neuron."""
        return self.set_net(frame.net)

    def _redraw(self):
        a = nk.grid_activations(self.net, self.extent, self.resolution)[-1]
        self._paint(style.probability_rgb(a, self.palette) * self.shade)
        w, b = self.w, self.b
        ends = line_in_box(w, b, self.extent)
        if ends is None:
            for m in (self.line, self.arrow, self.arrow_label):
                m.set_opacity(0)
            return self
        start, end = self.to_point(ends)
        self.line.put_start_and_end_on(start, end).set_stroke(opacity=1)
        centre = np.array([(self.extent[0] + self.extent[1]) / 2, (self.extent[2] + self.extent[3]) / 2])
        foot = centre - (w @ centre + b) * w / (w @ w)
        tip = foot + w / np.linalg.norm(w) * min(self.arrow_scale * np.linalg.norm(w), self.max_arrow)
        a0, a1 = self.to_point(foot), self.to_point(tip)
        self.arrow.become(Arrow(a0, a1, buff=0, stroke_width=5, max_tip_length_to_length_ratio=0.3,
                                color=self.palette.highlight))
        length = np.linalg.norm(a1 - a0)
        self.arrow_label.move_to(a1 + 0.3 * (a1 - a0) / max(length, 1e-9))
        shown = float(np.clip((length - self.min_arrow) / self.min_arrow, 0, 1))  # a stub of an arrow fades out, label too
        self.arrow.set_opacity(shown)
        self.arrow_label.set_opacity(shown)
        return self


class ClassNeurons(InputPlane):
    """The input plane over ``extent`` (xmin, xmax, ymin, ymax) as a square of side ``side``, showing one
    layer of k neurons with softmax (a 2-k softmax network): neuron c scores class c with
    z_c = w_c·x + b_c, and softmax turns the k scores into the classes' probabilities.

    ``image`` the winning class's colour over a ``resolution``² grid, fading to grey as its probability
    falls to 1/k (``style.probability_rgb``), ``shade`` of the way from the background; ``borders``
    where two classes tie; ``arrows`` (k) each neuron's weights w_c from the plane's centre in its
    class's colour, the longest (the largest |w_c|) ``arrow`` plane units long (default: 0.4 of the
    plane's width), the others in proportion; ``dots`` the data (``set_points``).
    """

    def __init__(self, extent, classes, *, side=5.0, resolution=128, shade=0.55, arrow=None, palette=None, **kwargs):
        super().__init__(extent, side=side, resolution=resolution, shade=shade, palette=palette, **kwargs)
        if not 2 <= classes <= len(self.palette.classes):
            raise ValueError(f"ClassNeurons draws 2 to {len(self.palette.classes)} classes (the palette's), not {classes}")
        self.classes = classes
        self.arrow = 0.4 * (self.extent[1] - self.extent[0]) if arrow is None else arrow
        self.net = nk.MLP([2, classes], activation="identity", output="softmax", dtype="float64")
        self.borders = VMobject(stroke_color=self.palette.contour, stroke_width=3)
        self.arrows = VGroup(*(Arrow(color=style.to_color(style.class_rgb(c, self.palette))) for c in range(classes)))
        self.add(self.image, self.frame, self.borders, self.arrows, self.dots)
        self.set_net(self.net)

    def set_net(self, net):
        """Show the layer of ``net``, a 2-k softmax network (``nk.MLP([2, k], output="softmax")``)."""
        if list(net.sizes) != [2, self.classes] or net.output != "softmax":
            raise ValueError(f"ClassNeurons shows a [2, {self.classes}] softmax network, not {list(net.sizes)} "
                             f"with output {net.output!r}")
        self.net.weights[0][...], self.net.biases[0][...] = net.weights[0], net.biases[0]
        probs = nk.grid_activations(self.net, self.extent, self.resolution)[-1]
        self._paint(style.faded(style.probability_rgb(probs, self.palette), self.shade, self.palette))
        self.borders.clear_points()
        for path in plane.class_borders(probs, self.extent):
            pts = self.to_point(path)
            self.borders.start_new_path(pts[0])
            self.borders.add_points_as_corners(pts[1:])
        centre = self.to_point(np.array([(self.extent[0] + self.extent[1]) / 2, (self.extent[2] + self.extent[3]) / 2]))
        w = self.net.weights[0].T  # (k, 2): neuron c's weights
        ends = self.to_plane(centre) + w * self.arrow / max(np.linalg.norm(w, axis=1).max(), 1e-12)
        for arrow, tip in zip(self.arrows, self.to_point(ends)):
            arrow.become(Arrow(centre, tip, buff=0, stroke_width=5, max_tip_length_to_length_ratio=0.3,
                               color=arrow.get_color()))
        return self

    def sync(self, frame):
        """Follow a training frame: its network's layer."""
        return self.set_net(frame.net)
