"""The catalog's database: engine, sessions, and schema upgrades through Alembic.

Any SQLAlchemy URL works; SQLite is the embedded default. `open_database` runs
`alembic upgrade head` so an old catalog file is brought up to date before use. The photo
store that holds the evidence files is given to a `Catalog` by whoever opens it
(`bomcat.pipeline.open_catalog`): this package describes what it needs of one (`FileStore`)
and imports no store.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterator, Protocol

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_HOME = "~/.local/share/bomcat"


def bomcat_home(home: str | os.PathLike | None = None) -> Path:
    return Path(home or os.environ.get("BOMCAT_HOME") or DEFAULT_HOME).expanduser()


def database_url(url: str | None = None, home: str | os.PathLike | None = None) -> str:
    url = url or os.environ.get("BOMCAT_DATABASE_URL")
    if url:
        return url
    root = bomcat_home(home)
    root.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{root / 'catalog.sqlite3'}"


def photo_store_root(home: str | os.PathLike | None = None) -> Path:
    return Path(os.environ.get("BOMCAT_PHOTO_STORE") or bomcat_home(home) / "photos")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Readers never wait for the writer (the web process and the ingest worker share the file), and a
    # transaction acknowledged is on disk before the answer goes out, even if the machine then stops.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(engine: Engine) -> Config:
    script_location = resources.files("bomcat.catalog") / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class FileTransaction(Protocol):
    def rollback(self) -> None: ...


class FileStore(Protocol):
    """What the catalog needs of the photo store (`bomcat.images.store.PhotoStore` is one)."""
    root: Path

    def transaction(self) -> FileTransaction: ...


@dataclass
class Catalog:
    """A database plus the photo store that holds its evidence files."""
    engine: Engine
    store: FileStore

    def __post_init__(self) -> None:
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self.sessionmaker() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def transaction(self):
        """One unit of work on evidence: a session and a photo-store transaction; on any failure the
        rows are rolled back and the files written meanwhile removed."""
        files = self.store.transaction()
        try:
            with self.session() as session:
                yield session, files
        except BaseException:
            files.rollback()
            raise


def open_database(url: str | None = None, home: str | os.PathLike | None = None, migrate: bool = True) -> Engine:
    engine = make_engine(database_url(url, home))
    if migrate:
        upgrade(engine)
    return engine


def check_database(engine: Engine) -> list[str]:
    """What is wrong with the database itself: SQLite's own integrity check and foreign-key check
    (PostgreSQL checks both on every write, so there is nothing to ask it)."""
    if engine.dialect.name != "sqlite":
        return []
    from sqlalchemy import text
    with engine.connect() as conn:
        integrity = [row[0] for row in conn.execute(text("PRAGMA integrity_check"))]
        foreign = list(conn.execute(text("PRAGMA foreign_key_check")))
    problems = [f"integrity: {line}" for line in integrity if line != "ok"]
    problems += [f"foreign key: {table} row {rowid} names a missing {parent}" for table, rowid, parent, _ in foreign]
    return problems
