"""The report of a device (`/devices/<slug>/report`, `.json`, `.pdf`; `bomcat report SLUG`): the form in
which investigators publish a teardown and write to the companies, with the evidence behind each line.

Only verified components appear, whoever asks; a device not published yet gives its report to signed-in
people only, marked as a draft. Sections: summary, supplier table (numbered, as the published report
prints it), one evidence section per company (each part's upright crop, marking as printed, part number,
the photo with the region outlined, who verified it and when, the photo's SHA-256), outreach (letters
with their dates and questions, replies quoted, or 'no response' with the days elapsed), methods, and
the device's own introduction and recommendations.
"""
from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from flask import Blueprint, current_app, render_template, url_for
from sqlalchemy import or_, select

from bomcat.catalog import entity_list
from bomcat.catalog.export import owner_today
from bomcat.catalog.lines import ComponentLine
from bomcat.catalog.models import Component, ComponentStatus, Manufacturer, OutreachEntry, OutreachStatus, Photo
from bomcat.catalog.records import slugify
from bomcat.images.geometry import RotatedBox

from .auth import limiter
from .serialize import device_detail, manufacturer_url, outreach_dict
from .suppliers import category_label
from .views import can_see, catalog, data_view, device_or_404, ensure_visible, shown_lines

bp = Blueprint("report", __name__)
PDFS_PER_MINUTE = "10 per minute"

METHODS = (
    "Each circuit board was photographed whole; the original photos are kept unaltered and identified by "
    "their SHA-256. Chips were found on the photos and their markings read by bomcat, which proposed a part "
    "number and maker from the marking; a reviewer compared every proposal with the photo crop and verified, "
    "corrected or rejected it. No proposal becomes a line of this report without a reviewer's verification, "
    "and every line names the photo, the region of it and the review behind it. A correction is verified by "
    "a second reviewer. The companies named were written to with the parts found; their replies are quoted "
    "as received.")


def part_words(lines: list[ComponentLine]) -> str:
    """'image sensor IMX307LQD, eeprom BR24G256': a company's confirmed parts in words."""
    seen: "OrderedDict[str, None]" = OrderedDict()
    for line in lines:
        seen[f"{category_label(line.category)} {line.part_number or '(part number unknown)'}"] = None
    return ", ".join(seen)


def outline(line: ComponentLine, sizes: dict[int, tuple[int, int]]) -> dict | None:
    """The region's corners on the photo, with the photo's upright size (the SVG's frame)."""
    if line.box is None or line.photo_id not in sizes:
        return None
    cx, cy, w, h, angle = line.box
    corners = RotatedBox(cx, cy, w, h, angle).corners()
    width, height = sizes[line.photo_id]
    return {"points": " ".join(f"{x:.0f},{y:.0f}" for x, y in corners), "width": width, "height": height,
            "stroke": max(2, round(max(width, height) / 300))}


def photo_frames(session, photo_ids: set[int]) -> tuple[dict[int, tuple[int, int]], dict[int, str]]:
    """Per photo: its upright size and the URL of its thumbnail (what the outlined locator is drawn on)."""
    sizes, thumbnails = {}, {}
    for photo in session.scalars(select(Photo).where(Photo.id.in_(list(photo_ids)))):
        upright, thumbnail = photo.derivative("upright"), photo.derivative("thumbnail")
        sizes[photo.id] = (upright.width, upright.height) if upright else (photo.width, photo.height)
        if thumbnail is not None:
            thumbnails[photo.id] = url_for("files.derived", derived_id=thumbnail.id)
    return sizes, thumbnails


def evidence_item(line: ComponentLine, sizes: dict, thumbnails: dict) -> dict:
    return {"id": line.id, "marking": line.marking, "part_number": line.part_number, "category": line.category,
            "designator": line.designator, "verified_by": line.verified_by,
            "verified_at": line.verified_at.strftime("%Y-%m-%d %H:%M") if line.verified_at else None,
            "photo_sha256": line.photo_sha256, "photo_id": line.photo_id,
            "crop_url": url_for("files.derived", derived_id=line.crop_id) if line.crop_id else None,
            "thumbnail_url": thumbnails.get(line.photo_id), "outline": outline(line, sizes),
            "url": url_for("components.component_page", component_id=line.id)}


def outreach_items(session, device_id: int, makers: list[str], today: dt.date) -> list[dict]:
    """The letters sent (not drafts) to these companies about this device, or about no device in particular."""
    entries = session.scalars(select(OutreachEntry).join(Manufacturer).where(
        Manufacturer.name.in_(makers), OutreachEntry.status != OutreachStatus.draft,
        or_(OutreachEntry.device_id.is_(None), OutreachEntry.device_id == device_id))
        .order_by(OutreachEntry.sent_on, OutreachEntry.id))
    return [{**outreach_dict(e), "days_without_reply": None if e.reply_text else (today - e.sent_on).days}
            for e in entries if can_see(e)]


@data_view(bp, "/devices/<slug>/report", "report.html")
def report_page(slug: str) -> dict:
    today = dt.date.today()
    with catalog().session() as session:
        device = device_or_404(session, slug)
        ensure_visible(device, f"device {slug!r}")
        lines = shown_lines(session, Component.device_id == device.id,
                            Component.status == ComponentStatus.verified)
        by_maker: "OrderedDict[str, list[ComponentLine]]" = OrderedDict()
        for line in sorted((x for x in lines if x.manufacturer), key=lambda x: x.manufacturer.casefold()):
            by_maker.setdefault(line.manufacturer, []).append(line)
        sizes, thumbnails = photo_frames(session, {x.photo_id for x in lines if x.photo_id})
        suppliers = []
        for number, (maker, found) in enumerate(by_maker.items(), 1):
            parent = owner_today(maker)
            suppliers.append({"number": number, "manufacturer": maker, "country": found[0].country,
                              "owner_today": parent if parent != maker else None,
                              "parts": part_words(found), "anchor": f"supplier-{slugify(maker)}",
                              "entity_list": entity_list.flags(maker), "url": manufacturer_url(maker),
                              "evidence": [evidence_item(x, sizes, thumbnails) for x in found]})
        reviewers = sorted({x.verified_by for x in lines if x.verified_by})
        return {"device": device_detail(device), "draft": device.status.value != "published",
                "generated_on": today.isoformat(),
                "summary": {"components": len(lines), "suppliers": len(by_maker),
                            "countries": len({x.country for x in lines if x.manufacturer and x.country}),
                            "unidentified": sum(1 for x in lines if not x.manufacturer),
                            "reviewers": reviewers},
                "suppliers": suppliers, "outreach": outreach_items(session, device.id, list(by_maker), today),
                "methods": METHODS, "introduction": device.report_intro,
                "recommendations": device.report_recommendations,
                "pdf_url": url_for("report.report_pdf", slug=slug)}


@bp.get("/devices/<slug>/report.pdf")
@limiter.limit(PDFS_PER_MINUTE)   # each PDF is seconds of a browser's work: not for anyone to loop on
def report_pdf(slug: str):
    from .printing import html_to_pdf, self_contained
    data = report_page(slug)
    html = render_template("report.html", **data, printing=True)
    pdf = html_to_pdf(self_contained(html, catalog()))
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{slug}-report.pdf"'
    return response

