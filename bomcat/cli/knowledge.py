"""`bomcat knowledge`: derive the resolver's imported tables from reference material, and say what
the knowledge base holds."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

DEFAULT_SHARED = Path("../shared/knowledge")
BENCH_COLUMNS = ("marking", "manufacturer", "part_number", "category", "source")


def write_bench_set(path: Path, header: str, rows: list[dict]) -> None:
    """A resolver benchmark set in `bomcat bench resolver`'s layout, its origin in '#' comment lines."""
    import csv
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.writelines(f"# {line}\n" for line in header.splitlines())
        writer = csv.DictWriter(fh, fieldnames=BENCH_COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@click.group()
def knowledge() -> None:
    """The resolver's knowledge base: curated makers and families plus imported facts."""


@knowledge.command("import")
@click.option("--shared", "shared", type=click.Path(file_okay=False), default=None,
              help="The knowledge bundle (default ../shared/knowledge when it is there).")
@click.option("--kicad", "kicad_dir", type=click.Path(file_okay=False), default=None,
              help="KiCad symbol libraries (default /usr/share/kicad/symbols when installed).")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Where the tables go (default: the package's knowledge/imported folder).")
def import_knowledge(shared: Optional[str], kicad_dir: Optional[str], out: Optional[str]) -> None:
    """Derive makers, known parts, patterns and codes from every source that is here."""
    from bomcat.catalog.importers import OUT, import_all
    from bomcat.catalog.importers.kicad import DEFAULT_DIR
    from .common import BomcatError
    shared_path = Path(shared) if shared else (DEFAULT_SHARED if DEFAULT_SHARED.is_dir() else None)
    kicad_path = Path(kicad_dir) if kicad_dir else (DEFAULT_DIR if DEFAULT_DIR.is_dir() else None)
    for given, path in ((shared, shared_path), (kicad_dir, kicad_path)):
        if given and not path.is_dir():
            raise BomcatError(f"{given}: no such folder")
    if shared_path is None and kicad_path is None:
        raise BomcatError("no source found: give --shared (the knowledge bundle) or --kicad (KiCad symbols)")
    counts = import_all(shared_path, kicad_path, Path(out) if out else OUT, echo=lambda m: click.echo(m, err=True))
    click.echo(" ".join(f"{k} {v}" for k, v in counts.items()))


@knowledge.command("validation")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--shared", "shared", type=click.Path(file_okay=False), default=str(DEFAULT_SHARED),
              show_default=True, help="The knowledge bundle.")
@click.option("--leave-out", "leave_out", type=click.Path(dir_okay=False), multiple=True,
              help="A benchmark TSV whose markings are left out (e.g. ../shared/bench/resolver/dev.tsv).")
def validation_set(out: str, shared: str, leave_out: tuple[str, ...]) -> None:
    """Write gb-hardware-db's real example markings, labelled, as a resolver validation set (the
    benchmark's layout): rules are measured on it, never written from it."""
    import csv
    from bomcat.catalog.importers import curated_names, gbhwdb
    from bomcat.catalog.importers.tables import Imported
    from .common import BomcatError
    folder = Path(shared) / "gbhwdb"
    if not folder.is_dir():
        raise BomcatError(f"{folder}: no such folder")
    known: set[str] = set()
    for path in leave_out:
        with open(path, encoding="utf-8", newline="") as fh:
            known |= {row["marking"] for row in csv.DictReader(fh, delimiter="\t")}
    rows = gbhwdb.validation_rows(Imported(curated_names()), folder, known)
    write_bench_set(Path(out), "Real markings from the doc tests of Gekkio gb-hardware-db (MIT), commit f65dd84, labelled with\n"
                    "each parser's maker and part; written by `bomcat knowledge validation`. Rules are never written from it.",
                    rows)
    click.echo(f"{len(rows)} markings -> {out}")


@knowledge.command("catalogue-holdout")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--kicad", "kicad_dir", type=click.Path(file_okay=False), default=None,
              help="KiCad symbol libraries (default /usr/share/kicad/symbols).")
def catalogue_holdout(folder: str, kicad_dir: Optional[str]) -> None:
    """Write the KiCad parts `import` holds out (two in ten, none that another source or a curated
    family lists) as resolver sets in FOLDER: catalogue-{dev,validation}.tsv (the part number alone) and
    catalogue-{dev,validation}-logo.tsv (under its maker's logo line)."""
    from bomcat.catalog.importers import curated_names, kicad
    from bomcat.catalog.importers.tables import Imported
    from bomcat.catalog.resolver import knowledge as kb_module
    from bomcat.catalog.resolver.catalogue import reduce
    kb = kb_module.load()
    imported = Imported(curated_names())
    # Neither a part another source lists nor one a curated family names (its examples make it known).
    listed = set(kb.catalogue.parts) | {reduce(part) for fam in kb.families for part in fam.known}
    sets: dict[str, dict] = {"dev": {}, "validation": {}}
    for part, maker, category, _library in kicad.parts(Path(kicad_dir) if kicad_dir else kicad.DEFAULT_DIR):
        bucket = kicad.held_out(part)
        if bucket and reduce(part) not in listed and len(reduce(part)) >= 5:
            sets[bucket].setdefault(part, (imported.maker(maker, "kicad"), category))
    header = ("Part numbers from the KiCad symbol libraries (Debian kicad-symbols, CC-BY-SA-4.0 with the KiCad\n"
              "libraries' exception) that `bomcat knowledge import` holds out; maker from the datasheet link.")
    Path(folder).mkdir(parents=True, exist_ok=True)
    for bucket, rows in sets.items():
        for suffix, logo in (("", False), ("-logo", True)):
            table = []
            for part, (maker, category) in sorted(rows.items()):
                info = kb.manufacturers.get(maker)
                printed = (info.logos or info.aliases or [info.name])[0] if info else maker
                table.append({"marking": f"{printed} | {part}" if logo else part, "manufacturer": maker,
                              "part_number": part, "category": category, "source": "kicad-symbols"})
            write_bench_set(Path(folder) / f"catalogue-{bucket}{suffix}.tsv", header, table)
        click.echo(f"{bucket}: {len(rows)} held-out parts")


@knowledge.command("stats")
def knowledge_stats() -> None:
    """How many makers, families, known parts and codes the resolver knows, and how fast it loads."""
    import time
    from bomcat.catalog.resolver import knowledge as kb_module
    start = time.perf_counter()
    kb = kb_module.load()
    seconds = time.perf_counter() - start
    stats = kb.stats()
    click.echo(" ".join(f"{k} {v}" for k, v in stats.items()) + f" load_s {seconds:.2f}")
