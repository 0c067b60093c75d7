"""`bomcat bench hostile`: the hostile corpus (`hostile_corpus.py`) against the real server.

The server is started as `bomcat serve` starts it (waitress, the real app; `served.py`) on a
throwaway catalog in `BOMCAT_HOME` (a temporary folder unless one is given), with an investigator's
API token. Each file is uploaded to `POST /api/devices/<slug>/photos`; an accepted one is fetched
back from `/files/original/<sha>` and must be byte-identical, served with its image type and
`nosniff`. Hostile values go to the device API and the pages. Per item one line says what happened; the last
line is exactly `files N refused R accepted A 5xx X hangs H orphans O`, where a hang is a request not
answered within the timeout and an orphan is a file in the photo store that no row names (or a row
whose file is missing) once the server has stopped."""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .hostile_corpus import HostileFile, HostileRequest, make_files, make_requests
from .served import Served, call, multipart, served

EXPECTED = {"accept": "accepted", "refuse": "refused"}
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/tiff", "image/heic", "image/heif"}


@dataclass
class Outcome:
    name: str
    status: Optional[int]      # None: no answer in time
    seconds: float
    detail: str
    expected: str = ""

    @property
    def verdict(self) -> str:
        if self.status is None:
            return "hang"
        if self.status >= 500:
            return "5xx"
        return "accepted" if self.status < 400 else "refused"


def message(data: bytes) -> str:
    try:
        return str(json.loads(data).get("error", ""))[:150]
    except (ValueError, AttributeError):
        return data[:80].decode("utf-8", "replace").replace("\n", " ")


def send_file(server: Served, item: HostileFile, timeout: float) -> Outcome:
    body, content_type = multipart(item.filename, item.data, {"wait": "1"})  # refused or kept, within the request
    status, _, data, seconds = call(server, "POST", f"/api/devices/{server.slug}/photos", body, content_type, timeout)
    outcome = Outcome(item.name, status, seconds, message(data) if status and status >= 400 else "", item.expect)
    if status in (200, 201):
        photo = json.loads(data)["photo"]
        back_status, headers, back, _ = call(server, "GET", f"/files/original/{photo['sha256']}", timeout=timeout)
        kind = headers.get("Content-Type", "").split(";")[0]
        problems = [text for bad, text in (
            (back_status != 200, f"original answered {back_status}"), (back != item.data, "original not byte-identical"),
            (kind not in IMAGE_TYPES, f"original served as {kind or 'nothing'}"),
            (headers.get("X-Content-Type-Options") != "nosniff", "no nosniff")) if bad]
        outcome.detail = "; ".join(problems) or f"{photo['regions']} regions" + \
            (f"; {'; '.join(photo['notes'])}" if photo.get("notes") else "")
        if problems:
            outcome.status = 500   # evidence not kept or served as it must be: as bad as a server error
    return outcome


def send_request(server: Served, item: HostileRequest, timeout: float) -> Outcome:
    body = json.dumps(item.body).encode() if item.body is not None or item.method != "GET" else None
    status, _, data, seconds = call(server, item.method, item.path, body,
                                    "application/json" if body is not None else None, timeout)
    return Outcome(item.name, status, seconds, message(data) if status and status >= 400 else "")


def run(home: Optional[Path], timeout: float, echo) -> dict:
    from bomcat.pipeline import open_catalog
    from bomcat.pipeline.audit import audit_store
    with tempfile.TemporaryDirectory(prefix="bomcat-hostile-") as scratch:
        home = Path(home or scratch)
        outcomes: list[Outcome] = []
        with served(home) as server:
            for item in make_files():
                outcomes.append(send_file(server, item, timeout))
                echo(outcomes[-1])
            for request in make_requests(server.slug):
                outcomes.append(send_request(server, request, timeout))
                echo(outcomes[-1])
        audit = audit_store(open_catalog(home=home))
        files = [o for o in outcomes if o.expected]
        wrong = [o for o in files if o.verdict in EXPECTED.values() and o.verdict != EXPECTED[o.expected]]
        return {"outcomes": outcomes, "audit": audit, "unexpected": wrong,
                "summary": {"files": len(outcomes), "refused": sum(o.verdict == "refused" for o in outcomes),
                            "accepted": sum(o.verdict == "accepted" for o in outcomes),
                            "5xx": sum(o.verdict == "5xx" for o in outcomes),
                            "hangs": sum(o.verdict == "hang" for o in outcomes),
                            "orphans": len(audit.orphans) + len(audit.missing) + len(audit.damaged)}}
