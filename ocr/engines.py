"""OCR engines behind one small interface.

An engine takes an upright image (grey or BGR numpy array) and returns the
printed lines it sees, top to bottom, each with a confidence in [0, 1].
Tesseract (through pytesseract) is always there; RapidOCR (PP-OCR models that
ship inside the rapidocr-onnxruntime wheel, run on ONNX Runtime) when installed.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class TextLine:
    text: str
    confidence: float


class OcrEngine(Protocol):
    name: str

    @property
    def version(self) -> str: ...

    def read(self, image: np.ndarray) -> list[TextLine]: ...


class EngineUnavailable(RuntimeError):
    pass


class TesseractEngine:
    name = "tesseract"
    # Chip markings: Latin letters, digits and a little punctuation, nothing else.
    CONFIG = ("--psm 6 -c tessedit_char_whitelist="
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-./#")

    def __init__(self) -> None:
        import pytesseract
        self._tess = pytesseract
        try:
            self._version = str(pytesseract.get_tesseract_version()).split()[0]
        except pytesseract.TesseractNotFoundError as exc:
            raise EngineUnavailable("tesseract is not installed (apt-get install tesseract-ocr)") from exc

    @property
    def version(self) -> str:
        return self._version

    def read(self, image: np.ndarray) -> list[TextLine]:
        data = self._tess.image_to_data(image, config=self.CONFIG, output_type=self._tess.Output.DICT)
        lines: dict[tuple[int, int, int], list[tuple[str, float]]] = {}
        for i, word in enumerate(data["text"]):
            word = word.strip()
            conf = float(data["conf"][i])
            if not word or conf < 0:
                continue
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            lines.setdefault(key, []).append((word, conf / 100.0))
        out = []
        for key in sorted(lines):
            words = lines[key]
            out.append(TextLine(" ".join(w for w, _ in words), sum(c for _, c in words) / len(words)))
        return out


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self) -> None:
        try:
            from rapidocr_onnxruntime import RapidOCR
            from importlib.metadata import version
        except ImportError as exc:
            raise EngineUnavailable("rapidocr-onnxruntime is not installed "
                                    "(pip install 'bomcat[rapidocr]')") from exc
        self._ocr = RapidOCR()
        self._version = version("rapidocr-onnxruntime")

    @property
    def version(self) -> str:
        return self._version

    def read(self, image: np.ndarray) -> list[TextLine]:
        if image.ndim == 2:
            image = np.stack([image] * 3, axis=-1)
        result, _ = self._ocr(image, use_cls=False)
        boxes = []
        for box, text, score in result or []:
            ys = [p[1] for p in box]
            xs = [p[0] for p in box]
            boxes.append((min(ys), max(ys), min(xs), text.strip(), float(score)))
        # Group boxes whose vertical extents overlap into one printed line.
        boxes.sort()
        grouped: list[list[tuple]] = []
        for b in boxes:
            if grouped:
                last = grouped[-1]
                top, bottom = min(x[0] for x in last), max(x[1] for x in last)
                overlap = min(bottom, b[1]) - max(top, b[0])
                if overlap > 0.5 * min(bottom - top, b[1] - b[0]):
                    last.append(b)
                    continue
            grouped.append([b])
        out = []
        for group in grouped:
            group.sort(key=lambda x: x[2])
            text = " ".join(x[3] for x in group if x[3])
            if text:
                out.append(TextLine(text, sum(x[4] for x in group) / len(group)))
        return out


ENGINES = {"tesseract": TesseractEngine, "rapidocr": RapidOcrEngine}
DEFAULT_ENGINE = "tesseract"


@functools.cache
def get_engine(name: str) -> OcrEngine:
    try:
        factory = ENGINES[name]
    except KeyError:
        raise EngineUnavailable(f"unknown OCR engine {name!r} (choose from {', '.join(ENGINES)})") from None
    return factory()
