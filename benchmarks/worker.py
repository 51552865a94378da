"""One contender in a fresh process: ``python -m benchmarks.worker JOB`` where JOB is JSON
``{"contender": name, "specs": [spec, ...]}`` (see ``benchmarks.problems``).  Prints one JSON line:
the library's import time and, per spec, the first call (setup, compilation) apart from the
timed calls (seconds per epoch, or per call), or for a memory spec the peak RSS."""

import time

_STARTED = time.perf_counter()

import importlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402


def rss_mib(field):
    """VmRSS (now) or VmHWM (peak) of this process, MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(name, spec):
    from .contenders import make

    start = time.perf_counter()
    run = make(name, spec)
    if run is None:
        return None
    per = spec.get("epochs") if spec["kind"] in ("train", "memory") else None
    call = (lambda: run(per)) if per else run
    if spec["kind"] == "memory":
        before = rss_mib("VmRSS")
        call()
        return {"rss_before_mib": before, "peak_rss_mib": rss_mib("VmHWM"), "first": time.perf_counter() - start}
    call()
    first = time.perf_counter() - start
    call()  # warm: caches, allocator, a recompilation for a short last batch
    times = []
    for _ in range(spec["calls"]):
        t = time.perf_counter()
        call()
        times.append((time.perf_counter() - t) / (per or 1))
    return {"first": first, "times": times}


def main(job):
    from .contenders import library

    name = job["contender"]
    t = time.perf_counter()
    importlib.import_module(library(name))
    result = {"contender": name, "import": time.perf_counter() - t, "since_start": time.perf_counter() - _STARTED,
              "after_import_rss_mib": rss_mib("VmRSS"), "results": [measure(name, spec) for spec in job["specs"]]}
    print(json.dumps(result))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
