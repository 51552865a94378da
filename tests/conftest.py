import os

# CUDA-simulator tests need NUMBA_ENABLE_CUDASIM=1 before numba is imported: they run in their
# own pytest process (`make test` does both).
collect_ignore = [] if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" else ["cuda"]


def pytest_configure(config):
    """Scenes' cached default runs go to a folder of this test session, not the user's ~/.cache/nnkern."""
    import tempfile

    os.environ.setdefault("NNKERN_CACHE", tempfile.mkdtemp(prefix="nnkern-cache-"))
