"""Training reaches its accuracy targets, is deterministic, and stops cleanly on divergence."""

import numpy as np
import pytest

import nnkern as nk


@pytest.mark.parametrize(
    "name, noise, lr, epochs",
    [("xor", 0.05, 0.01, 150), ("circle", 0.05, 0.01, 150), ("spiral", 0.05, 0.03, 300)],
)
def test_toy_problems_reach_accuracy(name, noise, lr, epochs):
    X, y = nk.datasets.load(name, n=1000, noise=noise, seed=0)
    net = nk.MLP([2, 16, 16, 1], activation="tanh", output="sigmoid", seed=0)
    run = nk.train(net, X, y, epochs=epochs, batch_size=32, optimizer="adam", lr=lr, seed=0, quiet=True)
    target = 0.95 if name == "spiral" else 0.97
    assert (net.predict(X) == y).mean() >= target
    assert run.history["acc"][-1] >= target - 0.02
    assert run.history["loss"][-1] < run.history["loss"][0]


def test_digits_reach_test_accuracy():
    X, y = nk.datasets.load("digits")
    Xtr, Xte, ytr, yte = nk.datasets.train_test_split(X, y, test_size=0.25, seed=0)
    net = nk.MLP([64, 32, 10], activation="relu", output="softmax", seed=0)
    run = nk.train(net, Xtr, ytr, epochs=30, batch_size=32, lr=0.003, val=(Xte, yte), quiet=True)
    assert (net.predict(Xte) == yte).mean() >= 0.95
    assert run.history["val_acc"][-1] == pytest.approx((net.predict(Xte) == yte).mean())
    assert len(run.history["val_loss"]) == 30


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_optimizer_and_dtype_learns(optimizer, dtype):
    X, y = nk.datasets.load("gauss", n=400, noise=0.05, seed=2)
    net = nk.MLP([2, 8, 1], activation="relu", seed=1, dtype=dtype)
    lr = {"sgd": 0.3, "momentum": 0.05, "adam": 0.02}[optimizer]
    nk.train(net, X, y, epochs=20, optimizer=optimizer, lr=lr, quiet=True, weight_decay=1e-4)
    assert net.params.dtype == np.dtype(dtype)
    assert (net.predict(X) == y).mean() >= 0.97


def test_regression_with_mse():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (500, 1))
    y = np.sin(3 * X[:, 0])
    net = nk.MLP([1, 16, 1], activation="tanh", output="identity", seed=0, dtype="float64")
    run = nk.train(net, X, y, epochs=200, lr=0.01, quiet=True)
    assert np.mean((net.predict(X) - y) ** 2) < 0.01
    assert np.isnan(run.history["acc"][-1])


def test_same_seed_same_result_and_other_seed_differs():
    X, y = nk.datasets.load("moons", n=300, seed=0)

    def fit(seed):
        net = nk.MLP([2, 8, 8, 1], seed=seed)
        run = nk.train(net, X, y, epochs=5, seed=seed, quiet=True)
        return net.params.copy(), run.history["loss"]

    (p1, h1), (p2, h2), (p3, _) = fit(0), fit(0), fit(1)
    np.testing.assert_array_equal(p1, p2)
    assert h1 == h2
    assert not np.array_equal(p1, p3)


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_each_run_starts_its_optimizer_state_afresh_on_the_same_net(optimizer):
    """nk.train keeps a net's state buffer between runs (no fresh pages to fault in): a second run
    on the same net must still start from zero momentum, as a run on a new net does."""
    X, y = nk.datasets.load("moons", n=300, seed=0)
    net, twin = nk.MLP([2, 8, 8, 1], seed=0), nk.MLP([2, 8, 8, 1], seed=0)
    start = net.params.copy()
    nk.train(net, X, y, epochs=3, optimizer=optimizer, seed=1, quiet=True)
    net.set_params(start)
    nk.train(net, X, y, epochs=3, optimizer=optimizer, seed=1, quiet=True)
    nk.train(twin, X, y, epochs=3, optimizer=optimizer, seed=1, quiet=True)
    np.testing.assert_array_equal(net.params, twin.params)


def test_training_moves_only_this_network_and_returns_history():
    X, y = nk.datasets.load("circle", n=200, seed=0)
    net = nk.MLP([2, 4, 1])
    before = net.params.copy()
    run = nk.train(net, X, y, epochs=3, batch_size=50, quiet=True)
    assert run.net is net and run.steps == 3 * 4
    assert run.history["epoch"] == [1, 2, 3]
    assert not np.array_equal(before, net.params)
    assert net.weights[0].base is net.params or np.shares_memory(net.weights[0], net.params)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_epochs_run_several_per_call_as_they_would_one_by_one(dtype, monkeypatch):
    import sys

    from nnkern.batches import EpochOrders
    from nnkern.kernels import epoch_args, passes
    from nnkern.kernels.codes import ADAM

    trainer = sys.modules["nnkern.train"]

    X, y = nk.datasets.load("spiral", n=300, noise=0.1, seed=0)
    net = nk.MLP([2, 8, 1], activation="tanh", seed=3, dtype=dtype)
    want = [net.params.copy(), *(np.zeros_like(net.params) for _ in range(3))]
    Xc, Yc = trainer.checked_targets(net, X, y)
    network = epoch_args.network(net.layout, net.hidden_code, net.output_code)
    adam = epoch_args.optimizer(net.layout, net.dtype, ADAM, 0.01, 0.9, 0.999, 1e-8)
    orders, losses = EpochOrders(4, 300, 32), []
    for e in range(9):
        total, _, _ = passes.train_epoch(want[0], want[1], want[2], want[3], Xc, Yc, next(orders), 32, e * 10,
                                         network, adam, epoch_args.no_recording(10, net.n_params, net.dtype))
        losses.append(total / 300)
    calls = []
    real = passes.train_epochs
    monkeypatch.setattr(passes, "train_epochs", lambda *a, **kw: calls.append(len(a[6])) or real(*a, **kw))
    monkeypatch.setattr(trainer, "GROUP_SECONDS", 1.0)
    monkeypatch.setattr(trainer, "SLOWEST_FLOPS", 1.0)  # a first call of one epoch, then the rest
    run = nk.train(net, X, y, epochs=9, batch_size=32, optimizer="adam", lr=0.01, seed=4, quiet=True)
    np.testing.assert_array_equal(net.params, want[0])
    assert run.history["loss"] == losses and run.history["epoch"] == list(range(1, 10))
    assert calls == [1, 8] and run.steps == 90
    calls.clear()
    monkeypatch.undo()
    monkeypatch.setattr(passes, "train_epochs", lambda *a, **kw: calls.append(len(a[6])) or real(*a, **kw))
    nk.train(nk.MLP([2, 8, 1], seed=3, dtype=dtype), X, y, epochs=9, batch_size=32, quiet=True)
    assert calls == [9]  # the first call's size from the net's size: a small net's 9 epochs in one


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grouped_epochs_validate_each_epoch_as_evaluate_does(dtype, monkeypatch):
    """Epochs run several per compiled call with validation data too; each epoch's val_loss and
    val_acc equal ``nk.evaluate`` of the parameters one-epoch-per-call training reaches there."""
    import sys

    from nnkern.kernels import passes

    trainer = sys.modules["nnkern.train"]
    X, y = nk.datasets.load("moons", n=300, seed=1)
    Xv, yv = nk.datasets.load("moons", n=290, seed=2)  # more than one chunk of rows
    monkeypatch.setattr(trainer, "GROUP_SECONDS", 1.0)
    monkeypatch.setattr(trainer, "SLOWEST_FLOPS", 1.0)  # a first call of one epoch, then the rest
    calls = []
    real = passes.train_epochs
    monkeypatch.setattr(passes, "train_epochs", lambda *a, **kw: calls.append(len(a[6])) or real(*a, **kw))
    run = nk.train(nk.MLP([2, 8, 1], activation="tanh", seed=3, dtype=dtype), X, y, epochs=6, batch_size=32, seed=4,
                   quiet=True, val=(Xv, yv))
    assert calls[:2] == [1, 5]
    expected = []
    for epochs in range(1, 7):  # the parameters after each epoch: a fresh run of that length
        net = nk.MLP([2, 8, 1], activation="tanh", seed=3, dtype=dtype)
        nk.train(net, X, y, epochs=epochs, batch_size=32, seed=4, quiet=True)
        expected.append(nk.evaluate(net, Xv, yv))
    np.testing.assert_array_equal(run.history["val_loss"], [loss for loss, _ in expected])
    np.testing.assert_array_equal(run.history["val_acc"], [acc for _, acc in expected])
    assert 0.1 < run.history["val_loss"][-1] < run.history["val_loss"][0]


def test_divergence_stops_with_epoch_and_keeps_finite_params():
    X, y = nk.datasets.load("xor", n=200, seed=0)
    X = X * 1e3
    net = nk.MLP([2, 16, 1], activation="relu", output="identity", dtype="float32")
    with pytest.raises(nk.TrainingDiverged, match=r"epoch \d+"):
        nk.train(net, X, y * 1e30, epochs=50, optimizer="sgd", lr=10.0, quiet=True)
    assert np.all(np.isfinite(net.params))


def test_readme_example_learns_the_spiral():
    """The API example of the README (and issue): noise 0.1 caps accuracy near 0.9."""
    X, y = nk.datasets.load("spiral", n=1000, noise=0.1, seed=0)
    net = nk.MLP([2, 16, 16, 1], activation="tanh", output="sigmoid", seed=0, dtype="float32")
    nk.train(net, X, y, epochs=200, batch_size=32, optimizer="adam", lr=0.01, seed=0, quiet=True)
    assert (net.predict(X) == y).mean() >= 0.85


def test_full_batch_epochs_take_the_rows_in_order_and_minibatches_shuffle():
    from nnkern.batches import EpochOrders, step_rows

    full, mini = EpochOrders(7, 50, 50), EpochOrders(7, 50, 16)
    for _ in range(3):
        np.testing.assert_array_equal(next(full), np.arange(50))
        assert sorted(next(mini)) == list(range(50))
    np.testing.assert_array_equal(step_rows(7, 50, 64, 5), np.arange(50))
    assert not np.array_equal(step_rows(7, 50, 16, 5), step_rows(7, 50, 16, 9))  # epochs 2 and 3


