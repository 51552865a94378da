"""Integer codes that compiled kernels use for activations, outputs, optimizers and recording.

Kernels branch on small integers; the public API speaks names. These tables are the one
place where the two meet.
"""

IDENTITY, RELU, LEAKY_RELU, TANH, SIGMOID, SOFTMAX = 0, 1, 2, 3, 4, 5
SGD, MOMENTUM, ADAM = 0, 1, 2
#: what ``train_epoch`` records of a step (``RecordBuffers.codes``, one per step): nothing; its
#: gradient and mean batch loss; those and the state after it (parameters, m1, m2: a key row)
SKIP, RECORD_GRAD, RECORD_STATE = 0, 1, 2
#: the buffer set holding ``train_epoch``'s current state: the caller's theta, m1, m2; a key row of
#: the recording
AT_CALLER, AT_KEY_ROW = 0, 1

#: slope of leaky_relu for negative inputs
LEAKY_SLOPE = 0.01

HIDDEN_ACTIVATIONS = {
    "identity": IDENTITY,
    "relu": RELU,
    "leaky_relu": LEAKY_RELU,
    "tanh": TANH,
    "sigmoid": SIGMOID,
}
OUTPUTS = {"sigmoid": SIGMOID, "softmax": SOFTMAX, "identity": IDENTITY}
OPTIMIZERS = {"sgd": SGD, "momentum": MOMENTUM, "adam": ADAM}


def check_code(code, table, what):
    """``code`` as an int if it is one of ``table``'s codes, else a ValueError naming it and them."""
    if isinstance(code, bool) or code not in table.values():
        valid = ", ".join(f"{c} ({n})" for n, c in table.items())
        raise ValueError(f"unknown {what} code {code!r}; expected one of {valid}")
    return int(code)


def lookup(table, name, what):
    """Return ``table[name]`` or raise a ValueError listing the valid names."""
    try:
        return table[name]
    except (KeyError, TypeError):
        valid = ", ".join(repr(k) for k in table)
        raise ValueError(f"unknown {what} {name!r}; expected one of {valid}") from None
