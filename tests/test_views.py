"""Views against their NumPy references, saliency against finite differences."""

import numpy as np
import pytest

import nnkern as nk
from nnkern.kernels import reference
from nnkern.kernels import views_reference as ref

EXTENT = (-1.5, 1.0, -0.5, 2.0)


def planar(dtype="float64", activation="tanh", output="sigmoid", sizes=(2, 6, 5, 1), seed=0):
    net = nk.MLP(list(sizes), activation=activation, output=output, seed=seed, dtype=dtype)
    net.biases[0][...] = np.linspace(-0.5, 0.5, sizes[1])  # non-zero biases catch layout slips
    return net


@pytest.fixture(scope="module")
def recording():
    X, y = nk.datasets.load("circle", n=64, seed=0)
    return nk.train(planar(), X, y, epochs=3, batch_size=16, quiet=True, record=1).recording


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation, output", [("tanh", "sigmoid"), ("relu", "softmax"), ("sigmoid", "identity")])
def test_grid_activations_match_the_reference(dtype, activation, output):
    net = planar(dtype, activation, output, sizes=(2, 7, 4, 3))
    got = nk.grid_activations(net, EXTENT, 13)
    want = ref.grid_activations(net.layout, net.params, net.hidden_code, net.output_code, EXTENT, 13)
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert [g.shape for g in got] == [(13, 13, 7), (13, 13, 4), (13, 13, 3)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=tol, rtol=tol)


def test_grid_rows_run_along_y_and_columns_along_x():
    net = planar()
    res = 5
    grid = nk.grid_activations(net, EXTENT, res)[-1]
    xs, ys = np.linspace(*EXTENT[:2], res), np.linspace(*EXTENT[2:], res)
    for r, c in [(0, 0), (0, 4), (3, 1), (4, 4)]:
        np.testing.assert_allclose(grid[r, c], net.forward([[xs[c], ys[r]]])[0], rtol=1e-12)


def test_grid_fills_a_given_buffer_and_accepts_snapshots(recording):
    snap = recording[4]
    res = 9
    out = np.empty(res * res * sum(snap.model().sizes[1:]))
    got = nk.grid_activations(snap, EXTENT, res, out=out)
    assert all(np.shares_memory(g, out) for g in got)
    for g, w in zip(got, nk.grid_activations(recording.model_at(4), EXTENT, res)):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("kwargs, message", [
    (dict(extent=(1, 0, 0, 1)), "xmin < xmax"), (dict(extent=(0, 1, 0)), "extent must be"),
    (dict(resolution=1), "resolution"), (dict(out=np.empty(3)), "out must be")])
def test_grid_rejects_bad_arguments(kwargs, message):
    args = dict(extent=EXTENT, resolution=4) | kwargs
    with pytest.raises(ValueError, match=message):
        nk.grid_activations(planar(), **args)
    with pytest.raises(ValueError, match="2 inputs"):
        nk.grid_activations(nk.MLP([3, 2, 1]), EXTENT, 4)


def test_grid_checks_each_extent_and_resolution_it_has_not_seen():
    """The grid's points are cached by the arguments as given: equal extents of any form share
    them, and an argument that only equals a good one (4.0 for 4) is still checked."""
    net = planar()
    want = nk.grid_activations(net, EXTENT, 4)
    for extent in (list(EXTENT), np.array(EXTENT), tuple(np.float64(v) for v in EXTENT)):
        for g, w in zip(nk.grid_activations(net, extent, 4), want):
            np.testing.assert_array_equal(g, w)
    for extent, resolution in [((0, 1, np.nan, 1), 4), ([0, 1, 1, 0], 4), (EXTENT, 4.0), (EXTENT, True)]:
        with pytest.raises(ValueError, match="extent must be|resolution must be"):
            nk.grid_activations(net, extent, resolution)


def test_layer_outputs_fill_given_buffers():
    net = planar()
    X = np.random.default_rng(1).normal(size=(4, 2))
    zbuf, abuf = (np.empty(4 * sum(net.sizes[1:])) for _ in range(2))
    got = net.layer_outputs(X, zbuf, abuf)
    for (z, a), (wz, wa) in zip(got, net.layer_outputs(X)):
        assert np.shares_memory(z, zbuf) and np.shares_memory(a, abuf)
        np.testing.assert_array_equal(z, wz)
        np.testing.assert_array_equal(a, wa)
    with pytest.raises(ValueError, match="abuf must be a contiguous float64 array"):
        net.layer_outputs(X, zbuf, abuf[:-1])


def test_weight_histograms_match_numpy(recording):
    counts, edges = nk.weight_histograms(recording, bins=7)
    lo, hi = edges[0], edges[-1]
    weights = np.concatenate([W.reshape(len(recording), -1) for W in recording.layout.views(recording.stack())[0]], axis=1)
    assert (lo, hi) == (weights.min(), weights.max())  # the default range: every weight seen
    want = ref.weight_histograms(recording.layout, recording.stack(), lo, hi, 7)
    np.testing.assert_array_equal(counts, want)
    sizes = recording.header["model"]["sizes"]
    assert np.all(counts.sum(axis=2) == [a * b for a, b in zip(sizes[:-1], sizes[1:])])  # every weight binned
    sub, _ = nk.weight_histograms(recording, bins=4, value_range=(-0.2, 0.3), indices=[0, 5])
    np.testing.assert_array_equal(sub, ref.weight_histograms(recording.layout, recording.stack("params", [0, 5]), -0.2, 0.3, 4))


def test_weight_histograms_hit_exact_edges_like_numpy():
    from nnkern.kernels.histograms import weight_histograms
    from nnkern.kernels.layout import Layout

    lay = Layout([2, 3])
    edges = np.linspace(-1, 1, 6)
    stack = np.tile(np.r_[edges, 0, 0, 0], (2, 1))[:, : lay.n_params]  # weights exactly on edges
    np.testing.assert_array_equal(weight_histograms(stack, lay.w_off, lay.sizes, -1.0, 1.0, 5),
                                  ref.weight_histograms(lay, stack, -1.0, 1.0, 5))


def test_weight_change_absolute_and_relative(recording):
    a, b = recording[1], recording[-1]
    changes = nk.weight_change(a, b)
    rel = nk.weight_change(a, b, relative=True)
    for l, ((dW, db), (rW, rb)) in enumerate(zip(changes, rel)):
        np.testing.assert_allclose(dW, b.weights[l] - a.weights[l], rtol=1e-12)
        np.testing.assert_allclose(db, b.biases[l] - a.biases[l], rtol=1e-12)
        layer = np.r_[a.weights[l].ravel(), a.biases[l]]
        rms = np.sqrt(np.mean(layer**2))
        np.testing.assert_allclose(rW, dW / rms, rtol=1e-12)
        np.testing.assert_allclose(rb, db / rms, rtol=1e-12)
    with pytest.raises(ValueError, match="architectures differ"):
        nk.weight_change(a, nk.MLP([2, 3, 1]))
    zero = a.model()
    zero.params[zero.layout.w_off[1]:] = 0  # layer 1: weights and bias
    with pytest.raises(ValueError, match="relative change of layer 1 is undefined: all its parameters in before are zero"):
        nk.weight_change(zero, b, relative=True)


def test_class_activations_and_confusion_match_loops():
    X, y = nk.datasets.load("gauss", n=60, seed=2)
    y3 = np.where(X[:, 0] > 0.5, 2, y)
    net = planar(output="softmax", sizes=(2, 4, 3))
    means = nk.class_activations(net, X, y3)
    outs = net.layer_outputs(X)
    for (_, a), m in zip(outs, means):
        for c in range(3):
            np.testing.assert_allclose(m[c], a[y3 == c].mean(axis=0), rtol=1e-12)
    conf = nk.confusion_matrix(net, X, y3)
    pred = net.predict(X)
    want = np.zeros((3, 3), int)
    for t, p in zip(y3, pred):
        want[t, p] += 1
    np.testing.assert_array_equal(conf, want)
    assert np.isnan(nk.class_activations(net, X[y3 != 1], y3[y3 != 1])[0][1]).all()  # absent class
    with pytest.raises(ValueError, match="labels? in 0..2"):
        nk.confusion_matrix(net, X, y3 + 1)
    with pytest.raises(ValueError, match="classifier"):
        nk.confusion_matrix(planar(output="identity"), X, y)


def test_layer_outputs_match_the_reference(recording):
    X = np.random.default_rng(0).normal(size=(11, 2))
    snap = recording[3]
    got = nk.layer_outputs(snap, X)
    net = snap.model()
    want = reference.forward(net.layout, net.params, X, net.hidden_code, net.output_code)
    for (z, a), (wz, wa) in zip(got, want):
        np.testing.assert_allclose(z, wz, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(a, wa, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("activation, output, sizes", [
    ("tanh", "sigmoid", (2, 6, 5, 1)), ("sigmoid", "softmax", (3, 5, 4)), ("leaky_relu", "identity", (2, 4, 2)),
    ("relu", "softmax", (4, 3))])
def test_saliency_matches_finite_differences(activation, output, sizes):
    net = planar(activation=activation, output=output, sizes=sizes, seed=1)
    X = np.random.default_rng(3).normal(size=(7, sizes[0]))
    k = sizes[-1] - 1
    grad, times_input = nk.saliency(net, X, output=k)
    h = 1e-6
    for i in range(sizes[0]):
        step = np.zeros(sizes[0])
        step[i] = h
        fd = (net.forward(X + step)[:, k] - net.forward(X - step)[:, k]) / (2 * h)
        np.testing.assert_allclose(grad[:, i], fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(times_input, grad * X)
    with pytest.raises(ValueError, match="output unit"):
        nk.saliency(net, X, output=sizes[-1])


def test_path_activations_run_from_one_input_to_the_other():
    net = planar()
    x0, x1 = np.array([-1.0, 0.5]), np.array([0.8, -0.2])
    t, points, acts = nk.path_activations(net, x0, x1, steps=5)
    np.testing.assert_allclose(t, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(points[[0, 2, 4]], [x0, (x0 + x1) / 2, x1])
    for a, (_, want) in zip(acts, net.layer_outputs(points)):
        np.testing.assert_array_equal(a, want)
    with pytest.raises(ValueError, match="x1"):
        nk.path_activations(net, x0, [1.0, 2.0, 3.0])


def test_trace_follows_the_largest_contributions():
    X, y = nk.datasets.load("digits", n=200, seed=0)
    net = nk.MLP([64, 12, 8, 10], activation="relu", output="softmax", seed=0, dtype="float64")
    nk.train(net, X, y, epochs=3, quiet=True)
    x = X[0]
    trace = nk.trace_contributions(net, x, output=3, image_shape=(8, 8))
    acts = [x] + [a[0] for _, a in net.layer_outputs(x[None])]
    unit = 3
    for (layer, traced), contrib, l in zip(trace.neurons, trace.contributions, (2, 1, 0)):
        assert (layer, traced) == (l, unit)
        want = np.array([net.weights[l][i, unit] * acts[l][i] for i in range(net.sizes[l])])
        np.testing.assert_allclose(contrib, want, rtol=1e-12)
        unit = int(np.argmax(np.abs(want)))
    first_hidden = trace.neurons[-1][1]
    np.testing.assert_array_equal(trace.input_weights, net.weights[0][:, first_hidden])
    assert trace.image.shape == (8, 8) and np.abs(trace.image).max() == pytest.approx(1)
    np.testing.assert_array_equal(trace.negative, trace.input_weights.reshape(8, 8) < 0)
    with pytest.raises(ValueError, match="image_shape"):
        nk.trace_contributions(net, x, image_shape=(7, 9))
    with pytest.raises(ValueError, match="image_shape must be \\(h, w\\) with h \\* w = 64 inputs; got 64"):
        nk.trace_contributions(net, x, image_shape=64)


def test_hidden_transform_projects_each_layer():
    X, _ = nk.datasets.load("moons", n=50, seed=0)
    net = planar(sizes=(2, 5, 2, 1))
    layers = nk.hidden_transform(net, X, EXTENT, resolution=6)
    outs = net.layer_outputs(X)
    grids = nk.grid_activations(net, EXTENT, 6)
    assert [(g.shape, d.shape) for g, d in layers] == [((6, 6, 2), (50, 2))] * 3
    # width 5: top-2 principal components of the data's activations
    a = outs[0][1]
    centred = a - a.mean(axis=0)
    proj = layers[0][1]
    np.testing.assert_allclose(proj.mean(axis=0), 0, atol=1e-12)
    var = np.linalg.eigvalsh(np.cov(centred.T))[::-1]
    np.testing.assert_allclose(np.var(proj, axis=0, ddof=1), var[:2], rtol=1e-9)
    # width 2 as is, width 1 padded with zeros, grids through the same map
    np.testing.assert_allclose(layers[1][1], outs[1][1])
    np.testing.assert_allclose(layers[1][0], grids[1])
    np.testing.assert_allclose(layers[2][1], np.c_[outs[2][1], np.zeros(50)])
    chosen = nk.hidden_transform(net, X, neurons={0: (3, 1)})
    assert chosen[0][0] is None
    np.testing.assert_allclose(chosen[0][1], a[:, [3, 1]])
    with pytest.raises(ValueError, match="neurons\\[0\\]"):
        nk.hidden_transform(net, X, neurons={0: (0, 5)})
    with pytest.raises(ValueError, match="layers 0..2"):
        nk.hidden_transform(net, X, neurons={3: (0, 1)})
    for pair in (3, (0.5, 1), (0, 1, 2)):
        with pytest.raises(ValueError, match="neurons\\[0\\] = .*: expected two units \\(i, j\\) of layer 0, each in 0..4"):
            nk.hidden_transform(net, X, neurons={0: pair})


def test_plane_projection_is_an_orthonormal_signed_pca_plane():
    rng = np.random.default_rng(0)
    acts = rng.normal(size=(200, 6)) * [3.0, 0.1, 2.0, 0.1, 0.1, 0.1] + 5.0
    mean, basis = nk.plane_projection(acts)
    np.testing.assert_allclose(basis.T @ basis, np.eye(2), atol=1e-12)
    assert set(np.abs(basis).argmax(axis=0)) == {0, 2}  # the two wide directions, widest first
    assert np.all(basis[np.abs(basis).argmax(axis=0), [0, 1]] > 0)  # signed: largest entry positive
    flipped = nk.plane_projection(2 * mean - acts)[1]  # the mirrored cloud: same plane, same signs
    np.testing.assert_allclose(flipped, basis, atol=1e-9)
    in_plane = mean + rng.normal(size=(5, 2)) @ basis.T  # points of the plane come back as their coordinates
    np.testing.assert_allclose(mean + ((in_plane - mean) @ basis) @ basis.T, in_plane, atol=1e-9)
    np.testing.assert_allclose(nk.plane_projection(acts[:, :1])[1], [[1.0, 0.0]])
    turned = basis[:, ::-1] * [-1.0, 1.0]  # an earlier view with its axes swapped and one flipped
    np.testing.assert_allclose(nk.plane_projection(acts, like=turned)[1], turned, atol=1e-9)


def test_slow_motion_steps_pace_the_end_slow_motion_times_faster_than_the_start():
    from nnkern.views import slow_motion_steps

    np.testing.assert_allclose(slow_motion_steps(10, 110, [0.0, 1.0]), [10, 110])
    np.testing.assert_allclose(slow_motion_steps(0, 100, [0.25, 0.5], slow_motion=1), [25, 50])
    h = 1e-6
    start = (slow_motion_steps(0, 100, h, 20) - slow_motion_steps(0, 100, 0, 20)) / h
    end = (slow_motion_steps(0, 100, 1, 20) - slow_motion_steps(0, 100, 1 - h, 20)) / h
    assert end / start == pytest.approx(20, rel=1e-4)


def test_gradient_rms_is_each_layers_recorded_gradient(recording):
    rms = nk.gradient_rms(recording)
    assert rms.shape == (len(recording), 3)
    for i in (0, 3, len(recording) - 1):
        for l, (dW, _) in enumerate(recording[i].grads):
            assert rms[i, l] == pytest.approx(np.sqrt(np.mean(np.square(dW, dtype=np.float64))), rel=1e-12)
    np.testing.assert_array_equal(nk.gradient_rms(recording, [2, 5]), rms[[2, 5]])


def test_probe_activations_and_dead_units_are_the_forward_pass_at_each_snapshot():
    X, y = nk.datasets.load("moons", n=80, noise=0.1, seed=0)
    net = planar(activation="relu", sizes=(2, 6, 5, 1), seed=2)
    net.biases[0][0] = -50.0  # unit 0 of layer 0: off for every input from the start
    rec = nk.train(net, X, y, epochs=2, batch_size=16, quiet=True, record=1).recording
    x = X[7]
    probe = nk.probe_activations(rec, x)
    dead = nk.dead_units(rec, X)
    assert [p.shape for p in probe] == [(len(rec), 6), (len(rec), 5)] == [d.shape for d in dead]
    for i in (0, 4, len(rec) - 1):
        h = np.vstack([x, X])  # the probe, then the data
        for l, (W, b) in enumerate(zip(rec[i].weights[:-1], rec[i].biases[:-1])):
            h = np.maximum(h @ W.astype(np.float64) + b, 0)  # ReLU by hand
            np.testing.assert_allclose(probe[l][i], h[0], rtol=1e-5, atol=1e-6)
            np.testing.assert_array_equal(dead[l][i], np.all(h[1:] == 0, axis=0))
    assert dead[0][:, 0].all() and not dead[0][:, 1:].all()
    with pytest.raises(ValueError, match="needs a hidden layer"):
        nk.probe_activations(nk.train(nk.MLP([2, 1]), X, y, epochs=1, quiet=True, record=1).recording, x)
    with pytest.raises(ValueError, match="expected an nk.Recording"):
        nk.dead_units(net, X)


def test_epoch_changes_are_relative_changes_between_epoch_ends(recording):
    epochs, changes = nk.epoch_changes(recording)
    np.testing.assert_array_equal(epochs, [1, 2, 3])
    assert changes.shape == (3, 3)
    ends = [0, *(np.flatnonzero(recording.epochs == e)[-1] for e in (1, 2, 3))]
    for e in range(3):
        a, b = recording[ends[e]], recording[ends[e + 1]]
        for l in range(3):
            before = np.r_[a.weights[l].ravel(), a.biases[l]].astype(np.float64)
            after = np.r_[b.weights[l].ravel(), b.biases[l]]
            want = np.sqrt(np.mean((after - before) ** 2)) / np.sqrt(np.mean(before**2))
            assert changes[e, l] == pytest.approx(want, rel=1e-9)
