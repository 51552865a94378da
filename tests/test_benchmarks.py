"""The benchmark suite runs end to end (a quick run of one case) and writes its table and JSON."""

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.__main__ import main  # noqa: E402


def test_quick_grid_case_writes_table_and_json(tmp_path, capsys):
    main(["--quick", "--cases", "c", "--out", str(tmp_path)])
    result = json.loads((tmp_path / "benchmarks.json").read_text())
    (row,) = result["rows"]
    assert row["case"] == "c" and row["times"]["nnkern"] > 0 and row["times"]["numpy"] > 0
    table = (tmp_path / "table.md").read_text()
    assert "| c | grid activations 200x200" in table and "Machine:" in table
    assert "Machine:" in capsys.readouterr().out
