"""Backup and restore (`catalog/backup.py`, `bomcat backup` / `bomcat restore`) on real catalogs: a
round trip on SQLite, SQLite to PostgreSQL and back without loss, a backup taken while photos are
being ingested, and every way an archive or a target can be wrong, each refused by name with nothing
half-restored."""
from __future__ import annotations

import io
import json
import tarfile
import threading

import pytest
from sqlalchemy import func, select

from bomcat.catalog.backup import BackupError, read_backup, restore_backup, write_backup
from bomcat.catalog.models import Base, Device, DeviceStatus, OutreachEntry, OutreachStatus, Photo
from bomcat.catalog.records import apply_review, create_device, ensure_manufacturer
from bomcat.pipeline import open_catalog
from bomcat.pipeline.ingest import ingest_photo

from .conftest import board_jpeg, make_catalog, web_app


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A published camera (verified, corrected and rejected parts, a letter) and a draft."""
    catalog = make_catalog(tmp_path_factory.mktemp("backup-source"), {"ivan": "investigator", "rita": "reviewer",
                                                                      "vera": "reviewer"},
                           [("cam", "Hikvision", "DS-2CD2032"), ("draft", "Dahua", "IPC-HDW")])
    ingest_photo(catalog, "cam", board_jpeg(seed=81)[0], "top.jpg", uploaded_by="ivan")
    ingest_photo(catalog, "draft", board_jpeg(seed=83)[0], "draft.jpg", uploaded_by="ivan")
    with catalog.session() as session:
        cam = session.scalar(select(Device).where(Device.slug == "cam"))
        first, second, third = sorted(cam.components, key=lambda c: c.id)[:3]
        apply_review(session, first, "rita", "verified")
        apply_review(session, second, "rita", "corrected", {"manufacturer": "ROHM Semiconductor", "part_number": "BR24G256"})
        apply_review(session, second, "vera", "verified")
        apply_review(session, third, "rita", "rejected", comment="a test pad")
        cam.status = DeviceStatus.published
        session.add(OutreachEntry(manufacturer=ensure_manufacturer(session, "ROHM Semiconductor"), kind="letter",
                                  sent_on=__import__("datetime").date(2026, 11, 2), subject="Your BR24G256?",
                                  status=OutreachStatus.awaiting, recorded_by="ivan"))
    return catalog


def tables_and_files(archive) -> dict[str, bytes]:
    """What must survive a round trip: every table's rows and every stored file (not the manifest's date)."""
    _manifest, members = read_backup(archive)
    return members


def pages(catalog) -> dict:
    client = web_app(catalog).test_client()
    return {url: client.get(url).get_json() for url in ("/devices/cam.json", "/components.json", "/search.json?q=ROHM",
                                                        "/manufacturers/rohm-semiconductor.json")}


def test_a_round_trip_on_sqlite_keeps_every_row_and_every_file(source, tmp_path):
    first = tmp_path / "first.tar"
    summary = write_backup(source, first)
    assert summary["rows"] > 40 and summary["files"] >= 2 * 5   # originals, upright copies, thumbnails, crops
    target = open_catalog(f"sqlite:///{tmp_path / 'restored.sqlite3'}", photo_root=tmp_path / "photos")
    restored = restore_backup(target, first)
    assert restored["rows"] == summary["rows"] and restored["files"] == summary["files"]
    again = tmp_path / "again.tar"
    write_backup(target, again)
    assert tables_and_files(again) == tables_and_files(first)
    assert pages(target) == pages(source)
    with target.session() as session:   # and the restored catalog takes new work
        assert create_device(session, "next", "Uniview", "IPC2122").id is not None


def test_sqlite_to_postgresql_and_back_is_lossless(source, tmp_path, request):
    from .conftest import throwaway_database
    archive = tmp_path / "sqlite.tar"
    write_backup(source, archive)
    pg = open_catalog(throwaway_database(request, "restore"), photo_root=tmp_path / "pg-photos")
    restore_backup(pg, archive)
    assert pages(pg) == pages(source)
    with pg.session() as session:   # its sequences were moved past the restored ids
        device = create_device(session, "next", "Uniview", "IPC2122")
        assert device.id > max(d.id for d in session.scalars(select(Device)) if d.slug != "next")
        session.delete(device)
    back = tmp_path / "postgresql.tar"
    assert write_backup(pg, back)["database"] == "postgresql"
    sqlite = open_catalog(f"sqlite:///{tmp_path / 'back.sqlite3'}", photo_root=tmp_path / "back-photos")
    restore_backup(sqlite, back)
    assert tables_and_files(back) == tables_and_files(archive) and pages(sqlite) == pages(source)


def test_a_backup_taken_while_photos_arrive_is_whole(tmp_path):
    (tmp_path / "busy").mkdir()
    catalog = make_catalog(tmp_path / "busy", {"ivan": "investigator"}, [("cam", "Hikvision", "X")])
    ingest_photo(catalog, "cam", board_jpeg(seed=90)[0], "0.jpg", uploaded_by="ivan")
    errors: list[BaseException] = []

    def upload() -> None:
        try:
            for seed in range(91, 93):
                ingest_photo(catalog, "cam", board_jpeg(seed=seed)[0], f"{seed}.jpg", uploaded_by="ivan")
        except BaseException as exc:   # pragma: no cover - reported below
            errors.append(exc)
    worker = threading.Thread(target=upload)
    worker.start()
    archives = []
    while worker.is_alive() or not archives:
        archives.append(tmp_path / f"b{len(archives)}.tar")
        write_backup(catalog, archives[-1])
    worker.join()
    assert not errors
    for number, archive in enumerate(archives):   # each restores, every row's file checked by hash
        target = open_catalog(f"sqlite:///{tmp_path / f'r{number}.sqlite3'}", photo_root=tmp_path / f"r{number}")
        restore_backup(target, archive)
        with target.session() as session:
            assert 1 <= session.scalar(select(func.count()).select_from(Photo)) <= 3


def _rewrite(archive, out, change) -> None:
    """A copy of the archive with `change(name, data)` applied to each member (None drops it)."""
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for member in src:
            data = change(member.name, src.extractfile(member).read())
            if data is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def _flip_first_original(name, data):
    return bytes([data[0] ^ 1]) + data[1:] if name.startswith("store/originals/") else data


def _drop_a_table(name, data):
    return None if name == "tables/review.jsonl" else data


def _older_revision(name, data):
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["revision"] = "0001"
    return json.dumps(manifest).encode()


@pytest.mark.parametrize("change, says", [
    (_flip_first_original, "does not match its SHA-256 in the manifest"),
    (_drop_a_table, "tables/review.jsonl is listed in the manifest but missing"),
    (_older_revision, "schema revision 0001"),
])
def test_a_damaged_or_foreign_archive_is_refused_and_nothing_is_restored(source, tmp_path, change, says):
    good = tmp_path / "good.tar"
    write_backup(source, good)
    bad = tmp_path / "bad.tar"
    _rewrite(good, bad, change)
    target = open_catalog(f"sqlite:///{tmp_path / 't.sqlite3'}", photo_root=tmp_path / "t-photos")
    with pytest.raises(BackupError) as caught:
        restore_backup(target, bad)
    assert says in str(caught.value)
    with target.session() as session:
        assert all(session.scalar(select(func.count()).select_from(t)) == 0 for t in Base.metadata.sorted_tables)
    assert not (tmp_path / "t-photos" / "originals").exists()


def test_a_restore_never_lands_on_a_catalog_in_use_and_a_backup_never_overwrites(source, tmp_path):
    archive = tmp_path / "b.tar"
    write_backup(source, archive)
    with pytest.raises(BackupError, match="exists"):
        write_backup(source, archive)
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(source, archive)
    with pytest.raises(BackupError, match="not a readable backup archive"):
        (tmp_path / "junk.tar").write_bytes(b"not a tar file at all" * 100)
        restore_backup(source, tmp_path / "junk.tar")


def test_the_commands_back_up_and_restore_with_json_lines(runner, tmp_path, board_file):
    assert runner("devices", "add", "cam", "--maker", "Hikvision", "--model", "X").returncode == 0
    assert runner("ingest", "--device", "cam", str(board_file)).returncode == 0
    made = runner("backup", str(tmp_path / "cat.tar"), "--json")
    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout)
    assert summary["files"] >= 3 and len(summary["sha256"]) == 64
    runner.env["BOMCAT_HOME"] = str(tmp_path / "other-home")
    restored = runner("restore", str(tmp_path / "cat.tar"), "--json")
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["rows"] == summary["rows"]
    again = runner("restore", str(tmp_path / "cat.tar"))
    assert again.returncode != 0 and "not empty" in again.stderr
