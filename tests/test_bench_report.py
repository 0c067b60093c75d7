"""`bomcat bench all`'s report: a real bench run as its command, its tables with each figure beside
its anchor and the ratio, and the machine it ran on."""
from __future__ import annotations

from pathlib import Path

from bomcat.bench_report import Bench, run_all, with_anchors

DATA = Path(__file__).parent / "data"


def test_a_bench_lands_in_the_report_with_its_command_machine_and_anchor_ratios(tmp_path):
    rows = tmp_path / "markings.tsv"
    rows.write_text("".join(line for i, line in enumerate((DATA / "resolver-validation.tsv").open()) if i < 21))
    report = run_all([Bench("Resolver", ["bench", "resolver", str(rows)]),
                      Bench("Absent", ["bench", "ocr", str(tmp_path / "nope")], [tmp_path / "nope"])],
                     lambda _line: None, live=False)
    assert "| cores |" in report and "| python |" in report
    assert f"Command: `bomcat bench resolver {rows}`" in report and "exit code 0" in report
    bomcat_row = next(line for line in report.splitlines() if line.startswith("| markings.tsv | bomcat |"))
    assert "(anchor " in bomcat_row and ", x" in bomcat_row   # figure, the anchor's, the ratio
    assert f"Skipped: {tmp_path / 'nope'} not found." in report


def test_figures_are_set_beside_the_anchor_of_their_own_group():
    table = {"columns": ["set", "system", "n", "part"],
             "rows": [{"set": "a", "system": "anchor", "n": 10, "part": "0.500"},
                      {"set": "a", "system": "bomcat", "n": 10, "part": "0.900"},
                      {"set": "b", "system": "anchor", "n": 5, "part": "0.200"},
                      {"set": "b", "system": "bomcat", "n": 5, "part": "0.800"}]}
    shown = with_anchors(table)
    assert shown[1]["part"] == "0.900 (anchor 0.500, x1.80)" and shown[3]["part"] == "0.800 (anchor 0.200, x4.00)"
    assert shown[0]["part"] == "0.500" and shown[1]["n"] == 10   # anchors and counts as they are
