"""The colours of the visual grammar as plain hex strings (no Manim), shared by the Manim views
(``nnkern.viz.style`` maps values to them) and anything else that draws a run (the explorer page).

- signed values: positive = blue, negative = red, zero = dark grey;
- unsigned values: dark -> bright (yellow);
- classes: class 0 = red, class 1 = blue (the diverging map's ends), then further hues.
"""

from dataclasses import asdict, dataclass, field


@dataclass
class Palette:
    """Colours of the visual grammar (hex strings; Manim's BLUE, RED, YELLOW... by default)."""

    positive: str = "#58C4DD"
    negative: str = "#FC6255"
    zero: str = "#3A3A3A"
    dark: str = "#111111"
    bright: str = "#FFFF00"
    classes: tuple = ("#FC6255", "#58C4DD", "#83C167", "#FF862F", "#9A72AC", "#5CD0B3", "#D147BD")
    class_names: tuple = ("red", "blue", "green", "orange", "purple", "teal", "pink")
    outline: str = "#0A0A0A"
    #: groups of runs compared side by side (a sweep's settings): hues apart from classes 0 and 1
    series: tuple = ("#83C167", "#FF862F", "#9A72AC", "#5CD0B3", "#D147BD")
    series_names: tuple = ("green", "orange", "purple", "teal", "pink")

    def to_dict(self):
        """The palette as a JSON-ready dict."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


#: the default palette
PALETTE = Palette()
