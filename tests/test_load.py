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
