#!/usr/bin/env bash
# One-stop setup on Debian: system packages bomcat needs (only those missing),
# a virtual environment in .venv, and the package with its test extras.
# Safe to run again: every step checks before it acts.
set -euo pipefail
cd "$(dirname "$0")/.."

# tesseract: the required OCR engine; fonts: the demo and the tests render
# synthetic chip markings with them; chromium: browser tests (Playwright drives
# Debian's build, it never downloads its own); postgresql: the server the
# PostgreSQL tests start in a throwaway cluster; redis-server: the job-queue tests
# start a throwaway Redis for RQ workers.
SYSTEM_PACKAGES=(tesseract-ocr tesseract-ocr-eng fonts-dejavu-core fonts-dejavu-extra
                 fonts-liberation2 chromium postgresql redis-server python3-venv)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $PYTHON"
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade "pip>=23.2"
# -qq: setuptools prints a notice on every editable install whatever the project ("Editable
# installation... be careful with folders"); errors still show. That the configuration itself is
# warning-free is tested: tests/test_packaging.py builds the wheel with warnings as errors.
.venv/bin/python -m pip install -qq -e ".[dev]"

# rapidocr-onnxruntime declares the GUI build of OpenCV; two OpenCV wheels in one
# environment overwrite each other's cv2/. Keep only the headless build.
if .venv/bin/python -m pip show -q opencv-python >/dev/null 2>&1; then
    headless=$(.venv/bin/python -m pip show opencv-python-headless | awk '/^Version:/{print $2}')
    .venv/bin/python -m pip uninstall -q -y opencv-python
    .venv/bin/python -m pip install -q --force-reinstall --no-deps "opencv-python-headless==${headless}"
fi
# PyTorch, only to train the package detector (`bomcat train detector` and its test): the CPU
# build from a local wheel when the machine has one (pip's find-links folder); never the
# registry's default build, which brings several GB of CUDA. Without it the training test skips.
TORCH_WHEEL=$(ls "${TORCH_WHEELS:-/opt/wheels}"/torch-*+cpu-cp311-*.whl 2>/dev/null | head -1 || true)
# onnx2torch turns the pretrained text detector the detector starts from into PyTorch modules; it
# declares torchvision (a CUDA build of several GB from the registry) for converters the detector
# never uses, so it goes in without its dependencies (images/pretrained.py stands in for torchvision).
if [ -n "$TORCH_WHEEL" ] && ! .venv/bin/python -c "import torch, onnx, onnx2torch" 2>/dev/null; then
    echo "setup: installing PyTorch (CPU build) from $TORCH_WHEEL, and onnx2torch"
    .venv/bin/python -m pip install -q "$TORCH_WHEEL" "onnx>=1.15"
    .venv/bin/python -m pip install -q --no-deps "onnx2torch==1.5.15"
fi
.venv/bin/python -c "import cv2, pytesseract; pytesseract.get_tesseract_version()" \
    || { echo "setup: OpenCV or Tesseract is not usable" >&2; exit 1; }
echo "setup: ready (.venv/bin/bomcat)"
