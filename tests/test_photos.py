"""Photo validation, EXIF orientation and the content-addressed store."""
from __future__ import annotations

import io
import os
import stat

import pytest
from PIL import Image

from bomcat.images import photo as photo_io
from bomcat.images.store import PhotoStore, sha256_hex


def jpeg_bytes(size=(300, 200), orientation: int | None = None, colour=(20, 90, 40)) -> bytes:
    image = Image.new("RGB", size, colour)
    image.paste((250, 250, 250), (0, 0, 60, 30))  # a mark in the top-left corner
    buf = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    exif[0x0110] = "Model 1"
    image.save(buf, format="JPEG", exif=exif.tobytes())
    return buf.getvalue()


def test_exif_orientation_is_read_and_applied_without_touching_the_original():
    data = jpeg_bytes(orientation=6)  # the camera was turned: show rotated 90 degrees clockwise
    image = photo_io.open_image(data)
    info = photo_io.inspect(image)
    assert (info.width, info.height, info.orientation, info.camera) == (300, 200, 6, "TestCam Model 1")
    upright = photo_io.upright(image)
    assert upright.size == (200, 300)
    assert upright.getpixel((190, 10))[0] > 200  # the mark moved to the top-right corner


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"hello, this is not a photo", "not a readable image"),
    (jpeg_bytes()[:800], "damaged or truncated"),
    (b"GIF89a" + b"\0" * 20, "not a readable image"),
])
def test_bad_input_gets_a_clear_error(data, message):
    with pytest.raises(photo_io.BadPhoto, match=message):
        photo_io.open_image(data, "upload.jpg")


def test_a_60_megabyte_photo_is_refused_before_decoding():
    data = jpeg_bytes() + b"\0" * (60 * 1024 * 1024)
    with pytest.raises(photo_io.BadPhoto, match=r"60\.\d MiB is over the 50 MiB limit") as refused:
        photo_io.open_image(data, "huge.jpg")
    assert refused.value.status == 413


def test_gif_is_refused_by_format():
    buf = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buf, format="GIF")
    with pytest.raises(photo_io.BadPhoto, match="GIF images are not accepted"):
        photo_io.open_image(buf.getvalue(), "a.gif")


def test_store_keeps_originals_read_only_and_addressed_by_hash(tmp_path):
    store = PhotoStore(tmp_path)
    data = jpeg_bytes()
    tx = store.transaction()
    sha = tx.put_original(data)
    assert sha == sha256_hex(data)
    path = store.original_path(sha)
    assert path.read_bytes() == data
    assert not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert store.read_original(sha) == data
    # Storing the same bytes again creates nothing new, so a rollback cannot remove them.
    tx2 = store.transaction()
    tx2.put_original(data)
    tx2.rollback()
    assert path.exists()


def test_store_rollback_removes_only_what_it_created(tmp_path):
    store = PhotoStore(tmp_path)
    keep = store.transaction()
    kept = keep.put_original(b"first")
    tx = store.transaction()
    sha = tx.put_original(b"second")
    tx.put_derived(sha, "crop-1.png", b"png")
    tx.rollback()
    assert store.original_path(kept).exists()
    assert not store.original_path(sha).exists()
    assert not (tmp_path / "derived").exists() or not any((tmp_path / "derived").rglob("*.png"))


@pytest.mark.parametrize("name", ["../escape.png", ".hidden", "a/b.png"])
def test_store_refuses_derived_names_that_are_paths(tmp_path, name):
    with pytest.raises(ValueError):
        PhotoStore(tmp_path).derived_relpath("ab" * 32, name)
