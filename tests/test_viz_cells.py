"""Cells, pixel images, weight grids and probability bars: the rendered frame holds the colour of
the value each cell shows."""

import numpy as np
import pytest

manim = pytest.importorskip("manim")

from nnkern.palette import Palette  # noqa: E402
from nnkern.viz import ActivationColumn, HeatTable, PixelImage, ProbabilityBars, SeriesBars, WeightGrid, style  # noqa: E402


def frame_rgb(mobject, points):
    """Colours (m, 3) in [0, 1] of a rendered frame of ``mobject`` at scene points (m, 3)."""
    with manim.tempconfig({"quality": "low_quality"}):
        camera = manim.Camera()
        camera.capture_mobject(mobject)
        xy = camera.points_to_pixel_coords(mobject, np.asarray(points))
        return camera.pixel_array[xy[:, 1], xy[:, 0], :3] / 255


def test_activation_column_cells_show_their_neurons_z_and_a():
    z = np.linspace(-3, 3, 12)
    a = np.maximum(z, 0)
    column = ActivationColumn(12, "relu", z_scale=3.0, a_scale=3.0).set_values(z, a)
    units = np.arange(12)
    got_z = frame_rgb(column, [column.cell_center(u, "z") for u in units])
    got_a = frame_rgb(column, [column.cell_center(u, "a") for u in units])
    np.testing.assert_allclose(got_z, style.signed_rgb(z, 3.0), atol=2 / 255)
    np.testing.assert_allclose(got_a, style.unsigned_rgb(a, 3.0), atol=2 / 255)


def test_a_wide_column_collapses_with_a_brace_giving_the_true_count():
    column = ActivationColumn(128, "tanh", max_shown=16)
    assert len(column.shown) == 16 and column.shown[-1] == 127
    assert column.collapse[1].text == "128"
    z = np.linspace(-1, 1, 128)
    column.set_values(z, np.tanh(z))
    got = frame_rgb(column, [column.cell_center(127, "a"), column.cell_center(0, "a")])
    np.testing.assert_allclose(got, style.signed_rgb(np.tanh(z[[127, 0]]), 1.0), atol=2 / 255)  # tanh: diverging
    with pytest.raises(IndexError, match="neuron 50 is not drawn"):
        column.cell_center(50)


def test_pixel_image_draws_the_vector_row_major():
    values = np.linspace(0, 1, 12)
    image = PixelImage(values, (3, 4))
    centres = [image.grid.cell_center(i, j) for i in range(3) for j in range(4)]
    np.testing.assert_allclose(frame_rgb(image, centres), style.unsigned_rgb(values), atol=2 / 255)
    with pytest.raises(ValueError, match=r"image_shape \(3, 3\) holds 9 pixels; the vectors hold 12"):
        PixelImage(values, (3, 3))


def test_weight_grid_tiles_are_the_layers_weights_reshaped():
    W = np.random.default_rng(0).normal(size=(6, 5))
    grid = WeightGrid(W, (2, 3), cols=3)
    tiles = grid.tiles(W)
    for j in range(5):
        np.testing.assert_allclose(tiles[j], W[:, j].reshape(2, 3) / np.abs(W[:, j]).max())
    r, c = grid._origin(4)
    centres = [grid.grid.cell_center(r + i, c + k) for i in range(2) for k in range(3)]
    np.testing.assert_allclose(frame_rgb(grid, centres), style.signed_rgb(tiles[4].ravel()), atol=2 / 255)


def test_heat_table_collapses_wide_tables_and_colours_cells():
    values = np.arange(2 * 40, dtype=float).reshape(2, 40) - 40
    table = HeatTable(values, row_labels=["a", "b"], max_cols=8)
    assert table.shown.tolist() == [0, 1, 2, 3, 36, 37, 38, 39]
    got = frame_rgb(table, [table.grid.cell_center(1, 7)])
    np.testing.assert_allclose(got[0], style.signed_rgb(values[1, 39], np.abs(values).max()), atol=2 / 255)
    with pytest.raises(IndexError, match="column 20 is not drawn"):
        table.cell_box(0, 20)


def test_bars_grow_with_probability_and_outline_the_winner():
    bars = ProbabilityBars(list("abcd"), length=2.0).set_values([0.1, 0.6, 0.2, 0.1])
    np.testing.assert_allclose([b.width for b in bars.bars], [0.2, 1.2, 0.4, 0.2])
    assert np.allclose(bars.highlight.get_center(), bars.track[1].get_center())
    assert bars.bars[1].get_left()[0] == pytest.approx(bars.bars[0].get_left()[0])  # bars start on one edge


def digit_views(palette):
    """One of each new view, wide enough to collapse, with signed and unsigned values."""
    rng = np.random.default_rng(0)
    column = ActivationColumn(40, "relu", max_shown=8, palette=palette).set_values(rng.normal(size=40), rng.uniform(size=40))
    table = HeatTable(rng.normal(size=(3, 40)), row_labels="abc", col_labels=[str(k) for k in range(40)], title="t",
                      max_cols=8, palette=palette)
    image = PixelImage(rng.uniform(size=16), (4, 4), palette=palette)
    grid = WeightGrid(rng.normal(size=(16, 3)), (4, 4), palette=palette)
    boxes = manim.VGroup(grid.tile_box(1), column.cell_box(0), table.cell_box(0, 0))
    bars = ProbabilityBars(list("abc"), numbers=True, palette=palette).set_values([0.2, 0.5, 0.3])
    series = SeriesBars([3.0, 1.0, 0.5], label="change", palette=palette)
    return [column, table, image, grid, boxes, bars, series]


def test_views_built_with_a_palette_use_only_its_colours():
    no_red = Palette(positive="#00FF40", negative="#0040FF", zero="#003030", dark="#000010", bright="#00FFFF",
                     background="#000008", text="#00C0C0", frame="#00A0FF", highlight="#00FFA0")
    for view in digit_views(no_red):
        with manim.tempconfig({"quality": "low_quality"}):
            camera = manim.Camera(background_color=no_red.background)
            camera.capture_mobjects([view])
            pixels = camera.pixel_array[..., :3].astype(int)
        assert pixels[..., 1:].max() > 100 and pixels[..., 0].max() <= 2, type(view).__name__


def test_a_palette_restyles_the_cells():
    green = Palette(positive="#00FF00")
    column = ActivationColumn(2, "tanh", palette=green).set_values([1.0, -1.0], [1.0, -1.0])
    got = frame_rgb(column, [column.cell_center(0, "z"), column.cell_center(1, "z")])
    np.testing.assert_allclose(got, [[0, 1, 0], style.signed_rgb(-1.0)], atol=2 / 255)


def test_light_text_draws_the_same_points_without_the_parsed_svg():
    from nnkern.viz.text import light, number, text

    heavy = manim.Text("w·a = +2.69", font_size=24)
    lean = text("w·a = +2.69", font_size=24)
    np.testing.assert_allclose(lean.get_all_points(), heavy.get_all_points())
    copy = lean.copy()
    assert all(getattr(m, "path_obj", None) is None for m in copy.get_family())
    np.testing.assert_allclose(copy.get_all_points(), heavy.get_all_points())
    n = number(0.5, num_decimal_places=2)
    n.set_value(0.73)
    assert all(getattr(m, "path_obj", None) is None for m in n.get_family()) and n.get_value() == pytest.approx(0.73)
    assert n.color == manim.ManimColor(style.current().text)
    assert light(manim.MathTex("z")).get_family()[-1].path_obj is None


@pytest.mark.parametrize("kwargs, values", [
    ({"num_decimal_places": 2}, [0.73, -12.5, 0.0]),
    ({"num_decimal_places": 0, "unit": r"\%", "font_size": 40}, [7, 95, 100]),
    ({"num_decimal_places": 1, "include_sign": True}, [3.25, -0.04]),
])
def test_a_fast_number_draws_what_a_decimal_number_draws(kwargs, values):
    from nnkern.viz.text import Number

    def pixels(mob):
        camera = manim.Camera()
        camera.capture_mobjects([mob])
        return camera.pixel_array.astype(int)

    manims, ours = manim.DecimalNumber(1.0, color="#58C4DD", **kwargs), Number(1.0, color="#58C4DD", **kwargs)
    for v in values:
        for mob in (manims, ours):
            mob.set_value(v).move_to([1.0, -0.5, 0])
        expected = pixels(manims)
        assert (expected[..., :3].sum(axis=-1) > 0).sum() > 200  # something is drawn
        np.testing.assert_array_equal(pixels(ours), expected)
        assert len(ours.submobjects) == len(manims.submobjects)


def test_series_bars_are_as_tall_as_their_share_of_the_largest_and_reveal_in_order():
    series = SeriesBars([4.0, 2.0, 1.0], height=2.0)
    np.testing.assert_allclose([b.height for b in series.bars], [2.0, 1.0, 0.5])
    series.reveal(2)
    assert [b.get_fill_opacity() for b in series.bars] == [1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="finite numbers >= 0"):
        SeriesBars([1.0, -1.0])
