"""The hostile corpus of `bomcat bench hostile` against the real app and a real SQLite catalog:
every file is refused with a reason or kept byte for byte and served as an image; no value reaches
a 5xx; afterwards the photo store and the catalog agree (no orphan, nothing missing)."""
from __future__ import annotations

import io

import pytest

from bomcat.hostile_corpus import ACCEPT, make_files, make_requests
from bomcat.pipeline.audit import audit_store

from .conftest import make_catalog, sign_in, web_app

FILES = make_files()
SLUG = "hostile-target"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    catalog = make_catalog(tmp_path_factory.mktemp("hostile"), {"ivan": "investigator"},
                           devices=((SLUG, "Bench", "Target"),))
    return catalog, sign_in(web_app(catalog), "ivan")


@pytest.mark.parametrize("item", FILES, ids=[f.name for f in FILES])
def test_each_file_is_refused_with_a_reason_or_kept_byte_for_byte(hostile_site, item):
    _, client = hostile_site
    response = client.post(f"/api/devices/{SLUG}/photos", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(item.data), item.filename), "wait": "1"})
    if item.expect == ACCEPT:
        assert response.status_code in (200, 201), response.get_json()
        sha = response.get_json()["photo"]["sha256"]
        back = client.get(f"/files/original/{sha}")
        assert back.status_code == 200 and back.data == item.data
        assert back.mimetype.startswith("image/") and back.headers["X-Content-Type-Options"] == "nosniff"
    else:
        assert 400 <= response.status_code < 500, response.status_code
        assert response.get_json()["error"].startswith(f"{item.filename}: ")   # which file, and why


@pytest.mark.parametrize("request_", make_requests(SLUG), ids=lambda r: r.name)
def test_hostile_values_get_an_answer_not_a_server_error(hostile_site, request_):
    _, client = hostile_site
    response = client.open(request_.path, method=request_.method,
                           json=request_.body if request_.method != "GET" else None)
    assert response.status_code < 500, (request_.name, response.status_code)
    if response.status_code >= 400 and response.is_json:
        assert response.get_json()["error"]


def test_the_store_and_the_catalog_agree_after_the_corpus(hostile_site):
    catalog, client = hostile_site
    for item in FILES:   # whatever ran before (or alone), the whole corpus has been sent once more
        client.post(f"/api/devices/{SLUG}/photos", data={"file": (io.BytesIO(item.data), item.filename), "wait": "1"},
                    content_type="multipart/form-data")
    audit = audit_store(catalog)
    assert audit.clean, audit.as_dict()
    assert len(list((catalog.store.root / "originals").rglob("*"))) > len(
        [f for f in FILES if f.expect == ACCEPT])   # the accepted originals are there (and their folders)


def test_the_audit_finds_an_orphan_a_missing_file_and_a_damaged_original(tmp_path):
    from bomcat.pipeline.ingest import ingest_photo
    catalog = make_catalog(tmp_path, devices=((SLUG, "Bench", "Target"),))
    photo = next(f for f in FILES if f.name == "png")
    result = ingest_photo(catalog, SLUG, photo.data, "board.png", uploaded_by="t")
    assert audit_store(catalog).clean
    stray = catalog.store.root / "originals" / "ab" / ("ab" * 32)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"left by a write that was never committed")
    original = catalog.store.original_path(result.sha256)
    original.chmod(0o644)
    original.write_bytes(photo.data + b"tampered")
    derived = next(p for p in (catalog.store.root / "derived").rglob("*") if p.is_file() and "tiles" not in p.parts)
    derived.unlink()
    audit = audit_store(catalog)
    assert audit.orphans == [stray.relative_to(catalog.store.root).as_posix()]
    assert audit.damaged == [catalog.store.original_relpath(result.sha256)]
    assert audit.missing == [derived.relative_to(catalog.store.root).as_posix()]


@pytest.mark.parametrize("item", [f for f in FILES if f.expect != ACCEPT], ids=lambda f: f.name)
def test_a_queued_upload_is_refused_at_once_not_after_the_queue(hostile_site, item):
    """The default upload only checks and keeps the file: every file to refuse is refused there, with
    the same reason, before anything is queued."""
    catalog, client = hostile_site
    response = client.post(f"/api/devices/{SLUG}/photos", data={"file": (io.BytesIO(item.data), item.filename)},
                           content_type="multipart/form-data")
    assert 400 <= response.status_code < 500, response.status_code
    assert response.get_json()["error"].startswith(f"{item.filename}: ")
    from bomcat.catalog.models import Upload
    from sqlalchemy import func, select
    with catalog.session() as session:
        assert session.scalar(select(func.count()).select_from(Upload)) == 0
