"""A LectureScene's MP4s are encoded with ``scene_base.X264_OPTIONS`` unless the render chose its own."""

import pathlib
import re

import manim
import pytest

from nnkern.viz import LectureScene
from nnkern.viz.scene_base import X264_OPTIONS


class Dot(LectureScene):
    def construct(self):
        self.play(manim.FadeIn(manim.Circle(color=manim.BLUE)), run_time=0.4)


def _x264_settings(media):
    """The settings x264 wrote into the rendered MP4 (its SEI text: "... crf=19.0 ... me=hex ...")."""
    video = next(pathlib.Path(media).rglob("Dot.mp4"))
    found = re.search(rb"x264 - core .*? options: ([^\x00]*)", video.read_bytes())
    assert found, "no x264 settings in the video"
    return found.group(1).decode()


def test_scenes_encode_with_nnkerns_x264_options(tmp_path):
    with manim.tempconfig({"quality": "low_quality", "media_dir": str(tmp_path), "disable_caching": True}):
        Dot().render()
        settings = _x264_settings(tmp_path)
    assert f"crf={X264_OPTIONS['crf']}.0" in settings
    assert "subme=2" in settings  # x264's veryfast (medium is subme=7)


def test_a_render_with_options_of_its_own_keeps_them(tmp_path):
    with manim.tempconfig({"quality": "low_quality", "media_dir": str(tmp_path), "disable_caching": True,
                           "video_encoder_options": {"crf": "30"}}):
        Dot().render()
        assert manim.config.video_encoder_options == {"crf": "30"}
        settings = _x264_settings(tmp_path)
    assert "crf=30.0" in settings and "subme=7" in settings  # Manim's preset: medium


@pytest.mark.parametrize("setting", [{"transparent": True}, {"format": "gif"}, {"video_codec": "mpeg4"}])
def test_other_encoders_get_no_x264_options(setting):
    with manim.tempconfig({"quality": "low_quality", **setting}):
        Dot()
        assert manim.config.video_encoder_options == {}
