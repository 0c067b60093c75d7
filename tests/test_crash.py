"""Crash safety: a batch ingest (`bomcat ingest`, a real process) killed with SIGKILL at random
points 50 times and started again each time. After every kill the database passes SQLite's
integrity and foreign-key checks, `bomcat doctor --repair` leaves the store with no orphan and no
missing file, every photo acknowledged before the kill is there and hash-intact, and the batch
moves on photo by photo until it is done."""
from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time

from bomcat.catalog.db import check_database, open_catalog
from bomcat.catalog.records import create_device
from bomcat.images.audit import audit_store, repair_store
from bomcat.hostile_corpus import board_like, encoded
from bomcat.images.store import sha256_hex

KILLS = 50


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


def test_a_batch_ingest_killed_fifty_times_loses_nothing_and_leaves_nothing_behind(tmp_path, runner):
    rng = random.Random(2026)
    paths = []
    picture = board_like()   # a bare board: ingest is storing, turning upright, detecting, cutting nothing
    for n in range(10):
        path = tmp_path / f"board-{n}.jpg"
        path.write_bytes(encoded(picture, "JPEG", quality=95 - n))
        paths.append(str(path))
    env = runner.env   # the test catalog's BOMCAT_HOME, as every `bomcat` subprocess of the suite gets it
    catalog = open_catalog(home=env["BOMCAT_HOME"])
    with catalog.session() as session:
        create_device(session, "cam", "Hikvision", "DS-2CD2xx")
    acknowledged: set[str] = set()
    kills_mid_photo = 0
    for _ in range(KILLS):
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
    from bomcat.images.ingest import ingest_photo
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
