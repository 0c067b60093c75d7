"""`bomcat bench load` for a few seconds, on SQLite and on PostgreSQL: the real server (`bomcat
serve` in its own process) under uploaders and readers at once answers every request without a
server error or a lock, and every upload it acknowledged is in the catalog afterwards."""
from __future__ import annotations

import re

import pytest

LAST_LINE = re.compile(r"requests (\d+) 5xx (\d+) locked (\d+) lost (\d+) p50 (\d+) ms p95 (\d+) ms")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_server_under_load_answers_everything_and_loses_nothing(runner, request, backend):
    database = ["--database", request.getfixturevalue("fresh_postgres_url")] if backend == "postgresql" else []
    result = runner("bench", "load", "--seconds", "6", "--uploaders", "3", "--readers", "6", *database, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    found = LAST_LINE.fullmatch(lines[-1])
    assert found, lines[-1]
    requests, errors, locked, lost = (int(v) for v in found.groups()[:4])
    assert requests > 20 and (errors, locked, lost) == (0, 0, 0), lines
    acknowledged = int(re.search(r"acknowledged (\d+)", lines[-2]).group(1))
    assert acknowledged > 0, lines


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"   # a zombie has left; only its entry waits
    except FileNotFoundError:
        return False


def test_the_ingest_worker_leaves_when_its_server_is_killed(tmp_path):
    """The embedded queue's worker process cannot be told to stop by a server killed outright; it
    notices its parent is gone and leaves instead of idling forever."""
    import json
    import time

    from bomcat.served import call, multipart, served

    from .conftest import board_jpeg
    with served(tmp_path / "home") as server:
        body, content_type = multipart("a.jpg", board_jpeg()[0])
        assert call(server, "POST", f"/api/devices/{server.slug}/photos", body, content_type)[0] == 202
        pid = server.process.pid
        deadline = time.time() + 60
        status = "queued"
        while status == "queued" and time.time() < deadline:   # until the worker has taken the upload
            time.sleep(0.2)
            answer = call(server, "GET", f"/api/devices/{server.slug}/uploads")[2]
            status = json.loads(answer)["uploads"][0]["status"]
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            children = [int(c) for c in fh.read().split()]   # the worker, and multiprocessing's resource tracker
        assert status != "queued" and children, "no worker process took the upload"
        server.process.kill()
        server.process.wait()
        deadline = time.time() + 20
        while any(alive(c) for c in children) and time.time() < deadline:
            time.sleep(0.2)
        assert not any(alive(c) for c in children), children
