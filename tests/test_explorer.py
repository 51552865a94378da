"""The explorer page: written from a recording, checked in a real headless Chromium against the
NumPy/Numba views (grid output, accuracy), and its saved parameters read back in Python."""

import base64
import io
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import nnkern as nk
from nnkern.explorer import browser, load_model, page
from nnkern.palette import Palette

RES = page.RESOLUTION


@pytest.fixture(scope="module")
def rec():
    X, y = nk.datasets.load("spiral", n=400, noise=0.05, seed=0)
    net = nk.MLP([2, 16, 16, 1], activation="tanh", output="sigmoid", seed=0)
    return nk.train(net, X, y, epochs=20, batch_size=32, lr=0.03, seed=0, quiet=True, record=1).recording


@pytest.fixture(scope="module")
def html(rec, tmp_path_factory):
    return nk.explore(rec, tmp_path_factory.mktemp("page") / "run.html", n_snapshots=50)


@pytest.fixture(scope="module")
def snapshots(rec):
    """The page's snapshots as Python decodes them: (steps, params (k, P))."""
    chosen = page.chosen_snapshots(rec.steps, 50)
    return rec.steps[chosen], page.dequantize(*page.quantize(rec.stack("params", chosen)))


def needs_browser():
    reason = browser.missing()
    if reason:
        pytest.skip(reason)


@pytest.fixture
def tab(html):
    needs_browser()
    with browser.open_page(html) as p:
        yield p
        assert p.problems == []  # no console errors, no page errors, no request leaving the file


def net_with(rec, params):
    net = rec.model_at(0)
    net.set_params(np.asarray(params, dtype=np.float32))
    return net


def page_grid(tab, rec):
    """Every layer's activations over the page's grid, (RES, RES, width) each, as the page computed them."""
    return [np.frombuffer(base64.b64decode(tab.evaluate(f"explorer.grid({l})")), "<f4").reshape(RES, RES, w)
            for l, w in enumerate(rec.layout.sizes[1:])]


def assert_grid_matches(tab, rec, params):
    want = nk.grid_activations(net_with(rec, params), tab.evaluate("explorer.extent"), RES)
    for got, ref in zip(page_grid(tab, rec), want):
        np.testing.assert_allclose(got, ref, atol=1e-4, rtol=0)


def displayed_accuracy(tab):
    return float(re.fullmatch(r"([\d.]+)%", tab.inner_text("#accuracy")).group(1)) / 100


def heat_pixels(tab):
    """The heatmap canvas as drawn, (h, w, 4) int."""
    url = tab.evaluate("document.getElementById('heat').toDataURL('image/png')")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))), dtype=int)


# ------------------------------------------------------------------ the page file


def test_snapshots_spread_like_the_scenes_and_keep_both_ends():
    steps = np.arange(0, 9601)
    chosen = page.chosen_snapshots(steps, 600)
    assert chosen[0] == 0 and chosen[-1] == 9600 and len(chosen) <= 600 and np.all(np.diff(chosen) > 0)
    gaps = np.diff(steps[chosen])
    assert gaps[:20].max() <= 3 and gaps[-20:].min() >= 30  # dense early, sparse late
    np.testing.assert_array_equal(page.chosen_snapshots(steps[:40], 600), np.arange(40))


def test_quantized_parameters_are_within_half_a_step():
    rng = np.random.default_rng(0)
    params = (rng.normal(size=(30, 50)) * rng.uniform(0.01, 5, size=50)).astype(np.float32)
    params[:, 3] = 0  # a parameter that never moves
    q, scale = page.quantize(params)
    assert q.dtype == np.int16 and scale.dtype == np.float32
    err = np.abs(page.dequantize(q, scale).astype(np.float64) - params)
    assert np.all(err <= scale * 0.5 + 1e-7 * np.abs(params)) and np.all(err[:, 3] == 0)


def test_page_is_self_contained(html):
    text = open(html, encoding="utf-8").read()
    assert "explorer.css" not in text and "{{" not in text  # the template's slots are filled
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", text)  # nothing fetched from a network
    assert "function forward(" in text and "#network" in text  # the script and stylesheet are inlined


def test_budget_a_300_epoch_run_with_the_default_schedule_fits_in_2_mb(tmp_path):
    X, y = nk.datasets.load("spiral", n=1000, noise=0.05, seed=0)
    net = nk.MLP([2, 16, 16, 1], activation="tanh", output="sigmoid", seed=0)
    run = nk.train(net, X, y, epochs=300, batch_size=32, lr=0.03, seed=0, quiet=True, record_to=tmp_path / "run")
    assert len(run.recording) == 9601  # the default schedule: every step
    out = nk.explore(tmp_path / "run", tmp_path / "run.html")
    assert (tmp_path / "run.html").stat().st_size < 2_000_000 and out == str(tmp_path / "run.html")


def test_a_big_net_keeps_fewer_snapshots():
    X, y = nk.datasets.load("moons", n=320, seed=0)
    net = nk.MLP([2, 64, 64, 64, 1], seed=0)
    rec = nk.train(net, X, y, epochs=10, batch_size=32, quiet=True, record=1).recording
    kept = page.page_data(rec)["snapshots"]["steps"]
    assert kept[0] == 0 and kept[-1] == 100 and len(kept) <= page.SNAPSHOT_BYTES // (2 * net.n_params) < 100
    with pytest.raises(ValueError, match="at least 2"):
        page.page_data(rec, n_snapshots=1)


def test_the_command_writes_a_page_and_refuses_a_recording_that_is_not_2d(tmp_path, capsys):
    from nnkern.cli import main

    argv = ["train", "--dataset", "digits", "--n", "64", "--epochs", "1", "--out", str(tmp_path / "digits"), "--quiet"]
    assert main(argv) == 0
    assert main(["explore", str(tmp_path / "digits"), "-o", str(tmp_path / "d.html")]) == 2
    assert "2 inputs" in capsys.readouterr().err and not (tmp_path / "d.html").exists()
    argv = ["train", "--dataset", "gauss", "--n", "90", "--epochs", "2", "--out", str(tmp_path / "gauss"), "--quiet"]
    assert main(argv) == 0
    assert main(["explore", str(tmp_path / "gauss")]) == 0
    assert (tmp_path / "gauss.html").stat().st_size > 0


def test_regression_runs_are_refused(tmp_path):
    X = np.random.default_rng(0).normal(size=(32, 2))
    net = nk.MLP([2, 4, 1], output="identity")
    rec = nk.train(net, X, X[:, :1], epochs=1, quiet=True, record=1).recording
    with pytest.raises(ValueError, match="classifier"):
        nk.explore(rec, tmp_path / "r.html")


def test_import_nnkern_loads_no_explorer_or_browser():
    code = "import sys, nnkern; print(sorted(m for m in sys.modules if m.startswith(('nnkern.explorer', 'playwright', 'manim'))))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_load_model_refuses_files_that_are_not_saved_parameters(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not a JSON file"):
        load_model(bad)
    bad.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="not an explorer parameters file"):
        load_model(bad)
    model = {"sizes": [2, 3, 1], "activation": "tanh", "output": "sigmoid", "dtype": "float32"}
    weights = [np.zeros((2, 3)).tolist(), np.zeros((3, 1)).tolist()]
    bad.write_text(json.dumps({"format": "nnkern-explorer-params", "model": model, "weights": weights, "biases": [[0, 0], [0]]}))
    with pytest.raises(ValueError, match=r"biases\[0\] should have shape \(3,\)"):
        load_model(bad)


# ------------------------------------------------------------------ in the browser


def test_page_loads_from_disk_with_the_network_blocked(tab, rec):
    assert tab.url.startswith("file://")
    assert tab.evaluate("explorer.nSnapshots") == 50
    assert tab.inner_text("#step") == "0"
    drawn = tab.evaluate("explorer.diagram()")
    assert len(drawn["neurons"]) == sum(rec.layout.sizes) and len(drawn["edges"]) == 2 * 16 + 16 * 16 + 16


def test_grid_at_a_snapshot_matches_grid_activations(tab, rec, snapshots):
    steps, params = snapshots
    for k in (0, 7, len(steps) - 1):
        tab.evaluate(f"explorer.setTime({k})")
        np.testing.assert_array_equal(np.array(tab.evaluate("explorer.params()"), dtype=np.float32), params[k])
        assert tab.inner_text("#step") == str(steps[k])
        assert_grid_matches(tab, rec, params[k])
        acc = np.mean(net_with(rec, params[k]).predict(rec.data[0]) == rec.data[1])
        assert displayed_accuracy(tab) == pytest.approx(acc, abs=5e-4)


def test_moving_the_time_slider_changes_the_heatmap(tab, rec, snapshots):
    before = heat_pixels(tab)
    box = tab.locator("#time").bounding_box()
    tab.mouse.click(box["x"] + 0.6 * box["width"], box["y"] + box["height"] / 2)
    tab.wait_for_function("explorer.time() > 0")
    tab.evaluate("new Promise(requestAnimationFrame)")
    t = tab.evaluate("explorer.time()")
    assert 0.45 * 49 < t < 0.75 * 49
    after = heat_pixels(tab)
    assert np.abs(after - before).max() > 30  # the boundary moved
    k, f = int(t), t - int(t)  # between snapshots the parameters are interpolated as Recording.params_at
    mixed = ((1 - f) * snapshots[1][k].astype(np.float64) + f * snapshots[1][k + 1]).astype(np.float32)
    np.testing.assert_allclose(np.array(tab.evaluate("explorer.params()"), dtype=np.float32), mixed, rtol=2e-7, atol=0)
    assert_grid_matches(tab, rec, mixed)


def test_dragging_an_edge_changes_that_weight_the_boundary_and_the_accuracy(tab, rec):
    tab.evaluate("explorer.setTime(10)")
    before = np.array(tab.evaluate("explorer.params()"), dtype=np.float32)
    grid_before = page_grid(tab, rec)[-1]
    l, i, j = 1, 3, 5  # hidden 1 neuron 3 -> hidden 2 neuron 5
    at = tab.evaluate(f"explorer.edgePoint({l}, {i}, {j})")
    assert at is not None
    tab.mouse.move(at["x"], at["y"])
    tab.mouse.down()
    tab.mouse.move(at["x"], at["y"] - 60, steps=6)
    tab.mouse.up()
    tab.evaluate("new Promise(requestAnimationFrame)")
    after = np.array(tab.evaluate("explorer.params()"), dtype=np.float32)
    p = int(rec.layout.w_off[l]) + i * 16 + j
    assert np.flatnonzero(after != before).tolist() == [p] and after[p] > before[p]  # dragging up raises it
    assert tab.inner_text("#edit-count") == "1"
    assert_grid_matches(tab, rec, after)
    assert np.abs(page_grid(tab, rec)[-1] - grid_before).max() > 1e-3
    acc = np.mean(net_with(rec, after).predict(rec.data[0]) == rec.data[1])  # the NumPy/Numba reference
    assert displayed_accuracy(tab) == pytest.approx(acc, abs=5e-4)
    tab.click("#reset")
    tab.evaluate("new Promise(requestAnimationFrame)")
    np.testing.assert_array_equal(np.array(tab.evaluate("explorer.params()"), dtype=np.float32), before)


def test_dragging_a_neuron_changes_its_bias_and_a_tap_pins_its_map(tab, rec):
    at = tab.evaluate("explorer.neuronPoint(2, 4)")
    before = np.array(tab.evaluate("explorer.params()"), dtype=np.float32)
    tab.mouse.move(at["x"], at["y"])
    tab.mouse.down()
    tab.mouse.move(at["x"], at["y"] + 40, steps=4)
    tab.mouse.up()
    tab.evaluate("new Promise(requestAnimationFrame)")
    after = np.array(tab.evaluate("explorer.params()"), dtype=np.float32)
    p = int(rec.layout.b_off[1]) + 4
    assert np.flatnonzero(after != before).tolist() == [p] and after[p] < before[p]
    tab.mouse.move(5, 5)  # away from the network: the plane shows the output
    tab.evaluate("new Promise(requestAnimationFrame)")
    output_map = heat_pixels(tab)
    at = tab.evaluate("explorer.neuronPoint(1, 0)")
    tab.mouse.click(at["x"], at["y"])
    tab.mouse.move(5, 5)  # away from the network: the pinned map stays
    tab.evaluate("new Promise(requestAnimationFrame)")
    assert "neuron 1 of hidden 1" in tab.inner_text("#plane-caption")
    assert np.abs(heat_pixels(tab) - output_map).max() > 30  # the plane shows the neuron's map
    tab.mouse.click(at["x"], at["y"])  # a second tap unpins it: the output again
    tab.mouse.move(5, 5)
    tab.evaluate("new Promise(requestAnimationFrame)")
    assert np.abs(heat_pixels(tab) - output_map).max() <= 1  # (the canvas's smoothing may round a channel differently)


def test_edges_are_coloured_by_sign_and_widened_by_size(tab, rec):
    tab.evaluate("explorer.setTime(30)")
    W = np.array(tab.evaluate("explorer.params()"))[: 2 * 16].reshape(2, 16)
    edges = [e for e in tab.evaluate("explorer.diagram()")["edges"] if e["l"] == 0]
    for e in edges:
        assert e["w"] == pytest.approx(W[e["i"], e["j"]], abs=1e-7)
        r, g, b = map(int, re.findall(r"\d+", e["colour"]))
        assert (b > r) == (e["w"] > 0)  # blue for positive, red for negative
    widths = np.array([e["width"] for e in edges])
    rel = np.abs([e["w"] for e in edges]) / np.abs(W).max()
    assert widths[np.argmax(rel)] == widths.max() > 4 and np.all(np.diff(widths[np.argsort(rel)]) >= 0)  # (|w| / max)^3
    assert widths.min() < 0.5


def test_clicking_the_plane_sends_that_point_through_the_network(tab, rec):
    box = tab.locator("#overlay").bounding_box()
    tab.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + 0.75 * box["height"])
    tab.evaluate("new Promise(requestAnimationFrame)")
    x0, x1, y0, y1 = tab.evaluate("explorer.extent")
    point = np.array([tab.evaluate("explorer.point()")], dtype=np.float32)
    np.testing.assert_allclose(point[0], [x0 + 0.25 * (x1 - x0), y1 - 0.75 * (y1 - y0)], atol=0.01 * (x1 - x0))
    net = net_with(rec, tab.evaluate("explorer.params()"))
    p = float(net.predict_proba(point)[0])
    caption = tab.inner_text("#plane-caption")
    assert f"P(blue) = {p:.3f}" in caption and "the line: P = 0.5" in caption
    hidden = net.layer_outputs(point)[0][1][0]  # the hidden neurons' values, written in their circles
    texts = [n["text"] for n in tab.evaluate("explorer.diagram()")["neurons"] if n["l"] == 1]
    np.testing.assert_allclose([float(t) for t in texts], hidden, atol=0.0051)


def test_saved_parameters_load_back_into_python(tab, rec, tmp_path):
    tab.evaluate("explorer.setTime(20)")
    w_index = int(rec.layout.w_off[2]) + 7
    tab.evaluate(f"explorer.setParameter({w_index}, 1.25)")
    with tab.expect_download() as download:
        tab.click("#save")
    path = tmp_path / "params.json"
    download.value.save_as(path)
    net = load_model(path)
    page_params = np.array(tab.evaluate("explorer.params()"), dtype=np.float32)
    np.testing.assert_array_equal(net.params, page_params)
    assert net.weights[2][7, 0] == np.float32(1.25) and net.sizes == [2, 16, 16, 1] and net.activation == "tanh"
    saved = json.loads(path.read_text())
    assert saved["edited"] == [{"layer": 2, "kind": "weight", "i": 7, "j": 0}]


def test_three_classes_and_a_wide_layer(tmp_path):
    needs_browser()
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    angle = y * 2 * np.pi / 3
    X = np.c_[np.cos(angle), np.sin(angle)] * 0.6 + rng.normal(0, 0.3, (300, 2))
    net = nk.MLP([2, 40, 3], activation="relu", output="softmax", seed=0)
    rec = nk.train(net, X, y, epochs=5, batch_size=32, lr=0.02, quiet=True, record=1).recording
    palette = Palette(bright="#FF00FF")  # the sequential map's end, unlike the highlight
    with browser.open_page(nk.explore(rec, tmp_path / "three.html", palette=palette)) as tab:
        tab.evaluate(f"explorer.setTime({len(rec) - 1})")
        params = np.array(tab.evaluate("explorer.params()"), dtype=np.float32)
        want = nk.grid_activations(net_with(rec, params), tab.evaluate("explorer.extent"), RES)
        got = page_grid(tab, rec)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, atol=1e-4, rtol=0)
        acc = np.mean(net_with(rec, params).predict(rec.data[0]) == rec.data[1])
        assert displayed_accuracy(tab) == pytest.approx(acc, abs=5e-4)
        drawn = tab.evaluate("explorer.diagram()")
        assert [sum(n["l"] == l for n in drawn["neurons"]) for l in range(3)] == [2, 16, 3]  # 40 collapse to 16 and "⋮"
        assert "→ " in tab.inner_text("#plane-caption") and not tab.problems
        # relu neurons are filled by the sequential map, dark -> bright, at their activation for the input shown
        point = np.array([tab.evaluate("explorer.point()")], dtype=np.float32)
        acts = net_with(rec, params).layer_outputs(point)[0][1][0]
        dark, bright = (np.array([int(c[k:k + 2], 16) for k in (1, 3, 5)]) for c in (palette.dark, palette.bright))
        for n in (n for n in drawn["neurons"] if n["l"] == 1):
            row = np.clip(np.trunc(acts[n["j"]] * 255 + 0.5), 0, 255)
            want = np.round(dark + (bright - dark) * row / 255)
            np.testing.assert_allclose(list(map(int, re.findall(r"\d+", n["fill"]))), want, atol=1)


def test_the_page_draws_with_the_palette_it_is_given(rec, tmp_path):
    needs_browser()
    html = nk.explore(rec, tmp_path / "green.html", n_snapshots=20, palette=Palette(positive="#00FF00", background="#FFFFFF"))
    with browser.open_page(html) as tab:
        tab.evaluate("explorer.setTime(19)")
        strongest = max((e for e in tab.evaluate("explorer.diagram()")["edges"] if e["w"] > 0), key=lambda e: e["width"])
        r, g, b = map(int, re.findall(r"\d+", strongest["colour"]))
        assert g > 150 and r < 80 and b < 80  # positive weights in the palette's positive colour
        assert tab.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
        assert not tab.problems
