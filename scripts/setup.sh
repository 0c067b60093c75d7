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
# start a throwaway Redis for RQ workers; chromium also prints reports to PDF, and
# poppler-utils (pdftotext, pdftoppm) lets the report tests read the PDF back.
SYSTEM_PACKAGES=(tesseract-ocr tesseract-ocr-eng fonts-dejavu-core fonts-dejavu-extra
                 fonts-liberation2 chromium postgresql redis-server python3-venv poppler-utils)

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

# PyTorch, only to train the package detector (`bomcat train detector` and its test): its CPU build,
# pinned with its local version label so that nothing else can satisfy it (the registry's default
# build brings several GB of CUDA). pip finds it in a wheel folder of its configuration (find-links)
# or, with TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu, in PyTorch's own index. Where neither
# has it, setup says so and goes on: the training test skips.
TORCH_PIN="torch==2.13.0+cpu"
if ! .venv/bin/python -c "import torch, onnx, onnx2torch" 2>/dev/null; then
    index=()
    [ -z "${TORCH_INDEX_URL:-}" ] || index=(--extra-index-url "$TORCH_INDEX_URL")
    if .venv/bin/python -m pip install -q "${index[@]}" "$TORCH_PIN" "onnx>=1.15" 2>/dev/null; then
        # onnx2torch turns the pretrained text detector the detector starts from into PyTorch modules;
        # it declares torchvision (a CUDA build of several GB from the registry) for converters the
        # detector never uses, so it goes in without its dependencies (images/pretrained.py stands in).
        .venv/bin/python -m pip install -q --no-deps "onnx2torch==1.5.15"
        echo "setup: installed PyTorch ($TORCH_PIN) and onnx2torch for detector training"
    else
        echo "setup: $TORCH_PIN not found (set TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu);" \
             "training the detector is unavailable and its test skips"
    fi
fi
.venv/bin/python -c "from bomcat.ocr.engines import get_engine; get_engine('rapidocr'); get_engine('tesseract')" \
    || { echo "setup: an OCR engine (RapidOCR or Tesseract) is not usable" >&2; exit 1; }
echo "setup: ready (.venv/bin/bomcat)"
