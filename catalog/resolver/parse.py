"""Splitting a chip marking into lines and tokens, and labelling each token.

A marking arrives as printed lines joined by `` | `` (or newlines). Labels:
``logo`` (manufacturer text), ``part`` (matched a family), ``date_code``,
``country`` (of assembly), ``lot`` (everything else: lot, trace, fab codes).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .confusion import FOLD

COUNTRIES = {
    "CHINA": "China", "PRC": "China", "TAIWAN": "Taiwan", "JAPAN": "Japan", "KOREA": "South Korea",
    "MALAYSIA": "Malaysia", "PHILIPPINES": "Philippines", "PHILIPPINE": "Philippines", "THAILAND": "Thailand",
    "SINGAPORE": "Singapore", "USA": "USA", "MEXICO": "Mexico", "VIETNAM": "Vietnam", "INDONESIA": "Indonesia",
    "GERMANY": "Germany", "FRANCE": "France", "ITALY": "Italy", "MALTA": "Malta", "MOROCCO": "Morocco",
    "HONGKONG": "Hong Kong", "INDIA": "India", "IRELAND": "Ireland", "SCOTLAND": "United Kingdom",
    "ENGLAND": "United Kingdom", "UK": "United Kingdom", "CANADA": "Canada", "ISRAEL": "Israel",
    "COSTARICA": "Costa Rica", "BRAZIL": "Brazil",
}
# Three-letter country codes printed as the assembly site ('CHN 117' on STM32s): not ordering letters.
COUNTRY_CODES = {"CHN", "TWN", "KOR", "JPN", "MYS", "MAL", "PHL", "PHI", "THA", "USA", "MEX", "DEU", "FRA",
                 "ITA", "VNM", "IDN", "SGP", "IND", "MLT", "MAR", "CRI", "ISR", "GBR", "IRL", "HKG", "PRC"}

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
_LINE_SPLIT = re.compile(r"\s*(?:\||\n|\r)\s*")
_TOKEN_SPLIT = re.compile(r"[\s,;]+")
_STRIP = "()[]{}'\"`*:;,_~"


@dataclass
class Token:
    text: str                 # as printed (stripped of surrounding punctuation)
    norm: str                 # upper case, for matching
    line: int
    index: int                # position in the line
    label: str = "lot"
    detail: Optional[str] = None
    key: str = field(init=False, repr=False)   # letters and digits only, OCR confusions folded

    def __post_init__(self) -> None:
        self.key = _NOT_ALNUM.sub("", self.norm).translate(FOLD)

    def as_dict(self) -> dict:
        out = {"text": self.text, "line": self.line, "label": self.label}
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class Marking:
    raw: str
    lines: list[str]
    tokens: list[Token] = field(default_factory=list)

    @property
    def normalized(self) -> str:
        """Upper-case tokens, lines joined by ' | ': what marking-wide forms are matched against."""
        by_line: dict[int, list[str]] = {}
        for t in self.tokens:
            by_line.setdefault(t.line, []).append(t.norm)
        return " | ".join(" ".join(by_line.get(i, [])) for i in range(len(self.lines)))

    def line_tokens(self, line: int) -> list[Token]:
        return [t for t in self.tokens if t.line == line]


def split_lines(marking: str) -> list[str]:
    parts = _LINE_SPLIT.split(marking.strip())
    return [p for p in (x.strip() for x in parts) if p]


def parse_marking(marking: str) -> Marking:
    lines = split_lines(marking)
    parsed = Marking(marking, lines)
    for number, line in enumerate(lines):
        for index, piece in enumerate(p for p in _TOKEN_SPLIT.split(line) if p):
            text = piece.strip(_STRIP)
            if not text:
                continue
            parsed.tokens.append(Token(text, text.upper(), number, index))
    return parsed


def country_of(norm: str) -> Optional[str]:
    """A country of assembly, as a token ('JAPAN') or a dash-suffix ('1640-CHINA')."""
    key = norm.replace(".", "")
    if key in COUNTRIES:
        return COUNTRIES[key]
    if "-" in norm:
        tail = norm.rsplit("-", 1)[1]
        return COUNTRIES.get(tail)
    return None
