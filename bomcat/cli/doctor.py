"""`bomcat doctor`: what this installation found (version, OCR engines and their models, the detector
model, database, photo store, queue), and is the catalog whole? The database's own checks (SQLite's integrity and
foreign-key checks) and the photo store against the rows (`pipeline/audit.py`); with `--repair`,
the files an ingest killed mid-photo left behind are removed. Evidence that is missing or damaged is
reported, never 'repaired'."""
from __future__ import annotations

import click


def installation(catalog) -> dict:
    """What bomcat runs with here: each OCR engine's version or why it is unavailable, the default."""
    import os
    from importlib.metadata import version

    from bomcat.catalog.db import current_revision
    from bomcat.images.detect import MODEL_PATH
    from bomcat.images.store import sha256_hex
    from bomcat.ocr.engines import DEFAULT_ENGINE, ENGINES, EngineUnavailable, get_engine
    engines = {}
    for name in ENGINES:
        try:
            engines[name] = get_engine(name).version
        except EngineUnavailable as exc:
            engines[name] = f"unavailable: {exc}"
    queue = os.environ.get("BOMCAT_QUEUE_URL")
    return {"version": version("bomcat"), "ocr_engines": engines, "default_engine": DEFAULT_ENGINE,
            "detector_model": {"file": MODEL_PATH.name, "sha256": sha256_hex(MODEL_PATH.read_bytes())},
            "database": {"dialect": catalog.engine.dialect.name,
                         "url": catalog.engine.url.render_as_string(hide_password=True),
                         "revision": current_revision(catalog.engine)},
            "store": str(catalog.store.root), "queue": f"RQ on {queue}" if queue else "embedded worker process"}


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
    found_here = installation(catalog)
    report = {"database": database, **audit.as_dict(), "removed": removed, "installation": found_here}
    lines = [f"{kind}: {p}" for kind, paths in (*found.items(), ("removed", removed)) for p in paths]
    setup = [f"bomcat {found_here['version']}",
             *(f"ocr engine {n}: {v}{' (default)' if n == found_here['default_engine'] else ''}"
               for n, v in found_here["ocr_engines"].items()),
             f"detector model: {found_here['detector_model']['file']} sha256 {found_here['detector_model']['sha256'][:12]}",
             f"database: {found_here['database']['url']} at revision {found_here['database']['revision']}",
             f"photo store: {found_here['store']}", f"queue: {found_here['queue']}"]
    emit(report, as_json, "\n".join([*setup, *(lines or ["the catalog is whole"])]))
    problems = sum(len(paths) for paths in found.values())
    if problems:
        raise CatalogNotWhole(f"{problems} problem(s): " + ", ".join(
            f"{len(paths)} {kind}" for kind, paths in found.items() if paths) +
            ("" if repair else " (--repair removes orphans)"))
