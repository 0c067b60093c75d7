"""People, roles and what each may see and do: a role x route matrix on a real catalog."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bomcat.catalog.models import Component, DerivedImage
from bomcat.catalog.records import create_device
from bomcat.catalog.users import create_token, create_user
from bomcat.pipeline.ingest import ingest_photo

PASSWORD = "correct horse battery"
ROLES = ["anonymous", "investigator", "reviewer", "admin"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, small_board):
    from bomcat.pipeline import open_catalog
    from bomcat.web import create_app
    root = tmp_path_factory.mktemp("auth")
    catalog = open_catalog(f"sqlite:///{root / 'c.sqlite3'}", photo_root=root / "photos")
    with catalog.session() as session:
        for role in ROLES[1:]:
            create_user(session, role, PASSWORD, role)
        create_user(session, "reviewer2", PASSWORD, "reviewer")
        create_device(session, "cam", "Hikvision", "DS-2CD2032")
        create_device(session, "draft-cam", "Dahua", "IPC-HDW")  # never published
    ingest_photo(catalog, "cam", small_board[0], "board.jpg", uploaded_by="investigator")
    with catalog.session() as session:
        ids = [c.id for c in session.scalars(select(Component).order_by(Component.id))]
        crop = session.scalars(select(DerivedImage).where(DerivedImage.kind == "crop")).first().id
    app = create_app({"TESTING": True, "CATALOG": catalog, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "t"})
    return app, catalog, ids, crop


def client_as(app, role: str):
    client = app.test_client()
    if role != "anonymous":
        response = client.post("/login", data={"name": role, "password": PASSWORD})
        assert response.status_code == 302
    return client


@pytest.mark.parametrize("role, expected", [("anonymous", 404), ("investigator", 200), ("reviewer", 200),
                                            ("admin", 200)])
@pytest.mark.parametrize("url", ["/devices/cam", "/devices/cam.json", "/components/{c}", "/components/{c}.json",
                                 "/photos/1", "/files/derived/{crop}"])
def test_drafts_are_for_signed_in_people_only(site, role, expected, url):
    app, _, ids, crop = site
    assert client_as(app, role).get(url.format(c=ids[0], crop=crop)).status_code == expected


@pytest.mark.parametrize("role, expected", [("anonymous", 401), ("investigator", 403), ("reviewer", 400),
                                            ("admin", 400)])
def test_review_api_by_role(site, role, expected):
    """Who may review is checked first; reviewers and admins then get the body's problem (a
    correction with nothing corrected), the others never get that far."""
    app, _, ids, _ = site
    response = client_as(app, role).post(f"/api/components/{ids[1]}/review", json={"verdict": "corrected"})
    assert response.status_code == expected
    assert "error" in response.get_json()


def test_login_refuses_a_wrong_password(site):
    app, *_ = site
    response = app.test_client().post("/login", data={"name": "admin", "password": "nope"})
    assert response.status_code == 200 and "Wrong user name or password" in response.get_data(as_text=True)


def test_review_publish_and_public_page(site):
    app, catalog, ids, _ = site
    target = ids[2]
    reviewer, reviewer2, admin = (client_as(app, r) for r in ("reviewer", "reviewer2", "admin"))
    fixed = reviewer.post(f"/api/components/{target}/review",
                          json={"verdict": "corrected", "corrections": {"category": "oscillator"},
                                "comment": "category from the datasheet"})
    assert fixed.status_code == 200 and fixed.get_json()["component"]["status"] == "proposed"
    # Four eyes: who changed it does not verify it.
    same = reviewer.post(f"/api/components/{target}/review", json={"verdict": "verified"})
    assert same.status_code == 409 and "someone else" in same.get_json()["error"]
    ok = reviewer2.post(f"/api/components/{target}/review", json={"verdict": "verified"})
    assert ok.status_code == 200 and ok.get_json()["component"]["status"] == "verified"
    assert reviewer.post("/api/devices/cam/publish").status_code == 403
    assert admin.post("/api/devices/cam/publish").status_code == 200
    public = app.test_client().get("/devices/cam.json").get_json()
    assert [c["id"] for c in public["components"]] == [target]          # only verified ones
    assert public["awaiting_review"] == len(ids) - 1
    detail = app.test_client().get(f"/components/{target}.json").get_json()["component"]
    assert [(r["reviewer"], r["verdict"]) for r in detail["reviews"]] == [
        ("bomcat", "proposed"), ("reviewer", "corrected"), ("reviewer2", "verified")]
    assert app.test_client().get(f"/components/{ids[0]}").status_code == 404  # still proposed


def test_bearer_tokens_for_scripts(site):
    app, catalog, ids, _ = site
    with catalog.session() as session:
        from bomcat.catalog.models import User
        token = create_token(session, session.scalar(select(User).where(User.name == "reviewer2")), "script")
    client = app.test_client()
    bad = client.post(f"/api/components/{ids[0]}/review", json={"verdict": "rejected"},
                      headers={"Authorization": "Bearer wrong"})
    assert bad.status_code == 401
    good = client.post(f"/api/components/{ids[0]}/review", json={"verdict": "rejected", "comment": "not a chip"},
                       headers={"Authorization": f"Bearer {token}"})
    assert good.status_code == 200 and good.get_json()["component"]["status"] == "rejected"


@pytest.mark.parametrize("body, message", [
    ({"verdict": "maybe"}, "verdict must be one of"),
    ({"verdict": "corrected", "corrections": {"status": "verified"}}, "corrections may set"),
    ([1, 2], "send a JSON object"),
])
def test_bad_review_requests_get_json_400(site, body, message):
    app, _, ids, _ = site
    response = client_as(app, "admin").post(f"/api/components/{ids[1]}/review", json=body)
    assert response.status_code == 400 and message in response.get_json()["error"]


def test_anonymous_manufacturer_pages_show_only_published_verified_parts(site):
    app, *_ = site
    anonymous = app.test_client()
    names = [m["name"] for m in anonymous.get("/manufacturers.json").get_json()["manufacturers"]]
    signed_in = [m["name"] for m in client_as(app, "investigator").get("/manufacturers.json").get_json()["manufacturers"]]
    assert set(names) <= set(signed_in) and "Winbond Electronics" in signed_in


@pytest.mark.parametrize("role, expected", [("anonymous", 302), ("investigator", 403), ("reviewer", 200),
                                            ("admin", 200)])
def test_review_queue_by_role(site, role, expected):
    app, *_ = site
    assert client_as(app, role).get("/review").status_code == expected


def test_review_queue_shows_progress_and_leaves_own_changes_to_others(site):
    app, *_ = site
    page = client_as(app, "admin").get("/review.json").get_json()
    assert set(page["progress"]) >= {"total", "verified", "rejected", "proposed"}
    if page["component"]:
        assert page["component"]["readings"] and isinstance(page["candidates"], list)


def test_browser_posts_need_the_csrf_token_but_scripts_with_tokens_do_not(site):
    from bomcat.web import create_app
    app, catalog, ids, _ = site
    strict = create_app({"TESTING": True, "CATALOG": catalog, "SECRET_KEY": "t"})  # CSRF on
    client = strict.test_client()
    assert client.post("/login", data={"name": "admin", "password": PASSWORD}).status_code == 400
    with catalog.session() as session:
        from bomcat.catalog.models import User
        token = create_token(session, session.scalar(select(User).where(User.name == "admin")))
    response = client.post(f"/api/components/{ids[1]}/review", json={"verdict": "reopened"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


@pytest.mark.parametrize("role, expected", [("anonymous", 401), ("reviewer", 403), ("investigator", 201),
                                            ("admin", 201)])
def test_create_device_api_by_role(site, role, expected):
    app, *_ = site
    response = client_as(app, role).post("/api/devices", json={"slug": f"api-{role}", "maker": "Dahua",
                                                               "model": "IPC-HDW"})
    assert response.status_code == expected
    if expected == 201:
        assert response.get_json()["device"]["slug"] == f"api-{role}"


def test_upload_photo_api(site, small_board):
    import io
    from .conftest import board_jpeg
    app, *_ = site
    client = client_as(app, "investigator")
    assert client.post("/api/devices", json={"slug": "upload-cam", "maker": "X", "model": "Y"}).status_code == 201
    taken = client.post("/api/devices/upload-cam/photos", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(small_board[0]), "same.jpg")})
    assert taken.status_code == 409 and "already evidence for device 'cam'" in taken.get_json()["error"]
    photo_bytes, _ = board_jpeg(seed=21)
    sent = client.post("/api/devices/upload-cam/photos", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(photo_bytes), "../../evil name.jpg"), "side": "top", "wait": "1"})
    assert sent.status_code == 201, sent.get_json()
    photo = sent.get_json()["photo"]
    assert photo["components"] == 3 and photo["file"] == "evil name.jpg"
    broken = client.post("/api/devices/upload-cam/photos", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(photo_bytes[:3000]), "cut.jpg")})
    assert broken.status_code == 400 and "damaged or truncated" in broken.get_json()["error"]
    nodevice = client.post("/api/devices/nope/photos", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(photo_bytes), "a.jpg")})
    assert nodevice.status_code == 404 and "unknown device" in nodevice.get_json()["error"]
    assert client.post("/api/devices/upload-cam/photos").status_code == 400
    dup = client.post("/api/devices", json={"slug": "upload-cam", "maker": "X", "model": "Y"})
    assert dup.status_code == 409


def test_openapi_describes_the_api(site):
    app, *_ = site
    spec = app.test_client().get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and {"/api/devices", "/api/devices/{slug}/photos",
                                                  "/api/devices/{slug}", "/api/components/{id}/review"} <= set(spec["paths"])
    import re
    shape = lambda path: re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)  # noqa: E731
    described = {(shape(path), method.upper()) for path, ops in spec["paths"].items() for method in ops}
    served = {(shape(rule.rule), method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") and rule.endpoint != "api.openapi"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served - described == set(), "API routes missing from the OpenAPI description"


def test_anonymous_search_sees_only_public_components(site):
    app, *_ = site
    signed = client_as(app, "admin").get("/search.json?q=Hikvision").get_json()["results"]
    public = app.test_client().get("/search.json?q=Hikvision").get_json()["results"]
    assert len(signed) >= 3 and all(r["status"] == "verified" for r in public) and len(public) < len(signed)


def test_outreach_log_is_recorded_and_published(site):
    app, *_ = site
    investigator = client_as(app, "investigator")
    sent = investigator.post("/api/manufacturers/rohm-semiconductor/outreach", json={
        "kind": "letter", "sent_on": "2024-03-01", "subject": "Your parts in a Hikvision camera"})
    assert sent.status_code == 201 and sent.get_json()["outreach"]["status"] == "awaiting"
    replied = investigator.post("/api/manufacturers/rohm-semiconductor/outreach", json={
        "kind": "questionnaire", "sent_on": "2024-03-02", "subject": "Due diligence questionnaire",
        "reply_text": "We comply with all applicable export regulations.", "replied_on": "2024-04-10"})
    assert replied.get_json()["outreach"]["status"] == "answered"
    assert app.test_client().post("/api/manufacturers/rohm-semiconductor/outreach", json={}).status_code == 401
    assert client_as(app, "reviewer").post("/api/manufacturers/rohm-semiconductor/outreach",
                                           json={}).status_code == 403
    bad = investigator.post("/api/manufacturers/rohm-semiconductor/outreach", json={"sent_on": "March", "subject": "x"})
    assert bad.status_code == 400 and "date" in bad.get_json()["error"]
    assert investigator.post("/api/manufacturers/no-such/outreach", json={}).status_code == 404
    public = app.test_client().get("/manufacturers/rohm-semiconductor.json").get_json()["outreach"]
    assert [o["status"] for o in public] == ["awaiting", "answered"]
    html = app.test_client().get("/manufacturers/rohm-semiconductor").get_data(as_text=True)
    assert "We comply with all applicable export regulations." in html


@pytest.mark.parametrize("url, expected", [
    ("/devices/cam/upload", {"anonymous": 302, "investigator": 200, "reviewer": 403, "admin": 200}),
    ("/api/devices/cam/uploads", {"anonymous": 401, "investigator": 200, "reviewer": 403, "admin": 200}),
    ("/admin/users", {"anonymous": 302, "investigator": 403, "reviewer": 403, "admin": 200}),
    ("/makers/dahua", {"anonymous": 404, "investigator": 200, "reviewer": 200, "admin": 200}),
    ("/countries", {"anonymous": 200, "investigator": 200, "reviewer": 200, "admin": 200}),
    ("/components.json", {"anonymous": 200, "investigator": 200, "reviewer": 200, "admin": 200}),
])
@pytest.mark.parametrize("role", ROLES)
def test_new_pages_by_role(site, url, expected, role):
    app, *_ = site
    assert client_as(app, role).get(url).status_code == expected[role]
