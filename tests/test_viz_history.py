"""Histogram, Raster and LogSeries: what they draw is the numbers they were given."""

import numpy as np
import pytest

manim = pytest.importorskip("manim")

from nnkern.viz import Histogram, LogSeries, Raster, style  # noqa: E402
from test_viz_cells import frame_rgb  # noqa: E402


def test_histogram_bars_are_as_tall_as_their_counts_and_coloured_by_their_bin():
    edges = np.linspace(-2, 2, 5)
    hist = Histogram([1, 4, 0, 2], edges, width=4.0, height=2.0, top=8).shift([1, -1, 0])
    np.testing.assert_allclose([b.height for b in hist.bars], [0.25, 1.0, 1e-3, 0.5], atol=1e-6)
    assert all(abs(b.get_bottom()[1] - hist.axis.get_start()[1]) < 1e-6 for b in hist.bars)
    hist.set_counts([8, 0, 0, 4.5])  # fractional counts: between snapshots
    np.testing.assert_allclose([b.height for b in hist.bars], [2.0, 1e-3, 1e-3, 1.125], atol=1e-6)
    centres = [-1.5, -0.5, 0.5, 1.5]
    np.testing.assert_allclose([b.get_fill_color().to_rgb() for b in hist.bars], style.signed_rgb(centres, 2.0), atol=1 / 255)
    with pytest.raises(ValueError, match="5 increasing bin edges"):
        Histogram([1, 2, 3, 4], edges[::-1])
    with pytest.raises(ValueError, match="must hold 4 values"):
        hist.set_counts([1, 2])


def test_raster_rows_show_their_units_values_and_reveal_from_the_left():
    values = np.array([[0.0, 0.5, 1.0], [1.0, 0.0, 0.25]])
    raster = Raster(values, width=3.0, height=2.0)
    points = [raster.row_center(i) + [(t + 0.5), 0, 0] for i in range(2) for t in range(3)]
    np.testing.assert_allclose(frame_rgb(raster, points), style.unsigned_rgb(values.ravel(), 1.0), atol=2 / 255)
    raster.reveal(1)
    assert (raster.image.pixel_array[:, 0, 3] == 255).all() and not raster.image.pixel_array[:, 1:, 3].any()
    marker = raster.row_marker(1)
    assert abs(marker.get_center()[1] - raster.row_center(1)[1]) < 1e-6 and marker.get_left()[0] > raster.image.get_right()[0]
    assert np.isclose(raster.column_x(2) - raster.column_x(1), 1.0)
    signed = Raster(-values, signed=True, scale=2.0)
    np.testing.assert_allclose(signed.rgb[::4] / 255, style.signed_rgb(-values, 2.0), atol=1 / 255)
    with pytest.raises(ValueError, match="finite"):
        Raster(np.array([[np.nan]]))


def corners(line):
    """The corner points (m, 3) of a polyline."""
    return np.vstack([line.points[::4], line.points[-1:]])


def test_log_series_plots_the_log_of_each_value_on_whole_decades():
    x = np.array([0.0, 10.0, 20.0])
    values = np.array([[1e-3, 1e-2, 5e-3], [0.5, 0.2, 0.1]])
    chart = LogSeries(x, values, width=4.0, height=3.0).shift([2, 1, 0])
    assert (chart.lo, chart.hi) == (-3, 0) and len(chart.ticks) == 4
    origin = chart.axes[0].get_start()
    for line, v in zip(chart.lines, values):
        pts = corners(line) - origin
        np.testing.assert_allclose(pts[:, 0], x / 20 * 4.0, atol=1e-9)
        np.testing.assert_allclose(pts[:, 1], (np.log10(v) + 3) / 3 * 3.0, atol=1e-9)
    chart.reveal(0.5)
    np.testing.assert_allclose(corners(chart.lines[0])[:, 0] - origin[0], [0, 2.0], atol=1e-9)
    wide = LogSeries(x, values, decades=(-5, 1))
    assert (wide.lo, wide.hi) == (-5, 1)
    with pytest.raises(ValueError, match="> 0"):
        LogSeries(x, -values)
