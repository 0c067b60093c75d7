"""Background ingest: uploads staged and processed by the embedded thread queue, or by RQ
workers on a real Redis server; each photo's status visible while it moves through the pipeline."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import select

from bomcat.catalog.models import Component, Upload, UploadStatus
from bomcat.pipeline.jobs import EmbeddedQueue, process_upload, stage_upload, submit

from .conftest import _free_port, board_jpeg, make_catalog, sign_in, wait_for_server, web_app


@pytest.fixture
def site(tmp_path):
    catalog = make_catalog(tmp_path, {"ivan": "investigator", "rita": "reviewer"},
                           [("cam", "Hikvision", "DS-2CD2032"), ("other", "Dahua", "IPC-HDW")])
    return web_app(catalog), catalog


def signed_in(app, name="ivan"):
    return sign_in(app, name)


def send(client, data: bytes, name: str, slug: str = "cam", **form):
    return client.post(f"/api/devices/{slug}/photos", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name), **form})


def wait_for(client, slug: str, ids: set[int], timeout: float = 180) -> dict[int, dict]:
    deadline = time.time() + timeout
    while True:
        uploads = {u["id"]: u for u in client.get(f"/api/devices/{slug}/uploads").get_json()["uploads"]}
        if all(uploads[i]["status"] in ("done", "failed") for i in ids):
            return uploads
        assert time.time() < deadline, f"uploads still running: {uploads}"
        time.sleep(0.3)


def test_photos_are_queued_and_processed_in_the_background(site, small_board):
    app, catalog = site
    client = signed_in(app)
    second, _ = board_jpeg(seed=31)
    replies = [send(client, small_board[0], "top.jpg", side="top", board="main"), send(client, second, "b.jpg")]
    assert [r.status_code for r in replies] == [202, 202]
    first = replies[0].get_json()["upload"]
    assert first["status"] == "queued" and first["queue"] == "embedded" and first["side"] == "top"
    assert catalog.store.path(f"incoming/{first['sha256']}").exists()  # the bytes are safe before any work
    uploads = wait_for(client, "cam", {r.get_json()["upload"]["id"] for r in replies})
    done = uploads[first["id"]]
    assert done["status"] == "done" and done["detail"] == "3 chips found, 3 components proposed", done
    assert done["photo_url"] == f"/photos/{done['photo_id']}"
    # the status URL the 202 named (Location and the body) answers for that one upload
    assert replies[0].headers["Location"] == first["status_url"] == f"/api/uploads/{first['id']}"
    assert client.get(first["status_url"]).get_json()["upload"] == done
    assert client.get("/api/uploads/99999").status_code == 404
    assert signed_in(app, "rita").get(first["status_url"]).status_code == 403   # investigators' business
    assert catalog.store.read_original(first["sha256"]) == small_board[0]
    assert not catalog.store.path(f"incoming/{first['sha256']}").exists()  # staged copy gone once stored
    with catalog.session() as session:
        assert session.scalar(select(Component).where(Component.part_number.like("IMX307%"))) is not None
    page = client.get("/devices/cam/upload")
    assert page.status_code == 200 and "top.jpg" in page.get_data(as_text=True)


def test_wait_ingests_within_the_request(site, small_board):
    app, catalog = site
    sent = send(signed_in(app), small_board[0], "now.jpg", wait="1")
    assert sent.status_code == 201 and sent.get_json()["photo"]["components"] == 3
    again = send(signed_in(app), small_board[0], "now.jpg", wait="1")
    assert again.status_code == 200 and again.get_json()["photo"]["photo_id"] == sent.get_json()["photo"]["photo_id"]
    with catalog.session() as session:
        assert session.scalars(select(Upload)).all() == []   # nothing queued


def test_status_moves_through_the_stages_while_ingest_runs(site, small_board):
    """The stage updates are written while the ingest is in flight: SQLite is not locked by it."""
    app, catalog = site
    upload = stage_upload(catalog, "cam", small_board[0], "board.jpg", "ivan", "embedded")
    worker = threading.Thread(target=process_upload, args=(catalog, upload.id))
    worker.start()
    seen = []
    while worker.is_alive() or not seen or seen[-1] not in ("done", "failed"):
        with catalog.session() as session:
            status = session.get(Upload, upload.id).status.value
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.02)
    worker.join()
    assert seen[-1] == "done" and "reading" in seen and seen.index("reading") > 0
    assert [s for s in seen if s in ("detecting", "reading", "done")] == sorted(
        [s for s in seen if s in ("detecting", "reading", "done")], key=["detecting", "reading", "done"].index)


@pytest.mark.parametrize("data, name, status, message", [
    (b"", "empty.jpg", 400, "the file is empty"),
    (b"GIF89a not really", "x.gif", 415, "not a readable image"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "cut.png", 415, "not a readable image"),
])
def test_bad_files_are_refused_at_once_and_nothing_is_kept(site, data, name, status, message):
    app, catalog = site
    response = send(signed_in(app), data, name)
    assert response.status_code == status and message in response.get_json()["error"]
    with catalog.session() as session:
        assert session.scalars(select(Upload)).all() == []
    assert not catalog.store.path("incoming").exists() or not any(catalog.store.path("incoming").iterdir())


def test_a_too_large_photo_is_refused_with_the_limit(site, monkeypatch, small_board):
    from bomcat.images import photo as photo_io
    monkeypatch.setattr(photo_io, "MAX_PHOTO_BYTES", 1000)
    app, _ = site
    response = send(signed_in(app), small_board[0], "huge.jpg")
    assert response.status_code == 413 and "limit" in response.get_json()["error"]


def test_a_failed_upload_says_why_keeps_its_bytes_and_can_be_retried(site, small_board):
    app, catalog = site
    client = signed_in(app)
    staged = stage_upload(catalog, "cam", small_board[0], "same-photo.jpg", "ivan", "embedded")  # not yet queued
    first = send(client, small_board[0], "a.jpg", slug="other").get_json()["upload"]
    wait_for(client, "other", {first["id"]})
    refused = send(client, small_board[0], "again.jpg")   # now evidence of 'other': refused before the queue
    assert refused.status_code == 409 and "already evidence for device 'other'" in refused.get_json()["error"]
    submit(catalog, app.config["QUEUE"], staged.id)       # staged before 'other' took it: fails in the worker
    clash = {"id": staged.id, "sha256": staged.sha256}
    failed = wait_for(client, "cam", {clash["id"]})[clash["id"]]
    assert failed["status"] == "failed" and "already evidence for device 'other'" in failed["detail"]
    assert catalog.store.path(f"incoming/{clash['sha256']}").exists()  # kept for a retry
    assert client.post(f"/api/uploads/{first['id']}/retry").status_code == 409  # done, not failed
    retried = client.post(f"/api/uploads/{clash['id']}/retry")
    assert retried.status_code == 202 and retried.get_json()["upload"]["status"] == "queued"
    assert wait_for(client, "cam", {clash["id"]})[clash["id"]]["status"] == "failed"


def test_an_upload_stuck_mid_pipeline_can_be_retried(site, small_board):
    """A worker killed mid-job leaves its upload 'reading'; after a while it may be queued again."""
    import datetime as dt
    app, catalog = site
    client = signed_in(app)
    upload = stage_upload(catalog, "cam", small_board[0], "board.jpg", "ivan", "embedded")
    with catalog.session() as session:
        session.get(Upload, upload.id).status = UploadStatus.reading
    assert client.post(f"/api/uploads/{upload.id}/retry").status_code == 409  # still working, perhaps
    with catalog.session() as session:
        row = session.get(Upload, upload.id)
        row.updated_at = row.updated_at - dt.timedelta(hours=2)
    assert client.post(f"/api/uploads/{upload.id}/retry").status_code == 202
    assert wait_for(client, "cam", {upload.id})[upload.id]["status"] == "done"


@pytest.mark.parametrize("role, expected", [("anonymous", 401), ("rita", 403), ("ivan", 202)])
def test_only_investigators_upload(site, small_board, role, expected):
    app, _ = site
    client = app.test_client() if role == "anonymous" else signed_in(app, role)
    assert send(client, small_board[0], "a.jpg").status_code == expected


def test_uploads_left_unfinished_by_a_stopped_server_are_resumed(site, small_board):
    app, catalog = site
    upload = stage_upload(catalog, "cam", small_board[0], "board.jpg", "ivan", "embedded")  # never enqueued
    queue = EmbeddedQueue(catalog)
    assert queue.resume_interrupted() == 1
    queue.executor.shutdown(wait=True)
    with catalog.session() as session:
        assert session.get(Upload, upload.id).status is UploadStatus.done


# -- RQ on a real Redis server --------------------------------------------------------------

@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server_bin = shutil.which("redis-server")
    if server_bin is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed: scripts/setup.sh should have installed it")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen([server_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(folder)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from redis import Redis
    url = f"redis://127.0.0.1:{port}/0"
    wait_for_server(server, lambda: Redis.from_url(url).ping(), "Redis", timeout=20)
    yield url
    server.terminate()
    server.wait(timeout=20)


def test_rq_workers_take_uploads_from_redis(tmp_path, redis_url, small_board):
    catalog = make_catalog(tmp_path, {"ivan": "investigator"}, [("cam", "Hikvision", "DS-2CD2032")])
    db = str(catalog.engine.url)
    app = web_app(catalog, QUEUE_URL=redis_url)
    client = signed_in(app)
    sent = send(client, small_board[0], "board.jpg")
    assert sent.status_code == 202
    upload = sent.get_json()["upload"]
    assert upload["queue"] == "rq"
    time.sleep(0.5)
    upload = client.get("/api/devices/cam/uploads").get_json()["uploads"][0]
    assert upload["status"] == "queued" and upload["job_id"]  # nothing runs it in this process
    env = {**os.environ, "BOMCAT_DATABASE_URL": db, "BOMCAT_PHOTO_STORE": str(catalog.store.root)}
    worker = subprocess.run([sys.executable, "-m", "bomcat", "worker", "--queue-url", redis_url, "--burst"],
                            env=env, capture_output=True, text=True, timeout=300)
    assert worker.returncode == 0, worker.stderr
    done = client.get("/api/devices/cam/uploads").get_json()["uploads"][0]
    assert done["status"] == "done" and done["detail"] == "3 chips found, 3 components proposed", done
    with catalog.session() as session:
        assert len(session.scalars(select(Component)).all()) == 3


def test_worker_says_when_redis_is_unreachable(runner):
    result = runner("worker", "--queue-url", f"redis://127.0.0.1:{_free_port()}/0", "--burst")
    assert result.returncode != 0 and "cannot reach the queue" in result.stderr


@pytest.mark.postgres
def test_background_ingest_on_postgresql(fresh_postgres_url, tmp_path, small_board):
    from bomcat.pipeline import open_catalog
    catalog = open_catalog(fresh_postgres_url, photo_root=tmp_path / "photos")
    with catalog.session() as session:
        from bomcat.catalog.records import create_device
        create_device(session, "cam", "Hikvision", "DS-2CD2032")
    upload = stage_upload(catalog, "cam", small_board[0], "board.jpg", "ivan", "embedded")
    broken = stage_upload(catalog, "cam", board_jpeg(seed=77)[0], "other.jpg", "ivan", "embedded")
    assert process_upload(catalog, upload.id) is UploadStatus.done
    catalog.store.drop_incoming(broken.sha256)  # the staged bytes went missing: failed, with the reason
    assert process_upload(catalog, broken.id) is UploadStatus.failed
    with catalog.session() as session:
        done, failed = session.get(Upload, upload.id), session.get(Upload, broken.id)
        assert done.detail == "3 chips found, 3 components proposed" and done.photo_id
        assert "no longer in the photo store" in failed.detail and failed.photo_id is None
        assert len(session.scalars(select(Component)).all()) == 3
    catalog.engine.dispose()
