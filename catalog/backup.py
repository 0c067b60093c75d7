"""Backup and restore of a whole catalog: its database rows and its photo store, as one archive.

The archive (a tar file) holds `manifest.json` (format, when, the source database's kind and schema
revision, each table's row count, and the SHA-256 and size of every other member), one JSON-lines file
per table (`tables/<name>.jsonl`, values typed by their columns, so that a SQLite catalog restores
into PostgreSQL and back without loss), and every stored file the rows name (`store/<path>`: each
original photo, each derived image). The rows are read in one consistent snapshot while the server
runs: on SQLite from a copy made by SQLite's online backup API, on PostgreSQL in one REPEATABLE READ
transaction (what pg_dump does). Files are content-addressed and never rewritten, so the files the
snapshot's rows name are all there, whatever was uploaded meanwhile.

Restore goes into an empty catalog at the same schema revision, all or nothing: every member is
checked against the manifest, every original against the hash it is named by and every derived
image against its row, before one transaction inserts the rows and the files are written; on any
failure the rows are rolled back and the files written removed. The search index is rebuilt from
the restored components.
"""
from __future__ import annotations

import datetime as dt
import enum
import hashlib
import io
import json
import sqlite3
import tarfile
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Optional

from sqlalchemy import Date, DateTime, create_engine, func, insert, select, text
from sqlalchemy.engine import Connection

from bomcat.errors import CatalogError

from .db import Catalog, current_revision
from .models import Base, Component, DerivedImage, Photo
from .search import index_component

FORMAT = "bomcat-backup/1"
Progress = Optional[Callable[[str, int], None]]   # (what, how many more done)


class BackupError(CatalogError):
    status = 400


def _value(column, value):
    """A row's value as JSON holds it (dates as ISO text; JSON columns as they are)."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _typed(column, value):
    """The JSON value back as the column's Python type."""
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return dt.date.fromisoformat(value)
    return value


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha(path: Path) -> str:
    with path.open("rb") as fh:   # read in chunks: an archive is as large as the photo store
        return hashlib.file_digest(fh, "sha256").hexdigest()


class _Snapshot:
    """A consistent read of the catalog's rows while it runs (see the module docstring)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog, self.tmp, self.engine = catalog, None, None

    def __enter__(self) -> Connection:
        engine = self.catalog.engine
        if engine.dialect.name == "sqlite":
            self.tmp = tempfile.TemporaryDirectory(prefix="bomcat-backup-")
            copy = Path(self.tmp.name) / "snapshot.sqlite3"
            source = sqlite3.connect(engine.url.database)
            target = sqlite3.connect(copy)
            try:
                source.backup(target)   # SQLite's online backup: a consistent copy while others write
            finally:
                target.close()
                source.close()
            self.engine = create_engine(f"sqlite:///{copy}")
            self.connection = self.engine.connect()
        else:
            self.connection = engine.connect().execution_options(isolation_level="REPEATABLE READ")
            self.connection.begin()
        return self.connection

    def __exit__(self, *exc) -> None:
        self.connection.close()
        if self.engine is not None:
            self.engine.dispose()
        if self.tmp is not None:
            self.tmp.cleanup()


def _write(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 0, 0o644
    tar.addfile(info, io.BytesIO(data))


def _add(tar: tarfile.TarFile, name: str, data: bytes, members: dict) -> None:
    """A member the manifest lists with its hash."""
    _write(tar, name, data)
    members[name] = {"sha256": _sha(data), "bytes": len(data)}


def write_backup(catalog: Catalog, out: Path, progress: Progress = None) -> dict:
    """Write the catalog to the archive `out` (not overwritten if it exists); a summary."""
    if out.exists():
        raise BackupError(f"{out} exists: a backup never overwrites a file")
    tables = Base.metadata.sorted_tables
    members: dict[str, dict] = {}
    counts: dict[str, int] = {}
    partial = out.with_name(out.name + ".partial")
    try:
        with _Snapshot(catalog) as conn, tarfile.open(partial, "w") as tar:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            for table in tables:
                lines = [json.dumps({c.name: _value(c, row._mapping[c.name]) for c in table.columns},
                                    ensure_ascii=False, sort_keys=True)
                         for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
                counts[table.name] = len(lines)
                _add(tar, f"tables/{table.name}.jsonl", ("\n".join(lines) + "\n" if lines else "").encode(), members)
                if progress:
                    progress("rows", len(lines))
            files = [catalog.store.original_relpath(sha) for sha in conn.execute(select(Photo.sha256)).scalars()]
            files += list(conn.execute(select(DerivedImage.path).distinct()).scalars())
            for relpath in sorted(set(files)):
                path = catalog.store.path(relpath)
                if not path.is_file():
                    raise BackupError(f"the photo store lacks {relpath}, which the catalog names "
                                      "(`bomcat doctor` says what else is missing)")
                _add(tar, f"store/{relpath}", path.read_bytes(), members)
                if progress:
                    progress("files", 1)
            manifest = {"format": FORMAT, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                        "database": catalog.engine.dialect.name, "revision": revision, "tables": counts,
                        "members": members}
            _write(tar, "manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode())
        partial.rename(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return {"file": str(out), "database": manifest["database"], "revision": revision, "rows": sum(counts.values()),
            "files": sum(1 for name in members if name.startswith("store/")), "bytes": out.stat().st_size,
            "sha256": _file_sha(out)}


def _read_archive(archive: Path) -> Iterator[tuple[str, bytes]]:
    try:
        with tarfile.open(archive, "r") as tar:
            for member in tar:
                if not member.isfile():
                    raise BackupError(f"{archive}: member {member.name!r} is not a plain file")
                yield member.name, tar.extractfile(member).read()
    except (tarfile.TarError, EOFError) as exc:
        raise BackupError(f"{archive} is not a readable backup archive: {exc}") from None


def read_backup(archive: Path) -> tuple[dict, dict[str, bytes]]:
    """The manifest and the members, each checked against the manifest's hash (a BackupError names the
    first that differs, is missing or is not listed)."""
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    members = dict(_read_archive(archive))
    if "manifest.json" not in members:
        raise BackupError(f"{archive} has no manifest.json: not a bomcat backup")
    manifest = json.loads(members.pop("manifest.json"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is a {manifest.get('format')!r} archive; this bomcat reads {FORMAT}")
    listed = manifest["members"]
    for name in sorted(set(listed) | set(members)):
        if name not in members:
            raise BackupError(f"{archive}: {name} is listed in the manifest but missing")
        if name not in listed:
            raise BackupError(f"{archive}: {name} is not in the manifest")
        if _sha(members[name]) != listed[name]["sha256"]:
            raise BackupError(f"{archive}: {name} does not match its SHA-256 in the manifest (changed or damaged)")
    return manifest, members


def restore_backup(catalog: Catalog, archive: Path, progress: Progress = None) -> dict:
    """Restore the archive into this empty catalog, all or nothing; a summary."""
    manifest, members = read_backup(archive)
    revision = current_revision(catalog.engine)
    if manifest["revision"] != revision:
        raise BackupError(f"the backup is at schema revision {manifest['revision']}, this catalog at {revision}: "
                          "restore with the bomcat version that wrote it, or upgrade both (`bomcat db upgrade`)")
    tables = Base.metadata.sorted_tables
    rows: dict[str, list[dict]] = {}
    for table in tables:
        raw = members.get(f"tables/{table.name}.jsonl", b"").decode("utf-8").splitlines()
        rows[table.name] = [{c.name: _typed(c, r.get(c.name)) for c in table.columns}
                            for r in map(json.loads, raw)]
        if len(rows[table.name]) != manifest["tables"].get(table.name, 0):
            raise BackupError(f"{archive}: table {table.name} holds {len(rows[table.name])} rows, the manifest says "
                              f"{manifest['tables'].get(table.name, 0)}")
    store = {name[len("store/"):]: data for name, data in members.items() if name.startswith("store/")}
    for photo in rows["photo"]:
        relpath = catalog.store.original_relpath(photo["sha256"])
        if relpath not in store or _sha(store[relpath]) != photo["sha256"]:
            raise BackupError(f"{archive}: the original of photo {photo['id']} ({photo['sha256'][:12]}…) is missing "
                              "or does not match its hash")
    for derived in rows["derived_image"]:
        if derived["path"] not in store or _sha(store[derived["path"]]) != derived["sha256"]:
            raise BackupError(f"{archive}: derived image {derived['id']} ({derived['path']}) is missing or does not "
                              "match its hash")
    files = catalog.store.transaction()
    try:
        with catalog.session() as session:
            if any(session.scalar(select(func.count()).select_from(t)) for t in tables):
                raise BackupError("the catalog is not empty: restore into a new catalog (another BOMCAT_HOME or "
                                  "database), never over one")
            for table in tables:
                _insert(session, table, rows[table.name])
                if progress:
                    progress("rows", len(rows[table.name]))
            _reset_sequences(session, tables)
            for relpath, data in sorted(store.items()):
                files.put_at(relpath, data, read_only=relpath.startswith("originals/"))
                if progress:
                    progress("files", 1)
            for component in session.scalars(select(Component)):
                index_component(session, component)
    except BaseException:
        files.rollback()
        raise
    return {"file": str(archive), "from": manifest["database"], "to": catalog.engine.dialect.name,
            "rows": sum(len(r) for r in rows.values()), "files": len(store)}


def _insert(session, table, found: list[dict]) -> None:
    """The table's rows; a column naming a row of the same table (a maker's successor) is filled in after
    all of them are in, since the row it names may come later."""
    if not found:
        return
    own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    session.execute(insert(table), [{**row, **{name: None for name in own}} for row in found])
    key = table.primary_key.columns.values()[0]
    for name in own:
        for row in found:
            if row[name] is not None:
                session.execute(table.update().where(key == row[key.name]).values({name: row[name]}))


def _reset_sequences(session, tables) -> None:
    """PostgreSQL hands out ids from sequences, which explicit ids do not advance: set each past its table's
    largest id, so that the next row inserted after a restore does not collide."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.columns:
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                 f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))

