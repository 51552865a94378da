"""``MLP``: a dense network whose parameters live in one flat buffer, and its model file."""

import json
import os
import zipfile

import numpy as np

from .checks import as_float_matrix, is_int
from .kernels import passes
from .kernels.codes import HIDDEN_ACTIVATIONS, LEAKY_RELU, OUTPUTS, RELU, TANH, lookup
from .kernels.layout import Layout

DTYPES = {"float32": np.float32, "float64": np.float64}
#: the model file's format name and version (bumped when an older nnkern could no longer read it)
MODEL_FORMAT, MODEL_SCHEMA = "nnkern-model", 1


class ModelFileError(ValueError):
    """A model file that cannot be read: missing, corrupt, too new, or inconsistent."""


def _as_dtype(dtype):
    """np.dtype of float32 / float64 given by name or type, else a ValueError."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = dtype
    return np.dtype(lookup(DTYPES, name, "dtype"))


class MLP:
    """A multi-layer perceptron.

    sizes: layer widths, inputs first, e.g. [2, 16, 16, 1].
    activation: hidden activation, one of identity, relu, leaky_relu, tanh, sigmoid.
    output: "sigmoid" (binary labels, BCE), "softmax" (integer classes, cross-entropy) or
    "identity" (regression, mean squared error).
    Weights start Glorot-uniform scaled by the activation's gain (5/3 for tanh, as PyTorch's
    ``calculate_gain``; He-uniform for relu-like activations), biases at zero.

    ``params`` (P,) is the one buffer; ``weights[l]`` (fan_in, fan_out) and ``biases[l]``
    (fan_out,) are views into it.
    """

    def __init__(self, sizes, activation="tanh", output="sigmoid", seed=0, dtype="float32"):
        sizes = list(sizes) if np.ndim(sizes) == 1 else None
        if sizes is None or len(sizes) < 2 or not all(is_int(s) and s >= 1 for s in sizes):
            raise ValueError("sizes must be a list of at least two positive integers, inputs first, e.g. [2, 16, 1]")
        self.hidden_code = lookup(HIDDEN_ACTIVATIONS, activation, "activation")
        self.output_code = lookup(OUTPUTS, output, "output")
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError("softmax output needs at least 2 output units; use output='sigmoid' for one")
        self.dtype = _as_dtype(dtype)
        self.sizes = [int(s) for s in sizes]
        self.activation, self.output, self.seed = activation, output, seed
        self.layout = Layout(self.sizes)
        self._own(np.zeros(self.layout.n_params, dtype=self.dtype))
        rng = np.random.default_rng(seed)
        relu_like = self.hidden_code in (RELU, LEAKY_RELU)
        gain = 5 / 3 if self.hidden_code == TANH else 1.0
        for W in self.weights:
            fan_in, fan_out = W.shape
            limit = np.sqrt(6.0 / fan_in) if relu_like else gain * np.sqrt(6.0 / (fan_in + fan_out))
            W[...] = rng.uniform(-limit, limit, size=W.shape)

    def __repr__(self):
        return (f"MLP({self.sizes}, activation={self.activation!r}, output={self.output!r}, "
                f"dtype={self.dtype.name!r}, params={self.n_params})")

    def _own(self, params):
        """Make ``params`` (P,) the buffer, ``weights`` and ``biases`` views of it."""
        self.params = params
        self.weights, self.biases = self.layout.views(params)

    def __getstate__(self):
        """Pickled without the views (a pickle would store copies, cut loose from ``params``)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("weights", "biases")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._own(self.params)

    @property
    def n_params(self):
        return self.layout.n_params

    def set_params(self, flat):
        """Copy a flat parameter vector (P,) into the buffer in place (views stay valid)."""
        flat = np.asarray(flat)
        if flat.shape != self.params.shape:
            raise ValueError(f"parameter vector has shape {flat.shape}; expected ({self.n_params},)")
        if not np.all(np.isfinite(flat)):
            raise ValueError("parameter vector contains NaN or inf")
        self.params[...] = flat

    def copy(self):
        """An independent MLP with the same architecture and parameters."""
        twin = MLP(self.sizes, self.activation, self.output, self.seed, self.dtype.name)
        twin.params[...] = self.params
        return twin

    def save(self, path, overwrite=False):
        """Write the network to one ``.npz`` file at ``path``: ``params`` (P,) and a JSON ``header``
        (sizes, activation, output, dtype, seed, schema and nnkern versions); no pickled objects, so
        ``MLP.load`` runs no code from the file.  An existing file is replaced only with
        ``overwrite=True``, and only once the new one is complete.  Returns the path."""
        from . import __version__

        path = os.fspath(path)
        if os.path.lexists(path) and not overwrite:
            raise ValueError(f"{path} already exists; pass overwrite=True to replace it")
        header = {"format": MODEL_FORMAT, "schema": MODEL_SCHEMA, "nnkern_version": __version__,
                  "sizes": self.sizes, "activation": self.activation, "output": self.output,
                  "dtype": self.dtype.name, "seed": self.seed}
        folder, name = os.path.split(path)
        os.makedirs(folder or ".", exist_ok=True)
        tmp = os.path.join(folder, f".{name}.tmp")
        try:
            with open(tmp, "wb") as f:
                np.savez(f, header=np.array(json.dumps(header)), params=self.params)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        return path

    @classmethod
    def load(cls, path):
        """The network saved by ``save`` at ``path``; ``ModelFileError`` naming the file and the
        problem for a missing, corrupt, too new or inconsistent file."""
        path = os.fspath(path)
        try:
            with np.load(path, allow_pickle=False) as npz:
                missing = [k for k in ("header", "params") if k not in npz.files]
                if missing:
                    raise ModelFileError(f"{path}: not an nnkern model file (no {' or '.join(missing)} array)")
                text, params = str(npz["header"][()]), npz["params"]
            header = json.loads(text)
        except FileNotFoundError:
            raise ModelFileError(f"{path}: no such model file") from None
        except ModelFileError:
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
            raise ModelFileError(f"{path}: not a readable nnkern model file ({e})") from None
        if not isinstance(header, dict) or header.get("format") != MODEL_FORMAT:
            raise ModelFileError(f"{path}: not an nnkern model file (header format is not {MODEL_FORMAT!r})")
        if header.get("schema") != MODEL_SCHEMA:
            raise ModelFileError(f"{path}: model file schema {header.get('schema')!r} written by nnkern "
                                 f"{header.get('nnkern_version')}; this nnkern reads schema {MODEL_SCHEMA}")
        try:
            net = cls(header["sizes"], header["activation"], header["output"], header.get("seed", 0), header["dtype"])
        except (KeyError, TypeError, ValueError) as e:
            raise ModelFileError(f"{path}: invalid model header ({e})") from None
        if params.shape != (net.n_params,) or params.dtype != net.dtype:
            raise ModelFileError(f"{path}: params is {params.dtype}{params.shape}, but sizes {net.sizes} "
                                 f"({net.dtype.name}) need {net.dtype.name}({net.n_params},)")
        try:
            net.set_params(params)
        except ValueError as e:
            raise ModelFileError(f"{path}: {e}") from None
        return net

    def check_inputs(self, X, name="X", finite=True):
        """X as a contiguous (n, n_inputs) array of the network's dtype, or a ValueError (NaN and inf
        included unless ``finite`` is False)."""
        return as_float_matrix(X, name, self.sizes[0], self.dtype, finite)

    def layer_outputs(self, X, zbuf=None, abuf=None):
        """List of (z, a) per layer for X (n, n_inputs): z pre-activations, a activations, (n, width).

        zbuf, abuf: optional distinct buffers (see ``layer_buffer``) to fill instead of allocating; z and a
        are then views of them.
        """
        X = self.check_inputs(X)
        n = X.shape[0]
        zbuf, abuf = self.layer_buffer(n, zbuf, "zbuf"), self.layer_buffer(n, abuf, "abuf")
        self.forward_into(X, zbuf, abuf)
        return list(zip(self.split_layers(zbuf, n), self.split_layers(abuf, n)))

    def forward_into(self, X, zbuf, abuf):
        """Fill ``layer_buffer``s zbuf, abuf for X, unchecked: X must be a contiguous (n, n_inputs)
        array of the net's dtype (as ``check_inputs`` gives; ``grid_activations`` makes its own).
        zbuf may be abuf: only the activations are kept (``grid_activations``)."""
        lay = self.layout
        forward = passes.forward_rows if len(X) <= passes.CHUNK_ROWS else passes.forward_all
        forward(self.params, lay.w_off, lay.b_off, lay.sizes, self.hidden_code, self.output_code, X, zbuf, abuf)

    def layer_buffer(self, n, buf=None, name="out"):
        """``buf`` checked to hold every layer's values for n samples: a contiguous 1-D array of
        n * sum(widths) elements of the net's dtype; a new one if None."""
        size = n * int(self.layout.a_off[-1])
        if buf is None:
            return np.empty(size, dtype=self.dtype)
        if not (isinstance(buf, np.ndarray) and buf.shape == (size,) and buf.dtype == self.dtype and buf.flags.c_contiguous):
            raise ValueError(f"{name} must be a contiguous {self.dtype.name} array of shape ({size},)")
        return buf

    def split_layers(self, buf, n):
        """Views (n, width) per layer of a ``layer_buffer`` for n samples (layer after layer, row-major)."""
        return self.layout.layer_values(buf, n)

    def forward(self, X):
        """Output activations (n, n_outputs).  More than ``passes.CHUNK_ROWS`` rows go through
        ``passes.forward_output``, which keeps no hidden layer's values."""
        X = self.check_inputs(X)
        if len(X) <= passes.CHUNK_ROWS:
            zbuf, abuf = self.layer_buffer(len(X)), self.layer_buffer(len(X))
            self.forward_into(X, zbuf, abuf)
            return self.split_layers(abuf, len(X))[-1]
        lay = self.layout
        Y = np.empty((len(X), self.sizes[-1]), dtype=self.dtype)
        passes.forward_output(self.params, lay.w_off, lay.b_off, lay.sizes, self.hidden_code, self.output_code, X, Y)
        return Y

    def predict_proba(self, X):
        """Class probabilities: (n,) P(class 1) for one sigmoid output, else (n, n_outputs)."""
        if self.output == "identity":
            raise ValueError("predict_proba needs a classifier; this network has output='identity' (use predict)")
        a = self.forward(X)
        return a[:, 0] if a.shape[1] == 1 and self.output == "sigmoid" else a

    def predict(self, X):
        """Integer class labels (n,) for classifiers (0/1 per output for several sigmoid outputs);
        predicted values for regression ((n,) for one output)."""
        a = self.forward(X)
        if self.output == "softmax":
            return a.argmax(axis=1)
        if self.output == "sigmoid":
            labels = (a >= 0.5).astype(np.int64)
            return labels[:, 0] if a.shape[1] == 1 else labels
        return a[:, 0] if a.shape[1] == 1 else a
