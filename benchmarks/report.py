"""The suite's table (Markdown) and plots."""

import pathlib

NAMES = {"nnkern": "nnkern", "numpy": "NumPy ref", "torch": "PyTorch", "sklearn": "scikit-learn"}


def fmt_time(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def ratios(row):
    """{peer: peer time / nnkern time}."""
    t = row["times"]
    if "nnkern" not in t:
        return {}
    return {k: v / t["nnkern"] for k, v in t.items() if k != "nnkern"}


def met(row):
    """True / False when the row has targets, None when it has none."""
    if "met" in row:
        return row["met"]
    targets = row.get("targets") or {}
    r = ratios(row)
    checks = [r[k] >= v for k, v in targets.items() if k in r]
    if "target_seconds" in row:
        checks.append(row["times"]["nnkern"] <= row["target_seconds"] * 1.5)  # "about"
    return all(checks) if checks else None


def _target_text(row):
    parts = [f">= {v:g}x {NAMES[k]}" for k, v in (row.get("targets") or {}).items()]
    if "target_seconds" in row:
        parts.append(f"~{fmt_time(row['target_seconds'])}")
    if "overhead_target" in row:
        parts.append(f"<= {row['overhead_target']:.0%} overhead")
    if "warm_target_seconds" in row:
        parts.append(f"warm < {row['warm_target_seconds']:g} s")
    return ", ".join(parts)


def table(result):
    lines = [f"Machine: {result['machine_line']}", "",
             "| case | setting | nnkern | NumPy ref | PyTorch | scikit-learn | target | met |",
             "|---|---|---|---|---|---|---|---|"]
    notes = []
    for row in result["rows"]:
        if row["case"] in ("d", "e", "f"):
            continue
        r = ratios(row)
        cells = []
        for impl in ("nnkern", "numpy", "torch", "sklearn"):
            t = row["times"].get(impl)
            if t is None:
                cells.append("—")
            elif impl == "nnkern":
                cells.append(fmt_time(t))
            else:
                cells.append(f"{fmt_time(t)} ({r[impl]:.1f}x)")
        ok = met(row)
        lines.append(f"| {row['case']} | {row['setting']} | " + " | ".join(cells) +
                     f" | {_target_text(row)} | {'—' if ok is None else ('yes' if ok else 'no')} |")
        if row["case"] == "b":
            g = row["gflops"]
            notes.append("(b) GFLOP/s: " + ", ".join(f"{NAMES[k]} {v:.1f}" for k, v in g.items()) +
                         f"; measured sgemm (2048^3, NumPy BLAS): {row['sgemm_gflops']:.1f} GFLOP/s, "
                         f"so nnkern runs at {row['roofline_share']:.0%} of it")
        if row.get("torch_threads") and row["case"] in ("a", "c") and row is _first(result, row["case"]):
            notes.append(f"({row['case']}) PyTorch with {row['torch_threads']} intra-op thread(s)")
    for row in result["rows"]:
        ok = met(row)
        verdict = "" if ok is None else (" — target met" if ok else " — target NOT met")
        if row["case"] == "d":
            over = ", ".join(f"{k} {v:+.1%}" for k, v in row["overhead"].items())
            target = f" (target <= {row['overhead_target']:.0%})" if "overhead_target" in row else ""
            notes.append(f"(d) {row['setting']}: overhead {over}{target}{verdict}")
        if row["case"] == "f":
            c, w = row["cold"], row["warm"]
            notes.append(f"(f) {row['setting']}: cold (empty cache) {c['first_call']:.2f} s, warm (cached) "
                         f"{w['first_call']:.2f} s (import {w['import']:.2f} s; target warm < 1 s){verdict}")
        if row["case"] == "e":
            notes.append("(e) scaling: see scaling.png")
    load = result["machine"].get("load_average")
    if load:
        notes.append(f"1-minute load average {load['before']:.1f} before, {load['after']:.1f} after the run "
                     f"(on {result['machine']['cores']} cores; other processes slow the multi-threaded peers most)")
    if result.get("missing_peers"):
        notes.append("skipped peers (not installed): " + ", ".join(result["missing_peers"]))
    if result.get("quick"):
        notes.append("quick run: fewer repeats and sizes")
    return "\n".join(lines + [""] + [f"- {n}" for n in notes])


def _first(result, case):
    return next(r for r in result["rows"] if r["case"] == case)


def plots(result, out):
    """Write scaling.png (case e) and speedups.png (cases a-c); return the paths written."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plots")
        return []
    out = pathlib.Path(out)
    written = []
    scaling = next((r for r in result["rows"] if r["case"] == "e"), None)
    if scaling:
        titles = {"samples": ("samples (batch 32, 2-16-16-1)", "samples"),
                  "width": ("hidden width (1000 samples, batch 32, 2-w-w-1)", "width"),
                  "batch": ("batch size (1000 samples, 2-16-16-1)", "batch size")}
        fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
        for ax, (key, (title, xlabel)) in zip(axes, titles.items()):
            points = scaling["series"][key]
            for impl, style in (("nnkern", "o-"), ("numpy", "s--"), ("torch", "^:")):
                xs = [p["x"] for p in points if impl in p["times"]]
                ys = [p["times"][impl] for p in points if impl in p["times"]]
                if xs:
                    ax.loglog(xs, ys, style, label=NAMES[impl])
            ax.set_title(title, fontsize=10)
            ax.set_xlabel(xlabel)
            ax.set_ylabel("seconds per epoch")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend()
        fig.suptitle("nnkern epoch time scaling, float32, Adam — " + result["machine"]["cpu"] +
                     f", {result['machine']['cores']} cores", fontsize=10)
        fig.tight_layout()
        path = out / "scaling.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    rows = [r for r in result["rows"] if r["case"] in ("a", "b", "c") and "nnkern" in r["times"]]
    if rows:
        fig, ax = plt.subplots(figsize=(10, 0.5 + 0.6 * len(rows)))
        labels = [f"({r['case']}) {r['setting']}" for r in rows]
        height = 0.25
        for k, impl in enumerate(("numpy", "torch", "sklearn")):
            vals = [ratios(r).get(impl, 0) for r in rows]
            ax.barh([i + (k - 1) * height for i in range(len(rows))], vals, height, label=f"vs {NAMES[impl]}")
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_xscale("log")
        ax.axvline(1, color="k", lw=0.8)
        ax.set_xlabel("nnkern speed-up (peer time / nnkern time)")
        ax.legend(fontsize=8)
        ax.invert_yaxis()
        fig.tight_layout()
        path = out / "speedups.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written
