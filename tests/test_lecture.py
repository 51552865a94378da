"""Captions are subtitles: a render writes an .srt beside the video holding every caption in order."""

import datetime

import pytest

manim = pytest.importorskip("manim")
srt = pytest.importorskip("srt")

from nnkern.viz import Captioned  # noqa: E402

CAPTIONS = ["A first idea", "Then a formula", "And the conclusion"]


class Tiny(Captioned, manim.Scene):
    def construct(self):
        self.next_section("start")
        self.show_caption(CAPTIONS[0], manim.Create(manim.Square()))
        self.wait(0.5)
        self.show_caption(CAPTIONS[1], mobject=manim.MathTex(r"\sigma(Wx + b)").to_edge(manim.UP))
        self.next_section("end")
        self.show_caption(CAPTIONS[2])
        self.wait(1)
        self.hide_caption()
        self.wait(0.5)


def test_the_srt_beside_a_render_holds_the_captions_in_order(tmp_path):
    with manim.tempconfig({"quality": "low_quality", "frame_rate": 5, "media_dir": str(tmp_path), "progress_bar": "none",
                           "save_sections": True}):
        scene = Tiny()
        scene.render()
        length = scene.time
    (video,) = tmp_path.glob("videos/**/Tiny.mp4")
    subtitles = list(srt.parse(video.with_suffix(".srt").read_text()))
    assert [s.content for s in subtitles] == CAPTIONS
    seconds = [(s.start.total_seconds(), s.end.total_seconds()) for s in subtitles]
    assert seconds[0][0] == 0
    for (start, end), (next_start, _) in zip(seconds, seconds[1:] + [(length, None)]):
        assert 0 < end - start and end == pytest.approx(next_start) or end < next_start
    frame = 1 / 5  # Manim rounds each animation to whole frames
    assert seconds[2][1] == pytest.approx(length - 0.5 - 0.6, abs=frame)  # ends as it fades out, before the last wait
    assert subtitles[1].end - subtitles[1].start == datetime.timedelta(seconds=0.6)  # the formula, until the next caption
    sections = sorted(p.stem for p in video.parent.glob("sections/*.mp4"))
    assert len(sections) == 2 and all(name.startswith("Tiny_") for name in sections)
