"""What the knowledge base says can be printed on a chip, as strings a reading can be compared with.

The OCR's constrained decoder (`ocr/decode.py`) asks, for each token it read, which printable forms
are one or two characters away: known part numbers (curated and imported), the same without the
letters a maker drops on small packages (W25Q64FW printed as 25Q64FW), short forms, package codes
and makers' names as logos print them. A part number is often followed by ordering letters the
tables do not list, so a token is compared at every cut that leaves a short tail.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

if TYPE_CHECKING:
    from .knowledge import KnowledgeBase

MIN_FORM = 4          # shorter strings match too much by accident
# Part numbers, short forms and package codes are dense at five characters and below: a misread or
# upside-down token is a slip or two from one of the 3,500 Micron codes more often than not. Only
# longer ones are proposals; makers' names (a few hundred words) from four letters.
MIN_PART_FORM = 6
MAX_TAIL = 6          # ordering letters after a known part
_ALNUM = re.compile(r"[A-Z0-9]+")


def allowed_edits(length: int) -> int:
    """One slip in a short token, two in a long one."""
    return 1 if length < 7 else 2


class PrintedForms:
    def __init__(self, kb: "KnowledgeBase") -> None:
        self.why: dict[str, str] = {}
        for fam in kb.families:
            maker = fam.manufacturer.name
            for known in fam.known:
                self._add(known, f"{known}, {maker}", MIN_PART_FORM)
                if fam.drop and known.startswith(fam.drop.upper()):
                    self._add(known[len(fam.drop):], f"{known} printed without '{fam.drop}', {maker}", MIN_PART_FORM)
        cat = kb.catalogue
        for key, entries in cat.parts.items():
            self._add(key, f"{entries[0].part}, {' / '.join(sorted({e.maker for e in entries}))}", MIN_PART_FORM)
        for short, entries in cat.short_forms.items():
            self._add(short, f"{entries[0].maker}'s short form of {entries[0].part}", MIN_PART_FORM)
        for code, (part, maker, _) in cat.codes.items():
            self._add(code, f"{maker}'s package code for {part}", MIN_PART_FORM)
        for m in kb.manufacturers.values():
            for name in [m.name, *m.aliases, *m.logos]:
                if re.fullmatch(r"[A-Za-z]{4,}", name):   # one printed word: a logo as it appears
                    self._add(name.upper(), f"the {m.name} logo")
        self.by_length: dict[int, list[str]] = {}
        for form in self.why:
            self.by_length.setdefault(len(form), []).append(form)

    def _add(self, form: str, why: str, shortest: int = MIN_FORM) -> None:
        form = form.upper()
        if len(form) >= shortest and _ALNUM.fullmatch(form):
            self.why.setdefault(form, why)

    def near(self, token: str) -> Iterator[tuple[str, str]]:
        """(printable token, what it is) for forms a slip or two from the token's letters and digits,
        the token's ordering tail and punctuation after them kept. The token itself first when the
        knowledge base knows it as printed."""
        head = re.match(r"[A-Za-z0-9]+", token)
        if head is None:
            return
        letters = head.group(0).upper()
        rest = token[head.end():]
        for cut in range(len(letters), MIN_FORM - 1, -1):
            if letters[:cut] in self.why and len(letters) - cut <= MAX_TAIL:
                yield token, self.why[letters[:cut]]   # known as printed (an ordering tail after it)
                return
        seen: set[str] = set()
        for cut in range(len(letters), max(MIN_FORM - 1, len(letters) - MAX_TAIL - 1), -1):
            piece, tail = letters[:cut], letters[cut:]
            limit = allowed_edits(cut)
            for length in (cut - 1, cut, cut + 1):
                choices = self.by_length.get(length)
                if not choices:
                    continue
                for form, distance, _ in process.extract(piece, choices, scorer=Levenshtein.distance,
                                                         score_cutoff=limit, limit=5):
                    if form not in seen and distance > 0:
                        seen.add(form)
                        yield form + tail + rest, self.why[form]
