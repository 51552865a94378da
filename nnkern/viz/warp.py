"""WarpGrid: the input plane's grid lines and data carried through a network one step at a time (each
layer's linear map W x + b, then its activation); a layer wider than 2 is seen through a projection."""

import numpy as np
from manim import Group, Rectangle, VGroup, VMobject

import nnkern as nk

from . import style
from .boundary import DecisionBoundary, DotCloud
from .neuron import NeuronPlane


def warp_stages(net, points, fit=None, like=None):
    """Where ``points`` (m, 2) of the input plane land at every stage of ``net``: a list of
    (name, (m, 2), (mean, basis)), starting with ("input", points, None), then per hidden layer l (1-based)
    (f"W{l} x + b{l}", pre-activations z) and (f"{activation}", activations a). A stage wider than 2 is
    shown by ``nk.plane_projection`` (its mean and basis) fitted on where ``fit`` (n, 2; default
    ``points``) lands there; a stage 2 wide as is (mean 0, basis the identity). The projection is
    linear, so a linear step of a wide layer still maps the previous stage's view affinely. ``like``:
    an earlier list of stages of the same network shape, whose axes the projections keep (see
    ``nk.plane_projection``)."""
    if net.sizes[0] != 2:
        raise ValueError(f"a warped grid needs 2 inputs (the input plane); this network has sizes {net.sizes}")
    points = np.asarray(points, dtype=np.float64)
    fitted = net.layer_outputs(points if fit is None else fit)[:-1]
    earlier = [None] * (2 * len(fitted) + 1) if like is None else [view and view[1] for _, _, view in like]
    stages = [("input", points, None)]
    for l, ((z, a), (zf, af)) in enumerate(zip(net.layer_outputs(points)[:-1], fitted), start=1):
        for name, values, fitting in ((f"W{l} x + b{l}", z, zf), (net.activation, a, af)):
            mean, basis = nk.plane_projection(fitting, like=earlier[len(stages)])
            stages.append((name, (values - mean) @ basis, (mean, basis)))
    return stages


def output_slice(net, mean, basis):
    """The output layer of ``net`` seen in its last hidden layer's view a = mean + p @ basis.T (the view's
    plane through the data, exact when the layer is 2 wide): (W (2, k), b (k,)) with logits p @ W + b."""
    W, b = net.weights[-1].astype(np.float64), net.biases[-1].astype(np.float64)
    return basis.T @ W, mean @ W + b


class WarpGrid(Group):
    """A grid of ``lines`` lines each way over ``extent`` (xmin, xmax, ymin, ymax) and the data X (n, 2)
    coloured by y (n,), drawn in a square of side ``side`` and carried through a network's stages
    (see ``warp_stages``: a stage wider than 2 is its projection onto the plane where the data spread
    most, ``projected[k]``; each ``set_net`` after the first keeps the last one's axes, so a grid
    following training does not flip).

    ``set_net(net)`` computes every stage of the grid's points and the data; ``show(s)`` draws
    fractional stage s in [0, number of stages - 1], each point moving on a straight line from one
    stage to the next (so during a linear step the grid lines stay straight and parallel). The view
    is the square [-r, r]² (r: the largest |coordinate| of that stage, also interpolated), so every
    stage fills the frame. Grid line j is sampled at ``samples`` points per cell; its points at the
    crossings are ``crossings(s)``. As a TrainingTracker view, ``sync(frame)`` redraws the frame's
    network at the stage last shown.

    ``output`` (made by ``set_net``; not part of the group: add it to the scene when wanted) is the
    output layer drawn in the last hidden layer's view (on the projection's plane if that layer is
    wider than 2, see ``output_slice``): for one sigmoid output a ``NeuronPlane`` (its heatmap, the
    line where it is 0.5, its weight vector), for a softmax a ``DecisionBoundary`` (the classes'
    regions and borders); it covers the frame, on ``z_index`` -1 under the grid.
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
        self.output = self.stages = None
        self._slice = None
        self.position = 0.0

    @property
    def names(self):
        """The stages' names ("input", "W1 x + b1", "tanh", ...)."""
        return [stage[0] for stage in self.stages]

    @property
    def projected(self):
        """Per stage, True if it is shown through a projection (wider than 2)."""
        return [view is not None and view[1].shape[0] > 2 for _, _, view in self.stages]

    def set_net(self, net):
        """Carry the grid and the data through ``net`` (a classifier of 2 inputs); redraws at the current stage."""
        binary = net.sizes[-1] == 1 and net.output == "sigmoid"
        if not binary and net.output != "softmax":
            raise ValueError(f"a warped grid draws a classifier (one sigmoid output, or softmax); this network has "
                             f"{net.sizes[-1]} {net.output!r} outputs")
        pts = np.concatenate([self._paths.reshape(-1, 2), self.X])
        same = self.stages is not None and [v and v[1].shape for _, _, v in self.stages] == \
            [None] + [(n, 2) for n in net.sizes[1:-1] for _ in "za"]  # fmt: skip
        self.stages = warp_stages(net, pts, fit=self.X, like=self.stages if same else None)
        r = self.radius(len(self.stages) - 1)
        W, b = output_slice(net, *self.stages[-1][2])
        if self.output is None:
            kind = NeuronPlane if binary else DecisionBoundary
            extra = {} if binary else dict(X=np.zeros((0, 2)), y=np.zeros(0, int))
            self.output = kind(extent=(-r, r, -r, r), side=self.side, palette=self.palette, **extra).set_z_index(-1)
            self._slice = None if binary else nk.MLP([2, net.sizes[-1]], activation="identity", output="softmax",
                                                     dtype="float64")
        self.output.extent = (-r, r, -r, r)
        self.output.shift(self.frame.get_center() - self.output.frame.get_center())
        if binary:
            self.output.set_weights(W[:, 0], b[0])
        else:
            self._slice.weights[0][:], self._slice.biases[0][:] = W, b
            self.output.set_params(self._slice)
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
