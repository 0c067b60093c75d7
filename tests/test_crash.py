"""Crash safety: a batch ingest (`bomcat ingest`, a real process) killed with SIGKILL at random
points 25 times (BOMCAT_CRASH_KILLS=50 for a longer soak) and started again each time. After every kill the database passes SQLite's
integrity and foreign-key checks, `bomcat doctor --repair` leaves the store with no orphan and no
missing file, every photo acknowledged before the kill is there and hash-intact, and the batch
moves on photo by photo until it is done."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time

from bomcat.catalog.db import check_database
from bomcat.pipeline import open_catalog
from bomcat.catalog.records import create_device
from bomcat.pipeline.audit import audit_store, repair_store
from bomcat.hostile_corpus import board_like, encoded
from bomcat.images.store import sha256_hex

KILLS = int(os.environ.get("BOMCAT_CRASH_KILLS", 25))


def start_batch(env: dict, photos: list[str]) -> tuple[subprocess.Popen, list[dict], threading.Thread]:
    process = subprocess.Popen([sys.executable, "-m", "bomcat", "ingest", "--device", "cam", "--json", *photos],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    said: list[dict] = []

    def read() -> None:   # what the batch acknowledged: one JSON line per photo, printed after its commit
        for line in process.stdout:
            said.append(json.loads(line))
    reader = threading.Thread(target=read)
    reader.start()
    return process, said, reader


def test_a_batch_ingest_killed_again_and_again_loses_nothing_and_leaves_nothing_behind(tmp_path, runner):
    rng = random.Random(2026)
    paths: list[str] = []
    # A bare board: ingest is storing, turning upright, detecting, cutting nothing. Each file is the same
    # picture with its own bytes after the JPEG's end (re-encoding it would make JPEG noise the detector
    # may box, and a photo read by OCR takes longer than most gaps between kills).
    picture = encoded(board_like(), "JPEG", quality=95)

    def more_photos(count: int) -> None:
        """New photos for the batch: however fast this machine ingests, every kill finds work to cut."""
        for _ in range(count):
            path = tmp_path / f"board-{len(paths)}.jpg"
            path.write_bytes(picture + f"bomcat-crash-{len(paths)}".encode())
            paths.append(str(path))
    more_photos(10)
    env = runner.env   # the test catalog's BOMCAT_HOME, as every `bomcat` subprocess of the suite gets it
    catalog = open_catalog(home=env["BOMCAT_HOME"])
    with catalog.session() as session:
        create_device(session, "cam", "Hikvision", "DS-2CD2xx")
    acknowledged: set[str] = set()
    kills_mid_photo = 0
    for _ in range(KILLS):
        more_photos(2)
        process, said, reader = start_batch(env, paths)
        time.sleep(rng.uniform(0.2, 2.5))
        process.kill()
        process.wait()
        reader.join()
        acknowledged |= {entry["sha256"] for entry in said}
        kills_mid_photo += process.returncode == -9 and len(said) < len(paths)
        repair_store(catalog, older_than=0)          # what `bomcat doctor --repair` does at the next start
        assert check_database(catalog.engine) == []
        audit = audit_store(catalog)
        assert audit.clean, audit.as_dict()
        for sha in acknowledged:
            assert sha256_hex(catalog.store.read_original(sha)) == sha
    assert len(acknowledged) >= 3   # the batch moved on photo by photo while it was being killed
    process, said, reader = start_batch(env, paths)   # at last left to finish
    assert process.wait(timeout=300) == 0
    reader.join()
    assert {sha256_hex(open(p, "rb").read()) for p in paths} <= {e["sha256"] for e in said} | acknowledged
    assert audit_store(catalog).clean and kills_mid_photo >= KILLS // 2


def test_doctor_reports_what_a_killed_ingest_left_and_repair_removes_it(runner, tmp_path):
    from bomcat.pipeline.ingest import ingest_photo
    data = encoded(board_like(), "JPEG")
    catalog = open_catalog(home=runner.env["BOMCAT_HOME"])
    with catalog.session() as session:
        create_device(session, "cam", "Hikvision", "X")
    ingest_photo(catalog, "cam", data, "a.jpg", uploaded_by="t")
    whole = runner("doctor", "--json")
    assert whole.returncode == 0 and json.loads(whole.stdout)["orphans"] == []
    stray = catalog.store.root / "originals" / "cd" / ("cd" * 32)   # an original whose row was never committed
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left by an ingest killed before its commit")
    found = runner("doctor")
    assert found.returncode == 8 and "orphan: originals/cd/" in found.stdout and "--repair" in found.stderr
    young = runner("doctor", "--repair")   # an hour's grace: another process may be about to commit it
    assert young.returncode == 8 and stray.exists()
    repaired = runner("doctor", "--repair", "--grace-minutes", "0", "--json")
    assert repaired.returncode == 0 and json.loads(repaired.stdout)["removed"] == [f"originals/cd/{'cd' * 32}"]
    assert not stray.exists() and catalog.store.original_path(sha256_hex(data)).exists()


def upload_until(server, photos: list[bytes], stop: threading.Event, acknowledged: dict[int, str]) -> None:
    """Upload the photos round and round the way the upload page does (queued, 202) until told to stop
    or the server is gone; every upload the server acknowledged is noted with its SHA-256."""
    from bomcat.served import call, multipart
    n = 0
    while not stop.is_set():
        body, content_type = multipart(f"board-{n % len(photos)}.jpg", photos[n % len(photos)])
        status, _, answer, _ = call(server, "POST", f"/api/devices/{server.slug}/photos", body, content_type,
                                    timeout=10)
        if status == 202:
            upload = json.loads(answer)["upload"]
            acknowledged[upload["id"]] = upload["sha256"]
        elif status is None:
            return   # killed
        n += 1


def test_a_web_server_killed_again_and_again_during_uploads_loses_no_acknowledged_upload(tmp_path):
    """`bomcat serve` with its worker process, killed with SIGKILL (the whole process group, as a crash
    or the OOM killer would) while two clients upload, KILLS times, and started again each time."""
    import signal
    from sqlalchemy import select
    from bomcat.catalog.models import Upload, UploadStatus
    from bomcat.served import prepare_catalog, serving
    rng = random.Random(2027)
    bare = encoded(board_like(), "JPEG", quality=95)   # six files of one bare board (as in the batch test above)
    photos = [bare + f"bomcat-crash-{n}".encode() for n in range(6)]
    home = tmp_path / "home"
    home.mkdir()
    token = prepare_catalog(home)
    catalog = open_catalog(home=home)
    acknowledged: dict[int, str] = {}
    for _ in range(KILLS):
        with serving(home, token) as server:
            stop = threading.Event()
            clients = [threading.Thread(target=upload_until, args=(server, photos, stop, acknowledged))
                       for _ in range(2)]
            for client in clients:
                client.start()
            time.sleep(rng.uniform(0.05, 1.5))
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()
            stop.set()
            for client in clients:
                client.join()
        assert check_database(catalog.engine) == []
        repair_store(catalog, older_than=0)
        audit = audit_store(catalog)
        assert audit.clean, audit.as_dict()
        with catalog.session() as session:
            rows = {u.id: u.sha256 for u in session.scalars(select(Upload))}
        assert {i: rows.get(i) for i in acknowledged} == acknowledged   # every acknowledged upload is recorded
        for sha in set(acknowledged.values()):   # and its bytes kept: staged, or the original of its photo
            staged = catalog.store.path(catalog.store.incoming_relpath(sha))
            data = staged.read_bytes() if staged.is_file() else catalog.store.read_original(sha)
            assert sha256_hex(data) == sha
    assert len(acknowledged) >= KILLS
    with serving(home, token):   # at last left running: the interrupted uploads are resumed
        deadline = time.time() + 300
        while True:
            with catalog.session() as session:
                statuses = {u.id: u.status for u in session.scalars(select(Upload)) if u.id in acknowledged}
            if all(s in (UploadStatus.done, UploadStatus.failed) for s in statuses.values()):
                break
            assert time.time() < deadline, sorted({s.value for s in statuses.values()})
            time.sleep(0.5)
    assert set(statuses.values()) == {UploadStatus.done}
    for sha in set(acknowledged.values()):
        assert sha256_hex(catalog.store.read_original(sha)) == sha
    assert audit_store(catalog).clean
