"""Captions that are also subtitles: the top line of a lecture scene, written to the .srt beside its video.

``Captioned`` is a mixin for a Manim Scene: ``show_caption(text, *animations)`` fades the current
caption out and ``text`` in at the top (while playing ``animations``), and the text becomes a
subcaption from that moment until the next caption (or the scene's end), so every render writes
subtitles that match the screen. Sections stay Manim's own ``self.next_section(name)``.
"""

from manim import UP, FadeIn, FadeOut

from .text import text as light_text

#: the widest a caption may be (scene units; the default frame is 14.2 wide)
CAPTION_WIDTH = 13.2


def caption(text, font_size=28, palette=None):
    """A one-line caption at the top edge in the palette's text colour, shrunk to fit the frame's width."""
    line = light_text(text, palette, font_size=font_size)
    return line.scale_to_fit_width(min(line.width, CAPTION_WIDTH)).to_edge(UP, buff=0.3)


class Captioned:
    """Mixin for a Scene (``class MyScene(Captioned, Scene)``): captions shown on screen and written as subtitles."""

    caption_mobject = None  # the caption on screen, if any
    _subtitle = None  # (text, start time) of the subtitle still open

    def show_caption(self, text, *animations, font_size=28, mobject=None, fade=0.6):
        """Replace the caption by ``text`` (drawn as ``mobject`` if given, e.g. a formula) while playing
        ``animations``; the subtitle reads ``text``. Returns the caption's mobject."""
        new = mobject if mobject is not None else caption(text, font_size)
        out = [self._fade_out_caption(shift=UP * 0.2, run_time=fade)] if self.caption_mobject is not None else []
        self._close_subtitle()
        self._subtitle = (text, self.time)
        self.play(*out, FadeIn(new, shift=UP * 0.2, run_time=fade), *animations)
        self.caption_mobject = new
        self.bring_to_back(new)  # static from now on: drawn once into the background
        return new

    def hide_caption(self, *animations, fade=0.6):
        """Fade the caption out (while playing ``animations``) and end its subtitle."""
        if self.caption_mobject is not None:
            self._close_subtitle()
            self.play(self._fade_out_caption(run_time=fade), *animations)
            self.caption_mobject = None

    def _fade_out_caption(self, **kwargs):
        """FadeOut of the caption, which first moves to the top of the drawing order: a play redraws every
        frame what lies above its first moving mobject, so the fading caption (alone at the top edge) must
        not sit under the rest of the scene."""
        self.bring_to_front(self.caption_mobject)
        return FadeOut(self.caption_mobject, **kwargs)

    def _close_subtitle(self):
        if self._subtitle is not None:
            text, start = self._subtitle
            self.add_subcaption(text, duration=self.time - start, offset=start - self.time)
            self._subtitle = None

    def tear_down(self):
        """End the last subtitle with the scene."""
        self._close_subtitle()
        super().tear_down()
