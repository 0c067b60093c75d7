"""Reading an uploaded photo: validation, EXIF metadata and the upright view.

The original bytes are never changed; everything here reads them.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from bomcat.errors import CatalogError
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "TIFF": "image/tiff", "WEBP": "image/webp",
               "HEIF": "image/heic"}
try:  # HEIC/HEIF (phone cameras) through pillow-heif's libheif, registered with Pillow
    from pillow_heif import register_heif_opener
    register_heif_opener()
except ImportError:  # pragma: no cover - a declared dependency; without it HEIC is refused like any unknown type
    del MEDIA_TYPES["HEIF"]
MAX_PHOTO_BYTES = int(os.environ.get("BOMCAT_MAX_PHOTO_BYTES", 50 * 1024 * 1024))
MAX_PIXELS = int(os.environ.get("BOMCAT_MAX_PIXELS", 120_000_000))  # larger than any phone or DSLR board photo
# Pillow refuses to decode more than twice this as a decompression bomb: ours, not its 89 MP default.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
MAX_ASPECT = 20          # a board photo is never a strip: more than this and OpenCV's resizes fail



# What Pillow's decoders raise on damaged files (found by tests/test_photo_properties.py: a TIFF with
# one byte changed raises TypeError 'Missing dimensions'); every one means the file cannot be read.
DECODER_ERRORS = (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError, EOFError, struct.error,
                  ZeroDivisionError, OverflowError)


class BadPhoto(CatalogError, ValueError):
    """The input is not a photo bomcat can take; the message says why."""


@dataclass(frozen=True)
class PhotoInfo:
    media_type: str
    width: int
    height: int
    orientation: int
    captured_at: Optional[dt.datetime]
    camera: Optional[str]
    frames: int = 1          # pages or frames in the file; the first is the photo


def open_image(data: bytes, name: str = "photo") -> Image.Image:
    if len(data) == 0:
        raise BadPhoto(f"{name}: the file is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise BadPhoto(f"{name}: {len(data) / 2**20:.1f} MiB is over the {MAX_PHOTO_BYTES / 2**20:.0f} MiB "
                       "limit for one photo (set BOMCAT_MAX_PHOTO_BYTES to raise it)", status=413)
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in MEDIA_TYPES:
            raise BadPhoto(f"{name}: {image.format} images are not accepted "
                           f"(use {', '.join(MEDIA_TYPES)})", status=415)
        if max(image.size) > MAX_ASPECT * min(image.size):
            raise BadPhoto(f"{name}: {image.width}x{image.height} pixels is not a board photo (sides more than "
                           f"{MAX_ASPECT}:1)")
        if image.width * image.height > MAX_PIXELS:
            raise BadPhoto(f"{name}: {image.width}x{image.height} pixels is over the "
                           f"{MAX_PIXELS // 1_000_000} megapixel limit (set BOMCAT_MAX_PIXELS to raise it)",
                           status=413)
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)   # a multi-page TIFF or an animated WebP: the first frame is the photo
        image.load()  # decodes fully: catches truncated and corrupt files
        image.getexif()  # and its metadata, which the upright view and the photo's record read
    except BadPhoto:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise BadPhoto(f"{name}: not a readable image ({exc.__class__.__name__})", status=415) from exc
    except DECODER_ERRORS as exc:
        raise BadPhoto(f"{name}: the image is damaged or truncated ({exc.__class__.__name__}: {exc})") from exc
    return image


def _exif_datetime(value: object) -> Optional[dt.datetime]:
    try:
        return dt.datetime.strptime(str(value).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (TypeError, ValueError):
        return None


def inspect(image: Image.Image) -> PhotoInfo:
    exif = image.getexif()
    orientation = int(exif.get(ExifTags.Base.Orientation, 1) or 1)
    if orientation not in range(1, 9):
        orientation = 1
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    captured = _exif_datetime(sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime))
    camera = " ".join(str(v).strip("\x00 ") for v in (exif.get(ExifTags.Base.Make),
                                                      exif.get(ExifTags.Base.Model)) if v) or None
    return PhotoInfo(MEDIA_TYPES[image.format], image.width, image.height, orientation, captured, camera,
                     int(getattr(image, "n_frames", 1) or 1))


def eight_bit(image: Image.Image) -> Image.Image:
    """High-depth grey images (16-bit PNG and TIFF, 32-bit integer or float) as 8-bit grey, scaled
    rather than clipped: Pillow's own conversion clips every value above 255 to white."""
    if image.mode.startswith("I;16") or image.mode == "I":
        values = np.asarray(image, dtype=np.int64)
        top = 65535 if image.mode.startswith("I;16") or values.max() <= 65535 else int(values.max())
        return Image.fromarray(np.clip(values * 255 // max(1, top), 0, 255).astype(np.uint8))
    if image.mode == "F":
        values = np.nan_to_num(np.asarray(image, dtype=np.float64))
        low, high = float(values.min()), float(values.max())
        return Image.fromarray(((values - low) * (255 / max(high - low, 1e-9))).astype(np.uint8))
    return image


def upright(image: Image.Image) -> Image.Image:
    """The image as a person would see it: EXIF orientation applied, RGB."""
    turned = ImageOps.exif_transpose(image) or image
    return eight_bit(turned).convert("RGB")


def to_bgr(image: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(eight_bit(image).convert("RGB"))[:, :, ::-1])


def read_file(path: str | os.PathLike) -> bytes:
    """A photo file's bytes, with a one-line error naming the file when it cannot be read."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise BadPhoto(f"{path}: no such file", status=404) from None
    except IsADirectoryError:
        raise BadPhoto(f"{path}: is a directory, not an image") from None
    except OSError as exc:
        raise BadPhoto(f"{path}: cannot read ({exc.strerror})") from None


def load_upright_bgr(path: str | os.PathLike) -> np.ndarray:
    """An image file as an upright BGR array for OpenCV, with a clear error when it is not one."""
    return to_bgr(upright(open_image(read_file(path), os.path.basename(str(path)))))


def encode_png(array_bgr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array_bgr[:, :, ::-1]) if array_bgr.ndim == 3
                    else array_bgr).save(buf, format="PNG")
    return buf.getvalue()


def encode_jpeg(image: Image.Image, quality: int = 88) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()
