"""CaptionedScene: a lecture scene in the chosen theme whose captions are also subtitles."""

from . import style
from .camera import BoxedImages
from .lecture import Captioned
from .scene_base import LectureScene


class CaptionedScene(Captioned, BoxedImages, LectureScene):
    """A LectureScene in the theme of $NNKERN_THEME (``style.use_theme``) that speaks in captions: ``say(text)``
    swaps the caption at the top (``self.cap``) and writes it as a subtitle lasting until the next
    ``say``; ``say(None)`` ends the last subtitle and leaves its caption on screen. Images are drawn by
    ``camera.Camera`` (Manim's pixels, composited over their own box only)."""

    caption_size = 30  # the captions' font size

    def setup(self):
        style.use_theme(self)

    @property
    def cap(self):
        """The caption on screen."""
        return self.caption_mobject

    def say(self, text, *extra, font_size=None):
        """Swap the caption for ``text``, playing the animations ``extra`` alongside."""
        if text is None:
            self._close_subtitle()
        else:
            self.show_caption(text, *extra, font_size=font_size or self.caption_size)
