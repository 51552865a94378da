"""Captions: one line of text at the top of the frame, each also written as a subtitle."""

from manim import UP, FadeIn, FadeOut, Scene, Text


def caption(text, font_size=30, max_width=13.4):
    """A one-line caption at the top edge, shrunk to ``max_width`` if longer."""
    line = Text(text, font_size=font_size)
    return line.scale_to_fit_width(min(line.width, max_width)).to_edge(UP, buff=0.3)


class CaptionedScene(Scene):
    """A Scene that speaks in captions: ``say(text)`` swaps the caption at the top (``self.cap``) and
    writes it as a subtitle lasting until the next ``say`` (``say(None)`` ends the last one)."""

    cap, _said = None, None

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
