"""Devices in the browser and through the API (one set of checks for both), on SQLite and on a real
PostgreSQL server; API tokens issued and revoked by an admin in /admin/users."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bomcat.pipeline import open_catalog
from bomcat.catalog.models import Device, Role
from bomcat.catalog.users import create_user

from .conftest import PASSWORD, sign_in, throwaway_database, web_app

USERS = {"ivan": Role.investigator, "rita": Role.reviewer, "adam": Role.admin}


def make_app(request, root, database: str | None = None):
    url = f"sqlite:///{root / 'c.sqlite3'}" if request.param == "sqlite" else database
    catalog = open_catalog(url, photo_root=root / "photos")
    with catalog.session() as session:
        for name, role in USERS.items():
            create_user(session, name, PASSWORD, role.value)
    return web_app(catalog)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request, tmp_path):
    return make_app(request, tmp_path, request.param == "postgresql" and request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def refusing_app(request, tmp_path_factory):
    """One catalog for the refusals: each leaves it as empty as it found it (and says so)."""
    return make_app(request, tmp_path_factory.mktemp("refusals"),
                    request.param == "postgresql" and throwaway_database(request, "refusals"))


def devices(app) -> dict[str, Device]:
    with app.config["CATALOG"].session() as session:
        found = {d.slug: d for d in session.scalars(select(Device))}
        session.expunge_all()
        return found


@pytest.mark.parametrize("who, status", [("anonymous", 302), ("rita", 403), ("ivan", 200), ("adam", 200)])
def test_who_may_open_the_new_device_form(app, who, status):
    assert sign_in(app, who).get("/devices/new").status_code == status


def test_an_investigator_creates_and_edits_a_device_in_the_browser(app):
    ivan = sign_in(app, "ivan")
    assert "New device" in ivan.get("/devices").get_data(as_text=True)
    response = ivan.post("/devices/new", data={
        "slug": "hik-ds-2cd2043", "maker": " Hikvision ", "model": "DS-2CD2043G0-I", "variant": "rev B",
        "firmware": "V5.5.82", "serial": "D12345", "acquired_where": "eBay, seller in Shenzhen",
        "acquired_on": "2024-03-02", "teardown_on": "2024-04-10", "notes": "Bought used.\nCase glued."})
    assert response.status_code == 302 and response.headers["Location"].endswith("/devices/hik-ds-2cd2043")
    device = devices(app)["hik-ds-2cd2043"]
    assert (device.maker, device.variant, str(device.acquired_on), device.notes) == (
        "Hikvision", "rev B", "2024-03-02", "Bought used.\nCase glued.")
    page = ivan.get("/devices/hik-ds-2cd2043/edit").get_data(as_text=True)
    assert 'value="V5.5.82"' in page and 'value="2024-04-10"' in page
    response = ivan.post("/devices/hik-ds-2cd2043/edit", data={
        "maker": "Hikvision", "model": "DS-2CD2043G0-I", "firmware": "V5.6.0", "serial": "", "teardown_on": ""})
    assert response.status_code == 302
    device = devices(app)["hik-ds-2cd2043"]
    assert (device.firmware, device.serial, device.teardown_on, device.variant) == ("V5.6.0", None, None, "rev B")


def test_a_refused_form_says_why_and_keeps_what_was_typed(app):
    ivan = sign_in(app, "ivan")
    response = ivan.post("/devices/new", data={"slug": "Bad Slug", "maker": "Acme", "model": "Cam 9"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "lower-case letters, digits and single dashes" in page
    assert 'value="Cam 9"' in page and devices(app) == {}
    ivan.post("/devices/new", data={"slug": "cam", "maker": "Acme", "model": "Cam 9"})
    response = ivan.post("/devices/new", data={"slug": "cam", "maker": "Acme", "model": "Cam 10"})
    assert response.status_code == 409 and "exists already" in response.get_data(as_text=True)


@pytest.mark.parametrize("body, says", [
    ({"slug": "a-b", "maker": ["x"], "model": "y"}, "maker must be text, not list"),
    ({"slug": "a-b", "maker": "x", "model": {"a": 1}}, "model must be text, not dict"),
    ({"slug": "a-b", "maker": "x", "model": 7}, "model must be text, not int"),
    ({"slug": "a-b", "maker": "x", "model": True}, "model must be text, not bool"),
    ({"slug": ["a"], "maker": "x", "model": "y"}, "slug ['a'] must be lower-case"),
    ({"slug": "a-b", "maker": "   ", "model": "y"}, "maker may not be empty"),
    ({"slug": "a-b", "maker": "x"}, "model may not be empty"),
    ({"slug": "a-b", "maker": "x\x00y", "model": "y"}, "maker holds a control character"),
    ({"slug": "a-b", "maker": "x", "model": "y", "variant": "v" * 201}, "variant is 201 characters long; at most 200"),
    ({"slug": "a" * 121, "maker": "x", "model": "y"}, "at most 120"),
    ({"slug": "a-b", "maker": "x", "model": "y", "acquired_on": "31/05/2024"}, "acquired_on must be a date"),
    ({"slug": "a-b", "maker": "x", "model": "y", "colour": "red"}, "unknown fields: colour"),
    ({"slug": "new", "maker": "x", "model": "y"}, "reserved"),
])
def test_the_api_refuses_bad_device_values_with_the_reason(refusing_app, body, says):
    response = sign_in(refusing_app, "ivan").post("/api/devices", json=body)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert says in response.get_json()["error"]
    assert devices(refusing_app) == {}


def test_the_api_edits_only_what_it_is_sent_and_keeps_the_slug(app):
    ivan = sign_in(app, "ivan")
    created = ivan.post("/api/devices", json={"slug": "cam", "maker": "Acme", "model": "C1", "variant": "A"})
    assert created.status_code == 201 and created.get_json()["device"]["variant"] == "A"
    edited = ivan.patch("/api/devices/cam", json={"firmware": "1.2", "acquired_on": "2024-01-31"})
    assert edited.status_code == 200 and edited.get_json()["changed"] == ["firmware", "acquired_on"]
    assert edited.get_json()["device"]["variant"] == "A"
    assert ivan.patch("/api/devices/cam", json={"slug": "other"}).status_code == 409
    assert ivan.patch("/api/devices/cam", json={"model": ""}).status_code == 400
    assert sign_in(app, "rita").patch("/api/devices/cam", json={"firmware": "x"}).status_code == 403
    assert ivan.patch("/api/devices/nope", json={"firmware": "x"}).status_code == 404


def test_an_admin_issues_a_token_that_works_once_shown_and_revokes_it(app):
    adam = sign_in(app, "adam")
    with app.config["CATALOG"].session() as session:
        from bomcat.catalog.models import User
        ivan_id = session.scalar(select(User.id).where(User.name == "ivan"))
    page = adam.post(f"/admin/users/{ivan_id}/tokens", data={"label": "upload script"}).get_data(as_text=True)
    token = re.search(r'<code id="new-token">(bomcat_[^<]+)</code>', page).group(1)
    assert "shown only this once" in page
    script = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert script.post("/api/devices", json={"slug": "by-script", "maker": "A", "model": "B"},
                       headers=headers).status_code == 201
    listing = adam.get("/admin/users").get_data(as_text=True)
    assert token not in listing and "upload script" in listing     # the token itself is never shown again
    token_id = re.search(r'/admin/tokens/(\d+)/revoke', listing).group(1)
    assert sign_in(app, "ivan").post(f"/admin/tokens/{token_id}/revoke").status_code == 403
    assert adam.post(f"/admin/tokens/{token_id}/revoke").status_code == 302
    assert script.post("/api/devices", json={"slug": "again", "maker": "A", "model": "B"},
                       headers=headers).status_code == 401
    assert adam.post(f"/admin/users/{ivan_id}/tokens", data={"label": "x\x00"}).status_code == 400
