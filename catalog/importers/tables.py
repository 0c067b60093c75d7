"""What importers produce, and how it is written: plain TSV files in `catalog/knowledge/imported/`.

Every file starts with comment lines naming each source it was derived from and that source's
licence; every row's `source` column names one of them (`kicad:Memory_Flash` = the KiCad symbol
library Memory_Flash). Facts only: part numbers, makers, patterns and codes, never code or prose.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from .names import NameIndex, display_name

FILES = {"makers": ("name", "aliases", "country", "source"),
         "parts": ("part", "manufacturer", "category", "source"),
         "patterns": ("manufacturer", "category", "regex", "source"),
         "codes": ("code", "part", "manufacturer", "source"),
         "short_forms": ("short", "part", "manufacturer", "category", "source"),
         "prefixes": ("prefix", "manufacturer", "parts", "share", "source")}


@dataclass(frozen=True)
class Source:
    key: str          # the prefix rows use, e.g. 'kicad'
    what: str         # the material, its version or commit
    licence: str


@dataclass
class Imported:
    """Rows of every table, and the sources they name."""
    names: NameIndex
    sources: dict[str, Source] = field(default_factory=dict)
    makers: dict[str, dict] = field(default_factory=dict)      # canonical name -> row
    parts: dict[tuple[str, str], dict] = field(default_factory=dict)   # (part, maker) -> row
    patterns: dict[tuple[str, str], dict] = field(default_factory=dict)  # (regex, maker) -> row
    codes: dict[str, dict] = field(default_factory=dict)       # code -> row
    short_forms: dict[tuple[str, str], dict] = field(default_factory=dict)  # (short, maker) -> row
    prefixes: dict[str, dict] = field(default_factory=dict)    # series prefix -> row (derived from parts)

    def source(self, key: str, what: str, licence: str) -> None:
        self.sources[key] = Source(key, what, licence)

    def maker(self, name: str, source: str, aliases: Iterable[str] = (), country: Optional[str] = None) -> str:
        """The canonical name for a source's maker name: a curated maker's, or a new maker's (recorded
        with its aliases the first time a source names it)."""
        name = display_name(name.split("/")[0])  # 'Fairchild/ON Semi': the first is the maker
        found = self.names.find(name) or next((c for a in aliases if (c := self.names.find(a))), None)
        if found is not None:
            return found
        self.names.add(name, aliases)
        row = self.makers.setdefault(name, {"name": name, "aliases": [], "country": country or "", "source": source})
        for alias in aliases:
            alias = " ".join(alias.split())
            if alias and alias != name and alias not in row["aliases"]:
                row["aliases"].append(alias)
        return name

    def part(self, part: str, maker: str, category: str, source: str) -> None:
        part = part.strip().upper()
        if len(part) >= 3 and any(c.isdigit() for c in part):
            self.parts.setdefault((part, maker), {"part": part, "manufacturer": maker, "category": category,
                                                  "source": source})

    def pattern(self, regex: str, maker: str, category: str, source: str) -> None:
        self.patterns.setdefault((regex, maker), {"manufacturer": maker, "category": category, "regex": regex,
                                                  "source": source})

    def code(self, code: str, part: str, maker: str, source: str) -> None:
        self.codes.setdefault(code.upper(), {"code": code.upper(), "part": part, "manufacturer": maker,
                                             "source": source})

    def short_form(self, short: str, part: str, maker: str, category: str, source: str) -> None:
        """How a maker prints a part on a small package ('26A' for Mitsumi MM1026A), as a source records it."""
        self.short_forms.setdefault((short.upper(), maker), {"short": short.upper(), "part": part, "manufacturer": maker,
                                                             "category": category, "source": source})

    def derive_prefixes(self, min_parts: int = 4, min_share: float = 0.9) -> None:
        """Series prefixes: the letters before a part number's first digit (MAX, LTC, ATMEGA, LMR). A
        prefix whose known parts nearly all come from one maker (and its line: the names are as the
        sources give them) is that maker's convention, and names it for parts no table lists."""
        import re
        from collections import Counter
        counts: dict[str, Counter] = {}
        for (part, maker), row in self.parts.items():
            m = re.match(r"([A-Z]{2,6})\d", part)
            if m:
                counts.setdefault(m.group(1), Counter())[maker] += 1
        for prefix, makers in counts.items():
            total = sum(makers.values())
            maker, top = makers.most_common(1)[0]
            if total >= min_parts and top / total >= min_share:
                self.prefixes[prefix] = {"prefix": prefix, "manufacturer": maker, "parts": str(top),
                                         "share": f"{top / total:.2f}", "source": "derived:parts.tsv"}

    def counts(self) -> dict[str, int]:
        return {"makers": len(self.makers), "parts": len(self.parts), "patterns": len(self.patterns),
                "codes": len(self.codes), "short_forms": len(self.short_forms), "prefixes": len(self.prefixes)}


def write_tables(imported: Imported, out: Path) -> dict[str, Path]:
    """One TSV per table, rows sorted, each headed by the sources its rows name."""
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    imported.source("derived", "counted by the importer from the parts table (the sources named there)",
                    "as the parts' sources")
    tables = {"makers": imported.makers.values(), "parts": imported.parts.values(),
              "patterns": imported.patterns.values(), "codes": imported.codes.values(),
              "short_forms": imported.short_forms.values(),
              "prefixes": imported.prefixes.values()}
    for table, rows in tables.items():
        columns = FILES[table]
        rows = sorted(rows, key=lambda r: tuple(str(r[c]) for c in columns))
        used = sorted({r["source"].split(":", 1)[0] for r in rows})
        buf = io.StringIO()
        buf.write(f"# bomcat knowledge: {table}, derived by `bomcat knowledge import` (catalog/importers/).\n")
        buf.write("# Facts only (part numbers, makers, patterns, codes). The `source` column names one of:\n")
        for key in used:
            s = imported.sources[key]
            buf.write(f"# source {key}: {s.what}; licence {s.licence}\n")
        writer = csv.writer(buf, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([";".join(row[c]) if isinstance(row[c], list) else row[c] for c in columns])
        path = out / f"{table}.tsv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        written[table] = path
    return written


def read_table(path: Path) -> list[dict]:
    """Rows of a tab-separated table with a header row: the sources' extracted tables and the imported
    ones (whose comment lines are skipped)."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))
