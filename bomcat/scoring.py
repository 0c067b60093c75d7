"""How the benchmarks score an answer, in one plain module that the `bomcat bench` commands, the
pipeline's OCR bench and the tests import: part number and maker right, the anchors' naive rules,
character error rate and box matching."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from rapidfuzz.distance import Levenshtein


def reduce_pn(text: Optional[str]) -> str:
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def part_right(reference: str, answer: Optional[str]) -> bool:
    ref = reduce_pn(reference)
    return bool(ref) and reduce_pn(answer).startswith(ref)


def same_maker(reference: str, answer: Optional[str]) -> bool:
    return (reference or "").strip().casefold() == (answer or "").strip().casefold()


@lru_cache(maxsize=1)
def _names_printed() -> dict[str, str]:
    from bomcat.catalog.resolver import knowledge
    out: dict[str, str] = {}
    for m in knowledge.load().manufacturers.values():
        for n in (m.name, *m.aliases, *m.logos):
            out.setdefault(re.sub(r"[^A-Z0-9]", "", n.upper()), m.name)
    return out


def naive_manufacturer(text: str) -> Optional[str]:
    """The anchor's rule: a manufacturer name (or alias) printed as a word of the marking."""
    names = _names_printed()
    for word in re.split(r"[\s|]+", text):
        key = re.sub(r"[^A-Z0-9]", "", word.upper())
        if key and key in names:
            return names[key]
    return None


def naive_part(text: str) -> Optional[str]:
    """The anchor's rule: the longest token mixing letters and digits."""
    tokens = [t for t in re.split(r"[\s|]+", text) if re.search(r"[A-Za-z]", t) and re.search(r"\d", t)]
    return max(tokens, key=len) if tokens else None


def score_resolver(rows: list[dict], answers: list[dict]) -> dict:
    """Manufacturer, part number and both right; precision and count of answers with confidence >= 0.9."""
    maker = [same_maker(r["manufacturer"], a["manufacturer"]) for r, a in zip(rows, answers)]
    part = [part_right(r["part_number"], a["part_number"]) for r, a in zip(rows, answers)]
    confident = [m and p for m, p, a in zip(maker, part, answers) if a["confidence"] >= 0.9]
    n = max(1, len(rows))
    return {"n": len(rows), "manufacturer": f"{sum(maker) / n:.3f}", "part_number": f"{sum(part) / n:.3f}",
            "both": f"{sum(m and p for m, p in zip(maker, part)) / n:.3f}",
            "precision@0.9": f"{sum(confident) / len(confident):.3f}" if confident else "n/a",
            "answers@0.9": len(confident)}


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over the reference length; lines joined by '|', spaces and case ignored."""
    ref = re.sub(r"\s+", "", reference.upper())
    hyp = re.sub(r"\s+", "", hypothesis.upper())
    return Levenshtein.distance(ref, hyp) / max(1, len(ref))


def match_boxes(truth: list[tuple[float, ...]], found: list[tuple[float, ...]]) -> int:
    """Greedy one-to-one matches at IoU >= 0.5 (each found box counts for one chip at most)."""
    from bomcat.images.geometry import iou_xywh
    unused, matched = list(found), 0
    for box in truth:
        best = max(unused, key=lambda f: iou_xywh(box, f), default=None)
        if best is not None and iou_xywh(box, best) >= 0.5:
            matched += 1
            unused.remove(best)
    return matched
