"""The review queue: one proposed component at a time, its evidence beside the readings and the
resolver's candidates, verify / correct / reject from the keyboard; and triage: every waiting proposal
in one table, filtered by whether it has a usable reading, sorted by confidence, many rejected at
once as 'not a chip'."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from sqlalchemy import func, select

from bomcat.catalog.models import Component, ComponentStatus, Device, Role, Verdict
from bomcat.catalog.records import apply_bulk_review, last_changed_by, usable_reading
from bomcat.catalog.resolver import default_resolver

from .auth import requires
from .serialize import component_detail, component_row
from .views import catalog, data_view

bp = Blueprint("review", __name__)


def _progress(session, device_id: int | None) -> dict:
    query = select(Component.status, func.count()).group_by(Component.status)
    if device_id is not None:
        query = query.where(Component.device_id == device_id)
    counts = {status.value: n for status, n in session.execute(query)}
    total = sum(counts.values())
    return {"total": total, **{s.value: counts.get(s.value, 0) for s in ComponentStatus}}


@data_view(bp, "/review", "review.html")
@requires(Role.reviewer)
def review_queue() -> dict:
    from flask_login import current_user
    slug = request.args.get("device")
    skip = {int(x) for x in request.args.getlist("skip") if x.isdigit()}
    with catalog().session() as session:
        device = session.scalar(select(Device).where(Device.slug == slug)) if slug else None
        query = select(Component).where(Component.status == ComponentStatus.proposed).order_by(Component.id)
        if device is not None:
            query = query.where(Component.device_id == device.id)
        # Four eyes: what this reviewer proposed or last changed is left for someone else.
        proposed = list(session.scalars(query))
        waiting = [c for c in proposed if c.id not in skip and last_changed_by(c) != current_user.name]
        # Four eyes: this reviewer's corrections wait for someone else, and the progress line says so.
        second = sum(1 for c in proposed if last_changed_by(c) == current_user.name
                     and any(r.verdict is Verdict.corrected for r in c.reviews))
        waiting.sort(key=lambda c: not usable_reading(c))   # boxes that read as nothing come last
        current = waiting[0] if waiting else None
        data = {"device": slug, "progress": _progress(session, device.id if device else None),
                "waiting": len(waiting), "corrections_for_second_reviewer": second, "component": None, "candidates": [], "skip": sorted(skip)}
        if current is not None:
            data["component"] = component_detail(current)
            data["candidates"] = default_resolver().resolve(current.marking or "")["candidates"]
        return data


SORTS = {"confidence": lambda r: (r["confidence"] or 0, r["id"]), "-confidence": lambda r: (-(r["confidence"] or 0),
         r["id"]), "id": lambda r: r["id"]}
SHOWS = ("all", "unreadable", "readable")


@data_view(bp, "/review/triage", "triage.html")
@requires(Role.reviewer)
def triage() -> dict:
    slug = request.args.get("device") or None
    show = request.args.get("show", "all")
    sort = request.args.get("sort", "confidence")
    if show not in SHOWS or sort not in SORTS:
        abort(400, f"show is one of {', '.join(SHOWS)}; sort one of {', '.join(SORTS)}")
    with catalog().session() as session:
        query = select(Component).where(Component.status == ComponentStatus.proposed)
        if slug:
            device = session.scalar(select(Device).where(Device.slug == slug))
            if device is None:
                abort(404, f"no device {slug!r}")
            query = query.where(Component.device_id == device.id)
        rows = []
        for c in session.scalars(query):
            usable = usable_reading(c)
            if show == "all" or (show == "readable") == usable:
                rows.append({**component_row(c), "usable": usable,
                             "device": c.device.slug, "readings": len(c.region.readings) if c.region else 0})
        rows.sort(key=SORTS[sort])
        devices = sorted({slug for (slug,) in session.execute(
            select(Device.slug).join(Component).where(Component.status == ComponentStatus.proposed))})
        return {"device": slug, "show": show, "sort": sort, "proposals": rows, "devices": devices,
                "verdicts": [Verdict.not_a_chip.value, Verdict.rejected.value]}


@bp.post("/review/triage")
@requires(Role.reviewer)
def triage_apply():
    from flask_login import current_user
    ids = [int(x) for x in request.form.getlist("component") if x.isdigit()]
    verdict = request.form.get("verdict", Verdict.not_a_chip.value)
    if verdict not in (Verdict.not_a_chip.value, Verdict.rejected.value):
        abort(400, "triage rejects as not_a_chip or rejected")
    with catalog().session() as session:
        reviews = apply_bulk_review(session, ids, current_user.name, verdict, request.form.get("comment") or None)
    flash(f"{len(reviews)} marked {verdict.replace('_', ' ')}.")
    back = {k: request.form[k] for k in ("device", "show", "sort") if request.form.get(k)}
    return redirect(url_for("review.triage", **back))
