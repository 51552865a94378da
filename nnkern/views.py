"""Views of a network for scenes: what every neuron does over the input plane, how weights move,
what drives an output.  ``net`` arguments take an ``MLP`` or a recording ``Snapshot``; layers are
numbered as in ``net.weights`` (0 = first hidden layer), lists hold one entry per layer."""

import functools

import numpy as np

from .checks import as_float_matrix, int_in, intervals, is_int
from .kernels import histograms, reference
from .kernels.codes import SIGMOID, SOFTMAX
from .model import MLP
from .record import Recording, Snapshot


def _net(net):
    if isinstance(net, Snapshot):
        return net.model()
    if not isinstance(net, MLP):
        raise ValueError(f"expected an nk.MLP or a recording Snapshot; got {type(net).__name__}")
    return net


def _extent(extent):
    return intervals(extent, 4, "extent", "(xmin, xmax, ymin, ymax), finite with xmin < xmax and ymin < ymax")


def _point(net, x, name):
    """One input x (n_in,) as float64, checked like a row of X."""
    return as_float_matrix(np.ravel(x)[None, :], name, net.sizes[0], np.float64)[0]


def _planar(net):
    if net.sizes[0] != 2:
        raise ValueError(f"this view needs a network with 2 inputs (a plane); this one has {net.sizes[0]}")


def square_extent(X, pad=0.08):
    """(xmin, xmax, ymin, ymax) of a square around the 2-D points X (n, 2), padded by ``pad`` of its side."""
    X = np.asarray(X, dtype=float)
    lo, hi = X.min(axis=0), X.max(axis=0)
    center, half = (lo + hi) / 2, (hi - lo).max() / 2 * (1 + 2 * pad)
    return (center[0] - half, center[0] + half, center[1] - half, center[1] + half)


def input_scale(extent):
    """The largest |coordinate| of ``extent`` (xmin, xmax, ymin, ymax): the input value drawn at full colour."""
    return float(np.max(np.abs(extent)))


def grid_activations(net, extent, resolution, out=None, backend="auto"):
    """Every neuron's activation over a grid of the input plane.

    extent: (xmin, xmax, ymin, ymax); resolution: points per side (>= 2), spaced as np.linspace.
    Returns a list per layer of (resolution, resolution, width) arrays: row r at the r-th y from
    ymin, column c at the c-th x from xmin.  out: optional 1-D buffer of resolution**2 * sum(widths)
    elements of the net's dtype to fill instead of allocating (the result is views of it; reusing
    one per frame saves the allocation).  Runs the parallel compiled forward pass; the grid's points
    are cached, so repeated calls with one extent and resolution cost only the pass.
    backend: "auto" or "cpu" (that pass), or "cuda" (its GPU twin; raises without a GPU).
    """
    net = _net(net)
    _planar(net)
    if backend not in ("auto", "cpu", "cuda"):
        raise ValueError(f"unknown backend {backend!r}; expected one of 'auto', 'cpu', 'cuda'")
    extent, res, points = _grid_points(_hashable(extent), resolution, net.dtype)
    out = net.layer_buffer(res * res, out)
    if backend == "cuda":
        out[...] = _grid_cuda(net, extent, res)
    else:
        net.forward_into(points, out, out)  # activations only
    return [out[start:stop].reshape(res, res, width) for start, stop, width in net.layout.layer_bounds(res * res)]


def _grid_cuda(net, extent, res):
    from .kernels import gpu_passes
    from .train import _require_cuda

    _require_cuda()
    (xmin, xmax, ymin, ymax), lay = extent, net.layout
    return gpu_passes.grid_forward(net.params, lay.w_off, lay.b_off, lay.sizes, net.hidden_code, net.output_code,
                                    xmin, (xmax - xmin) / (res - 1), ymin, (ymax - ymin) / (res - 1), res)


# The grid's points cached with their checks leave a per-frame call little Python to run, which
# matters: after the pass's megabytes of stores that Python runs from cold caches (checking the
# extent, naming the dtype and slicing the result took 40 us after a 200x200 pass, 9 us warm).
def _hashable(extent):
    """``extent`` itself if it can key a cache (a tuple), else checked into a tuple of floats."""
    try:
        hash(extent)
        return extent
    except TypeError:
        return _extent(extent)


@functools.lru_cache(maxsize=8, typed=True)
def _grid_points(extent, resolution, dtype):
    """(extent, res, points): extent checked into a tuple of floats, resolution checked, and the
    (res*res, 2) grid points (shared: never modify them), row-major with row 0 at ymin (see
    ``grid_activations``).  Bad input raises, and nothing is cached."""
    extent, res = _extent(extent), int_in(resolution, "resolution", 2)
    xmin, xmax, ymin, ymax = extent
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, res), np.linspace(ymin, ymax, res))
    return extent, res, np.ascontiguousarray(np.c_[gx.ravel(), gy.ravel()], dtype=dtype)


def layer_outputs(net, X):
    """List per layer of (z, a): pre-activations and activations (n, width) for the samples X (n, n_in)."""
    return _net(net).layer_outputs(X)


def weight_change(before, after, relative=False):
    """Per-layer parameter change from ``before`` to ``after`` (same architecture): list of
    (dW (fan_in, fan_out), db (fan_out,)), after minus before.

    relative: divide each layer's changes by the root-mean-square of that layer's parameters in
    ``before``, so layers of different scale compare (a unitless fraction); a ValueError if a layer's
    parameters in ``before`` are all zero.
    """
    before, after = _net(before), _net(after)
    if before.sizes != after.sizes:
        raise ValueError(f"architectures differ: {before.sizes} and {after.sizes}")
    delta = after.params.astype(np.float64) - before.params
    changes = []
    for l, ((dW, db), W, b) in enumerate(zip(zip(*before.layout.views(delta)), before.weights, before.biases)):
        scale = np.sqrt(np.mean(np.square(np.r_[W.ravel(), b], dtype=np.float64))) if relative else 1.0
        if scale == 0:
            raise ValueError(f"relative change of layer {l} is undefined: all its parameters in before are zero")
        changes.append((dW / scale, db / scale))
    return changes


def weight_histograms(recording, bins=32, value_range=None, indices=None):
    """Histograms of each layer's weights over time, with bins shared by all layers and snapshots.

    recording: a ``Recording``; indices: the snapshots (default all); value_range: (lo, hi), default
    the smallest and largest weight seen.  Returns (counts (n, n_layers, bins) int64, edges (bins + 1,)).
    """
    _recording(recording)
    bins = int_in(bins, "bins", 1)
    stack = recording.stack("params", indices)
    lay = recording.layout
    if value_range is None:
        weights = [W for W in lay.views(stack)[0] if W.size]
        lo, hi = (min(float(W.min()) for W in weights), max(float(W.max()) for W in weights)) if weights else (0.0, 1.0)
        lo, hi = (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)
    else:
        lo, hi = intervals(value_range, 2, "value_range", "finite (lo, hi) with lo < hi")
    counts = histograms.weight_histograms(stack, lay.w_off, lay.sizes, lo, hi, bins)
    return counts, np.linspace(lo, hi, bins + 1)


def _recording(recording):
    if not isinstance(recording, Recording):
        raise ValueError(f"expected an nk.Recording; got {type(recording).__name__}")
    return recording


def gradient_rms(recording, indices=None):
    """Root-mean-square of each layer's weight gradient per snapshot: (n, n_layers) float64, from
    the recorded gradients (``Snapshot.grads``) of snapshots ``indices`` (default all)."""
    lay = _recording(recording).layout
    grads = lay.views(recording.stack("grad", indices).astype(np.float64))[0]
    return np.stack([np.sqrt(np.mean(G.reshape(len(G), -1) ** 2, axis=1)) for G in grads], axis=1)


def probe_activations(recording, x, indices=None):
    """Every hidden neuron's activation for the one input x (n_in,) at snapshots ``indices``
    (default all): a list per hidden layer of (n, width) arrays (row k: snapshot indices[k])."""
    recording = _recording(recording)
    if len(recording.layout.sizes) < 3:
        raise ValueError(f"this view needs a hidden layer; the network has sizes {list(recording.layout.sizes)}")
    indices = range(len(recording)) if indices is None else indices
    x = _point(recording.model_at(0), x, "x")[None, :]
    rows = [[a[0] for _, a in recording.model_at(i).layer_outputs(x)[:-1]] for i in indices]
    return [np.array(layer, dtype=np.float64) for layer in zip(*rows)]


def dead_units(recording, X, indices=None):
    """Which hidden neurons output exactly 0 for every row of X (n_samples, n_in) at snapshots
    ``indices`` (default all): a list per hidden layer of bool (n, width) (a dead ReLU passes no
    gradient for these inputs, so its own weights stop moving)."""
    recording = _recording(recording)
    indices = range(len(recording)) if indices is None else indices
    rows = [[~np.any(a != 0, axis=0) for _, a in recording.model_at(i).layer_outputs(X)[:-1]] for i in indices]
    return [np.array(layer, dtype=bool).reshape(len(rows), -1) for layer in zip(*rows)]


def epoch_changes(recording):
    """How much each layer moved in each epoch, relative to its size at the epoch's start.

    Epoch e's change is ``weight_change(before, after, relative=True)`` from the last recorded
    snapshot of epoch e - 1 (step 0 for the first) to the last of epoch e, reduced to the RMS over
    the layer's weights and biases. Returns (epochs (E,) int64, changes (E, n_layers) float64) for
    the E epochs with a recorded snapshot.
    """
    epochs = _recording(recording).epochs
    ends = [int(np.flatnonzero(epochs == e)[-1]) for e in np.unique(epochs)]
    changes = []
    for a, b in zip(ends[:-1], ends[1:]):
        layers = weight_change(recording[a], recording[b], relative=True)
        changes.append([np.sqrt(np.mean(np.r_[dW.ravel(), db] ** 2)) for dW, db in layers])
    return epochs[ends[1:]], np.array(changes, dtype=np.float64).reshape(len(ends) - 1, len(recording.layout.sizes) - 1)


def _labels(net, X, y):
    """(X checked, y as int labels (n,), number of classes) for a classifier."""
    if net.output == "softmax":
        n_classes = net.sizes[-1]
    elif net.output == "sigmoid" and net.sizes[-1] == 1:
        n_classes = 2
    else:
        raise ValueError(f"this view needs a classifier with one label per sample; this network has "
                         f"output={net.output!r} with {net.sizes[-1]} outputs")
    X = net.check_inputs(X)
    y = np.asarray(y)
    if (y.shape != (len(X),) or y.dtype.kind not in "biuf" or not np.all(np.mod(y, 1) == 0)
            or y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"y must hold one integer label in 0..{n_classes - 1} per row of X; got shape {y.shape}")
    return X, y.astype(np.int64), n_classes


def class_activations(net, X, y):
    """Mean activation of every neuron per class: list per layer of (n_classes, width) float64;
    rows of classes absent from y are NaN."""
    net = _net(net)
    X, y, n_classes = _labels(net, X, y)
    onehot = np.eye(n_classes)[y]  # (n, n_classes)
    counts = onehot.sum(axis=0)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return [np.where(counts > 0, onehot.T @ a / counts, np.nan) for _, a in net.layer_outputs(X)]


def confusion_matrix(net, X, y):
    """(n_classes, n_classes) int64 counts: row = true class, column = predicted class."""
    net = _net(net)
    X, y, n_classes = _labels(net, X, y)
    return np.bincount(y * n_classes + net.predict(X), minlength=n_classes**2).reshape(n_classes, n_classes)


def _output_index(net, output):
    return int_in(output, "output", 0, net.sizes[-1], f"an output unit 0..{net.sizes[-1] - 1}")


def error_signals(net, X, y):
    """The error signal δ = ∂L/∂z of every neuron, per sample, as backpropagation computes it.

    X: (n, n_in), y: targets as ``nk.train`` takes them.  Returns a list per layer after the input of
    (n, width) arrays: δ of the output layer is a - y (sigmoid or softmax with cross-entropy, or
    identity with squared error), each layer before it f'(z) * (δ_next @ W_next.T).  L is each sample's
    own loss, so the mean-loss gradient of ``nk.loss_and_grads`` is dW_l = a_(l-1).T @ δ_l / n.
    """
    from .train import checked_targets

    net = _net(net)
    X, Y = checked_targets(net, X, y)
    outs = net.layer_outputs(X)
    delta = outs[-1][1] - Y
    deltas = [delta]
    for l in range(len(outs) - 1, 0, -1):
        z_prev, a_prev = outs[l - 1]
        delta = reference.activation_backward(z_prev, a_prev, delta @ net.weights[l].T, net.hidden_code)
        deltas.append(delta)
    return deltas[::-1]


def saliency(net, X, output=0):
    """Gradient of one output activation with respect to the input, per sample.

    X: (n, n_in); output: the output unit (its activated value: the probability for sigmoid and
    softmax).  Returns (grad (n, n_in), grad * X (n, n_in)), in output units per input unit.
    """
    net = _net(net)
    k = _output_index(net, output)
    X = net.check_inputs(X)
    outs = net.layer_outputs(X)
    a = outs[-1][1]
    if net.output_code == SOFTMAX:
        dz = a[:, k : k + 1] * (np.eye(a.shape[1], dtype=a.dtype)[k] - a)
    else:
        dz = np.zeros_like(a)
        dz[:, k] = a[:, k] * (1 - a[:, k]) if net.output_code == SIGMOID else 1
    for l in range(len(outs) - 1, 0, -1):
        z_prev, a_prev = outs[l - 1]
        dz = reference.activation_backward(z_prev, a_prev, dz @ net.weights[l].T, net.hidden_code)
    grad = dz @ net.weights[0].T
    return grad, grad * X


def path_activations(net, x0, x1, steps=50):
    """Activations along the straight line from input x0 to x1 (each (n_in,)).

    Returns (t (steps,) from 0 to 1, points (steps, n_in) = x0 + t (x1 - x0), list per layer of
    activations (steps, width)).
    """
    net = _net(net)
    x0, x1 = _point(net, x0, "x0"), _point(net, x1, "x1")
    t = np.linspace(0.0, 1.0, int_in(steps, "steps", 2))
    points = x0 + t[:, None] * (x1 - x0)
    return t, points, [a for _, a in net.layer_outputs(points)]


class Trace:
    """The chain of strongest contributions behind one output for one input (see ``trace_contributions``).

    neurons: [(layer, unit), ...] from the output layer down to the first hidden layer.
    contributions: per traced neuron, w * a (fan_in,) of every unit feeding it (inputs x for the last).
    input_weights: (n_in,) weights into the deepest traced neuron (first hidden layer).
    image: input_weights reshaped to ``image_shape`` and scaled to [-1, 1], or None;
    negative: bool mask of the negative weights in ``image`` (None without an image).
    """

    def __init__(self, neurons, contributions, input_weights, image_shape):
        self.neurons, self.contributions, self.input_weights = neurons, contributions, input_weights
        self.image = self.negative = None
        if image_shape is not None:
            peak = np.abs(input_weights).max()
            self.image = (input_weights / (peak if peak > 0 else 1)).reshape(image_shape)
            self.negative = self.image < 0

    def __repr__(self):
        return f"Trace({' <- '.join(f'L{l}:{u}' for l, u in self.neurons)})"


def trace_contributions(net, x, output=0, image_shape=None):
    """From output unit ``output``, follow the incoming connection with the largest |w * a| down
    layer by layer to the first hidden layer, for the single input x (n_in,).

    image_shape: (h, w) with h * w = n_in to also get the input weights as an image (e.g. (8, 8)).
    Returns a ``Trace``.
    """
    net = _net(net)
    unit = _output_index(net, output)
    x = _point(net, x, "x")
    if image_shape is not None and not (_is_int_pair(image_shape, lambda s: s > 0) and np.prod(image_shape) == net.sizes[0]):
        raise ValueError(f"image_shape must be (h, w) with h * w = {net.sizes[0]} inputs; got {image_shape!r}")
    acts = [x] + [a[0] for _, a in net.layer_outputs(x[None, :])]
    neurons, contributions = [], []
    for l in range(len(net.weights) - 1, -1, -1):
        neurons.append((l, unit))
        c = net.weights[l][:, unit] * acts[l]
        contributions.append(c)
        if l > 0:
            unit = int(np.argmax(np.abs(c)))
    return Trace(neurons, contributions, net.weights[0][:, unit].copy(), image_shape)


def _is_int_pair(value, ok):
    """True if ``value`` is a pair of integers, each satisfying ``ok``."""
    return np.ndim(value) == 1 and len(value) == 2 and all(is_int(v) and ok(v) for v in value)


def hidden_transform(net, X, extent=None, resolution=21, neurons=None):
    """Where the data (and a grid over the input plane) land after each layer, in 2-D.

    A layer 2 wide is shown as is; 1 wide as (a, 0); wider ones on two chosen neurons
    (neurons: {layer: (i, j)}) or else on the top two principal components of the data's
    activations in that layer (centred on the data's mean): see ``plane_projection``.
    X: (n, n_in); extent, resolution: a grid over the input plane (2 inputs only), or None.
    Returns a list per layer of (grid (resolution, resolution, 2) or None, data (n, 2)).
    """
    net = _net(net)
    neurons = dict(neurons or {})
    data = [a for _, a in net.layer_outputs(X)]
    unknown = set(neurons) - set(range(len(data)))
    if unknown:
        raise ValueError(f"neurons names layers {sorted(unknown)}; this network has layers 0..{len(data) - 1}")
    grids = grid_activations(net, extent, resolution) if extent is not None else [None] * len(data)
    result = []
    for l, (d, g) in enumerate(zip(data, grids)):
        mean, basis = plane_projection(d, neurons.get(l), l)
        project = lambda a: (a - mean) @ basis  # noqa: E731
        result.append((None if g is None else project(g.reshape(-1, g.shape[-1])).reshape(resolution, resolution, 2),
                       project(d)))
    return result


def plane_projection(acts, pair=None, layer=0, like=None):
    """How ``hidden_transform`` shows one layer in 2-D: (mean (width,), basis (width, 2)), so that
    activations a (m, width) land at (a - mean) @ basis (m, 2).

    acts: (n, width), the data's activations in that layer. A layer at most 2 wide is shown as is (1
    wide as (a, 0)); ``pair`` = (i, j) picks two of its neurons; else the top two principal components
    of ``acts`` (orthonormal columns, centred on the data's mean, each signed so its largest entry is
    positive). ``like``: an earlier basis (width, 2) of that layer, e.g. the last snapshot's: the
    components are then ordered and signed to agree with it, so a view following training does not
    flip or swap its axes from one snapshot to the next. ``layer`` only names the layer in errors.
    """
    acts = np.asarray(acts)
    width = acts.shape[1]
    if pair is not None:
        if not _is_int_pair(pair, lambda u: 0 <= u < width):
            raise ValueError(f"neurons[{layer}] = {pair!r}: expected two units (i, j) of layer {layer}, each in 0..{width - 1}")
        return np.zeros(width), np.eye(width)[:, list(pair)]
    if width <= 2:
        return np.zeros(width), np.eye(width, 2)
    mean = acts.mean(axis=0, dtype=np.float64)
    basis = np.linalg.svd(acts - mean, full_matrices=False)[2][:2].T  # (width, 2)
    if like is None:
        top = np.abs(basis).argmax(axis=0)
        return mean, basis * np.sign(basis[top, [0, 1]])
    agree = basis.T @ np.asarray(like, dtype=np.float64)  # (2, 2): component i against like's j
    if abs(agree[0, 1]) + abs(agree[1, 0]) > abs(agree[0, 0]) + abs(agree[1, 1]):
        basis, agree = basis[:, ::-1], agree[::-1]
    return mean, basis * np.where(np.diag(agree) < 0, -1.0, 1.0)


def slow_motion_steps(first, last, tau, slow_motion=20.0):
    """Training steps at screen-time fractions tau (scalar or array in [0, 1]) of a replay of steps
    first..last: they grow geometrically with screen time, so the end plays ``slow_motion`` times more
    steps per second than the start (1 = linear in steps). Scenes and the explorer pace runs by it."""
    tau = np.asarray(tau, dtype=float)
    c = slow_motion - 1.0
    g = tau if c <= 0 else np.expm1(np.log1p(c) * tau) / c
    return first + (last - first) * g
