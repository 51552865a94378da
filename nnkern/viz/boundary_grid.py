"""BoundaryGrid: the decision boundaries of several runs side by side, one small labelled tile each."""

import numpy as np
from manim import DOWN, LEFT, Group, ManimColor, SurroundingRectangle, VGroup

from . import style
from .boundary import DecisionBoundary
from .text import text as light_text


class BoundaryGrid(Group):
    """One small ``DecisionBoundary`` per run over the same ``extent`` and data X (n, 2), y (n,).

    Tile i sits at ``cells[i]`` = (row, column) (default: ``cols`` to a row), framed in the colour of
    its group ``groups[i]`` (the palette's ``series`` colours, in turn) and labelled beneath by
    ``labels[i]`` (one or more lines); ``row_labels`` (one per row, coloured by the row's first
    tile's group) go to the left. Text is ``font_size`` (>= 24, readable at 480p), in the palette's
    ``text`` colour; ``highlight`` rings a tile in its ``marker`` colour (default ``style.PALETTE``).
    """

    def __init__(self, extent, X, y, labels, *, cells=None, cols=4, groups=None, row_labels=None, side=1.5,
                 resolution=72, font_size=24, gap=0.3, dot_radius=0.02, palette=None, **kwargs):
        super().__init__(**kwargs)
        n = len(labels)
        self.palette = style.current(palette)
        self.cells = list(cells) if cells is not None else [divmod(i, cols) for i in range(n)]
        self.groups = list(groups) if groups is not None else [0] * n
        if len(self.cells) != n or len(self.groups) != n:
            raise ValueError(f"{n} labels but {len(self.cells)} cells and {len(self.groups)} groups; expected one each per tile")
        self.tiles, self.labels = [], VGroup()
        line = light_text("Ag", font_size=font_size).height
        lines = max(str(t).count("\n") + 1 for t in labels) if n else 1
        pitch_x, pitch_y = side + gap, side + lines * 1.4 * line + gap
        for (row, col), text, group in zip(self.cells, labels, self.groups):
            tile = DecisionBoundary(extent, X, y, side=side, resolution=resolution, dot_radius=dot_radius,
                                    palette=self.palette)
            tile.move_to([col * pitch_x, -row * pitch_y, 0])
            tile.frame.set_stroke(self.group_color(group), width=3)
            label = light_text(str(text), font_size=font_size, line_spacing=0.8, color=self.palette.text)
            label.next_to(tile.frame, DOWN, buff=0.08)
            self.tiles.append(tile)
            self.labels.add(label)
        self.row_labels = VGroup()
        for row, text in enumerate(row_labels or ()):
            first = next(i for i, (r, _) in enumerate(self.cells) if r == row)
            label = light_text(str(text), font_size=font_size, color=self.group_color(self.groups[first]))
            self.row_labels.add(label.next_to(self.tiles[first].frame, LEFT, buff=0.2))
        self.add(*self.tiles, self.labels, self.row_labels)

    def group_color(self, group):
        """The colour of run group ``group`` (the palette's series colours, in turn)."""
        return style.series_color(group, self.palette)

    def set_params(self, nets):
        """Evaluate one network per tile (None leaves a tile as it is) and restyle."""
        for tile, net in zip(self.tiles, nets):
            if net is not None:
                tile.set_params(net)
        return self

    def cell(self, i):
        """Tile i with its label (a Group to point at or surround)."""
        return Group(self.tiles[i], self.labels[i])

    def highlight(self, i, width=6):
        """A frame in the palette's marker colour around tile i and its label."""
        return SurroundingRectangle(self.cell(i), color=ManimColor(self.palette.marker), buff=0.06, stroke_width=width)


def sample_points(X, y, k, seed=0):
    """At most ``k`` of the rows of X, y (a seeded choice, order kept): few enough dots for small tiles."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) <= k:
        return X, y
    keep = np.sort(np.random.default_rng(seed).choice(len(X), k, replace=False))
    return X[keep], y[keep]
