"""`bomcat bench hostile`: the hostile corpus (`hostile_corpus.py`) against the real server.

The server is started as `bomcat serve` starts it (waitress, the real app) on a throwaway catalog in
`BOMCAT_HOME` (a temporary folder unless one is given), with an investigator's API token. Each file
is uploaded to `POST /api/devices/<slug>/photos`; an accepted one is fetched back from
`/files/original/<sha>` and must be byte-identical, served with its image type and `nosniff`.
Hostile values go to the device API and the pages. Per item one line says what happened; the last
line is exactly `files N refused R accepted A 5xx X hangs H orphans O`, where a hang is a request not
answered within the timeout and an orphan is a file in the photo store that no row names (or a row
whose file is missing) once the server has stopped."""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .hostile_corpus import HostileFile, HostileRequest, make_files, make_requests

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_catalog(home: Path) -> tuple[str, str]:
    """A device and an investigator's token in the catalog at `home`."""
    from bomcat.catalog.db import open_catalog
    from bomcat.catalog.records import create_device
    from bomcat.catalog.users import create_token, create_user
    catalog = open_catalog(home=home)
    with catalog.session() as session:
        user = create_user(session, "hostile-bench", secrets.token_urlsafe(16), "investigator")
        token = create_token(session, user, "bench hostile")
        create_device(session, "hostile-target", "Bench", "Target")
    catalog.engine.dispose()
    return "hostile-target", token


def call(base: str, token: str, method: str, path: str, body: Optional[bytes], content_type: Optional[str],
         timeout: float) -> tuple[Optional[int], dict, bytes, float]:
    request = urllib.request.Request(base + path, data=body, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read(), time.perf_counter() - t0
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read(), time.perf_counter() - t0
    except (TimeoutError, socket.timeout, urllib.error.URLError, ConnectionError):
        return None, {}, b"", time.perf_counter() - t0


def multipart(item: HostileFile) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    name = item.filename.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode("utf-8") + item.data + \
        f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def message(data: bytes) -> str:
    try:
        return str(json.loads(data).get("error", ""))[:150]
    except (ValueError, AttributeError):
        return data[:80].decode("utf-8", "replace").replace("\n", " ")


def send_file(base: str, token: str, slug: str, item: HostileFile, timeout: float) -> Outcome:
    body, content_type = multipart(item)
    status, _, data, seconds = call(base, token, "POST", f"/api/devices/{slug}/photos", body, content_type, timeout)
    outcome = Outcome(item.name, status, seconds, message(data) if status and status >= 400 else "", item.expect)
    if status in (200, 201):
        photo = json.loads(data)["photo"]
        back_status, headers, back, _ = call(base, token, "GET", f"/files/original/{photo['sha256']}", None, None,
                                             timeout)
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


def send_request(base: str, token: str, item: HostileRequest, timeout: float) -> Outcome:
    body = json.dumps(item.body).encode() if item.body is not None or item.method != "GET" else None
    status, _, data, seconds = call(base, token, item.method, item.path, body,
                                    "application/json" if body is not None else None, timeout)
    return Outcome(item.name, status, seconds, message(data) if status and status >= 400 else "")


def wait_for(base: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {server.returncode}) before answering")
        try:
            urllib.request.urlopen(base + "/favicon.ico", timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"the server did not answer within {seconds:.0f} s")


def run(home: Optional[Path], timeout: float, echo) -> dict:
    from bomcat.catalog.db import open_catalog
    from bomcat.images.audit import audit_store
    with tempfile.TemporaryDirectory(prefix="bomcat-hostile-") as scratch:
        home = Path(home or scratch)
        slug, token = prepare_catalog(home)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "BOMCAT_HOME": str(home), "BOMCAT_SECRET_KEY": secrets.token_hex(32)}
        log = open(home / "hostile-server.log", "wb")   # the server's tracebacks, if any, for the 5xx lines
        server = subprocess.Popen([sys.executable, "-m", "bomcat", "serve", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        outcomes: list[Outcome] = []
        try:
            wait_for(base, server)
            for item in make_files():
                outcomes.append(send_file(base, token, slug, item, timeout))
                echo(outcomes[-1])
            for request in make_requests(slug):
                outcomes.append(send_request(base, token, request, timeout))
                echo(outcomes[-1])
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
        audit = audit_store(open_catalog(home=home))
        files = [o for o in outcomes if o.expected]
        wrong = [o for o in files if o.verdict in EXPECTED.values() and o.verdict != EXPECTED[o.expected]]
        return {"outcomes": outcomes, "audit": audit, "unexpected": wrong,
                "summary": {"files": len(outcomes), "refused": sum(o.verdict == "refused" for o in outcomes),
                            "accepted": sum(o.verdict == "accepted" for o in outcomes),
                            "5xx": sum(o.verdict == "5xx" for o in outcomes),
                            "hangs": sum(o.verdict == "hang" for o in outcomes),
                            "orphans": len(audit.orphans) + len(audit.missing) + len(audit.damaged)}}
