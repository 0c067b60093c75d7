"""The imported layer of the knowledge base (`catalog/knowledge/imported/*.tsv`, written by
`bomcat knowledge import`): makers, known part numbers, part-number patterns and package codes
derived from reference material, each row naming its source.

The curated families stay the main evidence; this layer adds breadth:
- a token that *is* a known part number (or one followed by ordering letters) names its maker, or
  several makers when several list it (then none is chosen without a logo);
- a token that fits a maker's part-number pattern is a weak hint of that maker;
- a code printed instead of the part number (Micron's FBGA codes) is looked up.
Patterns are compiled on first use, so start-up reads only the tables.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from dataclasses import dataclass, field
from importlib import resources
from typing import Iterator, Optional

from .confusion import FOLD

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
_SERIES = re.compile(r"([A-Z]{2,6})\d")
_LETTER_HEAD = re.compile(r"[A-Z]{1,4}(?=\d)")
MIN_TAIL = 5             # a known part without its letters must still be this long to be recognised
MIN_KNOWN = 5            # shorter known parts (T31, A64) need a curated family and usually a logo
MAX_ORDERING_TAIL = 8    # letters and digits a package may print after a known part number


def reduce(text: str) -> str:
    return _NOT_ALNUM.sub("", text.upper())


@lru_cache(maxsize=65536)
def split_points(printed: str) -> tuple[str, frozenset[int]]:
    """The token reduced to letters and digits, and the positions in it that followed a separator."""
    upper = printed.upper()
    if upper.isalnum() and upper.isascii():
        return upper, frozenset()
    reduced, breaks = [], set()
    for ch in printed.upper():
        if ch.isalnum() and ch.isascii():
            reduced.append(ch)
        elif reduced:
            breaks.add(len(reduced))
    return "".join(reduced), frozenset(breaks)


@dataclass
class CatalogPart:
    part: str
    maker: str
    category: str
    source: str


@dataclass
class CatalogPattern:
    regex: str
    maker: str
    category: str
    source: str
    prefix: str                           # the literal start every match has
    compiled: Optional[re.Pattern] = None

    def match(self, text: str) -> Optional[re.Match]:
        if self.compiled is None:
            self.compiled = re.compile(self.regex)
        return self.compiled.match(text)


@dataclass
class Catalogue:
    makers: list[dict] = field(default_factory=list)
    parts: dict[str, list[CatalogPart]] = field(default_factory=dict)        # reduced part -> entries
    patterns: dict[str, list[CatalogPattern]] = field(default_factory=dict)  # first two characters -> entries
    codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)     # code -> (part, maker, source)
    short_forms: dict[str, list[CatalogPart]] = field(default_factory=dict)  # printed short form -> parts
    prefixes: dict[str, tuple[str, int]] = field(default_factory=dict)       # series prefix -> (maker, parts)
    part_makers: dict[str, frozenset[str]] = field(default_factory=dict)    # reduced part -> makers listing it
    sources: dict[str, str] = field(default_factory=dict)                    # source key -> what, licence
    _folded: Optional[dict[str, list[str]]] = field(default=None, repr=False)  # built on first use
    _after: Optional[dict[str, list[str]]] = field(default=None, repr=False)   # likewise
    _tails: Optional[dict[str, list[str]]] = field(default=None, repr=False)
    _folded_short: Optional[dict[str, list[str]]] = field(default=None, repr=False)

    def known_heads(self, printed: str) -> list[str]:
        """The known part numbers the printed token starts with, longest first, each followed by at
        most a short ordering tail."""
        return [head for head in heads_of(printed, MIN_KNOWN, MAX_ORDERING_TAIL) if head in self.parts]

    def longest_known(self, printed: str) -> Optional[str]:
        heads = self.known_heads(printed)
        return heads[0] if heads else None

    def known_for(self, printed: str, makers: set[str]) -> Optional[str]:
        """The known part of one of these makers that the part number is (or an ordering variant of)."""
        for head in heads_of(printed, MIN_KNOWN):
            listed = self.part_makers.get(head)
            if listed is not None and not listed.isdisjoint(makers):
                return head
        return None

    def listed_after(self, base: str) -> tuple[str, ...]:
        """The longer part numbers the tables list that begin with the known part `base` (its ordering
        codes: MT29F64G08CBCDBJ4 after MT29F64G08), built once on first use."""
        if self._after is None:
            self._after = {}
            for key in self.parts:
                for head in heads_of(key, MIN_KNOWN):
                    if head != key and head in self.parts:
                        self._after.setdefault(head, []).append(key)
        return tuple(self._after.get(base, ()))

    def folded_known(self, printed: str) -> list[str]:
        """Known parts that the token is once OCR confusions (0/O, 1/I, 8/B...) are folded away."""
        if self._folded is None:
            self._folded = {}
            for key in self.parts:
                self._folded.setdefault(key.translate(FOLD), []).append(key)
        reduced = reduce(printed)
        for end in range(len(reduced), MIN_KNOWN + 1, -1):
            found = self._folded.get(reduced[:end].translate(FOLD))
            if found and len(reduced) - end <= MAX_ORDERING_TAIL:
                return found
        return []

    def short_form_of(self, reduced: str) -> Optional[tuple[str, str]]:
        """(short form, letters printed after it) for a token that is a recorded short form, one with a
        variant letter or two after it ('6129A': 6129 and 'A'), or one OCR confusions away from one
        ('6I29'); None otherwise."""
        for key, tail in ((reduced, ""), (reduced[:-1], reduced[-1:]), (reduced[:-2], reduced[-2:])):
            if tail and not (tail.isalpha() and key[-1:].isdigit()):
                continue
            if key in self.short_forms:
                return key, tail
        if self._folded_short is None:
            self._folded_short = {}
            for key in self.short_forms:
                self._folded_short.setdefault(key.translate(FOLD), []).append(key)
        found = self._folded_short.get(reduced.translate(FOLD), [])
        return (found[0], "") if len(found) == 1 else None

    def known_tails(self, printed: str) -> list[tuple[str, str]]:
        """(known part, its tail) for a token that is a known part printed without its leading letters,
        as makers print on small packages (SST39VF512 as 39VF512, TC8521AM as 8521AM)."""
        if self._tails is None:
            self._tails = {}
            for key in self.parts:
                m = _LETTER_HEAD.match(key)
                if m and len(key) - m.end() >= MIN_TAIL:
                    self._tails.setdefault(key[m.end():], []).append(key)
        if not split_points(printed)[0][:1].isdigit():
            return []
        tail = next((t for t in heads_of(printed, MIN_TAIL, MAX_ORDERING_TAIL) if t in self._tails), None)
        return [(key, tail) for key in self._tails[tail]] if tail else []

    def matching_patterns(self, text: str) -> list[tuple[CatalogPattern, re.Match]]:
        out = []
        for entry in self.patterns.get(text[:2], ()):
            if text.startswith(entry.prefix) and (m := entry.match(text)):
                out.append((entry, m))
        return out

    def series_maker(self, printed: str) -> Optional[tuple[str, str, int]]:
        """(prefix, maker, parts) when the token's leading letters are one maker's series prefix."""
        m = _SERIES.match(printed.upper())
        if m and m.group(1) in self.prefixes:
            maker, count = self.prefixes[m.group(1)]
            return m.group(1), maker, count
        return None

    def stats(self) -> dict[str, int]:
        return {"imported_makers": len(self.makers), "known_parts": sum(len(v) for v in self.parts.values()),
                "patterns": sum(len(v) for v in self.patterns.values()), "codes": len(self.codes),
                "short_forms": sum(len(v) for v in self.short_forms.values()), "series_prefixes": len(self.prefixes)}


def _table(name: str) -> tuple[list[dict], dict[str, str]]:
    """The rows of one imported table and the sources its header names (empty when not imported)."""
    entry = resources.files("bomcat.catalog") / "knowledge" / "imported" / f"{name}.tsv"
    if not entry.is_file():
        return [], {}
    text = entry.read_text(encoding="utf-8").splitlines()
    sources = {}
    for line in text:
        if line.startswith("# source "):
            key, _, rest = line.removeprefix("# source ").partition(": ")
            sources[key] = rest
    return list(csv.DictReader((line for line in text if not line.startswith("#")), delimiter="\t")), sources


def heads_of(printed: str, shortest: int, max_tail: Optional[int] = None) -> Iterator[str]:
    """Where a part number may end inside a printed token, longest first: the token reduced to letters
    and digits, cut after `shortest` characters or more, with at most `max_tail` characters after the
    cut. A number followed straight on by more digits is another number (CV25 is not CV255); after a
    dash or a dot the rest is an ordering tail (MX23C1603-12A)."""
    reduced, breaks = split_points(printed)
    for end in range(len(reduced), shortest - 1, -1):
        if max_tail is not None and len(reduced) - end > max_tail:
            break
        if end < len(reduced) and reduced[end - 1].isdigit() and reduced[end].isdigit() and end not in breaks:
            continue
        yield reduced[:end]


def fixed_prefix(regex: str) -> str:
    """The literal characters every match of an anchored pattern starts with."""
    body = regex.removeprefix("^")
    if "|" in body and not body.startswith("(?:"):
        return ""  # a top-level alternation: no prefix is common to every match
    out = []
    for ch in body:
        if ch.isalnum() or ch == "-":
            out.append(ch)
        else:
            break
    if out and body[len(out):len(out) + 1] in ("?", "*", "{"):
        out.pop()
    return "".join(out)


def load_catalogue() -> Catalogue:
    cat = Catalogue()
    makers, sources = _table("makers")
    cat.makers = makers
    cat.sources.update(sources)
    rows, sources = _table("parts")
    cat.sources.update(sources)
    for row in rows:
        cat.parts.setdefault(reduce(row["part"]), []).append(
            CatalogPart(row["part"], row["manufacturer"], row["category"], row["source"]))
    cat.part_makers = {key: frozenset(p.maker for p in entries) for key, entries in cat.parts.items()}
    rows, sources = _table("patterns")
    cat.sources.update(sources)
    for row in rows:
        prefix = fixed_prefix(row["regex"])
        if len(prefix) >= 2:
            cat.patterns.setdefault(prefix[:2], []).append(
                CatalogPattern(row["regex"], row["manufacturer"], row["category"], row["source"], prefix))
    rows, sources = _table("prefixes")
    cat.sources.update(sources)
    for row in rows:
        cat.prefixes[row["prefix"]] = (row["manufacturer"], int(row["parts"]))
    rows, sources = _table("codes")
    cat.sources.update(sources)
    for row in rows:
        cat.codes[row["code"]] = (row["part"], row["manufacturer"], row["source"])
    rows, sources = _table("short_forms")
    cat.sources.update(sources)
    for row in rows:
        cat.short_forms.setdefault(row["short"], []).append(
            CatalogPart(row["part"], row["manufacturer"], row["category"], row["source"]))
    return cat
