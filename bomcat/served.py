"""The real server for benchmarks: `bomcat serve` in a subprocess on a throwaway catalog, with an
investigator's API token and a device to upload to, and plain HTTP calls against it (urllib: what
any client sends, no test client in between)."""
from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

SLUG = "bench-target"


@dataclass
class Served:
    base: str          # http://127.0.0.1:PORT
    token: str         # an investigator's API token
    slug: str          # a device to upload to
    home: Path         # BOMCAT_HOME of the throwaway catalog
    log: Path          # the server's output (tracebacks of any 5xx)
    process: subprocess.Popen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_catalog(home: Path, database_url: Optional[str] = None) -> str:
    """An investigator's token and the device `SLUG` in the catalog at `home` (or `database_url`)."""
    from bomcat.pipeline import open_catalog
    from bomcat.catalog.records import create_device
    from bomcat.catalog.users import create_token, create_user
    catalog = open_catalog(database_url, home=home)
    with catalog.session() as session:
        user = create_user(session, "bench-" + secrets.token_hex(4), secrets.token_urlsafe(16), "investigator")
        token = create_token(session, user, "benchmark")
        create_device(session, SLUG, "Bench", "Target")
    catalog.engine.dispose()
    return token


def call(served: Served, method: str, path: str, body: Optional[bytes] = None, content_type: Optional[str] = None,
         timeout: float = 120, token: bool = True) -> tuple[Optional[int], dict, bytes, float]:
    """(status or None when no answer in time, headers, body, seconds)."""
    request = urllib.request.Request(served.base + path, data=body, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {served.token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read(), time.perf_counter() - t0
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read(), time.perf_counter() - t0
    except (TimeoutError, socket.timeout, urllib.error.URLError, ConnectionError, http.client.HTTPException):
        return None, {}, b"", time.perf_counter() - t0


def multipart(filename: str, data: bytes, fields: dict[str, str] | None = None) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    name = filename.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")
    parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
             for k, v in (fields or {}).items()]
    parts.append((f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                  f"Content-Type: application/octet-stream\r\n\r\n").encode("utf-8") + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def wait_for(base: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {server.returncode}) before answering")
        try:
            urllib.request.urlopen(base + "/favicon.ico", timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {seconds:.0f} s")


@contextlib.contextmanager
def served(home: Path, database_url: Optional[str] = None) -> Iterator[Served]:
    """`bomcat serve` on a fresh catalog at `home`, stopped (SIGTERM, then SIGKILL) on leaving."""
    home.mkdir(parents=True, exist_ok=True)
    token = prepare_catalog(home, database_url)
    with serving(home, token, database_url) as server:
        yield server


@contextlib.contextmanager
def serving(home: Path, token: str, database_url: Optional[str] = None,
            options: tuple[str, ...] = ()) -> Iterator[Served]:
    """`bomcat serve` on the catalog at `home` as it is (prepared once, started as often as wanted), in
    a session of its own (its worker process with it: `os.killpg` kills both, as a crash would);
    stopped (SIGTERM, then SIGKILL) on leaving unless it is gone already."""
    port = free_port()
    env = {**os.environ, "BOMCAT_HOME": str(home), "BOMCAT_SECRET_KEY": secrets.token_hex(32)}
    if database_url:
        env["BOMCAT_DATABASE_URL"] = database_url
    log_path = home / "server.log"
    with open(log_path, "ab") as log:
        server = subprocess.Popen([sys.executable, "-m", "bomcat", "serve", "--port", str(port), *options], env=env,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(f"http://127.0.0.1:{port}", server)
            yield Served(f"http://127.0.0.1:{port}", token, SLUG, home, log_path, server)
        finally:
            if server.poll() is None:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
