"""The package as pip builds it: setuptools says nothing about its configuration (every folder it
installs is declared, as a package or as package data) and the wheel carries every data file the
tree has: knowledge tables, migrations, the detector model, templates and static files."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Folder in the tree -> where it lands in the wheel.
DATA = {"catalog/knowledge": "bomcat/catalog/knowledge", "catalog/migrations": "bomcat/catalog/migrations",
        "images/models": "bomcat/images/models", "web/templates": "bomcat/web/templates",
        "web/static": "bomcat/web/static"}


def tracked_files() -> list[str]:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    return subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()


def test_the_wheel_builds_without_a_warning_and_carries_every_data_file(tmp_path):
    pytest.importorskip("setuptools")
    files = tracked_files()
    source = tmp_path / "source"   # a copy, so that the build leaves the checkout as it was
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    build = subprocess.run([sys.executable, "-W", "error", "-c",
                            "import sys, setuptools.build_meta as b; print(b.build_wheel(sys.argv[1]))",
                            str(tmp_path / "dist")], cwd=source, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]   # -W error: any setuptools warning fails the build
    wheel = tmp_path / "dist" / build.stdout.split()[-1]
    inside = set(zipfile.ZipFile(wheel).namelist())
    expected = {target + name[len(folder):] for name in files for folder, target in DATA.items()
                if name.startswith(folder + "/") and not name.endswith((".md", "README"))}
    missing = sorted(expected - inside)
    assert not missing, f"in the tree but not in the wheel: {missing[:10]}"
    assert any(n.endswith(".onnx") for n in inside) and any(n.endswith(".tsv") for n in inside)
