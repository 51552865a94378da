"""Sweeps: many recorded runs at once on Dask (``nk.sweep``; ``nnkern sweep`` on the command line).

- ``grid``: settings -> every combination, each with a stable folder name;
- ``worker``: runs as a worker trains them, a few per task, each result written last;
- ``summary``: the sweep's table, summary.csv, and its best runs;
- ``dispatch``: ``sweep`` itself: runs dealt into tasks, on a LocalCluster or an existing cluster.

Dask is imported only when a sweep runs (``pip install 'nnkern[sweep]'``).
"""

from .dispatch import SweepResult, sweep

__all__ = ["sweep", "SweepResult"]
