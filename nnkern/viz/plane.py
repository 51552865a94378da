"""The input plane: its extent, the contour where a grid of values crosses a level, and class borders."""

import numpy as np

from ..views import input_scale, square_extent  # noqa: F401  (re-exported: plane.square_extent, plane.input_scale)

# marching squares: a cell's corner bits (1 bottom-left, 2 bottom-right, 4 top-right, 8 top-left) -> the
# pairs of its sides (0 bottom, 1 right, 2 top, 3 left) joined by a contour segment, -1 for none; a saddle
# (5 or 10) is joined as row 5 when its centre is on the side of its bottom-left corner, else as row 10
_SEGMENTS = np.full((16, 2, 2), -1)
for _case, _pairs in {1: [(3, 0)], 2: [(0, 1)], 3: [(3, 1)], 4: [(1, 2)], 5: [(3, 2), (1, 0)], 6: [(0, 2)],
                      7: [(3, 2)], 8: [(2, 3)], 9: [(2, 0)], 10: [(3, 0), (1, 2)], 11: [(2, 1)], 12: [(1, 3)],
                      13: [(1, 0)], 14: [(0, 3)]}.items():  # fmt: skip
    _SEGMENTS[_case, : len(_pairs)] = _pairs


def _crossings(f, xs, ys):
    """Where the level is crossed on every grid edge: (n_edges, 2) plane points, horizontal edges
    (i, j)-(i, j+1) first (row-major), then vertical edges (i, j)-(i+1, j)."""

    def fraction(a, b):
        d = a - b
        return np.divide(a, d, out=np.full_like(a, 0.5), where=d != 0)

    hx = xs[:-1] + fraction(f[:, :-1], f[:, 1:]) * np.diff(xs)
    vy = ys[:-1, None] + fraction(f[:-1], f[1:]) * np.diff(ys)[:, None]
    horizontal = np.stack(np.broadcast_arrays(hx, ys[:, None]), axis=-1).reshape(-1, 2)
    vertical = np.stack(np.broadcast_arrays(xs[None, :], vy), axis=-1).reshape(-1, 2)
    return np.concatenate([horizontal, vertical])


def _segments(f):
    """Marching squares over f (ny, nx): the contour's segments as pairs of edge ids (m, 2), ids as in ``_crossings``."""
    ny, nx = f.shape
    above = f > 0
    case = above[:-1, :-1] * 1 + above[:-1, 1:] * 2 + above[1:, 1:] * 4 + above[1:, :-1] * 8
    i, j = np.nonzero((case != 0) & (case != 15))
    c = case[i, j]
    centre_above = (f[i, j] + f[i, j + 1] + f[i + 1, j] + f[i + 1, j + 1]) > 0
    c = np.where((c == 5) | (c == 10), np.where((c == 5) == centre_above, 5, 10), c)
    n_h = ny * (nx - 1)
    sides = np.stack([i * (nx - 1) + j, n_h + i * nx + j + 1, (i + 1) * (nx - 1) + j, n_h + i * nx + j], axis=1)
    pairs = _SEGMENTS[c]  # (cells, 2, 2) sides
    used = pairs[..., 0] >= 0
    cell = np.broadcast_to(np.arange(len(c))[:, None], used.shape)[used]
    return np.stack([sides[cell, pairs[used][:, 0]], sides[cell, pairs[used][:, 1]]], axis=1)


def _chains(segments):
    """Segments (m, 2) of node ids, every node in at most two, linked into paths: lists of node ids, open
    paths first (from an end), then loops (closed by repeating their first node)."""
    nodes, ends = np.unique(segments, return_inverse=True)
    ends = ends.reshape(-1, 2)
    order = np.argsort(np.concatenate([ends[:, 0], ends[:, 1]]), kind="stable")
    other = np.concatenate([ends[:, 1], ends[:, 0]])[order]
    degree = np.bincount(ends.ravel(), minlength=len(nodes))
    first = np.concatenate([[0], np.cumsum(degree)[:-1]])
    nb0 = other[first].tolist()
    nb1 = np.where(degree > 1, other[np.minimum(first + 1, len(other) - 1)], -1).tolist()
    seen = bytearray(len(nodes))
    paths = []
    for start in np.concatenate([np.flatnonzero(degree == 1), np.arange(len(nodes))]).tolist():
        if seen[start]:
            continue
        path, prev, node = [start], -1, start
        seen[start] = 1
        while True:
            a, b = nb0[node], nb1[node]
            nxt = a if a != prev and not seen[a] else b if b >= 0 and b != prev and not seen[b] else -1
            if nxt < 0:
                break
            path.append(nxt)
            seen[nxt] = 1
            prev, node = node, nxt
        if len(path) > 2 and start in (nb0[node], nb1[node]):
            path.append(start)
        if len(path) > 1:
            paths.append(nodes[path])
    return paths


def contour_paths(values, level, extent):
    """Polylines (list of (m, 2) arrays, plane coordinates) where the grid ``values`` (rows at y) cross ``level``;
    a closed one repeats its first point at its end."""
    f = np.asarray(values, dtype=float) - level
    ny, nx = f.shape
    points = _crossings(f, np.linspace(extent[0], extent[1], nx), np.linspace(extent[2], extent[3], ny))
    segments = _segments(f)
    return [points[path] for path in _chains(segments)] if len(segments) else []


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
