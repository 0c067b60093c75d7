"""Shared fixtures: a real catalog (SQLite, and PostgreSQL in a throwaway
cluster), the real Flask app, the real `bomcat` command, synthetic photos."""
from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from glob import glob
from pathlib import Path

import pytest
from PIL import Image

from bomcat.pipeline import open_catalog
from bomcat.catalog.records import create_device
from bomcat.images.synth import SyntheticChip, render_board

# One thread per process for OCR and detection (bomcat/settings.py), in the suite's own workers and in
# every process it starts: the xdist workers already fill the cores, and threads on top of them spin.
os.environ.setdefault("BOMCAT_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench"
ARTIFACTS = ROOT / "test-artifacts"


# How `make test` shares the suite between its xdist workers (`--dist loadgroup`): a module's tests stay
# on one worker, so its module-scoped servers and catalogs are built once; the tests on the demo catalog
# (a session fixture that ingests three boards) form one group, so the demo is built once; and the
# modules that take longest (measured with --durations) start first, so that none is left running alone
# at the end while the other worker idles.
LONGEST_FIRST = ("demo", "tests.test_browser", "tests.test_uploads", "tests.test_crash", "tests.test_detector_data",
                 "tests.test_ingest", "tests.test_cli", "tests.test_access", "tests.test_click", "tests.test_detect")


def pytest_collection_modifyitems(config, items):
    def group(item) -> str:
        return "demo" if "demo_catalog" in getattr(item, "fixturenames", ()) else item.module.__name__
    for item in items:
        item.add_marker(pytest.mark.xdist_group(group(item)))
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(group(item), len(rank)))


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared benchmark data sits beside the project)")
    return path


PASSWORD = "correct horse battery"


def make_catalog(root: Path, users: dict[str, str] | None = None, devices: tuple = ()):
    """A real SQLite catalog under `root` with these users (name -> role, password PASSWORD) and
    devices ((slug, maker, model), ...)."""
    from bomcat.catalog.users import create_user
    catalog = open_catalog(f"sqlite:///{root / 'catalog.sqlite3'}", photo_root=root / "photos")
    with catalog.session() as session:
        for name, role in (users or {}).items():
            create_user(session, name, PASSWORD, role)
        for slug, maker, model in devices:
            create_device(session, slug, maker, model)
    return catalog


def web_app(catalog, **config):
    """The real Flask app on that catalog (CSRF off: the test client posts like a script)."""
    from bomcat.web import create_app
    return create_app({"TESTING": True, "CATALOG": catalog, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "t", **config})


def sign_in(app, name: str):
    """A test client signed in as `name` (or anonymous)."""
    client = app.test_client()
    if name != "anonymous":
        response = client.post("/login", data={"name": name, "password": PASSWORD})
        assert response.status_code == 302, f"{name} could not sign in"
    return client


@pytest.fixture
def catalog(tmp_path):
    return open_catalog(f"sqlite:///{tmp_path / 'catalog.sqlite3'}", photo_root=tmp_path / "photos")


@pytest.fixture
def device(catalog):
    with catalog.session() as session:
        create_device(session, "test-cam", "Hikvision", "DS-2CD2xx", variant="test")
    return "test-cam"


SMALL_BOARD_CHIPS = [
    (["winbond", "25Q128JVSQ", "1927"], "SOIC8", 0),
    (["SONY", "IMX307LQD", "2134"], "QFN", 180),
    (["EPSON", "SG-8018CA", "2019"], "SOIC8", 90),
]


def board_jpeg(chips=SMALL_BOARD_CHIPS, seed: int = 7, size=(1500, 1000),
               quality: int = 92) -> tuple[bytes, list[SyntheticChip]]:
    rendered = render_board([SyntheticChip(list(lines), pkg, rot) for lines, pkg, rot in chips], size=size, seed=seed)
    buf = io.BytesIO()
    Image.fromarray(rendered.image[:, :, ::-1]).save(buf, format="JPEG", quality=quality)
    return buf.getvalue(), rendered.chips


def publish_with_parts(catalog, slug: str, seed: int, parts: list[tuple[str, str]]) -> list[int]:
    """Ingest a rendered board into device `slug` (uploaded by 'ivan'), give its first components the makers
    and part numbers of `parts` (corrected by 'rita', verified by 'vera', as the four-eyes rule wants) and
    publish the device: the ids of its components, those of `parts` first, in order."""
    from sqlalchemy import select
    from bomcat.catalog.models import Device, DeviceStatus
    from bomcat.catalog.records import apply_review
    from bomcat.pipeline.ingest import ingest_photo
    ingest_photo(catalog, slug, board_jpeg(seed=seed)[0], f"{slug}.jpg", uploaded_by="ivan")
    with catalog.session() as session:
        device = session.scalar(select(Device).where(Device.slug == slug))
        components = sorted(device.components, key=lambda c: c.id)
        for component, (maker, part) in zip(components, parts):
            apply_review(session, component, "rita", "corrected", {"manufacturer": maker, "part_number": part})
            apply_review(session, component, "vera", "verified")
        device.status = DeviceStatus.published
        return [c.id for c in components]


@pytest.fixture(scope="session")
def small_board() -> tuple[bytes, list[SyntheticChip]]:
    return board_jpeg()


@pytest.fixture
def board_file(tmp_path, small_board) -> Path:
    path = tmp_path / "board.jpg"
    path.write_bytes(small_board[0])
    return path


@pytest.fixture
def app(catalog):
    from bomcat.web import create_app
    return create_app({"TESTING": True, "CATALOG": catalog, "SECRET_KEY": "test"})


@pytest.fixture
def client(app):
    return app.test_client()


class Runner:
    """Runs the real `bomcat` command in a subprocess against a test catalog."""

    def __init__(self, home: Path) -> None:
        self.env = {**os.environ, "BOMCAT_HOME": str(home)}
        self.env.pop("BOMCAT_DATABASE_URL", None)

    def __call__(self, *args: str, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bomcat", *args], input=input, capture_output=True,
                              text=True, env=self.env, timeout=timeout)


@pytest.fixture
def runner(tmp_path) -> Runner:
    return Runner(tmp_path / "home")


@pytest.fixture(scope="session")
def demo_catalog(tmp_path_factory):
    from bomcat.demo import build_demo
    root = tmp_path_factory.mktemp("demo")
    cat = open_catalog(f"sqlite:///{root / 'demo.sqlite3'}", photo_root=root / "photos")
    summary = build_demo(cat, boards=3, echo=lambda _msg: None)
    return cat, summary


def wait_for_server(server: subprocess.Popen, check, what: str, timeout: float) -> None:
    """Wait until `check()` stops raising; fail the test (and stop the server) if it dies or never answers."""
    deadline = time.time() + timeout
    while True:
        try:
            check()
            return
        except Exception:
            if time.time() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"the throwaway {what} server did not start")
            time.sleep(0.25)


# -- PostgreSQL: a throwaway cluster started for the session ------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    if os.environ.get("BOMCAT_TEST_POSTGRES_URL"):
        yield os.environ["BOMCAT_TEST_POSTGRES_URL"]
        return
    initdb = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
    if not initdb:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: scripts/setup.sh should have installed it")
        pytest.skip("no PostgreSQL server binaries here (apt-get install postgresql)")
    bindir = Path(initdb[-1]).parent
    data = Path(tempfile.mkdtemp(prefix="bomcat-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        shutil.chown(data, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "bomcat",
                    "--no-sync"], check=True, capture_output=True)
    server = subprocess.Popen([*as_user, str(bindir / "postgres"), "-D", str(data / "db"), "-p", str(port),
                               "-k", str(data), "-h", "127.0.0.1", "-F"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"postgresql+psycopg://bomcat@127.0.0.1:{port}/postgres"
    from sqlalchemy import create_engine, text

    def answers() -> None:
        with create_engine(url).connect() as conn:
            conn.execute(text("select 1"))
    wait_for_server(server, answers, "PostgreSQL", timeout=30)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


def throwaway_database(request, prefix: str) -> str:
    """A new, empty database on the session's PostgreSQL server for the requesting fixture (module-wide
    ones included), dropped when that fixture ends."""
    from sqlalchemy import create_engine, text
    base = request.getfixturevalue("postgres_url")
    name = f"{prefix}_{os.getpid()}_{time.monotonic_ns()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    request.addfinalizer(drop)
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def fresh_postgres_url(request):
    """A new, empty database on the session's server, for one test."""
    return throwaway_database(request, "t")
