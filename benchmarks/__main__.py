"""``python -m benchmarks``: run the suite, print the table, write results/benchmarks.json and the
PNG plots.  Options: ``--quick`` (fewer repeats and sizes), ``--cases abc`` (a subset),
``--out DIR``.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set in the environment, pin OpenBLAS to a slower kernel;
the suite re-runs itself once without both (this process only; pass ``--keep-openblas-env`` to
measure with them) and records which BLAS kernel ran.
"""

import os
import sys

_OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# PyTorch's OpenMP threads spin after each parallel region; on 2 cores that spinning steals the core
# OpenBLAS's second thread needs, which slowed nnkern and the NumPy reference 10-20x in the scaling
# case whenever PyTorch ran just before them.  Passive waiting (read when libgomp loads) stops that.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

if __name__ == "__main__" and "--keep-openblas-env" not in sys.argv and any(v in os.environ for v in _OPENBLAS_VARS):
    env = {k: v for k, v in os.environ.items() if k not in _OPENBLAS_VARS}
    env["NNKERN_BENCH_UNSET"] = ",".join(v for v in _OPENBLAS_VARS if v in os.environ)
    os.execve(sys.executable, [sys.executable, "-m", "benchmarks", *sys.argv[1:]], env)

import argparse  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import time  # noqa: E402

from . import report  # noqa: E402
from .cases import CASES  # noqa: E402
from .common import machine, machine_line, missing  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="nnkern benchmark suite (issue 5)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and sizes (a smoke run)")
    parser.add_argument("--cases", default="abcdef", help="which cases to run, e.g. 'ac' (default: all)")
    parser.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results"))
    parser.add_argument("--keep-openblas-env", action="store_true", help="measure with OPENBLAS_* as set")
    args = parser.parse_args(argv)
    unknown = set(args.cases) - set(CASES)
    if unknown:
        parser.error(f"unknown case(s) {''.join(sorted(unknown))}; choose from {''.join(CASES)}")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    started, load_before = time.perf_counter(), os.getloadavg()
    rows = []
    for key in CASES:
        if key in args.cases:
            t0 = time.perf_counter()
            print(f"case ({key}) ...", file=sys.stderr, flush=True)
            rows += CASES[key](quick=args.quick)
            print(f"case ({key}) done in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    info = machine()
    info["load_average"] = {"before": load_before[0], "after": os.getloadavg()[0]}
    if os.environ.get("NNKERN_BENCH_UNSET"):
        info["unset_for_this_run"] = os.environ["NNKERN_BENCH_UNSET"].split(",")
    result = {"machine": info, "machine_line": machine_line(info), "quick": args.quick,
              "missing_peers": missing(), "rows": rows, "seconds": time.perf_counter() - started}
    text = report.table(result)
    print(text)
    (out / "benchmarks.json").write_text(json.dumps(result, indent=1, default=float) + "\n")
    (out / "table.md").write_text(text + "\n")
    for path in report.plots(result, out):
        print(f"wrote {path}")
    print(f"wrote {out / 'benchmarks.json'} and {out / 'table.md'} ({result['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
