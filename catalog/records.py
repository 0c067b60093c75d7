"""Writing to the catalog: devices, manufacturers and parts from the knowledge
base, proposed components, and the review log through which every later
change to a component goes.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bomcat.errors import CatalogError, NotFound
from .models import (
    Component,
    ComponentStatus,
    Device,
    Manufacturer,
    Part,
    Region,
    Review,
    Verdict,
)
from .resolver import knowledge
from .search import index_component

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:120]


class DeviceRefused(CatalogError, ValueError):
    """A device that cannot be created as asked: says why."""


def create_device(session: Session, slug: str, maker: str, model: str, **fields: Any) -> Device:
    if not SLUG_RE.match(slug or ""):
        raise DeviceRefused(f"device slug {slug!r} must be lower-case letters, digits and dashes")
    if session.scalar(select(Device).where(Device.slug == slug)) is not None:
        raise DeviceRefused(f"a device with slug {slug!r} exists already", status=409)
    device = Device(slug=slug, maker=maker, model=model, **fields)
    session.add(device)
    session.flush()
    return device


def ensure_manufacturer(session: Session, name: str) -> Manufacturer:
    """The catalog row for a manufacturer, created (with its successors) from the knowledge base."""
    found = session.scalar(select(Manufacturer).where(Manufacturer.name == name))
    if found is not None:
        return found
    info = knowledge.load().manufacturers.get(name)
    row = Manufacturer(name=name)
    if info is not None:
        row.aliases = info.aliases
        row.country = info.country
        row.parent = info.parent
        row.note = info.note
        if info.successor:
            row.successor = ensure_manufacturer(session, info.successor)
            row.successor_year = info.successor_year
    session.add(row)
    session.flush()
    return row


def ensure_part(session: Session, part_number: str, manufacturer: Optional[Manufacturer],
                family: Optional[str] = None, category: Optional[str] = None) -> Part:
    query = select(Part).where(Part.part_number == part_number)
    query = query.where(Part.manufacturer_id == (manufacturer.id if manufacturer else None)) if manufacturer \
        else query.where(Part.manufacturer_id.is_(None))
    part = session.scalar(query)
    if part is None:
        part = Part(part_number=part_number, manufacturer=manufacturer, family=family, category=category)
        session.add(part)
        session.flush()
    return part


def component_values(component: Component) -> dict[str, Any]:
    return {"marking": component.marking, "part_number": component.part_number,
            "manufacturer": component.manufacturer.name if component.manufacturer else None,
            "category": component.category, "date_code": component.date_code,
            "status": component.status.value}


def _set_values(session: Session, component: Component, values: dict[str, Any]) -> None:
    if "marking" in values:
        component.marking = values["marking"] or None
    if "date_code" in values:
        component.date_code = values["date_code"] or None
    if "category" in values:
        component.category = values["category"] or None
    if "manufacturer" in values:
        name = values["manufacturer"]
        component.manufacturer = ensure_manufacturer(session, name) if name else None
    if "part_number" in values:
        number = (values["part_number"] or "").strip() or None
        component.part_number = number
        component.part = ensure_part(session, number, component.manufacturer, category=component.category) \
            if number else None


def looked_up(component: Component, corrections: dict[str, Any]) -> dict[str, Any]:
    """What the knowledge base says about a corrected part number or marking: maker, category and
    the decoded date code, for the fields the reviewer did not give (their values always win).
    Taken only when the lookup names the corrected part itself (or it with an ordering tail) as a
    part it knows."""
    from .resolver import default_resolver
    from .resolver.catalogue import reduce
    part = (corrections.get("part_number") or "").strip()
    marking = corrections.get("marking")
    if not part and not marking:
        return {}
    out: dict[str, Any] = {}
    if marking:
        date = (default_resolver().resolve(marking).as_dict().get("date_code") or {}).get("raw")
        if date:
            out["date_code"] = date
    if part:
        given = corrections.get("manufacturer")
        held = component.manufacturer.name if component.manufacturer else None
        # The reviewer's maker as the logo; else the part alone, then under the maker it had.
        tries = [f"{given} | {part}"] if given else [part] + ([f"{held} | {part}"] if held else [])
        for marking_tried in tries:
            found = default_resolver().resolve(marking_tried).as_dict()
            wanted, got = reduce(part), reduce(found.get("part_number") or "")
            if got and (got.startswith(wanted) or wanted.startswith(got)) and found.get("manufacturer") \
                    and "known.part" in found.get("rules", ()):   # a part the knowledge base lists, not a guess
                out["manufacturer"] = found["manufacturer"]
                out["category"] = found.get("category")
                break
    return out


def proposal_values(resolution: dict) -> dict[str, Any]:
    """A component's values from a resolver answer. The marking is the chosen reading as the
    resolver explains it; every raw reading stays in the Reading rows."""
    date = resolution.get("date_code") or {}
    return {"marking": " | ".join(resolution.get("reading") or []) or resolution.get("marking"),
            "manufacturer": resolution.get("manufacturer"), "category": resolution.get("category"),
            "part_number": resolution.get("part_number"), "date_code": date.get("raw")}


def propose_component(session: Session, device: Device, region: Optional[Region], resolution: dict,
                      proposed_by: str, comment: Optional[str] = None) -> Component:
    component = Component(device=device, region=region, status=ComponentStatus.proposed,
                          confidence=resolution.get("confidence"))
    session.add(component)
    _set_values(session, component, proposal_values(resolution))
    session.flush()
    session.add(Review(component=component, reviewer=proposed_by, verdict=Verdict.proposed,
                       values=component_values(component), comment=comment))
    index_component(session, component)
    return component


def repropose_component(session: Session, component: Component, resolution: dict, by: str,
                        comment: Optional[str] = None) -> Review:
    """New evidence (a re-cut crop, read again): the component takes the new reading and goes
    back to review. Verified values are not lost: they stay in the earlier review entries."""
    _set_values(session, component, proposal_values(resolution))
    component.confidence = resolution.get("confidence")
    component.status = ComponentStatus.proposed
    session.flush()
    review = Review(component=component, reviewer=by, verdict=Verdict.reopened,
                    values=component_values(component), comment=comment)
    session.add(review)
    session.flush()
    index_component(session, component)
    return review


class ReviewRefused(CatalogError, ValueError):
    """A review the rules do not allow (four eyes, a correction without values): says why."""
    status = 409


def last_verification(component: Component) -> Optional[Review]:
    """The latest review that verified the component (it may have been reopened since)."""
    return next((r for r in reversed(component.reviews) if r.verdict is Verdict.verified), None)


def last_changed_by(component: Component) -> Optional[str]:
    for review in reversed(component.reviews):
        if review.verdict in (Verdict.proposed, Verdict.corrected, Verdict.reopened):
            return review.reviewer
    return None


def apply_review(session: Session, component: Component, reviewer: str, verdict: Verdict | str,
                 corrections: Optional[dict[str, Any]] = None, comment: Optional[str] = None,
                 four_eyes: bool = True) -> Review:
    """Append a review and bring the component to the state it describes.

    Four-eyes rule: whoever proposed or last changed a component does not verify it.
    """
    verdict = Verdict(verdict)
    if verdict is Verdict.proposed:
        raise ReviewRefused("a proposal is made by ingest or by adding a component, not by a review")
    if verdict is Verdict.verified and four_eyes and last_changed_by(component) == reviewer:
        raise ReviewRefused(f"{reviewer} proposed or last changed this component; someone else must verify it")
    if verdict is Verdict.corrected:
        if not corrections:
            raise ReviewRefused("a correction needs the corrected values")
        _set_values(session, component, {**looked_up(component, corrections), **corrections})
    status = {Verdict.verified: ComponentStatus.verified, Verdict.corrected: ComponentStatus.proposed,
              Verdict.rejected: ComponentStatus.rejected, Verdict.not_a_chip: ComponentStatus.rejected,
              Verdict.reopened: ComponentStatus.proposed}[verdict]
    component.status = status
    session.flush()
    review = Review(component=component, reviewer=reviewer, verdict=verdict,
                    values=component_values(component), comment=comment)
    session.add(review)
    session.flush()
    index_component(session, component)
    return review


BULK_VERDICTS = (Verdict.not_a_chip, Verdict.rejected)   # verifying stays one look at a time


def apply_bulk_review(session: Session, component_ids: list[int], reviewer: str, verdict: Verdict | str,
                      comment: Optional[str] = None) -> list[Review]:
    """One verdict for many proposals (triage of boxes that are not chips), each kept in the review
    log as its own review. All or none: an unknown id or a component no longer proposed refuses the
    whole batch, so nothing is half-applied."""
    try:
        verdict = Verdict(verdict)
    except (TypeError, ValueError):
        verdict = None
    if verdict not in BULK_VERDICTS:
        raise ReviewRefused(f"many at once only as {' or '.join(v.value for v in BULK_VERDICTS)}: "
                            "verifying and correcting are done one component at a time", status=400)
    if not component_ids:
        raise ReviewRefused("no components chosen", status=400)
    components = {c.id: c for c in session.scalars(select(Component).where(Component.id.in_(component_ids)))}
    missing = sorted(set(component_ids) - set(components))
    if missing:
        raise NotFound(f"no component {', '.join(map(str, missing))}")
    done = sorted(i for i, c in components.items() if c.status is not ComponentStatus.proposed)
    if done:
        raise ReviewRefused(f"component {', '.join(map(str, done))} is no longer proposed (reviewed meanwhile)")
    return [apply_review(session, components[i], reviewer, verdict, comment=comment) for i in dict.fromkeys(component_ids)]


def usable_reading(component: Component) -> bool:
    """Whether the pipeline read anything it could explain: a part number or a maker. Proposals
    without one are mostly boxes around things that are not chips, and wait behind the others."""
    return bool(component.part_number or component.manufacturer_id)
