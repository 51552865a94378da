"""LectureScene: the base of every nnkern scene; a plain Manim Scene, or a slide deck with NNKERN_SLIDES=1.

With ``NNKERN_SLIDES=1`` (what ``nnkern slides`` sets) and manim-slides installed (the extra
``slides``), a render also writes a manim-slides deck with one slide per ``self.next_section``
(``section_slide.SectionSlide``); otherwise, and always without manim-slides, it is Manim's Scene.
Its MP4s are encoded with ``X264_OPTIONS`` unless the render sets options of its own.
"""

import os

from manim import Scene, config

#: x264's options for the scenes' MP4s where the render sets none (``manim render --encoder-option
#: KEY=VALUE`` does): the quality of Manim's default (preset medium, crf 23) in less than half the
#: encoding work.  Measured on the flagship's first replay animation at 1080p60 (504 frames): PSNR
#: against a lossless encoding 43.2 dB for both; 8.3 s of CPU against 19.3 s (16 against 38 ms a
#: frame, the largest part of a -qh render after drawing); files 28% larger (2.6 against 2.0 MB)
X264_OPTIONS = {"preset": "veryfast", "crf": "19"}


def slides_wanted():
    """Whether $NNKERN_SLIDES asks for slides (``1``); any other value but empty is an error."""
    value = os.environ.get("NNKERN_SLIDES", "")
    if value not in ("", "0", "1"):
        raise ValueError(f"NNKERN_SLIDES={value!r}: expected 1 (slides) or 0")
    return value == "1"


def base():
    """The class LectureScene extends: SectionSlide when slides are wanted, else Scene."""
    if not slides_wanted():
        return Scene
    try:
        from .section_slide import SectionSlide
    except ImportError as error:
        raise ImportError(f"NNKERN_SLIDES=1 needs manim-slides: pip install 'nnkern[slides]' ({error})") from None
    return SectionSlide


def use_x264_options():
    """Set ``X264_OPTIONS`` for the render where it makes an MP4 with x264 and chose no options."""
    if (config.video_codec in ("auto", "libx264") and str(config.format) in ("auto", "mp4")
            and not config.transparent and not config.video_encoder_options):  # fmt: skip
        config.video_encoder_options = X264_OPTIONS


class LectureScene(base()):
    """A Scene (or, with NNKERN_SLIDES=1, a slide per section); scenes subclass it, or CaptionedScene."""

    def __init__(self, *args, **kwargs):
        use_x264_options()  # before Manim's Scene resolves the encoder
        super().__init__(*args, **kwargs)
