"""Importers: facts derived from openly licensed reference material into the knowledge base's
`imported/` tables (makers, known parts, part-number patterns, package codes). One module per source;
each names the source and its licence in every row it writes (`tables.py`).

    bomcat knowledge import [--shared ../shared/knowledge] [--kicad /usr/share/kicad/symbols]

The curated files (`catalog/knowledge/*.toml`) stay the authority: an imported maker that is a
curated one under another spelling is recorded under the curated name; new makers are added."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from . import cantara, flashdetector, flashrom, gbhwdb, jep106, kicad, openipc
from .names import NameIndex
from .tables import Imported, write_tables

OUT = Path(__file__).resolve().parents[1] / "knowledge" / "imported"


def curated_names() -> NameIndex:
    from bomcat.catalog.resolver.knowledge import read_files
    return NameIndex((raw["name"], [*raw.get("aliases", []), *([raw["jep106"]] if raw.get("jep106") else [])])
                     for raw in read_files().values())


def import_all(shared: Optional[Path], kicad_dir: Optional[Path], out: Path = OUT,
               echo: Callable[[str], None] = lambda _m: None) -> dict[str, int]:
    """Read every source that is here, write the tables; returns the tables' row counts."""
    imported = Imported(curated_names())
    steps: list[tuple[str, Callable[[], int]]] = []
    if shared is not None:
        steps += [("openipc", lambda: openipc.read(imported, shared / "openipc")),
                  ("gbhwdb", lambda: gbhwdb.read(imported, shared / "gbhwdb")),
                  ("cantara", lambda: cantara.read(imported, shared / "cantara")),
                  ("flashrom", lambda: flashrom.read(imported, shared / "flashrom")),
                  ("flashdetector+fdnext", lambda: flashdetector.read(imported, shared / "flashdetector",
                                                                      shared / "fdnext")),
                  ("jep106", lambda: jep106.read(imported, shared / "jep106"))]
    if kicad_dir is not None:
        steps.append(("kicad", lambda: kicad.read(imported, kicad_dir)))
    for name, step in steps:
        added = step()
        echo(f"{name}: {added} rows")
    imported.derive_prefixes()
    write_tables(imported, out)
    return imported.counts()
