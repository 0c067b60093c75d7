"""`bomcat backup FILE` and `bomcat restore FILE`: the whole catalog (rows and photo store) as one archive,
and back into an empty catalog, on SQLite or PostgreSQL, across them too (`catalog/backup.py`)."""
from __future__ import annotations

from pathlib import Path

import click

from .common import emit, open_catalog_from


def _with_progress(label: str, run):
    """`run(progress)` under a progress bar on stderr counting rows and files."""
    with click.progressbar(length=0, label=label, file=click.get_text_stream("stderr"), show_pos=True) as bar:
        return run(lambda _what, n: bar.update(n))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def backup(ctx, file: Path, as_json: bool) -> None:
    """Write the whole catalog to FILE (a tar archive with a manifest of SHA-256 hashes), consistent while
    the server runs. FILE must not exist."""
    from bomcat.catalog.backup import write_backup
    catalog = open_catalog_from(ctx)
    summary = _with_progress("backup", lambda progress: write_backup(catalog, file, progress=progress))
    emit(summary, as_json, f"{file}: {summary['rows']:,} rows and {summary['files']:,} files "
                           f"({summary['bytes']:,} bytes, sha256 {summary['sha256'][:16]}…)")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def restore(ctx, file: Path, as_json: bool) -> None:
    """Restore the backup FILE into this catalog, which must be empty: every member, original and derived
    image checked against its hash first; all or nothing."""
    from bomcat.catalog.backup import restore_backup
    catalog = open_catalog_from(ctx)
    summary = _with_progress("restore", lambda progress: restore_backup(catalog, file, progress=progress))
    emit(summary, as_json, f"{file}: restored {summary['rows']:,} rows and {summary['files']:,} files "
                           f"({summary['from']} -> {summary['to']})")
