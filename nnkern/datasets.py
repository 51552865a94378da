"""Datasets: TensorFlow Playground's four 2-D problems, moons, scikit-learn's bundled 8x8 digits,
image sets such as MNIST and Fashion-MNIST read from their own IDX files (``load_idx``), and the
user's own points from a CSV file (``from_csv``).

2-D sets span about [-1, 1] in both coordinates; labels are integers. ``noise`` is the standard
deviation of Gaussian jitter added to each coordinate, in those units.
"""

import csv
import gzip
import math
import os

import numpy as np

NAMES = ("circle", "xor", "gauss", "spiral", "moons", "digits")
#: the noise 2-D sets get unless told otherwise (real data gets none)
DEFAULT_NOISE = 0.05
#: image size (h, w) of the built-in digits
DIGITS_SHAPE = (8, 8)
#: Fashion-MNIST's classes 0..9, in label order
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def _circle(n, rng):
    inner = np.arange(n) < n // 2
    r = np.where(inner, rng.uniform(0, 0.5, n), rng.uniform(0.7, 1.0, n))
    t = rng.uniform(0, 2 * np.pi, n)
    return np.c_[r * np.cos(t), r * np.sin(t)], inner.astype(np.int64)


def _xor(n, rng):
    X = rng.uniform(-1, 1, (n, 2))
    X += np.sign(X) * 0.05  # keep points off the axes, as the Playground does
    return X, (X[:, 0] * X[:, 1] > 0).astype(np.int64)


def _gauss(n, rng):
    y = (np.arange(n) < n // 2).astype(np.int64)
    centre = np.where(y[:, None] == 1, 0.45, -0.45)
    return centre + rng.normal(0, 0.2, (n, 2)), y


def _spiral(n, rng, classes=2):
    y = (classes - 1 - ((np.arange(n) + 1) * classes - 1) // n).astype(np.int64)  # equal arms; two: the first half is 1
    t = rng.uniform(0, 1, n) ** 0.75  # fewer points crowd the centre
    angle = 1.5 * 2 * np.pi * t + 2 * np.pi * y / classes
    r = 0.05 + 0.95 * t
    return np.c_[r * np.sin(angle), r * np.cos(angle)], y


def _moons(n, rng):
    y = (np.arange(n) >= n // 2).astype(np.int64)
    t = rng.uniform(0, np.pi, n)
    X = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)], np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    return (X - [0.5, 0.25]) / 1.5, y


_MAKERS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "moons": _moons}
#: samples in each dataset that holds a fixed number (the 2-D sets make as many as asked)
SIZES = {"digits": 1797}


def load(name, n=None, noise=None, seed=0, classes=2):
    """(X, y) for a named dataset.

    2-D sets: X (n, 2) float64, y (n,) int64 in {0, 1}, shuffled; n defaults to 1000, noise to
    ``DEFAULT_NOISE``. "spiral" takes ``classes`` (2 to 7 arms, y in 0..classes-1); the others have two.
    "digits": scikit-learn's bundled 8x8 digits (``DIGITS_SHAPE``, rows of 64 pixels), X (n, 64)
    scaled to [0, 1], y (n,) in 0..9; all 1797 unless n is given (a shuffled subset; more than 1797
    is a ValueError); no noise unless ``noise`` asks for pixel jitter.
    """
    if name not in NAMES:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(map(repr, NAMES))}")
    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2):
        raise ValueError(f"n must be an integer >= 2; got {n!r}")
    if noise is None:
        noise = 0.0 if name == "digits" else DEFAULT_NOISE
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}")
    if n is not None and n > SIZES.get(name, n):
        raise ValueError(f"n={n}: {name} holds {SIZES[name]} samples")
    if classes != 2 and name != "spiral":
        raise ValueError(f"classes={classes!r}: only spiral takes a number of classes")
    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or not 2 <= classes <= 7:
        raise ValueError(f"classes must be an integer from 2 to 7; got {classes!r}")
    rng = np.random.default_rng(seed)
    if name == "digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        X, y = digits.data / 16.0, digits.target.astype(np.int64)
        order = rng.permutation(len(y))[: n or len(y)]
        X, y = X[order], y[order]
        return np.clip(X + rng.normal(0, noise, X.shape), 0, 1) if noise else X, y
    n = 1000 if n is None else int(n)
    X, y = _spiral(n, rng, classes) if name == "spiral" else _MAKERS[name](n, rng)
    X = X + rng.normal(0, noise, X.shape)
    order = rng.permutation(n)
    return X[order], y[order]


def train_test_split(X, y, test_size=0.25, seed=0):
    """(X_train, X_test, y_train, y_test): a shuffled split with ``test_size`` (fraction) held out."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}; expected one label per row")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction between 0 and 1; got {test_size!r}")
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = max(1, int(round(test_size * len(X))))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


#: IDX element types: type code -> (big-endian dtype, name)
IDX_TYPES = {0x08: (">u1", "unsigned byte"), 0x09: (">i1", "signed byte"), 0x0B: (">i2", "short"),
             0x0C: (">i4", "int"), 0x0D: (">f4", "float"), 0x0E: (">f8", "double")}


def load_idx(images_path, labels_path):
    """(X, y, image_shape) from a pair of IDX files, as MNIST and Fashion-MNIST ship them (plain or gzipped).

    images: unsigned bytes (n, h, w) -> X (n, h * w) float32 in [0, 1] (pixel / 255);
    labels: integers (n,) -> y (n,) int64; image_shape: (h, w), to reshape a row of X into its image.
    A wrong magic number, an element type other than these, counts that disagree between the two files
    or a truncated file raise a ValueError naming the file.
    """
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"{os.fspath(images_path)}: expected images as unsigned bytes of shape (n, h, w); "
                         f"got {images.dtype} of shape {images.shape}")
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"{os.fspath(labels_path)}: expected one integer label per image, shape (n,); "
                         f"got {labels.dtype} of shape {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{os.fspath(images_path)} holds {len(images)} images but {os.fspath(labels_path)} "
                         f"holds {len(labels)} labels; expected one label per image")
    n, h, w = images.shape
    X = images.reshape(n, h * w).astype(np.float32) / np.float32(255)
    return X, labels.astype(np.int64), (h, w)


def read_idx(path):
    """The array stored in one IDX file (plain, or gzipped: recognised by its first bytes), native byte order."""
    name = os.fspath(path)
    with open(name, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError) as e:
            raise ValueError(f"{name}: truncated or corrupt gzip file ({e})") from None
    if len(raw) < 4:
        raise ValueError(f"{name}: truncated file ({len(raw)} bytes; an IDX header needs at least 4)")
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{name}: not an IDX file (magic number starts {raw[:2].hex()}; expected 0000)")
    code, ndim = raw[2], raw[3]
    if code not in IDX_TYPES:
        raise ValueError(f"{name}: unsupported IDX element type code 0x{code:02X}; expected one of "
                         f"{', '.join(f'0x{c:02X} ({t[1]})' for c, t in IDX_TYPES.items())}")
    if ndim == 0:
        raise ValueError(f"{name}: IDX header gives 0 dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{name}: truncated file (header of {ndim} dimensions needs {header} bytes; the file has {len(raw)})")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    dtype = np.dtype(IDX_TYPES[code][0])
    need = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != need:
        problem = "truncated file" if len(raw) < need else "trailing bytes after the data"
        raise ValueError(f"{name}: {problem} (shape {shape} of {IDX_TYPES[code][1]}s needs {need} bytes; the file has {len(raw)})")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def from_csv(path):
    """(X, y) from a CSV file of points: columns x1, x2, ..., label (the label last).

    X (n, d) float64; y (n,) int64 in 0..k-1, the sorted distinct labels (integers or names) numbered
    in order. The first row is a header when none of its coordinate fields is a number. A ValueError
    names the file, row (counting from 1, the header included) and column of text in a number column,
    NaN or inf, a missing label or a short row, and says so when the file holds one class only.
    """
    try:
        with open(path, newline="") as f:
            rows = [(i, row) for i, row in enumerate(csv.reader(f), start=1) if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"{path}: cannot read the CSV file ({e})") from None
    if not rows:
        raise ValueError(f"{path}: the file holds no rows; expected columns x1, x2, ..., label")
    width = len(rows[0][1])
    if width < 2:
        raise ValueError(f"{path}: row {rows[0][0]} has {width} column; expected x1, x2, ..., label (at least 2)")
    names = [f"x{j + 1}" for j in range(width - 1)] + ["label"]
    if not any(_is_number(cell) for cell in rows[0][1][:-1]):
        names, rows = [cell.strip() or names[j] for j, cell in enumerate(rows[0][1])], rows[1:]
    if not rows:
        raise ValueError(f"{path}: the file holds a header and no points")
    X, labels = np.empty((len(rows), width - 1)), []
    for r, (line, row) in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"{path}: row {line} has {len(row)} columns; the first has {width} ({', '.join(names)})")
        for j, cell in enumerate(row[:-1]):
            X[r, j] = _coordinate(cell, f"{path}: row {line}, column {j + 1} ({names[j]})")
        label = row[-1].strip()
        if not label or label.lower() in ("nan", "na", "null", "none"):
            raise ValueError(f"{path}: row {line}, column {width} ({names[-1]}): missing label")
        labels.append(label)
    kinds, y = np.unique(_labels(labels), return_inverse=True)
    if len(kinds) < 2:
        raise ValueError(f"{path}: every point has label {labels[0]}: a classifier needs at least two classes")
    return X, y.astype(np.int64)


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _coordinate(text, where):
    """float(text), else a ValueError naming ``where`` (text, empty, NaN or infinite)."""
    if not text.strip():
        raise ValueError(f"{where}: empty; expected a number")
    if not _is_number(text):
        raise ValueError(f"{where}: {text.strip()!r} is not a number")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{where}: {text.strip()!r}; expected a finite number")
    return value


def _labels(labels):
    """Labels as integers when every one is an integer, else as names."""
    try:
        return np.array([int(v) for v in labels])
    except ValueError:
        return np.array(labels)
