"""The benchmark suite runs end to end (a quick run of the grid case, nnkern against NumPy, each in
its own process) and writes its table and JSON; the competent NumPy trainer of the suite trains
exactly as nnkern does."""

import json
import pathlib
import sys

import numpy as np

import nnkern as nk

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.__main__ import main  # noqa: E402
from benchmarks.contenders import with_numpy  # noqa: E402
from benchmarks.problems import data  # noqa: E402


def test_quick_grid_case_writes_table_and_json(tmp_path, capsys):
    main(["--quick", "--cases", "c", "--contenders", "nnkern,numpy", "--out", str(tmp_path)])
    result = json.loads((tmp_path / "benchmarks.json").read_text())
    assert [(row["case"], row["threads"]) for row in result["rows"]] == [("c", 1), ("c", 2)]
    for row in result["rows"]:
        assert row["runs"]["nnkern"][0] > 0 and row["runs"]["numpy"][0] > 0
        assert row["ratios"]["numpy"] == [row["runs"]["numpy"][0] / row["runs"]["nnkern"][0]]
    table = (tmp_path / "table.md").read_text()
    assert "| c | grid 200x200, 2-16-16-1, all layers, float32 | 1 |" in table and "Machine:" in table
    assert "load average" in capsys.readouterr().out
    assert table.count("Measured ") == 1 and "Cases run at different times" not in table
    probe = result["machine"]["steadiness"]["c"]
    assert 0 < probe["p10_ms"] <= probe["median_ms"] <= probe["p90_ms"] and probe["spread"] >= 1
    assert f"Steadiness at the start of each case (" in table and f"(c) {probe['spread']:.2f}x" in table


def test_a_noisy_case_is_called_noisy(monkeypatch):
    from benchmarks import report
    from benchmarks.common import NOISY, steadiness

    probe = steadiness(reps=5)
    assert set(probe) == {"median_ms", "p10_ms", "p90_ms", "spread"}
    result = {"rows": [], "quick": True, "seconds": 60, "machine_line": "m", "in_parts": False,
              "machine": {"date": "d", "cores": 2, "load_average": {"start": [0.1], "end": [0.2]},
                          "steadiness": {"a": dict(probe, spread=1.02), "b": dict(probe, median_ms=21.4, spread=NOISY + 0.5)}}}
    table = report.table(result)
    assert "(a) 1.02x (" in table and f"(b) {NOISY + 0.5:.2f}x, noisy (21 ms)" in table


def test_update_keeps_the_other_cases_and_says_when_each_ran(tmp_path):
    for case in "ci":
        main(["--quick", "--cases", case, "--contenders", "nnkern,numpy", "--out", str(tmp_path)]
             + (["--update"] if case == "i" else []))
    result = json.loads((tmp_path / "benchmarks.json").read_text())
    assert [row["case"] for row in result["rows"]] == ["c", "c", "i", "i"]
    table = (tmp_path / "table.md").read_text()
    assert "Cases run at different times (`--update`), the last at " + result["machine"]["date"] in table
    started = result["case_started"]
    assert set(started) == {"c", "i"} and started["c"] <= started["i"]
    assert f"(c) {result['machine']['load_average']['per_case']['c']:.1f} at {started['c']}, (i) " in table


def test_update_without_an_earlier_run_says_so(tmp_path, capsys):
    import pytest

    for text in (None, "{not json"):
        if text is not None:
            (tmp_path / "benchmarks.json").write_text(text)
        with pytest.raises(SystemExit):
            main(["--cases", "c", "--update", "--out", str(tmp_path)])
        assert "--update needs an earlier run's" in capsys.readouterr().err
    assert (tmp_path / "benchmarks.json").read_text() == "{not json"  # left as it was


def test_competent_numpy_trains_as_nnkern_does():
    """Same start, full batch (no shuffling to tell apart), Adam: the same parameters, float64."""
    for sizes, act, out in (([2, 16, 16, 1], "tanh", "sigmoid"), ([20, 16, 5], "relu", "softmax")):
        spec = dict(kind="train", sizes=sizes, activation=act, output=out, dtype="float64",
                    data="spiral" if sizes[0] == 2 else "random", n=300, batch=300)
        trainer = with_numpy.Trainer(spec)
        for _ in range(5):
            trainer.epoch()
        net = nk.MLP(sizes, activation=act, output=out, seed=0, dtype="float64")
        nk.train(net, *data(spec), epochs=5, batch_size=300, lr=0.01, quiet=True)
        np.testing.assert_allclose(trainer.theta, net.params, rtol=0, atol=1e-12)


def test_cases_may_be_listed_with_commas(tmp_path, capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["--cases", "a,d,z", "--out", str(tmp_path)])
    assert "unknown case(s) z;" in capsys.readouterr().err  # the commas are separators, not cases


def test_more_runs_may_be_asked_for_never_fewer(tmp_path, capsys, monkeypatch):
    import pytest

    import benchmarks.__main__ as suite

    with pytest.raises(SystemExit):
        main(["--cases", "c", "--runs", "2", "--out", str(tmp_path)])
    assert "--runs must be at least 3" in capsys.readouterr().err
    asked = []
    monkeypatch.setattr(suite, "run_case", lambda key, case, quick, only, runs: asked.append(runs) or [])
    monkeypatch.setattr(suite, "write_report", lambda result, out: None)
    main(["--cases", "c", "--runs", "5", "--out", str(tmp_path)])
    assert asked == [5]


def test_recording_case_runs_in_fresh_processes_and_reports_medians_and_spread(tmp_path, monkeypatch):
    """(d) takes its overheads from --runs fresh processes: the median of each measure, the
    lowest and highest wall median, and the verdict on the median (not on one noisy run)."""
    import subprocess
    import types

    import pytest

    walls = iter([1.30, 1.05, 1.08, 1.07, 1.20])  # one run moved by the machine's drift
    commands = []

    def fake_run(command, **kwargs):
        commands.append(command)
        wall = next(walls)
        ratios = {"wall median": wall, "wall fastest": wall, "cpu median": wall - 0.01, "cpu fastest": wall}
        out = {"memory": ratios, "folder": dict(ratios, **{"written median": 1.5})}
        return types.SimpleNamespace(stdout=json.dumps(out), returncode=0, stderr="")

    monkeypatch.setattr(subprocess, "run", fake_run)
    main(["--cases", "d", "--runs", "5", "--out", str(tmp_path)])
    assert len(commands) == 5 and all("recording_overhead.py" in c[1] and "--json" in c for c in commands)
    rows = json.loads((tmp_path / "benchmarks.json").read_text())["rows"]
    assert [r["setting"].split(",")[0] for r in rows] == ["record every step in memory",
                                                          "record every step streamed to a folder (record_to)"]
    folder = rows[1]
    assert abs(folder["overhead"]["wall median"] - 0.08) < 1e-9 and abs(folder["overhead"]["cpu median"] - 0.07) < 1e-9
    assert folder["wall_median_spread"] == pytest.approx([0.05, 0.30])
    table = (tmp_path / "table.md").read_text()
    assert "wall median +8.0%" in table and "(medians of 5 runs; wall median +5.0% to +30.0%)" in table
    assert table.count("(target <= 15%) — met") == 2  # the median, not the run at +30%


def test_recording_overhead_prints_its_ratios_as_json():
    """One real run of the (d) script, as the suite starts it (fewest repeats and epochs)."""
    import subprocess

    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "recording_overhead.py"), "--json",
                          "--repeats", "1", "--epochs", "5"], check=True, capture_output=True, text=True).stdout
    ratios = json.loads(out)
    assert set(ratios) == {"memory", "folder"}
    assert set(ratios["folder"]) == {"wall median", "wall fastest", "cpu median", "cpu fastest", "written median"}
    # times of the same training, each side; at 5 epochs (0.6 ms) the folder's writes take several times the
    # training itself ("written median" 7.6x-22x in six runs here), so only a ratio that is no time is wrong
    assert all(0.2 < v < 100 for r in ratios.values() for v in r.values())


def test_a_failed_recording_run_names_its_command_and_error(tmp_path, monkeypatch):
    import subprocess
    import types

    import pytest

    monkeypatch.setattr(subprocess, "run", lambda command, **kw: types.SimpleNamespace(
        stdout="", returncode=1, stderr="Traceback ...\nValueError: record_to='x' already exists"))
    with pytest.raises(RuntimeError, match=r"(?s)case \(d\): .*recording_overhead.py --json .*failed \(status 1\).*already exists"):
        main(["--cases", "d", "--out", str(tmp_path)])


def test_the_render_case_starts_from_typeset_tex_and_keeps_it(tmp_path, monkeypatch):
    """(r): the first run on a machine typesets the scene's TeX and keeps it in nnkern's cache; the
    next runs start their one-process render with it, and the table says which render typeset."""
    import subprocess
    import types

    import benchmarks.__main__ as suite

    monkeypatch.setenv("NNKERN_CACHE", str(tmp_path / "cache"))
    seen = []

    def fake_run(argv, **kwargs):
        if "benchmarks.replay_frames" in argv:
            tex = pathlib.Path(argv[argv.index("--media") + 1]) / "Tex"
            seen.append(sorted(p.name for p in tex.glob("*")) if tex.is_dir() else None)
            tex.mkdir(exist_ok=True)
            (tex / "formula.svg").write_text("<svg/>")
            row = {"quality": "low", "render_seconds": 50.0, "video_seconds": 77.0, "replay_frames": 360,
                   "replay_seconds": 20.0, "per_frame": {"tracker": 0.03, "drawing": 0.04, "encoding": 1e-5, "other": 1e-3}}
            return types.SimpleNamespace(returncode=0, stdout=json.dumps(row), stderr="")
        return types.SimpleNamespace(returncode=1, stdout="", stderr="no split in this test")

    monkeypatch.setattr(subprocess, "run", fake_run)
    first, second = suite.render_case(quick=True), suite.render_case(quick=True)
    assert seen == [None, ["formula.svg"]]
    assert [r["tex_typeset"] for r in first + second] == [False, True]
    from benchmarks import report

    lines = report._render_table(first + second)
    assert "| -ql | 50 s (TeX typeset in it) |" in lines[2] and "| -ql | 50 s |" in lines[3]


def test_file_creation_probe_times_new_files_it_leaves_in_a_subfolder(tmp_path):
    from benchmarks.common import file_creation, file_text

    cost = file_creation(tmp_path, n=50)
    (sub,) = tmp_path.iterdir()
    assert sub.name.startswith("creation-") and len(list(sub.iterdir())) == 50
    assert 0 < cost < 1e5  # microseconds of CPU per file: well under 0.1 s on any disk
    assert file_text(7.2) == "7 us" and file_text(38) == "38 us, slow"
