"""Gekkio's gb-hardware-db: makers, and the part each marking parser recognises, as known parts.

A parser's display name is the maker and the part ('Sharp LH5164AN', 'NEC µPD442012A-X'); '?'
and a lower-case 'x' stand for any character and end the part there, a trailing '-X' is a variant
placeholder. Names with no letter-and-digit part (stamps, crystals, 'mask ROM') add no part.

A parser's fixed strings that are a shorter piece of its part are how the maker prints that part on
a small package ('26A' for Mitsumi MM1026A, '7W139' for Toshiba TC7W139F, 'LV2416' for TI
SN74LV2416): they become short forms.

`validation_rows` turns the parsers' real example markings into labelled rows (marking, maker,
part) in the resolver benchmark's layout: a set the rules are measured on, never written from."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from .names import ascii_upper
from .tables import Imported, read_table

SOURCE = ("gbhwdb", "Gekkio gb-hardware-db model/src/parser, commit f65dd84 (extracted tables)", "MIT")
KINDS = [("SRAM", "sram"), ("FRAM", "fram"), ("EEPROM", "eeprom"), ("flash", "nor_flash"), ("mask ROM", "mask_rom"),
         ("RTC", "rtc"), ("supervisor", "supervisor"), ("amplifier", "audio_amplifier"), ("accelerometer",
         "accelerometer"), ("inverter", "logic"), ("decoder", "logic"), ("mapper", "mapper"), ("(QFP", "ic")]
# Display names the parsers use for makers whose names the sources spell out elsewhere.
SHORT_NAMES = {"STMicro": "STMicroelectronics", "TI": "Texas Instruments", "Analog": "Analog Devices",
               "Seiko": "Seiko Instruments", "LGS": "Lucky GoldStar", "SMSC": "Standard Microsystems"}


def category_of(description: str) -> str:
    return next((c for word, c in KINDS if word in description), "ic")


def part_of(display_name: str) -> Optional[str]:
    """The part a parser's display name names, or None."""
    words = display_name.split()
    if len(words) < 2:
        return None
    token = words[-1] if len(words) == 2 else next((w for w in words[1:] if re.search(r"\d", w)), words[-1])
    if token.count("?") + token.count("x") > 1:
        return None  # 'LH538???': a family of parts, not one part
    token = re.split(r"[?x]", token, maxsplit=1)[0]
    token = re.sub(r"-X$", "", ascii_upper(token)).strip("-")
    if len(token) < 4 or not re.search(r"\d", token) or not re.search(r"[A-Z]", token):
        return None
    return token


def short_forms_of(row: dict, part: str) -> list[str]:
    """The parser's fixed strings that are a proper piece of the part, with a digit, 3 characters or more
    with a letter among them or 4 digits or more ('26A' is specific; '202' is on every other package)."""
    whole = re.sub(r"[^A-Z0-9]", "", part)
    out = []
    for literal in row["literal_strings"].split("|"):
        short = re.sub(r"[^A-Z0-9]", "", ascii_upper(literal))
        long_enough = len(short) >= 4 or (len(short) == 3 and not short.isdigit())
        if long_enough and short != whole and short in whole and re.search(r"\d", short) and short not in out:
            out.append(short)
    return out


def maker_of(row: dict, imported: Imported) -> Optional[str]:
    named = [m.strip() for m in row["manufacturers"].split(",") if m.strip()]
    display = row["display_name"].split()
    if named:
        return imported.maker(named[0], f"gbhwdb:{row['module']}", aliases=[display[0]] if display else [])
    if not display or display[0] == "Unknown":
        return None
    first = display[0] if display[0] not in ("LSI", "Mosel-Vitelic") else " ".join(display[:2])
    first = "LSI Logic" if first.startswith("LSI") else first
    return imported.maker(SHORT_NAMES.get(first, first), f"gbhwdb:{row['module']}")


def read(imported: Imported, folder: Path) -> int:
    imported.source(*SOURCE)
    extracted = folder / "extracted"
    for row in read_table(extracted / "manufacturers.tsv"):
        imported.maker(row["name"], "gbhwdb:manufacturers", aliases=[row["enum"]] if len(row["enum"]) >= 3 else [])
    before = len(imported.parts)
    for row in read_table(extracted / "parsers.tsv"):
        part = part_of(row["display_name"])
        maker = maker_of(row, imported) if part else None
        if part and maker:
            imported.part(part, maker, category_of(row["description"]), f"gbhwdb:{row['module']}")
            for short in short_forms_of(row, part):
                imported.short_form(short, part, maker, category_of(row["description"]), f"gbhwdb:{row['module']}")
    return len(imported.parts) - before


def validation_rows(imported: Imported, folder: Path, leave_out: set[str]) -> list[dict]:
    """The parsers' example markings (those not in `leave_out`) labelled with maker and part."""
    extracted = folder / "extracted"
    parsers = {r["parser"]: r for r in read_table(extracted / "parsers.tsv")}
    out = []
    for example in read_table(extracted / "examples.tsv"):
        parser = parsers.get(example["parser"])
        if parser is None or example["marking"] in leave_out:
            continue
        part = part_of(parser["display_name"])
        maker = maker_of(parser, imported) if part else None
        if part and maker:
            out.append({"marking": example["marking"], "manufacturer": maker, "part_number": part,
                        "category": category_of(parser["description"]),
                        "source": f"Gekkio/gb-hardware-db:{example['source']}"})
    return out
