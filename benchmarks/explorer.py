"""The explorer's budgets on the README's spiral run (2-16-16-1 tanh, 1000 points, 300 epochs, batch
32, every step recorded, the default): the page's size, the error its int16 snapshots add, and its
redraw rate in headless Chromium (a 128x128 grid) while the time slider moves and while a weight is
dragged; with --shots DIR, also the README's screenshots early and late in the run.

Usage: python -m benchmarks.explorer [--seconds S] [--shots media]
"""

import argparse
import os
import pathlib
import tempfile

import numpy as np

import nnkern as nk
from nnkern.explorer import browser, page

# frames drawn in S seconds of requestAnimationFrame, each frame moving the time (slider) or one weight (drag)
# (the page's own entry points, which the slider's and the pointer's handlers call)
FRAMES = """async ([mode, seconds]) => {
  const p = 5, start = performance.now();  // a first-layer weight: every layer is recomputed
  let frames = 0;
  await new Promise((done) => {
    function frame(now) {
      if (now - start > 1000 * seconds) return done();
      frames++;
      if (mode === "slider") explorer.setTime((frames * 0.37) % (explorer.nSnapshots - 1));
      else explorer.setParameter(p, Math.sin(frames / 10));
      requestAnimationFrame(frame);
    }
    requestAnimationFrame(frame);
  });
  return frames;
}"""
RENDER_MS = """(n) => { const t = []; for (let k = 0; k < n; k++) { const s = performance.now();
  explorer.setTime((k * 0.37) % (explorer.nSnapshots - 1)); t.push(performance.now() - s); }
  t.sort((a, b) => a - b); return t[t.length >> 1]; }"""


def descendants_cpu_seconds():
    """CPU seconds (user + system) used so far by every process descended from this one (the browser's)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(pid)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)  # ppid, utime + stime
    def ours(pid):
        while pid > 1:
            if pid == os.getpid():
                return True
            pid = stats.get(pid, (0, 0))[0]
        return False
    return sum(cpu for pid, (_, cpu) in stats.items() if pid != os.getpid() and ours(pid))


def spiral_run(folder):
    X, y = nk.datasets.load("spiral", n=1000, noise=0.05, seed=0)
    net = nk.MLP([2, 16, 16, 1], activation="tanh", output="sigmoid", seed=0)
    nk.train(net, X, y, epochs=300, batch_size=32, optimizer="adam", lr=0.03, seed=0, quiet=True,
             record_to=folder, record_meta={"dataset": "spiral"})
    return nk.Recording.load(folder)


def snapshot_error(rec):
    """(largest |parameter| error, largest |P(class 1)| error over the plane, snapshots kept) that the
    page's int16 snapshots add, over 12 of its snapshots."""
    chosen = page.chosen_snapshots(rec.steps, page.N_SNAPSHOTS)
    exact = rec.stack("params", chosen)
    stored = page.dequantize(*page.quantize(exact))
    extent = nk.views.square_extent(rec.data[0])
    a, b = rec.model_at(0), rec.model_at(0)
    out = 0.0
    for k in np.linspace(0, len(chosen) - 1, 12).astype(int):
        a.set_params(exact[k])
        b.set_params(stored[k])
        diff = nk.grid_activations(a, extent, page.RESOLUTION)[-1] - nk.grid_activations(b, extent, page.RESOLUTION)[-1]
        out = max(out, float(np.abs(diff).max()))
    return float(np.abs(stored.astype(np.float64) - exact).max()), out, len(chosen)


def shoot(html, out):
    """explorer-early.png (a hidden neuron's map, early) and explorer-late.png (the end: a point sent
    through, an edge's history) in ``out``."""
    with browser.open_page(html, 1280, 800) as tab:
        n = tab.evaluate("explorer.nSnapshots")
        tab.evaluate(f"explorer.setTime({round(0.22 * (n - 1))})")
        at = tab.evaluate("explorer.neuronPoint(1, 2)")
        tab.mouse.move(at["x"], at["y"])
        tab.evaluate("new Promise(requestAnimationFrame)")
        tab.screenshot(path=out / "explorer-early.png")
        tab.mouse.move(5, 5)
        tab.evaluate(f"explorer.setTime({n - 1})")
        box = tab.locator("#overlay").bounding_box()
        tab.mouse.click(box["x"] + 0.62 * box["width"], box["y"] + 0.42 * box["height"])
        tab.wait_for_timeout(1200)  # the network lights up layer by layer
        at = tab.evaluate("explorer.edgePoint(1, 5, 9)")
        tab.mouse.move(at["x"], at["y"])
        tab.evaluate("new Promise(requestAnimationFrame)")
        tab.screenshot(path=out / "explorer-late.png")
        assert not tab.problems, tab.problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds of frames per measurement")
    parser.add_argument("--shots", type=pathlib.Path, default=None, help="write the README's screenshots here")
    args = parser.parse_args()
    reason = browser.missing()
    if reason:
        raise SystemExit(f"cannot measure the explorer: {reason}")
    with tempfile.TemporaryDirectory() as tmp:
        rec = spiral_run(pathlib.Path(tmp) / "spiral")
        html = nk.explore(rec, pathlib.Path(tmp) / "spiral.html")
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        with browser.open_page(html) as tab:
            tab.evaluate(RENDER_MS, 20)  # warm-up: the JIT compiles the forward pass
            ms = tab.evaluate(RENDER_MS, 100)
            fps, cpu_ms = {}, {}
            for mode in ("slider", "drag"):
                cpu = descendants_cpu_seconds()
                frames = tab.evaluate(FRAMES, [mode, args.seconds])
                fps[mode] = frames / args.seconds
                cpu_ms[mode] = 1e3 * (descendants_cpu_seconds() - cpu) / frames
            assert not tab.problems, tab.problems
        print(f"redraw (128x128 grid, 1000 points, diagram, curves), wall clock: median {ms:.1f} ms")
        for mode, what in (("slider", "the time slider moving"), ("drag", "a weight dragged")):
            print(f"{what}: {fps[mode]:.0f} frames per second; browser CPU time {cpu_ms[mode]:.1f} ms per frame "
                  f"({1e3 / cpu_ms[mode]:.0f} frames per CPU second)")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        param_err, out_err, n = snapshot_error(rec)  # after the browser's timings: Numba's threads stay out of them
        print(f"page: {os.path.getsize(html) / 1e6:.2f} MB for {len(rec)} recorded steps, {n} snapshots kept; "
              f"int16 snapshots: parameters within {param_err:.1e}, P(class 1) over the plane within {out_err:.1e}")
        if args.shots:
            shoot(html, args.shots)
            print(f"wrote {args.shots}/explorer-early.png and {args.shots}/explorer-late.png")


if __name__ == "__main__":
    main()
