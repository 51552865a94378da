"""The arguments of a training epoch (``passes.train_epoch`` and its CUDA twin
``gpu_passes.train_epoch``), grouped and named, and the one place that builds them.

Numba passes a namedtuple into compiled code as a typed tuple of its fields; the classes live
at module level so that cached kernels (``cache=True``) find them again.  The builders fix every
field's type (int64 codes, float64 settings), so a kernel compiles once per dtype.
"""

from collections import namedtuple

import numpy as np

from .codes import HIDDEN_ACTIVATIONS, OPTIMIZERS, OUTPUTS, SKIP, check_code

#: the architecture: layer offsets in the flat buffer (``Layout``), widths, activation codes
Network = namedtuple("Network", "w_off b_off sizes hidden out")
#: the update rule (``codes.OPTIMIZERS``) and its settings; decay_mask (P,) is 1 on weights
Optimizer = namedtuple("Optimizer", "code lr beta1 beta2 eps weight_decay decay_mask")
#: where an epoch records its steps: codes (n_batches,) int8 (``codes.SKIP`` ...), the first row
#: and first key row to fill, then grad (rows, P), loss (rows,), key (key rows,) and the state
#: theta, m1, m2 (key rows, P)
RecordBuffers = namedtuple("RecordBuffers", "codes row0 key0 grad loss key theta m1 m2")


def network(layout, hidden, out):
    """The ``Network`` of a ``Layout`` with hidden and output activation codes (checked)."""
    return Network(layout.w_off, layout.b_off, layout.sizes, check_code(hidden, HIDDEN_ACTIVATIONS, "activation"),
                   check_code(out, OUTPUTS, "output"))


def optimizer(layout, dtype, code, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """The ``Optimizer`` of update ``code`` for parameters of ``layout`` in ``dtype``
    (beta1 is the momentum of ``MOMENTUM``; code checked)."""
    return Optimizer(check_code(code, OPTIMIZERS, "optimizer"), float(lr), float(beta1), float(beta2), float(eps), float(weight_decay),
                     layout.decay_mask(dtype))


def no_recording(n_batches, n_params, dtype):
    """``RecordBuffers`` that record none of n_batches steps."""
    empty = np.zeros((0, n_params), dtype)
    return RecordBuffers(np.full(n_batches, SKIP, np.int8), 0, 0, empty, np.zeros(0, dtype), np.zeros(0, np.int64),
                         empty, empty, empty)
