"""JEDEC JEP106 manufacturer names (as transcribed by i2c-tools' decode-dimms): the companies that
have a JEDEC ID. A name's bracketed history ('(former Toshiba Memory Corporation)') names an
earlier company, not another name of this one, and is left out."""
from __future__ import annotations

import re
from pathlib import Path

from .tables import Imported, read_table

SOURCE = ("jep106", "JEP106 maker list from Debian i2c-tools 4.3-2+b3 decode-dimms", "GPL-2.0-or-later")


def read(imported: Imported, folder: Path) -> int:
    imported.source(*SOURCE)
    before = len(imported.makers)
    for row in read_table(folder / "extracted" / "jep106.tsv"):
        name = re.sub(r"\s*\(.*?\)\s*", " ", row["name"]).strip(" .")
        if len(name) >= 3 and not name.isdigit():
            imported.maker(name, f"jep106:bank{row['bank']}")
    return len(imported.makers) - before
