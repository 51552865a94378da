"""The on-disk format of a recording: a plain folder.

    header.json          architecture, optimizer, schedule, schema version, ``complete`` flag
    data.npz             the training data: X (n, n_in) and kernel targets Y (n, n_out); X_val, Y_val
                         too when ``train`` was given validation data
    history.jsonl        one JSON line of metrics per finished epoch
    chunk-000000.npz     snapshots, in step order: step, epoch (k,) int64; loss (k,); grad (k, P);
    chunk-000001.npz     key (n_key,) int64, the rows whose state params, m1, m2 (n_key, P) is
    ...                  stored; a chunk's first row is always a key row

The state of a row that is not a key row is rebuilt from the row before and the row's gradient
(``nnkern.kernels.replay.replay``), exactly; recording every step then stores little more
than the gradients.  A schema-1 chunk has no ``key``: it stores the state of every row.

Every file except history.jsonl is written under a temporary name and renamed, so a reader (even
after the writer was killed) sees a whole file or none; ``sync=True`` also flushes it to disk
before the rename, so that it survives a power loss.  data.npz may be a hard link to the data.npz
of another recording the same process wrote with the same data (``write_data``).  Problems raise
``RecordingError`` naming the file.
"""

import errno
import functools
import io
import json
import math
import mmap
import os
import re
import struct
import sys
import threading
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

from ..kernels.layout import Layout

try:  # ISA-L's CRC-32 (the package isal, in the "sweep" extra): a 1.2 MB chunk in 13 us against zlib's 225 us
    from isal.isal_zlib import crc32
except ImportError:
    from zlib import crc32

#: bumped when a reader of an older nnkern could no longer understand the folder
SCHEMA = 2
FORMAT = "nnkern-recording"
HEADER, DATA, HISTORY = "header.json", "data.npz", "history.jsonl"
FIELDS = ("params", "grad", "m1", "m2")  # a snapshot's (P,) arrays
STATE = ("params", "m1", "m2")  # (n_key, P) per chunk; grad is (k, P)
INDEX_FIELDS = ("step", "epoch", "loss")  # (k,) per chunk
KEY = "key"  # (n_key,) per chunk
_CHUNK = re.compile(r"chunk-(\d{6})\.npz")
_MODEL_KEYS = ("sizes", "activation", "output", "dtype", "seed", "n_params")


class RecordingError(ValueError):
    """A recording folder that cannot be read as asked (missing, truncated, corrupt or too new)."""


def chunk_name(index):
    return f"chunk-{index:06d}.npz"


def chunk_files(folder):
    """{index: path} of the chunk files in ``folder`` (temporary files are not chunks)."""
    found = (_CHUNK.fullmatch(name) for name in os.listdir(folder))
    return {int(m.group(1)): os.path.join(folder, m.group(0)) for m in found if m}


def sync_file(path):
    """Flush a file or a folder (its entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_folder(folder, done=()):
    """Flush every file of ``folder`` except those named in ``done`` (flushed already), then the
    folder itself, to disk.  The files are flushed side by side (one thread each, up to 8), so
    that the file system can commit them together rather than one journal commit after another."""
    paths = [os.path.join(folder, name) for name in os.listdir(folder) if name not in done]
    paths = [p for p in paths if os.path.isfile(p)]
    try:
        if len(paths) > 1:
            with ThreadPoolExecutor(min(8, len(paths)), thread_name_prefix="nnkern-sync") as pool:
                list(pool.map(sync_file, paths))
            paths = []
    except RuntimeError:  # no new threads: the interpreter is exiting
        pass
    for path in paths:
        sync_file(path)
    sync_file(folder)


_WRITING = {}  # absolute path: future of the end of this process's writes into that recording folder


def writing(folder, end):
    """Note that the future ``end`` ends this process's writes into the recording ``folder``."""
    path = os.path.abspath(folder)
    _WRITING[path] = end
    end.add_done_callback(lambda done: _written(path, done))


def _written(path, end):
    if _WRITING.get(path) is end:
        del _WRITING[path]
    if end.exception() is not None:  # said here too: a caller may never wait for it
        print(f"nnkern: writing the recording {path} failed: {end.exception()!r}", file=sys.stderr)


def wait_written(folder):
    """Wait until this process's writes into the recording ``folder``, if any, have ended."""
    end = _WRITING.get(os.path.abspath(folder))
    if end is not None:
        wait([end])


def write_atomic(path, write, sync=True):
    """Call ``write(file)`` on a temporary sibling of ``path`` and rename it to ``path``; with
    ``sync``, fsync the file before the rename and the folder after it, else (on Linux) only start
    writing the file back, so that a later ``sync_folder`` waits less."""

    def write_file(tmp):
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            if sync:
                os.fsync(f.fileno())
            elif hasattr(os, "sync_file_range"):
                os.sync_file_range(f.fileno(), 0, 0, os.SYNC_FILE_RANGE_WRITE)

    _replace(path, write_file, sync)


def _replace(path, write_file, sync):
    """``write_file(tmp)`` (a temporary sibling of ``path``, flushed to disk by it if ``sync``), then
    the rename to ``path`` and, with ``sync``, the folder flushed; the temporary file removed on failure."""
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.tmp")
    try:
        write_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    if sync:
        sync_file(folder or ".")


#: the zip records of an .npz (stored, uncompressed, no zip64: files under 4 GiB): local file header,
#: central directory entry, end of central directory (PKWARE's APPNOTE.TXT 4.3.7, 4.3.12, 4.3.16)
_LOCAL, _CENTRAL, _END = struct.Struct("<I5H3I2H"), struct.Struct("<I6H3I5H2I"), struct.Struct("<I4H2IH")
_ZIP_VERSION, _MADE_BY, _ZIP_LIMIT = 20, (3 << 8) | 20, (1 << 32) - 1  # 3: Unix (the file mode in the attributes)
#: every entry's time and date (MS-DOS format): 1980-01-01 00:00, so that the same arrays give the
#: same bytes (the file's own modification time says when it was written)
_ZIP_TIME, _ZIP_DATE = 0, (1 << 5) | 1


def _npy_header(array):
    """The .npy header bytes (format 1.0, as ``np.save`` writes) of the C-contiguous ``array``."""
    return _npy_header_of(array.dtype, array.shape)


@functools.lru_cache(maxsize=256)
def _npy_header_of(dtype, shape):
    """``_npy_header`` of C-contiguous arrays of ``dtype`` and ``shape``, made once for each (the
    runs of a sweep write chunks of the same few shapes: 8 arrays' headers took 150 us a chunk)."""
    out = io.BytesIO()
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(out, header)
    return out.getvalue()


def _checksum(header, data):
    """The CRC-32 of a .npz member: its .npy header, then its data."""
    return crc32(data, crc32(header))


def _npz_entries(arrays, checksums=False):
    """[(file name, .npy header, data as uint8, CRC-32 of header and data)] of the .npz of ``arrays``
    ({name: array}); the CRC-32 None unless ``checksums`` (``_build_npz`` computes it then)."""
    entries = []
    for key, array in arrays.items():
        array = np.ascontiguousarray(array)
        header, data = _npy_header(array), array.reshape(-1).view(np.uint8)
        entries.append((f"{key}.npy".encode(), header, data, _checksum(header, data) if checksums else None))
    return entries


def _npz_size(entries):
    return _END.size + sum(_LOCAL.size + _CENTRAL.size + 2 * len(name) + len(header) + len(data)
                           for name, header, data, _ in entries)


def _build_npz(out, entries):
    """Write into ``out`` (uint8, ``_npz_size(entries)`` bytes, at most _ZIP_LIMIT) the .npz file of
    ``entries``: what ``np.load`` reads back as ``np.savez`` would have saved the arrays, checksums
    included, each array's bytes copied once (by numpy, which releases the GIL for it, as zlib and
    ISA-L do for the checksums)."""
    central, at = [], 0
    for name, header, data, crc in entries:
        size = len(header) + len(data)
        crc = _checksum(header, data) if crc is None else crc
        fields = (_ZIP_VERSION, 0, 0, _ZIP_TIME, _ZIP_DATE, crc, size, size, len(name))
        record = _LOCAL.pack(0x04034B50, *fields, 0) + name + header
        out[at : at + len(record)] = np.frombuffer(record, np.uint8)
        out[at + len(record) : at + len(record) + len(data)] = data
        central.append(_CENTRAL.pack(0x02014B50, _MADE_BY, *fields, 0, 0, 0, 0, 0o644 << 16, at) + name)
        at += len(record) + len(data)
    directory = b"".join(central)
    out[at:] = np.frombuffer(directory + _END.pack(0x06054B50, 0, 0, len(central), len(central), len(directory), at, 0),
                             np.uint8)


class DirectWriter:
    """Writes whole files with O_DIRECT, past the page cache, from one reused page-aligned buffer:
    on virtual machines a write into the page cache can cost ten times the CPU time of the same
    bytes sent straight to the disk (the recorder writes its chunks this way).  Where the file
    system or the OS has no O_DIRECT, it writes as usual."""

    #: file offsets and sizes of O_DIRECT writes are multiples of this
    ALIGN = 4096

    def __init__(self):
        self.buf = None
        self.works = hasattr(os, "O_DIRECT")

    def write_npz(self, path, entries, n):
        """Create the file ``path`` holding the .npz of ``entries`` (``_npz_entries``; ``n`` bytes,
        ``_npz_size``), built in the buffer (see ``_build_npz``)."""
        _build_npz(self._room(n)[:n], entries)
        self._write(path, n)

    def _room(self, n):
        """The buffer (uint8) grown to hold at least ``n`` bytes rounded up to ALIGN."""
        size = -(-n // self.ALIGN) * self.ALIGN
        if self.buf is None or len(self.buf) < size:
            self.buf = mmap.mmap(-1, max(size, 2 * len(self.buf or b"")))
        return np.frombuffer(self.buf, np.uint8)

    def _write(self, path, n):
        """Create the file ``path`` holding the buffer's first ``n`` bytes."""
        if self.works:
            try:
                return self._write_direct(path, n)
            except OSError as e:
                if e.errno != errno.EINVAL:
                    raise
                self.works = False  # not supported here
        with open(path, "wb") as f:
            f.write(memoryview(self.buf)[:n])

    def _write_direct(self, path, n):
        view = memoryview(self.buf)[: -(-n // self.ALIGN) * self.ALIGN]
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_DIRECT, 0o666)
        try:
            done = 0
            while done < len(view):
                done += os.write(fd, view[done:])
            os.ftruncate(fd, n)
        except BaseException:
            os.close(fd)
            os.remove(path)
            raise
        os.close(fd)


def write_json(path, obj, sync=True):
    write_atomic(path, lambda f: f.write(json.dumps(obj, indent=2).encode() + b"\n"), sync)


def write_npz(path, arrays, sync=True, writer=None, entries=None):
    """The .npz of ``arrays`` (see ``_build_npz``) into ``path`` atomically (see ``write_atomic``);
    through ``writer``, a ``DirectWriter``, when given (the same bytes, the same guarantees).  A file
    of 4 GiB or more (which needs zip64) is written by ``np.savez``.  entries: ``_npz_entries(arrays)``
    if the caller has them."""
    entries = _npz_entries(arrays) if entries is None else entries
    n = _npz_size(entries)
    if n > _ZIP_LIMIT:
        return write_atomic(path, lambda f: np.savez(f, **arrays), sync)
    if writer is None:
        def write(f):
            out = np.empty(n, np.uint8)
            _build_npz(out, entries)
            f.write(out)

        return write_atomic(path, write, sync)

    def write_file(tmp):
        writer.write_npz(tmp, entries, n)
        if sync:
            sync_file(tmp)

    _replace(path, write_file, sync)


#: the data.npz files this process wrote, by content: {key (see ``write_data``): (path, identity
#: of the file then)}, the most recent DATA_WRITTEN of them
_DATA, _DATA_LOCK, DATA_WRITTEN = {}, threading.Lock(), 16


def _identity(path):
    """What changes when the file at ``path`` is replaced or rewritten: device, inode, size, mtime."""
    st = os.stat(path)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def write_data(path, arrays, sync=True, writer=None):
    """``write_npz`` of a recording's data.npz, except that when this process wrote the same arrays
    (the same names, .npy headers, CRC-32 and Adler-32 of every array) to a data.npz that is still
    the file it wrote, ``path`` becomes a hard link to it: a sweep's runs, or a loop of runs on the
    same data, keep one copy of it on disk and write it once.  Where linking fails (another file
    system, none allowed) the file is written."""
    entries = _npz_entries(arrays, checksums=True)
    key = tuple((name, header, crc, zlib.adler32(data)) for name, header, data, crc in entries)
    with _DATA_LOCK:
        earlier = _DATA.get(key)
    if earlier is not None and _link(earlier, path, sync):
        return
    write_npz(path, arrays, sync, writer, entries)
    with _DATA_LOCK:
        _DATA.pop(key, None)
        _DATA[key] = (os.path.abspath(path), _identity(path))
        while len(_DATA) > DATA_WRITTEN:
            del _DATA[next(iter(_DATA))]


def _link(earlier, path, sync):
    """Make ``path`` a hard link (atomically, flushed to disk with ``sync``) to the file
    ``earlier`` = (its path, its identity when written) if it is still that file; whether it did."""
    source, identity = earlier

    def link(tmp):
        if os.path.lexists(tmp):  # left by a killed writer
            os.remove(tmp)
        os.link(source, tmp)
        if sync:
            sync_file(tmp)

    try:
        if _identity(source) != identity:
            return False
        _replace(path, link, sync)
    except OSError:
        return False
    return True


def read_header(folder):
    """The header dict of the recording in ``folder``; checks format and schema."""
    if not os.path.isdir(folder):
        raise RecordingError(f"{folder}: no such recording folder")
    path = os.path.join(folder, HEADER)
    try:
        with open(path, "rb") as f:
            header = json.loads(f.read())
    except FileNotFoundError:
        raise RecordingError(f"{path}: missing header; {folder} is not an nnkern recording") from None
    except (OSError, ValueError) as e:
        raise RecordingError(f"{path}: unreadable header ({e})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise RecordingError(f"{path}: not an nnkern recording header (expected format {FORMAT!r})")
    schema = header.get("schema")
    if not isinstance(schema, int) or schema < 1:
        raise RecordingError(f"{path}: bad schema version {schema!r}")
    if schema > SCHEMA:
        raise RecordingError(f"{path}: written with schema {schema} by nnkern {header.get('nnkern_version')}; "
                             f"this nnkern reads schema <= {SCHEMA}. Upgrade nnkern to read it.")
    model = header.get("model")
    missing = [k for k in _MODEL_KEYS if not isinstance(model, dict) or k not in model]
    if missing:
        raise RecordingError(f"{path}: header lacks model fields {missing}")
    if model["dtype"] not in ("float32", "float64"):
        raise RecordingError(f"{path}: model dtype {model['dtype']!r} is not float32 or float64")
    sizes = model["sizes"]
    if not (isinstance(sizes, list) and len(sizes) >= 2 and all(isinstance(s, int) and s >= 1 for s in sizes)):
        raise RecordingError(f"{path}: model sizes {sizes!r} are not a list of at least two positive integers")
    n_params = Layout(sizes).n_params
    if model["n_params"] != n_params:
        raise RecordingError(f"{path}: header says n_params {model['n_params']!r}, but sizes {sizes} have "
                             f"{n_params} parameters; the header does not describe this run")
    return header


def read_npz(path, names, optional=()):
    """{name: array} for ``names`` (and those of ``optional`` present) from an .npz file;
    RecordingError naming the file on any fault.

    The zip's checksums are verified as each array is read.
    """
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {n: npz[n] for n in (*names, *optional) if n in npz.files}
    except FileNotFoundError:
        raise RecordingError(f"{path}: missing file") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise RecordingError(f"{path}: truncated or corrupt file ({e})") from None
    missing = [n for n in names if n not in arrays]
    if missing:
        raise RecordingError(f"{path}: corrupt file, missing arrays {missing}")
    return arrays


def _json_value(value):
    """A metric as JSON text: ints as ints, floats as Python writes them, NaN and inf as null."""
    if type(value) is float:  # the common case, first
        return repr(value) if math.isfinite(value) else "null"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return _json_value(float(value))


def history_lines(columns):
    """The JSON lines (one str) of per-epoch metrics given as columns {name: list}, a line per epoch.
    A column of finite floats or of ints is formatted by one ``%`` per line (``%r``: as Python
    writes floats), not a Python call per value (1,000 epochs of 5 metrics: 2.1-2.6 ms, against
    2.6-4.7 ms a call per value; most of it is the floats' repr)."""
    fields, values = [], []
    for name, column in columns.items():
        kinds = set(map(type, column))
        if kinds <= {float} and all(map(math.isfinite, column)):
            spec = "%r"
        elif kinds <= {int}:
            spec = "%d"
        else:
            spec, column = "%s", [_json_value(v) for v in column]
        fields.append(json.dumps(name).replace("%", "%%") + ": " + spec)
        values.append(column)
    return "".join(map(("{" + ", ".join(fields) + "}\n").__mod__, zip(*values)))


class HistoryWriter:
    """Appends JSON lines of metrics, one per epoch, to history.jsonl (flushed, so a killed run keeps them)."""

    def __init__(self, folder):
        self.file = open(os.path.join(folder, HISTORY), "a", encoding="utf-8")

    def append(self, columns, sync=False):
        """columns: dicts {name: list} of epochs' metrics; ``sync``: flush them to disk too."""
        self.file.write("".join(history_lines(c) for c in columns))
        self.file.flush()
        if sync:
            os.fsync(self.file.fileno())

    def close(self):
        self.file.close()


def write_history(folder, history):
    """Write a whole history (dict of per-epoch lists) as history.jsonl, atomically."""
    epochs = len(history.get("epoch", []))
    lines = history_lines({k: v[:epochs] for k, v in history.items()})
    write_atomic(os.path.join(folder, HISTORY), lambda f: f.write(lines.encode()))


#: how the command line and Python name the way past damaged pieces (errors suggest it)
SKIP_HINT = "pass --skip-corrupt (Python: skip_corrupt=True) to read the rest"


def read_history(folder, complete, skip_corrupt=False):
    """(per-epoch metrics {name: list}, skipped line numbers).  The last line of an incomplete run
    may be cut off by the kill; it is dropped; a run killed before its history file was made has
    none.  Any other unreadable line is an error naming the file and line, or with
    ``skip_corrupt`` left out and listed."""
    path = os.path.join(folder, HISTORY)
    history, skipped = {}, []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except FileNotFoundError:
        if not complete:
            return history, skipped
        raise RecordingError(f"{path}: missing file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise RecordingError(f"{path}: unreadable file ({e})") from None
    body, last = lines[:-1], lines[-1]
    if last and complete:  # cut off, though the run finished
        body.append(last)
    for number, line in enumerate(body, 1):
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError
        except ValueError:
            cut = bool(last) and complete and number == len(body)
            if not skip_corrupt:
                raise RecordingError(f"{path}: {'truncated last' if cut else 'corrupt'} line {number}; {SKIP_HINT}") from None
            skipped.append(number)
            continue
        for k, v in row.items():
            history.setdefault(k, []).append(float("nan") if v is None else v)
    return history, skipped
