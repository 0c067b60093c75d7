"""From a chip marking to ranked part candidates with confidence and an explanation.

The passes over a marking, in the order `Resolver.resolve` runs them (`PASSES`):

1. parse: lines and tokens (`parse.py`); tokens OCR ran together are split ('SIPEXSP3223EEX');
2. makers: names, aliases and logos printed as words (or two words joined, or misread slightly);
3. fits: every token (and two short neighbours joined) against the curated families' forms, strictly
   and OCR-tolerantly; marking-wide forms over the lines; the imported catalogue (known parts,
   package codes, part-number patterns); a lost or stray first character only when nothing fits;
4. logos: each candidate weighed against the makers printed (same maker, predecessor or successor,
   another maker, none when one is needed);
5. knowledge: one entry per part and maker; OCR slips undone towards a known part; known parts
   rewarded, unknown ones capped below confidence 0.9, speculative repairs of well-formed tokens
   dropped;
6. answer: a printed maker vetoes candidates of unrelated makers; a known part a little behind an
   unknown one is preferred; near-ties between makers are reported as ambiguous;
7. labels: the tokens the answer used are the part, the rest country, date code or lot.

Every score change is a rule of the evidence table (`evidence.py`), recorded on the candidate.
Nothing about the board position is used.
"""
from __future__ import annotations

import functools
import re
from functools import lru_cache
from typing import Optional

from rapidfuzz import fuzz

from . import knowledge
from .catalogue import reduce
from .confusion import confusable_neighbour, nearest_known, one_confusion_variants
from .datecodes import DateCode, find_date_code
from .forms import PrintedForms
from .evidence import ANSWER_THRESHOLD, LOGO_ONLY, UNKNOWN_PART_CAP, Candidate, apply, date_like
from .gather import Gatherer
from .knowledge import KnowledgeBase, ManufacturerInfo, known_base
from .parse import COUNTRY_CODES, Marking, country_of, parse_marking
from .result import Resolution, apply_span, lineage_note, first_part_like, restyle, same_part

MEMORY_CATEGORIES = {"sram", "dram", "ram", "nor_flash", "nand_flash", "flash", "eprom", "eeprom", "mask_rom",
                     "rom", "nvram", "fram", "memory"}
# A speed grade (ns) with package / temperature / power letters around it, as memories print it apart.
SPEED_GRADE = re.compile(r"(?:[A-Z]{1,3}-?)?(?:45|55|60|70|85|90|10|12|15|20|25|35)(?![0-9])[-A-Z0-9]{0,6}")
# The rest of an ordering code printed on the line under the part number: a dash, then a temperature,
# package or speed code ('-I/P', '-E/SO', '-10TC', EON's '-104HIP').
ORDERING_LINE = re.compile(r"-[A-Z0-9]{1,7}(?:[-/][A-Z0-9]{1,4}){0,2}")
ORDERING_LETTERS = re.compile(r"[A-Z]{2,4}[+#]?")   # a line of package and grade letters only
ORDERING_WORD = re.compile(r"[A-Z0-9][A-Z0-9-]{0,6}")   # package, grade and temperature letters on a line
# The rules by which a printed logo says which maker made the part.
NAMED_BY_LOGO = {"logo.same_maker", "logo.names_maker", "logo.lineage", "logo.glyph"}
PASSES = ("parse", "makers", "fits", "logos", "knowledge", "answer", "labels")
_RUN = re.compile(r"[A-Z]+|[0-9]+")


@lru_cache(maxsize=65536)
def part_shape(reduced: str) -> str:
    """A part number's shape: its leading letters as printed, then the length of each run of letters
    (A) or digits (D): AD5687BRUZ is 'AD' D4 A4, MSP430G2111IRSA16 'MSP' D3 A1 D4 A4 D2."""
    runs = _RUN.findall(reduced)
    head = runs[0] if runs and runs[0].isalpha() else ""
    return head + "".join(("A" if run.isalpha() else "D") + str(len(run)) for run in runs[bool(head):])


class Resolver:
    def __init__(self, kb: Optional[KnowledgeBase] = None) -> None:
        self.kb = kb or knowledge.load()
        self.gather = Gatherer(self.kb)
        # Each maker's line: itself, its successors and its predecessors (Atmel, Microchip Technology).
        self.line: dict[str, set[str]] = {}
        for name in self.kb.manufacturers:
            chain = {step["name"] for step in self.kb.lineage(name)}
            for member in chain:
                self.line.setdefault(member, {member}).update(chain)

    # -- knowledge ------------------------------------------------------------
    @functools.cached_property
    def printed_forms(self) -> PrintedForms:
        """What may be printed on a chip, for the OCR's constrained decoding (built on first use)."""
        return PrintedForms(self.kb)

    def line_of(self, name: str) -> set[str]:
        return self.line.get(name, {name})

    @functools.cached_property
    def maker_shapes(self) -> dict[str, frozenset[str]]:
        """The shapes of each maker's known part numbers (`part_shape`), curated and imported: how its
        ordering codes are built, learnt from every part the tables list (built on first use)."""
        shapes: dict[str, set[str]] = {}
        for key, entries in self.kb.catalogue.parts.items():
            for entry in entries:
                shapes.setdefault(entry.maker, set()).add(part_shape(key))
        for fam in self.kb.families:
            shapes.setdefault(fam.manufacturer.name, set()).update(part_shape(k) for k in fam.known)
        return {maker: frozenset(found) for maker, found in shapes.items()}

    def shape_known(self, part: str, maker: str) -> bool:
        """Some known part number of the maker's line has the shape of `part`."""
        shape = part_shape(reduce(part))
        return any(shape in self.maker_shapes.get(m, ()) for m in self.line_of(maker))

    def known_part(self, cand: Candidate, text: str) -> Optional[str]:
        """The known part `text` is for this candidate's family and maker (curated lists first, then the
        maker's imported parts)."""
        if cand.family is not None and (base := known_base(cand.family, text)):
            return base
        return self.kb.catalogue.known_for(text, self.line_of(cand.manufacturer.name))

    def known_base(self, cand: Candidate) -> Optional[str]:
        """The known part this candidate is."""
        return None if cand.part_unknown else self.known_part(cand, cand.part_number)

    def printed_base(self, cand: Candidate) -> Optional[str]:
        """The known part the candidate's token is as printed, before any OCR repair."""
        return self.known_part(cand, reduce(cand.token))

    @staticmethod
    def same_known(printed: Optional[str], repaired: str) -> bool:
        """The repair only says more of the same known part (LC35256 as printed, LC35256DM70W repaired)."""
        return printed is not None and (repaired.startswith(printed) or printed.startswith(repaired))

    def related(self, a: ManufacturerInfo, b: ManufacturerInfo) -> Optional[str]:
        """How maker `a` relates to maker `b` in the lineage: 'became' (a is b's successor), 'was'
        (a is b's predecessor), or None."""
        if a.name in [step["name"] for step in self.kb.lineage(b.name)[1:]]:
            return "took over the line of"
        if b.name in [step["name"] for step in self.kb.lineage(a.name)[1:]]:
            return "passed its line to"
        return None

    # -- pass 3: fits -----------------------------------------------------------
    def fits(self, marking: Marking) -> list[Candidate]:
        found: list[Candidate] = []
        tokens = marking.tokens
        for i, token in enumerate(tokens):
            if token.label == "logo" or len(token.norm) < 2:
                continue
            found += self.gather.token_candidates(token.norm, (i,))
            # A part number split in two ('PI5C 3251QE') has a short first half.
            if len(token.norm) <= 5 and i + 1 < len(tokens) and tokens[i + 1].line == token.line \
                    and tokens[i + 1].label != "logo":
                found += self.gather.joined_candidates(tokens, i)
        for i, token in enumerate(tokens):  # a logo that is also the part's prefix: 'STC 8G1K17'
            if token.label == "logo" and i + 1 < len(tokens) and tokens[i + 1].line == token.line:
                found += self.gather.joined_candidates(tokens, i)
        found += self.gather.marking_candidates(marking)
        self.ordering_tails(tokens, found)
        logo_makers = {t.detail for t in tokens if t.label == "logo" and t.detail}
        if logo_makers:  # only for tokens nothing explains as printed
            explained = {i for c in found for i in c.tokens_used
                         if c.score >= ANSWER_THRESHOLD and c.kind in ("verbatim", "form", "catalogue", "code")}
            found += [c for c in self.gather.logo_dropped_candidates(marking, logo_makers)
                      if c.tokens_used[0] not in explained]
        # The catalogue adds what the curated families do not say: not the same part again under the
        # same maker or one of its line (a part listed today under Microchip is Atmel's ATtiny too).
        curated: dict[str, set[str]] = {}
        for c in found:
            curated.setdefault(reduce(c.part_number), set()).update(self.line_of(c.manufacturer.name))
        for i, token in enumerate(tokens):
            if token.label == "logo":
                continue
            more = self.gather.catalogue_candidates(token.norm, (i,))
            if len(token.norm) <= 5 and i + 1 < len(tokens) and tokens[i + 1].line == token.line \
                    and tokens[i + 1].label != "logo" and not date_like(tokens[i + 1].norm):
                # A known part split in two ('S3511 AV31' is S-3511A and a lot code).
                joined = [c for c in self.gather.catalogue_candidates(token.norm + tokens[i + 1].norm, (i, i + 1))
                          if c.kind == "catalogue"]
                for cand in joined:
                    apply(cand, "token.joined")
                more += joined
            found += [c for c in more if c.manufacturer.name not in curated.get(reduce(c.part_number), ())]
        if not any(c.score >= ANSWER_THRESHOLD for c in found):
            for i, token in enumerate(tokens):
                if token.label != "logo" and len(token.norm) >= 4:
                    found += self.gather.lost_first_candidates(token.norm, (i,))
                if token.label != "logo" and len(token.norm) >= 6:
                    found += self.gather.stray_first_candidates(token.norm, (i,))
        return found

    def ordering_tails(self, tokens, found: list[Candidate]) -> None:
        """A part number ordered with a tail its family does not describe ('ATMEGA16A-A', 'MIC5205-2.8YM5'):
        the token cut at a separator is matched, and the tail kept in the part number."""
        explained = {i for c in found for i in c.tokens_used if c.score >= ANSWER_THRESHOLD}
        for i, token in enumerate(tokens):
            if i in explained or token.label == "logo":
                continue
            for cut in sorted((k for k, ch in enumerate(token.norm) if ch in "-/." and k >= 4), reverse=True):
                tail = token.norm[cut:]
                more = [c for c in self.gather.token_candidates(token.norm[:cut], (i,)) if c.kind == "verbatim"]
                for cand in more:
                    cand.part_number += tail
                    apply(cand, "token.ordering_tail", tail=tail)
                if more:
                    found += more
                    break

    # -- pass 4: logos ----------------------------------------------------------
    def weigh_logos(self, cand: Candidate, logos: dict[str, ManufacturerInfo], glyphs: dict[str, str]) -> None:
        fam = cand.family
        earlier = next((logos[n] for n in fam.earlier_makers if n in logos), None)
        if earlier is not None:
            cand.manufacturer = earlier
        if cand.manufacturer.name in logos:
            cand.maker_unknown = False  # of the makers listing the part, the logo names this one
            apply(cand, "logo.same_maker", maker=cand.manufacturer.name)
            return
        if cand.manufacturer.name in glyphs:
            apply(cand, "logo.glyph", glyph=glyphs[cand.manufacturer.name])
            return
        if (fam.multi_source or cand.maker_unknown) and len(logos) == 1:
            (maker,) = logos.values()  # the logo names which of the makers made it
            cand.manufacturer, cand.maker_unknown = maker, False
            apply(cand, "logo.names_maker", maker=maker.name)
            return
        relation = next(((m, r) for m in logos.values() if (r := self.related(m, cand.manufacturer))), None)
        if relation is not None and len(logos) == 1:
            maker, how = relation
            family_maker = cand.manufacturer.name
            cand.manufacturer = maker
            apply(cand, "logo.lineage", maker=maker.name, relation=how, family_maker=family_maker)
            return
        if fam.multi_source:
            cand.maker_unknown = True
            apply(cand, "logo.none_multi_source")
        if logos:
            apply(cand, "logo.other_maker", makers=", ".join(logos))
        elif fam.logo_required:
            apply(cand, "logo.required", maker=fam.manufacturer.name)
        elif cand.kind == "dropped":
            weak = cand.literals < 3  # e.g. AO's 'D4184': little of the pattern is fixed text
            apply(cand, "short_form.weak" if weak else "short_form.specific", maker=fam.manufacturer.name)

    # -- pass 5: knowledge --------------------------------------------------------
    def snap_to_known(self, ranked: list[Candidate]) -> None:
        """An unknown part one or two OCR confusions away from a known one is most likely that one
        (SV6358 read for SV6355, SSD203O for SSD203D)."""
        for cand in ranked:
            fam = cand.family
            if fam is None or not fam.known or cand.part_unknown or self.known_base(cand):
                continue
            if cand.repair_cost == 0 and cand.kind in ("verbatim", "dropped"):
                continue  # printed clean and well-formed: an unlisted member, not a slip
            near = nearest_known(knowledge.reduce_part(cand.part_number), fam.known)
            if near is None:
                continue
            known_part, cost = near
            head = next(k for k in fam.known if known_part.startswith(k))
            apply(cand, "ocr.snapped", weight=-0.4 * cost, known=head, part=cand.part_number)
            cand.part_number = restyle(head, cand.part_number)
            if cand.repaired and cand.kind == "verbatim":
                cand.repaired = cand.part_number
            elif cand.repaired and cand.kind == "dropped" and fam.drop:
                cand.repaired = cand.part_number[len(fam.drop):]

    def other_makers_part(self, cand: Candidate) -> Optional[str]:
        """A package code read with no logo of its maker says little when one cheap OCR confusion turns it
        into a part another maker's family takes as printed ('NX711', a Micron code, and Avia's HX711)."""
        line = self.line_of(cand.manufacturer.name)
        for variant in one_confusion_variants(cand.token):
            for other in self.gather.token_candidates(variant, ()):
                if other.repair_cost == 0 and other.manufacturer.name not in line and other.kind != "code":
                    return other.part_number
        return None

    def weigh_knowledge(self, ranked: list[Candidate]) -> None:
        # Tokens that, as printed, are a part number: a family, pattern or list takes them unrepaired.
        well_formed = {c.token for c in ranked if c.repair_cost == 0 and c.kind in ("catalogue", "pattern", "verbatim")}
        for cand in ranked:
            base = self.known_base(cand)
            cand.known = bool(base)
            if base:
                apply(cand, "known.part", part=base)
                others = self.kb.catalogue.part_makers.get(base, frozenset()) - self.line_of(cand.manufacturer.name)
                if others and not cand.maker_unknown and not NAMED_BY_LOGO & set(cand.rules):
                    apply(cand, "maker.listed_elsewhere", part=base, makers=", ".join(sorted(others)))
                # Only worth the search when the cap could bind.
                printed = reduce(cand.part_number)
                neighbour = confusable_neighbour(printed, cand.family.known) \
                    if cand.family and cand.family.known and cand.score > 0.85 else None
                if neighbour is None and cand.score > 0.85:
                    # The ordering codes the tables list after the known part: one slip from the one printed?
                    codes = self.kb.catalogue.listed_after(base)
                    if codes and printed not in codes:
                        neighbour = confusable_neighbour(printed, codes)
                if neighbour is None and cand.kind == "code" and cand.score > 0.85 \
                        and not NAMED_BY_LOGO & set(cand.rules):
                    neighbour = self.other_makers_part(cand)
                if neighbour is not None:
                    apply(cand, "ocr.neighbour", neighbour=neighbour)
                if cand.repair_cost > 0 and cand.token in well_formed and (
                        "logo.same_maker" not in cand.rules or not self.same_known(self.printed_base(cand), base)):
                    # Printed clean and well-formed, the token is itself a part: never 'repaired' into
                    # another, not even under its maker's logo (STM32F072C8U is not STM32F072CBU); a
                    # repair of the ordering letters after the same known part is (LC35256DM-7OW).
                    apply(cand, "ocr.speculative_repair")
            else:
                if cand.score > UNKNOWN_PART_CAP and not cand.part_unknown:
                    apply(cand, "known.not_listed", part=cand.part_number, family=cand.family_name)
                else:
                    cand.cap = min(cand.cap, UNKNOWN_PART_CAP)
                if cand.repair_cost > 0 and ("logo.same_maker" not in cand.rules and (
                        cand.token in well_formed or not cand.family or cand.family.known)
                        or reduce(cand.token) in self.kb.catalogue.parts):
                    # Not even under its maker's logo is a token that is a known part as printed
                    # 'repaired' into one no list holds (74AHC1G08 into 74AHC1608).
                    apply(cand, "ocr.speculative_repair")
                elif cand.repair_cost > 0 and cand.repaired and self.shape_known(cand.token, cand.manufacturer.name) \
                        and not self.shape_known(cand.repaired, cand.manufacturer.name):
                    # The token as printed is built the way the maker's known parts are, the repair
                    # into no known part is built as none of them is: the family's grammar is too
                    # narrow, not the reading wrong (AD5687BRUZ is not AD56878RUZ).
                    apply(cand, "ocr.unlike_maker_parts", token=cand.token, maker=cand.manufacturer.name)
                elif cand.repair_cost > 0 and any(
                        o.token == cand.token and o.repair_cost == 0 and o.manufacturer is cand.manufacturer
                        and o.kind in ("catalogue", "pattern", "verbatim") for o in ranked):
                    # Under its maker's logo too: the maker's own numbering reads the token as printed,
                    # so a repair into no known part has nothing to say for it (LP38693DT is not LP3869JDT).
                    apply(cand, "ocr.speculative_repair")

    # -- pass 6: the answer -------------------------------------------------------
    def choose(self, marking: Marking, ranked: list[Candidate],
               logos: dict[str, ManufacturerInfo]) -> Optional[Candidate]:
        # A maker printed on the package rules out every other maker.
        vetoing = {name for name in logos if self.gather.logo_vetoes(marking, name)}
        eligible = [c for c in ranked if c.manufacturer.name in vetoing and not c.maker_unknown] if vetoing \
            else ranked
        if not eligible:
            return None
        answer = eligible[0]
        if not answer.known:
            # A known part a little behind an unknown one from a broad pattern is the better bet.
            known = next((c for c in eligible[1:] if c.known and c.score >= answer.score - 0.1), None)
            if known is not None:
                answer = known
                apply(known, "known.preferred")
        rival = next((c for c in eligible if c is not answer and c.manufacturer is not answer.manufacturer
                      and not (c.maker_unknown or answer.maker_unknown)
                      and not (answer.known and not c.known)  # a known part beats an unknown one
                      and not same_part(c.part_number, answer.part_number)), None)
        if rival is not None and answer.score - rival.score < 0.06:
            apply(answer, "marking.ambiguous", maker=rival.manufacturer.name, part=rival.part_number)
        return answer

    def join_speed_grade(self, marking: Marking, answer: Candidate) -> None:
        """Memories are ordered with a speed grade (access time in ns: -70, 15) and a package or
        temperature code, which the package often prints as a word of its own after the part number
        ('AT29LV512 15TC', 'TC55V200 FT-70'); a date code may stand between them."""
        if answer.category not in MEMORY_CATEGORIES or len(answer.tokens_used) != 1 or answer.part_unknown:
            return
        i = answer.tokens_used[0]
        line = [(j, t) for j, t in enumerate(marking.tokens) if t.line == marking.tokens[i].line and j > i]
        for j, token in line:
            if date_like(token.norm):
                continue
            if SPEED_GRADE.fullmatch(token.norm) and token.label != "logo":
                answer.part_number = f"{answer.part_number}-{token.norm}"
                answer.tokens_used = (i, j)
                apply(answer, "token.speed_grade", grade=token.norm)
            return

    def join_ordering_line(self, marking: Marking, answer: Candidate) -> None:
        """A line that begins with a dash right under the part number is the rest of its ordering code:
        Microchip prints 'PIC16F628A' over '-I/P' (temperature range, package), and so do others that
        split a long ordering code over two lines."""
        if len(answer.tokens_used) != 1 or answer.part_unknown:
            return
        i = answer.tokens_used[0]
        tokens = marking.tokens
        if i + 1 >= len(tokens) or tokens[i + 1].line != tokens[i].line + 1 \
                or any(t.line == tokens[i].line for t in tokens[i + 1:]):
            return
        tail = tokens[i + 1].text.upper()
        if tokens[i + 1].label in ("logo", "country") or tail in COUNTRY_CODES:
            return
        if ORDERING_LINE.fullmatch(tail) or ORDERING_LETTERS.fullmatch(tail) or (
                ORDERING_WORD.fullmatch(tail) and not date_like(tail) and (
                tokens[i].text.endswith("-") or self.longer_known(answer, answer.part_number + tail))):
            # A dash that begins the line or ends the one above, a line of two to four package and
            # grade letters ('AD620 | ARZ', 'MAX3232 | CSE'), or the two lines together a known
            # ordering code.
            answer.part_number += tail
            answer.tokens_used = (i, i + 1)
            apply(answer, "token.ordering_line", tail=tail)

    def longer_known(self, answer: Candidate, joined: str) -> bool:
        """Whether `joined` is a known part of the answer's maker longer than the one the answer is."""
        base = self.known_base(answer)
        longer = self.known_part(answer, joined)
        return longer is not None and len(reduce(longer)) > len(reduce(base or answer.part_number))

    def weigh_maker(self, answer: Candidate) -> None:
        """Confidence is in the whole answer: a maker left open, or one of a line of owners (Atmel and
        Microchip, Maxim and Analog Devices) with no logo to say which, is not a confident answer."""
        named = NAMED_BY_LOGO & set(answer.rules)
        if answer.maker_unknown:
            apply(answer, "maker.several")
        elif not named and (answer.manufacturer.successor or (answer.family and answer.family.earlier_makers)):
            # The family's maker passed its line on (or took it over from makers who marked it too).
            apply(answer, "maker.line_undecided", maker=answer.manufacturer.name,
                  line=", ".join(sorted(self.line_of(answer.manufacturer.name))))

    # -- the whole ------------------------------------------------------------------
    def candidates(self, marking: Marking) -> tuple[list[Candidate], dict[str, ManufacturerInfo]]:
        self.gather.split_merged(marking)
        logos = self.gather.logos(marking)
        # One-letter logo glyphs ('Z' for Zbit) only ever support a candidate of their maker.
        glyphs = {name: t.text for t in marking.tokens if len(t.norm) == 1
                  for name in self.kb.short_logos.get(t.norm, ())}
        found = self.fits(marking)
        for cand in found:
            self.weigh_logos(cand, logos, glyphs)
        # One entry per (part, manufacturer): keep the best-scored reading of each.
        best: dict[tuple[str, str], Candidate] = {}
        for cand in found:
            key = (cand.part_number, cand.manufacturer.name)
            if key not in best or cand.score > best[key].score:
                best[key] = cand
        self.snap_to_known(list(best.values()))
        ranked = sorted(best.values(), key=lambda c: (c.score, len(c.part_number)), reverse=True)
        return ranked, logos

    def resolve(self, text: str) -> Resolution:
        marking = parse_marking(text)
        ranked, logos = self.candidates(marking)
        self.weigh_knowledge(ranked)
        ranked.sort(key=lambda c: (c.score, len(c.part_number)), reverse=True)
        answer = self.choose(marking, ranked, logos)
        if answer is not None:
            self.weigh_maker(answer)
            self.join_speed_grade(marking, answer)
            self.join_ordering_line(marking, answer)
        date = self.label_tokens(marking, answer)
        if date is not None and answer is not None:
            apply(answer, "marking.date_code", quiet=True)
        for cand in ranked:
            cand.score = max(0.0, min(cand.cap, cand.score))
        if answer is not None and answer in ranked:
            ranked.remove(answer)
            ranked.insert(0, answer)
        return self.result(text, marking, answer, ranked, logos, date)

    def corrected_lines(self, marking: Marking, answer: Optional[Candidate]) -> list[str]:
        """The marking as the answer explains it: OCR slips in the part number undone and logo
        text spelled as the maker prints it. The raw reading stays in the evidence."""
        texts = [t.text for t in marking.tokens]
        if answer is not None and answer.repaired and not answer.part_unknown:
            if answer.span is not None:
                texts = apply_span(marking, texts, answer.span, answer.repaired)
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

    def label_tokens(self, marking: Marking, answer: Optional[Candidate]) -> Optional[DateCode]:
        used = set(answer.tokens_used) if answer and answer.score >= ANSWER_THRESHOLD else set()
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
        # Date codes are digits with at most a letter or two after them: the fewest letters first.
        free = sorted((t for t in marking.tokens if t.label in ("lot", "country")),
                      key=lambda t: sum(c.isalpha() for c in t.norm))
        for token in free:
            code = find_date_code([token.norm], convention)
            if code:
                token.label, token.detail = "date_code", f"{code.year}" + (f" week {code.week}" if code.week else "")
                return code
        return None

    def result(self, text: str, marking: Marking, answer: Optional[Candidate], ranked: list[Candidate],
               logos: dict[str, ManufacturerInfo], date: Optional[DateCode]) -> Resolution:
        manufacturer = part = category = None
        confidence, rules = 0.0, []
        if answer is not None and answer.score >= ANSWER_THRESHOLD:
            manufacturer = None if answer.maker_unknown else answer.manufacturer
            part = None if answer.part_unknown else answer.part_number
            category, confidence, rules = answer.category, answer.score, list(answer.rules)
            explanation = "; ".join(answer.evidence)
        elif len(logos) == 1:
            manufacturer = next(iter(logos.values()))
            confidence = LOGO_ONLY
            explanation = f"{manufacturer.name} logo text; no known {manufacturer.name} part family fits"
            part = first_part_like(marking)
            if part:
                explanation += f"; '{part}' is the likeliest part number, unconfirmed"
            rules = ["logo.only"]
        else:
            explanation = "no part family or manufacturer fits this marking"
            if ranked:
                explanation += f"; best guess {ranked[0].manufacturer.name} {ranked[0].part_number}, too weak"
        shown = manufacturer or part
        lineage = self.kb.lineage(manufacturer.name) if manufacturer else []
        return Resolution(
            marking=text, manufacturer=manufacturer.name if manufacturer else None, part_number=part,
            category=category, confidence=round(confidence, 3), explanation=explanation,
            candidates=[c.as_dict() for c in ranked[:5]], tokens=[t.as_dict() for t in marking.tokens],
            reading=self.corrected_lines(marking, answer if shown else None),
            date_code=date.as_dict() if date else None, country=manufacturer.country if manufacturer else None,
            lineage=lineage, lineage_note=lineage_note(lineage, date) if manufacturer and date else None, rules=rules)


@lru_cache(maxsize=1)
def default_resolver() -> Resolver:
    return Resolver()


def resolve(text: str) -> Resolution:
    """Resolve one marking with the bundled knowledge base."""
    return default_resolver().resolve(text)
