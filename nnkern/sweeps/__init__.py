"""Sweeps: many recorded runs at once on Dask (``nk.sweep``; ``nnkern sweep`` on the command line).

- ``grid``: settings -> every combination, each with a stable folder name;
- ``worker``: one run as a worker trains it, its result written last;
- ``summary``: the sweep's table, summary.csv, and its best runs;
- ``dispatch``: ``sweep`` itself, on a LocalCluster or an existing cluster.

Dask is imported only when a sweep runs (``pip install 'nnkern[sweep]'``).
"""

from .dispatch import SweepResult, sweep

__all__ = ["sweep", "SweepResult"]
