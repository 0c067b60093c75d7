"""The package as pip builds it: setuptools says nothing about its configuration (every folder it
installs is declared, as a package or as package data), the wheel carries every data file the tree
has (knowledge tables, migrations, the detector and OCR models, templates and static files), and a
plain `pip install` of it brings the default OCR engine with one, headless, build of OpenCV."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Folder in the tree -> where it lands in the wheel.
DATA = {"catalog/knowledge": "bomcat/catalog/knowledge", "catalog/migrations": "bomcat/catalog/migrations",
        "images/models": "bomcat/images/models", "ocr/models": "bomcat/ocr/models", "web/templates": "bomcat/web/templates",
        "web/static": "bomcat/web/static"}


def tracked_files() -> list[str]:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    return subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel pip would build from the tracked files, warnings as errors."""
    pytest.importorskip("setuptools")
    files = tracked_files()
    tmp_path = tmp_path_factory.mktemp("wheel")
    source = tmp_path / "source"   # a copy, so that the build leaves the checkout as it was
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    build = subprocess.run([sys.executable, "-W", "error", "-c",
                            "import sys, setuptools.build_meta as b; print(b.build_wheel(sys.argv[1]))",
                            str(tmp_path / "dist")], cwd=source, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]   # -W error: any setuptools warning fails the build
    return tmp_path / "dist" / build.stdout.split()[-1]


def test_the_wheel_builds_without_a_warning_and_carries_every_data_file(wheel):
    files = tracked_files()
    inside = set(zipfile.ZipFile(wheel).namelist())
    expected = {target + name[len(folder):] for name in files for folder, target in DATA.items()
                if name.startswith(folder + "/") and not name.endswith((".md", "README"))}
    missing = sorted(expected - inside)
    assert not missing, f"in the tree but not in the wheel: {missing[:10]}"
    assert any(n.endswith(".onnx") for n in inside) and any(n.endswith(".tsv") for n in inside)
    assert {"bomcat/ocr/models/ch_PP-OCRv4_det_infer.onnx", "bomcat/ocr/models/ch_PP-OCRv4_rec_infer.onnx",
            "bomcat/ocr/models/LICENSE-Apache-2.0"} <= inside


def test_a_plain_pip_install_brings_rapidocr_and_only_the_headless_opencv(wheel, tmp_path):
    """What `pip install bomcat` (no extras) would install, resolved by pip itself from the package
    registry as if nothing were installed: RapidOCR and ONNX Runtime come with it, and OpenCV only in
    its headless build (the GUI build beside it would overwrite its cv2)."""
    report = tmp_path / "report.json"
    resolved = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q",
                               "--report", str(report), str(wheel)], capture_output=True, text=True, timeout=600)
    unreachable = ("No matching distribution", "Could not find a version")
    if resolved.returncode != 0 and any(s in resolved.stderr for s in unreachable) and not os.environ.get("CI"):
        pytest.skip("the package registry is not reachable here")
    assert resolved.returncode == 0, resolved.stderr[-3000:]
    names = {item["metadata"]["name"].lower().replace("_", "-") for item in json.loads(report.read_text())["install"]}
    assert {"bomcat", "rapidocr", "onnxruntime", "opencv-python-headless", "pytesseract"} <= names
    assert "opencv-python" not in names and "rapidocr-onnxruntime" not in names
    assert not {n for n in names if n.startswith(("torch", "nvidia-"))}   # training stays optional
