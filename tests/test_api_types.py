"""Every JSON write of the API, sent a list, an object, a number, a boolean, a NUL or an overlong
string where text is expected: a 4xx that names the field, never a 500, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bomcat.pipeline import open_catalog
from bomcat.catalog.models import Component, Role
from bomcat.catalog.users import create_user
from bomcat.pipeline.ingest import ingest_photo

from .conftest import PASSWORD, board_jpeg, sign_in, throwaway_database, web_app

HOSTILE = [["x"], {"a": 1}, 7, True, "a\x00b", "y" * 5000]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def setup(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("types")
    url = (f"sqlite:///{root / 'c.sqlite3'}" if request.param == "sqlite"
           else throwaway_database(request, "types"))
    catalog = open_catalog(url, photo_root=root / "photos")
    with catalog.session() as session:
        create_user(session, "adam", PASSWORD, Role.admin.value)
    app = web_app(catalog)
    adam = sign_in(app, "adam")
    assert adam.post("/api/devices", json={"slug": "cam", "maker": "Acme", "model": "C"}).status_code == 201
    ingest_photo(catalog, "cam", board_jpeg(seed=81)[0], "board.jpg", uploaded_by="adam")
    with catalog.session() as session:
        component = session.scalar(select(Component).order_by(Component.id))
        ids = {"component": component.id, "region": component.region_id, "photo": component.region.photo_id}
    entry = adam.post("/api/manufacturers/sony-semiconductor-solutions/outreach",
                      json={"sent_on": "2024-01-02", "subject": "Letter"})
    assert entry.status_code == 201, entry.get_data(as_text=True)
    ids["entry"] = entry.get_json()["outreach"]["id"]
    return app, adam, ids


def requests(ids):
    """(method, url, a valid body, the fields that take text)"""
    return [
        ("post", "/api/devices", {"slug": "cam-2", "maker": "A", "model": "B"}, ["slug", "maker", "model", "notes"]),
        ("patch", "/api/devices/cam", {"firmware": "1"}, ["firmware", "serial", "acquired_on"]),
        ("post", f"/api/components/{ids['component']}/review", {"verdict": "rejected"}, ["verdict", "comment"]),
        ("post", f"/api/components/{ids['component']}/review",
         {"verdict": "corrected", "corrections": {"part_number": "X1"}}, ["corrections"]),
        ("post", "/api/manufacturers/sony-semiconductor-solutions/outreach",
         {"sent_on": "2024-01-02", "subject": "S"}, ["sent_on", "subject", "kind", "status", "reply_text", "replied_on"]),
        ("post", f"/api/outreach/{ids['entry']}/reply", {"reply_text": "no"}, ["reply_text", "replied_on"]),
        ("patch", f"/api/regions/{ids['region']}", {"designator": "U1"}, ["designator", "cx", "angle"]),
        ("post", f"/api/photos/{ids['photo']}/regions", {"cx": 50, "cy": 50, "w": 20, "h": 10},
         ["designator", "cx", "at"]),
        ("delete", f"/api/regions/{ids['region']}", {"reason": "x"}, ["reason"]),
    ]


def test_hostile_values_are_refused_with_the_field_named(setup):
    app, adam, ids = setup
    failures = []
    for method, url, body, fields in requests(ids):
        for field in fields:
            for value in HOSTILE:
                if isinstance(value, (int, float)) and not isinstance(value, bool) and field in ("cx", "angle"):
                    continue   # numbers are what these take
                response = getattr(adam, method)(url, json={**body, field: value})
                if response.status_code >= 500:
                    failures.append((method, url, field, repr(value)[:20], response.status_code))
    assert failures == [], "\n".join(map(str, failures))
