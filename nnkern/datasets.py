"""Toy datasets: TensorFlow Playground's four 2-D problems, moons, and scikit-learn's digits.

2-D sets span about [-1, 1] in both coordinates; labels are integers. ``noise`` is the standard
deviation of Gaussian jitter added to each coordinate, in those units.
"""

import numpy as np

NAMES = ("circle", "xor", "gauss", "spiral", "moons", "digits")


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


def _spiral(n, rng):
    y = (np.arange(n) < n // 2).astype(np.int64)
    t = rng.uniform(0, 1, n) ** 0.75  # fewer points crowd the centre
    angle = 1.5 * 2 * np.pi * t + np.pi * y
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


def load(name, n=None, noise=0.05, seed=0):
    """(X, y) for a named dataset.

    2-D sets: X (n, 2) float64, y (n,) int64 in {0, 1}, shuffled; n defaults to 1000.
    "digits": scikit-learn's bundled 8x8 digits, X (n, 64) scaled to [0, 1], y (n,) in 0..9;
    all 1797 unless n is given (a shuffled subset); ``noise`` jitters its pixels too.
    """
    if name not in NAMES:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(map(repr, NAMES))}")
    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2):
        raise ValueError(f"n must be an integer >= 2; got {n!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}")
    if n is not None and n > SIZES.get(name, n):
        raise ValueError(f"n={n}: {name} holds {SIZES[name]} samples")
    rng = np.random.default_rng(seed)
    if name == "digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        X, y = digits.data / 16.0, digits.target.astype(np.int64)
        order = rng.permutation(len(y))[: n or len(y)]
        X, y = X[order], y[order]
        return np.clip(X + rng.normal(0, noise, X.shape), 0, 1) if noise else X, y
    n = 1000 if n is None else int(n)
    X, y = _MAKERS[name](n, rng)
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
