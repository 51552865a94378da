"""Timing and the machine's description."""

import importlib.metadata
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def call_times(fn, repeats, warmup=1):
    """Wall-clock seconds of each of ``repeats`` calls ``fn()``, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


#: ``steadiness``'s reference: a fixed pure-Python loop (about 10 ms on a Zen 3), timed {reps} times
_REFERENCE = ("import time\ndef loop():\n    s = 0\n    for i in range(300_000):\n        s += i\n"
              "for _ in range({reps}):\n    t = time.perf_counter()\n    loop()\n    print(time.perf_counter() - t)\n")
#: a spread (see ``steadiness``) above this marks the machine as noisy; times the loop runs on each core
NOISY, REPS = 1.25, 20


def steadiness(reps=REPS):
    """How steady the machine is now, which its load average does not tell (a virtual machine's
    neighbours on its host do not show in it): a fixed pure-Python loop timed ``reps`` times in one
    process per core, all at once, each pinned to its core where the OS allows.  Returns
    {"median_ms", "p10_ms", "p90_ms", "spread"}: spread = p90 / p10 of all the times, about 1.05 on a
    quiet machine, over NOISY on a noisy one (where a fixed loop took 35 to 80 ms from second to
    second).  A host slowing every core alike for a while shows in median_ms, not in the spread."""
    from nnkern.kernels.team import cpus

    code = _REFERENCE.format(reps=reps)
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, preexec_fn=bind(c))
             for c in cpus()]
    times = sorted(1e3 * float(line) for p in procs for line in p.communicate()[0].split())
    if any(p.returncode for p in procs) or not times:
        raise RuntimeError("the steadiness probe's reference loop failed")
    deciles = statistics.quantiles(times, n=10)
    return {"median_ms": statistics.median(times), "p10_ms": deciles[0], "p90_ms": deciles[-1],
            "spread": deciles[-1] / deciles[0]}


#: a new file costing more CPU microseconds than this (``file_creation``) marks the file system as busy
SLOW_FILE_US = 20


def file_creation(folder, n=200):
    """CPU microseconds to create one empty file, the median of ``n`` made in a new subfolder of
    ``folder`` (left there).  About 5-10 us on a quiet ext4 (slow above SLOW_FILE_US); where the
    file system has no journal, ext4 skips over every inode freed in the last one to six minutes
    when it allocates one, so after a few thousand files were deleted (a benchmark's scratch
    removed) a new file costs 40-170 us of CPU for minutes: a run writing several files per
    training run pays it on the cores it measures (a sweep's workers more than the serial loop,
    whose writer has a core of its own)."""
    sub = tempfile.mkdtemp(prefix="creation-", dir=folder)
    times = []
    for i in range(n):
        start = time.thread_time()
        os.close(os.open(os.path.join(sub, str(i)), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        times.append(time.thread_time() - start)
    return 1e6 * statistics.median(times)


def file_text(us):
    """One probe of ``file_creation`` in words, e.g. "7 us" or "38 us, slow"."""
    return f"{us:.0f} us" + (", slow" if us > SLOW_FILE_US else "")


def bind(cpu):
    """A ``preexec_fn`` binding a new process to the CPU ``cpu`` (None where the OS cannot)."""
    return (lambda: os.sched_setaffinity(0, {cpu})) if hasattr(os, "sched_setaffinity") else None


def steady_text(probe):
    """One probe of ``steadiness`` in words, e.g. "1.04x" or "1.61x, noisy"."""
    return f"{probe['spread']:.2f}x" + (", noisy" if probe["spread"] > NOISY else "")


def machine():
    """What the numbers were measured on."""
    import numba

    info = {
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "llvm_cpu": _llvm_cpu(),
        "blas": _blas(),
        "openblas_env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ},
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    for name in ("jax", "torch", "scikit-learn"):
        try:
            info[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return info


def machine_line(info):
    blas = info["blas"]
    parts = [f"{info['cpu']} ({info['llvm_cpu']}), {info['cores']} cores, {info['memory_gib']:.0f} GiB",
             f"{info['os']}, Python {info['python']}", f"NumPy {info['numpy']}", f"BLAS loaded in the reporting process: {blas}",
             f"Numba {info['numba']}"]
    for name, shown in (("jax", "JAX"), ("torch", "PyTorch"), ("scikit-learn", "scikit-learn")):
        if name in info:
            parts.append(f"{shown} {info[name]}")
    if info["openblas_env"]:
        parts.append("with " + " ".join(f"{k}={v}" for k, v in info["openblas_env"].items()))
    return "; ".join(parts)


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("nan")


def _llvm_cpu():
    try:
        import llvmlite.binding as llvm

        return llvm.get_host_cpu_name()
    except Exception:  # pragma: no cover - informational only
        return "?"


def _blas():
    """Every BLAS loaded in this process (NumPy's, and PyTorch's or SciPy's when they bring their
    own), with the kernel OpenBLAS picked."""
    try:
        from threadpoolctl import threadpool_info

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        return "; ".join(f"{p.get('internal_api')} {p.get('version')} {p.get('architecture')} kernel, "
                         f"{p.get('num_threads')} threads ({os.path.basename(p.get('filepath', '?'))})"
                         for p in pools) or "BLAS unknown"
    except Exception:  # pragma: no cover - informational only
        return "BLAS unknown"
