"""WarpGrid: the input plane's grid lines and data carried through a network whose hidden layers are
2 wide, one step at a time (each layer's linear map W x + b, then its activation)."""

import numpy as np
from manim import Group, Rectangle, VGroup, VMobject

from . import style
from .boundary import DotCloud
from .neuron import NeuronPlane


def warp_stages(net, points):
    """Where ``points`` (m, 2) of the input plane land at every stage of ``net`` (hidden layers 2 wide):
    a list of (name, (m, 2)), starting with ("input", points), then per hidden layer l (1-based)
    (f"W{l} x + b{l}", pre-activations z) and (f"{activation}", activations a)."""
    if net.sizes[0] != 2 or any(w != 2 for w in net.sizes[1:-1]):
        raise ValueError(f"a warped grid needs 2 inputs and hidden layers 2 wide (the screen is the hidden "
                         f"space); this network has sizes {net.sizes}")
    stages = [("input", np.asarray(points, dtype=np.float64))]
    for l, (z, a) in enumerate(net.layer_outputs(points)[:-1], start=1):
        stages += [(f"W{l} x + b{l}", z.astype(np.float64)), (net.activation, a.astype(np.float64))]
    return stages


class WarpGrid(Group):
    """A grid of ``lines`` lines each way over ``extent`` (xmin, xmax, ymin, ymax) and the data X (n, 2)
    coloured by y (n,), drawn in a square of side ``side`` and carried through a network's stages
    (see ``warp_stages``).

    ``set_net(net)`` computes every stage of the grid's points and the data; ``show(s)`` draws
    fractional stage s in [0, number of stages - 1], each point moving on a straight line from one
    stage to the next (so during a linear step the grid lines stay straight and parallel). The view
    is the square [-r, r]² (r: the largest |coordinate| of that stage, also interpolated), so every
    stage fills the frame. Grid line j is sampled at ``samples`` points per cell; its points at the
    crossings are ``crossings(s)``. As a TrainingTracker view, ``sync(frame)`` redraws the frame's
    network at the stage last shown.

    ``output`` (not part of the group: add it to the scene when wanted) is the output neuron drawn in
    the last hidden layer's view, as a ``NeuronPlane``: its heatmap, the line where it is 0.5, its
    weight vector; it covers the frame, on ``z_index`` -1 under the grid.
    """

    def __init__(self, extent, X, y, *, side=6.0, lines=13, samples=8, dot_radius=0.05, palette=None, **kwargs):
        super().__init__(**kwargs)
        self.palette = p = style.current(palette)
        self.extent, self.lines, self.samples, self.side = tuple(extent), lines, samples, side
        xmin, xmax, ymin, ymax = extent
        ticks = (lines - 1) * samples + 1
        xs, ys = np.linspace(xmin, xmax, ticks), np.linspace(ymin, ymax, ticks)
        gx, gy = np.linspace(xmin, xmax, lines), np.linspace(ymin, ymax, lines)
        vertical = np.stack(np.meshgrid(gx, ys, indexing="ij"), -1)  # (lines, ticks, 2): x fixed along each
        horizontal = np.stack(np.meshgrid(xs, gy, indexing="xy"), -1)  # (lines, ticks, 2): y fixed along each
        self._paths = np.concatenate([vertical, horizontal])  # (2 lines, ticks, 2)
        self.X, self.y = np.asarray(X, dtype=np.float64), np.asarray(y)
        self.frame = Rectangle(width=side, height=side, stroke_color=p.frame, stroke_width=1.5)
        self.grid = VMobject(stroke_color=p.frame, stroke_width=1.5, stroke_opacity=0.55)
        self.classes = np.unique(self.y)
        self.dots = VGroup(*(DotCloud(np.zeros((int(np.sum(self.y == k)), 3)), dot_radius, k, p) for k in self.classes))
        self.add(self.frame, self.grid, self.dots)
        self.output = NeuronPlane((-1, 1, -1, 1), side=side, palette=p).set_z_index(-1)
        self.stages, self.position = None, 0.0

    @property
    def names(self):
        """The stages' names ("input", "W1 x + b1", "tanh", ...)."""
        return [name for name, _ in self.stages]

    def set_net(self, net):
        """Carry the grid and the data through ``net`` (hidden layers 2 wide); redraws at the current stage."""
        if net.sizes[-1] != 1 or net.output != "sigmoid":
            raise ValueError(f"a warped grid draws one sigmoid output; this network has {net.sizes[-1]} "
                             f"{net.output!r} outputs")
        pts = np.concatenate([self._paths.reshape(-1, 2), self.X])
        self.stages = warp_stages(net, pts)
        r = self.radius(len(self.stages) - 1)
        self.output.extent = (-r, r, -r, r)
        self.output.shift(self.frame.get_center() - self.output.frame.get_center())
        self.output.set_weights(net.weights[-1][:, 0], net.biases[-1][0])
        return self.show(self.position)

    def sync(self, frame):
        """Follow a training frame's network."""
        return self.set_net(frame.net)

    def radius(self, k):
        """The view radius of stage k: the largest |coordinate| there (the input plane: its extent's)."""
        if k == 0:
            return None
        return float(np.abs(self.stages[k][1]).max()) * 1.04

    def to_point(self, xy, r):
        """Coordinates (..., 2) of the view [-r, r]² (r None: the input extent) -> scene points (..., 3)."""
        xy = np.asarray(xy, dtype=float)
        c = self.frame.get_center()
        if r is None:
            xmin, xmax, ymin, ymax = self.extent
            u, v = (xy[..., 0] - (xmin + xmax) / 2) / (xmax - xmin), (xy[..., 1] - (ymin + ymax) / 2) / (ymax - ymin)
        else:
            u, v = xy[..., 0] / (2 * r), xy[..., 1] / (2 * r)
        return np.stack([c[0] + u * self.side, c[1] + v * self.side, np.full_like(u, c[2])], axis=-1)

    def _blended(self, s):
        """(points at the stage k just below s, at stage k + 1, the fraction a of the way, k, k + 1)."""
        s = float(np.clip(s, 0, len(self.stages) - 1))
        k = min(int(s), len(self.stages) - 2) if len(self.stages) > 1 else 0
        a = s - k
        k1 = min(k + 1, len(self.stages) - 1)
        p0, p1 = self.stages[k][1], self.stages[k1][1]
        return p0, p1, a, k, k1

    def scene_points(self, s):
        """Scene points (m, 3) of every grid-line sample and data point at fractional stage s: each
        point's place in stage k's view blended with its place in stage k + 1's (both are affine in
        the stage's coordinates, so a linear step keeps lines straight and parallel)."""
        p0, p1, a, k, k1 = self._blended(s)
        q0, q1 = self.to_point(p0, self.radius(k)), self.to_point(p1, self.radius(k1))
        return (1 - a) * q0 + a * q1

    def show(self, s):
        """Draw fractional stage s."""
        self.position = float(s)
        q = self.scene_points(s)
        n_lines, ticks = self._paths.shape[:2]
        lines = q[: n_lines * ticks].reshape(n_lines, ticks, 3)
        self.grid.clear_points()
        for line in lines:
            self.grid.start_new_path(line[0])
            self.grid.add_points_as_corners(line[1:])
        data = q[n_lines * ticks :]
        for k, cloud in zip(self.classes, self.dots):
            cloud.move_dots(data[self.y == k])
        return self

    def crossings(self, s):
        """The grid's crossing points (lines, lines, 2) at integer stage s, in that stage's coordinates,
        row r at the r-th y from ymin and column c at the c-th x (as ``nk.hidden_transform``'s grid)."""
        n_lines, ticks = self._paths.shape[:2]
        pts = self.stages[int(s)][1][: n_lines * ticks].reshape(n_lines, ticks, 2)
        vertical = pts[: self.lines]  # (x index, y sample, 2)
        return vertical[:, :: self.samples].transpose(1, 0, 2)

    def data_at(self, s):
        """The data's coordinates (n, 2) at integer stage s."""
        return self.stages[int(s)][1][-len(self.X):]
