"""Decoding a recognised line against what the knowledge base allows, checked on the pixels.

A CTC recognizer (PP-OCR's recognition model) gives, for each column of a text line, a probability
for every character and for 'nothing here' (the blank). Its best path is the reading the engine
reports. The knowledge base proposes other strings that a token might be (a known part number one
or two characters away, a maker's name); the recognizer's own probabilities then say how much less
likely each proposal is than what it read: the CTC likelihood of the whole line with that token
replaced, summed over every alignment (the forward algorithm). A proposal is taken only when that
cost is small (the pixels support it); a clean reading gives every other string a large cost, so a
clean reading of an unknown part stays as it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

import numpy as np
from rapidfuzz.distance import Levenshtein

# The cost (natural log of how many times less likely than the reading itself) a proposal may have:
# per changed character about the cost of a character the recognizer gave 1 in 50 of its belief,
# and never more than two such characters' worth for the line.
COST_PER_CHANGE = 4.0
MAX_COST = 8.0


@dataclass
class Lattice:
    """One recognised text box: its best-path text and the per-column character probabilities."""
    text: str
    probs: np.ndarray                 # (columns, classes), rows sum to 1; class 0 is the blank
    charset: list[str]                # class index -> character ('' for the blank)
    _columns: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def column(self, char: str) -> np.ndarray:
        """log P(char) per column, upper and lower case together (markings are read case-blind); '' is
        the blank. Computed once per box: every proposal's likelihood reuses them."""
        if char not in self._columns:
            index = _charset_index(tuple(self.charset))
            classes = {0} if char == "" else {index[c] for c in {char, char.upper(), char.lower()} if c in index}
            p = self.probs[:, sorted(classes)].sum(axis=1) if classes else np.zeros(len(self.probs))
            self._columns[char] = np.log(np.maximum(p, 1e-12))
        return self._columns[char]

    def log_likelihood(self, text: str) -> float:
        """log P(text | pixels) under CTC: every alignment of the text to the columns, summed."""
        blank = self.column("")
        ext = [blank]
        symbols = [""]
        for ch in text:
            ext += [self.column(ch), blank]
            symbols += [ch.upper(), ""]
        emissions = np.stack(ext, axis=1)           # (columns, 2 * len + 1)
        n = emissions.shape[1]
        if len(text) > len(self.probs):
            return float("-inf")
        skip = np.array([s >= 2 and symbols[s] != "" and symbols[s] != symbols[s - 2] for s in range(n)])
        alpha = np.full(n, -np.inf)
        alpha[0] = emissions[0, 0]
        if n > 1:
            alpha[1] = emissions[0, 1]
        for t in range(1, len(emissions)):
            stay = alpha
            step = np.concatenate(([-np.inf], alpha[:-1]))
            jump = np.where(skip, np.concatenate(([-np.inf, -np.inf], alpha[:-2]))[:n], -np.inf)
            alpha = np.logaddexp(np.logaddexp(stay, step), jump) + emissions[t]
        return float(np.logaddexp(alpha[-1], alpha[-2]) if n > 1 else alpha[-1])


_INDEXES: dict[tuple[str, ...], dict[str, int]] = {}


def _charset_index(charset: tuple[str, ...]) -> dict[str, int]:
    if charset not in _INDEXES:
        index: dict[str, int] = {}
        for i, c in enumerate(charset):
            if c:
                index.setdefault(c, i)
        _INDEXES[charset] = index
    return _INDEXES[charset]


@dataclass(frozen=True)
class Change:
    """A token of the reading replaced by what the knowledge base allows, and what it cost."""
    read: str           # as the recognizer read it
    taken: str          # as decoded against the knowledge base
    cost: float         # log(P(reading) / P(proposal)) on this box's pixels
    why: str            # what the knowledge base says the proposal is

    def as_dict(self) -> dict:
        return {"read": self.read, "taken": self.taken, "cost": round(self.cost, 2), "why": self.why}


TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-./]*")
Proposer = Callable[[str], Iterable[tuple[str, str]]]   # token -> (proposal, why)


def edits(a: str, b: str) -> int:
    return Levenshtein.distance(a.upper(), b.upper())


def decode_box(lattice: Lattice, propose: Proposer) -> tuple[str, list[Change]]:
    """The box's text with each token the knowledge base can explain, at a cost the pixels allow,
    replaced by that explanation; the changes made. Tokens no proposal fits stay as read."""
    text = lattice.text
    base = lattice.log_likelihood(text)
    changes: list[Change] = []
    out, last = [], 0
    for m in TOKEN.finditer(text):
        token = m.group(0)
        best: Optional[Change] = None
        for proposal, why in propose(token):
            if proposal.upper() == token.upper():
                best = None
                break  # the token already is something the knowledge base knows
            n = max(1, edits(token, proposal))
            candidate = text[:m.start()] + proposal + text[m.end():]
            cost = base - lattice.log_likelihood(candidate)
            if cost <= min(MAX_COST, COST_PER_CHANGE * n) and (best is None or cost < best.cost):
                best = Change(token, proposal, max(cost, 0.0), why)
        out.append(text[last:m.start()])
        if best is not None:
            out.append(best.taken)
            changes.append(best)
        else:
            out.append(token)
        last = m.end()
    out.append(text[last:])
    return "".join(out), changes
