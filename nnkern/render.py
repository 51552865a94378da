"""``nnkern render``: every scene of a folder rendered by Manim in parallel processes, with a gallery page.

Each scene renders in its own ``python -m manim render`` process (or several, see ``render_parts``;
or, with a Dask ``scheduler``, a process started by one of the cluster's workers), its output kept
in ``<media>/logs/<scene>.log``; a failure stops nothing else and is reported at the end with the
log's last lines. ``<media>/gallery.html`` shows one poster still (the frame at 90% of each
video) and the command that renders it, linked to the video.
"""

import html
import os
import pathlib
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

#: Manim's quality flag -> the folder it writes videos into
QUALITIES = {"l": "480p15", "m": "720p30", "h": "1080p60"}


@dataclass
class Result:
    """One scene's render: its file, exit status, wall-clock seconds, log, and video and poster (None if absent)."""

    scene: pathlib.Path
    status: int
    seconds: float
    log: pathlib.Path
    video: pathlib.Path = None
    poster: pathlib.Path = None

    @property
    def name(self):
        return self.scene.stem


def find_scenes(names=(), folder="scenes"):
    """Scene files: those named (a path, or a name in ``folder`` with or without .py), else every
    ``*.py`` in ``folder`` not starting with ``_``; a ValueError names what is not there."""
    folder = pathlib.Path(folder)
    available = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_")) if folder.is_dir() else []
    if not names:
        if not available:
            raise ValueError(f"no scenes in {folder}/ (expected *.py files holding a Manim Scene)")
        return available
    found = []
    for name in names:
        candidates = [pathlib.Path(name), folder / name, folder / f"{name}.py"]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            have = ", ".join(p.stem for p in available) or "none"
            raise ValueError(f"no scene {name!r} (scenes in {folder}/: {have})")
        found.append(path)
    return found


def command(scene, quality, theme=None):
    """The shell command a user types to render ``scene`` alone."""
    return f"{f'NNKERN_THEME={theme} ' if theme else ''}manim render -q{quality} {scene}"


def render_one(scene, quality, media, theme=None, parts=1, threads=None):
    """Render one scene file into ``media`` in up to ``parts`` new processes at once (see
    ``render_parts``), each running its compiled kernels on ``threads`` threads (default: Numba's,
    unless NUMBA_NUM_THREADS is set); returns its Result."""
    from . import render_parts

    media = pathlib.Path(media).resolve()
    log = media / "logs" / f"{scene.stem}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, **({"NNKERN_THEME": theme} if theme else {}))
    if threads is not None:
        env.setdefault("NUMBA_NUM_THREADS", str(threads))
    start = time.perf_counter()
    status = render_parts.render(scene, quality, media, env, log, parts)
    result = Result(scene, status, time.perf_counter() - start, log)
    if status == 0:
        videos = sorted((media / "videos" / scene.stem / QUALITIES[quality]).glob("*.mp4"), key=os.path.getmtime)
        result.video = videos[-1] if videos else None
        result.poster = poster(result.video, media / "posters" / f"{scene.stem}.png") if result.video else None
    return result


def poster(video, png, at=0.9):
    """The frame at fraction ``at`` of ``video``'s length (near the end: the scene's result) written to
    ``png``; None if ffprobe or ffmpeg fails."""
    png.parent.mkdir(parents=True, exist_ok=True)
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(video)],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
    try:
        seconds = at * float(probe.stdout)
    except ValueError:
        return None
    argv = ["ffmpeg", "-v", "error", "-y", "-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1", "-update", "1", str(png)]
    done = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL)
    return png if done.returncode == 0 and png.exists() else None


def render_all(scenes, quality="l", jobs=None, theme=None, media="media", out=print, scheduler=None):
    """Render ``scenes`` in ``jobs`` parallel processes (default: the number of cores), printing one line
    per finished scene and writing ``<media>/gallery.html``; returns the Results in the scenes' order.
    With more processes than scenes, each scene is split over ``jobs // len(scenes)`` of them.
    scheduler: a Dask scheduler's address ("tcp://HOST:8786"): each scene renders whole on one of
    its workers instead (``jobs`` unused), into ``media``, which the workers must reach at the same path."""
    if scheduler is None:
        jobs = jobs or os.cpu_count() or 1
        parts = max(1, jobs // len(scenes))
        processes = min(jobs, len(scenes) * parts)
        split = f", each split over {parts} where an earlier render timed it" if parts > 1 else ""
        where = f"in {processes} process{'es' * (processes != 1)}{split}"
        finished = _in_processes(scenes, quality, media, theme, jobs, parts)
    else:
        where = f"on the Dask workers of {scheduler}, each scene whole"
        finished = _on_dask(scheduler, scenes, quality, media, theme)
    out(f"rendering {len(scenes)} scene{'s' * (len(scenes) != 1)} at -q{quality} {where}{f', theme {theme}' if theme else ''}")
    results = {}
    for done, r in enumerate(finished, start=1):
        results[r.scene] = r
        state = f"ok, {r.video}" if r.status == 0 else f"FAILED (exit {r.status}), log {r.log}"
        out(f"[{done}/{len(scenes)}] {r.name}: {r.seconds:.1f} s, {state}")
    ordered = [results[s] for s in scenes]
    out(f"gallery: {gallery(ordered, media, quality, theme)}")
    return ordered


def _in_processes(scenes, quality, media, theme, jobs, parts):
    """The Results of ``scenes`` rendered ``jobs`` at a time here, each in up to ``parts`` processes, as they
    finish. The processes share the cores: each runs its kernels on its share of them (a kernel waiting
    for a thread team whose threads another process holds stalls its whole frame)."""
    threads = max(1, (os.cpu_count() or 1) // min(jobs, len(scenes) * parts))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(render_one, s, quality, media, theme, parts, threads) for s in scenes]
        for future in as_completed(futures):
            yield future.result()


def _on_dask(scheduler, scenes, quality, media, theme):
    """The Results of ``scenes``, each rendered whole by a task on the Dask cluster at ``scheduler``,
    as they finish; a task that fails (a lost worker) is a failed render with the error in its log.
    Paths are made absolute here, as the workers may run elsewhere; the theme is this process's."""
    try:
        from distributed import Client, as_completed as finished
    except ImportError as e:
        raise ImportError(f"nnkern render --scheduler needs dask and distributed: pip install 'nnkern[sweep]' ({e})") from None
    media = pathlib.Path(media).resolve()
    theme = theme or os.environ.get("NNKERN_THEME")
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as e:
        raise OSError(f"no Dask scheduler answers at {scheduler} ({e})") from None
    with client:
        futures = {client.submit(render_one, scene.resolve(), quality, media, theme, key=f"nnkern-render-{scene.stem}",
                                 pure=False): scene for scene in scenes}
        try:
            for future in finished(futures):
                try:
                    r = future.result()
                    r.scene = futures[future]  # as the user named it
                    yield r
                except Exception as e:
                    yield _lost(futures[future], media, f"the Dask task failed: {type(e).__name__}: {e}")
        finally:
            client.cancel(list(futures))


def _lost(scene, media, reason):
    """The Result of a render that never ran to an exit status, ``reason`` written to its log."""
    log = media / "logs" / f"{scene.stem}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"nnkern: {reason}\n")
    return Result(scene, 1, 0.0, log)


def report_failures(results, out=print, lines=15):
    """Each failed scene with the last ``lines`` of its log; True if any failed."""
    failed = [r for r in results if r.status != 0]
    for r in failed:
        tail = r.log.read_text(errors="replace").splitlines()[-lines:]
        out(f"\n{r.name} failed (exit {r.status}); the end of {r.log}:\n" + "\n".join(f"    {t}" for t in tail))
    if failed:
        out(f"\n{len(failed)} of {len(results)} scenes failed: {', '.join(r.name for r in failed)}")
    return bool(failed)


def gallery(results, media, quality, theme=None):
    """Write ``<media>/gallery.html``: per scene a poster linked to its video and its command; returns its path."""
    media = pathlib.Path(media).resolve()

    def rel(path):
        return html.escape(os.path.relpath(path, media))

    cards = []
    for r in results:
        cmd = html.escape(command(r.scene, quality, theme))
        if r.status != 0:
            body = f'<p class="failed">failed (exit {r.status}): <a href="{rel(r.log)}">log</a></p>'
        elif r.video is None:
            body = f'<p class="failed">rendered, but no video found: <a href="{rel(r.log)}">log</a></p>'
        else:
            still = f'<img src="{rel(r.poster)}" alt="{html.escape(r.name)}">' if r.poster else "video"
            body = f'<a href="{rel(r.video)}">{still}</a>'
        cards.append(f'<section><h2>{html.escape(r.name)}</h2>{body}<pre>{cmd}</pre>'
                     f'<p class="time">{r.seconds:.0f} s to render</p></section>')
    page = media / "gallery.html"
    page.write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nnkern scenes</title>
<style>
body {{ font-family: sans-serif; margin: 2em; background: #fafafa; color: #111; }}
main {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 1.5em; }}
section {{ background: #fff; padding: 1em; border: 1px solid #ddd; }}
img {{ width: 100%; }}
pre {{ white-space: pre-wrap; background: #eee; padding: 0.5em; }}
.failed {{ color: #b00; }} .time {{ color: #666; font-size: small; }}
</style></head>
<body><h1>nnkern scenes</h1><main>
{chr(10).join(cards)}
</main></body></html>
""")
    return page
