"""The recorder ``train`` drives: each epoch it picks the steps to keep and lends the compiled
epoch rows of a large in-memory chunk to write them into.  A helper thread prepares the next chunk
while the current one fills; full chunks are kept in memory, or written to a folder by a writer
thread (so training does not wait on the disk)."""

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import schedules, storage
from .kernels import network
from .kernels.recording import touch
from .recording import Recording, _MemoryChunk
from .storage import FIELDS

#: target size of one chunk of snapshots (an epoch's snapshots always fit in one); one allocation
#: of several MB gets transparent huge pages, which makes filling it several times cheaper
CHUNK_BYTES = 32 << 20
#: size of the first chunk; later ones double up to CHUNK_BYTES, each prepared while the last fills
FIRST_CHUNK_BYTES = 4 << 20
#: a folder recording writes what it holds at least this often (seconds), so a kill loses little
FLUSH_SECONDS = 2.0

_STATE = {"adam": ("first moment", "second moment"), "momentum": ("velocity", "unused (zeros)"),
          "sgd": ("unused (zeros)", "unused (zeros)")}


def _json_ready(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def make_header(net, schedule, settings):
    """The header dict (see ``nnkern.storage``) of a run about to start."""
    from . import __version__

    opt = settings["optimizer"]
    meta = settings.get("meta")
    if meta is not None and not (isinstance(meta, dict) and _json_ready(meta)):
        raise ValueError(f"record_meta must be a JSON-serialisable dict; got {meta!r}")
    return {
        "format": storage.FORMAT, "schema": storage.SCHEMA, "nnkern_version": __version__,
        "model": {"sizes": net.sizes, "activation": net.activation, "output": net.output,
                  "dtype": net.dtype.name, "seed": net.seed, "n_params": net.n_params},
        "optimizer": {"name": opt, **{k: settings[k] for k in ("lr", "beta1", "beta2", "eps", "weight_decay")}},
        "optimizer_state": dict(zip(("m1", "m2"), _STATE[opt])),
        "training": {k: settings[k] for k in ("epochs", "batch_size", "seed", "steps_per_epoch", "n_samples")},
        "schedule": schedules.describe(schedule),
        "meta": meta,
        "complete": False,
    }


def _data_arrays(X, Y, val):
    """The arrays of data.npz: X, Y, and X_val, Y_val when validation data was given."""
    return {"X": X, "Y": Y} if val is None else {"X": X, "Y": Y, "X_val": val[0], "Y_val": val[1]}


class Recorder:
    """Implements the recording protocol of ``train`` (begin, plan, commit, end_epoch, close).

    schedule: see ``nnkern.schedules``; folder: None to keep the recording in memory, else a new
    or empty directory to stream it into.  After ``close(complete=True)``, ``recording`` holds it.
    """

    def __init__(self, net, schedule, settings, folder=None):
        self.net, self.recording = net, None
        epochs, per_epoch = settings["epochs"], settings["steps_per_epoch"]
        self.mask = schedules.step_mask(schedule, epochs * per_epoch)
        self.cum = np.cumsum(self.mask)  # cum[t]: snapshots at steps 0..t
        self.steps = np.flatnonzero(self.mask)  # of every snapshot to come, and their epochs:
        self.epochs = np.where(self.steps > 0, (self.steps - 1) // per_epoch + 1, 0)
        self.stored = 0  # snapshots handed to the sink
        most_per_epoch = int(self.mask[1:].reshape(epochs, per_epoch).sum(axis=1).max())
        row_bytes = len(FIELDS) * net.n_params * net.dtype.itemsize
        self.min_rows, self.max_rows = most_per_epoch + 1, max(most_per_epoch + 1, CHUNK_BYTES // row_bytes)
        self.first_rows = max(self.min_rows, FIRST_CHUNK_BYTES // row_bytes)
        self.header = make_header(net, schedule, settings)
        self.sink = _MemorySink(self.header) if folder is None else _FolderSink(folder, self.header)
        self.history, self.fill, self.last_flush = {}, 0, time.monotonic()
        self.helper, self.next = ThreadPoolExecutor(1, thread_name_prefix="nnkern-chunks"), None
        self.todo = int(self.cum[-1])  # snapshots not yet given a row
        self._new_chunk()

    def _chunk_rows(self, previous):
        """Rows of the next chunk: doubling from FIRST_CHUNK_BYTES up to CHUNK_BYTES, no more than needed."""
        grown = self.first_rows if previous is None else min(self.max_rows, 2 * previous)
        return max(self.min_rows, min(grown, self.todo))

    def _new_chunk(self):
        """Switch to the prepared chunk (allocate one if none) and prepare the next one in the background."""
        self.buf = self.next.result() if self.next else _allocate(self._chunk_rows(None), self.net)
        rows = len(self.buf["loss"])
        self.todo -= rows
        self.fill = 0
        self.next = self.helper.submit(_allocate, self._chunk_rows(rows), self.net) if self.todo > 0 else None

    def _flush(self, more=True):
        """Hand the filled rows to the sink; start a new chunk unless this is the end."""
        if self.fill:
            a, b = self.stored, self.stored + self.fill
            self.sink.store(dict({k: v[: self.fill] for k, v in self.buf.items()}, step=self.steps[a:b],
                                 epoch=self.epochs[a:b]))
            self.stored = b
            if more:
                self._new_chunk()
        self.last_flush = time.monotonic()

    def begin(self, X, Y, val=None):
        """Keep the data (and validation data (X_val, Y_val), if any) and record step 0: the initial
        parameters, the full-data loss and gradient."""
        self.sink.begin(_data_arrays(X, Y, val))
        net, lay = self.net, self.net.layout
        grad = np.zeros_like(net.params)
        loss, _ = network.loss_grad_full(net.params, grad, lay.w_off, lay.b_off, lay.sizes,
                                         net.hidden_code, net.output_code, X, Y)
        row = dict(params=net.params, grad=grad, m1=0, m2=0, loss=loss)
        for k, v in row.items():
            self.buf[k][0] = v
        self.fill = 1

    def plan(self, epoch, t0, n_batches):
        """(mask (n_batches,) bool, buffers): rows for the steps t0+1..t0+n_batches to record."""
        n_rec = int(self.cum[t0 + n_batches] - self.cum[t0])
        if self.fill + n_rec > len(self.buf["loss"]):
            self._flush()
        a, b = self.fill, self.fill + n_rec
        buf = self.buf
        return self.mask[t0 + 1 : t0 + 1 + n_batches], (
            buf["params"][a:b], buf["grad"][a:b], buf["m1"][a:b], buf["m2"][a:b], buf["loss"][a:b])

    def commit(self, epoch, t0, mask, buffers, n_done):
        """Account for the rows the epoch filled (its first ``n_done`` batches ran)."""
        self.fill += int(self.cum[t0 + n_done] - self.cum[t0])

    def end_epoch(self, epoch, metrics):
        for k, v in metrics.items():
            self.history.setdefault(k, []).append(v)
        self.sink.epoch_done(metrics)
        if self.sink.streams and time.monotonic() - self.last_flush >= FLUSH_SECONDS:
            self._flush()

    def close(self, complete):
        """Store what is left; on a complete run, make ``recording`` available."""
        self.helper.shutdown(cancel_futures=True)
        self._flush(more=False)
        self.recording = self.sink.finish(self.history) if complete else self.sink.abandon()


def _allocate(rows, net):
    """Buffers of a chunk of ``rows`` snapshots, written through once so that their page faults
    happen here (on the helper thread, while training runs) and not in the training kernel."""
    block = np.empty((len(FIELDS), rows, net.n_params), net.dtype)
    touch(block.reshape(-1))
    return dict(zip(FIELDS, block), loss=np.zeros(rows, net.dtype))


class _MemorySink:
    """Keeps chunks in memory; the result is a ``Recording`` built from them."""

    streams = False

    def __init__(self, header):
        self.header, self.chunks, self.data = header, [], None

    def begin(self, arrays):
        self.data = {k: v.copy() for k, v in arrays.items()}

    def store(self, arrays):
        self.chunks.append(_MemoryChunk(arrays))

    def epoch_done(self, metrics):
        pass

    def finish(self, history):
        return Recording(dict(self.header, complete=True), self.chunks, history, self.data)

    def abandon(self):
        return None


class _FolderSink:
    """Streams a recording into a folder; chunks are written by one background thread."""

    streams = True

    def __init__(self, folder, header):
        folder = os.fspath(folder)
        if os.path.exists(folder) and (not os.path.isdir(folder) or os.listdir(folder)):
            raise ValueError(f"record_to={folder!r} already exists and is not an empty folder; "
                             f"choose a new path (existing recordings are never overwritten)")
        self.folder, self.header, self.n_chunks = folder, header, 0
        self.writer, self.pending, self.history = ThreadPoolExecutor(1, thread_name_prefix="nnkern-recorder"), None, None

    def _path(self, name):
        return os.path.join(self.folder, name)

    def begin(self, arrays):
        os.makedirs(self.folder, exist_ok=True)
        storage.write_npz(self._path(storage.DATA), arrays)
        storage.write_json(self._path(storage.HEADER), self.header)
        self.history = storage.HistoryWriter(self.folder)

    def store(self, arrays):
        self._wait()
        path = self._path(storage.chunk_name(self.n_chunks))
        self.pending = self.writer.submit(storage.write_npz, path, arrays)
        self.n_chunks += 1

    def _wait(self):
        if self.pending is not None:
            self.pending.result()  # re-raises a failed write here, in the training thread
            self.pending = None

    def epoch_done(self, metrics):
        self.history.append(metrics)

    def _shut(self):
        try:
            self._wait()
        finally:
            self.writer.shutdown()
            if self.history is not None:
                self.history.close()

    def finish(self, history):
        self._shut()
        storage.write_json(self._path(storage.HEADER), dict(self.header, complete=True, n_chunks=self.n_chunks))
        return Recording.load(self.folder)

    def abandon(self):
        self._shut()
        return None
