"""backend= of nk.train on a machine without a GPU (the CUDA kernels are tested in tests/cuda)."""

import numpy as np
import pytest

import nnkern as nk

try:
    from nnkern.kernels.gpu_passes import available as gpu_available
except ImportError:  # numba-cuda not installed: nk.train(backend="cuda") must still say why it cannot run
    def gpu_available():
        return False


def _data():
    return nk.datasets.load("xor", n=40, seed=0)


def test_auto_picks_the_cpu_and_matches_cpu():
    X, y = _data()
    nets = [nk.MLP([2, 4, 1], seed=0) for _ in range(2)]
    for net, backend in zip(nets, ("auto", "cpu")):
        nk.train(net, X, y, epochs=2, quiet=True, backend=backend)
    np.testing.assert_array_equal(nets[0].params, nets[1].params)


@pytest.mark.skipif(gpu_available(), reason="a GPU is present")
def test_cuda_without_a_gpu_raises_a_clear_error():
    X, y = _data()
    net = nk.MLP([2, 4, 1], seed=0)
    before = net.params.copy()
    with pytest.raises(RuntimeError, match="backend='cuda' needs"):
        nk.train(net, X, y, epochs=1, quiet=True, backend="cuda")
    np.testing.assert_array_equal(net.params, before)


@pytest.mark.skipif(gpu_available(), reason="a GPU is present")
def test_grid_view_with_cuda_without_a_gpu_raises_and_auto_is_cpu():
    net = nk.MLP([2, 4, 1], seed=0)
    with pytest.raises(RuntimeError, match="backend='cuda' needs"):
        nk.grid_activations(net, (-1, 1, -1, 1), 5, backend="cuda")
    with pytest.raises(ValueError, match="unknown backend"):
        nk.grid_activations(net, (-1, 1, -1, 1), 5, backend="tpu")
    for a, b in zip(nk.grid_activations(net, (-1, 1, -1, 1), 5, backend="auto"),
                    nk.grid_activations(net, (-1, 1, -1, 1), 5, backend="cpu")):
        np.testing.assert_array_equal(a, b)
