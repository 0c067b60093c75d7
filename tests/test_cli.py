"""The command contracts, through the real `bomcat` command in a subprocess."""
from __future__ import annotations

import json

import cv2
import pytest

from bomcat.images.synth import render_chip_crop

RESOLVE_KEYS = {"marking", "manufacturer", "part_number", "category", "confidence", "candidates", "explanation"}
OCR_KEYS = {"file", "lines", "text", "rotation", "manufacturer", "part_number", "confidence", "seconds"}


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_resolve_json_gives_one_object_per_argument_in_order(runner):
    markings = ["winbond | 25Q128JVSQ | 1927", "no such chip | 12", "SONY | IMX307LQD"]
    out = runner("resolve", "--json", *markings)
    assert out.returncode == 0, out.stderr
    objects = json_lines(out.stdout)
    assert [o["marking"] for o in objects] == markings
    assert all(RESOLVE_KEYS <= set(o) for o in objects)
    assert objects[0]["manufacturer"] == "Winbond Electronics" and objects[0]["part_number"].startswith("W25Q128JV")
    assert objects[0]["date_code"] == {"raw": "1927", "year": 2019, "week": 27, "convention": "YYWW"}
    assert objects[1]["manufacturer"] is None and objects[1]["part_number"] is None


def test_resolve_reads_stdin_one_marking_per_line(runner):
    lines = ["XMC | 25QH64CHIQ | 2223C", "", "Ingenic | T31 | 21050632-BRX01"]
    out = runner("resolve", "--json", input="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    objects = json_lines(out.stdout)
    assert len(objects) == 3 and [o["marking"] for o in objects] == lines
    assert objects[2]["part_number"] == "T31X"


def test_resolve_streams_results_as_lines_arrive(tmp_path):
    """Each line is answered (and flushed) before the next one is read."""
    import os
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-m", "bomcat", "resolve", "--json"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "BOMCAT_HOME": str(tmp_path)})
    try:
        proc.stdin.write("SONY | IMX307LQD\n")
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())
        assert first["part_number"].startswith("IMX307")
        proc.stdin.write("AKM | AK4951EN\n")
        proc.stdin.close()
        assert json.loads(proc.stdout.readline())["manufacturer"] == "Asahi Kasei Microdevices"
    finally:
        proc.wait(timeout=30)


def test_ocr_reads_a_turned_crop(runner, tmp_path):
    path = tmp_path / "chip.png"
    cv2.imwrite(str(path), render_chip_crop(["AKM", "AK4951EN", "2105"], rotation=90, seed=2))
    out = runner("ocr", "--json", str(path))
    assert out.returncode == 0, out.stderr
    (obj,) = json_lines(out.stdout)
    assert OCR_KEYS <= set(obj) and obj["file"] == str(path)
    assert obj["rotation"] == 90
    assert obj["manufacturer"] == "Asahi Kasei Microdevices" and obj["part_number"].startswith("AK4951")


def test_ocr_debug_writes_every_stage(runner, tmp_path):
    path = tmp_path / "chip.png"
    cv2.imwrite(str(path), render_chip_crop(["SONY", "IMX307LQD"], seed=1))
    out = runner("ocr", "--debug", str(tmp_path / "debug"), str(path))
    assert out.returncode == 0, out.stderr
    names = {p.name for p in (tmp_path / "debug" / "chip").iterdir()}
    assert any("normalize_contrast" in n for n in names) and any("suppress_glare" in n for n in names)


def test_detect_reports_rotated_boxes(runner, board_file, small_board):
    out = runner("detect", "--json", str(board_file))
    assert out.returncode == 0, out.stderr
    (obj,) = json_lines(out.stdout)
    assert obj["file"] == str(board_file)
    assert len(obj["chips"]) == len(small_board[1])
    assert all(set(c) == {"cx", "cy", "w", "h", "angle", "score"} for c in obj["chips"])


def test_ingest_and_device_commands(runner, board_file):
    assert runner("devices", "add", "cam-1", "--maker", "Hikvision", "--model", "DS-2CD2032").returncode == 0
    out = runner("ingest", "--json", "--device", "cam-1", "--by", "alice", str(board_file))
    assert out.returncode == 0, out.stderr
    (obj,) = json_lines(out.stdout)
    assert obj["created"] and obj["components"] == 3
    again = json_lines(runner("ingest", "--json", "--device", "cam-1", str(board_file)).stdout)
    assert again[0]["created"] is False and again[0]["photo_id"] == obj["photo_id"]
    listed = json_lines(runner("devices", "list", "--json").stdout)
    assert listed == [{"slug": "cam-1", "maker": "Hikvision", "model": "DS-2CD2032", "status": "draft",
                       "photos": 1, "components": 3}]


def test_db_upgrade(runner):
    out = runner("db", "upgrade")
    assert out.returncode == 0 and "revision 0010" in out.stdout


@pytest.mark.parametrize("args, message", [
    (["ocr", "/nonexistent/chip.png"], "no such file"),
    (["detect", "/nonexistent/board.jpg"], "no such file"),
    (["ocr", "{not_image}"], "not a readable image"),
    (["detect", "{not_image}"], "not a readable image"),
    (["ingest", "--device", "nope", "{board}"], "unknown device 'nope'"),
    (["ingest", "--device", "cam", "/nonexistent/board.jpg"], "no such file"),
    (["devices", "add", "Bad Slug", "--maker", "x", "--model", "y"], "must be lower-case"),
    (["ocr"], "give at least one image"),
])
def test_bad_input_gives_one_clear_line_and_failure(runner, tmp_path, board_file, args, message):
    not_image = tmp_path / "notes.png"
    not_image.write_text("these are my notes, not a photo")
    runner("devices", "add", "cam", "--maker", "x", "--model", "y")
    args = [a.format(not_image=not_image, board=board_file) for a in args]
    out = runner(*args)
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bomcat: error:") and message in lines[0], out.stderr


def test_export_csv_and_json(runner, board_file):
    runner("devices", "add", "cam", "--maker", "Hikvision", "--model", "DS-2CD")
    assert runner("ingest", "--device", "cam", str(board_file)).returncode == 0
    out = runner("export", "cam")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("device,component_id,designator,marking,part_number,manufacturer")
    assert len(lines) == 4
    objects = json_lines(runner("export", "--format", "json").stdout)
    assert len(objects) == 3 and all(len(o["photo_sha256"]) == 64 for o in objects)
    bad = runner("export", "nope")
    assert bad.returncode != 0 and "unknown device 'nope'" in bad.stderr


def test_csv_cells_that_look_like_formulas_stay_text():
    from bomcat.catalog.export import spreadsheet_safe
    assert spreadsheet_safe("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert spreadsheet_safe("-ERBCV100") == "'-ERBCV100"
    assert spreadsheet_safe("W25Q128JV") == "W25Q128JV"


def test_users_and_tokens(runner):
    runner.env["BOMCAT_NEW_PASSWORD"] = "a long enough password"
    out = runner("users", "add", "alice", "--role", "reviewer")
    assert out.returncode == 0 and "user alice added (reviewer)" in out.stdout
    again = runner("users", "add", "alice", "--role", "reviewer")
    assert again.returncode != 0 and "exists already" in again.stderr
    token = runner("users", "token", "alice").stdout.strip()
    assert token.startswith("bomcat_") and len(token) > 30
    assert runner("users", "token", "nobody").returncode != 0
    runner.env["BOMCAT_NEW_PASSWORD"] = "short"
    weak = runner("users", "add", "bob", "--role", "admin")
    assert weak.returncode != 0 and "at least 10 characters" in weak.stderr


def test_doctor_says_which_engines_models_database_and_queue_it_found(runner):
    import pytesseract
    from bomcat.images.detect import MODEL_PATH
    from bomcat.images.store import sha256_hex
    from bomcat.ocr.engines import DEFAULT_ENGINE
    done = runner("doctor", "--json")
    assert done.returncode == 0, done.stderr
    found = json_lines(done.stdout)[0]["installation"]
    assert found["ocr_engines"]["tesseract"] == str(pytesseract.get_tesseract_version())
    assert not found["ocr_engines"][DEFAULT_ENGINE].startswith("unavailable") and found["default_engine"] == DEFAULT_ENGINE
    assert found["detector_model"]["sha256"] == sha256_hex(MODEL_PATH.read_bytes())
    assert found["database"]["dialect"] == "sqlite" and found["database"]["revision"]
    assert found["queue"] == "embedded worker process" and found["store"].endswith("photos")
    human = runner("doctor").stdout
    assert f"ocr engine {DEFAULT_ENGINE}:" in human and human.rstrip().endswith("the catalog is whole")
