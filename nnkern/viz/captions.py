"""Captions: one line of text at the top of the frame, each also written as a subtitle."""

from manim import UP, FadeIn, FadeOut, ManimColor, Scene, Text

from . import style


def caption(text, font_size=30, max_width=13.4, palette=None):
    """A one-line caption at the top edge in the palette's text colour, shrunk to ``max_width`` if longer."""
    line = Text(text, font_size=font_size, color=style.current(palette).text)
    return line.scale_to_fit_width(min(line.width, max_width)).to_edge(UP, buff=0.3)


class CaptionedScene(Scene):
    """A Scene on the palette's background that speaks in captions: ``say(text)`` swaps the caption at
    the top (``self.cap``) and writes it as a subtitle lasting until the next ``say`` (``say(None)``
    ends the last one)."""

    cap, _said = None, None

    def setup(self):
        self.camera.background_color = ManimColor(style.PALETTE.background)

    def say(self, text, font_size=30, extra=()):
        """Swap the caption for ``text``, playing the animations ``extra`` alongside."""
        now = self.time
        if self._said is not None:
            said, start = self._said
            self.add_subcaption(said, duration=now - start, offset=start - now)
        self._said = None if text is None else (text, now)
        if text is None:
            return
        new = caption(text, font_size)
        anims = [FadeIn(new, shift=UP * 0.2, run_time=0.6)]
        if self.cap is not None:
            anims.append(FadeOut(self.cap, shift=UP * 0.2, run_time=0.6))
        self.play(*anims, *extra)
        self.cap = new
