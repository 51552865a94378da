"""The visual grammar: the one place where values become colours and magnitudes become widths.

Every mobject in ``nnkern.viz`` colours through these functions and takes ``palette=`` (default:
``style.PALETTE`` as it is when the mobject is made), so rebinding ``style.PALETTE`` or passing
another :class:`Palette` restyles everything. Colours are looked up when a function is called,
never bound at import; no other module of ``nnkern.viz`` names a colour.

- signed values (weights, changes, tanh activations, a binary output around 0.5):
  diverging map, positive = blue, negative = red, zero = dark grey;
- unsigned values (sigmoid/ReLU activations, probabilities, magnitudes): dark -> yellow;
- classes: class 0 = red, class 1 = blue (the diverging map's ends), then further hues.
"""

import functools

import numpy as np
from manim import ManimColor

from .. import palette as _palettes
from ..palette import PALETTE, Palette  # noqa: F401  (re-exported: style.Palette, style.PALETTE)

#: hidden/output activations whose values are signed (drawn with the diverging map)
SIGNED_ACTIVATIONS = {"tanh", "identity", "leaky_relu"}


def _rgb(color) -> np.ndarray:
    return np.asarray(ManimColor(color).to_rgb(), dtype=float)


def _ramp(a, b, n=256) -> np.ndarray:
    """(n, 3) colours from a to b."""
    return a + (b - a) * np.linspace(0.0, 1.0, n)[:, None]


def _lookup(table, values, lo, hi, scale) -> np.ndarray:
    """table[(n, 3)] at values (...) mapped linearly from [lo, hi] * scale onto the table's rows."""
    scale = scale if scale > 0 else 1.0
    n = len(table) - 1
    pos = np.asarray(values, dtype=np.float32) * np.float32(n / ((hi - lo) * scale)) + np.float32(-lo * n / (hi - lo) + 0.5)
    if np.isnan(pos).any():
        raise ValueError("cannot map NaN to a colour: the values hold NaN")
    return np.take(table, np.clip(pos, 0, n).astype(np.int32), axis=0)


def _cached_table(build):
    """Cache a colour-table builder on its colour arguments (the palette's colours); tables come back read-only."""

    @functools.lru_cache(maxsize=16)
    @functools.wraps(build)
    def cached(*colors):
        table = build(*colors)
        table.setflags(write=False)
        return table

    return cached


@_cached_table
def _diverging_table(negative, zero, positive) -> np.ndarray:
    """(511, 3) float32 colours from ``negative`` through ``zero`` to ``positive``."""
    z = _rgb(zero)
    return np.concatenate([_ramp(z, _rgb(negative))[::-1], _ramp(z, _rgb(positive))[1:]]).astype(np.float32)


@_cached_table
def _sequential_table(dark, bright) -> np.ndarray:
    """(256, 3) float32 colours from ``dark`` to ``bright``."""
    return _ramp(_rgb(dark), _rgb(bright)).astype(np.float32)


@_cached_table
def _class_table(*classes) -> np.ndarray:
    """(k, 3) colours of the k classes."""
    return np.array([_rgb(c) for c in classes])


def current(palette=None) -> Palette:
    """``palette``, else the global ``PALETTE`` (looked up now, so rebinding ``style.PALETTE`` takes effect)."""
    return palette if palette is not None else PALETTE


def use_theme(scene, name=None) -> Palette:
    """Make theme ``name`` (default: $NNKERN_THEME, else dark) the global palette and paint ``scene``'s
    background with it; returns the palette. A scene calls this once, first thing in ``construct``."""
    global PALETTE
    PALETTE = _palettes.theme(name) if name else _palettes.from_env()
    scene.camera.background_color = ManimColor(PALETTE.background)
    return PALETTE


def faded(rgb, amount, palette=None) -> np.ndarray:
    """RGB (..., 3) moved ``amount`` (0..1) of the way from the background towards itself: how heatmaps
    recede behind the drawing on a dark or a light background alike."""
    background = _rgb(current(palette).background)
    return background + amount * (np.asarray(rgb, dtype=float) - background)


def signed_rgb(values, scale=1.0, palette=None) -> np.ndarray:
    """Diverging map: values (...) scaled by ``scale`` and clipped to [-1, 1] -> RGB (..., 3) in [0, 1]."""
    p = current(palette)
    return _lookup(_diverging_table(p.negative, p.zero, p.positive), values, -1.0, 1.0, scale)


def unsigned_rgb(values, scale=1.0, palette=None) -> np.ndarray:
    """Sequential map: values (...) in [0, scale] -> RGB (..., 3) from dark to bright."""
    p = current(palette)
    return _lookup(_sequential_table(p.dark, p.bright), values, 0.0, 1.0, scale)


def class_rgb(labels, palette=None) -> np.ndarray:
    """Categorical palette: integer labels (...) -> RGB (..., 3)."""
    table = _class_table(*current(palette).classes)
    return table[np.asarray(labels).astype(np.intp) % len(table)]


def probability_rgb(probs, palette=None) -> np.ndarray:
    """A classifier's output layer (..., k) -> RGB (..., 3).

    k = 1 (sigmoid P(class 1)) or k = 2: the diverging map around 0.5, so P(class 1) = 1 is class 1's
    colour. k > 2: the winning class's colour, faded to zero-grey as its probability falls to 1/k.
    """
    probs = np.asarray(probs, dtype=float)
    k = probs.shape[-1]
    if k <= 2:
        return signed_rgb(2 * probs[..., -1] - 1, 1.0, palette)
    zero = _rgb(current(palette).zero)
    confidence = np.clip((probs.max(axis=-1) - 1 / k) / (1 - 1 / k), 0, 1)
    return zero + confidence[..., None] * (class_rgb(probs.argmax(axis=-1), palette) - zero)


def class_probability_rgb(probs, palette=None) -> np.ndarray:
    """Each class's probability in its own colour: probs (..., k) -> RGB (..., k, 3), class c's colour at
    probability 1 fading to zero-grey at 0 (how a softmax's output neurons are filled, one per class)."""
    probs = np.clip(np.asarray(probs, dtype=float), 0, 1)
    zero = _rgb(current(palette).zero)
    return zero + probs[..., None] * (class_rgb(np.arange(probs.shape[-1]), palette) - zero)


def activation_rgb(values, activation, palette=None) -> np.ndarray:
    """Neuron fill: the diverging map for signed activations (tanh), else dark -> bright."""
    if activation in SIGNED_ACTIVATIONS:
        return signed_rgb(values, 1.0, palette)
    return unsigned_rgb(values, 1.0, palette)


def sign_color(value, palette=None) -> ManimColor:
    """Text colour for a signed number: the diverging map's end for its sign (the text colour for zero)."""
    p = current(palette)
    return ManimColor(p.positive if value > 0 else p.negative if value < 0 else p.text)


def probability_color(p, palette=None) -> ManimColor:
    """Text colour for a probability of class 1: class 1's colour above 0.5, class 0's below."""
    return sign_color(p - 0.5, palette)


def output_color(probs, palette=None) -> ManimColor:
    """Text colour for a classifier's output (k,): ``probability_color`` of P(class 1) for one sigmoid unit,
    else the winning class's colour."""
    probs = np.atleast_1d(np.asarray(probs, dtype=float))
    if len(probs) == 1:
        return probability_color(probs[0], palette)
    return to_color(class_rgb(int(np.argmax(probs)), palette))


def series_color(group, palette=None) -> ManimColor:
    """The colour of a group of runs compared side by side: the palette's series colours, in turn."""
    series = current(palette).series
    return ManimColor(series[group % len(series)])


def to_color(rgb) -> ManimColor:
    """One RGB triple in [0, 1] -> ManimColor."""
    return ManimColor.from_rgb(np.clip(np.asarray(rgb, dtype=np.float64), 0, 1))


def magnitude_width(rel, max_width=4.0, min_width=0.25, power=3.0) -> np.ndarray:
    """Stroke width for relative magnitudes rel (...) in [0, 1] (e.g. |w| / layer max |w|):
    min + (max - min) * rel**power, so a few strong paths stand out."""
    return min_width + (max_width - min_width) * np.clip(np.asarray(rel, dtype=float), 0, 1) ** power


def relative_change(delta) -> np.ndarray:
    """|delta| / max |delta| over the given block (a layer's weights, or their changes over an interval), in [0, 1]."""
    d = np.abs(np.asarray(delta, dtype=float))
    top = d.max() if d.size else 0.0
    return d / top if top > 0 else np.zeros_like(d)
