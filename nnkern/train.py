"""Training: ``train`` runs one compiled call per epoch; ``loss_and_grads`` and ``evaluate``
measure a network on data."""

import time
import warnings
import weakref

import numpy as np
from tqdm.auto import tqdm

from .batches import EpochOrders
from .checks import encode_targets, non_negative_float, positive_int
from .kernels import epoch_args, passes, team
from .kernels.codes import OPTIMIZERS, lookup
from .record.recorder import DURABLE, Recorder

BACKENDS = ("auto", "cpu", "cuda")


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite; the network keeps its last finite parameters."""


class TrainResult:
    """What ``train`` returns.

    history: dict of per-epoch lists "epoch", "loss", "acc" (train: mean over the epoch's
    batches, each measured before its update) and "val_loss", "val_acc" when validation data
    was given.  recording: the ``Recording`` when ``record`` or ``record_to`` was set, else None
    (one streamed to a folder is opened from it when first asked for, once its writes end).
    """

    def __init__(self, net, history, recording, steps, seconds, saved=None):
        """recording: a ``Recording``, None, or a function returning one; saved: None, or the future
        of the end of the writes into a ``record_to`` folder."""
        self.net, self.history, self._recording = net, history, recording
        self.steps, self.seconds, self._saved = steps, seconds, saved

    @property
    def recording(self):
        if callable(self._recording):
            self._recording = self._recording()
        return self._recording

    @property
    def saved(self):
        """None, or the ``concurrent.futures.Future`` of the end of the writes into the ``record_to``
        folder (``wait`` waits for it)."""
        return self._saved

    def wait(self):
        """Wait until the ``record_to`` folder is written (and, as ``durable`` says, on disk):
        ``train`` returns while its last chunk, flushes and complete header are still being
        written.  Raises what made a write fail.  Returns self."""
        if self._saved is not None:
            self._saved.result()
        return self

    def __repr__(self):
        last = {k: v[-1] for k, v in self.history.items() if v}
        return f"TrainResult(steps={self.steps}, seconds={self.seconds:.2f}, last={last})"


def checked_targets(net, X, y, name="y", finite=True):
    """(X, Y) checked and converted for the kernels: X (n, n_in), Y (n, n_out) of net.dtype (X's
    NaN and inf left to the training kernel when ``finite`` is False)."""
    X = net.check_inputs(X, "X" if name == "y" else f"{name}[0]", finite)
    Y = encode_targets(y, net.output, net.sizes[-1], len(X), net.dtype, name)
    return X, Y


def evaluate(net, X, y):
    """(mean loss, accuracy) of ``net`` on X, y; accuracy is NaN for regression."""
    return _evaluate(net, *checked_targets(net, X, y))


def _evaluate(net, X, Y):
    """(mean loss, accuracy) of ``net`` on checked X, Y, summed as the grouped epochs' validation sums them."""
    lay = net.layout
    width = passes.CHUNK_ROWS * int(lay.a_off[-1])
    total, correct = passes.evaluate_rows(net.params, lay.w_off, lay.b_off, lay.sizes, net.hidden_code, net.output_code,
                                          X, Y, np.empty(width, net.dtype), np.empty(width, net.dtype))
    return total / len(X), _accuracy(net, correct, len(X))


def loss_and_grads(net, X, y):
    """Mean loss over X, y and its gradient: (loss, [(dW, db) per layer]), shapes as weights/biases."""
    X, Y = checked_targets(net, X, y)
    grad = np.zeros_like(net.params)
    lay = net.layout
    loss, _ = passes.loss_grad_full(net.params, grad, lay.w_off, lay.b_off, lay.sizes,
                                     net.hidden_code, net.output_code, X, Y)
    dWs, dbs = lay.views(grad)
    return loss, list(zip(dWs, dbs))


def _accuracy(net, correct, n):
    """correct / n: the share of n samples classified right (correct: a count, or an array of
    them); NaN (each) for regression."""
    return correct * float("nan") if net.output == "identity" else correct / n


class _NoRecording:
    """Stand-in when nothing is recorded (see ``epoch_args.no_recording``)."""

    recording = saved = None

    def __init__(self, net, n_batches):
        self.rec = epoch_args.no_recording(n_batches, net.n_params, net.dtype)
        self.groups = {}  # k: RecordBuffers recording none of k epochs (codes (k, n_batches))

    def begin(self, X, Y, val=None):
        pass

    def plan(self, epoch, t0, n_batches):
        return self.rec

    def plan_group(self, epoch, t0, n_batches, k):
        if k not in self.groups:
            self.groups[k] = self.rec._replace(codes=np.broadcast_to(self.rec.codes, (k, n_batches)).copy())
        return k, self.groups[k]

    def commit(self, epoch, t0, rec, n_done):
        pass

    def commit_group(self, rec, n_done):
        pass

    def end_group(self, metrics):
        pass

    def end_epoch(self, epoch, metrics):
        pass

    def close(self, complete, history=None):
        pass


def _optimizer_settings(optimizer, lr, momentum, beta1, beta2, eps, weight_decay):
    code = lookup(OPTIMIZERS, optimizer, "optimizer")
    lr = non_negative_float(lr, "lr", strictly=True)
    weight_decay = non_negative_float(weight_decay, "weight_decay")
    for value, name in ((momentum, "momentum"), (beta1, "beta1"), (beta2, "beta2")):
        if not 0 <= value < 1:
            raise ValueError(f"{name} must be in [0, 1); got {value!r}")
    eps = non_negative_float(eps, "eps", strictly=True)
    first = momentum if optimizer == "momentum" else beta1
    return dict(optimizer=optimizer, code=code, lr=lr, beta1=first, beta2=beta2, eps=eps, weight_decay=weight_decay)


def train(net, X, y, epochs=100, batch_size=32, optimizer="adam", lr=0.01, seed=0, quiet=False,
          val=None, weight_decay=0.0, momentum=0.9, beta1=0.9, beta2=0.999, eps=1e-8,
          record=None, record_to=None, record_meta=None, durable="end", backend="auto"):
    """Train ``net`` in place by minibatch gradient descent; returns a ``TrainResult``.

    X: (n, n_inputs); y: labels or targets as ``MLP.output`` expects. Each epoch shuffles the
    rows (seeded by ``seed``; full-batch steps, batch_size >= n, take them in order) and runs
    forward, backward and the ``optimizer`` update ("sgd", "momentum" or "adam", L2
    ``weight_decay`` on weights) for every batch in one compiled call.  A net whose step has 1M
    multiply-adds or more (784-128-10 at batch 8 on) trains on Numba's thread count, up to the
    cores the process may use (``numba.set_num_threads(1)``: on one), with the same parameters
    up to rounding, while that is faster than one thread (``kernels.team``: it is not while
    another process keeps a core busy; the calls' times decide, and are kept for the next call).
    val: optional (X_val, y_val) measured after every epoch.
    record: None (off), "auto" (every step while that takes at most 256 MB, else "geometric"), an
    int k (every k steps), "geometric" or a list of steps (see ``nnkern.record.schedules``); a
    recording of more than 256 MB is announced with a ``RecordingSizeWarning``.  record_to: a new
    folder to stream the recording into as training goes ("auto" unless ``record`` says otherwise);
    record_meta: a JSON-serialisable dict kept in the recording's header (e.g. the dataset's name
    and parameters); durable: "end" flushes the folder to disk once its writes end (a killed process
    keeps every finished chunk anyway), "chunk" flushes each chunk as it is written (a power loss
    keeps them too; slower), "none" leaves flushing to the OS (a killed process keeps as much as with
    "end"; a power loss may not; for many short runs).  Except with "chunk", ``train`` returns while
    the folder's last writes go on in the background: ``TrainResult.wait()``, opening the recording
    and the interpreter's exit wait for them.
    A progress bar shows on runs longer than a second unless ``quiet``.
    Raises ``TrainingDiverged`` if the loss stops being finite.
    """
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    opt = _optimizer_settings(optimizer, lr, momentum, beta1, beta2, eps, weight_decay)
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(map(repr, BACKENDS))}")
    if backend == "cuda":
        _require_cuda()
    if durable not in DURABLE:
        raise ValueError(f"durable must be one of {', '.join(map(repr, DURABLE))}; got {durable!r}")
    # the CPU kernel finds NaN and inf in X as it gathers the batches (a pass over X saved: 1-1.5 ms
    # of a 784-128-10 epoch on 8,192 samples), the epoch stopping before the batch; a recording
    # or the GPU's kernel has X checked first, so that no folder is begun for an X it rejects
    X, Y = checked_targets(net, X, y, finite=backend == "cuda" or record is not None or record_to is not None)
    if val is not None:
        if not isinstance(val, (tuple, list)) or len(val) != 2:
            raise ValueError("val must be a pair (X_val, y_val)")
        val = checked_targets(net, val[0], val[1], name="val")
    n = len(X)
    if batch_size > n:
        warnings.warn(f"batch_size={batch_size} is more than the {n} training samples: each step uses all {n}", stacklevel=2)
        batch_size = n
    n_batches = (n + batch_size - 1) // batch_size
    network = epoch_args.network(net.layout, net.hidden_code, net.output_code)
    optimizer = epoch_args.optimizer(net.layout, net.dtype, opt["code"], opt["lr"], opt["beta1"], opt["beta2"],
                                     opt["eps"], opt["weight_decay"])
    train_epoch = _epoch_kernel(backend, X, Y, network.sizes, batch_size, optimizer.decay_mask)
    recorder = _make_recorder(net, record, record_to, durable, backend, dict(
        opt, epochs=epochs, batch_size=batch_size, seed=seed, steps_per_epoch=n_batches, n_samples=n, meta=record_meta))

    orders = EpochOrders(seed, n, batch_size)
    theta = net.params
    state = (theta, *_fresh_state(net))  # theta, grad, m1, m2
    history = {"epoch": [], "loss": [], "acc": []}
    if val is not None:
        history.update(val_loss=[], val_acc=[])
    # several epochs per compiled call (validation included) on the CPU
    grouped = backend != "cuda"
    team_size = team.choice(net.sizes, batch_size, net.dtype)  # a team of threads for a large net, if faster here
    val_arrays = val if val is not None else (X[:0], Y[:0])
    t, epoch, started = 0, 1, time.perf_counter()
    group = _group_size(EPOCH_FLOPS * n * net.n_params / SLOWEST_FLOPS, n)  # then from the calls' times
    bar = None if quiet else tqdm(total=epochs, delay=1.0, unit="epoch", leave=False)
    try:
        recorder.begin(X, Y, val)
        while epoch <= epochs:
            if grouped:
                call_started, threads = time.perf_counter(), team_size.size()
                k = _run_group(state, X, Y, val_arrays, orders, min(group, epochs - epoch + 1), batch_size, t, epoch,
                               network, optimizer, recorder, history, net, opt["lr"], threads)
                seconds = (time.perf_counter() - call_started) / k
                team_size.took(threads, seconds)
                group = _group_size(seconds, n)
            else:
                _run_epoch(train_epoch, state, X, Y, next(orders), batch_size, t, epoch, network, optimizer,
                           recorder, history, net, val, opt["lr"])
                k = 1
            t += k * n_batches
            epoch += k
            if bar is not None:
                bar.update(k)
                bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", acc=f"{history['acc'][-1]:.3f}", refresh=False)
    except BaseException:
        recorder.close(complete=False)
        raise
    finally:
        if bar is not None:
            bar.close()
    recorder.close(complete=True, history=history)
    return TrainResult(net, history, recorder.recording, t, time.perf_counter() - started, recorder.saved)


# A run's gradient and optimizer state, kept per net between runs: allocated anew, its 3 x P
# elements of fresh pages faulted in during the run's first steps (784-128-10, one epoch a call:
# 556 page faults a call against 13, an epoch 47.6 against 48.2 ms on one Zen 3 core).  Weak keys:
# a net's buffer goes with the net.  Two runs on one net at once would share it, as they share
# the net's parameters.
_STATES = weakref.WeakKeyDictionary()


def _fresh_state(net):
    """(grad, m1, m2) (P,) each, zeros, for a run on ``net``: views of a buffer kept for the net."""
    buf = _STATES.get(net)
    if buf is None or buf.shape[1:] != net.params.shape or buf.dtype != net.params.dtype:
        buf = _STATES[net] = np.zeros((3,) + net.params.shape, net.params.dtype)
    else:
        buf.fill(0)
    return tuple(buf)


#: a multi-epoch call lasts about this long (the progress bar and Ctrl-C wait for it) ...
GROUP_SECONDS = 0.05
#: the first call's epochs assume an epoch of EPOCH_FLOPS x samples x parameters floating-point
#: operations (forward, backward, update) at SLOWEST_FLOPS per second, slower than the kernels
#: ever measured here; then each call's time sets the next's (a first call of one epoch cost
#: nk.train(epochs=10) on a small net a second compiled call, about a tenth of its time)
EPOCH_FLOPS, SLOWEST_FLOPS = 6, 1e9
#: ... and takes at most this many row-order elements (8 bytes each)
GROUP_ROWS = 1 << 20


def _group_size(seconds_per_epoch, n):
    """Epochs for the next multi-epoch call, given the last call's time per epoch and n samples."""
    return max(1, min(int(GROUP_SECONDS / max(seconds_per_epoch, 1e-7)), GROUP_ROWS // n))


def _run_epoch(train_epoch, state, X, Y, perm, batch_size, t, epoch, network, optimizer, recorder, history, net, val,
               lr):
    """Epoch ``epoch`` (steps t+1 ...) through ``train_epoch`` (CPU or CUDA), recorded by
    ``recorder``; appends its metrics to history (and the validation's, when val is given)."""
    theta, grad, m1, m2 = state
    n_batches = (len(perm) + batch_size - 1) // batch_size
    rec = recorder.plan(epoch, t, n_batches)
    before = theta.copy()
    total, correct, failed = train_epoch(theta, grad, m1, m2, X, Y, perm, batch_size, t, network, optimizer, rec)
    recorder.commit(epoch, t, rec, n_batches if failed < 0 else failed)
    if failed >= 0:
        _stopped(net, X, theta, before, epoch, t + failed + 1, lr)
    _extend(history, net, [total], [correct], len(perm))
    if val is not None:
        vl, va = _evaluate(net, *val)
        history["val_loss"].append(vl)
        history["val_acc"].append(va)
    recorder.end_epoch(epoch, {k: v[-1] for k, v in history.items()})


def _run_group(state, X, Y, val, orders, k, batch_size, t, epoch, network, optimizer, recorder, history, net, lr,
               threads):
    """Up to k epochs from ``epoch`` (steps t+1 ...) in one compiled call on a team of ``threads``,
    recorded by ``recorder`` (it may take fewer), each validated on val = (X_val, Y_val) (no rows:
    not validated); appends their metrics to history.  Returns how many ran."""
    theta, grad, m1, m2 = state
    n = len(X)
    n_batches = (n + batch_size - 1) // batch_size
    k, rec = recorder.plan_group(epoch, t, n_batches, k)
    perms = orders.take(k)
    before, totals, corrects = np.empty_like(theta), np.empty(k), np.empty(k, np.int64)
    val_totals, val_corrects = np.empty(k), np.empty(k, np.int64)
    done, failed = passes.train_epochs(theta, grad, m1, m2, X, Y, perms, batch_size, t, network, optimizer, rec,
                                       before, totals, corrects, *val, val_totals, val_corrects, threads=threads)
    recorder.commit_group(rec, done * n_batches + max(failed, 0))
    _extend(history, net, totals[:done], corrects[:done], n)
    if len(val[0]):
        _extend(history, net, val_totals[:done], val_corrects[:done], len(val[0]), "val_")
    recorder.end_group({key: v[len(v) - done :] for key, v in history.items()})
    if failed >= 0:
        _stopped(net, X, theta, before, epoch + done, t + done * n_batches + failed + 1, lr)
    return k


def _extend(history, net, totals, corrects, n, prefix=""):
    """Append the epochs' mean losses and accuracies over n samples (totals (E,) float64, corrects
    (E,) int64: each epoch's loss sum and correct count) to history's prefix + "loss" / "acc"
    lists, and, for the training set (no prefix), their numbers to "epoch"."""
    if not prefix:
        first = len(history["epoch"]) + 1
        history["epoch"].extend(range(first, first + len(totals)))
    history[prefix + "loss"].extend((np.asarray(totals, np.float64) / n).tolist())
    history[prefix + "acc"].extend(_accuracy(net, np.asarray(corrects, np.int64), n).tolist())


def _stopped(net, X, theta, before, epoch, step, lr):
    """An epoch stopped at a batch whose loss was not finite: a ValueError naming X's first NaN or
    inf, theta back to ``before`` (the epoch's start: the first epoch meets every row of X, so
    ``train``'s start), if X holds one; else ``_diverged``."""
    try:
        net.check_inputs(X)
    except ValueError:
        theta[...] = before
        raise
    _diverged(theta, before, epoch, step, lr)


def _diverged(theta, before, epoch, step, lr):
    """Raise ``TrainingDiverged`` for step ``step`` of ``epoch``, theta back to ``before`` (the
    epoch's start) unless it is still finite."""
    if not np.all(np.isfinite(theta)):
        theta[...] = before
    raise TrainingDiverged(
        f"loss became NaN or infinite at epoch {epoch} (step {step}); the network "
        f"keeps its last finite parameters. Try a smaller lr (now {lr:g}).")


def _make_recorder(net, record, record_to, durable, backend, settings):
    if record is None and record_to is None:
        return _NoRecording(net, settings["steps_per_epoch"])
    return Recorder(net, "auto" if record is None else record, settings, record_to, durable, exact_replay=backend != "cuda")


def _require_cuda():
    """Raise a RuntimeError saying why backend='cuda' cannot run here."""
    try:
        from .kernels import gpu_passes
    except ImportError as error:
        raise RuntimeError(f"backend='cuda' needs numba-cuda (pip install 'nnkern[cuda]'): {error}") from None
    if not gpu_passes.available():
        raise RuntimeError("backend='cuda' needs an NVIDIA GPU with a working CUDA driver and none was found "
                           "(numba.cuda.is_available() is False); use backend='cpu' or 'auto'")


def _epoch_kernel(backend, X, Y, sizes, batch_size, decay_mask):
    """The one-epoch function for ``backend``: the compiled CPU epoch ("auto" and "cpu": for the
    small networks nnkern targets one fused CPU call beats a GPU's per-kernel launches), or the
    CUDA twin with X, Y and the decay mask kept on the device."""
    if backend != "cuda":
        return passes.train_epoch
    import functools

    from .kernels import gpu_passes

    device = gpu_passes.Device(X, Y, sizes, batch_size, decay_mask)
    return functools.partial(gpu_passes.train_epoch, device=device)
