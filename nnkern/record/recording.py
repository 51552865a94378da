"""``Recording``: the snapshots of a training run, in memory or lazily read from a folder
(format in ``nnkern.record.storage``), and ``Snapshot``, one recorded step."""

import collections
import functools
import os
import shutil
import warnings

import numpy as np

from . import storage
from ..batches import step_rows
from ..kernels import epoch_args
from ..kernels.codes import OPTIMIZERS
from ..kernels.layout import Layout
from ..kernels.replay import replay
from ..model import MLP
from .storage import FIELDS, INDEX_FIELDS, KEY, STATE, RecordingError

#: chunks whose big arrays a Recording keeps decoded (scenes read neighbouring snapshots)
CACHED_CHUNKS = 4


class Snapshot:
    """The network after ``step`` optimizer updates (step 0: initial), during ``epoch`` (0 for step 0).

    params, grad, m1, m2: flat (P,) parameters, the gradient of the step's batch loss, and the
    optimizer state (Adam first/second moments; momentum velocity in m1; zeros for SGD).
    loss: the step's mean batch loss (step 0: the mean loss over all training data, and grad its gradient).
    weights, biases, grads: per-layer views as ``MLP.weights`` / ``MLP.biases`` / ``loss_and_grads``.
    """

    def __init__(self, recording, index, step, epoch, loss, arrays):
        self.index, self.step, self.epoch, self.loss = index, int(step), int(epoch), float(loss)
        self.params, self.grad, self.m1, self.m2 = (arrays[f] for f in FIELDS)
        self._recording = recording

    def __repr__(self):
        return f"Snapshot(index={self.index}, step={self.step}, epoch={self.epoch}, loss={self.loss:.4g})"

    @property
    def weights(self):
        return self._recording.layout.views(self.params)[0]

    @property
    def biases(self):
        return self._recording.layout.views(self.params)[1]

    @property
    def grads(self):
        return list(zip(*self._recording.layout.views(self.grad)))

    def model(self):
        """A new ``MLP`` holding these parameters."""
        return self._recording.model_at(self.index)


class _MemoryChunk:
    """Snapshots held in arrays (a recording made without ``record_to``), as a chunk file holds them."""

    def __init__(self, arrays):
        self.arrays, self.key = arrays, arrays[KEY]
        self.index = {f: arrays[f] for f in INDEX_FIELDS}

    def read(self, field):
        return self.arrays[field]


class _FileChunk:
    """A chunk file: its small index arrays read and checked at open, the (k, P) arrays on demand."""

    def __init__(self, path, n_params, dtype, arrays=None):
        """arrays: the chunk's index (and key) arrays when known (just written), else read here."""
        self.path, self.dtype = path, dtype
        arrays = storage.read_npz(path, INDEX_FIELDS, (KEY,)) if arrays is None else dict(arrays)
        k = len(arrays["step"])
        if k == 0 or any(arrays[f].shape != (k,) for f in INDEX_FIELDS):
            raise RecordingError(f"{path}: corrupt chunk (index arrays of unequal or zero length)")
        self.key = arrays.pop(KEY, np.arange(k))  # schema 1 stored the state of every row
        self.index = arrays
        _check_keys(self.key, arrays["step"], path)
        self.shapes = dict({f: (len(self.key), n_params) for f in STATE}, grad=(k, n_params))

    def read(self, field):
        a = storage.read_npz(self.path, [field])[field]
        if a.shape != self.shapes[field] or a.dtype != self.dtype:
            raise RecordingError(f"{self.path}: corrupt chunk ({field} is {a.dtype}{a.shape}; "
                                 f"expected {self.dtype}{self.shapes[field]})")
        return a


def _check_keys(key, steps, path):
    """RecordingError unless ``key`` holds increasing rows from 0 and every other row's step
    follows the row before's (so that ``replay`` can rebuild its state)."""
    k = len(steps)
    ok = key.ndim == 1 and key.dtype.kind in "iu" and len(key) and key[0] == 0 and key[-1] < k
    if not ok or np.any(np.diff(key) <= 0):
        raise RecordingError(f"{path}: corrupt chunk (bad key rows)")
    follows = np.ones(k, dtype=bool)
    follows[1:] = np.diff(steps) == 1
    follows[key] = True
    if not follows.all():
        raise RecordingError(f"{path}: corrupt chunk (row {int(np.argmin(follows))} neither stores its "
                             f"state nor follows the row before by one step)")


class Recording:
    """Snapshots of one training run.

    len(rec) snapshots, in step order; rec[i] is a ``Snapshot``.  rec.steps, rec.epochs (n,) int64
    and rec.losses (n,) index them; rec.history holds per-epoch metrics; rec.header the run's
    settings; rec.data the training data (X, y); rec.val_data the validation data or None;
    rec.complete is True only for a finished run with nothing skipped or missing: rec.interrupted
    says the run stopped early (error, interrupt, kill), rec.skipped lists the damaged pieces
    ``load(skip_corrupt=True)`` left out, rec.missing the files absent from the folder.  Folders
    load lazily: snapshots are read when asked for.
    """

    def __init__(self, header, chunks, history, data, path=None, skipped=(), missing=()):
        self.header, self.history, self.path = header, history, path
        self.skipped, self.missing = list(skipped), list(missing)
        self._chunks, self._data = chunks, data
        model = header["model"]
        self.layout, self._dtype = Layout(model["sizes"]), np.dtype(model["dtype"])
        opt = header["optimizer"]  # the update that ``_replay`` repeats
        settings = (float(opt[k]) for k in ("lr", "beta1", "beta2", "eps", "weight_decay"))
        self._update = epoch_args.optimizer(self.layout, self._dtype, OPTIMIZERS[opt["name"]], *settings)
        index = {f: np.concatenate([c.index[f] for c in chunks]) if chunks else np.zeros(0) for f in INDEX_FIELDS}
        self.steps, self.epochs = index["step"].astype(np.int64), index["epoch"].astype(np.int64)
        self.losses = index["loss"]
        self._ends = np.cumsum([len(c.index["step"]) for c in chunks], dtype=np.int64)
        self._cache = collections.OrderedDict()

    @functools.cached_property
    def _template(self):
        """An ``MLP`` of the header's model (made when first needed: a recording made by ``train``
        comes straight after training, when making one took 0.2 ms of a 17 ms run)."""
        model = self.header["model"]
        return MLP(model["sizes"], model["activation"], model["output"], model["seed"], model["dtype"])

    def __repr__(self):
        where = f", path={self.path!r}" if self.path else ""
        return (f"Recording({self.header['model']['sizes']}, snapshots={len(self)}, steps "
                f"{self.steps[0] if len(self) else '-'}..{self.steps[-1] if len(self) else '-'}, "
                f"complete={self.complete}{where})")

    def __len__(self):
        return len(self.steps)

    @property
    def complete(self):
        return not (self.interrupted or self.skipped or self.missing)

    @property
    def interrupted(self):
        """True for a run that stopped before its last epoch (error, interrupt, kill)."""
        return not self.header.get("complete")

    @property
    def data(self):
        """(X (n, n_in), y): the training data; y as int64 labels for classifiers, targets for regression."""
        raw = self._raw_data()
        return raw["X"], self._labels(raw["Y"])

    @property
    def val_data(self):
        """(X_val, y_val) as ``data``: the validation data given to ``train``, or None."""
        raw = self._raw_data()
        return (raw["X_val"], self._labels(raw["Y_val"])) if "X_val" in raw else None

    def _labels(self, Y):
        """Kernel targets Y (n, n_out) back to what ``train`` takes: int64 labels for classifiers ((n,)
        classes for softmax, 0/1 per sigmoid output), float targets for identity output or soft
        sigmoid targets (values other than 0 and 1); (n,) for one output."""
        output = self.header["model"]["output"]
        if output == "softmax":
            return Y.argmax(axis=1).astype(np.int64)
        y = Y[:, 0] if Y.shape[1] == 1 else Y
        hard = output == "sigmoid" and np.all((y == 0) | (y == 1))
        return y.astype(np.int64) if hard else y

    def _raw_data(self):
        """{"X": (n, n_in), "Y": (n, n_out) kernel targets}, read once."""
        if self._data is None:
            self._data = storage.read_npz(os.path.join(self.path, storage.DATA), ("X", "Y"), ("X_val", "Y_val"))
        return self._data

    def _locate(self, i):
        """(index, chunk number, row) of snapshot i (negative counts from the end)."""
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"snapshot index must be an integer; got {i!r}")
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"snapshot index {i} out of range for a recording of {n} snapshots")
        i = int(i) % n
        c = int(np.searchsorted(self._ends, i, side="right"))
        return i, c, i - (int(self._ends[c - 1]) if c else 0)

    def _field(self, c, field):
        """(k, P) array ``field`` of chunk c, read-only, from a small cache of recently read ones."""
        if (c, field) not in self._cache:
            chunk = self._chunks[c]
            replayed = len(chunk.key) < len(chunk.index["step"])
            if field == "grad" or replayed:
                grad = self._cache.get((c, "grad"))
                grad = self._store(c, "grad", chunk.read("grad")) if grad is None else grad
            if field != "grad":
                stored = [chunk.read(f) for f in STATE]
                for f, array in zip(STATE, self._replay(chunk, grad, stored) if replayed else stored):
                    self._store(c, f, array)
        self._cache.move_to_end((c, field))
        return self._cache[(c, field)]

    def _store(self, c, field, array):
        """Cache ``array`` (read-only) as chunk c's ``field``, dropping the least recently used."""
        array = array.view()
        array.flags.writeable = False
        self._cache[(c, field)] = array
        while len(self._cache) > CACHED_CHUNKS * len(FIELDS):
            self._cache.popitem(last=False)
        return array

    def _replay(self, chunk, grad, key_state):
        """(params, m1, m2), each (k, P): every row's state, rebuilt from the key rows' ``key_state``
        and the gradients ``grad`` (k, P) as training computed it."""
        state = [np.empty_like(grad) for _ in STATE]
        replay(grad, chunk.index["step"].astype(np.int64), chunk.key.astype(np.int64), *key_state, self._update, *state)
        return state

    def __getitem__(self, i):
        i, c, row = self._locate(i)
        arrays = {f: self._field(c, f)[row] for f in FIELDS}
        return Snapshot(self, i, self.steps[i], self.epochs[i], self.losses[i], arrays)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def params(self, i):
        """Flat parameters (P,) of snapshot i, read-only (reads the chunk's stored parameters, and
        its gradients when parameters must be rebuilt from them)."""
        _, c, row = self._locate(i)
        return self._field(c, "params")[row]

    def stack(self, field="params", indices=None):
        """(k, P) array of ``field`` (params, grad, m1 or m2) for snapshots ``indices`` (default all)."""
        if field not in FIELDS:
            raise ValueError(f"unknown field {field!r}; expected one of {', '.join(FIELDS)}")
        indices = range(len(self)) if indices is None else indices
        out = np.empty((len(indices), self.layout.n_params), dtype=self._dtype)
        for k, i in enumerate(indices):
            _, c, row = self._locate(i)
            out[k] = self._field(c, field)[row]
        return out

    def batch_rows(self, step):
        """Rows (m,) of the training data (``data``) that optimizer step ``step`` (1-based) trained on:
        its snapshot's ``grad`` is the gradient of their mean loss at the previous step's parameters."""
        tr = self.header["training"]
        return step_rows(tr["seed"], tr["n_samples"], tr["batch_size"], int(step))

    def params_at(self, t):
        """Flat parameters (P,) at fractional snapshot index t in [0, len - 1]: linear interpolation
        between snapshots floor(t) and floor(t) + 1 (exactly snapshot t at integers)."""
        try:
            t = float(t)
        except (TypeError, ValueError):
            raise ValueError(f"t must be a number; got {t!r}") from None
        last = len(self) - 1
        if not 0 <= t <= last:
            raise ValueError(f"t={t!r} is outside the recording's snapshot range [0, {last}]")
        i = min(int(t), last)
        f = t - i
        if f == 0:
            return self.params(i).copy()
        mixed = (1 - f) * self.params(i).astype(np.float64) + f * self.params(i + 1)
        return mixed.astype(self._dtype)

    def model_at(self, t):
        """A new ``MLP`` with the parameters of snapshot t (fractional t interpolates, see ``params_at``).
        A snapshot of a diverged run whose parameters are NaN or inf raises ``RecordingError``
        (``last_finite`` finds the last usable one)."""
        params = self.params_at(t)
        if not np.all(np.isfinite(params)):
            i = int(np.ceil(float(t)))
            raise RecordingError(f"snapshot {i} (step {self.steps[i]}) holds NaN or inf parameters: the run diverged "
                                 f"there; the last finite snapshot is {self.last_finite()}")
        net = self._template.copy()
        net.set_params(params)
        return net

    def finite(self, i):
        """True when snapshot i's parameters are all finite (a diverged run's last ones may not be)."""
        return bool(np.all(np.isfinite(self.params(i))))

    def last_finite(self):
        """Index of the last snapshot with finite parameters (searching back from the end), or None."""
        return next((i for i in range(len(self) - 1, -1, -1) if self.finite(i)), None)

    def save(self, path, overwrite=False):
        """Write the recording as a folder at ``path`` (format in ``nnkern.record.storage``).

        An existing ``path`` is replaced only with ``overwrite=True``, and only once the new copy is
        complete on disk: a failure leaves it untouched.
        """
        path = os.path.abspath(os.fspath(path))
        if self.path and os.path.exists(path) and os.path.samefile(path, self.path):
            raise ValueError(f"cannot save a recording onto its own folder {path}")
        if os.path.lexists(path) and not overwrite:
            raise ValueError(f"{path} already exists; pass overwrite=True to replace it")
        parent, name = os.path.split(path)
        os.makedirs(parent, exist_ok=True)
        tmp, old = os.path.join(parent, f".{name}.saving"), os.path.join(parent, f".{name}.replaced")
        _remove(tmp)
        _remove(old)  # left by a save interrupted after its swap
        try:
            os.mkdir(tmp)
            self._write(tmp)
            if os.path.lexists(path):
                os.replace(path, old)
            os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _remove(old)
        return path

    def _write(self, folder):
        storage.write_data(os.path.join(folder, storage.DATA), self._raw_data())
        for c, chunk in enumerate(self._chunks):
            arrays = dict(chunk.index, key=chunk.key, **{f: chunk.read(f) for f in ("grad", *STATE)})
            storage.write_npz(os.path.join(folder, storage.chunk_name(c)), arrays)
        storage.write_history(folder, self.history)
        storage.write_json(os.path.join(folder, storage.HEADER),
                           dict(self.header, schema=storage.SCHEMA, complete=self.complete, n_chunks=len(self._chunks)))

    @classmethod
    def load(cls, path, skip_corrupt=False):
        """Open the recording folder at ``path``; snapshots are read on demand.

        A missing, truncated or corrupt chunk or history line raises ``RecordingError`` naming the
        file; with ``skip_corrupt=True`` such pieces are left out (with a warning, listed in
        ``rec.skipped``, and ``rec.complete`` is False).  A missing data.npz is listed in
        ``rec.missing`` (reading ``rec.data`` then raises).  A folder that this process's training is
        still writing is opened once those writes end.
        """
        storage.wait_written(path)  # a folder this process is still writing
        return cls._open(os.fspath(path), skip_corrupt, {})

    @classmethod
    def open_streamed(cls, path, indexes, history):
        """The complete recording a run just streamed into folder ``path``, as ``load`` opens it,
        without reading back what the run holds already: indexes[c] holds chunk c's index and key
        arrays, history ({name: list}) the per-epoch metrics its history file holds."""
        return cls._open(os.fspath(path), False, dict(enumerate(indexes)), {k: list(v) for k, v in history.items()})

    @classmethod
    def _open(cls, path, skip_corrupt, known, history=None):
        """``load``, with the index arrays of the chunks in ``known`` ({chunk: arrays}) given, and the
        history if given (else read from its file)."""
        header = storage.read_header(path)
        model = header["model"]
        dtype = np.dtype(model["dtype"])
        files = storage.chunk_files(path)
        expected = header.get("n_chunks") if header.get("complete") else None
        last = max(files, default=-1) if expected is None else expected - 1
        chunks, skipped = [], []
        for c in range(last + 1):
            name = files.get(c, os.path.join(path, storage.chunk_name(c)))
            try:
                if c not in files:
                    raise RecordingError(f"{name}: missing chunk")
                chunks.append(_FileChunk(name, model["n_params"], dtype, known.get(c)))
            except RecordingError as e:
                if not skip_corrupt:
                    raise RecordingError(f"{e}; {storage.SKIP_HINT}") from None
                skipped.append(name)
        history_path = os.path.join(path, storage.HISTORY)
        try:
            if history is None:
                history, lines = storage.read_history(path, bool(header.get("complete")), skip_corrupt)
                if lines:
                    skipped.append(f"{history_path} line{'s' * (len(lines) > 1)} {', '.join(map(str, lines))}")
        except RecordingError as e:
            if not skip_corrupt:
                raise RecordingError(f"{e}; {storage.SKIP_HINT}") from None
            history = {}
            skipped.append(str(e))
        if skipped:
            warnings.warn(f"skipped unreadable pieces: {'; '.join(skipped)}", stacklevel=3)
        missing = [name for name in (storage.DATA,) if not os.path.exists(os.path.join(path, name))]
        try:
            rec = cls(header, chunks, history, None, path=path, skipped=skipped, missing=missing)
            rec._template  # the header's model must make a network
        except (KeyError, TypeError, ValueError) as e:
            raise RecordingError(f"{os.path.join(path, storage.HEADER)}: incomplete or invalid header ({e!r})") from None
        if np.any(np.diff(rec.steps) <= 0):
            raise RecordingError(f"{path}: chunks hold steps out of order; the folder mixes two runs")
        return rec


def _remove(path):
    """Delete a file or folder if it exists."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)
