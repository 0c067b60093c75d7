"""A device's teardown metadata as people send it (the API's JSON, the browser's form, the command
line): checked in one place, so that every way in refuses the same things with the same words.

Values are text or dates; text is trimmed, must fit its column and hold no control characters
(a NUL cannot be stored by PostgreSQL and is never meant); maker and model may not be blank; an
empty optional value clears the field.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from sqlalchemy.orm import Session

from .models import Device
from .records import SLUG_RE, DeviceRefused, create_device
from .values import date_value, text_value

TEXT_FIELDS = {"maker": 200, "model": 200, "variant": 200, "firmware": 200, "serial": 200,
               "acquired_where": 300, "notes": 20_000, "report_intro": 20_000, "report_recommendations": 20_000}
MULTILINE = ("notes", "report_intro", "report_recommendations")
DATE_FIELDS = ("acquired_on", "teardown_on")
REQUIRED = ("maker", "model")
RESERVED_SLUGS = {"new"}   # /devices/new is the form that creates one
FIELDS = ("slug", *TEXT_FIELDS, *DATE_FIELDS)
LABELS = {"slug": "Slug", "maker": "Maker", "model": "Model", "variant": "Variant", "firmware": "Firmware",
          "serial": "Serial number", "acquired_where": "Where it was bought", "acquired_on": "Bought on",
          "teardown_on": "Torn down on", "notes": "Notes", "report_intro": "Report: introduction",
          "report_recommendations": "Report: recommendations"}


def _text(name: str, value: Any) -> str | None:
    return text_value(name, value, TEXT_FIELDS[name], multiline=name in MULTILINE, error=DeviceRefused)


def _date(name: str, value: Any) -> dt.date | None:
    return date_value(name, value, error=DeviceRefused)


def device_values(raw: Mapping[str, Any], creating: bool) -> dict[str, Any]:
    """The checked values among `raw` (only the fields it names: an edit changes what it sends)."""
    unknown = set(raw) - set(FIELDS)
    if unknown:
        raise DeviceRefused(f"unknown fields: {', '.join(sorted(unknown))} (a device has {', '.join(FIELDS)})")
    values: dict[str, Any] = {}
    if creating or "slug" in raw:
        slug = raw.get("slug")
        if not isinstance(slug, str) or not SLUG_RE.match(slug.strip()) or len(slug.strip()) > 120:
            raise DeviceRefused(f"slug {slug!r} must be lower-case letters, digits and single dashes "
                                "(at most 120), e.g. hikvision-ds-2cd2043")
        if slug.strip() in RESERVED_SLUGS:
            raise DeviceRefused(f"slug {slug.strip()!r} is reserved; choose another")
        values["slug"] = slug.strip()
    for name in TEXT_FIELDS:
        if name in raw:
            values[name] = _text(name, raw[name])
    for name in DATE_FIELDS:
        if name in raw:
            values[name] = _date(name, raw[name])
    for name in REQUIRED:
        if (creating or name in raw) and not values.get(name):
            raise DeviceRefused(f"{name} may not be empty")
    return values


def add_device(session: Session, raw: Mapping[str, Any]) -> Device:
    values = device_values(raw, creating=True)
    return create_device(session, **{k: v for k, v in values.items() if v is not None})


def edit_device(session: Session, device: Device, raw: Mapping[str, Any]) -> list[str]:
    """Apply an edit; the names of the fields it changed. The slug is the device's address and
    stays (links and the report cite it)."""
    values = device_values(raw, creating=False)
    if "slug" in values and values["slug"] != device.slug:
        raise DeviceRefused("a device's slug cannot change: links and reports cite it", status=409)
    changed = []
    for name, value in values.items():
        if name != "slug" and getattr(device, name) != value:
            setattr(device, name, value)
            changed.append(name)
    session.flush()
    return changed
