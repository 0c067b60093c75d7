"""Edges of ingest: a photo with no chip still gets its id, a 16-bit grey image gets a true upright copy,
a strip of an image is refused with the reason."""
from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from bomcat.pipeline.ingest import IngestError, ingest_photo
from bomcat.images.photo import BadPhoto, open_image, to_bgr, upright

from .conftest import make_catalog


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def test_a_photo_without_any_chip_still_has_its_id(tmp_path):
    catalog = make_catalog(tmp_path, devices=[("cam", "Hikvision", "X")])
    plain = np.full((600, 800, 3), (40, 110, 50), np.uint8)  # bare green board
    result = ingest_photo(catalog, "cam", png(plain), "bare.png", uploaded_by="ivan")
    assert result.regions == 0 and isinstance(result.photo_id, int)


def test_a_16_bit_grey_image_is_scaled_not_clipped():
    ramp = (np.tile(np.linspace(0, 65535, 256), (64, 1))).astype(np.uint16)
    image = open_image(png(ramp), "ramp.png")
    grey = cv2.cvtColor(to_bgr(upright(image)), cv2.COLOR_BGR2GRAY)
    assert grey[:, 0].max() <= 2 and grey[:, -1].min() >= 253      # black stays black, white white
    assert 100 <= grey[:, 128].mean() <= 155                        # and the middle is mid-grey
    assert (grey >= 250).mean() < 0.05


def test_a_strip_of_an_image_is_refused_with_the_reason(tmp_path):
    strip = png(np.zeros((10, 20000, 3), np.uint8))
    with pytest.raises(BadPhoto, match="not a board photo"):
        open_image(strip, "strip.png")
    catalog = make_catalog(tmp_path, devices=[("cam", "Hikvision", "X")])
    with pytest.raises(IngestError, match="20000x10 pixels is not a board photo") as refused:
        ingest_photo(catalog, "cam", strip, "strip.png", uploaded_by="ivan")
    assert refused.value.status == 400


def board_in(fmt: str, frames: int = 1, **save) -> tuple[bytes, int]:
    """The rendered board saved as `fmt` (extra frames blank), and how many chips it shows."""
    from .conftest import board_jpeg
    data, chips = board_jpeg(seed=91)
    board = Image.open(io.BytesIO(data)).convert("RGB")
    buf = io.BytesIO()
    extra = [Image.new("RGB", board.size, (20, 20, 20)) for _ in range(frames - 1)]
    board.save(buf, format=fmt, save_all=bool(extra), append_images=extra, **save)
    return buf.getvalue(), len(chips)


def test_a_heic_photo_from_a_phone_is_taken_and_kept_byte_identical(tmp_path):
    import hashlib
    data, chips = board_in("HEIF", quality=92)
    catalog = make_catalog(tmp_path, devices=[("cam", "Hikvision", "X")])
    result = ingest_photo(catalog, "cam", data, "IMG_0042.HEIC", uploaded_by="ivan")
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.components >= chips - 1
    from bomcat.catalog.models import Photo
    with catalog.session() as session:
        photo = session.get(Photo, result.photo_id)
        assert photo.media_type == "image/heic"
        assert catalog.store.original_path(photo.sha256).read_bytes() == data


def test_a_multi_frame_file_takes_the_first_frame_and_says_so(tmp_path):
    data, chips = board_in("TIFF", frames=3, compression="tiff_lzw")
    catalog = make_catalog(tmp_path, devices=[("cam", "Hikvision", "X")])
    result = ingest_photo(catalog, "cam", data, "scan.tiff", uploaded_by="ivan")
    assert result.components >= chips - 1                       # the board, not a blank page
    assert result.as_dict()["notes"] == [
        "the file holds 3 frames; the first is the photo (the original is kept whole)"]
