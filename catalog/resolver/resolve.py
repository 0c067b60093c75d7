"""From a chip marking to ranked part candidates with confidence and an explanation.

Evidence, in order of weight: a family pattern that fully matches a token (or
the marking, for forms spread over lines), after OCR-confusion repair whose
cost lowers the score; the manufacturer's logo text in the marking; a date
code of the family's shape. A different manufacturer's logo counts against.
Nothing about the board position is used.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from rapidfuzz import fuzz, process

from . import knowledge
from .confusion import confusable_neighbour, fold, match_tolerant, nearest_known, search_tolerant
from .datecodes import DateCode, find_date_code
from .knowledge import Family, Form, KnowledgeBase, ManufacturerInfo, is_known, known_base
from .parse import COUNTRIES, Marking, Token, country_of, parse_marking

ANSWER_THRESHOLD = 0.5
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_COUNTRY_TAIL = re.compile(r"^(.{2,}[A-Z0-9])(" + "|".join(sorted((c for c in COUNTRIES if len(c) >= 5),
                                                                   key=len, reverse=True)) + ")$")
UNKNOWN_PART_CAP = 0.89   # a part not known to exist in its family is never 'confident'
NEIGHBOUR_CAP = 0.85      # nor is one that a single OCR confusion turns into another known part
BASE_SCORE = {"verbatim": 0.80, "code": 0.80, "form": 0.80, "dropped": 0.74}


@dataclass
class Candidate:
    part_number: str
    manufacturer: ManufacturerInfo
    family_name: str
    category: str
    kind: str
    token: str
    repair_cost: float
    score: float = 0.0
    evidence: list[str] = field(default_factory=list)
    date_convention: str = "YYWW"
    tokens_used: tuple[int, ...] = ()
    family: Optional["Family"] = None
    maker_unknown: bool = False
    literals: float = 0.0
    cap: float = 0.99
    known: bool = False
    repaired: Optional[str] = None             # the token as the family reads it, OCR slips undone
    span: Optional[tuple[int, int]] = None     # for marking-wide forms: where in Marking.normalized

    def as_dict(self) -> dict:
        return {"part_number": self.part_number, "manufacturer": self.manufacturer.name,
                "family": self.family_name, "category": self.category, "confidence": round(self.score, 3),
                "evidence": "; ".join(self.evidence)}


def _fill(template: str, groups: dict, token: str) -> str:
    values = {k: (v or "") for k, v in groups.items()}
    values["_token"] = token
    return string.Formatter().vformat(template, (), values)


class Resolver:
    def __init__(self, kb: Optional[KnowledgeBase] = None) -> None:
        self.kb = kb or knowledge.load()
        self._pattern_logos = [m for m in self.kb.manufacturers.values() if m.logo_patterns]
        # Names of 5+ characters, by the lengths of readings they may be confused with (±1).
        self._names_by_length: dict[int, list[str]] = {}
        for name in self.kb.names:
            if len(name) >= 5:
                for length in (len(name) - 1, len(name), len(name) + 1):
                    self._names_by_length.setdefault(length, []).append(name)

    # -- evidence gathering -------------------------------------------------
    def _logos(self, marking: Marking) -> dict[str, ManufacturerInfo]:
        """Manufacturers whose name, alias or logo text appears as a token (or two joined)."""
        found: dict[str, ManufacturerInfo] = {}
        tokens = marking.tokens
        for i, token in enumerate(tokens):
            m = self.kb.names.get(token.key)
            if m is None and len(token.norm) >= 5 and sum(c.isalpha() for c in token.norm) >= 0.8 * len(token.norm):
                m = self._fuzzy_name(token.norm)  # names are letters; lot codes are not worth the search
            if m is None:
                m = next((x for x in self._pattern_logos if any(p.match(token.norm) for p in x.logo_patterns)),
                         None)
            if m is None and i + 1 < len(tokens) and tokens[i + 1].line == token.line:
                m = self.kb.names.get(token.key + tokens[i + 1].key)
                if m:
                    tokens[i + 1].label, tokens[i + 1].detail = "logo", m.name
            if m is not None:
                token.label, token.detail = "logo", m.name
                found[m.name] = m
        return found

    def _fuzzy_name(self, norm: str) -> Optional[ManufacturerInfo]:
        """A manufacturer name misread by one or two characters ('SANY0', 'BOADCOM')."""
        key = fold(_NOT_ALNUM.sub("", norm))
        choices = self._names_by_length.get(len(key))
        if not choices:
            return None
        found = process.extractOne(key, choices, scorer=fuzz.ratio, score_cutoff=88)
        return self.kb.names[found[0]] if found else None

    def _token_candidates(self, token: str, index: tuple[int, ...]) -> list[Candidate]:
        forms: list[Form] = list(self.kb.token_forms.get(fold(token[:2]), ()))
        if len(token) < 2:
            forms += self.kb.token_forms.get("1:" + fold(token), ())
        forms += self.kb.open_forms
        return self._match_forms(forms, token, index)

    def _match_forms(self, forms: list[Form], token: str, index: tuple[int, ...]) -> list[Candidate]:
        out = []
        for form in forms:
            repair = match_tolerant(form.pattern, token)
            if repair is None:
                continue
            fam = form.family
            if form.kind == "verbatim":
                part = repair.text
            elif form.kind == "code":
                part = form.template
            else:
                m = form.pattern.strict.fullmatch(repair.text)
                part = _fill(form.template, m.groupdict(), repair.text)
            out.append(Candidate(part, fam.manufacturer, fam.name, fam.category, form.kind, token,
                                 repair.cost, date_convention=fam.date_code, tokens_used=index, family=fam))
            out[-1].evidence.append(self._form_evidence(form, token, repair.text))
            out[-1].repaired = repair.text
            out[-1].literals = form.pattern.literals
            out[-1].score = self._base_score(form, token, repair.cost)
        return out

    @staticmethod
    def _form_evidence(form: Form, token: str, repaired: str) -> str:
        fam = form.family
        text = {"verbatim": f"'{token}' matches {fam.name}",
                "dropped": f"'{token}' is {fam.name} printed without '{fam.drop}'",
                "code": f"'{token}' is {fam.manufacturer.name}'s package code for {form.template}",
                "form": f"'{token}' is a {fam.name} marking"}[form.kind]
        if repaired != token:
            text += f" (read as '{repaired}': OCR confusion repaired)"
        return text

    @staticmethod
    def _base_score(form: Form, token: str, cost: float) -> float:
        score = BASE_SCORE[form.kind]
        literals = form.pattern.literals if form.kind != "code" else 5
        if form.kind == "dropped":
            literals += len(form.family.drop or "")
        score += 0.025 * min(literals, 6) - 0.06   # a specific pattern is stronger evidence
        if len(token) < 5:
            score -= 0.12
        score -= 0.4 * cost
        return score

    def _joined_candidates(self, found: list[Candidate], tokens: list[Token], i: int) -> None:
        joined = tokens[i].norm + tokens[i + 1].norm
        for cand in self._token_candidates(joined, (i, i + 1)):
            cand.evidence.append("two printed words read as one part number")
            cand.score -= 0.03
            found.append(cand)

    def _marking_candidates(self, marking: Marking) -> list[Candidate]:
        text = marking.normalized
        out = []
        for form in self.kb.marking_forms:
            found = search_tolerant(form.pattern, text)
            if not found:
                continue
            m, repair = found
            fam = form.family
            part = _fill(form.template, m.groupdict(), m.group(0))
            cand = Candidate(part, fam.manufacturer, fam.name, fam.category, "form", m.group(0), repair.cost,
                             date_convention=fam.date_code, family=fam)
            cand.evidence.append(f"'{m.group(0).strip(' |')}' is a {fam.name} marking"
                                 + (" (OCR confusion repaired)" if repair.cost else ""))
            cand.score = BASE_SCORE["form"] + 0.07 - 0.4 * repair.cost
            cand.span, cand.repaired = m.span(), m.group(0)
            out.append(cand)
        return out

    def _snap_to_known(self, ranked: list[Candidate]) -> None:
        """An unknown part one or two OCR confusions away from a known one is most likely that one
        (SV6358 read for SV6355, SSD203O for SSD203D)."""
        for cand in ranked:
            fam = cand.family
            if fam is None or not fam.known or is_known(fam, cand.part_number):
                continue
            reduced = knowledge.reduce_part(cand.part_number)
            near = nearest_known(reduced, fam.known)
            if near is None:
                continue
            known_part, cost = near
            head = next(k for k in fam.known if known_part.startswith(k))
            cand.evidence.append(f"read as known part {head} ({cand.part_number} is one OCR slip away)")
            cand.part_number = _restyle(head, cand.part_number)
            cand.score -= 0.4 * cost
            if cand.repaired and cand.kind == "verbatim":
                cand.repaired = cand.part_number
            elif cand.repaired and cand.kind == "dropped" and fam.drop:
                cand.repaired = cand.part_number[len(fam.drop):]

    # -- the whole ----------------------------------------------------------
    def _split_merged(self, marking: Marking) -> None:
        """OCR drops spaces: 'SIPEXSP3223EEX' is the SIPEX logo and SP3223EEX, '7OWJAPAN' a code and a
        country. A token that a family explains as it is stays whole."""
        out: list[Token] = []
        for token in marking.tokens:
            cut = self._merge_point(token)
            if cut:
                out.append(Token(token.text[:cut], token.norm[:cut], token.line, token.index))
                out.append(Token(token.text[cut:], token.norm[cut:], token.line, token.index))
            else:
                out.append(token)
        marking.tokens = out

    def _merge_point(self, token: Token) -> int:
        norm = token.norm
        if len(norm) < 6 or token.key in self.kb.names:
            return 0
        folded = fold(norm)
        cut = next((n for n in range(min(10, len(norm) - 3), 2, -1) if folded[:n] in self.kb.names), 0)
        if not cut:
            m = _COUNTRY_TAIL.match(norm)
            cut = m.end(1) if m else 0
        if cut and any(c.score >= ANSWER_THRESHOLD for c in self._token_candidates(norm, ())):
            return 0
        return cut

    def _lost_first_candidates(self, token: str, index: tuple[int, ...]) -> list[Candidate]:
        """Candidates for a token whose first character the crop or the engine lost."""
        out = []
        for form, firsts in self.kb.lost_first.get(fold(token[:2]), ()):
            for first in sorted(firsts):
                for cand in self._match_forms([form], first + token, index):
                    if not is_known(cand.family, cand.part_number):
                        continue  # a guessed first character must at least give a real part
                    cand.score -= 0.2
                    cand.evidence.append(f"read with a lost first character '{first}'")
                    out.append(cand)
        return out

    def _stray_first_candidates(self, token: str, index: tuple[int, ...]) -> list[Candidate]:
        """Candidates for a token with one character too many in front: a logo or the pin-1 dot
        read as a letter and run into the part number ('SULN2803A')."""
        out = []
        for cand in self._token_candidates(token[1:], index):
            if cand.kind != "verbatim" or not is_known(cand.family, cand.part_number):
                continue  # only a real part printed in full may explain the rest
            cand.score -= 0.2
            cand.evidence.append(f"read with a stray first character '{token[0]}' (a logo or the pin-1 mark)")
            out.append(cand)
        return out

    def candidates(self, marking: Marking) -> tuple[list[Candidate], dict[str, ManufacturerInfo]]:
        self._split_merged(marking)
        logos = self._logos(marking)
        # One-letter logo glyphs ('Z' for Zbit) only ever support a candidate of their maker.
        glyphs = {name: t.text for t in marking.tokens if len(t.norm) == 1
                  for name in self.kb.short_logos.get(t.norm, ())}
        found: list[Candidate] = []
        tokens = marking.tokens
        for i, token in enumerate(tokens):
            if token.label == "logo" or len(token.norm) < 2:
                continue
            found += self._token_candidates(token.norm, (i,))
            # A part number split in two ('PI5C 3251QE') has a short first half.
            if len(token.norm) <= 5 and i + 1 < len(tokens) and tokens[i + 1].line == token.line \
                    and tokens[i + 1].label != "logo":
                self._joined_candidates(found, tokens, i)
        for i, token in enumerate(tokens):  # a logo that is also the part's prefix: 'STC 8G1K17'
            if token.label == "logo" and i + 1 < len(tokens) and tokens[i + 1].line == token.line:
                self._joined_candidates(found, tokens, i)
        found += self._marking_candidates(marking)
        if not any(c.score >= ANSWER_THRESHOLD for c in found):
            for i, token in enumerate(tokens):
                if token.label != "logo" and len(token.norm) >= 4:
                    found += self._lost_first_candidates(token.norm, (i,))
                if token.label != "logo" and len(token.norm) >= 6:
                    found += self._stray_first_candidates(token.norm, (i,))

        for cand in found:
            self._weigh_logos(cand, logos, glyphs)
        # One entry per (part, manufacturer): keep the best-scored reading of each.
        best: dict[tuple[str, str], Candidate] = {}
        for cand in found:
            key = (cand.part_number, cand.manufacturer.name)
            if key not in best or cand.score > best[key].score:
                best[key] = cand
        self._snap_to_known(list(best.values()))
        ranked = sorted(best.values(), key=lambda c: (c.score, len(c.part_number)), reverse=True)
        return ranked, logos

    def _weigh_logos(self, cand: Candidate, logos: dict[str, ManufacturerInfo], glyphs: dict[str, str]) -> None:
        fam = cand.family
        earlier = next((logos[n] for n in fam.earlier_makers if n in logos), None)
        if earlier is not None:
            cand.manufacturer = earlier
        if cand.manufacturer.name in logos:
            cand.score += 0.15
            cand.evidence.append(f"{cand.manufacturer.name} logo text")
            return
        if cand.manufacturer.name in glyphs:
            cand.score += 0.12
            cand.evidence.append(f"'{glyphs[cand.manufacturer.name]}' logo glyph")
            return
        if fam.multi_source:
            cand.maker_unknown = True
            cand.evidence.append("made by several companies and no maker's logo is printed")
        if logos:
            cand.score -= 0.25
            cand.evidence.append("marking names " + ", ".join(logos))
        elif fam.logo_required:
            cand.score -= 0.3
            cand.evidence.append(f"pattern too short to stand without the {fam.manufacturer.name} logo")
        elif cand.kind == "dropped":
            weak = cand.literals < 3  # e.g. AO's 'D4184': little of the pattern is fixed text
            cand.score -= 0.3 if weak else 0.12
            cand.evidence.append(f"the shortened form needs the {fam.manufacturer.name} logo to be sure")

    def resolve(self, text: str) -> dict:
        marking = parse_marking(text)
        ranked, logos = self.candidates(marking)
        for cand in ranked:
            base = known_base(cand.family, cand.part_number) if cand.family else cand.part_number
            cand.cap = 0.99 if base else UNKNOWN_PART_CAP
            cand.known = bool(base)
            if base:
                cand.score += 0.12  # the part exists: strong evidence against a broad pattern's guess
                # Only worth the search when the cap could bind.
                neighbour = confusable_neighbour(knowledge.reduce_part(cand.part_number), cand.family.known) \
                    if cand.family and cand.score > NEIGHBOUR_CAP else None
                if neighbour is not None:
                    cand.cap = NEIGHBOUR_CAP
                    cand.evidence.append(f"one OCR confusion from known part {neighbour}")
            elif cand.score > UNKNOWN_PART_CAP:
                cand.evidence.append(f"{cand.part_number} is not among the known {cand.family.name} parts")
            if cand.repair_cost > 0 or any("OCR slip" in e for e in cand.evidence):
                cand.cap = min(cand.cap, UNKNOWN_PART_CAP)  # a repaired reading is a good guess, not a reading
        ranked.sort(key=lambda c: (c.score, len(c.part_number)), reverse=True)
        if ranked and not ranked[0].known:
            # A known part a little behind an unknown one from a broad pattern is the better bet.
            known = next((c for c in ranked[1:] if c.known and c.score >= ranked[0].score - 0.1), None)
            if known is not None:
                ranked.remove(known)
                ranked.insert(0, known)
                known.evidence.append("preferred as a known part")
        answer: Optional[Candidate] = ranked[0] if ranked else None
        if answer is not None and len(ranked) > 1:
            rival = next((c for c in ranked[1:] if c.manufacturer is not answer.manufacturer
                          and not (c.maker_unknown or answer.maker_unknown)
                          and not (answer.known and not c.known)  # a known part beats an unknown one
                          and not _same_part(c.part_number, answer.part_number)), None)
            if rival is not None and answer.score - rival.score < 0.06:
                answer.score -= 0.15
                answer.evidence.append(f"ambiguous with {rival.manufacturer.name} {rival.part_number}")
        date = self._label_tokens(marking, answer)
        if date is not None and answer is not None:
            answer.score += 0.02
        for cand in ranked:
            cand.score = max(0.0, min(cand.cap, cand.score))
        return self._result(text, marking, answer, ranked, logos, date)

    def _corrected_lines(self, marking: Marking, answer: Optional[Candidate]) -> list[str]:
        """The marking as the answer explains it: OCR slips in the part number undone and logo
        text spelled as the maker prints it. The raw reading stays in the evidence."""
        texts = [t.text for t in marking.tokens]
        if answer is not None and answer.repaired:
            if answer.span is not None:
                texts = _apply_span(marking, texts, answer.span, answer.repaired)
            elif len(answer.tokens_used) == 1:
                i = answer.tokens_used[0]
                if answer.repaired != marking.tokens[i].norm:
                    texts[i] = answer.repaired
        for i, token in enumerate(marking.tokens):
            maker = self.kb.manufacturers.get(token.detail or "") if token.label == "logo" else None
            if maker is None:
                continue
            spellings = [*maker.logos, maker.name, *maker.aliases]
            if token.norm not in {s.upper() for s in spellings}:  # a misread name: spell it right
                texts[i] = max(spellings, key=lambda s: fuzz.ratio(s.upper(), token.norm))
        lines: dict[int, list[str]] = {}
        for token, text in zip(marking.tokens, texts):
            lines.setdefault(token.line, []).append(text)
        return [" ".join(lines[n]) for n in sorted(lines)]

    def _label_tokens(self, marking: Marking, answer: Optional[Candidate]) -> Optional[DateCode]:
        used = set(answer.tokens_used) if answer else set()
        for i, token in enumerate(marking.tokens):
            if i in used:
                token.label = "part"
                continue
            if token.label == "logo":
                continue
            country = country_of(token.norm)
            if country:
                token.label, token.detail = "country", country
        convention = answer.date_convention if answer else "YYWW"
        free = [t for t in marking.tokens if t.label in ("lot", "country")]
        for token in free:
            code = find_date_code([token.norm], convention)
            if code:
                token.label, token.detail = "date_code", f"{code.year}" + (f" week {code.week}" if code.week else "")
                return code
        return None

    def _result(self, text: str, marking: Marking, answer: Optional[Candidate], ranked: list[Candidate],
                logos: dict[str, ManufacturerInfo], date: Optional[DateCode]) -> dict:
        manufacturer = part = category = None
        confidence = 0.0
        if answer is not None and answer.score >= ANSWER_THRESHOLD:
            manufacturer, part, category = answer.manufacturer, answer.part_number, answer.category
            if answer.maker_unknown:
                manufacturer = None
            confidence = answer.score
            explanation = "; ".join(answer.evidence)
        elif len(logos) == 1:
            manufacturer = next(iter(logos.values()))
            confidence = 0.45
            explanation = f"{manufacturer.name} logo text; no known {manufacturer.name} part family fits"
            part = _longest_part_like(marking)
            if part:
                explanation += f"; '{part}' is the likeliest part number, unconfirmed"
        else:
            explanation = "no part family or manufacturer fits this marking"
            if ranked:
                explanation += f"; best guess {ranked[0].manufacturer.name} {ranked[0].part_number}, too weak"
        result = {
            "marking": text,
            "manufacturer": manufacturer.name if manufacturer else None,
            "part_number": part,
            "category": category,
            "confidence": round(confidence, 3),
            "candidates": [c.as_dict() for c in ranked[:5]],
            "explanation": explanation,
            "tokens": [t.as_dict() for t in marking.tokens],
            "reading": self._corrected_lines(marking, answer if manufacturer or part else None),
            "date_code": date.as_dict() if date else None,
            "country": manufacturer.country if manufacturer else None,
            "lineage": self.kb.lineage(manufacturer.name) if manufacturer else [],
        }
        if manufacturer and date:
            result["lineage_note"] = lineage_note(result["lineage"], date)
        return result


def _apply_span(marking: Marking, texts: list[str], span: tuple[int, int], repaired: str) -> list[str]:
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


def _restyle(known_head: str, printed: str) -> str:
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


def _same_part(a: str, b: str) -> bool:
    a, b = fold(a), fold(b)
    return a.startswith(b) or b.startswith(a)


def _longest_part_like(marking: Marking) -> Optional[str]:
    best = None
    for t in marking.tokens:
        if t.label not in ("lot",):
            continue
        norm = t.norm
        if any(c.isalpha() for c in norm) and any(c.isdigit() for c in norm) and len(norm) >= 4:
            if best is None or len(norm) > len(best):
                best = norm
    return best


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


@lru_cache(maxsize=1)
def default_resolver() -> Resolver:
    return Resolver()


def resolve(text: str) -> dict:
    """Resolve one marking with the bundled knowledge base."""
    return default_resolver().resolve(text)
