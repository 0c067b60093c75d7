"""flashrom's flash chip list: flash part numbers by vendor.

Names use flashrom's shorthands: '/' separates parts that share an entry (`MX25L12805D/MX25L12835F`),
a parenthesised letter is optional (`AT49(H)F010` is AT49F010 and AT49HF010), '.' stands for any
character (`W25Q128.V`: the name is cut there). A vendor written 'Micron/Numonyx/ST' is the line of
owners, newest first: the part is recorded under the first."""
from __future__ import annotations

import itertools
import re
from pathlib import Path

from .tables import Imported, read_table

SOURCE = ("flashrom", "flashrom flashchips.c, commit b946ca1 (extracted table of the shared knowledge bundle)",
          "GPL-2.0-or-later")
NOT_VENDORS = {"Unknown", "Programmer", "Generic", "vendor"}
NOTE = re.compile(r"\s*\([A-Z]{2,}[^)]*\)$")   # a trailing note such as '(EDI)'


def expand(name: str) -> list[str]:
    """The part numbers one flashrom name stands for."""
    out = []
    for alternative in name.split("/"):
        alternative = NOTE.sub("", alternative.strip())
        pieces = re.split(r"\(([A-Z0-9]{1,3})\)", alternative)
        optional = pieces[1::2]
        for chosen in itertools.product(*[("", o) for o in optional]):
            text = "".join(p + (chosen[i] if i < len(chosen) else "") for i, p in enumerate(pieces[0::2]))
            text = text.split(".", 1)[0].split(" ", 1)[0]
            if len(text) >= 4 and re.search(r"\d", text):
                out.append(text.upper())
    return out


def category_of(bustype: str, name: str) -> str:
    if "SPI" in bustype:
        return "nor_flash"
    return "eeprom" if name.startswith(("AT28", "CAT28")) else "nor_flash"


def read(imported: Imported, folder: Path) -> int:
    imported.source(*SOURCE)
    before = len(imported.parts)
    for row in read_table(folder / "extracted" / "flashchips.tsv"):
        vendor = row["vendor"].split("/")[0].strip()
        if vendor in NOT_VENDORS or not vendor:
            continue
        maker = imported.maker(vendor, "flashrom:flashchips.c")
        for part in expand(row["name"]):
            imported.part(part, maker, category_of(row["bustype"], part), "flashrom:flashchips.c")
    return len(imported.parts) - before
