"""Parameters saved from an explorer page (its "save" button) read back into a network."""

import json
import os

import numpy as np

from ..model import MLP

#: the "format" field of a saved parameters file
FORMAT = "nnkern-explorer-params"


def load_model(path):
    """An ``nk.MLP`` holding the parameters in the JSON file at ``path`` that an explorer page saved.

    The file holds the model ({"sizes", "activation", "output", "dtype"}), "weights" (per layer,
    (fan_in, fan_out) nested lists) and "biases" (per layer, (fan_out,)), plus the step it was
    taken at and the parameters edited by hand ("edited": [{"layer", "kind": "weight"|"bias", "i", "j"}]).
    A file that is not such a file, or whose arrays do not fit its model, raises a ValueError naming the problem.
    """
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not a JSON file ({e})") from None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise ValueError(f"{path}: not an explorer parameters file (format should be {FORMAT!r})")
    try:
        m = saved["model"]
        net = MLP(m["sizes"], m["activation"], m["output"], dtype=m["dtype"])
        weights, biases = saved["weights"], saved["biases"]
    except (KeyError, TypeError) as e:
        raise ValueError(f"{path}: incomplete parameters file (missing {e})") from None
    if len(weights) != len(net.weights) or len(biases) != len(net.biases):
        raise ValueError(f"{path}: {len(weights)} weight and {len(biases)} bias arrays for a network of {len(net.weights)} layers")
    for l, (W, b, W_net, b_net) in enumerate(zip(weights, biases, net.weights, net.biases)):
        for name, value, target in (("weights", W, W_net), ("biases", b, b_net)):
            try:
                array = np.array(value, dtype=np.float64)
            except (TypeError, ValueError):
                array = None
            if array is None or array.shape != target.shape:
                raise ValueError(f"{path}: {name}[{l}] should have shape {target.shape}")
            if not np.all(np.isfinite(array)):
                raise ValueError(f"{path}: {name}[{l}] holds NaN or inf")
            target[...] = array
    return net
