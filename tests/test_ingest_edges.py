"""Edges of ingest: a photo with no chip still gets its id, a 16-bit grey image gets a true upright copy,
a strip of an image is refused with the reason."""
from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from bomcat.images.ingest import IngestError, ingest_photo
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
