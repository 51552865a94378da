"""``python -m benchmarks``: the fair suite.  Runs the cases, prints the table and writes
results/table.md (the README's table is a copy of it), results/benchmarks.json and the plots.
Options: ``--quick`` (one run, fewer calls and sizes: a smoke run of seconds to a minute),
``--cases abcimsd`` or ``--cases a,d`` (a subset), ``--contenders nnkern,numpy`` (a subset), ``--out DIR``,
``--report-only`` (rebuild the table and plots from DIR/benchmarks.json, which is rewritten after
every case), ``--update`` (keep the rows of the cases not run from DIR/benchmarks.json).

Cases: (a) 2-16-16-1 epochs, (b) 784-wide nets, (c) the 200x200 grid, (i) inference on 1M rows,
(m) peak memory, (s) cold start, (d) the cost of recording every step (each run a fresh process), (r) where
a frame of the flagship video's replay goes (``benchmarks/replay_frames.py``, one -ql and one -qh
render, about 6 minutes; -ql only with ``--quick``).
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set in the environment, pin OpenBLAS to a slower
kernel; the suite re-runs itself once without both unless ``--keep-openblas-env`` is given.
"""

import os
import sys

_OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

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
from .contenders import CONTENDERS  # noqa: E402
from .common import machine, machine_line, steadiness, steady_text  # noqa: E402
from .runner import RUNS, run_case  # noqa: E402

ORDER = "abcimsdr"
#: the folder under nnkern's cache (``nnkern.cache.folder()``) keeping the flagship's typeset TeX for case (r)
TEX_CACHE = "bench-tex"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="nnkern's fair benchmark suite")
    parser.add_argument("--quick", action="store_true", help="one run, fewer calls and sizes (a smoke run)")
    parser.add_argument("--cases", default=ORDER, help=f"which cases to run, e.g. 'ac' (default: all, {ORDER})")
    parser.add_argument("--contenders", help="comma-separated subset of: " + ", ".join(CONTENDERS))
    parser.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results"))
    parser.add_argument("--keep-openblas-env", action="store_true", help="measure with OPENBLAS_* as set")
    parser.add_argument("--report-only", action="store_true", help="rebuild table.md and the plots from benchmarks.json")
    parser.add_argument("--update", action="store_true", help="keep the other cases' rows of benchmarks.json")
    parser.add_argument("--runs", type=int, default=None,
                        help=f"independent runs per case (default {RUNS}; more where the machine's speed drifts)")
    args = parser.parse_args(argv)
    args.cases = args.cases.replace(",", "")  # "a,d" as well as "ad"
    if args.runs is not None and args.runs < RUNS:
        parser.error(f"--runs must be at least {RUNS} (a median and its spread need them)")
    unknown = set(args.cases) - set(ORDER)
    if unknown:
        parser.error(f"unknown case(s) {''.join(sorted(unknown))}; choose from {ORDER}")
    only = args.contenders.split(",") if args.contenders else None
    if only and set(only) - set(CONTENDERS):
        parser.error(f"unknown contender(s) {sorted(set(only) - set(CONTENDERS))}; choose from {', '.join(CONTENDERS)}")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        return write_report(json.loads((out / "benchmarks.json").read_text()), out)

    kept = {"rows": [], "case_seconds": {}}
    if args.update:
        try:
            kept = json.loads((out / "benchmarks.json").read_text())
            if not isinstance(kept, dict) or not {"rows", "case_seconds"} <= kept.keys():
                raise ValueError("not a result of this suite")
        except (OSError, ValueError) as e:
            parser.error(f"--update needs an earlier run's {out / 'benchmarks.json'}: {type(e).__name__}: {e}")
        kept["rows"] = [r for r in kept["rows"] if r["case"] not in args.cases]
    load_before = os.getloadavg()
    print(f"load average at start: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} "
          f"(on {os.cpu_count()} cores)", flush=True)
    rows, loads, seconds = kept["rows"], kept.get("machine", {}).get("load_average", {}).get("per_case", {}), kept["case_seconds"]
    started, steady = kept.get("case_started", {}), kept.get("machine", {}).get("steadiness", {})
    for key in ORDER:
        if key not in args.cases:
            continue
        loads[key] = os.getloadavg()[0]
        steady[key] = steadiness()
        t0 = time.perf_counter()
        started[key] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        print(f"case ({key}) ... (steadiness {steady_text(steady[key])})", file=sys.stderr, flush=True)
        if key == "d":
            rows += recording_case(args.quick, args.runs)
        elif key == "r":
            rows += render_case(args.quick)
        else:
            rows += run_case(key, CASES[key](args.quick), args.quick, only, args.runs)
        seconds[key] = time.perf_counter() - t0
        print(f"case ({key}) done in {seconds[key]:.0f} s", file=sys.stderr, flush=True)
        info = machine()
        start = kept.get("machine", {}).get("load_average", {}).get("start", list(load_before))
        info["load_average"] = {"start": start, "end": list(os.getloadavg()), "per_case": loads}
        info["steadiness"] = steady
        if os.environ.get("NNKERN_BENCH_UNSET"):
            info["unset_for_this_run"] = os.environ["NNKERN_BENCH_UNSET"].split(",")
        rows.sort(key=lambda r: ORDER.index(r["case"]))
        result = {"machine": info, "machine_line": machine_line(info), "quick": args.quick, "rows": rows,
                  "case_seconds": seconds, "case_started": started, "in_parts": args.update or kept.get("in_parts", False),
                  "seconds": sum(seconds.values())}
        (out / "benchmarks.json").write_text(json.dumps(result, indent=1, default=float) + "\n")
    write_report(result, out)


def write_report(result, out):
    text = report.table(result)
    print(text)
    (out / "table.md").write_text(text + "\n")
    for path in report.plots(result, out):
        print(f"wrote {path}")
    print(f"wrote {out / 'benchmarks.json'} and {out / 'table.md'} ({result['seconds']:.0f} s)")


def recording_case(quick, runs):
    """(d) recording every step against not recording (``benchmarks/recording_overhead.py``), in
    ``runs`` independent runs, each a fresh process: each measure's median over the runs, and the
    runs' lowest and highest wall median (one run of 15 pairs moved by 2x with the machine's drift)."""
    import statistics
    import subprocess

    epochs = 100 if quick else 300
    command = [sys.executable, str(pathlib.Path(__file__).parent / "recording_overhead.py"), "--json",
               "--repeats", str(3 if quick else 15), "--epochs", str(epochs)]
    results = []
    for k in range(1 if quick else runs or RUNS):
        print(f"  (d) run {k + 1}, load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"case (d): {' '.join(command[1:])} failed (status {done.returncode}):\n{done.stderr[-2000:]}")
        results.append(json.loads(done.stdout))
    setting = f"record every step {{}}, 2-16-16-1, {epochs} epochs x 32 steps"
    rows = []
    for mode, where in (("memory", "in memory"), ("folder", "streamed to a folder (record_to)")):
        per_run = [{k: v - 1 for k, v in r[mode].items()} for r in results]
        walls = [r["wall median"] for r in per_run]
        rows.append({"case": "d", "setting": setting.format(where), "overhead_target": 0.15,
                     "overhead": {k: statistics.median(r[k] for r in per_run) for k in per_run[0]},
                     "overhead_runs": per_run, "wall_median_spread": [min(walls), max(walls)]})
    return rows


def render_case(quick=False):
    """(r) a -ql and a -qh render of the flagship scene (-ql only if ``quick``), each in its own process
    (``benchmarks/replay_frames.py``), then the same split over two processes by ``nnkern render -j 2``
    in that render's media folder (its animation times, its TeX typeset), as a lecturer's second render.
    Both start with the scene's TeX typeset (``TEX_CACHE``, filled by the first run of the case on a
    machine: typesetting took some 5 s of a -ql render), as a lecturer's renders after the first do."""
    import shutil
    import subprocess
    import tempfile

    from nnkern import cache

    tex_cache = cache.folder() / TEX_CACHE
    rows = []
    for quality in ("low",) if quick else ("low", "high"):
        with tempfile.TemporaryDirectory(prefix="nnkern-bench-render-") as media:
            timings = pathlib.Path(media) / "logs" / f"training-{quality[0]}.timings.json"
            tex = pathlib.Path(media) / "Tex"
            warm = tex_cache.is_dir()
            if warm:
                shutil.copytree(tex_cache, tex)
            proc = subprocess.run([sys.executable, "-m", "benchmarks.replay_frames", "--quality", quality,
                                   "--media", media], capture_output=True, text=True)
            if proc.returncode:
                print(f"  (r) -q{quality[0]} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            if tex.is_dir():  # for the next runs of the case
                shutil.copytree(tex, tex_cache, dirs_exist_ok=True)
            row = dict(json.loads(proc.stdout.strip().splitlines()[-1]), case="r", tex_typeset=warm)
            rows.append(row)
            if not timings.exists():
                print(f"  (r) -q{quality[0]}: no animation times written, so no split render", file=sys.stderr)
                continue
            start = time.perf_counter()
            split = subprocess.run([sys.executable, "-m", "nnkern", "render", "training", "-q", quality[0], "-j", "2",
                                    "--media", media, "--dir", str(pathlib.Path(__file__).resolve().parents[1] / "scenes")],
                                   capture_output=True, text=True)
            if split.returncode == 0:
                row["split_seconds"] = time.perf_counter() - start
            else:
                print(f"  (r) -q{quality[0]} -j 2 failed:\n{split.stdout[-1000:]}{split.stderr[-1000:]}", file=sys.stderr)
    return rows


if __name__ == "__main__":
    main()
