"""The sweep comparison: BoundaryGrid (tiles laid out, coloured and driven by networks) and
scenes/compare.py in a dry run."""

import pathlib

import numpy as np
import pytest

manim = pytest.importorskip("manim")
pytest.importorskip("fsspec")

import nnkern as nk  # noqa: E402
from nnkern.palette import Palette  # noqa: E402
from nnkern.viz import BoundaryGrid, style  # noqa: E402
from scene_files import load_scene  # noqa: E402

EXTENT = (-1.2, 1.2, -1.2, 1.2)


def rgb(color):
    return np.asarray(manim.ManimColor(color).to_rgb())


def box(m):
    return m.get_corner(manim.DL)[:2], m.get_corner(manim.UR)[:2]


def overlap(a, b):
    (a0, a1), (b0, b1) = box(a), box(b)
    return bool(np.all(a0 < b1) and np.all(b0 < a1))


@pytest.fixture(scope="module")
def data():
    return nk.datasets.load("circle", n=80, noise=0.05, seed=0)


def test_tiles_sit_in_their_cells_labelled_below_without_overlaps(data):
    cells = [(0, 0), (0, 1), (1, 0), (1, 2)]
    grid = BoundaryGrid(EXTENT, *data, ["a", "b", "two\nlines", "d"], cells=cells, groups=[0, 0, 1, 1],
                        row_labels=["lr 0.01", "lr 0.1"], side=1.2, resolution=16)
    centres = np.array([t.frame.get_center()[:2] for t in grid.tiles])
    assert centres[0][1] == centres[1][1] > centres[2][1] == centres[3][1]  # rows
    assert centres[0][0] == centres[2][0] < centres[1][0] < centres[3][0]  # columns
    parts = [*grid.tiles, *grid.labels, *grid.row_labels]
    for i, a in enumerate(parts):
        for b in parts[i + 1:]:
            assert not overlap(a, b)
    for tile, label in zip(grid.tiles, grid.labels):
        assert label.get_top()[1] < tile.frame.get_bottom()[1] and abs(label.get_x() - tile.frame.get_x()) < 1e-6
    assert all(t.font_size >= 24 for t in [*grid.labels, *grid.row_labels])
    assert grid.row_labels[1].get_right()[0] < grid.tiles[2].frame.get_left()[0]


def test_frames_row_labels_and_highlight_follow_the_palette(data):
    grid = BoundaryGrid(EXTENT, *data, ["a", "b"], groups=[0, 1], row_labels=["row"], resolution=16)
    p = style.PALETTE
    assert np.allclose(rgb(grid.tiles[0].frame.get_stroke_color()), rgb(p.series[0]))
    assert np.allclose(rgb(grid.tiles[1].frame.get_stroke_color()), rgb(p.series[1]))
    assert np.allclose(rgb(grid.highlight(1).get_stroke_color()), rgb(p.marker))
    assert np.allclose(rgb(grid.labels[0].get_color()), rgb(p.text))
    mine = Palette(series=("#204080", "#806020"), marker="#10E010", text="#202020", frame="#A0A0A0")
    grid = BoundaryGrid(EXTENT, *data, ["a", "b", "c"], groups=[0, 1, 2], row_labels=["row"], palette=mine, resolution=16)
    assert np.allclose(rgb(grid.tiles[2].frame.get_stroke_color()), rgb("#204080"))  # series colours in turn
    assert np.allclose(rgb(grid.row_labels[0].get_color()), rgb("#204080"))
    assert np.allclose(rgb(grid.highlight(0).get_stroke_color()), rgb("#10E010"))
    assert np.allclose(rgb(grid.labels[0].get_color()), rgb("#202020"))
    assert np.allclose(rgb(grid.tiles[0].contour.get_stroke_color()), rgb(mine.contour))  # the tiles take it too


def test_each_tile_shows_its_own_network(data):
    X, y = data
    grid = BoundaryGrid(EXTENT, X, y, ["a", "b"], resolution=24)
    nets = [nk.MLP([2, 8, 1], seed=0), nk.MLP([2, 8, 1], seed=1)]
    nk.train(nets[1], X, y, epochs=40, lr=0.05, quiet=True)
    grid.set_params(nets)
    for tile, net in zip(grid.tiles, nets):
        expected = np.round(style.probability_rgb(nk.grid_activations(net, EXTENT, 24)[-1])[::-1] * tile.shade * 255)
        np.testing.assert_array_equal(tile.image.pixel_array[..., :3], expected)
    before = grid.tiles[0].image.pixel_array.copy()
    grid.set_params([None, nets[0]])  # None leaves a tile as it is
    np.testing.assert_array_equal(grid.tiles[0].image.pixel_array, before)
    np.testing.assert_array_equal(grid.tiles[1].image.pixel_array, before)
    with pytest.raises(ValueError, match="2 labels but 1 cells"):
        BoundaryGrid(EXTENT, X, y, ["a", "b"], cells=[(0, 0)])


def test_compare_scene_runs_in_a_dry_run_and_ends_on_the_runs_final_boundaries():
    scene_module = load_scene("compare")
    scene_module.SWEEP = dict(scene_module.SWEEP, n=300, seed=[0, 1], epochs=60)  # its three lrs, smaller
    with manim.tempconfig({"dry_run": True, "quality": "low_quality", "frame_rate": 1, "progress_bar": "none"}):
        scene = scene_module.CompareScene()
        scene.render()
        assert 45 <= scene.renderer.time <= 120
        subtitles = [s.content for s in scene.renderer.file_writer.subcaptions]
    assert [s.split(" is ")[0] for s in subtitles if " is too" in s] == ["lr 0.0005", "lr 0.5"]
    assert any(s.startswith("lr 0.02 is about right") for s in subtitles)
    grid = next(m for m in scene.mobjects if isinstance(m, BoundaryGrid))
    assert len(grid.tiles) == 6 and [t.text for t in grid.row_labels] == ["lr0.0005", "lr0.02", "lr0.5"]
    # the tiles end on each run's last snapshot: as the recording's final network draws it
    folder = pathlib.Path(scene.folder)
    rec = nk.Recording.load(folder / grid_names(folder / "summary.csv")[2])  # lr 0.02, seed 0: the third tile
    expected = BoundaryGrid(grid.tiles[0].extent, *rec.data, ["x"], resolution=72).set_params([rec.model_at(len(rec) - 1)])
    np.testing.assert_array_equal(grid.tiles[2].image.pixel_array, expected.tiles[0].image.pixel_array)
    assert np.abs(grid.tiles[0].image.pixel_array.astype(int) - grid.tiles[2].image.pixel_array).mean() > 10


def grid_names(summary_csv):
    return [line.split(",")[0] for line in summary_csv.read_text().splitlines()[1:]]


def test_a_three_class_sweep_renders_with_its_classes_named_and_coloured(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 40)
    X = np.array([[-1.0, -0.6], [1.0, -0.6], [0.0, 1.0]])[y] + 0.3 * rng.standard_normal((120, 2))
    csv = tmp_path / "three.csv"
    csv.write_text("x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, y)))
    folder = tmp_path / "sweep"
    nk.sweep(dict(dataset=f"csv:{csv}", layers=[2, 8, 3], lr=[0.003, 0.05], epochs=30, batch_size=16), str(folder),
             n_workers=0, progress=False)
    scene_module = load_scene("compare", "compare_scene_3")
    monkeypatch.setenv("NNKERN_RUN", str(folder))
    with manim.tempconfig({"dry_run": True, "quality": "low_quality", "frame_rate": 1, "progress_bar": "none"}):
        scene = scene_module.CompareScene()
        scene.render()
        subtitles = [s.content for s in scene.renderer.file_writer.subcaptions]
    names = style.PALETTE.class_names
    assert f"Each square: one run's answer over the plane, {names[0]}, {names[1]} or {names[2]}, with the data on top" \
        in subtitles
    assert not any("> 0.5" in s for s in subtitles)
    grid = next(m for m in scene.mobjects if isinstance(m, BoundaryGrid))

    def shares(tile):  # each class's colour (at the tile's shade) as a share of the tile's pixels
        pixels = tile.image.pixel_array[..., :3].reshape(-1, 3).astype(float)
        return [np.mean(np.linalg.norm(pixels - style.faded(style.class_rgb(c), tile.shade) * 255, axis=1) < 30)
                for c in range(3)]

    assert max(min(shares(t)) for t in grid.tiles) > 0.05  # a trained run's tile holds all three class colours
