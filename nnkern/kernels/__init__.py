"""Compiled kernels (Numba on the CPU, optional CUDA twins) and their plain NumPy reference.

Map: ``codes`` (the integer codes and their public names), ``layout`` (where parameters and
layer values live in flat buffers), ``rules`` (per-parameter steps and per-sample loss terms,
compiled for both targets), ``activations`` / ``dense`` / ``losses`` / ``optim`` (CPU blocks),
``passes`` (whole-network passes and the fused epoch, arguments built by ``epoch_args``, run by
a ``team`` of threads for large nets), ``shuffle`` (the epochs' row orders, NumPy's to the bit),
``replay`` (rebuilding recorded states), ``histograms``, ``gpu_dense`` / ``gpu_passes`` (CUDA),
``reference`` / ``views_reference`` (NumPy twins), ``_numba_ext`` (the only Numba internals).

Adding an activation or optimizer:

1. ``codes.py``: a new code, and its name in ``HIDDEN_ACTIVATIONS`` and/or ``OUTPUTS``, or in
   ``OPTIMIZERS``.  Every kernel rejects a code that is in no table.
2. The compiled rule, once per target:
   - activation: a branch in ``activations.activate`` (and ``activation_backward`` for a hidden
     one), and in ``gpu_dense.activate_elem`` / ``activation_grad_elem``;
   - output: its loss term (and, for a classifier, its "row right" rule) in ``rules.py``, used
     by ``losses._loss_sum`` / ``_n_correct`` and ``gpu_passes.output_grad_kernel``;
   - optimizer: its per-parameter step in ``rules.py``, applied by ``optim.update`` and
     ``gpu_passes.update_kernel`` (state in m1, m2; no fast-math, so replay stays exact).
3. The independent NumPy twin in ``reference.py`` (``activate``, ``activation_backward``,
   ``sample_losses``, ``update``): written from the formula, not from the kernel.
4. Nothing to add to the tests: ``tests/test_kernels.py``, ``tests/test_gradients.py`` and
   ``tests/cuda`` take their cases from the codes tables (kernel against reference, gradients
   against finite differences, CUDA in the simulator and compiled to PTX).  Clear
   ``NUMBA_CACHE_DIR`` before running them: a cached kernel does not see edits to the functions
   it calls.
5. Initial weights (``model.MLP``: the activation's gain) and the README's list of names.
"""
