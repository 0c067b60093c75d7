"""OCR confusions and confusion-tolerant pattern matching.

Chip markings are read by OCR engines that confuse 0/O/D/Q, 1/I/L, 5/S, 8/B,
2/Z, 6/G and U/V. A family pattern such as ``CH395[QLT]`` is compiled into a
*tolerant* regex in which every single-character position also accepts the
characters OCR mistakes for it, each in its own capture group. After a match
we know, position by position, which characters had to be repaired and what
each repair costs; the repaired token is then matched strictly.

Costs are weights in [0, 1] per substitution: common confusions are cheap,
rarer ones dearer. They feed the candidate's confidence.
"""
from __future__ import annotations

import math
import os
import re
import re._constants as C
import re._parser as P
from dataclasses import dataclass
from functools import lru_cache

# (a, b, cost): OCR reads `a` where `b` is printed, and vice versa.
CONFUSION_PAIRS: list[tuple[str, str, float]] = [
    ("0", "O", 0.15), ("0", "D", 0.35), ("0", "Q", 0.35), ("O", "D", 0.35), ("O", "Q", 0.3),
    ("1", "I", 0.15), ("1", "L", 0.3), ("I", "L", 0.3), ("1", "T", 0.5), ("1", "7", 0.5),
    ("5", "S", 0.25), ("8", "B", 0.25), ("2", "Z", 0.3), ("6", "G", 0.35), ("U", "V", 0.35),
    ("M", "N", 0.45), ("N", "H", 0.45), ("M", "H", 0.5), ("4", "A", 0.5), ("9", "G", 0.5),
    ("C", "G", 0.45), ("E", "F", 0.45), ("K", "X", 0.5), ("3", "8", 0.5), ("0", "C", 0.5),
    ("6", "B", 0.5), ("6", "8", 0.5), ("5", "8", 0.5), ("7", "Z", 0.5), ("J", "3", 0.5), ("J", "1", 0.5), ("P", "R", 0.5), ("Y", "V", 0.5), ("W", "VV", 0.0),
]
CONFUSION_COST: dict[tuple[str, str], float] = {}
for _a, _b, _cost in CONFUSION_PAIRS:
    if len(_a) == len(_b) == 1:
        CONFUSION_COST[(_a, _b)] = CONFUSION_COST[(_b, _a)] = _cost

CONFUSABLE: dict[str, set[str]] = {}
for (_a, _b) in CONFUSION_COST:
    CONFUSABLE.setdefault(_a, set()).add(_b)

# One representative per confusion class, for fast prefiltering of candidates.
FOLD = str.maketrans({"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "S": "5", "B": "8",
                      "Z": "2", "G": "6", "V": "U", "Y": "U"})


def fold(text: str) -> str:
    return text.upper().translate(FOLD)


# Lower-case letters OCR takes for one another in a maker's logo type ('winhond' for winbond,
# 'Vishoy' for Vishay): the stroke that tells them apart is a few pixels. (read, printed, cost).
LOWER_CASE_PAIRS: list[tuple[str, str, float]] = [
    ("h", "b", 0.35), ("h", "n", 0.35), ("o", "a", 0.4), ("c", "e", 0.4), ("i", "l", 0.2), ("t", "f", 0.5),
    ("u", "n", 0.5), ("r", "n", 0.5),
]
LOWER_CASE_COST: dict[tuple[str, str], float] = {}
for _a, _b, _cost in LOWER_CASE_PAIRS:
    LOWER_CASE_COST[(_a, _b)] = LOWER_CASE_COST[(_b, _a)] = _cost


def name_slip_cost(read: str, name: str, budget: float) -> float:
    """What it costs to read the upper-case name `name` as `read` (as printed, case kept, same length):
    an OCR confusion of the character's case is cheap, any other substitution costs 1. Stops counting
    past `budget`."""
    cost = 0.0
    for r, n in zip(read, name):
        up = r.upper()
        if up == n:
            continue
        if r.islower():
            cost += min(LOWER_CASE_COST.get((r, n.lower()), 1.0), CONFUSION_COST.get((up, n), 1.0))
        else:
            cost += CONFUSION_COST.get((up, n), 1.0)
        if cost > budget:
            break
    return cost


def substitution_cost(read: str, printed: str) -> float:
    if read == printed:
        return 0.0
    return CONFUSION_COST.get((read, printed), 1.0)


def repair_cost(read: str, printed: str) -> float:
    """What it costs to read `printed` as `read`, character by character (same positions)."""
    return sum(substitution_cost(a, b) for a, b in zip(read, printed))


class TolerantPattern:
    """A family pattern compiled strictly and tolerantly. The regex sources are made when the
    knowledge base is built (and kept in its start-up cache); the regexes themselves are compiled
    the first time a marking needs them, so start-up does not pay for patterns no marking reaches."""
    __slots__ = ("strict_src", "tolerant_src", "lazy_src", "expected", "prefix", "literals", "starts",
                 "starts3", "min_len", "max_len", "positional", "_compiled")

    def __init__(self, strict_src: str, tolerant_src: str, expected: tuple[frozenset[str], ...], lazy_src: str,
                 prefix: str, literals: float, starts: frozenset[str] | None, starts3: frozenset[str] | None,
                 min_len: int = 0, max_len: int = 1 << 30, positional: tuple[int, ...] = ()) -> None:
        self.strict_src, self.tolerant_src, self.lazy_src = strict_src, tolerant_src, lazy_src
        self.expected = expected            # per tolerant position group, the characters the pattern accepts
        self.prefix = prefix                # literal characters every match starts with
        self.literals = literals            # fixed-character equivalents in any match (specificity)
        self.starts = starts                # possible first two characters, None if unbounded
        self.starts3 = starts3              # possible first three characters (lost-first-character lookups)
        self.min_len, self.max_len = min_len, max_len   # shortest and longest text a match can have
        self.positional = positional        # group numbers of the per-character positions, in order
        self._compiled: tuple[re.Pattern, re.Pattern, re.Pattern] | None = None

    def __getstate__(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__ if k != "_compiled"}

    def __setstate__(self, state: dict) -> None:
        for key, value in state.items():
            setattr(self, key, value)
        self._compiled = None

    def _compile(self) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
        if self._compiled is None:
            self._compiled = (re.compile(self.strict_src), re.compile(self.tolerant_src), re.compile(self.lazy_src))
        return self._compiled

    @property
    def strict(self) -> re.Pattern:
        return self._compile()[0]

    @property
    def tolerant(self) -> re.Pattern:
        return self._compile()[1]

    @property
    def tolerant_lazy(self) -> re.Pattern:
        return self._compile()[2]


@dataclass(frozen=True)
class Repair:
    text: str          # the repaired token
    cost: float        # summed substitution costs
    changes: int       # number of characters changed


def _chars_of(items) -> frozenset[str]:
    """The set of characters an IN/LITERAL/CATEGORY node accepts (upper-case ASCII alnum)."""
    out: set[str] = set()
    for op, av in items:
        if op is C.LITERAL:
            out.add(chr(av))
        elif op is C.RANGE:
            out.update(chr(c) for c in range(av[0], av[1] + 1))
        elif op is C.CATEGORY and av is C.CATEGORY_DIGIT:
            out.update("0123456789")
        else:
            raise ValueError(f"unsupported class item {op}")
    return frozenset(out)


def _class_regex(chars: frozenset[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


class _Builder:
    def __init__(self, lazy: bool = False) -> None:
        self.expected: list[frozenset[str]] = []
        self.lazy = lazy  # optional copies matched as few as possible: a second alignment
        self.groups = 0   # capturing groups opened so far: their numbers, in the order the regex has them
        self.positional: list[int] = []

    def position(self, accepted: frozenset[str]) -> str:
        widened = set(accepted)
        for ch in accepted:
            widened |= CONFUSABLE.get(ch, set())
        self.expected.append(accepted)
        self.groups += 1
        self.positional.append(self.groups)
        return "(" + _class_regex(frozenset(widened)) + ")"

    def render(self, items, tolerant: bool) -> str:
        out = []
        for op, av in items:
            out.append(self.node(op, av, tolerant))
        return "".join(out)

    def node(self, op, av, tolerant: bool) -> str:
        if op is C.LITERAL:
            ch = chr(av)
            return self.position(frozenset(ch)) if tolerant and ch.isalnum() else re.escape(ch)
        if op is C.IN:
            if av and av[0][0] is C.NEGATE:
                raise ValueError("negated classes are not supported in family patterns")
            chars = _chars_of(av)
            return self.position(chars) if tolerant else _class_regex(chars)
        if op is C.SUBPATTERN:
            group, _add, _del, sub = av
            if group is not None:
                self.groups += 1  # numbered at its opening parenthesis, before the groups inside it
            inner = self.render(sub, tolerant)
            return f"(?:{inner})" if group is None else f"(?P<{self.names[group]}>{inner})"
        if op is C.BRANCH:
            return "(?:" + "|".join(self.render(b, tolerant) for b in av[1]) + ")"
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            low, high, sub = av
            if high is C.MAXREPEAT or high > 12 or not tolerant:
                # Unbounded repeats stay strict: they are free-form suffixes.
                body = self.render(sub, False)
                high_s = "" if high is C.MAXREPEAT else str(high)
                return f"(?:{body}){{{low},{high_s}}}"
            parts = [self.render(sub, True) for _ in range(low)]
            optional = "".join(f"(?:{self.render(sub, True)}" for _ in range(high - low))
            return "".join(parts) + optional + (")??" if self.lazy else ")?") * (high - low)
        if op is C.AT:
            return {C.AT_BEGINNING: "^", C.AT_END: "$", C.AT_BOUNDARY: r"\b"}[av]
        if op is C.ANY:
            return "."
        if op is C.CATEGORY:
            return r"\d" if av is C.CATEGORY_DIGIT else r"\w"
        raise ValueError(f"unsupported regex construct {op}")


def _literal_prefix(items) -> str:
    """The literal text every match starts with (the common prefix of alternatives)."""
    prefix = ""
    for op, av in items:
        if op is C.LITERAL:
            prefix += chr(av)
            continue
        if op is C.SUBPATTERN:
            inner, complete = _literal_prefix(av[3]), _all_literal(av[3])
        elif op is C.BRANCH:
            alternatives = [_literal_prefix(b) for b in av[1]]
            inner, complete = os.path.commonprefix(alternatives), False
        else:
            break
        prefix += inner
        if not complete:
            break
    return prefix


def _all_literal(items) -> bool:
    return all(op is C.LITERAL or (op is C.SUBPATTERN and _all_literal(av[3])) for op, av in items)


def first_strings(items, n: int = 2, limit: int = 600) -> set[str] | None:
    """Every string of the first `n` characters a match can start with, or None when too many.

    Used to index forms by their first two characters, alternatives included.
    """
    partial: set[str] = {""}

    def extend(prefixes: set[str], nodes) -> set[str] | None:
        for op, av in nodes:
            done = {p for p in prefixes if len(p) >= n}
            todo = prefixes - done
            if not todo:
                return prefixes
            if op is C.LITERAL:
                todo = {p + chr(av) for p in todo}
            elif op is C.IN:
                chars = _chars_of(av)
                todo = {p + c for p in todo for c in chars}
            elif op is C.SUBPATTERN:
                todo = extend(todo, av[3])
            elif op is C.BRANCH:
                out: set[str] = set()
                for branch in av[1]:
                    got = extend(set(todo), branch)
                    if got is None:
                        return None
                    out |= got
                todo = out
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
                low, high, sub = av
                out = set(todo) if low == 0 else set()
                current = set(todo)
                for count in range(1, min(high, n) + 1):
                    current = extend(current, sub)
                    if current is None:
                        return None
                    if count >= low:
                        out |= current
                if low > n:
                    out |= current
                todo = out
            else:
                return None
            if todo is None or len(todo) > limit:
                return None
            prefixes = done | todo
        return prefixes

    result = extend(partial, items)
    return None if result is None or "" in result else result


ALPHABET = 36  # A-Z and 0-9


def literal_count(items) -> float:
    """How specific a pattern is, in fixed-character equivalents: each position any match must
    have contributes log(36 / accepted characters) / log(36), so a literal counts 1, a digit class
    0.36 and [A-Z] 0.09."""
    total = 0.0
    for op, av in items:
        if op is C.LITERAL:
            total += 1.0
        elif op is C.IN:
            chars = len(_chars_of(av))
            total += math.log(ALPHABET / max(1, min(chars, ALPHABET))) / math.log(ALPHABET)
        elif op is C.SUBPATTERN:
            total += literal_count(av[3])
        elif op is C.BRANCH:
            total += min(literal_count(b) for b in av[1])
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            total += av[0] * literal_count(av[2])
    return total


@lru_cache(maxsize=None)
def compile_tolerant(pattern: str) -> TolerantPattern:
    """Make a family pattern's strict and tolerant regex sources (upper-case, full-token); the regexes
    compile on first use."""
    parsed = P.parse(pattern)
    names = {v: k for k, v in parsed.state.groupdict.items()}
    strict_builder = _Builder()
    strict_builder.names = names
    strict_src = strict_builder.render(parsed, tolerant=False)
    builder = _Builder()
    builder.names = names
    tolerant_src = builder.render(parsed, tolerant=True)
    lazy_builder = _Builder(lazy=True)
    lazy_builder.names = names
    lazy_src = lazy_builder.render(parsed, tolerant=True)
    return TolerantPattern(strict_src, tolerant_src, tuple(builder.expected), lazy_src,
                           _literal_prefix(parsed), literal_count(parsed),
                           _frozen(first_strings(parsed)), _frozen(first_strings(parsed, 3, 2000)),
                           *parsed.getwidth(), tuple(builder.positional))


@lru_cache(maxsize=8192)
def _best_repair(read: str, accepted: frozenset[str]) -> tuple[str, float]:
    """The printed character OCR most likely misread as `read`, among those the pattern accepts."""
    best = min(sorted(accepted), key=lambda printed: substitution_cost(read, printed))
    return best, substitution_cost(read, best)


def _frozen(strings: set[str] | None) -> frozenset[str] | None:
    return frozenset(strings) if strings is not None else None


def match_tolerant(pattern: TolerantPattern, token: str) -> Repair | None:
    """Full-match `token` against the pattern, repairing OCR confusions; None if no match.

    Two alignments are tried (optional parts greedy, then lazy) and the cheaper repair wins.
    """
    if not pattern.min_len <= len(token) <= pattern.max_len:
        return None
    if pattern.strict.fullmatch(token):
        return Repair(token, 0.0, 0)
    m = pattern.tolerant.fullmatch(token)
    if not m:
        return None
    first = _repair(pattern, token, m)
    if first is not None and first.cost == 0:
        return first
    m_lazy = pattern.tolerant_lazy.fullmatch(token)
    second = _repair(pattern, token, m_lazy) if m_lazy else None
    options = [r for r in (first, second) if r is not None]
    return min(options, key=lambda r: r.cost) if options else None


def search_tolerant(pattern: TolerantPattern, text: str) -> tuple[re.Match, Repair] | None:
    """Find the pattern anywhere in `text` (a whole marking), repairing OCR confusions in the match."""
    m = pattern.strict.search(text)
    if m:
        return m, Repair(m.group(0), 0.0, 0)
    loose = pattern.tolerant.search(text)
    if not loose:
        return None
    repaired = _repair(pattern, text, loose, span=loose.span())
    if repaired is None:
        return None
    fixed = text[:loose.start()] + repaired.text + text[loose.end():]
    m = pattern.strict.search(fixed, loose.start())
    return (m, repaired) if m else None


def confusable_neighbour(reading: str, known: tuple[str, ...], budget: float = 0.5) -> str | None:
    """A known part, other than the one read, that one cheap OCR confusion turns into this reading
    (GC2083 for GC2053, SSC337DF for SSC337DE): the reading cannot tell them apart."""
    for k in known:
        length = min(len(reading), len(k))
        head, other = reading[:length], k[:length]
        if head == other:
            continue
        cost = 0.0
        for read, printed in zip(head, other):
            if read != printed:
                cost += CONFUSION_COST.get((read, printed), 9.0)
                if cost > budget:
                    break
        if cost <= budget:
            return k
    return None


def one_confusion_variants(reading: str, budget: float = 0.5) -> list[str]:
    """What the chip may have printed where OCR read `reading`, one cheap confusion away (NX711 for HX711)."""
    return [reading[:i] + printed + reading[i + 1:] for i, ch in enumerate(reading)
            for (read, printed), cost in CONFUSION_COST.items() if read == ch and cost <= budget]


def nearest_known(part: str, known: tuple[str, ...]) -> tuple[str, float] | None:
    """The known part an OCR confusion most cheaply turns into `part` (same length), with its cost."""
    best: tuple[str, float] | None = None
    for candidate in known:
        if len(candidate) > len(part) or candidate == part[:len(candidate)]:
            continue
        head = part[:len(candidate)]
        cost = 0.0
        for read, printed in zip(head, candidate):
            if read != printed:
                cost += CONFUSION_COST.get((read, printed), 9.0)
                if cost > 0.8:
                    break
        if cost <= 0.8 and (best is None or cost < best[1]):
            best = (candidate + part[len(candidate):], cost)
    return best


def _repair(pattern: TolerantPattern, token: str, m: re.Match,
            span: tuple[int, int] | None = None) -> Repair | None:
    chars = list(token)
    cost = 0.0
    changes = 0
    for group, accepted in zip(pattern.positional, pattern.expected):
        start = m.start(group)
        if start < 0:
            continue
        ch = token[start]
        if ch in accepted:
            continue
        best, step = _best_repair(ch, accepted)
        cost += step
        changes += 1
        chars[start] = best
    # More than one repair per four characters is guessing, not reading.
    start, end = span or (0, len(token))
    if changes > max(1, (end - start) // 4):
        return None
    repaired = "".join(chars)
    if span is not None:
        return Repair(repaired[start:end], cost, changes)
    if not pattern.strict.fullmatch(repaired):
        return None
    return Repair(repaired, cost, changes)
