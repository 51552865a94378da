"""One scene rendered by several Manim processes at once, joined into the video one process makes.

Manim's ``-n FIRST,LAST`` draws only animations FIRST to LAST and plays the others instantly (their
end state, no frames), so a part starts from the state a whole render reaches there. nnkern's views
are functions of the replay's time (the tracker's Frame), not of the frames drawn before, so the
parts' frames are the whole render's; a test checks a scene frame by frame. Each part has its own
media folder (Manim's text and TeX files race when two processes share one); the parts' videos are
joined without re-encoding, and the last part's subtitles hold every caption at its time.

Where to cut comes from the last render of the scene at that quality: every render through
:func:`render` writes ``<media>/logs/<scene>-<quality>.timings.json``, the seconds each animation
took to set up (the scene's code before it, paid again when a part skips it) and to draw; failing
that, the timings of another quality (drawing grows with the pixels, set-up does not, so those cut
less evenly). Without any the scene renders whole in one process. Timings of an older version of the scene only cut it
less evenly: the last part always runs to the end, and a part left with nothing to draw (the scene
lost animations) makes the scene render whole.
"""

import contextlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from .render import QUALITIES


def render(scene, quality, media, env, log, parts=1):
    """Render ``scene`` (a file) at ``quality`` ("l", "m", "h") into ``media`` as ``manim render
    --media_dir MEDIA`` does, in up to ``parts`` processes at once; every process's output goes to
    ``log``. Returns the exit status (0: the video is in place)."""
    scene, media, log = pathlib.Path(scene), pathlib.Path(media), pathlib.Path(log)
    timings_file = media / "logs" / f"{scene.stem}-{quality}.timings.json"
    known = _load(timings_file)
    guide = known or next(filter(None, (_load(timings_file.with_name(f"{scene.stem}-{q}.timings.json"))
                                        for q in QUALITIES if q != quality)), None)  # fmt: skip
    ranges = cuts(guide, parts) if guide and parts > 1 else [None]
    if len(ranges) == 1:
        status, records = _whole(scene, quality, media, env, log)
    else:
        status, records = _split(scene, quality, media, env, log, ranges)
        if status != 0:  # e.g. the scene has fewer animations than the timings said: render it whole
            with open(log, "a") as out:
                out.write(f"\nnnkern: the split render failed (exit {status}); rendering {scene.name} whole\n")
            status, records = _whole(scene, quality, media, env, log, append=True)
    timings = _merge(known, records)
    if status == 0 and timings:
        _save(timings_file, timings)
    return status


def cuts(animations, parts):
    """Contiguous animation ranges [(first, last)] for at most ``parts`` processes, the slowest as
    fast as can be: a part pays the set-up of every animation before its first and the whole of its
    own. ``animations``: [{"setup": s, "draw": s}] in order. One range unless splitting saves a tenth."""
    setup = [0.0, *(a["setup"] for a in animations)]
    whole = [0.0, *(a["setup"] + a["draw"] for a in animations)]
    for i in range(1, len(setup)):
        setup[i] += setup[i - 1]
        whole[i] += whole[i - 1]
    n = len(animations)

    def cost(a, b):  # part drawing animations a..b-1
        return setup[a] + whole[b] - whole[a]

    best = {(1, b): (cost(0, b), [0]) for b in range(1, n + 1)}  # (parts, end) -> (slowest, starts)
    for p in range(2, min(parts, n) + 1):
        for b in range(p, n + 1):
            best[p, b] = min(((max(best[p - 1, a][0], cost(a, b)), best[p - 1, a][1] + [a]) for a in range(p - 1, b)),
                             key=lambda c: c[0])
    slowest, starts = min((best[p, n] for p in range(1, min(parts, n) + 1)), key=lambda c: c[0])
    if slowest > 0.9 * whole[n]:
        starts = [0]
    return [(a, b - 1) for a, b in zip(starts, [*starts[1:], n])]


def _load(path):
    """The timings at ``path`` ([{"setup": s, "draw": s}] per animation), or None if absent or unreadable."""
    try:
        animations = json.loads(path.read_text())["animations"]
        return [{"setup": float(a["setup"]), "draw": float(a["draw"])} for a in animations] or None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _save(path, animations):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps({"animations": animations}))
    tmp.replace(path)


def _merge(known, records):
    """Timings per animation, in order: as drawn now (by whichever part drew it), else the earlier ones
    (Manim's cache had it: that says nothing of its cost), else what it cost skipped."""
    drawn = {r["index"]: r for r in records if r["drawn"]}
    seen = {r["index"]: r for r in records}
    out = []
    for i in range(max(seen, default=-1) + 1):
        r = drawn.get(i) or (known[i] if known and i < len(known) else seen.get(i))
        if r is None:
            return []
        out.append({"setup": r["setup"], "draw": r["draw"]})
    return out


def _whole(scene, quality, media, env, log, append=False):
    with open(log, "a" if append else "w") as out:
        return _manim(scene, quality, media, env, out)


def _split(scene, quality, media, env, log, ranges):
    """Render each range in its own process and media folder, then join the videos into ``media``."""
    folders = [media / "parts" / scene.stem / str(i) for i in range(len(ranges))]
    logs = [log.with_name(f"{log.stem}.part{i}.log") for i in range(len(ranges))]

    def part(i):
        with open(logs[i], "w") as out:
            return _manim(scene, quality, folders[i], env, out, ranges[i], last=i == len(ranges) - 1)

    with ThreadPoolExecutor(len(ranges)) as pool:
        done = list(pool.map(part, range(len(ranges))))
    with open(log, "w") as out:
        for i, ((first, last), path) in enumerate(zip(ranges, logs)):
            out.write(f"== part {i + 1} of {len(ranges)}: animations {first} to {last} ==\n{path.read_text(errors='replace')}\n")
            path.unlink()
    status = next((s for s, _ in done if s != 0), 0)
    if status == 0:
        status = _join(scene, quality, folders, media, log)
    return status, [r for _, records in done for r in records]


def _join(scene, quality, folders, media, log):
    """Concatenate the parts' videos (no re-encoding) into ``media``'s video folder, with the last
    part's subtitles; returns 0, or 1 with the reason in ``log``."""
    videos = [_video(f / "videos" / scene.stem / QUALITIES[quality]) for f in folders]
    if any(v is None for v in videos) or len({v.name for v in videos}) != 1:
        with open(log, "a") as out:
            out.write(f"nnkern: a part made no video, or parts disagree on its name: {videos}\n")
        return 1
    target = media / "videos" / scene.stem / QUALITIES[quality] / videos[0].name
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        listing = pathlib.Path(tmp) / "parts.txt"
        listing.write_text("".join(f"file '{v}'\n" for v in videos))
        joined = pathlib.Path(tmp) / videos[0].name
        argv = ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(joined)]
        with open(log, "a") as out:
            status = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL).returncode
        if status != 0:
            return status
        joined.replace(target)
    subtitles = videos[-1].with_suffix(".srt")
    if subtitles.exists():
        shutil.copyfile(subtitles, target.with_suffix(".srt"))
    return 0


def _video(folder):
    """The newest video Manim wrote in ``folder``, or None."""
    videos = sorted(folder.glob("*.mp4"), key=os.path.getmtime)
    return videos[-1] if videos else None


def _manim(scene, quality, media, env, out, animations=None, last=False):
    """``manim render`` of ``scene`` (animations first..last if given; to the end if ``last``) in a new
    process timing each animation; returns (exit status, per animation played {index, setup, draw, drawn})."""
    with tempfile.TemporaryDirectory() as tmp:
        timings = pathlib.Path(tmp) / "timings.json"
        argv = [sys.executable, "-m", "nnkern.render_parts", str(timings), "render", f"-q{quality}", "--media_dir", str(media)]
        if animations is not None:
            first, final = animations
            argv += ["-n", f"{first}" if last else f"{first},{final}"]
        argv.append(str(scene))
        status = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL).returncode
        try:
            records = json.loads(timings.read_text())
        except (OSError, ValueError):
            records = []
    return status, records


@contextlib.contextmanager
def timed_plays():
    """While open, a list that gets, per animation Manim plays in this process, its index, the seconds
    of scene code before it, the seconds it took, and whether it was drawn (not skipped by ``-n`` or
    found in Manim's cache)."""
    from manim.renderer.cairo_renderer import CairoRenderer

    records, clock = [], [time.perf_counter()]
    play = CairoRenderer.play

    def timed_play(renderer, scene, *args, **kwargs):
        start = time.perf_counter()
        index = renderer.num_plays
        play(renderer, scene, *args, **kwargs)
        clock.append(time.perf_counter())
        records.append({"index": index, "setup": start - clock[-2], "draw": clock[-1] - start, "drawn": not renderer.skip_animations})

    CairoRenderer.play = timed_play
    try:
        yield records
    finally:
        CairoRenderer.play = play


def save_timings(path, records):
    """Write a whole render's ``timed_plays`` records as the timings file :func:`render` cuts by."""
    timings = _merge(None, records)
    if timings:
        _save(pathlib.Path(path), timings)


def _timed_manim(timings, argv):
    """Run Manim's command line with ``argv`` in this process, writing ``timed_plays``' records to
    ``timings`` (JSON)."""
    from manim.__main__ import main

    with timed_plays() as records:
        try:
            main(args=argv, prog_name="manim")
        finally:
            pathlib.Path(timings).write_text(json.dumps(records))


if __name__ == "__main__":
    _timed_manim(sys.argv[1], sys.argv[2:])
