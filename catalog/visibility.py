"""Who may see what: the one visibility policy of the catalog.

Every page, serializer, file route and export asks `can_see(viewer, thing)` (or, for lists, uses
the SQL filters below, which say the same thing in a query). The rule:

- signed-in people (investigators, reviewers, admins) see everything: drafts and proposals are
  their work;
- anonymous visitors see only what has been published *and reviewed*:
  - a device when it is published;
  - a component when its device is published and it is verified;
  - a region when it is live (not deleted) and its component is visible;
  - a photo when its device is published and it carries at least one visible region: a photo
    uploaded after publication stays private until something on it is verified, and a photo
    that is evidence of nothing published is not shown;
  - a derived image of a photo (upright copy, thumbnail, zoom tiles) when its photo is visible;
    a crop only when it is the current evidence crop of a visible region (earlier crops of a
    moved region, and crops of proposed or rejected components, stay private);
  - a reading when its region is visible;
  - an outreach entry (a letter sent to a company, and its reply) once it is sent: letters and
    replies are the public record beside the evidence; a letter drafted and not sent is not.

A viewer is anything with `is_authenticated` (Flask-Login's `current_user`), or None for an
anonymous visitor (the static site and `bomcat export --public`).
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import ColumnElement, and_, exists, select

from .models import (Component, ComponentStatus, DerivedImage, Device, DeviceStatus, OutreachEntry, OutreachStatus,
                     Photo, Reading, Region)


def signed_in(viewer: Any) -> bool:
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False))


def _device(device: Device) -> bool:
    return device.status is DeviceStatus.published


def _component(component: Component) -> bool:
    return _device(component.device) and component.status is ComponentStatus.verified


def _region(region: Region) -> bool:
    return region.deleted_at is None and region.component is not None and _component(region.component)


def _photo(photo: Photo) -> bool:
    return _device(photo.device) and any(_region(r) for r in photo.regions)


def _derived(item: DerivedImage) -> bool:
    if item.region_id is None:
        return _photo(item.photo)
    region = item.region
    current = region.crop() if region is not None else None
    return region is not None and _region(region) and current is not None and current.id == item.id


def _reading(reading: Reading) -> bool:
    return _region(reading.region)


PUBLIC_RULES = {Device: _device, Component: _component, Region: _region, Photo: _photo,
                DerivedImage: _derived, Reading: _reading,
                OutreachEntry: lambda entry: entry.status is not OutreachStatus.draft}


def can_see(viewer: Any, thing: Optional[Any]) -> bool:
    """May this viewer see this row (and whatever file or page stands for it)?"""
    if thing is None:
        return False
    if signed_in(viewer):
        return True
    for kind, rule in PUBLIC_RULES.items():
        if isinstance(thing, kind):
            return rule(thing)
    # Anything the policy does not name is private by default: a new kind of row must be added here.
    return False


# --- the same rules as SQL filters, for lists ------------------------------------------------------

def public_devices() -> ColumnElement[bool]:
    return Device.status == DeviceStatus.published


def public_components() -> ColumnElement[bool]:
    """For a query that joins Component to Device."""
    return and_(Device.status == DeviceStatus.published, Component.status == ComponentStatus.verified)


def public_photos() -> ColumnElement[bool]:
    """For a query over Photo: its device is published and a live region of it has a verified component."""
    verified_here = exists(
        select(Region.id).join(Component, Component.region_id == Region.id)
        .where(Region.photo_id == Photo.id, Region.deleted_at.is_(None),
               Component.status == ComponentStatus.verified))
    device_published = exists(select(Device.id).where(Device.id == Photo.device_id, public_devices()))
    return and_(device_published, verified_here)
