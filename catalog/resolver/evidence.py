"""The evidence model: every rule that moves a candidate's score, as data, in one table.

A candidate (a part number a marking may stand for, with its maker) starts from nothing; each piece
of evidence is one `Rule` applied through `apply()`, which adds the rule's weight, lowers the
candidate's ceiling when the rule has one, and records the rule id and its text. The result's
`evidence` is those texts; `rules` their ids. Principles the table expresses:

- a maker name or logo printed on the package is the strongest single piece of evidence; a
  candidate of another maker is never the answer over it (`logo.other_maker` is a veto, not only a
  weight) unless the family is made by many companies (then the logo names the maker), or the logo
  belongs to the family maker's predecessor or successor (then the logo names who made it);
- shortened forms (a dropped prefix, a bare number) and package codes need the maker's logo, or a
  fit that is specific enough that no other maker's family shares it;
- a token shaped like a date code, lot or trace code or a country is not a part number;
- an OCR repair is a guess about the reader's error: it lowers the score and caps the confidence,
  and a repair that leads to no known part, while the token as read is a well-formed part number
  of some maker, is not taken;
- only a part known to exist (curated `known` lists, the imported tables) may be proposed with
  confidence >= 0.9;
- ambiguity between makers is reported (the maker left empty, the candidates listed), never
  resolved by guess.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .knowledge import Family, ManufacturerInfo
    from .parse import Marking

ANSWER_THRESHOLD = 0.5     # below it a candidate is listed, not answered
CONFIDENT = 0.9            # answers at or above it must be right >= 98% of the time
UNKNOWN_PART_CAP = 0.89    # a part not known to exist is never 'confident'
NEIGHBOUR_CAP = 0.85       # nor one a single OCR confusion turns into another known part
LOGO_ONLY = 0.45           # a maker's logo with no part of it that we know


@dataclass(frozen=True)
class Rule:
    id: str
    weight: float            # added to the score (a base rule sets where a candidate starts)
    says: str                # the evidence text, a template over the details given to apply()
    cap: Optional[float] = None   # a ceiling the rule puts on the confidence


RULES: dict[str, Rule] = {rule.id: rule for rule in [
    # Where a candidate starts: the kind of fit (weights here are the base before specificity).
    Rule("fit.verbatim", 0.80, "'{token}' matches {family}"),
    Rule("fit.form", 0.80, "'{token}' is a {family} marking"),
    Rule("fit.marking_form", 0.87, "'{token}' is a {family} marking"),
    Rule("fit.code", 0.80, "'{token}' is {maker}'s package code for {part}"),
    Rule("fit.dropped", 0.74, "'{token}' is {family} printed without '{drop}'"),
    Rule("fit.logo_dropped", 0.70, "'{token}' is {family} printed without '{drop}', as the logo beside it allows"),
    Rule("fit.specificity", 0.0, "a specific pattern ({literals} fixed characters)"),
    Rule("fit.short_token", -0.12, "a short token"),
    Rule("catalogue.known", 0.60, "'{token}' is {part}, listed for {maker} ({source})"),
    Rule("catalogue.known_tail", 0.60, "'{token}' is {part} printed without its leading letters, listed for "
         "{maker} ({source})", cap=UNKNOWN_PART_CAP),
    Rule("catalogue.pattern", 0.55, "'{token}' fits {maker}'s part-number pattern {regex} ({source})",
         cap=UNKNOWN_PART_CAP),
    Rule("catalogue.series_prefix", 0.56, "'{prefix}' begins {count} part numbers the tables list, all {maker}'s",
         cap=UNKNOWN_PART_CAP),
    Rule("catalogue.code", 0.80, "'{token}' is {maker}'s package code for {part} ({source})"),
    Rule("catalogue.short_form", 0.58, "'{token}' is how {maker} prints {part} on small packages ({source})",
         cap=UNKNOWN_PART_CAP),
    Rule("token.variant_tail", -0.02, "'{tail}' printed after it is the variant"),
    Rule("catalogue.short_form_date_like", -0.12, "'{token}' is also shaped like a date code"),
    Rule("catalogue.short_form_digits", -0.08, "'{token}' is digits only, as many lot and serial numbers are"),
    Rule("catalogue.unlisted_code", 0.62, "'{token}' has the shape of {maker}'s package codes, but no table here "
         "holds it: {how}", cap=0.7),
    # How the token was read.
    Rule("ocr.repaired", 0.0, "read as '{repaired}': OCR confusion repaired", cap=UNKNOWN_PART_CAP),
    Rule("ocr.repair_cost", 0.0, "repair cost {cost:.2f}"),   # weighed by charge_repair()
    Rule("ocr.speculative_repair", -0.3, "the token as read is itself a well-formed part number, and the repair "
         "leads to no known part"),
    Rule("ocr.unlike_maker_parts", -0.3, "'{token}' as printed is built like {maker}'s known part numbers, "
         "the repair like none of them"),
    Rule("ocr.snapped", 0.0, "read as known part {known} ({part} is one OCR slip away)", cap=UNKNOWN_PART_CAP),
    Rule("ocr.neighbour", 0.0, "one OCR confusion from known part {neighbour}", cap=NEIGHBOUR_CAP),
    Rule("token.joined", -0.03, "two printed words read as one part number"),
    Rule("token.ordering_line", 0.0, "'{tail}' on the next line continues the ordering code"),
    Rule("token.speed_grade", 0.0, "'{grade}' printed after it is the memory's speed grade and package code"),
    Rule("token.ordering_tail", -0.04, "'{tail}' after the part number is an ordering code the family does not describe"),
    Rule("token.lost_first", -0.2, "read with a lost first character '{first}'", cap=UNKNOWN_PART_CAP),
    Rule("token.stray_first", -0.2, "read with a stray first character '{first}' (a logo or the pin-1 mark)",
         cap=UNKNOWN_PART_CAP),
    Rule("token.date_like", -0.45, "'{token}' is shaped like a date or lot code, not a part number"),
    # The maker's name or logo.
    Rule("logo.same_maker", 0.15, "{maker} logo text"),
    Rule("logo.glyph", 0.12, "'{glyph}' logo glyph"),
    Rule("logo.names_maker", 0.15, "made by several companies; the {maker} logo names this one"),
    Rule("logo.lineage", 0.10, "{maker} logo: {maker} {relation} {family_maker}, whose family this is"),
    Rule("logo.other_maker", -0.25, "marking names {makers}"),
    Rule("logo.none_multi_source", 0.0, "made by several companies and no maker's logo is printed"),
    Rule("logo.required", -0.3, "pattern too short to stand without the {maker} logo"),
    Rule("short_form.weak", -0.45, "a shortened form with little fixed text needs the {maker} logo"),
    Rule("short_form.specific", -0.12, "the shortened form needs the {maker} logo to be sure"),
    # Whether the part exists.
    Rule("known.part", 0.12, "{part} is a known part"),
    Rule("known.not_listed", 0.0, "{part} is not among the known {family} parts", cap=UNKNOWN_PART_CAP),
    Rule("known.preferred", 0.0, "preferred as a known part"),
    # Who, of several possible makers, made it.
    Rule("maker.several", 0.0, "which of its makers made it, no logo says", cap=UNKNOWN_PART_CAP),
    Rule("maker.listed_elsewhere", 0.0, "{part} is also listed for {makers}", cap=UNKNOWN_PART_CAP),
    Rule("maker.line_undecided", 0.0, "{maker}'s line passed between {line}; no logo says which made this one",
         cap=UNKNOWN_PART_CAP),
    # The marking as a whole.
    Rule("marking.ambiguous", -0.15, "ambiguous with {maker} {part}"),
    Rule("marking.date_code", 0.02, "a date code of the maker's shape"),
]}


@dataclass
class Candidate:
    """A part number the marking may stand for, with its maker and the evidence for it."""
    part_number: str
    manufacturer: "ManufacturerInfo"
    family_name: str
    category: str
    kind: str                                   # verbatim, dropped, form, code, catalogue, pattern
    token: str
    repair_cost: float
    family: Optional["Family"] = None
    score: float = 0.0
    cap: float = 0.99
    evidence: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    date_convention: str = "YYWW"
    tokens_used: tuple[int, ...] = ()
    maker_unknown: bool = False
    literals: float = 0.0
    known: bool = False
    part_unknown: bool = False                 # a maker's code no table holds: maker yes, part no
    repaired: Optional[str] = None             # the token as the family reads it, OCR slips undone
    span: Optional[tuple[int, int]] = None     # for marking-wide forms: where in Marking.normalized

    def as_dict(self) -> dict:
        return {"part_number": None if self.part_unknown else self.part_number,
                "manufacturer": self.manufacturer.name, "family": self.family_name, "category": self.category,
                "confidence": round(self.score, 3), "evidence": "; ".join(self.evidence), "rules": list(self.rules)}


def apply(cand: Candidate, rule_id: str, weight: Optional[float] = None, quiet: bool = False, **details) -> None:
    """Apply one rule of the table to a candidate: its weight (or the given one, for rules whose weight
    is computed, such as a repair's cost), its ceiling, and its id and text on the record."""
    rule = RULES[rule_id]
    cand.score += rule.weight if weight is None else weight
    if rule.cap is not None:
        cand.cap = min(cand.cap, rule.cap)
    cand.rules.append(rule_id)
    if not quiet:
        cand.evidence.append(rule.says.format(**details))


def date_like(token: str) -> bool:
    """A token shaped like a date or lot code rather than a part number: four digits that read as a
    year and week (YYWW), with at most one letter after them ('1945S', '0005')."""
    digits = token[:4]
    if not 4 <= len(token) <= 5 or not digits.isdigit() or (len(token) == 5 and not token[4].isalpha()):
        return False
    week = int(digits[2:])
    return 1 <= week <= 53


def part_like(token: str) -> bool:
    """Letters and digits, four or more, and not a date code: what a printed part number looks like."""
    return (len(token) >= 4 and any(c.isalpha() for c in token) and any(c.isdigit() for c in token)
            and not date_like(token))


def first_part_line(marking: Marking, makers: Optional[set[str]] = None) -> int:
    """The first line a part number is looked for on, by the marking convention logo, part, then date
    and lot: the maker's logo line when a part-like token is printed on it or after it (a line above
    the logo is then a lot or trace code), else the first line (a logo printed last, as ST does)."""
    logo_lines = [t.line for t in marking.tokens
                  if t.label == "logo" and (makers is None or t.detail in makers)]
    if not logo_lines:
        return 0
    line = min(logo_lines)
    if any(t.line >= line and t.label != "logo" and part_like(t.norm) for t in marking.tokens):
        return line
    return 0


REPAIR_WEIGHT = -0.4   # score lost per unit of OCR repair cost


def charge_repair(cand: Candidate, cost: float) -> None:
    """What an OCR repair costs a candidate: the one place its weight is decided."""
    apply(cand, "ocr.repair_cost", weight=REPAIR_WEIGHT * cost, quiet=True, cost=cost)
