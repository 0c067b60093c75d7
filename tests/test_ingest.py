"""The ingest pipeline end to end on a rendered board: real detection, real OCR."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bomcat.catalog.models import Component, DerivedImage, Photo, Reading, Region, Review
from bomcat.catalog.records import create_device
from bomcat.images.geometry import iou_xywh
from bomcat.pipeline.ingest import INGEST_STEPS, IngestError, ingest_photo

from .conftest import board_jpeg

MODELS = (Photo, DerivedImage, Region, Reading, Component, Review)


def counts(catalog) -> dict:
    with catalog.session() as session:
        return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def stored_files(catalog) -> list:
    root = catalog.store.root
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_ingest_proposes_components_with_full_provenance(catalog, device, small_board):
    data, chips = small_board
    result = ingest_photo(catalog, device, data, "board.jpg", uploaded_by="alice", board="main", side="top")
    assert result.created and result.regions == len(chips) == result.components
    with catalog.session() as session:
        photo = session.get(Photo, result.photo_id)
        assert photo.sha256 == result.sha256 and photo.uploaded_by == "alice"
        assert catalog.store.read_original(photo.sha256) == data  # the original, byte for byte
        assert {d.kind for d in photo.derived} == {"upright", "thumbnail", "crop", "crop_upright"}
        for chip in chips:  # every rendered chip was found where it is
            assert max(iou_xywh(chip.box.hull(), (r.cx - r.w / 2, r.cy - r.h / 2, r.w, r.h))
                       for r in photo.regions) > 0.6
        found = {}
        for region in photo.regions:
            cut = next(d for d in region.crops if d.kind == "crop")
            assert cut.transform["op"] == "crop_rotated" and cut.transform["box"]["cx"] == pytest.approx(region.cx, abs=0.01)
            upright = region.crop()  # the evidence shown to reviewers: the cut turned upright
            chosen = next(r for r in region.readings if r.chosen)
            assert upright.kind == "crop_upright" and upright.transform == {
                "op": "rotate", "of": cut.path.rsplit("/", 1)[1], "degrees_clockwise": chosen.rotation}
            assert region.readings and sum(r.chosen for r in region.readings) == 1
            component = region.component
            assert component.reviews[0].verdict.value == "proposed" and component.reviews[0].reviewer == "bomcat"
            found[component.part_number] = component.manufacturer.name if component.manufacturer else None
    def maker_of(prefix):
        return next((maker for part, maker in found.items() if part and part.startswith(prefix)), None)
    assert maker_of("W25Q128JV") == "Winbond Electronics"
    assert maker_of("IMX307") == "Sony Semiconductor Solutions"
    assert maker_of("SG-8018CA") == "Seiko Epson"


def test_ingesting_the_same_bytes_again_changes_nothing(catalog, device, small_board):
    data, _ = small_board
    first = ingest_photo(catalog, device, data, "board.jpg", uploaded_by="alice")
    before, files = counts(catalog), stored_files(catalog)
    again = ingest_photo(catalog, device, data, "renamed copy.jpg", uploaded_by="bob")
    assert not again.created and again.photo_id == first.photo_id
    assert counts(catalog) == before and stored_files(catalog) == files


def test_the_same_photo_cannot_be_evidence_for_two_devices(catalog, device, small_board):
    ingest_photo(catalog, device, small_board[0], "board.jpg", uploaded_by="alice")
    with catalog.session() as session:
        create_device(session, "other-cam", "Dahua", "IPC-HFW")
    with pytest.raises(IngestError, match="already evidence for device 'test-cam'"):
        ingest_photo(catalog, "other-cam", small_board[0], "board.jpg", uploaded_by="alice")


@pytest.mark.parametrize("failing_after", [1, 2, 3, 5])
def test_a_failing_step_leaves_no_rows_and_no_files(catalog, device, small_board, failing_after):
    # A photo that is already stored must survive a later failed ingest untouched.
    other, _ = board_jpeg([(["AKM", "AK4951EN"], "QFN", 0)], seed=3, size=(900, 600))
    ingest_photo(catalog, device, other, "kept.jpg", uploaded_by="alice")
    before, files = counts(catalog), stored_files(catalog)

    def explode(ctx):
        raise RuntimeError("disk on fire")

    steps = [*INGEST_STEPS[:failing_after], explode]
    with pytest.raises(IngestError, match=r"board\.jpg: explode failed: disk on fire"):
        ingest_photo(catalog, device, small_board[0], "board.jpg", uploaded_by="alice", steps=steps)
    assert counts(catalog) == before
    assert stored_files(catalog) == files


def test_a_broken_photo_is_named_with_its_cause(catalog, device, small_board):
    with pytest.raises(IngestError, match=r"broken\.jpg: the image is damaged or truncated"):
        ingest_photo(catalog, device, small_board[0][:5000], "broken.jpg", uploaded_by="alice")
    assert counts(catalog)["Photo"] == 0 and stored_files(catalog) == []


def test_hostile_filenames_are_metadata_only(catalog, device, small_board):
    result = ingest_photo(catalog, device, small_board[0], "../../etc/passwd\x00.jpg", uploaded_by="mallory")
    with catalog.session() as session:
        photo = session.get(Photo, result.photo_id)
        assert photo.original_filename == "passwd\x00.jpg"
    assert all(catalog.store.root in p.parents for p in stored_files(catalog))
    assert not any("passwd" in str(p) for p in stored_files(catalog))


def test_unknown_device_is_refused(catalog, small_board):
    with pytest.raises(IngestError, match="unknown device 'nope'"):
        ingest_photo(catalog, "nope", small_board[0], "board.jpg", uploaded_by="alice")


@pytest.mark.postgres
def test_ingest_on_postgresql(fresh_postgres_url, tmp_path, small_board):
    """The same pipeline through a PostgreSQL URL: rows, rollback and idempotency behave alike."""
    from bomcat.pipeline import open_catalog
    catalog = open_catalog(fresh_postgres_url, photo_root=tmp_path / "photos")
    with catalog.session() as session:
        create_device(session, "pg-cam", "Hikvision", "DS-2CD")
    first = ingest_photo(catalog, "pg-cam", small_board[0], "board.jpg", uploaded_by="alice")
    assert first.created and first.components == 3
    before = counts(catalog)
    with pytest.raises(IngestError):
        ingest_photo(catalog, "pg-cam", small_board[0][:4000], "cut.jpg", uploaded_by="alice")
    again = ingest_photo(catalog, "pg-cam", small_board[0], "board.jpg", uploaded_by="bob")
    assert not again.created and counts(catalog) == before
    from bomcat.catalog.search import search_components
    with catalog.session() as session:  # the pg_trgm search index, OCR-tolerant as on SQLite
        found = [c.part_number for c in search_components(session, "250128")]
    assert any(p.startswith("W25Q128JV") for p in found)
    catalog.engine.dispose()
