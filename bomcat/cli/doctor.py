"""`bomcat doctor`: is the catalog whole? The database's own checks (SQLite's integrity and
foreign-key checks) and the photo store against the rows (`pipeline/audit.py`); with `--repair`,
the files an ingest killed mid-photo left behind are removed. Evidence that is missing or damaged is
reported, never 'repaired'."""
from __future__ import annotations

import click


class CatalogNotWhole(click.ClickException):
    """Problems remain: exit code 8, after one line per problem."""
    exit_code = 8

    def show(self, file=None) -> None:
        click.echo(f"bomcat: error: {self.message}", err=True)


@click.command()
@click.option("--repair", is_flag=True, help="Remove orphan files (no row names them) older than the grace period.")
@click.option("--grace-minutes", default=60.0, show_default=True,
              help="Orphans younger than this are left alone: another process may be about to commit them.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: problems, removed files, counts.")
@click.pass_context
def doctor(ctx: click.Context, repair: bool, grace_minutes: float, as_json: bool) -> None:
    """Check the catalog database and the photo store agree and are intact; --repair removes what a
    killed ingest left behind."""
    from bomcat.catalog.db import check_database
    from bomcat.pipeline.audit import audit_store, repair_store
    from .common import emit, open_catalog_from
    catalog = open_catalog_from(ctx)
    removed = repair_store(catalog, older_than=grace_minutes * 60) if repair else []
    database = check_database(catalog.engine)
    audit = audit_store(catalog)
    found = {"database": database, "orphan": audit.orphans, "missing": audit.missing, "damaged": audit.damaged}
    report = {"database": database, **audit.as_dict(), "removed": removed}
    lines = [f"{kind}: {p}" for kind, paths in (*found.items(), ("removed", removed)) for p in paths]
    emit(report, as_json, "\n".join(lines) if lines else "the catalog is whole")
    problems = sum(len(paths) for paths in found.values())
    if problems:
        raise CatalogNotWhole(f"{problems} problem(s): " + ", ".join(
            f"{len(paths)} {kind}" for kind, paths in found.items() if paths) +
            ("" if repair else " (--repair removes orphans)"))
