"""Captioner: a scene's one caption line at the top, swapped with a short fade, and written to the
render's subtitles for exactly as long as it shows."""

from manim import UP, FadeIn, FadeOut, Text

from . import style


class Captioner:
    """Shows one caption at a time at the top of ``scene``.

    ``show(text, *animations)`` fades the old caption out and the new one in (while playing the given
    animations); each caption becomes a subcaption (``scene.add_subcaption``) from the moment it
    appears until the one after it does, or until ``close()``.
    """

    def __init__(self, scene, *, font_size=28, max_width=13.2, buff=0.3, palette=None):
        self.scene, self.font_size, self.max_width, self.buff = scene, font_size, max_width, buff
        self.palette = style.current(palette)
        self.current, self._text, self._since = None, None, 0.0

    def make(self, text, font_size=None):
        """The caption mobject for ``text``, shrunk to ``max_width`` if longer, at the top edge."""
        line = Text(text, font_size=font_size or self.font_size, color=self.palette.text)
        return line.scale_to_fit_width(min(line.width, self.max_width)).to_edge(UP, buff=self.buff)

    def show(self, text, *animations, font_size=None, run_time=0.6):
        """Swap in the caption ``text`` while playing ``animations``; returns the new caption."""
        new = self.make(text, font_size)
        swap = [FadeIn(new, shift=UP * 0.2, run_time=run_time)]
        if self.current is not None:
            swap.append(FadeOut(self.current, shift=UP * 0.2, run_time=run_time))
        self._subtitle()
        self._since = self.scene.renderer.time
        self.scene.play(*swap, *animations)
        self.current, self._text = new, text
        return new

    def close(self, run_time=0.6):
        """Fade the caption out and end its subcaption."""
        if self.current is not None:
            self._subtitle()
            self.scene.play(FadeOut(self.current, run_time=run_time))
            self.current = self._text = None

    def _subtitle(self):
        if self._text is not None:
            now = self.scene.renderer.time
            self.scene.add_subcaption(self._text, duration=max(now - self._since, 0.1), offset=self._since - now)
