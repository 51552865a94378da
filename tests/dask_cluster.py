"""A real Dask cluster on loopback for tests: ``dask scheduler`` and ``dask worker`` processes,
started as subprocesses and stopped after."""

import contextlib
import os
import signal
import socket
import subprocess
import sys

DASK = os.path.join(os.path.dirname(sys.executable), "dask")
LOOPBACK = "127.0.0.1:0"  # the HTTP servers too: loopback, a free port


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def loopback_cluster(cwd, n_workers=2):
    """Yields the address of a ``dask scheduler`` with ``n_workers`` ``dask worker`` processes (one
    thread each) on 127.0.0.1, all running in ``cwd``, once every worker has joined."""
    import distributed

    address = f"tcp://127.0.0.1:{free_port()}"
    started = []

    def start(*args):
        started.append(subprocess.Popen([DASK, *args], cwd=cwd, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--dashboard-address", LOOPBACK)
        for k in range(n_workers):
            start("worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--dashboard-address", LOOPBACK, "--name", f"w{k}")
        with distributed.Client(address, timeout="30s") as c:
            c.wait_for_workers(n_workers, timeout=60)
            assert all(w.startswith("tcp://127.0.0.1:") for w in c.scheduler_info()["workers"])
        yield address
    finally:
        for proc in reversed(started):
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in started:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
