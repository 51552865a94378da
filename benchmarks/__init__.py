"""nnkern benchmark suite (issue 5): ``python -m benchmarks``."""
