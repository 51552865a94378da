"""The input plane: its extent, the contour where a grid of values crosses a level, and class borders."""

import numpy as np

from ..views import input_scale, square_extent  # noqa: F401  (re-exported: plane.square_extent, plane.input_scale)

_CASES = {  # marching squares: corner bits (1 = bottom-left, 2 = bottom-right, 4 = top-right, 8 = top-left)
    1: [(3, 0)], 2: [(0, 1)], 3: [(3, 1)], 4: [(1, 2)], 6: [(0, 2)], 7: [(3, 2)], 8: [(2, 3)],
    9: [(2, 0)], 11: [(2, 1)], 12: [(1, 3)], 13: [(1, 0)], 14: [(0, 3)],
}  # fmt: skip
# cell sides: 0 bottom, 1 right, 2 top, 3 left; saddles 5 and 10 are resolved by the cell's centre


def contour_paths(values, level, extent):
    """Polylines (list of (m, 2) arrays, plane coordinates) where the grid ``values`` (rows at y) cross ``level``."""
    f = np.asarray(values, dtype=float) - level
    ny, nx = f.shape
    above = f > 0
    bl, br, tr, tl = above[:-1, :-1], above[:-1, 1:], above[1:, 1:], above[1:, :-1]
    case = bl * 1 + br * 2 + tr * 4 + tl * 8
    rows, cols = np.nonzero((case != 0) & (case != 15))
    xs, ys = np.linspace(extent[0], extent[1], nx), np.linspace(extent[2], extent[3], ny)

    def crossing(i, j, side):
        (a, b) = {0: ((i, j), (i, j + 1)), 1: ((i, j + 1), (i + 1, j + 1)), 2: ((i + 1, j), (i + 1, j + 1)),
                  3: ((i, j), (i + 1, j))}[side]  # fmt: skip
        fa, fb = f[a], f[b]
        t = fa / (fa - fb) if fa != fb else 0.5
        return (ys[a[0]] + t * (ys[b[0]] - ys[a[0]]), xs[a[1]] + t * (xs[b[1]] - xs[a[1]])), (a, b)

    links = {}
    for i, j in zip(rows, cols):
        c = case[i, j]
        if c in (5, 10):
            centre_above = f[i : i + 2, j : j + 2].mean() > 0
            pairs = [(3, 2), (1, 0)] if (c == 5) == centre_above else [(3, 0), (1, 2)]
        else:
            pairs = _CASES[c]
        for s0, s1 in pairs:
            p0, k0 = crossing(i, j, s0)
            p1, k1 = crossing(i, j, s1)
            links.setdefault(k0, [p0]).append(k1)
            links.setdefault(k1, [p1]).append(k0)

    paths, seen = [], set()
    starts = [k for k, v in links.items() if len(v) == 2] + list(links)  # open ends first, then loops
    for start in starts:
        if start in seen:
            continue
        path, prev, key = [], None, start
        while key is not None:
            seen.add(key)
            path.append(links[key][0])
            nxt = [k for k in links[key][1:] if k != prev and k not in seen]
            prev, key = key, (nxt[0] if nxt else None)
        if len(path) > 2 and start in links[prev][1:]:
            path.append(path[0])
        if len(path) > 1:
            paths.append(np.array(path)[:, ::-1])
    return paths


def class_borders(probs, extent):
    """Polylines (as ``contour_paths``) between the regions where each class wins, for a classifier's output
    over a grid, probs (res, res, k): the 0.5 contour for one sigmoid unit or two classes; for k > 2 each
    class's region outline (p_c - max of the others = 0; a border between two regions is traced from both)."""
    probs = np.asarray(probs, dtype=float)
    k = probs.shape[-1]
    if k <= 2:
        return contour_paths(probs[..., -1], 0.5, extent)
    paths = []
    for c in range(k):
        others = np.delete(probs, c, axis=-1).max(axis=-1)
        paths += contour_paths(probs[..., c] - others, 0.0, extent)
    return paths
