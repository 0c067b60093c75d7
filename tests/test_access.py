"""Nobody where they do not belong: no forged sessions (the session key), no leaked evidence (the
visibility policy walked over every file, photo, tile and component id of a real catalog), sign-out,
the login redirect, and CSRF for everything but a script's bearer token."""
from __future__ import annotations

import os
import stat
from typing import Optional

import pytest
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from bomcat.errors import ConfigurationError
from bomcat.catalog.models import Component, ComponentStatus, DerivedImage, Device, DeviceStatus, Photo, User
from bomcat.catalog.records import apply_review
from bomcat.catalog.users import create_token
from bomcat.pipeline.ingest import ingest_photo

from .conftest import PASSWORD, board_jpeg, make_catalog, sign_in, web_app


# -- the session key ------------------------------------------------------------------------------

def forged_session_cookie(secret_key: str, user_id: int) -> str:
    """A session cookie for `user_id` signed with `secret_key`, as an attacker who knows the key makes it."""
    from flask import Flask
    forger = Flask("forger")
    forger.secret_key = secret_key
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(
        {"_user_id": str(user_id), "_fresh": True})


@pytest.fixture
def keyless(tmp_path, monkeypatch):
    """A catalog with an admin (user id 1) and an app made the way `bomcat serve` makes it: no key given."""
    from bomcat.web import create_app
    monkeypatch.delenv("BOMCAT_SECRET_KEY", raising=False)
    home = tmp_path / "home"
    catalog = make_catalog(tmp_path, {"adam": "admin"})

    def make_app():
        return create_app({"CATALOG": catalog, "BOMCAT_HOME": str(home), "BACKGROUND_QUEUE": False})
    return make_app, home


def test_without_a_configured_key_a_random_one_is_kept_in_the_home_readable_by_its_owner_only(keyless):
    make_app, home = keyless
    first = make_app()
    key_file = home / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 32
    assert make_app().config["SECRET_KEY"] == first.config["SECRET_KEY"]  # sessions survive a restart


@pytest.mark.parametrize("known_key", ["dev-only-change-me", "t", ""])
def test_a_session_forged_with_a_guessable_key_is_not_an_admin(keyless, known_key):
    make_app, _ = keyless
    client = make_app().test_client()
    client.set_cookie("session", forged_session_cookie(known_key or "x", 1))
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_signed_with_the_kept_key_is_accepted(keyless):
    """The check above can fail: the same forgery with the real key gets in."""
    make_app, _ = keyless
    app = make_app()
    client = app.test_client()
    client.set_cookie("session", forged_session_cookie(app.config["SECRET_KEY"], 1))
    assert client.get("/admin/users").status_code == 200


def test_a_key_file_others_may_read_or_a_short_key_is_refused(keyless, monkeypatch):
    make_app, home = keyless
    make_app()
    os.chmod(home / "secret_key", 0o644)
    with pytest.raises(ConfigurationError, match="may be read by other users"):
        make_app()
    os.chmod(home / "secret_key", 0o600)
    monkeypatch.setenv("BOMCAT_SECRET_KEY", "short")
    with pytest.raises(ConfigurationError, match="too short"):
        make_app()
    monkeypatch.setenv("BOMCAT_SECRET_KEY", "k" * 40)
    assert make_app().config["SECRET_KEY"] == "k" * 40


def test_bomcat_serve_refuses_to_start_with_a_readable_key_file(runner):
    home = runner.env["BOMCAT_HOME"]
    os.makedirs(home, exist_ok=True)
    path = os.path.join(home, "secret_key")
    with open(path, "w") as out:
        out.write("a" * 64)
    os.chmod(path, 0o644)
    env_key = runner.env.pop("BOMCAT_SECRET_KEY", None)
    try:
        result = runner("serve", "--port", "1", timeout=60)
    finally:
        if env_key is not None:
            runner.env["BOMCAT_SECRET_KEY"] = env_key
    assert result.returncode == 3
    assert result.stderr.startswith("bomcat: error:") and "chmod 600" in result.stderr


# -- the visibility policy, walked over every id ----------------------------------------------------

@pytest.fixture(scope="module")
def evidence(tmp_path_factory):
    """'cam' is published: on its first photo one component verified, one rejected, one proposed; a
    second photo was uploaded after publication and is not reviewed. 'draft' is not published."""
    catalog = make_catalog(tmp_path_factory.mktemp("access"),
                           {"ivan": "investigator", "rita": "reviewer", "adam": "admin"},
                           [("cam", "Hikvision", "DS-2CD2032"), ("draft", "Dahua", "IPC-HDW")])
    first = ingest_photo(catalog, "cam", board_jpeg(seed=51)[0], "first.jpg", uploaded_by="ivan")
    with catalog.session() as session:
        cam = session.scalar(select(Device).where(Device.slug == "cam"))
        verified, rejected, _proposed = sorted(cam.components, key=lambda c: c.id)[:3]
        apply_review(session, verified, "rita", "verified")
        apply_review(session, rejected, "rita", "rejected")
        cam.status = DeviceStatus.published
    ingest_photo(catalog, "cam", board_jpeg(seed=52)[0], "later.jpg", uploaded_by="ivan")
    ingest_photo(catalog, "draft", board_jpeg(seed=53)[0], "draft.jpg", uploaded_by="ivan")
    with catalog.session() as session:
        public_photo = session.get(Photo, first.photo_id)
        region = session.get(Component, verified.id).region
        public_derived = {public_photo.derivative("upright").id, public_photo.derivative("thumbnail").id,
                          region.crop().id}
        truth = {
            "photos": {p.id: p.sha256 for p in session.scalars(select(Photo))},
            "derived": [d.id for d in session.scalars(select(DerivedImage))],
            "components": [c.id for c in session.scalars(select(Component))],
            "public_photo": public_photo.id,
            "public_derived": public_derived,
            "public_component": verified.id,
        }
    assert len(truth["photos"]) == 3 and len(truth["derived"]) > len(public_derived) + 6
    return web_app(catalog), catalog, truth


def _urls(truth: dict) -> dict[str, bool]:
    """Every evidence URL of the catalog (and a few guessed ids past the end), with whether an anonymous
    visitor may have it, from the fixture's own record of what was published and verified."""
    urls = {}
    for photo_id, sha in truth["photos"].items():
        public = photo_id == truth["public_photo"]
        for url in (f"/photos/{photo_id}", f"/photos/{photo_id}.json", f"/files/original/{sha}",
                    f"/photos/{photo_id}/tiles_files/0/0_0.jpg"):
            urls[url] = public
    for derived_id in truth["derived"] + [max(truth["derived"]) + k for k in range(1, 4)]:
        urls[f"/files/derived/{derived_id}"] = derived_id in truth["public_derived"]
    for component_id in truth["components"]:
        public = component_id == truth["public_component"]
        urls[f"/components/{component_id}"] = urls[f"/components/{component_id}.json"] = public
    urls["/devices/draft"] = urls["/devices/draft.json"] = False
    return urls


def test_anonymous_visitors_get_only_published_and_verified_evidence_by_any_id(evidence):
    app, _, truth = evidence
    client = app.test_client()
    leaked, missing = [], []
    for url, public in _urls(truth).items():
        status = client.get(url).status_code
        if public and status != 200:
            missing.append((url, status))
        if not public and status != 404:
            leaked.append((url, status))
    assert not leaked, f"private evidence served to an anonymous visitor: {leaked}"
    assert not missing, f"published evidence not served: {missing}"


@pytest.mark.parametrize("role", ["ivan", "rita", "adam"])
def test_signed_in_people_see_drafts_and_proposals(evidence, role):
    app, _, truth = evidence
    client = sign_in(app, role)
    refused = [url for url in _urls(truth) if not url.startswith("/files/derived/") or
               int(url.rsplit("/", 1)[1]) in truth["derived"]]
    refused = [(url, status) for url in refused if (status := client.get(url).status_code) != 200]
    assert not refused


def test_public_pages_name_only_public_photos_and_crops(evidence):
    app, catalog, truth = evidence
    page = app.test_client().get("/devices/cam.json").get_json()
    assert [p["id"] for p in page["photos"]] == [truth["public_photo"]]
    assert [c["id"] for c in page["components"]] == [truth["public_component"]]
    photo = app.test_client().get(f"/photos/{truth['public_photo']}.json").get_json()
    crops = {r["crop_url"] for r in photo["regions"]}
    assert crops == {f"/files/derived/{d}" for d in truth["public_derived"]} & crops and len(crops) == 1
    with catalog.session() as session:
        parts = {status: {c.part_number for c in session.scalars(select(Component).where(Component.status == status))
                          if c.part_number} for status in ComponentStatus}
    hidden = set().union(*parts.values()) - parts[ComponentStatus.verified]
    assert hidden
    for part in hidden:  # a search for a private part shows, at most, the public component (a similar number)
        found = {r["id"] for r in app.test_client().get(f"/search.json?q={part}").get_json()["results"]}
        assert found <= {truth["public_component"]}, (part, found)


# -- sign-out, the login redirect, CSRF and bearer tokens ---------------------------------------------

@pytest.fixture
def strict(tmp_path):
    """An app with CSRF on, as served."""
    from bomcat.web import create_app
    catalog = make_catalog(tmp_path, {"rita": "reviewer", "adam": "admin"}, [("cam", "Hikvision", "X")])
    return create_app({"TESTING": True, "CATALOG": catalog, "SECRET_KEY": "s" * 32, "BACKGROUND_QUEUE": False}), catalog


def _csrf_token(client, path: str = "/login") -> str:
    import re
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', page).group(1)


def _signed_in_strictly(app, name: str):
    client = app.test_client()
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": _csrf_token(client)})
    assert response.status_code == 302
    return client


def test_sign_out_works_from_the_page_button(strict):
    app, _ = strict
    client = _signed_in_strictly(app, "adam")
    assert client.get("/admin/users").status_code == 200
    token = _csrf_token(client, "/devices")  # the Sign out form on every page carries it
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/admin/users").status_code == 302  # back to the login page


@pytest.mark.parametrize("target", ["/\t/evil.example/phish", "//evil.example", "/\\evil.example",
                                    "https://evil.example/", "/\n/evil.example", "\t//evil.example",
                                    "javascript:alert(1)", "/%09/evil.example"])
def test_login_never_redirects_off_the_site(strict, target):
    from urllib.parse import urlsplit
    app, _ = strict
    client = app.test_client()
    response = client.post("/login", query_string={"next": target},
                           data={"name": "adam", "password": PASSWORD, "csrf_token": _csrf_token(client)})
    location = response.headers["Location"]
    assert response.status_code == 302
    cleaned = "".join(ch for ch in location if ch not in "\t\n\r").replace("\\", "/")
    assert not urlsplit(cleaned).netloc or urlsplit(cleaned).netloc == "localhost", location


def test_login_keeps_a_local_next_page(strict):
    app, _ = strict
    client = app.test_client()
    response = client.post("/login", query_string={"next": "/devices/cam?x=1"},
                           data={"name": "adam", "password": PASSWORD, "csrf_token": _csrf_token(client)})
    assert response.headers["Location"].endswith("/devices/cam?x=1")


def _component_id(catalog, small_board) -> int:
    ingest_photo(catalog, "cam", small_board[0], "b.jpg", uploaded_by="rita")
    with catalog.session() as session:
        return session.scalars(select(Component.id)).first()


def _token(catalog, name: str) -> str:
    with catalog.session() as session:
        return create_token(session, session.scalar(select(User).where(User.name == name)))


def test_csrf_is_skipped_only_for_a_valid_bearer_token_without_a_session(strict, small_board):
    app, catalog = strict
    component = _component_id(catalog, small_board)
    url, body = f"/api/components/{component}/review", {"verdict": "rejected"}
    browser = _signed_in_strictly(app, "adam")
    junk = browser.post(url, json=body, headers={"Authorization": "Bearer junk"})
    assert junk.status_code == 400 and "CSRF" in junk.get_json()["error"]
    valid = _token(catalog, "adam")
    assert browser.post(url, json=body, headers={"Authorization": f"Bearer {valid}"}).status_code == 400
    with catalog.session() as session:
        assert session.get(Component, component).status is ComponentStatus.proposed  # nothing applied
    script = app.test_client()
    bad = script.post(url, json=body, headers={"Authorization": "Bearer junk"})
    assert bad.status_code == 401 and "token is not valid" in bad.get_json()["error"]
    assert script.post(url, json=body).status_code == 401
    assert script.post(url, json=body, headers={"Authorization": f"Bearer {valid}"}).status_code == 200
    with catalog.session() as session:
        assert session.get(Component, component).status is ComponentStatus.rejected


def test_session_cookie_is_httponly_and_samesite(strict):
    app, _ = strict
    client = app.test_client()
    response = client.post("/login", data={"name": "adam", "password": PASSWORD,
                                           "csrf_token": _csrf_token(client)})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie   # plain HTTP: a laptop
    secure = app.test_client().get("/login", base_url="https://bomcat.example")
    assert "Secure" in secure.headers["Set-Cookie"] and "HttpOnly" in secure.headers["Set-Cookie"]


def test_behind_a_trusted_proxy_https_requests_get_secure_cookies(tmp_path):
    """`bomcat serve --trusted-proxy` (waitress) believes that proxy's X-Forwarded-Proto; a request
    that came over HTTPS gets a Secure session cookie, a plain one does not."""
    import urllib.request
    from bomcat.served import prepare_catalog, serving
    token = prepare_catalog(tmp_path)

    def cookie(server, proto: Optional[str]) -> str:
        request = urllib.request.Request(server.base + "/login", headers={"X-Forwarded-Proto": proto} if proto else {})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.headers["Set-Cookie"]
    with serving(tmp_path, token, options=("--trusted-proxy", "127.0.0.1")) as server:
        assert "Secure" in cookie(server, "https") and "Secure" not in cookie(server, None)
    with serving(tmp_path, token) as server:   # no proxy trusted: the header is anyone's word
        assert "Secure" not in cookie(server, "https")


# -- refusals by type, one handler ----------------------------------------------------------------------

def test_refusals_carry_their_status_to_the_api(strict, small_board, tmp_path):
    import io
    app, catalog = strict
    token = _token(catalog, "adam")
    client, auth = app.test_client(), {"Authorization": f"Bearer {token}"}

    def upload(slug: str, data: bytes, name: str = "b.jpg", **form):
        return client.post(f"/api/devices/{slug}/photos", headers=auth, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), name), **form})
    for mode in ({}, {"wait": "1"}):   # queued (the default) or ingested within the request: refused alike
        assert upload("nope", small_board[0], **mode).status_code == 404                      # unknown device
        assert upload("cam", b"not a picture at all", **mode).status_code == 415              # not an image
        assert upload("cam", b"", **mode).status_code == 400                                  # empty
    assert client.post("/api/devices", headers=auth, json={"slug": "cam", "maker": "X", "model": "Y"}).status_code == 409
    assert client.post("/api/devices", headers=auth, json={"slug": "Bad Slug", "maker": "X", "model": "Y"}).status_code == 400
    response = client.post("/api/photos/999/regions", headers=auth, json={"cx": 10, "cy": 10, "w": 20, "h": 20})
    assert response.status_code == 404 and response.get_json() == {"error": "no photo 999"}
    assert client.get("/search.json?q=ab").status_code == 400


def test_an_unexpected_failure_is_a_500_with_a_neutral_message_and_a_logged_traceback(strict, caplog):
    app, _ = strict
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("secret internals /etc/passwd")
    response = app.test_client().get("/api/boom")
    assert response.status_code == 500
    assert "secret" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
    assert "secret internals" in caplog.text


def test_no_view_decides_a_status_by_reading_a_message():
    from pathlib import Path
    web = Path(__file__).resolve().parents[1] / "web"
    for source in web.glob("*.py"):
        text = source.read_text()
        assert "in str(exc)" not in text and "str(exc).startswith" not in text, source.name


def _get_routes(app) -> list[str]:
    return sorted(r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and not r.rule.startswith("/static"))


def test_every_get_route_as_a_reviewer_answers_without_a_server_error(evidence):
    import re
    app, _, truth = evidence
    client = sign_in(app, "rita")
    fill = {"slug": "cam", "photo_id": truth["public_photo"], "component_id": truth["public_component"],
            "derived_id": min(truth["public_derived"]), "sha": truth["photos"][truth["public_photo"]],
            "level": 0, "col": 0, "row": 0}
    for rule in _get_routes(app):
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(fill.get(m.group(1), 1)), rule)
        assert client.get(url).status_code < 500, url


def test_every_route_walked_as_a_visitor_shows_nothing_private(evidence):
    """Every GET route of the app, filled with every id, slug and hash of the catalog, fetched as an
    anonymous visitor: no page, JSON, CSV or file names the draft device or links a private photo or crop."""
    import re
    from bomcat.catalog.models import Manufacturer
    from bomcat.catalog.records import slugify
    app, catalog, truth = evidence
    with catalog.session() as session:
        manufacturers = [slugify(m.name) for m in session.scalars(select(Manufacturer))]
        parts = sorted({c.part_number for c in session.scalars(select(Component)) if c.part_number})
    values = {"slug": ["cam", "draft", *manufacturers, "hikvision", "dahua", "japan", "taiwan", "china"],
              "photo_id": list(truth["photos"]), "component_id": truth["components"],
              "derived_id": truth["derived"], "sha": list(truth["photos"].values()),
              "level": [0, 8], "col": [0], "row": [0]}
    private_links = {f"/files/derived/{d}" for d in truth["derived"] if d not in truth["public_derived"]} | \
        {f"/photos/{p}" for p in truth["photos"] if p != truth["public_photo"]} | \
        {f"/files/original/{sha}" for p, sha in truth["photos"].items() if p != truth["public_photo"]}
    client = app.test_client()
    seen = 0
    for rule in _get_routes(app):
        names = re.findall(r"<(?:\w+:)?(\w+)>", rule)
        fills = [{}]
        for name in names:
            fills = [{**f, name: v} for f in fills for v in values.get(name, [1])]
        for fill in fills:
            url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(fill[m.group(1)]), rule)
            urls = [url] + ([f"{url}?q={p}" for p in parts] if rule.startswith("/search") else [])
            for target in urls:
                response = client.get(target)
                seen += 1
                if response.status_code != 200 or not response.mimetype.startswith(("text/", "application/json")):
                    continue
                body = response.get_data(as_text=True)
                assert "IPC-HDW" not in body and "/devices/draft" not in body, target   # the draft device
                # Its maker's name only where the public entity list names Dahua itself, not the device.
                assert "Dahua" not in body or target.startswith("/entity-list"), target
                leaked = {link for link in private_links if re.search(re.escape(link) + r"(?![0-9a-f])", body)}
                assert not leaked, (target, leaked)
    assert seen > 200


@pytest.mark.parametrize("url", ["/devices", "/devices.json", "/login", "/static/bomcat.css", "/nope"])
def test_every_response_carries_the_security_headers(strict, url):
    app, _ = strict
    response = app.test_client().get(url)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_template_has_an_inline_script_or_handler():
    import re
    from pathlib import Path
    for template in (Path(__file__).resolve().parents[1] / "web" / "templates").glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))", text), template.name
        assert not re.search(r"\son[a-z]+=\"", text), template.name


def test_failed_sign_ins_are_limited_per_account_and_a_clear_message_says_so(tmp_path):
    from bomcat.web import create_app
    catalog = make_catalog(tmp_path, {"adam": "admin", "rita": "reviewer"})
    app = create_app({"TESTING": True, "CATALOG": catalog, "SECRET_KEY": "s" * 32, "BACKGROUND_QUEUE": False,
                      "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    statuses = [client.post("/login", data={"name": "adam", "password": f"wrong {n}"}).status_code for n in range(12)]
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    refused = client.post("/login", data={"name": "adam", "password": PASSWORD})
    assert refused.status_code == 429 and "too many failed sign-ins for this account" in refused.get_data(as_text=True)
    assert client.post("/login", data={"name": "rita", "password": PASSWORD}).status_code == 302  # another account


def test_an_unknown_name_takes_as_long_as_a_wrong_password(tmp_path):
    import time
    from bomcat.catalog.users import authenticate
    catalog = make_catalog(tmp_path, {"adam": "admin"})

    def seconds(name: str) -> float:
        with catalog.session() as session:
            start = time.perf_counter()
            assert authenticate(session, name, "wrong password") is None
            return time.perf_counter() - start
    known = min(seconds("adam") for _ in range(3))
    unknown = min(seconds("nobody") for _ in range(3))
    assert unknown > 0.5 * known
