"""The colours of the visual grammar as plain hex strings (no Manim), shared by the Manim views
(``nnkern.viz.style`` maps values to them) and anything else that draws a run (the explorer page).

- signed values: positive = blue, negative = red, zero = dark grey;
- unsigned values: dark -> bright (yellow);
- classes: class 0 = red, class 1 = blue (the diverging map's ends), then further hues;
- everything else drawn (background, text, outlines, contours, highlights, loss curves) has a
  field here too, so a light theme or a user's palette is one ``Palette(...)``.
"""

import os
from dataclasses import asdict, dataclass


@dataclass
class Palette:
    """Colours of the visual grammar (hex strings; Manim's defaults for a dark background).

    Value maps: ``positive``/``negative``/``zero`` (the diverging map), ``dark``/``bright`` (the
    sequential map), ``classes`` (categorical). Drawing: ``background``; ``text`` (labels, numbers,
    a signed number at zero); ``frame`` (the plane's and heatmaps' frames, neuron rims, axes);
    ``contour`` (the decision boundary's line); ``outline`` (around data dots); ``highlight`` (weight
    changes, the forward pass's pulse); ``marker`` (a ring around a chosen point, emphasis);
    ``curves`` (loss-curve series, in order); ``series`` (groups of runs compared side by side, in
    turn, apart from classes 0 and 1). Captions name colours with ``positive_name``,
    ``negative_name``, ``highlight_name``, ``class_names`` and ``series_names``.
    """

    positive: str = "#58C4DD"
    negative: str = "#FC6255"
    zero: str = "#3A3A3A"
    dark: str = "#111111"
    bright: str = "#FFFF00"
    classes: tuple = ("#FC6255", "#58C4DD", "#83C167", "#FF862F", "#9A72AC", "#5CD0B3", "#D147BD")
    class_names: tuple = ("red", "blue", "green", "orange", "purple", "teal", "pink")
    outline: str = "#0A0A0A"
    background: str = "#000000"
    text: str = "#FFFFFF"
    frame: str = "#FFFFFF"
    contour: str = "#FFFFFF"
    highlight: str = "#FFFF00"
    marker: str = "#F7D96F"
    curves: tuple = ("#FFFFFF", "#FF9F40")  # train, test: told apart by brightness and hue
    positive_name: str = "blue"
    negative_name: str = "red"
    highlight_name: str = "yellow"
    series: tuple = ("#83C167", "#FF862F", "#9A72AC", "#5CD0B3", "#D147BD")
    series_names: tuple = ("green", "orange", "purple", "teal", "pink")

    def to_dict(self):
        """The palette as a JSON-ready dict."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


#: the default palette (dark background)
PALETTE = Palette()

#: for bright projectors and print: white background, dark text; the value maps run from near-white
#: (zero, low) to colours deep enough to read on white, so every meaning keeps its contrast
LIGHT = Palette(
    positive="#1F6FB8",
    negative="#D0382B",
    zero="#EDEDED",
    dark="#F4F4F4",
    bright="#C98A00",
    classes=("#D0382B", "#1F6FB8", "#3B8C2A", "#D96A00", "#7B4FA0", "#0F8A7A", "#B8329F"),
    outline="#1A1A1A",
    background="#FFFFFF",
    text="#111111",
    frame="#333333",
    contour="#111111",
    highlight="#C98A00",
    marker="#A34E00",
    curves=("#111111", "#D96A00"),
    highlight_name="gold",
)

#: the palettes ``theme`` knows by name
THEMES = {"dark": PALETTE, "light": LIGHT}


def theme(name):
    """The palette of a theme by name: ``dark`` (the default) or ``light``."""
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}; expected one of {', '.join(map(repr, THEMES))}") from None


def from_env():
    """The theme named by $NNKERN_THEME (``dark`` when unset or empty)."""
    return theme(os.environ.get("NNKERN_THEME") or "dark")
