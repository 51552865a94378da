"""LectureScene: the base of every nnkern scene; a plain Manim Scene, or a slide deck with NNKERN_SLIDES=1.

With ``NNKERN_SLIDES=1`` (what ``nnkern slides`` sets) and manim-slides installed (the extra
``slides``), a render also writes a manim-slides deck with one slide per ``self.next_section``
(``section_slide.SectionSlide``); otherwise, and always without manim-slides, it is Manim's Scene.
"""

import os

from manim import Scene


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


class LectureScene(base()):
    """A Scene (or, with NNKERN_SLIDES=1, a slide per section); scenes subclass it, or CaptionedScene."""
