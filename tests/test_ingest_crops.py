"""Crops cut during ingest read as well as hand crops of the same chip: both come from the full-resolution
upright image, the ingest one around the detected box with a margin, the hand one generously around
where the chip was drawn."""
from __future__ import annotations

from sqlalchemy import select

from bomcat.scoring import part_right
from bomcat.catalog.models import Component
from bomcat.images.geometry import crop_rotated
from bomcat.pipeline.ingest import ingest_photo
from bomcat.images.photo import open_image, to_bgr
from bomcat.catalog.resolver import default_resolver
from bomcat.ocr.read import read_chip

from .conftest import board_jpeg, make_catalog

CHIPS = [(["winbond", "25Q64JVSIQ", "1927"], "SOIC8", 0, "W25Q64JV"),
         (["SONY", "IMX307LQD", "2134"], "QFN", 180, "IMX307"),
         (["EPSON", "SG-8018CA", "2019"], "SOIC8", 90, "SG-8018CA"),
         ]


def test_an_ingest_crop_reads_as_well_as_a_hand_crop_of_the_same_chip(tmp_path):
    data, chips = board_jpeg(chips=[c[:3] for c in CHIPS], seed=5, size=(2000, 1300))
    catalog = make_catalog(tmp_path, devices=[("cam", "Acme", "Cam")])
    ingest_photo(catalog, "cam", data, "board.jpg", uploaded_by="ivan")
    with catalog.session() as session:
        found = [(c.part_number, c.region.cx, c.region.cy) for c in session.scalars(select(Component))]
    image = to_bgr(open_image(data))
    hand_right = ingest_right = 0
    for chip, (*_, part) in zip(chips, CHIPS):
        hand = read_chip(crop_rotated(image, chip.box, margin=0.25)[0], default_resolver()).part_number
        ingested = min(found, key=lambda f: (f[1] - chip.box.cx) ** 2 + (f[2] - chip.box.cy) ** 2)[0]
        hand_right += part_right(part, hand)
        ingest_right += part_right(part, ingested)
    assert hand_right == len(CHIPS)          # the hand crops read: the comparison means something
    assert ingest_right == hand_right
