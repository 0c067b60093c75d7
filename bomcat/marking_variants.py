"""How the same chip's marking arrives in other shapes, for `bomcat bench resolver --variants`: a
lot or trace line printed above the logo, date and lot lines under the part number, the maker's
logo read by OCR with one character mistaken for a look-alike, and the package and grade letters
after a part number's digits on a line of their own (as Analog Devices and Maxim print
'AD620 | ARZ'). Each variant is made from a labelled row with a seeded generator, so a set's rows
and its variants are scored the same way; the answer must not change. The look-alikes below are written from how OCR engines misread printed type, not
taken from the resolver's own confusion table (which would only test that table against itself)."""
from __future__ import annotations

import random
import re
from typing import Callable, Optional

LOT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
LOOK_ALIKES = {
    "o": "0", "O": "0", "l": "1", "I": "1", "b": "h", "n": "h", "i": "l", "e": "c", "a": "o", "B": "8",
    "S": "5", "D": "0", "E": "F", "C": "G", "N": "H", "M": "N", "T": "I", "G": "C", "R": "P", "A": "4",
    "H": "N", "Z": "2",
}


def _lot(rng: random.Random) -> str:
    return "".join(rng.choice(LOT_ALPHABET) for _ in range(rng.choice((5, 6, 7, 8))))


def _date(rng: random.Random) -> str:
    return f"{rng.randint(5, 24):02d}{rng.randint(1, 52):02d}"


def lot_above(marking: str, rng: random.Random) -> Optional[str]:
    return f"{_lot(rng)} | {marking}"


def date_and_lot_below(marking: str, rng: random.Random) -> Optional[str]:
    return f"{marking} | {_date(rng)} | {_lot(rng)}"


def logo_slip(marking: str, rng: random.Random) -> Optional[str]:
    """One look-alike in the first line when that line is a word of five or more letters (a logo)."""
    first, sep, rest = marking.partition(" | ")
    if not sep or len(first) < 5 or sum(c.isalpha() for c in first) < len(first.replace(" ", "")):
        return None
    places = [i for i, c in enumerate(first) if c in LOOK_ALIKES]
    if not places:
        return None
    i = rng.choice(places)
    return f"{first[:i]}{LOOK_ALIKES[first[i]]}{first[i + 1:]}{sep}{rest}"


_LETTER_TAIL = re.compile(r"^(.*\d)([A-Z]{2,4})$")


def ordering_letters_below(marking: str, rng: random.Random) -> Optional[str]:
    """The package and grade letters after a part number's last digit on a line of their own."""
    *head, last = marking.split(" | ")
    m = _LETTER_TAIL.match(last)
    if m is None or len(m.group(1)) < 4:
        return None
    return " | ".join([*head, m.group(1), m.group(2)])


VARIANTS: dict[str, Callable[[str, random.Random], Optional[str]]] = {
    "lot above": lot_above, "date and lot below": date_and_lot_below, "logo slip": logo_slip,
    "ordering letters below": ordering_letters_below,
}


def variant_rows(rows: list[dict], name: str, seed: int = 1) -> list[dict]:
    """The rows the named variant applies to, each with its marking changed and its answer kept."""
    rng = random.Random(f"{seed}:{name}")
    out = []
    for row in rows:
        changed = VARIANTS[name](row["marking"], rng)
        if changed is not None:
            out.append({**row, "marking": changed})
    return out
