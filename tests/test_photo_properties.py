"""Property tests (hypothesis) of image loading: whatever bytes arrive, `open_image` either gives an
image that `inspect`, `upright` and `to_bgr` handle, or refuses it with a `BadPhoto` that names the
file; never another exception (which would be a 500). Valid photos of every accepted format, mode,
size and EXIF orientation come out upright with the right shape, and the bytes are never changed."""
from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image

from bomcat.images.photo import BadPhoto, inspect, open_image, to_bgr, upright

FAST = settings(max_examples=int(__import__("os").environ.get("FUZZ", 150)), deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SWAPPED = {5, 6, 7, 8}   # EXIF orientations that turn the picture a quarter
# what each format can hold, as a camera or a scanner might write it
MODES = {"JPEG": ["RGB", "L", "CMYK"], "PNG": ["RGB", "RGBA", "L", "LA", "P", "1", "I;16", "I"],
         "TIFF": ["RGB", "RGBA", "L", "CMYK", "I;16", "I", "F", "1"], "WEBP": ["RGB", "RGBA"]}


def picture(mode: str, width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    if mode in ("I;16", "I"):
        values = rng.integers(0, 65535, (height, width))
        return Image.fromarray(values.astype(np.uint16)) if mode == "I;16" else \
            Image.fromarray(values.astype(np.int32)).convert("I")
    if mode == "F":
        return Image.fromarray(rng.normal(0, 1000, (height, width)).astype(np.float32), "F")
    base = Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8), "RGB")
    return base.convert(mode) if mode != "RGB" else base


def encode(image: Image.Image, fmt: str, orientation: int) -> bytes:
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = orientation
    options = {"exif": exif.tobytes()} if fmt in ("JPEG", "PNG", "WEBP", "TIFF") else {}
    if fmt == "TIFF":
        options = {"tiffinfo": {0x0112: orientation}}
    image.save(buf, format=fmt, **options)
    return buf.getvalue()


def load_all_the_way(data: bytes) -> np.ndarray:
    """What ingest does with an upload before detection: open, read EXIF, turn upright, to BGR."""
    image = open_image(data, "board.bin")
    inspect(image)
    return to_bgr(upright(image))


@st.composite
def valid_photos(draw):
    fmt = draw(st.sampled_from(sorted(MODES)))
    mode = draw(st.sampled_from(MODES[fmt]))
    width, height = draw(st.integers(1, 96)), draw(st.integers(1, 96))
    if max(width, height) > 20 * min(width, height):   # strips are refused by rule; tested below
        height = max(height, width // 20 + 1)
        width = max(width, height // 20 + 1)
    orientation = draw(st.integers(1, 8))
    return fmt, mode, width, height, orientation, encode(picture(mode, width, height, draw(st.integers(0, 99))),
                                                         fmt, orientation)


@FAST
@given(valid_photos())
def test_every_valid_photo_comes_out_upright_as_eight_bit_bgr(photo):
    fmt, mode, width, height, orientation, data = photo
    kept = bytes(data)
    bgr = load_all_the_way(data)
    expected = (width, height) if orientation in SWAPPED else (height, width)
    assert bgr.shape == (*expected, 3) and bgr.dtype == np.uint8, (fmt, mode, orientation)
    assert data == kept   # nothing reads by changing


@FAST
@given(st.binary(max_size=4096))
def test_any_bytes_are_an_image_or_a_refusal_that_names_the_file(data):
    try:
        load_all_the_way(data)
    except BadPhoto as exc:
        assert str(exc).startswith("board.bin: ") and 400 <= exc.status < 500


def _seeds() -> list[bytes]:
    return [encode(picture(mode, 40, 30, 1), fmt, 6) for fmt, modes in sorted(MODES.items()) for mode in modes[:2]]


SEEDS = _seeds()


@pytest.mark.filterwarnings("ignore::UserWarning")   # Pillow warns about the damage it reads past
@FAST
@given(seed=st.sampled_from(range(len(SEEDS))), cut=st.integers(0, 4096),
       flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
       insert=st.binary(max_size=16))
def test_damaged_photos_of_every_format_are_refused_with_a_reason_or_read(seed, cut, flips, insert):
    """A real file of each format, truncated, with bytes overwritten and bytes inserted: what an
    interrupted transfer or a bad card gives. Decoders raise many kinds of error on such input; each
    must come out as a refusal (4xx), and what does decode must turn upright."""
    data = bytearray(SEEDS[seed])
    for at, value in flips:
        data[at % len(data)] = value
    at = cut % len(data)
    damaged = bytes(data[:at] + insert + data[at:]) if cut % 2 else bytes(data[:max(1, len(data) - cut)])
    try:
        bgr = load_all_the_way(damaged)
    except BadPhoto as exc:
        assert str(exc).startswith("board.bin: ") and 400 <= exc.status < 500
    else:
        assert bgr.ndim == 3 and bgr.shape[2] == 3 and bgr.dtype == np.uint8


@pytest.mark.parametrize("size", [(2000, 10), (10, 2000), (1, 21)])
def test_strips_are_refused_with_the_reason(size):
    with pytest.raises(BadPhoto, match="is not a board photo"):
        open_image(encode(picture("L", *size, 0), "PNG", 1), "strip.png")
