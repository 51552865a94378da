"""The contenders, one module per library.  ``make(name, spec)`` imports only that library and
returns its runner for the spec (see ``benchmarks.problems``): for training ``run(epochs)``, else
``run()``; None when the contender does not do that kind of work (scikit-learn draws no grid)."""

import importlib

#: contender -> (module, factory); the order is the table's
CONTENDERS = {
    "nnkern": ("with_nnkern", "public"),
    "nnkern kernel": ("with_nnkern", "kernel"),
    "nnkern cold": ("with_nnkern", "public"),  # started with an empty Numba cache
    "numpy": ("with_numpy", "make"),
    "jax": ("with_jax", "make"),
    "torch": ("with_torch", "eager"),
    "torch tuned": ("with_torch", "tuned"),
    "torch compile": ("with_torch", "compiled"),
    "sklearn": ("with_sklearn", "make"),
    "gemm": ("with_blas", "make"),  # not a contender: the GEMM floor and rate (see with_blas)
}


def make(name, spec):
    module, factory = CONTENDERS[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), factory)(spec)


def library(name):
    """The module whose import the contender's cold start counts."""
    return {"with_nnkern": "nnkern", "with_numpy": "numpy", "with_jax": "jax", "with_torch": "torch",
            "with_sklearn": "sklearn.neural_network", "with_blas": "numpy"}[CONTENDERS[name][0]]
