"""Where a frame of the flagship's replay goes: renders ``scenes/training.py`` in this process
(``-ql`` unless ``--quality high``, caching off) and times, for the frames drawn while a
``TrainingTracker.play`` animation runs, the tracker's work (the scene's per-frame updates: the
tracker's frame computation, grid included, and the views restyling their mobjects), Manim's
drawing (``CairoRenderer.update_frame``: the camera rasterising every mobject) and handing the
frame to ffmpeg.  Prints one JSON line.  It times Manim's public renderer steps and the tracker's
``play``, nothing inside the tracker, so that the tracker can change under it.  With ``--media
DIR`` it renders there (default: a temporary folder) and writes each animation's time where
``nnkern render --media DIR`` reads it (``render_parts``), so that a ``nnkern render -j 2`` after it
splits the scene, its TeX already typeset.
Usage: python -m benchmarks.replay_frames [--quality low|high] [--media DIR]
"""

import argparse
import contextlib
import importlib.util
import json
import pathlib
import sys
import tempfile
import time

SCENE = pathlib.Path(__file__).resolve().parents[1] / "scenes" / "training.py"


class Timers:
    """Seconds per part, counted only while ``replay`` is set."""

    def __init__(self):
        self.replay, self.seconds, self.frames = False, {}, 0

    def wrap(self, owner, name, part):
        original = getattr(owner, name)
        timers = self

        def timed(*args, **kwargs):
            if not timers.replay:
                return original(*args, **kwargs)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timers.seconds[part] = timers.seconds.get(part, 0.0) + time.perf_counter() - start

        setattr(owner, name, timed)


def measure(quality, media=None):
    from manim import tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer
    from manim.scene.scene import Scene
    from manim.scene.scene_file_writer import SceneFileWriter

    from nnkern import render_parts
    from nnkern.viz import TrainingTracker

    timers, replays = Timers(), set()
    play_animation = TrainingTracker.play

    def tagged(self, *args, **kwargs):
        animation = play_animation(self, *args, **kwargs)
        replays.add(id(animation))
        return animation

    TrainingTracker.play = tagged
    scene_play = Scene.play

    def play(self, *args, **kwargs):
        timers.replay = any(id(a) in replays for a in args)
        start = time.perf_counter()
        try:
            return scene_play(self, *args, **kwargs)
        finally:
            if timers.replay:
                timers.seconds["replay"] = timers.seconds.get("replay", 0.0) + time.perf_counter() - start
            timers.replay = False

    Scene.play = play
    timers.wrap(Scene, "update_to_time", "tracker")  # animations' interpolation and every updater
    timers.wrap(CairoRenderer, "update_frame", "drawing")
    timers.wrap(SceneFileWriter, "write_frame", "encoding")
    write_frame = SceneFileWriter.write_frame

    def counted(self, *args, **kwargs):
        timers.frames += timers.replay
        return write_frame(self, *args, **kwargs)

    SceneFileWriter.write_frame = counted
    with contextlib.ExitStack() as stack:
        if media is None:
            media = stack.enter_context(tempfile.TemporaryDirectory(prefix="nnkern-replay-"))
        stack.enter_context(tempconfig({"quality": f"{quality}_quality", "media_dir": str(media), "disable_caching": True,
                                        "progress_bar": "none", "verbosity": "WARNING"}))
        spec = importlib.util.spec_from_file_location("nnkern_bench_training_scene", SCENE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        scene = module.TrainingScene()
        start = time.perf_counter()
        with contextlib.redirect_stdout(sys.stderr), render_parts.timed_plays() as plays:
            scene.render()
        total = time.perf_counter() - start
        render_parts.save_timings(pathlib.Path(media) / "logs" / f"{SCENE.stem}-{quality[0]}.timings.json", plays)
        video = scene.renderer.time
    s, n = timers.seconds, max(timers.frames, 1)
    parts = {k: s.get(k, 0.0) / n for k in ("tracker", "drawing", "encoding")}
    parts["other"] = s.get("replay", 0.0) / n - sum(parts.values())
    return {"quality": quality, "render_seconds": total, "video_seconds": video, "replay_frames": timers.frames,
            "replay_seconds": s.get("replay", 0.0), "per_frame": parts}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", choices=("low", "high"), default="low")
    parser.add_argument("--media", help="render here and keep the animations' times for nnkern render (default: a temporary folder)")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.quality, args.media)))


if __name__ == "__main__":
    main()
