"""Every CUDA kernel compiles to PTX (``numba.cuda.compile_ptx``, no GPU needed), for float32 and
float64: typing errors the simulator lets through (it runs kernels as Python) fail here.  The
float32 PTX must not compute in float64 (a Python float literal is a float64 to Numba).

The simulator replaces numba.cuda in this process, so the compilation runs in a subprocess
without NUMBA_ENABLE_CUDASIM (where device functions, which numba-cuda compiles for the current
device, are told the device is a compute capability 7.5 one).  It needs NVVM and NVRTC: the pip packages ``nvidia-nvvm`` and
``nvidia-cuda-nvrtc`` (installed by ``nnkern[cuda]``)."""

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("numba.cuda")

SCRIPT = r'''
import json, re, sys
from numba import cuda, types
from numba.cuda.dispatcher import CUDADispatcher
from nnkern.kernels import gpu_dense, gpu_passes
import numba.cuda.dispatcher as dispatcher


class NoGPU:
    """Device functions are compiled for the current device's compute capability; with no GPU,
    say the one compile_ptx targets."""
    compute_capability = (7, 5)


dispatcher.get_current_device = NoGPU
i64, f64, b1 = types.int64, types.float64, types.boolean
I1 = types.Array(i64, 1, "C")
D1 = types.Array(f64, 1, "C")


def signatures(f):
    A1, A2 = types.Array(f, 1, "C"), types.Array(f, 2, "C")
    return {
        "dense_forward_kernel": (A2, A2, A1, A2, A2, i64, b1),
        "softmax_rows_kernel": (A2, A2),
        "dense_param_grad_kernel": (A2, A2, A2, A1, I1),
        "dense_input_grad_kernel": (A2, A2, A2, A2, A2, i64),
        "gather_kernel": (A2, A2, I1, i64, A2, A2),
        "output_grad_kernel": (A2, A2, A2, i64, f, A2, D1, I1),
        "batch_stats_kernel": (D1, I1, i64, i64, D1, I1, I1),
        "update_kernel": (A1, A1, A1, A1, i64, f, f, f, f, f, A1, f, f, f, f, f, I1),
        "record_kernel": (A1, A1, A1, i64, A2, A2, A2, I1),
        "grid_points_kernel": (f64, f64, f64, f64, i64, A2),
    }


kernels = {}
for module in (gpu_dense, gpu_passes):
    for name, obj in vars(module).items():
        if isinstance(obj, CUDADispatcher) and not obj.targetoptions.get("device"):
            kernels[name] = obj
compiled, float64_ops = [], {}
for f in (types.float32, types.float64):
    sigs = signatures(f)
    missing = sorted(set(kernels) - set(sigs))
    if missing:
        sys.exit(f"kernels without a PTX signature in the test: {missing}")
    for name, kernel in sorted(kernels.items()):
        ptx, _ = cuda.compile_ptx(kernel.py_func, sigs[name], cc=(7, 5))
        assert ".visible .entry" in ptx, name
        compiled.append(f"{name}[{f}]")
        if f == types.float32:
            float64_ops[name] = sorted(set(re.findall(r"^\s*(?:@%p\d+\s+)?([a-z][\w.]*\.f64)\b", ptx, re.M)))
print(json.dumps({"compiled": compiled, "f64": float64_ops}))
'''


#: kernels whose float32 PTX uses float64 on purpose: the loss is accumulated in float64
#: (row_loss, batch_loss), and the grid's corner and steps are float64 arguments
F64_BY_DESIGN = {"output_grad_kernel", "batch_stats_kernel", "grid_points_kernel"}


@pytest.fixture(scope="module")
def ptx():
    """{"compiled": ["name[dtype]", ...], "f64": {name: float64 instructions of its float32 PTX}}"""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"PTX compilation failed:\n{proc.stdout}\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_every_cuda_kernel_compiles_to_ptx(ptx):
    compiled = ptx["compiled"]
    assert len(compiled) == 2 * 10, compiled


def test_float32_kernels_compute_in_float32(ptx):
    assert ptx["f64"].keys() >= F64_BY_DESIGN
    promoted = {name: ops for name, ops in ptx["f64"].items() if ops and name not in F64_BY_DESIGN}
    assert not promoted, f"float32 kernels with float64 instructions: {promoted}"
    assert ptx["f64"]["output_grad_kernel"], "the regex finds the float64 loss's instructions"
