"""The suite's table (Markdown, copied as is into the README) and plots."""

import pathlib
import statistics
import textwrap

from .contenders.with_blas import epoch_flops
from .common import NOISY, REPS, steady_text

NAMES = {"nnkern": "nnkern", "nnkern kernel": "bare kernel", "numpy": "NumPy", "jax": "JAX", "torch": "PyTorch",
         "torch tuned": "PyTorch tuned", "torch compile": "torch.compile", "sklearn": "scikit-learn",
         "nnkern cold": "nnkern, empty cache"}
PEERS = ("nnkern kernel", "numpy", "jax", "torch", "torch tuned", "torch compile", "sklearn")


def fmt_time(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def median(values):
    return statistics.median(values) if values else None


def met(row):
    """True / False on the median ratios when the row has targets, None when it has none."""
    r = row.get("ratios", {})
    checks = [median(r[k]) >= v for k, v in row["targets"].items() if r.get(k)]
    return all(checks) if checks else None


def fmt_ratio(r):
    return f"{r:.2g}" if r < 10 else f"{r:.0f}"


def _ratio_cell(ratios):
    spread = f", {fmt_ratio(min(ratios))}–{fmt_ratio(max(ratios))}" if len(ratios) > 1 else ""
    return f"{fmt_ratio(median(ratios))}x{spread}"


def _main_table(rows):
    lines = ["| case | setting | threads | nnkern | " + " | ".join(NAMES[p] for p in PEERS) + " | target | met |",
             "|---|---|---|---|" + "---|" * len(PEERS) + "---|---|"]
    for row in rows:
        cells = [fmt_time(median(row["runs"]["nnkern"])) if row["runs"].get("nnkern") else "—"]
        for peer in PEERS:
            times = row["runs"].get(peer)
            cells.append(f"{fmt_time(median(times))} ({_ratio_cell(row['ratios'][peer])})"
                         if times and row["ratios"].get(peer) else "—")
        target = ", ".join(f">= {v:g}x {NAMES[k]}" for k, v in row["targets"].items())
        ok = met(row)
        lines.append(f"| {row['case']} | {row['setting']} | {row['threads']} | " + " | ".join(cells) +
                     f" | {target or '—'} | {'—' if ok is None else ('yes' if ok else 'no')} |")
    return lines


def _roofline_notes(rows):
    notes = []
    rows = [r for r in rows if "spec" in r]
    large = {r["threads"]: median(r["runs"]["gemm"]) for r in rows
             if r["spec"]["kind"] == "gemm" and r["runs"].get("gemm")}
    for row in rows:
        spec = row["spec"]
        if spec["kind"] != "train" or not row["runs"].get("gemm") or not row["runs"].get("nnkern"):
            continue
        n_large = next(r["spec"]["n"] for r in rows if r["spec"]["kind"] == "gemm")
        flops, floor, t = epoch_flops(spec), median(row["runs"]["gemm"]), median(row["runs"]["nnkern"])
        big = 2 * n_large**3 / large[row["threads"]] / 1e9 if row["threads"] in large else float("nan")
        notes.append(f"(b) {row['setting']}, {row['threads']} thread(s): nnkern {flops / t / 1e9:.1f} GFLOP/s "
                     f"({flops / t / 1e9 / big:.0%} of the large-GEMM rate, {big:.0f} GFLOP/s for one "
                     f"{n_large}³ float32 product through NumPy's BLAS); the epoch's own GEMMs alone (same shapes, "
                     f"same BLAS) take {fmt_time(floor)} ({flops / floor / 1e9:.1f} GFLOP/s): nnkern's epoch is "
                     f"{t / floor:.2f}x that floor")
    return notes


def _cold_table(row):
    lines = ["| contender | import | first epoch (setup + compile) | total |", "|---|---|---|---|"]
    for c in row["first"]:
        imp, first = median(row["import"][c]), median(row["first"][c])
        lines.append(f"| {NAMES[c]} | {fmt_time(imp)} | {fmt_time(first)} | {fmt_time(imp + first)} |")
    return lines


def _memory_table(row):
    lines = ["| contender | peak RSS | above the RSS after import | before training (data + model) |",
             "|---|---|---|---|"]
    for c, m in row["memory"].items():
        lines.append(f"| {NAMES[c]} | {m['peak_mib']:.0f} MiB | {m['peak_mib'] - m['after_import_mib']:.0f} MiB | "
                     f"{m['before_training_mib']:.0f} MiB |")
    return lines


def _typesetting(row):
    """The render cell's note for a render that typeset its scene's TeX (the case's first run on a machine)."""
    return " (TeX typeset in it)" if row.get("tex_typeset") is False else ""


def _render_table(rows):
    def split(row):
        seconds = row.get("split_seconds")
        return "—" if seconds is None else f"{seconds:.0f} s ({seconds / row['video_seconds']:.2f}x)"

    return (["| quality | render | video | render / video | two processes (`nnkern render -j 2`) | replay frames | updates | "
             "drawing | encoding | other |", "|---|---|---|---|---|---|---|---|---|---|"]
            + [f"| -q{row['quality'][0]} | {row['render_seconds']:.0f} s{_typesetting(row)} | {row['video_seconds']:.0f} s | "
               f"{row['render_seconds'] / row['video_seconds']:.2f}x | {split(row)} | {row['replay_frames']} | "
               + " | ".join(f"{fmt_time(row['per_frame'][k])}" for k in ("tracker", "drawing", "encoding", "other"))
               + " |" for row in rows])


def _when(result):
    """When the suite ran and how loaded the machine was: one sentence.  A suite whose cases were run
    at different times (``--update``) says so; the notes give each case's start."""
    machine, load = result["machine"], result["machine"]["load_average"]
    if result.get("in_parts"):
        return (f"Cases run at different times (`--update`), the last at {machine['date']} (each case's start and "
                f"load below); together they took {result['seconds'] / 60:.0f} min")
    return (f"Measured {machine['date']}; 1-minute load average {load['start'][0]:.1f} at the start and "
            f"{load['end'][0]:.1f} at the end (on {machine['cores']} cores); the suite took "
            f"{result['seconds'] / 60:.0f} min")


def table(result):
    rows = result["rows"]
    load = result["machine"]["load_average"]
    lines = [f"Machine: {result['machine_line']}", "",
             _when(result) + (" (quick run: one run, fewer calls and sizes)" if result["quick"] else "") + ".", "",
             "Each cell: the median over independent runs (each contender in its own process, taking turns) of "
             "the median time per epoch (per call for the grid and inference), then the peer's time over "
             "nnkern's: median ratio, lowest–highest. Higher is better for nnkern.", ""]
    timed = [r for r in rows if r["case"] in "abci" and r["spec"]["kind"] != "gemm"]
    if timed:
        lines += _main_table(timed) + [""]
    notes = _roofline_notes(rows)
    for row in rows:
        if row["case"] == "i" and row["runs"].get("nnkern"):
            notes.append(f"(i) {row['setting']}, {row['threads']} thread(s): nnkern "
                         f"{row['spec']['n'] / median(row['runs']['nnkern']) / 1e6:.1f} M rows/s")
        if row["case"] == "d":
            over = ", ".join(f"{k} {v:+.1%}" for k, v in row["overhead"].items())
            if len(row.get("overhead_runs", ())) > 1:  # medians over runs (an older result has one run)
                low, high = row["wall_median_spread"]
                over += f" (medians of {len(row['overhead_runs'])} runs; wall median {low:+.1%} to {high:+.1%})"
            verdict = " — met" if row["overhead"]["wall median"] <= row["overhead_target"] else " — NOT met"
            notes.append(f"(d) {row['setting']}: overhead {over} (target <= {row['overhead_target']:.0%}){verdict}")
    if load.get("per_case"):
        started = result.get("case_started", {})
        notes.append("1-minute load average at the start of each case: " + ", ".join(
            f"({k}) {v:.1f}" + (f" at {started[k]}" if k in started else "") for k, v in load["per_case"].items()))
    steady = result["machine"].get("steadiness")
    if steady:
        notes.append(f"Steadiness at the start of each case (a fixed Python loop timed {REPS} times on every core at "
                     f"once: the 90th percentile of its times over the 10th; about 1.05x on a quiet machine, "
                     f"noisy above {NOISY:.2f}x): " + ", ".join(
                         f"({k}) {steady_text(v)} ({v['median_ms']:.0f} ms)" for k, v in steady.items()))
    lines += [f"- {n}" for n in notes]
    for row in rows:
        if row["case"] == "s":
            lines += ["", f"(s) Cold start, {row['setting']}, in a fresh process (import, then building the "
                      "model and data and running the first epoch, compilation included; nnkern's Numba cache "
                      "warm unless said):", ""] + _cold_table(row)
        if row["case"] == "m":
            lines += ["", f"(m) Peak memory, {row['setting']}:", ""] + _memory_table(row)
    renders = [row for row in rows if row["case"] == "r"]
    if renders:
        lines += ["", "(r) The flagship scene, each quality one render in a fresh process (its TeX typeset "
                  "before, as for a lecturer's second render, unless said), then split over two "
                  "(`nnkern render training -j 2`, cut by that render's animation times); per frame of the one-process replay "
                  "(the frames drawn while the tracker plays the run): its updates (the tracker's frame, grid "
                  "included, the views restyling their mobjects, the play's other animations), Manim's "
                  "drawing (the camera rasterising) and the hand-over to ffmpeg:", ""] + _render_table(renders)
    return "\n".join(lines)


def plots(result, out):
    """Write speedups.png (median ratios with their spread, cases a-c and i); return the paths written."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plots")
        return []
    rows = [r for r in result["rows"] if r["case"] in "abci" and r.get("ratios")]
    if not rows:
        return []
    peers = [p for p in PEERS if any(r["ratios"].get(p) for r in rows)]
    fig, ax = plt.subplots(figsize=(11, 1 + 0.8 * len(rows)))
    height = 0.8 / len(peers)
    for k, peer in enumerate(peers):
        ys, meds, lo, hi = [], [], [], []
        for i, r in enumerate(rows):
            values = r["ratios"].get(peer)
            if values:
                m = median(values)
                ys.append(i + (k - (len(peers) - 1) / 2) * height)
                meds.append(m)
                lo.append(m - min(values))
                hi.append(max(values) - m)
        ax.barh(ys, meds, height, xerr=[lo, hi], label=f"vs {NAMES[peer]}", capsize=2)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([textwrap.fill(f"({r['case']}) {r['setting']}, {r['threads']} thread(s)", 38) for r in rows],
                       fontsize=7)
    ax.set_xscale("log")
    ax.axvline(1, color="k", lw=0.8)
    ax.set_xlabel("peer time / nnkern time (median over runs; whiskers: lowest to highest run)")
    ax.legend(fontsize=7, ncol=2, loc="lower right")
    ax.invert_yaxis()
    fig.suptitle(f"nnkern against its peers — {result['machine']['cpu']}, {result['machine']['cores']} cores, "
                 f"measured {result['machine']['date']}", fontsize=9)
    fig.tight_layout()
    path = pathlib.Path(out) / "speedups.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]
