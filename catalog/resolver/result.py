"""What the resolver answers: a typed `Resolution` (its JSON form, `as_dict()`, is the `bomcat
resolve --json` contract), and the helpers that write the marking back as the answer reads it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from .confusion import fold
from .datecodes import DateCode
from .evidence import first_part_line, part_like
from .parse import Marking


@dataclass
class Resolution:
    marking: str
    manufacturer: Optional[str]
    part_number: Optional[str]
    category: Optional[str]
    confidence: float
    explanation: str
    candidates: list[dict] = field(default_factory=list)
    tokens: list[dict] = field(default_factory=list)
    reading: list[str] = field(default_factory=list)
    date_code: Optional[dict] = None
    country: Optional[str] = None
    lineage: list[dict] = field(default_factory=list)
    lineage_note: Optional[str] = None
    rules: list[str] = field(default_factory=list)     # ids of the evidence rules behind the answer

    def as_dict(self) -> dict[str, Any]:
        out = {"marking": self.marking, "manufacturer": self.manufacturer, "part_number": self.part_number,
               "category": self.category, "confidence": self.confidence, "candidates": self.candidates,
               "explanation": self.explanation, "tokens": self.tokens, "reading": self.reading,
               "date_code": self.date_code, "country": self.country, "lineage": self.lineage, "rules": self.rules}
        if self.lineage_note is not None:
            out["lineage_note"] = self.lineage_note
        return out

    # The JSON view, read by key: `result["manufacturer"]` is `result.manufacturer`.
    def __getitem__(self, key: str) -> Any:
        return self.as_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.as_dict().get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.as_dict()


def apply_span(marking: Marking, texts: list[str], span: tuple[int, int], repaired: str) -> list[str]:
    """Write a repaired stretch of Marking.normalized back onto the tokens it covers."""
    out = list(texts)
    position = 0
    previous_line = None
    for i, token in enumerate(marking.tokens):
        if previous_line is not None:
            position += 3 if token.line != previous_line else 1  # ' | ' or ' '
        previous_line = token.line
        start, end = position, position + len(token.norm)
        lo, hi = max(start, span[0]), min(end, span[1])
        if lo < hi:
            chars = list(out[i].upper()) if len(out[i]) == len(token.norm) else list(token.norm)
            for p in range(lo, hi):
                fixed = repaired[p - span[0]]
                if fixed.upper() != token.norm[p - start]:
                    chars[p - start] = fixed
            candidate = "".join(chars)
            if candidate.upper() != token.norm:
                out[i] = candidate
        position = end
    return out


def restyle(known_head: str, printed: str) -> str:
    """The printed part number with its head replaced by the known part's characters, keeping
    punctuation and the rest of the printed suffix."""
    out, k = [], 0
    for ch in printed:
        if k < len(known_head) and ch.isalnum():
            out.append(known_head[k])
            k += 1
        else:
            out.append(ch.upper() if ch.isalnum() else ch)
    return "".join(out)


def same_part(a: str, b: str) -> bool:
    a, b = fold(a), fold(b)
    return a.startswith(b) or b.startswith(a)


def first_part_like(marking: Marking) -> Optional[str]:
    """The printed token most like a part number among those no rule labelled, for a maker whose
    family we do not know: on the earliest line that has one from `first_part_line` on (logo, part,
    then date and lot), the longest there."""
    first_line = first_part_line(marking)
    found = [t for t in marking.tokens if t.label == "lot" and t.line >= first_line and part_like(t.norm)]
    return min(found, key=lambda t: (t.line, -len(t.norm))).norm if found else None


def lineage_note(lineage: list[dict], date: DateCode) -> Optional[str]:
    """Who made the part when it was made, judged from its date code and the lineage years."""
    if len(lineage) < 2:
        return None
    maker = lineage[0]["name"]
    for step in lineage[1:]:
        since = step.get("since")
        if since is None:
            continue
        if date.year < since:
            return (f"date code {date.year} is before {maker} passed to {step['name']} ({since}): "
                    f"made by {maker}; today's owner is {lineage[-1]['name']}")
        maker = step["name"]
    return f"date code {date.year} is after the last change of owner: made under {maker}"
