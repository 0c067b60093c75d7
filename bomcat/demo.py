"""The demo catalog: synthetic board photos rendered by bomcat, carrying real
markings of IP-camera parts from the public record, ingested through the real
pipeline. No third-party photo is involved."""
from __future__ import annotations

import datetime as dt
import io
import os
from typing import Callable

from PIL import Image
from sqlalchemy import select

from bomcat.catalog.db import Catalog
from bomcat.catalog.models import ComponentStatus, Device, DeviceStatus, OutreachEntry, OutreachStatus, User
from bomcat.catalog.records import apply_review, create_device, ensure_manufacturer
from bomcat.catalog.users import create_user
from bomcat.pipeline.ingest import ingest_photo
from bomcat.images.synth import SyntheticChip, render_board

DEVICE = dict(slug="demo-ip-camera", maker="Demo Vision", model="IPC-2000 (synthetic)", variant="rev B",
              firmware="V5.5.0 build 180000", acquired_where="synthetic: rendered by bomcat demo",
              notes="A made-up camera whose boards bomcat renders itself; the markings are real ones "
                    "published in teardowns and datasheets of IP-camera parts.",
              report_intro="This demo report shows what bomcat publishes for a teardown: the companies whose "
                           "parts were found in the camera, the evidence for each part, and the letters sent "
                           "to them. The camera and its boards are synthetic; the markings are real.",
              report_recommendations="Companies whose parts were found should say whether they supply the "
                                     "device maker directly or through distributors, and what due diligence "
                                     "they apply to customers in the surveillance industry.")
# A later revision, photographed but not reviewed yet: the reviewers' work waiting, not public.
DRAFT_DEVICE = dict(slug="demo-ip-camera-rev-c", maker="Demo Vision", model="IPC-2000 (synthetic)", variant="rev C",
                    acquired_where="synthetic: rendered by bomcat demo",
                    notes="The next revision of the demo camera: its proposals wait for a reviewer.")

# Markings as printed on real parts (public teardowns, datasheets, OpenIPC wiki).
BOARDS: list[list[SyntheticChip]] = [
    [SyntheticChip(["Ingenic", "T31", "21050632-BRX01", "21020130042202"], "QFP", 0),
     SyntheticChip(["winbond", "25Q128JVSQ", "1927"], "SOIC8", 180),
     SyntheticChip(["SONY", "IMX307LQD", "2134"], "BGA", 90),
     SyntheticChip(["AKM", "AK4951EN", "2105"], "QFN", 0),
     SyntheticChip(["ROHM", "BD9E301", "1043"], "TSSOP", 0),
     SyntheticChip(["THine", "THC63LVD1027"], "TSSOP", 270)],
    [SyntheticChip(["Hi3518", "ERBCV100", "CP78A1640", "1640-CHINA"], "QFP", 0),
     SyntheticChip(["MXIC", "MX25L12835F", "M2I-10G", "1611"], "SOIC8", 0),
     SyntheticChip(["EPSON", "SG-8018CA", "2019"], "SOIC8", 180),
     SyntheticChip(["MT29F4G08ABADA", "WP:D", "1826"], "TSSOP", 0),
     SyntheticChip(["ROHM", "BR24G256", "1819"], "SOIC8", 90)],
    [SyntheticChip(["Star", "SSD203D", "AV216ECB", "2237F"], "QFP", 0),
     SyntheticChip(["XMC", "25QH64CHIQ", "2223C"], "SOIC8", 0),
     SyntheticChip(["SV6355", "TAD2247"], "QFN", 180),
     SyntheticChip(["UTC", "ULN2803G"], "TSSOP", 0)],
]


# The revision keeps rev B's flash and regulator and changes its SoC and sensor, as revisions do, so
# that /devices/demo-ip-camera/compare/demo-ip-camera-rev-c shows parts in both and in one only.
DRAFT_BOARD = [SyntheticChip(["Ingenic", "T40N", "2210-XP"], "QFP", 0),
               SyntheticChip(["SmartSens", "SC2335", "2208"], "BGA", 0),
               SyntheticChip(["REALTEK", "8188FTV", "J5C6431"], "QFN", 90),
               SyntheticChip(["winbond", "25Q128JVSQ", "2118"], "SOIC8", 0),
               SyntheticChip(["ROHM", "BD9E301", "1152"], "TSSOP", 0)]

# Letters to two of the suppliers, one answered and one not, so that the report's outreach section
# shows both (sent before the demo is built, whatever the day).
DEMO_LETTERS = [
    dict(maker="ROHM Semiconductor", kind="letter", days_ago=60, reply_days_ago=41,
         subject="Your BD9E301 regulator and BR24G256 EEPROM were found in the demo camera IPC-2000. Do you supply "
                 "its maker, directly or through distributors? What checks do you make of customers' end use?",
         reply="We sell through distributors and cannot confirm the end customer of each part. We are reviewing "
               "the information you sent."),
    dict(maker="Sony Semiconductor Solutions", kind="letter", days_ago=60, reply_days_ago=None,
         subject="Your IMX307 image sensor was found in the demo camera IPC-2000. Do you supply its maker?",
         reply=None)]

DEMO_PASSWORD = os.environ.get("BOMCAT_DEMO_PASSWORD", "bomcat-demo-password")
DEMO_USERS = {"demo-admin": "admin", "demo-reviewer": "reviewer", "demo-investigator": "investigator"}


def ensure_demo_users(session) -> None:
    for name, role in DEMO_USERS.items():
        if session.scalar(select(User).where(User.name == name)) is None:
            create_user(session, name, DEMO_PASSWORD, role)


def render_jpeg(chips: list[SyntheticChip], seed: int, size: tuple[int, int] = (2400, 1600),
                quality: int = 92) -> bytes:
    """A board photo rendered with these chips, as a JPEG (the demo's, the benchmarks')."""
    board = render_board([SyntheticChip(list(c.lines), c.package, c.rotation) for c in chips], size=size, seed=seed)
    buf = io.BytesIO()
    Image.fromarray(board.image[:, :, ::-1]).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def review_as_demo_reviewer(session, device: Device) -> None:
    """What a reviewer would do with the demo's proposals: verify what was read and resolved, reject
    the rest ('no usable reading'). Everything goes through the review log, as any review does."""
    for component in device.components:
        if component.status is not ComponentStatus.proposed:
            continue
        if component.part_number and component.manufacturer_id:
            apply_review(session, component, "demo-reviewer", "verified", comment="checked against the crop")
        else:
            apply_review(session, component, "demo-reviewer", "rejected", comment="no usable reading")


def record_demo_letters(session) -> None:
    """The demo's letters (`DEMO_LETTERS`), once."""
    if session.scalar(select(OutreachEntry.id).limit(1)) is not None:
        return
    today = dt.date.today()
    for letter in DEMO_LETTERS:
        replied = letter["reply_days_ago"]
        session.add(OutreachEntry(
            manufacturer=ensure_manufacturer(session, letter["maker"]), kind=letter["kind"],
            sent_on=today - dt.timedelta(days=letter["days_ago"]), subject=letter["subject"],
            reply_text=letter["reply"], replied_on=today - dt.timedelta(days=replied) if replied else None,
            status=OutreachStatus.answered if letter["reply"] else OutreachStatus.awaiting,
            recorded_by="demo-investigator"))


def build_demo(catalog: Catalog, boards: int = 3, echo: Callable[[str], None] = print) -> dict:
    """The published demo camera (its boards ingested, reviewed and published) and a draft revision
    whose proposals wait for review. Run again, it keeps what is there."""
    with catalog.session() as session:
        ensure_demo_users(session)
        for fields in (DEVICE, DRAFT_DEVICE):
            if session.scalar(select(Device).where(Device.slug == fields["slug"])) is None:
                create_device(session, **fields)
    photos = 0
    for index, chips in enumerate(BOARDS[:max(1, boards)]):
        echo(f"demo: ingesting synthetic board {index + 1} ({len(chips)} chips)")
        ingest_photo(catalog, DEVICE["slug"], render_jpeg(chips, index + 1), f"demo-board-{index + 1}.jpg",
                     uploaded_by="demo", board="main" if index == 0 else f"board {index + 1}", side="top")
        photos += 1
    echo(f"demo: ingesting the draft revision's board ({len(DRAFT_BOARD)} chips)")
    ingest_photo(catalog, DRAFT_DEVICE["slug"], render_jpeg(DRAFT_BOARD, 101), "demo-rev-c-main.jpg",
                 uploaded_by="demo", board="main", side="top")
    with catalog.session() as session:
        device = session.scalar(select(Device).where(Device.slug == DEVICE["slug"]))
        review_as_demo_reviewer(session, device)
        device.status = DeviceStatus.published
        resolved = sum(1 for c in device.components if c.part_number and c.manufacturer_id)
        components = len(device.components)
        record_demo_letters(session)
        draft = session.scalar(select(Device).where(Device.slug == DRAFT_DEVICE["slug"]))
        waiting = sum(1 for c in draft.components if c.status is ComponentStatus.proposed)
    return {"device": DEVICE["slug"], "photos": photos, "components": components, "resolved": resolved,
            "draft_device": DRAFT_DEVICE["slug"], "waiting": waiting,
            "users": list(DEMO_USERS), "password": DEMO_PASSWORD}
