"""A scene split over several Manim processes: balanced cuts, and the joined video frame for frame the whole render's."""

import json
import subprocess

import pytest

from nnkern import render_parts
from nnkern.render import render_one

pytest.importorskip("manim")

SCENE = '''
from manim import DecimalNumber, Scene, Square, ValueTracker, always_redraw


class Moving(Scene):
    """Four animations of a square driven by a ValueTracker, a number following it, and a caption each."""

    def construct(self):
        x = ValueTracker(-3.0)
        square = always_redraw(lambda: Square(1).move_to([x.get_value(), 0, 0]).rotate(x.get_value()))
        number = DecimalNumber(0).to_edge([0, 1, 0])
        number.add_updater(lambda m: m.set_value(x.get_value()))
        self.add(square, number)
        for k, end in enumerate((-1.0, 1.0, 2.0, 3.0)):
            self.add_subcaption(f"step {k}", duration=0.5)
            self.play(x.animate.set_value(end), run_time=0.6)
'''


def timings(draws, setup=0.1):
    return [{"setup": setup, "draw": d} for d in draws]


@pytest.mark.parametrize("draws, parts", [([1] * 10, 2), ([1] * 9, 3), ([1, 1, 1, 1, 1, 10], 2), ([3, 1, 1, 1, 5, 2, 2], 2)])
def test_cuts_cover_every_animation_once_and_balance_the_slowest_part(draws, parts):
    anims = timings(draws)
    ranges = render_parts.cuts(anims, parts)
    assert [a for first, last in ranges for a in range(first, last + 1)] == list(range(len(draws)))

    def cost(first, last):
        return sum(a["setup"] for a in anims[:first]) + sum(a["setup"] + a["draw"] for a in anims[first:last + 1])

    slowest = max(cost(*r) for r in ranges)
    for k in range(1, len(draws)):  # no cut into two does better
        if parts == 2:
            assert slowest <= max(cost(0, k - 1), cost(k, len(draws) - 1)) + 1e-9


def test_no_split_when_setup_dominates():
    assert render_parts.cuts(timings([0.1] * 4, setup=5.0), 2) == [(0, 3)]  # each part would redo the set-up


def frames(video):
    """The MD5 of each decoded frame."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-f", "framemd5", "-"], capture_output=True, text=True, check=True)
    return [line.rsplit(",", 1)[1].strip() for line in out.stdout.splitlines() if not line.startswith("#")]


def test_a_split_render_is_the_whole_render_frame_for_frame(tmp_path):
    scene = tmp_path / "moving.py"
    scene.write_text(SCENE)
    whole = render_one(scene, "l", tmp_path / "whole", parts=2)  # no timings yet: one process, which writes them
    assert whole.status == 0, whole.log.read_text()[-2000:]
    assert "part 1 of" not in whole.log.read_text()
    written = tmp_path / "whole" / "logs" / "moving-l.timings.json"
    assert len(json.loads(written.read_text())["animations"]) == 4
    # equal costs, so the cut falls after animation 1 whatever this machine measured
    render_parts._save(tmp_path / "split" / "logs" / written.name, timings([1] * 4))
    split = render_one(scene, "l", tmp_path / "split", parts=2)
    assert split.status == 0, split.log.read_text()[-2000:]
    assert "part 1 of 2: animations 0 to 1" in split.log.read_text() and "part 2 of 2: animations 2 to 3" in split.log.read_text()
    reference = frames(whole.video)
    assert len(reference) == 4 * 9  # four animations of 0.6 s at 15 fps
    assert frames(split.video) == reference
    assert split.video.with_suffix(".srt").read_text() == whole.video.with_suffix(".srt").read_text()


@pytest.mark.parametrize("counted, parts_used", [(8, 1), (2, 2)])
def test_timings_of_another_version_of_the_scene_still_give_its_whole_video(tmp_path, counted, parts_used):
    """Timings counting 8 animations cut after the fourth: the second part has nothing to draw and the
    scene renders whole; counting 2, the cut falls after the first and the last part runs to the end."""
    scene = tmp_path / "moving.py"
    scene.write_text(SCENE)
    render_parts._save(tmp_path / "media" / "logs" / "moving-l.timings.json", timings([1] * counted))
    result = render_one(scene, "l", tmp_path / "media", parts=2)
    assert result.status == 0, result.log.read_text()[-2000:]
    log = result.log.read_text()
    assert "part 2 of 2" in log and ("the split render failed" in log) == (parts_used == 1)
    assert len(frames(result.video)) == 4 * 9
    assert len(json.loads((tmp_path / "media" / "logs" / "moving-l.timings.json").read_text())["animations"]) == 4


def test_another_qualitys_timings_guide_the_first_render_at_this_one(tmp_path):
    scene = tmp_path / "moving.py"
    scene.write_text(SCENE)
    render_parts._save(tmp_path / "media" / "logs" / "moving-h.timings.json", timings([1] * 4))
    result = render_one(scene, "l", tmp_path / "media", parts=2)
    assert result.status == 0, result.log.read_text()[-2000:]
    assert "part 1 of 2: animations 0 to 1" in result.log.read_text()
    assert len(frames(result.video)) == 4 * 9
    assert len(json.loads((tmp_path / "media" / "logs" / "moving-l.timings.json").read_text())["animations"]) == 4
