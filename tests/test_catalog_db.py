"""The schema through Alembic, on SQLite and on a real PostgreSQL server."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DatabaseError

from bomcat.catalog.db import alembic_config, current_revision
from bomcat.pipeline import open_catalog
from bomcat.catalog.models import AppendOnlyError
from bomcat.catalog.records import apply_review, create_device, propose_component, ReviewRefused

TABLES = {"device", "photo", "derived_image", "region", "reading", "component", "part", "manufacturer", "review",
          "upload", "region_event"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    return request.getfixturevalue("fresh_postgres_url")


def test_migrations_build_a_fresh_database(db_url, tmp_path):
    catalog = open_catalog(db_url, photo_root=tmp_path / "p")
    assert current_revision(catalog.engine) == "0010"
    assert TABLES <= set(inspect(catalog.engine).get_table_names())


def test_downgrade_and_upgrade_again(db_url, tmp_path):
    from alembic import command
    catalog = open_catalog(db_url, photo_root=tmp_path / "p")
    command.downgrade(alembic_config(catalog.engine), "base")
    assert not TABLES & set(inspect(catalog.engine).get_table_names())
    catalog = open_catalog(db_url, photo_root=tmp_path / "p")
    assert TABLES <= set(inspect(catalog.engine).get_table_names())


def _proposed_component(catalog):
    with catalog.session() as session:
        device = create_device(session, "cam", "Hikvision", "DS-2CD2032")
        component = propose_component(session, device, None, {
            "marking": "winbond | 25Q128JVSQ | 1927", "manufacturer": "Winbond Electronics",
            "part_number": "W25Q128JVSQ", "category": "nor_flash", "confidence": 0.95,
            "date_code": {"raw": "1927"}}, proposed_by="alice")
        return component.id


def test_every_change_is_a_review_and_four_eyes_hold(db_url, tmp_path):
    catalog = open_catalog(db_url, photo_root=tmp_path / "p")
    component_id = _proposed_component(catalog)
    from bomcat.catalog.models import Component
    with pytest.raises(ReviewRefused, match="someone else"):
        with catalog.session() as session:
            apply_review(session, session.get(Component, component_id), "alice", "verified")
    with catalog.session() as session:
        c = session.get(Component, component_id)
        apply_review(session, c, "bob", "corrected", {"part_number": "W25Q128JV"}, comment="base part")
        assert c.status.value == "proposed"  # bob changed it, so a third person verifies
    with pytest.raises(ReviewRefused):
        with catalog.session() as session:
            apply_review(session, session.get(Component, component_id), "bob", "verified")
    with catalog.session() as session:
        c = session.get(Component, component_id)
        apply_review(session, c, "alice", "verified")
        assert c.status.value == "verified" and c.part.part_number == "W25Q128JV"
        assert [r.verdict.value for r in c.reviews] == ["proposed", "corrected", "verified"]
        assert [r.reviewer for r in c.reviews] == ["alice", "bob", "alice"]
        assert c.reviews[1].values["part_number"] == "W25Q128JV"
        assert c.manufacturer.name == "Winbond Electronics" and c.manufacturer.country == "Taiwan"


def test_manufacturer_rows_carry_lineage(tmp_path):
    catalog = open_catalog(f"sqlite:///{tmp_path / 'c.sqlite3'}", photo_root=tmp_path / "p")
    from bomcat.catalog.records import ensure_manufacturer
    with catalog.session() as session:
        spansion = ensure_manufacturer(session, "Spansion")
        chain = [(m.name, year) for m, year in spansion.lineage()]
    assert chain == [("Spansion", None), ("Cypress Semiconductor", 2015), ("Infineon Technologies", 2020)]


def _region_event(catalog) -> None:
    from bomcat.catalog.models import Photo, Region, RegionEvent
    with catalog.session() as session:
        device = create_device(session, "cam", "Hikvision", "DS-2CD2032")
        photo = Photo(sha256="0" * 64, device=device, media_type="image/jpeg", byte_size=1, width=10, height=10,
                      uploaded_by="ivan")
        region = Region(photo=photo, cx=5, cy=5, w=4, h=4)
        session.add(RegionEvent(region=region, action="drawn", after={"cx": 5.0}, by="ivan"))


@pytest.mark.parametrize("table, column, make_row", [("review", "comment", _proposed_component),
                                                     ("region_event", "by", _region_event)])
def test_evidence_logs_are_append_only_in_the_database(db_url, tmp_path, table, column, make_row):
    from bomcat.catalog.models import Base
    model = next(m.class_ for m in Base.registry.mappers if m.class_.__tablename__ == table)
    catalog = open_catalog(db_url, photo_root=tmp_path / "p")
    make_row(catalog)
    # The ORM refuses...
    with pytest.raises(AppendOnlyError):
        with catalog.session() as session:
            setattr(session.scalars(select(model)).first(), column, "edited")
    # ...and so does the database itself, even to raw SQL.
    for statement in (f"UPDATE {table} SET {column} = 'x'", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="append-only"):
            with catalog.engine.begin() as conn:
                conn.execute(text(statement))
    with catalog.session() as session:
        assert getattr(session.scalars(select(model)).one(), column) != "x"
