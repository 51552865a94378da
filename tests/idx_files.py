"""Small IDX files for tests (the format MNIST and Fashion-MNIST ship in), written here, never downloaded."""

import gzip

import numpy as np

CODES = {np.dtype("u1"): 0x08, np.dtype("i1"): 0x09, np.dtype("i2"): 0x0B, np.dtype("i4"): 0x0C,
         np.dtype("f4"): 0x0D, np.dtype("f8"): 0x0E}


def idx_bytes(array, code=None):
    """The IDX encoding of ``array``: magic 00 00 <type code> <ndim>, big-endian dims, big-endian data."""
    array = np.asarray(array)
    code = CODES[array.dtype] if code is None else code
    head = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return head + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, gz=False, code=None):
    data = idx_bytes(array, code)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def fashion_pair(folder, n=60, side=28, gz=True, seed=0):
    """IDX files of n Fashion-MNIST-shaped images (side x side bytes) whose class shows in the
    pixels (class k lights a band of rows), and their labels 0..9; returns (images path, labels
    path, images (n, side, side) uint8, labels (n,))."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n, dtype=np.uint8) % 10
    images = rng.integers(0, 60, (n, side, side)).astype(np.uint8)
    for i, k in enumerate(labels.tolist()):
        start = k * side // 10
        images[i, start:max(start + 1, (k + 1) * side // 10)] = 255
    ext = ".gz" if gz else ""
    return (write_idx(folder / f"images-idx3-ubyte{ext}", images, gz), write_idx(folder / f"labels-idx1-ubyte{ext}", labels, gz),
            images, labels)
