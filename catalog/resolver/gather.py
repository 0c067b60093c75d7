"""Finding what a marking may say: makers' names and logos, and candidate parts from the curated
families (token forms, marking-wide forms, shortened forms, codes) and from the imported catalogue
(known part numbers, package codes, part-number patterns). Scores start here from the evidence
table (`evidence.py`); weighing against logos and knowledge happens in `resolve.py`."""
from __future__ import annotations

import re
import string
from typing import Optional

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Hamming

from .catalogue import fixed_prefix, reduce
from .confusion import compile_tolerant, fold, match_tolerant, name_slip_cost, repair_cost, search_tolerant
from .evidence import ANSWER_THRESHOLD, RULES, Candidate, apply, charge_repair, date_like, first_part_line, part_like
from .knowledge import Family, Form, KnowledgeBase, ManufacturerInfo, is_known
from .parse import COUNTRIES, Marking, Token
from .result import restyle

_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_COUNTRY_TAIL = re.compile(r"^(.{2,}[A-Z0-9])(" + "|".join(sorted((c for c in COUNTRIES if len(c) >= 5),
                                                                   key=len, reverse=True)) + ")$")
# Industry-wide numbering many makers share (7400 / 5400 logic, 4000 CMOS): printed so it is complete,
# with no maker's prefix to restore.
GENERIC_SERIES = re.compile(r"(?:74|54)[A-Z]|4\d{3}B")
FIT_RULE = {"verbatim": "fit.verbatim", "code": "fit.code", "form": "fit.form", "dropped": "fit.dropped"}


def fill(template: str, groups: dict, token: str) -> str:
    values = {k: (v or "") for k, v in groups.items()}
    values["_token"] = token
    return string.Formatter().vformat(template, (), values)


class Gatherer:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._pattern_logos = [m for m in kb.manufacturers.values() if m.logo_patterns]
        # Curated names of 5+ characters, by the lengths of readings they may be confused with (±1);
        # imported names are matched exactly only (there are too many to guess at misreadings).
        self._names_by_length: dict[int, list[str]] = {}
        for name in kb.names:
            if len(name) >= 5 and name not in kb.imported_names:
                for length in (len(name) - 1, len(name), len(name) + 1):
                    self._names_by_length.setdefault(length, []).append(name)
        # The same names as printed (upper case, letters and digits), by length, for readings with
        # an OCR slip in them ('NEXPFRIA', 'winhond').
        self._printed_names: dict[int, dict[str, ManufacturerInfo]] = {}
        for m in kb.manufacturers.values():
            for text in (m.name, *m.aliases, *m.logos):
                printed = _NOT_ALNUM.sub("", text).upper()
                key = fold(printed)
                # (imported names, many and some short, from six characters on)
                if len(printed) >= (5 if key not in kb.imported_names else 6) and kb.names.get(key) is m:
                    self._printed_names.setdefault(len(printed), {})[printed] = m
        self._catalogue_families: dict[tuple[str, str], Family] = {}
        self._prefixes: dict[str, set[str]] = {}
        self._prefix_dropped: dict[str, Optional[tuple[str, object]]] = {}
        self._marked_earlier: dict[str, list[Family]] = {}   # maker -> families it marked before their owner
        for fam in kb.families:
            for name in fam.earlier_makers:
                self._marked_earlier.setdefault(name, []).append(fam)

    # -- makers -------------------------------------------------------------
    def logos(self, marking: Marking) -> dict[str, ManufacturerInfo]:
        """Manufacturers whose name, alias or logo text appears as a token (or two joined)."""
        found: dict[str, ManufacturerInfo] = {}
        tokens = marking.tokens
        joined: set[int] = set()   # second words of a two-word name: part of it, not a name of their own
        for i, token in enumerate(tokens):
            if i in joined:
                continue
            if i + 1 < len(tokens) and tokens[i + 1].line == token.line \
                    and (pair := self.kb.names.get(token.key + tokens[i + 1].key)
                         or self._slipped_pair(token, tokens[i + 1])) is not None:
                # The longer name first: 'QUALCOMM ATHEROS' is Qualcomm's, not also Atheros's.
                for t in (token, tokens[i + 1]):
                    t.label, t.detail = "logo", pair.name
                found[pair.name] = pair
                joined.add(i + 1)
                continue
            m = self.kb.names.get(token.key)
            if m is not None and len(token.key) <= 3 and token.index > 0:
                # A logo of two or three letters ('BB', 'ST', 'SEC') stands first on its line or alone;
                # in the middle of a line such letters are a lot or grade code ('0T BB').
                m = None
            if m is None and len(token.norm) >= 5 and sum(c.isalpha() for c in token.norm) >= 0.8 * len(token.norm):
                # names are letters; lot codes are not worth the search
                m = self._fuzzy_name(token.norm) or self._slipped_name(token.text)
            if m is None:
                m = next((x for x in self._pattern_logos if any(p.match(token.norm) for p in x.logo_patterns)),
                         None)
            if m is not None:
                token.label, token.detail = "logo", m.name
                found[m.name] = m
        return found

    def logo_vetoes(self, marking: Marking, maker: str) -> bool:
        """Whether the maker's name as printed rules out every other maker: a name its curated file
        gives, or an imported one of six characters or more ('Littelfuse'; shorter imported names
        may be a word or a code that happens to be some company's name)."""
        return any(t.detail == maker and (t.key not in self.kb.imported_names or len(t.key) >= 6)
                   for t in marking.tokens if t.label == "logo")

    def _fuzzy_name(self, norm: str) -> Optional[ManufacturerInfo]:
        """A manufacturer name misread by one or two characters ('SANY0', 'BOADCOM')."""
        key = fold(_NOT_ALNUM.sub("", norm))
        choices = self._names_by_length.get(len(key))
        if not choices:
            return None
        found = process.extractOne(key, choices, scorer=fuzz.ratio, score_cutoff=88)
        return self.kb.names[found[0]] if found else None

    def _slipped_pair(self, first: Token, second: Token) -> Optional[ManufacturerInfo]:
        """A two-word name ('ANALOG DEVICES', 'RECOM Power') read with a slip in it: both words letters."""
        text = first.text + second.text
        if min(len(first.norm), len(second.norm)) < 3 or not text.isalpha():
            return None
        return self._slipped_name(text)

    def _slipped_name(self, text: str) -> Optional[ManufacturerInfo]:
        """A manufacturer name read with OCR confusions of its letters (`name_slip_cost`): one cheap
        one in a name of five to seven characters, up to a whole substitution's worth in a longer one;
        the one name that is cheapest, or none when two are as near."""
        read = _NOT_ALNUM.sub("", text)
        names = self._printed_names.get(len(read))
        if not names:
            return None
        budget = 0.5 if len(read) < 8 else 1.0
        near = process.extract(read.upper(), names.keys(), scorer=Hamming.distance, score_cutoff=2, limit=8)
        costs = sorted((name_slip_cost(read, name, budget), name) for name, _, _ in near)
        costs = [(cost, name) for cost, name in costs if cost <= budget]
        if not costs or (len(costs) > 1 and names[costs[1][1]] is not names[costs[0][1]]
                         and costs[1][0] == costs[0][0]):
            return None
        return names[costs[0][1]]

    # -- curated families -----------------------------------------------------
    def token_candidates(self, token: str, index: tuple[int, ...]) -> list[Candidate]:
        forms: list[Form] = list(self.kb.token_forms.get(fold(token[:2]), ()))
        if len(token) < 2:
            forms += self.kb.token_forms.get("1:" + fold(token), ())
        forms += self.kb.open_forms
        return self.match_forms(forms, token, index)

    def match_forms(self, forms: list[Form], token: str, index: tuple[int, ...]) -> list[Candidate]:
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
                part = fill(form.template, m.groupdict(), repair.text)
            cand = Candidate(part, fam.manufacturer, fam.name, fam.category, form.kind, token, repair.cost,
                             family=fam, date_convention=fam.date_code, tokens_used=index)
            cand.repaired, cand.literals = repair.text, form.pattern.literals
            cand.part_unknown = form.kind == "verbatim" and fam.code_lookup is not None
            self._score_fit(cand, form, token, repair.text, repair.cost)
            out.append(cand)
        return out

    @staticmethod
    def _score_fit(cand: Candidate, form: Form, token: str, repaired: str, cost: float) -> None:
        fam = form.family
        rule = "catalogue.unlisted_code" if cand.part_unknown else FIT_RULE[form.kind]
        apply(cand, rule, token=token, family=fam.name, drop=fam.drop, maker=fam.manufacturer.name,
              part=form.template, how=fam.code_lookup)
        literals = form.pattern.literals if form.kind != "code" else 5
        if form.kind == "dropped":
            literals += len(fam.drop or "")
        apply(cand, "fit.specificity", weight=0.025 * min(literals, 6) - 0.06, quiet=True, literals=literals)
        if len(token) < 5:
            apply(cand, "fit.short_token", quiet=True)
        if cost:
            charge_repair(cand, cost)
        if repaired != token:
            apply(cand, "ocr.repaired", repaired=repaired)
        if form.kind == "dropped" and date_like(token):
            apply(cand, "token.date_like", token=token)

    def joined_candidates(self, tokens: list[Token], i: int) -> list[Candidate]:
        if date_like(tokens[i + 1].norm):
            return []  # a part number is not made of a date code ('SC 1831' is a logo and week 31 of 2018)
        joined = tokens[i].norm + tokens[i + 1].norm
        found = self.token_candidates(joined, (i, i + 1))
        for cand in found:
            apply(cand, "token.joined")
        return found

    def marking_candidates(self, marking: Marking) -> list[Candidate]:
        text = marking.normalized
        out = []
        for form in self.kb.marking_forms:
            found = search_tolerant(form.pattern, text)
            if not found:
                continue
            m, repair = found
            fam = form.family
            part = fill(form.template, m.groupdict(), m.group(0))
            cand = Candidate(part, fam.manufacturer, fam.name, fam.category, "form", m.group(0), repair.cost,
                             family=fam, date_convention=fam.date_code)
            apply(cand, "fit.marking_form", token=m.group(0).strip(" |"), family=fam.name)
            if repair.cost:
                charge_repair(cand, repair.cost)
                apply(cand, "ocr.repaired", repaired=m.group(0).strip(" |"))
            cand.span, cand.repaired = m.span(), m.group(0)
            out.append(cand)
        return out

    def logo_dropped_candidates(self, marking: Marking, makers: set[str]) -> list[Candidate]:
        """With a maker's logo printed, its part numbers without their letter prefix: makers leave the
        prefix off small packages when the logo says whose part it is ('REALTEK | 8188FTV' is RTL8188FTV,
        'SIPEX | 3232EE' is SP3232EE). Families that say how they shorten (`drop`) are matched already."""
        out: list[Candidate] = []
        first_line = first_part_line(marking, makers)   # the logo stands in for the prefix
        tokens = [(i, t) for i, t in enumerate(marking.tokens)
                  if t.label != "logo" and t.line >= first_line and t.norm[:1].isdigit() and len(t.norm) >= 4
                  and not date_like(t.norm) and not GENERIC_SERIES.match(t.norm)]
        if not tokens:
            return out
        families = [f for name in makers for f in self.kb.manufacturers[name].families] + \
            [f for name in makers for f in self._marked_earlier.get(name, ())]
        for i, token in tokens:
            for fam in families:
                dropped = self._dropped_form(fam)
                if dropped is None:
                    continue
                prefix, pattern = dropped
                repair = match_tolerant(pattern, token.norm)
                if repair is None or repair.cost > 0:
                    continue  # the prefix is already inferred: the rest must be read as printed
                cand = Candidate(prefix + repair.text, fam.manufacturer, fam.name, fam.category, "dropped", token.norm,
                                 repair.cost, family=fam, date_convention=fam.date_code, tokens_used=(i,),
                                 literals=pattern.literals + len(prefix))
                cand.repaired = repair.text
                apply(cand, "fit.logo_dropped", token=token.norm, family=fam.name, drop=prefix)
                if repair.cost:
                    charge_repair(cand, repair.cost)
                out.append(cand)
        return out

    def _dropped_form(self, fam: Family):
        """(prefix, pattern) of a family whose part numbers begin with a letter prefix it has no `drop`
        for; None otherwise. Made once per family, on first use."""
        if fam.key not in self._prefix_dropped:
            m = re.match(r"([A-Z]{1,4})(?=\\d|\[0-9|\(\?:\d)", fam.part)
            self._prefix_dropped[fam.key] = None
            if m and not fam.drop and not fam.code_lookup:
                try:
                    pattern = compile_tolerant(f"(?:{fam.part[m.end():]})(?:{fam.suffix})")
                    self._prefix_dropped[fam.key] = (m.group(1), pattern)
                except (ValueError, re.error):
                    pass
        return self._prefix_dropped[fam.key]

    def lost_first_candidates(self, token: str, index: tuple[int, ...]) -> list[Candidate]:
        """Candidates for a token whose first character the crop or the engine lost."""
        out = []
        for form, firsts in self.kb.lost_first.get(fold(token[:2]), ()):
            for first in sorted(firsts):
                for cand in self.match_forms([form], first + token, index):
                    if not is_known(cand.family, cand.part_number):
                        continue  # a guessed first character must at least give a real part
                    apply(cand, "token.lost_first", first=first)
                    out.append(cand)
        return out

    def stray_first_candidates(self, token: str, index: tuple[int, ...]) -> list[Candidate]:
        """Candidates for a token with one character too many in front: a logo or the pin-1 dot
        read as a letter and run into the part number ('SULN2803A')."""
        out = []
        for cand in self.token_candidates(token[1:], index):
            if cand.kind != "verbatim" or not is_known(cand.family, cand.part_number):
                continue  # only a real part printed in full may explain the rest
            apply(cand, "token.stray_first", first=token[0])
            out.append(cand)
        return out

    # -- merged tokens --------------------------------------------------------
    def split_merged(self, marking: Marking) -> None:
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
        # Curated names of three characters or more, imported ones (many, some short) of five or more.
        cut = next((n for n in range(len(norm) - 3, 2, -1) if folded[:n] in self.kb.names
                    and (n >= 5 or folded[:n] not in self.kb.imported_names)), 0)
        if cut and not any(c.isdigit() for c in norm[cut:]):
            cut = 0   # what OCR runs into a logo is a part number, which has digits: 'SILICON' is no 'SII' + 'ICON'
        named = self.kb.names[folded[:cut]] if cut else None
        if cut and any(norm.startswith(p) for p in self._part_prefixes(named)):
            cut = 0   # the maker's name begins its own part numbers: 'STM32F103' is ST's, not 'STM' + '32F103'
        if cut and not part_like(norm[cut:]) and not any(
                c.score >= ANSWER_THRESHOLD and c.manufacturer is named for c in self.token_candidates(norm[cut:], ())):
            cut = 0   # nor is 'STM6600' 'STM' + '6600': what follows a logo run in is a part number
        if not cut:
            m = _COUNTRY_TAIL.match(norm)
            cut = m.end(1) if m else 0
        if cut and any(c.score >= ANSWER_THRESHOLD for c in self.token_candidates(norm, ())):
            return 0
        if not cut and (short := self.kb.names.get(folded[:2])) is not None and len(norm) >= 7 \
                and folded[:2] not in self.kb.imported_names and norm[2:3].isalnum() \
                and not any(c.score >= ANSWER_THRESHOLD for c in self.token_candidates(norm, ())) \
                and any(c.score >= ANSWER_THRESHOLD and c.manufacturer is short
                        for c in self.token_candidates(norm[2:], ()) + self.catalogue_candidates(norm[2:], ())):
            # A two-letter logo run into the part ('TI74LVC3G14'): only when the rest is that maker's
            # part and the whole is no one's.
            cut = 2
        return cut

    def _part_prefixes(self, maker: ManufacturerInfo) -> set[str]:
        """The fixed starts (three characters or more) of a maker's family patterns, made on first use."""
        if maker.name not in self._prefixes:
            starts = {fixed_prefix("^" + fam.part) for fam in maker.families}
            self._prefixes[maker.name] = {p for p in starts if len(p) >= 3}
        return self._prefixes[maker.name]

    # -- the imported catalogue ------------------------------------------------
    def catalogue_family(self, maker: str, category: str) -> Optional[Family]:
        """A stand-in family for a catalogue entry, so that candidates from the catalogue are weighed
        like any other (date codes, logos)."""
        key = (maker, category)
        if key not in self._catalogue_families:
            m = self.kb.manufacturers.get(maker)
            if m is None:
                return None
            self._catalogue_families[key] = Family(
                key=f"catalogue:{maker}:{category}", manufacturer=m, name=f"{maker} {category.replace('_', ' ')}",
                category=category, part="", suffix="", drop=None, description=None, source="imported tables",
                date_code=m.date_code, codes={}, markings=[])
        return self._catalogue_families[key]

    def catalogue_candidates(self, token: str, index: tuple[int, ...]) -> list[Candidate]:
        """Known part numbers, package codes and part-number patterns of the imported tables."""
        cat = self.kb.catalogue
        reduced = reduce(token)
        out: list[Candidate] = []
        if reduced in cat.codes:
            part, maker, source = cat.codes[reduced]
            fam = self.catalogue_family(maker, "memory")
            if fam is not None:
                cand = Candidate(part, fam.manufacturer, f"{maker} package codes", fam.category, "code", token, 0.0,
                                 family=fam, tokens_used=index)
                apply(cand, "catalogue.code", token=token, maker=maker, part=part, source=source.split(":")[0])
                out.append(cand)
        out += self._short_form_candidates(reduced, token, index)
        if len(reduced) < 5 or date_like(reduced):
            return out
        heads = cat.known_heads(token)
        if heads:
            seen: set[str] = set()
            for head in heads:  # each maker at the longest part of it the token starts with
                makers = {p.maker for p in cat.parts[head]} - seen
                out += [c for c in self._known_candidates(head, token, index, "catalogue.known", heads_makers=makers)]
                seen |= makers
        else:
            for head in cat.folded_known(token):
                cost = repair_cost(reduced, head)
                if cost <= 0.6:
                    found = self._known_candidates(head, token, index, "catalogue.known")
                    for cand in found:
                        cand.repair_cost, cand.repaired = cost, head + reduced[len(head):]
                        cand.part_number = restyle(head, token)
                        charge_repair(cand, cost)
                        apply(cand, "ocr.repaired", repaired=cand.part_number)
                    out += found
            for key, tail in cat.known_tails(token):
                out += self._known_candidates(key, token, index, "catalogue.known_tail", tail=tail)
        if not out:
            out += self._pattern_candidates(token, index)
        if not out and (series := self.kb.catalogue.series_maker(token)):
            prefix, maker, count = series
            fam = self.catalogue_family(maker, "ic")
            if fam is not None:
                cand = Candidate(token, fam.manufacturer, fam.name, "ic", "pattern", token, 0.0, family=fam,
                                 tokens_used=index, literals=len(prefix))
                apply(cand, "catalogue.series_prefix", weight=0.52 + 0.02 * min(len(prefix), 4), prefix=prefix,
                      count=count, maker=maker)
                out.append(cand)
        return out

    def _short_form_candidates(self, reduced: str, token: str, index: tuple[int, ...]) -> list[Candidate]:
        """A short form a source records for a part ('26A', Mitsumi MM1026A): the part, never confident
        on its own (the same few characters are another maker's lot or date code)."""
        found = self.kb.catalogue.short_form_of(reduced)
        if found is None:
            return []
        short, tail = found
        entries = self.kb.catalogue.short_forms[short]
        cost = repair_cost(reduced, short) if short + tail != reduced else 0.0
        out = []
        for entry in entries:
            fam = self.catalogue_family(entry.maker, entry.category)
            if fam is None:
                continue
            cand = Candidate(entry.part + tail, fam.manufacturer, fam.name, entry.category, "code", token, 0.0,
                             family=fam, tokens_used=index, literals=len(short))
            apply(cand, "catalogue.short_form", weight=0.58 + 0.03 * min(len(short), 8), token=token,
                  part=entry.part, maker=entry.maker, source=entry.source.split(":")[0])
            if tail:
                apply(cand, "token.variant_tail", tail=tail)
            if cost:
                cand.repair_cost, cand.repaired = cost, short
                charge_repair(cand, cost)
                apply(cand, "ocr.repaired", repaired=short)
            if date_like(short):
                apply(cand, "catalogue.short_form_date_like", token=short)
            elif short.isdigit():
                apply(cand, "catalogue.short_form_digits", token=short)
            cand.maker_unknown = len({e.maker for e in entries}) > 1
            out.append(cand)
        return out

    def _known_candidates(self, head: str, token: str, index: tuple[int, ...], rule: str,
                          tail: Optional[str] = None, heads_makers: Optional[set[str]] = None) -> list[Candidate]:
        entries = {p.maker: p for p in self.kb.catalogue.parts[head]}
        several = len(entries) > 1
        if heads_makers is not None:
            entries = {m: e for m, e in entries.items() if m in heads_makers}
        out = []
        for maker, entry in entries.items():
            fam = self.catalogue_family(maker, entry.category)
            if fam is None:
                continue
            if tail is not None:  # printed without the leading letters: the part is the known one
                part = entry.part + token.upper()[len(tail):] if reduce(token) != tail else entry.part
            else:
                part = token if head != reduce(token) else entry.part
            kind = "dropped" if tail is not None else "catalogue"
            cand = Candidate(part, fam.manufacturer, fam.name, entry.category, kind, token, 0.0,
                             family=fam, tokens_used=index, literals=len(tail or head))
            apply(cand, rule, weight=RULES[rule].weight + 0.025 * min(len(tail or head) - 4, 8), token=token,
                  part=entry.part, maker=maker, source=entry.source.split(":")[0])
            cand.maker_unknown = several
            out.append(cand)
        return out

    def _pattern_candidates(self, token: str, index: tuple[int, ...]) -> list[Candidate]:
        by_maker: dict[str, tuple] = {}
        for entry, m in self.kb.catalogue.matching_patterns(token):
            held = by_maker.get(entry.maker)
            if held is None or len(entry.prefix) > len(held[0].prefix):
                by_maker[entry.maker] = (entry, m)
        out = []
        for maker, (entry, m) in by_maker.items():
            fam = self.catalogue_family(maker, entry.category)
            if fam is None:
                continue
            cand = Candidate(token, fam.manufacturer, fam.name, entry.category, "pattern", token, 0.0,
                             family=fam, tokens_used=index, literals=len(entry.prefix))
            apply(cand, "catalogue.pattern", weight=0.55 + 0.02 * min(len(entry.prefix), 5), token=token,
                  maker=maker, regex=entry.regex, source=entry.source.split(":")[0])
            out.append(cand)
        return out

