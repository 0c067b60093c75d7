"""iTXTech FlashDetector and fdnext: NAND, DRAM and managed-NAND part numbers by maker, and the
codes printed on packages instead of the part number (Micron FBGA codes such as NW101, SpecTek PF
codes, Micron DRAM codes such as D9BCS).

A part number beginning with its maker's usual prefix left off (FlashDetector lists Intel's and
Micron's NAND both as `29F...` and `MT29F...`) is kept only in its full form: the short one is the
maker's convention, which the curated families express."""
from __future__ import annotations

import json
import re
from pathlib import Path

from .tables import Imported

SOURCES = [("flashdetector", "iTXTech FlashDetector fdb.json / mdb.json, commit 2e30f53", "AGPL-3.0"),
           ("fdnext", "iTXTech fdnext dram-pn / managed-nand-pn / mdb-dram, commits 5296c22 and 20e2943",
            "AGPL-3.0-or-later")]
# The projects' own vendor keys -> the makers' names.
VENDORS = {"samsung": "Samsung Electronics", "skhynix": "SK hynix", "intel": "Intel", "micron": "Micron Technology",
           "westerndigital": "Western Digital", "sndk": "SanDisk", "kioxia": "Kioxia", "powerchip": "Powerchip",
           "pfc": "Powerchip", "spectek": "SpecTek", "stm": "STMicroelectronics", "st": "STMicroelectronics",
           "mxic": "Macronix International", "ymtc": "YMTC", "renesas": "Renesas Electronics",
           "memoright": "Memoright", "infineon": "Infineon Technologies", "spansion": "Spansion",
           "numonyx": "Numonyx", "septeck": "SpecTek", "winbond": "Winbond Electronics", "mira": "Mira",
           "fidelix": "Fidelix", "smic": "SMIC", "ato": "ATO Solution", "nanya": "Nanya Technology",
           "elpida": "Elpida Memory", "cxmt": "CXMT", "longsys": "Longsys", "kingston": "Kingston Technology",
           "biwin": "BIWIN"}
PART = re.compile(r"^[A-Z0-9][A-Z0-9\-]{3,}$")


def clean(part: str) -> str:
    """A part number without FlashDetector's annotations: die revision after ':', a parenthesis, a
    sample qualifier after a space."""
    part = part.split(":", 1)[0].split("(", 1)[0].strip()
    return part.split(" ", 1)[0].upper()


def read(imported: Imported, flashdetector: Path, fdnext: Path) -> int:
    for source in SOURCES:
        imported.source(*source)
    before = len(imported.parts) + len(imported.codes)
    fdb = json.loads((flashdetector / "FlashDetector" / "resources" / "fdb.json").read_text(encoding="utf-8"))
    for vendor, parts in fdb.items():
        if vendor in ("info", "iddb") or vendor not in VENDORS:
            continue
        maker = imported.maker(VENDORS[vendor], "flashdetector:fdb.json")
        for part in parts:
            part = clean(part)
            if PART.match(part) and not (vendor in ("intel", "micron") and part.startswith("29F")):
                imported.part(part, maker, "nand_flash", "flashdetector:fdb.json")
    for entry in fdb.get("iddb", {}).values():  # the parts that answer each flash ID ('samsung K9DUGY8H5A')
        for named in entry.get("n", []):
            vendor, _, part = named.partition(" ")
            part = clean(part)
            if vendor in VENDORS and PART.match(part) and not (vendor in ("intel", "micron") and part.startswith("29F")):
                imported.part(part, imported.maker(VENDORS[vendor], "flashdetector:fdb.json"), "nand_flash",
                              "flashdetector:fdb.json")
    mdb = json.loads((flashdetector / "FlashDetector" / "resources" / "mdb.json").read_text(encoding="utf-8"))
    micron = imported.maker("Micron Technology", "flashdetector:mdb.json")
    for code, part in mdb.get("micron", {}).items():
        imported.code(code, clean(part), micron, "flashdetector:mdb.json")
        imported.part(clean(part), micron, "nand_flash", "flashdetector:mdb.json")
    spectek = imported.maker("SpecTek", "flashdetector:mdb.json")
    for code, parts in mdb.get("spectek", {}).items():
        if parts:
            imported.code(code, clean(parts[0]), spectek, "flashdetector:mdb.json")
    resources = fdnext / "packages" / "resources" / "resources"
    for entry in json.loads((resources / "dram-pn.json").read_text(encoding="utf-8")):
        if entry.get("vendor") in VENDORS:
            imported.part(clean(entry["pn"]), imported.maker(VENDORS[entry["vendor"]], "fdnext:dram-pn.json"),
                          "dram", "fdnext:dram-pn.json")
    managed = json.loads((resources / "managed-nand-pn.json").read_text(encoding="utf-8"))
    for entry in managed.get("entries", managed if isinstance(managed, list) else []):
        if entry.get("vendor") in VENDORS:
            kind = (entry.get("type") or "emmc").lower()
            imported.part(clean(entry["pn"]), imported.maker(VENDORS[entry["vendor"]], "fdnext:managed-nand-pn.json"),
                          kind, "fdnext:managed-nand-pn.json")
    for entry in json.loads((resources / "mdb-dram.json").read_text(encoding="utf-8")):
        imported.code(entry["code"], clean(entry["pn"]), micron, "fdnext:mdb-dram.json")
        imported.part(clean(entry["pn"]), micron, "dram", "fdnext:mdb-dram.json")
    return len(imported.parts) + len(imported.codes) - before
