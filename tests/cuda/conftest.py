"""tests/cuda runs in its own process with NUMBA_ENABLE_CUDASIM=1 (``make test`` does both runs):
the simulator is chosen when numba is first imported.  Without it (or without numba-cuda) these
tests are skipped; ``tests/conftest.py`` keeps a plain ``pytest tests`` from collecting them."""

import os

import pytest

SIMULATOR = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"


def pytest_collection_modifyitems(config, items):
    reason = None
    if not SIMULATOR:
        reason = "CUDA tests need NUMBA_ENABLE_CUDASIM=1 (run: NUMBA_ENABLE_CUDASIM=1 pytest tests/cuda)"
    else:
        try:
            from numba import cuda  # noqa: F401
        except ImportError as error:
            reason = f"numba-cuda is not installed ({error}); pip install 'nnkern[cuda]'"
    if reason:
        for item in items:
            if "tests/cuda" in str(item.fspath).replace(os.sep, "/"):
                item.add_marker(pytest.mark.skip(reason=reason))
