"""OCR engines behind one small interface.

An engine takes an upright image (grey or BGR numpy array) and returns the
printed lines it sees, top to bottom, each with a confidence in [0, 1].
Tesseract (through pytesseract) and RapidOCR (the `rapidocr` package on ONNX Runtime, with the
PP-OCRv4 models in ocr/models/) are both dependencies; PP-OCRv6 (inside the rapidocr wheel) is
measured, not the default.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from bomcat.settings import compute_threads


@dataclass(frozen=True)
class TextLine:
    text: str
    confidence: float
    upright: float = 1.0   # share of the line's word boxes wider than tall: low when the crop lies on its side
    lattices: tuple = ()   # the recognizer's per-column probabilities of each box, left to right (decode.Lattice)


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
        lines: dict[tuple[int, int, int], list[tuple[str, float, float, float, float]]] = {}
        height, width = image.shape[:2]
        for i, word in enumerate(data["text"]):
            word = word.strip()
            conf = float(data["conf"][i])
            if not word or conf < 0:
                continue
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            cx = (data["left"][i] + data["width"][i] / 2) / width
            cy = (data["top"][i] + data["height"][i] / 2) / height
            lines.setdefault(key, []).append((word, conf / 100.0, cx, cy, data["height"][i] / height))
        flat = [(k, w) for k, words in lines.items() for w in words]
        stray = stray_words([(w[2], w[3], w[4]) for _, w in flat])
        lines = {}
        for i, (k, w) in enumerate(flat):
            if i not in stray:
                lines.setdefault(k, []).append(w)
        out = []
        for key in sorted(lines):
            words = lines[key]
            out.append(TextLine(" ".join(w[0] for w in words), sum(w[1] for w in words) / len(words)))
        return out


# How far the text detector's boxes are grown around the text it found (DBNet's unclip ratio; the
# wheel's default is 1.6). Laser marks are thin strokes spaced wide, and the boxes cut off a line's
# first and last characters ('25Q64' read as 'SQ64'); chosen on the first 17 shared crops (part number
# 0.765 -> 0.824), then measured on the 22 added after them (0.500 -> 0.545).
DET_UNCLIP_RATIO = 2.0


# PP-OCRv4's text detection and recognition models, as the rapidocr-onnxruntime 1.4.4 wheel ships
# them (Apache-2.0, by the PaddleOCR authors; ocr/models/README.md), run by the `rapidocr` 3.x
# package. They live in bomcat itself because every rapidocr wheel that carries them declares the GUI
# build of OpenCV, and the one that declares the headless build (3.10) carries only PP-OCRv6, which
# reads chip markings worse through this pipeline (`bomcat bench ocr`).
MODELS = Path(__file__).parent / "models"
PPOCR_DET_MODEL = MODELS / "ch_PP-OCRv4_det_infer.onnx"
PPOCR_REC_MODEL = MODELS / "ch_PP-OCRv4_rec_infer.onnx"


def _rapidocr(params: dict | None = None):
    """A `rapidocr` 3.x pipeline (ONNX Runtime, CPU), quiet, with the given settings."""
    try:
        from rapidocr import RapidOCR
    except ImportError as exc:
        raise EngineUnavailable(f"the rapidocr package does not import ({exc}): pip install 'rapidocr>=3.10' onnxruntime") from exc
    threads = compute_threads()
    if threads:
        params = {"EngineConfig.onnxruntime.intra_op_num_threads": threads,
                  "EngineConfig.onnxruntime.inter_op_num_threads": 1, **(params or {})}
    return RapidOCR(params={"Global.log_level": "error", **(params or {})})


def ppocr4(unclip_ratio: float = DET_UNCLIP_RATIO):
    """RapidOCR with bomcat's PP-OCRv4 models: with unclip_ratio=1.6, as the 1.4.4 wheel shipped it."""
    for model in (PPOCR_DET_MODEL, PPOCR_REC_MODEL):
        if not model.is_file():
            raise EngineUnavailable(f"{model}: the PP-OCRv4 model is missing from this installation")
    return _rapidocr({"Global.use_vertical_padding": False, "Det.model_path": str(PPOCR_DET_MODEL), "Rec.model_path": str(PPOCR_REC_MODEL),
                      "Det.unclip_ratio": unclip_ratio})


def words_of(out, with_lattices: bool = False) -> list[tuple]:
    """A rapidocr result's (box, text, score) words, with each box's lattice (LatticeRecognizer) when
    asked; none when it found no text (rapidocr then leaves its fields None)."""
    if out.boxes is None or out.txts is None:
        return []
    if with_lattices:
        return list(zip(out.boxes, out.txts, out.scores, (w[0] for w in out.word_results)))
    return list(zip(out.boxes, out.txts, out.scores))


def _sha256_head(path: Path) -> str:
    import hashlib
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self) -> None:
        from importlib.metadata import version
        self._ocr = ppocr4()
        self._ocr.text_rec = LatticeRecognizer(self._ocr._load_rec_model())
        self._version = (f"rapidocr {version('rapidocr')}, PP-OCRv4 det {_sha256_head(PPOCR_DET_MODEL)} "
                         f"(unclip {DET_UNCLIP_RATIO}), rec {_sha256_head(PPOCR_REC_MODEL)}")

    @property
    def version(self) -> str:
        return self._version

    def read(self, image: np.ndarray) -> list[TextLine]:
        image = _three_channels(image)
        # The recognizer below carries each box's lattice in the word-results slot.
        return lines_of_words(image, words_of(self._ocr(image, use_cls=False), with_lattices=True))


# The characters chip markings are printed in: the lattices keep only these classes (and the blank).
MARKING_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-./#&+() "


class LatticeRecognizer:
    """RapidOCR's text recognizer run as it runs itself (the same resizing and model), returning for
    each box, beside its best-path text and score, the per-column probabilities of the marking
    characters (the CTC output the constrained decoder reads), in the output's word-results slot
    (a 1-tuple per box, kept aligned with the boxes by RapidOCR's own filtering)."""

    def __init__(self, inner) -> None:
        from .decode import Lattice
        self._inner = inner
        self._lattice = Lattice
        charset = list(inner.postprocess_op.character)
        index = {c: i for i, c in reversed(list(enumerate(charset)))}
        self._keep = [0] + [index[c] for c in MARKING_CHARS if c in index]
        self._charset = [""] + [c for c in MARKING_CHARS if c in index]

    def __call__(self, args):
        import time
        from rapidocr.ch_ppocr_rec.typings import TextRecOutput
        img_list = [args.img] if isinstance(args.img, np.ndarray) else list(args.img)
        inner = self._inner
        _, height, width = inner.rec_image_shape[:3]
        texts, scores, lattices = [], [], []
        start = time.perf_counter()
        for img in img_list:   # one at a time: no padding to a wider neighbour's width
            ratio = max(width / height, img.shape[1] / float(img.shape[0]))
            batch = inner.resize_norm_img(img, ratio)[np.newaxis, :].astype(np.float32)
            preds = inner.session(batch)
            (text, score), = inner.postprocess_op(preds, False, wh_ratio_list=[ratio], max_wh_ratio=ratio)[0]
            probs = preds[0][:, self._keep]
            texts.append(text)
            scores.append(score)
            lattices.append((self._lattice(text, probs / np.maximum(probs.sum(axis=1, keepdims=True), 1e-9),
                                           self._charset),))
        return TextRecOutput(img_list, tuple(texts), tuple(scores), tuple(lattices), time.perf_counter() - start)


class PpOcr6Engine:
    """PP-OCRv6 small detection and recognition models, as the `rapidocr` 3.x wheel ships them (run on
    ONNX Runtime; nothing is downloaded: the wheel carries the models)."""
    name = "ppocr6"

    def __init__(self) -> None:
        from importlib.metadata import version
        self._ocr = _rapidocr()
        self._version = f"rapidocr {version('rapidocr')}, PP-OCRv6 small (as shipped)"

    @property
    def version(self) -> str:
        return self._version

    def read(self, image: np.ndarray) -> list[TextLine]:
        image = _three_channels(image)
        return lines_of_words(image, words_of(self._ocr(image, use_cls=False)))


def _three_channels(image: np.ndarray) -> np.ndarray:
    return np.stack([image] * 3, axis=-1) if image.ndim == 2 else image


def lines_of_words(image: np.ndarray, found) -> list[TextLine]:
    """The printed lines of an engine's (box, text, score) words, silkscreen beside the package left out."""
    height, width = image.shape[:2]
    words = [(np.asarray(box, dtype=float), text.strip(), float(score), rest[0] if rest else None)
             for box, text, score, *rest in found if text.strip()]
    stray = stray_words([(*(box.mean(axis=0) / (width, height)), _text_height(box) / height)
                         for box, *_ in words])
    return group_lines([w for i, w in enumerate(words) if i not in stray])


def _is_vertical(box: np.ndarray) -> bool:
    """A word box taller than wide: the text runs up or down the image."""
    xs, ys = box[:, 0], box[:, 1]
    return (ys.max() - ys.min()) > 1.2 * (xs.max() - xs.min())


def _text_height(box: np.ndarray) -> float:
    return sorted(float(np.hypot(*(box[(i + 1) % 4] - box[i]))) for i in range(4))[1]


def _text_slope(box: np.ndarray) -> float:
    """Direction of a word box's longer side, in (-45, 45] degrees (as radians): engines do not
    agree on which corner comes first, and the crop is turned upright before reading."""
    edges = [box[(i + 1) % 4] - box[i] for i in range(4)]
    dx, dy = max(edges, key=lambda e: float(np.hypot(*e)))
    angle = np.degrees(np.arctan2(dy, dx))
    angle = (angle + 90) % 180 - 90          # (-90, 90]
    if angle > 45:
        angle -= 90
    elif angle <= -45:
        angle += 90
    return float(np.radians(angle))


EDGE_BAND = 0.18   # of the engine's image: the preprocessing's padding plus the outer rim of the crop
APART = 3.0        # text heights between a rim word and the marking for the word to be stray


def stray_words(words: list[tuple[float, float, float]]) -> set[int]:
    """Which words (centre x, y and text height, as fractions of the image) are silkscreen beside
    the package (designators, outlines), not the marking on it: at the rim of the crop and well
    apart from every word inside. A tightly cropped marking's first line is at the rim too, but
    one line from the next."""
    def on_rim(x: float, y: float) -> bool:
        return min(x, y, 1 - x, 1 - y) < EDGE_BAND
    inside = [w for w in words if not on_rim(w[0], w[1])]
    return {i for i, (x, y, h) in enumerate(words) if on_rim(x, y) and inside and
            min(np.hypot(x - ix, y - iy) for ix, iy, _ in inside) > APART * max(h, 0.02)}


def group_lines(boxes: list[tuple]) -> list[TextLine]:
    """Words (quadrilateral boxes) into printed lines, top to bottom.

    A chip photographed at a slant has slanted lines, so boxes are grouped by their centres
    measured across the text direction (the median slope of the boxes' top edges), not by y.
    """
    if not boxes:
        return []
    angle = float(np.median([_text_slope(box[0]) for box in boxes]))
    across = np.array([-np.sin(angle), np.cos(angle)])
    along = np.array([np.cos(angle), np.sin(angle)])
    items = []
    for box, text, score, *rest in boxes:
        centre = box.mean(axis=0)
        height = _text_height(box)  # the shorter pair of sides
        items.append((float(centre @ across), float(centre @ along), height, text, score,
                      0.0 if _is_vertical(box) and len(text) >= 3 else 1.0, rest[0] if rest else None))
    items.sort(key=lambda x: x[:3])
    lines: list[list[tuple]] = []
    for item in items:
        if lines and abs(item[0] - np.mean([x[0] for x in lines[-1]])) < 0.5 * max(item[2], lines[-1][0][2]):
            lines[-1].append(item)
        else:
            lines.append([item])
    out = []
    for line in lines:
        line.sort(key=lambda x: x[1])
        out.append(TextLine(" ".join(x[3] for x in line), sum(x[4] for x in line) / len(line),
                            sum(x[5] for x in line) / len(line), tuple(x[6] for x in line if x[6] is not None)))
    return out


ENGINES = {"rapidocr": RapidOcrEngine, "ppocr6": PpOcr6Engine, "tesseract": TesseractEngine}


def _default_engine() -> str:
    """RapidOCR reads real chip photos far better (bomcat bench ocr); Tesseract only where the
    rapidocr package is missing (a broken installation: it is a dependency)."""
    import importlib.util
    return "rapidocr" if importlib.util.find_spec("rapidocr") else "tesseract"


DEFAULT_ENGINE = _default_engine()


def available_engines() -> tuple[str, ...]:
    """The engines that run here, in the order the full pipeline tries them."""
    out = []
    for name in ENGINES:
        try:
            get_engine(name)
        except EngineUnavailable:
            continue
        out.append(name)
    return tuple(out)


@functools.cache
def get_engine(name: str) -> OcrEngine:
    try:
        factory = ENGINES[name]
    except KeyError:
        raise EngineUnavailable(f"unknown OCR engine {name!r} (choose from {', '.join(ENGINES)})") from None
    return factory()
