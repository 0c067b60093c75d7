"""Two devices' bills of materials side by side: two revisions of a camera, or two makers' cameras.

A part is its maker and part number (case and separators aside: 'MX25L12835F' and 'mx25l12835f' are
one part); components not identified yet are counted, not compared. Parts are in both devices, or
only in one; a designator both devices use for different parts (U3 an MX25L12835F in one, a
W25Q128JV in the other) is a change, reported as well as the parts' being only in one. Suppliers are
compared by name the same way.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Optional

from .lines import ComponentLine

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def part_key(line: ComponentLine) -> Optional[tuple[str, str]]:
    if not line.part_number:
        return None
    return (line.manufacturer or "", _NOT_ALNUM.sub("", line.part_number.upper()))


def _parts(lines: Iterable[ComponentLine]) -> tuple[dict[tuple[str, str], ComponentLine], Counter]:
    first: dict[tuple[str, str], ComponentLine] = {}
    count: Counter = Counter()
    for line in lines:
        key = part_key(line)
        if key is not None:
            first.setdefault(key, line)
            count[key] += 1
    return first, count


def _part(line: ComponentLine, **counts: int) -> dict:
    return {"part_number": line.part_number, "manufacturer": line.manufacturer, "country": line.country,
            "category": line.category, **counts}


def compare_lines(a: list[ComponentLine], b: list[ComponentLine]) -> dict:
    """What two devices' lines have in common and what differs, as plain data (parts sorted by maker
    and part number)."""
    parts_a, count_a = _parts(a)
    parts_b, count_b = _parts(b)
    order = sorted(set(parts_a) | set(parts_b))
    both = [_part(parts_a[k], count_a=count_a[k], count_b=count_b[k]) for k in order if k in parts_a and k in parts_b]
    only_a = [_part(parts_a[k], count=count_a[k]) for k in order if k in parts_a and k not in parts_b]
    only_b = [_part(parts_b[k], count=count_b[k]) for k in order if k in parts_b and k not in parts_a]
    by_designator_a = {line.designator: line for line in a if line.designator and part_key(line)}
    changed = []
    for line in b:
        before = by_designator_a.get(line.designator) if line.designator else None
        if before is not None and part_key(line) and part_key(line) != part_key(before):
            changed.append({"designator": line.designator,
                            "a": {"part_number": before.part_number, "manufacturer": before.manufacturer},
                            "b": {"part_number": line.part_number, "manufacturer": line.manufacturer}})
    changed.sort(key=lambda c: c["designator"])
    makers_a = {line.manufacturer for line in a if line.manufacturer}
    makers_b = {line.manufacturer for line in b if line.manufacturer}
    return {"parts": {"both": both, "only_a": only_a, "only_b": only_b}, "changed": changed,
            "suppliers": {"both": sorted(makers_a & makers_b, key=str.casefold),
                          "only_a": sorted(makers_a - makers_b, key=str.casefold),
                          "only_b": sorted(makers_b - makers_a, key=str.casefold)},
            "unidentified": {"a": sum(1 for line in a if not part_key(line)),
                             "b": sum(1 for line in b if not part_key(line))}}
