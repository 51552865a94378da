"""Text that is cheap to animate.

Manim's ``Text`` and ``MathTex`` keep each glyph's parsed SVG path (``path_obj``) after building its
points, and every fade or transform deep-copies it: about 9 ms a glyph, so a caption costs half a
second per animation. ``light`` drops those parsed paths (the points stay), and ``text`` is a ``Text``
made light.
"""

from manim import Text
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

from . import style


def light(mobject):
    """``mobject`` with its glyphs' parsed SVG paths dropped (drawing and copies stay the same)."""
    for m in mobject.get_family():
        if isinstance(m, VMobjectFromSVGPath):
            m.path_obj = None
    return mobject


def text(string, palette=None, **kwargs):
    """A light ``Text(string, **kwargs)``, in the palette's text colour unless ``color`` is given."""
    kwargs.setdefault("color", style.current(palette).text)
    return light(Text(string, **kwargs))


def number(value, palette=None, **kwargs):
    """A light ``DecimalNumber(value, **kwargs)``. Manim builds every DecimalNumber's digits as copies of
    glyphs it caches once per character; those cached glyphs are made light too, so ``set_value`` in
    an updater stays cheap."""
    from manim import DecimalNumber
    from manim.mobject.text import numbers

    kwargs.setdefault("color", style.current(palette).text)
    mob = DecimalNumber(value, **kwargs)
    DecimalNumber(-1234567890.5, num_decimal_places=1)  # caches a glyph for every digit, sign and point
    for glyph in numbers.string_to_mob_map.values():
        light(glyph)
    return light(mob)
