"""LiveFormula: a formula whose symbols carry live numbers beneath them, coloured by sign."""

from manim import DOWN, MathTex, VGroup

from . import style
from .text import Number


class LiveFormula(VGroup):
    """A ``MathTex`` of ``parts`` (strings, one submobject each; ``tex[i]`` is part i) with a
    number (``text.Number``, a fast ``DecimalNumber``) under each part named in ``values`` (a dict
    part -> initial value).

    ``set_values({part: value})`` changes the numbers in place (re-typeset only when the shown text
    changes), each coloured by its sign with the palette's diverging ends. ``read`` maps a training
    frame to such a dict (see ``sync``).
    """

    def __init__(self, parts, values, *, font_size=44, number_size=28, decimals=2, buff=0.22, read=None,
                 palette=None, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        self.palette, self.read, self.buff = style.current(palette), read, buff
        self.tex = MathTex(*parts, font_size=font_size, color=self.palette.text)
        self.parts = list(parts)
        missing = set(values) - set(parts)
        if missing:
            raise ValueError(f"values name {sorted(missing)}, which are not parts of the formula {self.parts}")
        self.numbers = {k: Number(0, num_decimal_places=decimals, font_size=number_size, include_sign=False)
                        for k in values}  # fmt: skip
        self._shown = {}
        self.add(self.tex, *self.numbers.values())
        self.set_values(values)

    def part(self, name):
        """The submobject of the formula drawing part ``name`` (its first occurrence)."""
        return self.tex[self.parts.index(name)]

    def set_values(self, values):
        """Show values {part: value}; each number sits centred under its part, tops on one line."""
        top = self.tex.get_bottom()[1] - self.buff
        for name, v in values.items():
            v = float(v)
            number = self.numbers[name]
            shown = round(v, number.num_decimal_places)
            if self._shown.get(name) != shown:
                self._shown[name] = shown
                number.set_value(v)
                number.set_color(style.sign_color(shown, self.palette))
            number.next_to([self.part(name).get_x(), top, 0], DOWN, buff=0)
        return self

    def value(self, name):
        """The value last shown for part ``name``, as rounded on screen."""
        return self._shown[name]

    def sync(self, frame):
        """Follow a training frame through ``read``."""
        if self.read is None:
            raise ValueError("this LiveFormula has no read= function mapping a training frame to its values")
        return self.set_values(self.read(frame))
