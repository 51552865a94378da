"""Text that is cheap to animate.

Manim's ``Text`` and ``MathTex`` keep each glyph's parsed SVG path (``path_obj``) after building its
points, and every fade or transform deep-copies it: about 9 ms a glyph, so a caption costs half a
second per animation. ``light`` drops those parsed paths (the points stay), and ``text`` is a ``Text``
made light, typeset once per machine (``mobject_cache``: later renders load it in milliseconds).
``Number`` is a DecimalNumber whose new values cost a fraction of Manim's.
"""

import numpy as np
from manim import DecimalNumber, Text, VMobject
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

from . import mobject_cache, style


def light(mobject):
    """``mobject`` with its glyphs' parsed SVG paths dropped (drawing and copies stay the same)."""
    for m in mobject.get_family():
        if isinstance(m, VMobjectFromSVGPath):
            m.path_obj = None
    return mobject


def text(string, palette=None, **kwargs):
    """A light ``Text(string, **kwargs)``, in the palette's text colour unless ``color`` is given;
    built once per machine and these arguments (``mobject_cache.built``)."""
    kwargs.setdefault("color", style.current(palette).text)
    return mobject_cache.built("Text", dict(kwargs, text=string), lambda: light(Text(string, **kwargs)))


class Number(DecimalNumber):
    """A ``DecimalNumber`` that re-typesets fast. Manim builds each character of a new value as a deep
    copy of a glyph it typeset once (a tree of SVG mobjects, milliseconds each); a Number draws each
    character as one plain VMobject copied from its own cache of those glyphs' points, typeset once per
    character and size. It draws the same pixels."""

    _glyphs = {}  # (character, class, font size, options) -> one VMobject holding the glyph's points and style

    def _string_to_mob(self, string, mob_class=None, **kwargs):
        key = (string, mob_class or self.mob_class, self._font_size, tuple(sorted(kwargs.items())))
        if key not in self._glyphs:
            typeset = super()._string_to_mob(string, mob_class, **kwargs)
            drawn = typeset.family_members_with_points() or [typeset]
            flat = VMobject().set_points(np.concatenate([m.points for m in drawn]))
            self._glyphs[key] = flat.match_style(drawn[0])
        return self._glyphs[key].copy()


def number(value, palette=None, **kwargs):
    """A :class:`Number` (a fast ``DecimalNumber(value, **kwargs)``), in the palette's text colour unless
    ``color`` is given."""
    kwargs.setdefault("color", style.current(palette).text)
    return Number(value, **kwargs)
