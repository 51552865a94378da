"""The recorder ``train`` drives: each epoch it picks the steps to keep and lends the compiled
epoch rows of a large in-memory chunk to write them into.  A helper thread prepares the next chunk
while the current one fills; full chunks are kept in memory, or written to a folder by a writer
thread (so training does not wait on the disk).

What a folder recording survives (``durable``): "end" (the default) writes each chunk to a temporary
name and renames it, so a killed process (even ``kill -9``) leaves every finished chunk readable, and
flushes the whole folder to disk once writing ends (the syncer thread flushes each chunk after its
rename while training goes on; what is left is flushed side by side at the end, the folder's
entries and then the complete header last); "chunk" also flushes each chunk (and the history
before it) to disk before its rename, with the folder after, so a power loss or OS crash
mid-training keeps every finished chunk too, at the price of waiting for the disk each time; "none"
flushes nothing (what a kill leaves is as with "end"; what reaches the disk after a power loss is up
to the OS): for many short runs, such as a sweep's, whose waits for the disk would add up.

Training does not wait for the end of a folder's writes (the last chunk, the flushes, the complete
header), except with "chunk": they finish on the writer thread while the caller goes on.  Opening
the recording (``run.recording``, ``Recording.load``), ``TrainResult.wait()`` and the interpreter's
exit wait for them."""

import collections
import json
import mmap
import os
import threading
import time
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import schedules, storage
from ..kernels import passes
from ..kernels.codes import RECORD_GRAD, RECORD_STATE, SKIP
from ..kernels.epoch_args import RecordBuffers
from ..kernels.replay import touch
from .recording import Recording, _MemoryChunk
from .storage import INDEX_FIELDS, KEY, STATE

#: target size of a chunk of snapshots (an epoch's snapshots always fit in one): a lazily loaded
#: recording reads a whole chunk to show one snapshot, and a streamed one writes it while training
#: goes on; an allocation of 4 MiB or more gets transparent huge pages, which fill faster
CHUNK_BYTES = 4 << 20
#: size of the first chunk, allocated before training starts (small, so that is quick); the next
#: ones, each up to 4 times the last (so that the last fills for longer than the next takes to
#: prepare), are prepared by a helper thread while the last fills.  A recording whose rows all fit
#: in a chunk of CHUNK_BYTES is one chunk from the start: a sweep's 200-epoch run of a small net
#: (263 rows, 1.2 MB) took 0.7-1.3 ms less CPU time than as two chunks, of its 19-20 ms
FIRST_CHUNK_BYTES = 256 << 10
#: bytes of written chunks' memory kept for the next chunks (of this recording or the next): a new
#: chunk's pages are faulted in and zeroed first, which on the helper thread made training wait
POOL_BYTES = 64 << 20
#: a folder recording writes what it holds at least this often (seconds), so a kill loses little
FLUSH_SECONDS = 2.0
#: bytes of chunks a folder recording queues for writing before training waits for the disk
PENDING_BYTES = 256 << 20
#: the writer thread waits this long before each write it is handed, so that it does not take the
#: GIL (for up to the interpreter's 5 ms switch interval) from the training thread that queued it
HAND_OFF_SECONDS = 0.001
#: what ``durable`` may be: when a folder recording is flushed to disk (see the module's docstring)
DURABLE = ("end", "chunk", "none")

_STATE = {"adam": ("first moment", "second moment"), "momentum": ("velocity", "unused (zeros)"),
          "sgd": ("unused (zeros)", "unused (zeros)")}


def _json_ready(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def make_header(net, schedule, settings):
    """The header dict (see ``nnkern.record.storage``) of a run about to start."""
    from .. import __version__

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

    schedule: see ``nnkern.record.schedules`` ("auto" included); folder: None to keep the recording in memory, else a new
    or empty directory to stream it into; durable: "end", "chunk" or "none" (see the module's docstring).  Every recorded step keeps its gradient and loss; key
    rows also keep the state (parameters, optimizer moments): the first row of each chunk and any
    row whose previous step was not recorded, the others being rebuilt exactly on reading (see
    ``nnkern.record.storage``).  ``exact_replay=False`` (a GPU run, whose arithmetic the CPU cannot
    repeat bit for bit) makes every row a key row.  After ``close(complete=True)``, ``recording``
    holds the recording.
    """

    def __init__(self, net, schedule, settings, folder=None, durable="end", exact_replay=True):
        self.net, self.recording = net, None
        epochs, per_epoch = settings["epochs"], settings["steps_per_epoch"]
        row_bytes = net.n_params * net.dtype.itemsize
        schedule, self.codes = schedules.resolve(schedule, epochs * per_epoch, row_bytes, CHUNK_BYTES, exact_replay)
        mask = self.codes != SKIP
        self.epoch_codes = self.codes[1:].reshape(epochs, per_epoch)  # [e - 1]: epoch e's
        self.epoch_rows = [0] + (self.epoch_codes != SKIP).sum(axis=1).tolist()  # [e]: snapshots of epoch e
        self.epoch_keys = [0] + (self.epoch_codes == RECORD_STATE).sum(axis=1).tolist()  # [e]: key rows among them
        self.steps = np.flatnonzero(mask)  # of every snapshot to come, and their epochs:
        self.epochs = np.where(self.steps > 0, (self.steps - 1) // per_epoch + 1, 0)
        # [i]: key rows among the first i
        self.keys_upto = np.concatenate([[0], np.cumsum(self.codes[self.steps] == RECORD_STATE)])
        most_per_epoch = max(self.epoch_rows)
        self.min_rows, self.max_rows = most_per_epoch + 1, max(most_per_epoch + 1, CHUNK_BYTES // row_bytes)
        self.first_rows = max(self.min_rows, FIRST_CHUNK_BYTES // row_bytes)
        if len(self.steps) <= self.max_rows:  # the whole recording in one chunk
            self.first_rows = max(self.first_rows, len(self.steps))
        self.header = make_header(net, schedule, settings)
        self.sink = _MemorySink(self.header) if folder is None else _FolderSink(folder, self.header, durable)
        self.last_flush = time.monotonic()
        self.fill = self.key_fill = 0  # rows and key rows of the current chunk filled
        self.stored = 0  # snapshots handed to the sink
        self.next = None
        self.todo = len(self.steps)  # snapshots not yet given a row
        self._new_chunk()

    def _key_rows(self, rows):
        """Key rows a chunk of ``rows`` rows may need, wherever it starts: the most rows after a
        gap among any ``rows`` in a row, plus its first row."""
        upto = self.keys_upto
        window = min(rows, len(upto) - 1)
        return min(rows, int((upto[window:] - upto[: len(upto) - window]).max()) + 1)

    def _chunk_rows(self, previous=None):
        """Rows of the chunk after one of ``previous`` rows (None: the first): no more than needed,
        with an epoch's to spare (the chunk before may end with rows its last epoch did not fit)."""
        rows = self.first_rows if previous is None else min(self.max_rows, 4 * previous)
        return max(self.min_rows, min(rows, self.todo + self.min_rows))

    def _new_chunk(self):
        """Switch to the prepared chunk (allocate one if none) and prepare the next one in the background."""
        if self.next is None:
            self.buf = self._prepare(self._chunk_rows())
        else:
            self.buf = self.next.result()
        rows = len(self.buf["loss"])
        self.todo -= rows
        self.fill = self.key_fill = 0
        self.kernel_buffers = tuple(self.buf[f] for f in ("grad", "loss", KEY, *STATE))  # as RecordBuffers has them
        self.next = None
        if self.todo > 0:
            self.next = _thread(HELPER).submit(self._prepare, self._chunk_rows(rows))

    def _prepare(self, rows):
        """The buffers of a chunk of ``rows`` rows, prefaulted."""
        return _allocate(rows, self._key_rows(rows), self.net)

    def _flush(self, more=True):
        """Hand the filled rows to the sink; start a new chunk unless this is the end."""
        if self.fill:
            a, b = self.stored, self.stored + self.fill
            arrays = {f: self.buf[f][: self.fill] for f in ("grad", "loss")}
            arrays.update({f: self.buf[f][: self.key_fill] for f in (KEY, *STATE)})
            self.sink.store(dict(arrays, step=self.steps[a:b], epoch=self.epochs[a:b]), self.buf["block"])
            self.stored = b
            self.todo = len(self.steps) - b  # the chunk may have had rows to spare
            if more:
                self._new_chunk()
        self.last_flush = time.monotonic()

    def begin(self, X, Y, val=None):
        """Keep the data (and validation data (X_val, Y_val), if any) and record step 0: the initial
        parameters, the full-data loss and gradient."""
        self.sink.begin(_data_arrays(X, Y, val))
        net, lay, buf = self.net, self.net.layout, self.buf
        grad = buf["grad"][0]
        buf["loss"][0], _ = passes.loss_grad_full(net.params, grad, lay.w_off, lay.b_off, lay.sizes,
                                                   net.hidden_code, net.output_code, X, Y)
        buf[KEY][0], buf["params"][0], buf["m1"][0], buf["m2"][0] = 0, net.params, 0, 0
        self.fill = self.key_fill = 1

    def plan(self, epoch, t0, n_batches):
        """The ``RecordBuffers`` with which ``train_epoch`` records the steps t0+1..t0+n_batches:
        what it records of each, and where (the chunk's next rows)."""
        n_rec, n_key = self.epoch_rows[epoch], self.epoch_keys[epoch]
        if self.fill + n_rec > len(self.buf["loss"]) or self.key_fill + n_key > len(self.buf[KEY]):
            self._flush()
        codes = self.epoch_codes[epoch - 1]
        if self.fill == 0 and n_rec:  # the chunk's first row must be a key row
            first = int(np.argmax(codes != SKIP))
            if codes[first] == RECORD_GRAD:
                codes = codes.copy()
                codes[first] = RECORD_STATE
                n_key += 1
        self.planned = n_rec, n_key
        return RecordBuffers(codes, self.fill, self.key_fill, *self.kernel_buffers)

    def plan_group(self, epoch, t0, n_batches, k):
        """(j, ``RecordBuffers``) with which ``train_epochs`` records epochs epoch .. epoch+j-1
        (steps t0+1 ...; codes (j, n_batches)): j <= k, as many as fit in the chunk, at least one.
        The chunk's rows are the ones ``plan`` epoch by epoch would give."""
        rows, keys = self.epoch_rows, self.epoch_keys
        if self.fill + rows[epoch] > len(self.buf["loss"]) or self.key_fill + keys[epoch] > len(self.buf[KEY]):
            self._flush()
        n_rec, n_key, j = rows[epoch], keys[epoch], 1
        room, key_room = len(self.buf["loss"]) - self.fill, len(self.buf[KEY]) - self.key_fill - 1  # 1: see below
        while j < k and n_rec + rows[epoch + j] <= room and n_key + keys[epoch + j] <= key_room:
            n_rec, n_key, j = n_rec + rows[epoch + j], n_key + keys[epoch + j], j + 1
        codes = self.epoch_codes[epoch - 1 : epoch - 1 + j]
        if self.fill == 0 and n_rec:  # the chunk's first row must be a key row
            first = int(np.argmax(codes.reshape(-1) != SKIP))
            if codes.flat[first] == RECORD_GRAD:
                codes = codes.copy()
                codes.flat[first] = RECORD_STATE
                n_key += 1
        self.planned = n_rec, n_key
        return j, RecordBuffers(codes, self.fill, self.key_fill, *self.kernel_buffers)

    def commit_group(self, rec, n_done):
        """Account for the rows a ``plan_group`` call filled (its first ``n_done`` steps ran)."""
        self.commit(None, None, RecordBuffers(rec.codes.reshape(-1), *rec[1:]), n_done)

    def commit(self, epoch, t0, rec, n_done):
        """Account for the rows the epoch filled (its first ``n_done`` batches ran)."""
        done = rec.codes[:n_done]
        if n_done < len(rec.codes):
            self.planned = np.count_nonzero(done != SKIP), np.count_nonzero(done == RECORD_STATE)
        self.fill += int(self.planned[0])
        self.key_fill += int(self.planned[1])

    def end_epoch(self, epoch, metrics):
        if self.sink.streams:
            self.sink.epochs_done({k: [v] for k, v in metrics.items()})
            if time.monotonic() - self.last_flush >= FLUSH_SECONDS:
                self._flush()

    def end_group(self, metrics):
        """``end_epoch`` for the epochs of a ``plan_group`` call: metrics holds their lists."""
        if self.sink.streams:
            self.sink.epochs_done(metrics)
            if time.monotonic() - self.last_flush >= FLUSH_SECONDS:
                self._flush()

    def close(self, complete, history=None):
        """Store what is left; on a complete run, make ``recording`` (with the per-epoch metrics
        ``history``, a dict of lists) available: the ``Recording``, or for a folder a function that
        opens it (a caller that does not look at it does not pay for opening it)."""
        if self.next is not None:
            self.next.cancel()
        self.sink.training = False  # nothing to give way to any more
        self._flush(more=False)
        if complete:  # the history as it is now: the caller's lists may grow later
            self.recording = self.sink.finish({k: list(v) for k, v in history.items()})
        else:
            self.recording = self.sink.abandon()

    @property
    def saved(self):
        """None, or for a folder recording the future of the end of its writes (see the module's docstring)."""
        return self.sink.end


_DIRECT = []  # DirectWriters not in use (their buffers' pages are faulted in once, not per recording)
#: names of the threads every recorder shares (each started when first needed, and kept: starting
#: a thread cost a 300-epoch run of a small net, about 17 ms, 3-5% in a process that recorded several):
#: the helper that prepares chunks, a folder recording's writer (each recording's writes in order,
#: one recording's after the one before), and the syncer that flushes written chunks to disk
HELPER, WRITER, SYNCER = "nnkern-chunks", "nnkern-recorder", "nnkern-syncer"
_THREADS = {}  # name: its one-thread executor
_POOL, _POOL_LOCK = [], threading.Lock()  # blocks (uint8) of written chunks, free for new chunks


def _thread(name):
    """The shared one-thread executor ``name`` (HELPER, WRITER or SYNCER)."""
    if name not in _THREADS:
        _THREADS[name] = ThreadPoolExecutor(1, thread_name_prefix=name)
    return _THREADS[name]


def _after_fork():
    """A forked child has none of the shared threads, and no thread holding the pool's lock."""
    global _POOL_LOCK
    _THREADS.clear()
    _POOL_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


def _allocate(rows, key_rows, net):
    """Buffers of a chunk of ``rows`` snapshots, ``key_rows`` of them key rows, in one block
    ("block"): a written chunk's from the pool, else a new one written through once so that its
    page faults happen here (on the helper thread, while training runs) and not in the training kernel."""
    P = net.n_params
    size = (rows + len(STATE) * key_rows) * P
    block = _from_pool(size * net.dtype.itemsize)
    if block is None:
        block = _fresh_block(size * net.dtype.itemsize)
        touch(block.view(net.dtype))
    data = block[: size * net.dtype.itemsize].view(net.dtype)
    grad, *state = np.split(data, np.cumsum([rows * P] + [key_rows * P] * (len(STATE) - 1)))
    buffers = dict(zip(STATE, (a.reshape(key_rows, P) for a in state)), grad=grad.reshape(rows, P))
    return dict(buffers, block=block, loss=np.zeros(rows, net.dtype), **{KEY: np.zeros(key_rows, np.int64)})


#: NumPy asks the OS for huge pages (madvise) for its arrays of this many bytes or more
NUMPY_HUGEPAGE_BYTES = 4 << 20


def _fresh_block(nbytes):
    """nbytes (> 0) of new memory as a uint8 array, never on huge pages.  NumPy asks for them on
    its arrays of NUMPY_HUGEPAGE_BYTES and more, and on this machine's kernel (transparent huge
    pages on madvise, defragmented on demand) the first touch of such a block at times compacted
    memory for 20-30 ms: a chunk's preparation, which training waited for (a 300-epoch run of
    2-16-16-1 recording every step in memory 44-53 ms against 22-23 ms).  Those are mapped from
    the OS here instead; smaller ones come from NumPy (the allocator's reused memory, no faults)."""
    if nbytes < NUMPY_HUGEPAGE_BYTES:
        return np.empty(nbytes, np.uint8)
    return np.frombuffer(mmap.mmap(-1, nbytes), np.uint8)


def _from_pool(nbytes):
    """The smallest pooled block of at least ``nbytes`` bytes, taken out of the pool, or None."""
    with _POOL_LOCK:
        k = min((i for i, b in enumerate(_POOL) if b.nbytes >= nbytes), key=lambda i: _POOL[i].nbytes, default=None)
        return None if k is None else _POOL.pop(k)


def _to_pool(block):
    """Keep a written chunk's block for new chunks, the largest ones while they fit in POOL_BYTES."""
    with _POOL_LOCK:
        _POOL.append(block)
        _POOL.sort(key=lambda b: -b.nbytes)
        while sum(b.nbytes for b in _POOL) > POOL_BYTES:
            _POOL.pop()


class _MemorySink:
    """Keeps chunks in memory; the result is a ``Recording`` built from them."""

    streams = False
    training = True
    end = None

    def __init__(self, header):
        self.header, self.chunks, self.data = header, [], None

    def begin(self, arrays):
        self.data = {k: v.copy() for k, v in arrays.items()}

    def store(self, arrays, block):
        self.chunks.append(_MemoryChunk(arrays))

    def epochs_done(self, columns):
        pass

    def finish(self, history):
        return Recording(dict(self.header, complete=True), self.chunks, history, self.data)

    def abandon(self):
        return None


class _FolderSink:
    """Streams a recording into a folder.  The shared writer thread (WRITER) does all the writing,
    in order (the data, then per chunk the history lines so far and the chunk; a recording's writes
    after those of the recordings before it), so training waits on the
    disk only when more than PENDING_BYTES of chunks are queued, and any chunk on disk comes with
    the history of its epochs.  Chunks and data go to the disk past the page cache
    (``storage.DirectWriter``; on a virtual machine that costs a fraction of the CPU time).  durable:
    "chunk" flushes each file to disk before its rename, "end" flushes the chunks after their rename
    on the shared syncer thread (SYNCER) and the rest when the run ends, "none" flushes nothing."""

    streams = True

    def __init__(self, folder, header, durable="end"):
        folder = os.fspath(folder)
        if os.path.exists(folder) and (not os.path.isdir(folder) or os.listdir(folder)):
            raise ValueError(f"record_to={folder!r} already exists and is not an empty folder; "
                             f"choose a new path (existing recordings are never overwritten)")
        # absolute: the writes may go on after the caller changed the working directory
        self.folder, self.header, self.n_chunks = os.path.abspath(folder), header, 0
        self.sync = durable == "chunk"  # flush each file as it is written
        self.sync_end = durable != "none"  # flush each chunk after its rename, and the folder when the run ends
        self.training = True  # the writer gives way to the training thread (HAND_OFF_SECONDS) until it ends
        self.synced = set()  # names of the files flushed to disk ("end": after the rename, by the syncer)
        self.syncs = []  # "end": futures of the syncer's flushes of chunks (so the writer never waits on the disk)
        self.direct = _DIRECT.pop() if _DIRECT else storage.DirectWriter()  # the writer's; back to _DIRECT at the end
        self.indexes = []  # per chunk written: its index and key arrays (the recording made at the end needs them)
        self.writer = _thread(WRITER)
        self.pending = collections.deque()  # (future, bytes) of writes not known to be done
        self.lines, self.history = [], None  # metrics not yet handed to the writer; its HistoryWriter
        self.failed = False  # set by the writer when a write fails: it then writes nothing more
        self.started = self.end = None  # futures of the first write (the data) and of the end of writing

    def _path(self, name):
        return os.path.join(self.folder, name)

    def begin(self, arrays):
        os.makedirs(self.folder, exist_ok=True)
        self.started = self._submit(0, self._write_start, arrays)

    def _write_start(self, arrays):
        self._write_npz(storage.DATA, arrays, data=True)
        storage.write_json(self._path(storage.HEADER), self.header, self.sync)
        self.history = storage.HistoryWriter(self.folder)

    def _write_npz(self, name, arrays, data=False):
        """Write a file on the writer thread (``data``: the data, by ``storage.write_data``); with
        durable="end", have the syncer thread flush it to disk after its rename (so the end has less
        left to flush; neither training nor the writer waits for it)."""
        write = storage.write_data if data else storage.write_npz
        write(self._path(name), arrays, self.sync, self.direct)
        if self.sync:
            self.synced.add(name)
        elif self.sync_end:
            try:
                self.syncs.append(_thread(SYNCER).submit(self._sync, name))
            except RuntimeError:  # the interpreter is exiting: the end flushes it
                pass

    def _sync(self, name):
        storage.sync_file(self._path(name))
        self.synced.add(name)

    def store(self, arrays, block):
        """Queue the chunk ``arrays`` (views of ``block``, which goes to the pool once written)."""
        self._hand_over_lines()
        self.indexes.append({f: arrays[f] for f in (*INDEX_FIELDS, KEY)})
        self._submit(sum(a.nbytes for a in arrays.values()), self._write_chunk, storage.chunk_name(self.n_chunks), arrays,
                     block)
        self.n_chunks += 1

    def _write_chunk(self, name, arrays, block):
        self._write_npz(name, arrays)
        _to_pool(block)

    def _hand_over_lines(self):
        if self.lines:
            lines, self.lines = self.lines, []
            self._submit(0, self._write_lines, lines)

    def _write_lines(self, lines):
        self.history.append(lines, self.sync)

    def _submit(self, nbytes, fn, *args):
        """Queue a write and return its future; raise here any failed earlier write; wait while too
        much is queued."""
        future = self.writer.submit(self._write, fn, *args)
        self.pending.append((future, nbytes))
        while self.pending and (self.pending[0][0].done() or sum(b for _, b in self.pending) > PENDING_BYTES):
            self.pending.popleft()[0].result()  # re-raises a failed write, in the training thread
        return future

    def _write(self, fn, *args):
        """Run ``fn(*args)`` on the writer thread unless a write before failed, so that the folder
        always holds the run up to some chunk, with no gaps."""
        if self.failed:
            return
        if self.training:  # let the training thread, which just queued this, go back into the kernel first
            time.sleep(HAND_OFF_SECONDS)
        try:
            fn(*args)
        except BaseException:
            self.failed = True
            raise

    def epochs_done(self, columns):
        """Keep epochs' metrics ({name: list}) for the history file."""
        self.lines.append(columns)

    def _close(self, complete):
        """Queue the end of writing (``_end``) behind the writes queued; returns its future."""
        if self.started is not None:  # the caller's data is written (the caller may change it once training returns)
            self.started.result()
        self._hand_over_lines()
        self.end = self.writer.submit(self._end, complete)
        storage.writing(self.folder, self.end)
        return self.end

    def _end(self, complete):
        """The end of writing, on the writer thread after every write queued: raise the first write
        that failed, else flush what is not on disk yet (durable "end") and, for a complete run,
        write the header saying so, last, once the rest is on disk."""
        try:
            futures.wait(self.syncs)  # a file the syncer failed to flush is flushed again below
            if self.history is not None:
                self.history.close()
            for future, _ in self.pending:  # all done: they ran before this
                future.result()
            if self.sync_end and os.path.isdir(self.folder):
                storage.sync_folder(self.folder, done=self.synced)
            if complete:
                storage.write_json(self._path(storage.HEADER), dict(self.header, complete=True, n_chunks=self.n_chunks),
                                   self.sync_end)
        finally:
            _DIRECT.append(self.direct)  # its buffers stay mapped for the next folder recording

    def finish(self, history):
        """End the run: a function opening the recording once its writes end (see ``_end``).  With
        durable="chunk" this waits for them, and raises a write that failed."""
        end = self._close(complete=True)
        if self.sync:
            end.result()
        folder, indexes = self.folder, self.indexes

        def recording():
            end.result()
            return Recording.open_streamed(folder, indexes, history)

        return recording

    def abandon(self):
        """End a run that stopped: wait for what was queued to be written; raise a write that failed."""
        self._close(complete=False).result()
        return None
