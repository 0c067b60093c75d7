"""The catalog schema: devices, photos and their derivatives, regions, readings,
components (BOM lines), parts, manufacturers and the append-only review log.

Every published BOM row must trace back to a photo region and a review
decision, so provenance columns (who, when, how derived, which engine) are
first-class here rather than afterthoughts.
"""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Optional

from sqlalchemy import (
    JSON, Date, DateTime, Enum, Float, ForeignKey, Integer, String, Text,
    UniqueConstraint, event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class DeviceStatus(str, enum.Enum):
    draft = "draft"
    published = "published"


class RegionOrigin(str, enum.Enum):
    detected = "detected"
    manual = "manual"


class ComponentStatus(str, enum.Enum):
    proposed = "proposed"
    verified = "verified"
    rejected = "rejected"


class Verdict(str, enum.Enum):
    proposed = "proposed"    # the pipeline's (or an investigator's) proposal
    verified = "verified"    # a reviewer confirms the current values
    corrected = "corrected"  # a reviewer changes values (the component is then verified)
    rejected = "rejected"    # the reading cannot be trusted
    not_a_chip = "not_a_chip"  # the box holds no chip (a hole, a connector, pads): rejected, and why
    reopened = "reopened"    # back to proposed, e.g. after new evidence


def _enum(cls: type[enum.Enum]) -> Enum:
    # Stored as plain strings with a CHECK constraint, portable to PostgreSQL.
    return Enum(cls, native_enum=False, length=16, validate_strings=True,
                values_callable=lambda e: [m.value for m in e])


class Manufacturer(Base):
    __tablename__ = "manufacturer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    country: Mapped[Optional[str]] = mapped_column(String(100))
    parent: Mapped[Optional[str]] = mapped_column(String(200))  # owning group, e.g. 'Sony Group'
    successor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("manufacturer.id"))
    successor_year: Mapped[Optional[int]] = mapped_column(Integer)
    note: Mapped[Optional[str]] = mapped_column(Text)

    successor: Mapped[Optional["Manufacturer"]] = relationship(
        remote_side="Manufacturer.id", back_populates="predecessors")
    predecessors: Mapped[list["Manufacturer"]] = relationship(back_populates="successor")

    def lineage(self) -> list[tuple["Manufacturer", Optional[int]]]:
        """This company, then each successor up to today's owner, with the year it passed on."""
        chain: list[tuple[Manufacturer, Optional[int]]] = [(self, None)]
        seen = {self.id}
        node = self
        while node.successor is not None and node.successor.id not in seen:
            chain.append((node.successor, node.successor_year))
            seen.add(node.successor.id)
            node = node.successor
        return chain


class Part(Base):
    __tablename__ = "part"
    __table_args__ = (UniqueConstraint("part_number", "manufacturer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    part_number: Mapped[str] = mapped_column(String(100), index=True)
    manufacturer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("manufacturer.id"))
    family: Mapped[Optional[str]] = mapped_column(String(200))
    category: Mapped[Optional[str]] = mapped_column(String(60))
    description: Mapped[Optional[str]] = mapped_column(Text)
    manufacturer: Mapped[Optional[Manufacturer]] = relationship()


class Device(Base):
    __tablename__ = "device"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    maker: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    variant: Mapped[Optional[str]] = mapped_column(String(200))
    firmware: Mapped[Optional[str]] = mapped_column(String(200))
    serial: Mapped[Optional[str]] = mapped_column(String(200))
    acquired_where: Mapped[Optional[str]] = mapped_column(String(300))
    acquired_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    teardown_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    notes: Mapped[Optional[str]] = mapped_column(Text)
    # The report's own words (`/devices/<slug>/report`): an introduction and recommendations.
    report_intro: Mapped[Optional[str]] = mapped_column(Text)
    report_recommendations: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[DeviceStatus] = mapped_column(_enum(DeviceStatus), default=DeviceStatus.draft)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    photos: Mapped[list["Photo"]] = relationship(back_populates="device", order_by="Photo.id")
    components: Mapped[list["Component"]] = relationship(back_populates="device",
                                                         order_by="Component.id")

    @property
    def title(self) -> str:
        return device_title(self.maker, self.model, self.variant)


def device_title(maker: Optional[str], model: Optional[str], variant: Optional[str]) -> str:
    """'Hikvision DS-2CD2143G2-I rev B': what a device is called on every page."""
    return " ".join(p for p in (maker, model, variant) if p)


class Photo(Base):
    __tablename__ = "photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id"), index=True)
    original_filename: Mapped[Optional[str]] = mapped_column(String(255))  # metadata only, never a path
    media_type: Mapped[str] = mapped_column(String(40))
    byte_size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)          # of the original as stored
    height: Mapped[int] = mapped_column(Integer)
    exif_orientation: Mapped[int] = mapped_column(Integer, default=1)
    captured_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    camera: Mapped[Optional[str]] = mapped_column(String(200))
    board: Mapped[Optional[str]] = mapped_column(String(120))
    side: Mapped[Optional[str]] = mapped_column(String(20))
    uploaded_by: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    device: Mapped[Device] = relationship(back_populates="photos")
    derived: Mapped[list["DerivedImage"]] = relationship(back_populates="photo",
                                                         order_by="DerivedImage.id")
    regions: Mapped[list["Region"]] = relationship(back_populates="photo", order_by="Region.id")

    def derivative(self, kind: str) -> Optional["DerivedImage"]:
        return next((d for d in self.derived if d.kind == kind and d.region_id is None), None)


class DerivedImage(Base):
    """A file computed from an original photo; the original itself is never rewritten."""
    __tablename__ = "derived_image"
    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id"), index=True)
    region_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))      # upright, thumbnail, crop
    path: Mapped[str] = mapped_column(String(300))     # relative to the photo store root
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    transform: Mapped[dict[str, Any]] = mapped_column(default=dict)  # how it was derived
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    photo: Mapped[Photo] = relationship(back_populates="derived")
    region: Mapped[Optional["Region"]] = relationship(back_populates="crops")


# A region's evidence crop: the upright one when a reading found which way is up, else the plain cut.
CROP_KINDS = ("crop_upright", "crop")


class Region(Base):
    """A rotated box around one chip, in the upright (EXIF-applied) photo's pixels."""
    __tablename__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photo.id"), index=True)
    cx: Mapped[float] = mapped_column(Float)
    cy: Mapped[float] = mapped_column(Float)
    w: Mapped[float] = mapped_column(Float)
    h: Mapped[float] = mapped_column(Float)
    angle: Mapped[float] = mapped_column(Float, default=0.0)  # degrees, clockwise
    score: Mapped[Optional[float]] = mapped_column(Float)
    designator: Mapped[Optional[str]] = mapped_column(String(20))
    origin: Mapped[RegionOrigin] = mapped_column(_enum(RegionOrigin), default=RegionOrigin.detected)
    created_by: Mapped[str] = mapped_column(String(120), default="bomcat")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # A region removed by hand is kept (with its crops and readings) and only marked.
    deleted_by: Mapped[Optional[str]] = mapped_column(String(120))
    deleted_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    photo: Mapped[Photo] = relationship(back_populates="regions")
    readings: Mapped[list["Reading"]] = relationship(back_populates="region", order_by="Reading.id")
    crops: Mapped[list[DerivedImage]] = relationship(back_populates="region", order_by="DerivedImage.id")
    component: Mapped[Optional["Component"]] = relationship(back_populates="region")
    events: Mapped[list["RegionEvent"]] = relationship(back_populates="region", order_by="RegionEvent.id")

    def crop(self) -> Optional[DerivedImage]:
        """The latest evidence crop, turned upright when a reading found which way is up."""
        by_kind = {d.kind: d for d in self.crops}  # ordered by id: a re-cut crop wins
        return next((by_kind[k] for k in CROP_KINDS if k in by_kind), None)

    def box(self) -> dict[str, float]:
        return {"cx": self.cx, "cy": self.cy, "w": self.w, "h": self.h, "angle": self.angle}


class RegionEvent(Base):
    """Append-only log of hand edits to a region: drawn, moved or resized, designator, deleted."""
    __tablename__ = "region_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))    # drawn, moved, designated, deleted
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)
    by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    region: Mapped[Region] = relationship(back_populates="events")


class Reading(Base):
    """One OCR attempt on a region: kept whether or not it was chosen."""
    __tablename__ = "reading"
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    engine: Mapped[str] = mapped_column(String(40))
    engine_version: Mapped[str] = mapped_column(String(200))   # package, model hashes, settings
    preprocessing: Mapped[list[Any]] = mapped_column(default=list)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[list[Any]] = mapped_column(default=list)
    # What decoding against the knowledge base changed: [{read, taken, cost, why}]; empty for a raw reading.
    changes: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    chosen: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    region: Mapped[Region] = relationship(back_populates="readings")

    @property
    def text(self) -> str:
        return " | ".join(self.lines)


class Component(Base):
    """One BOM line. Its current values are the result of its review log."""
    __tablename__ = "component"
    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id"), index=True)
    region_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), unique=True)
    marking: Mapped[Optional[str]] = mapped_column(Text)
    part_number: Mapped[Optional[str]] = mapped_column(String(100), index=True)
    part_id: Mapped[Optional[int]] = mapped_column(ForeignKey("part.id"))
    manufacturer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("manufacturer.id"), index=True)
    category: Mapped[Optional[str]] = mapped_column(String(60))
    date_code: Mapped[Optional[str]] = mapped_column(String(40))
    confidence: Mapped[Optional[float]] = mapped_column(Float)
    status: Mapped[ComponentStatus] = mapped_column(_enum(ComponentStatus),
                                                    default=ComponentStatus.proposed)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    device: Mapped[Device] = relationship(back_populates="components")
    region: Mapped[Optional[Region]] = relationship(back_populates="component")
    part: Mapped[Optional[Part]] = relationship()
    manufacturer: Mapped[Optional[Manufacturer]] = relationship()
    reviews: Mapped[list["Review"]] = relationship(back_populates="component", order_by="Review.id")

    @property
    def designator(self) -> Optional[str]:
        return self.region.designator if self.region else None


class Review(Base):
    """Append-only log: every change to a component is one row here."""
    __tablename__ = "review"
    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("component.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(120))
    verdict: Mapped[Verdict] = mapped_column(_enum(Verdict))
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the component's values after
    comment: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    component: Mapped[Component] = relationship(back_populates="reviews")


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(Review, "before_update")
@event.listens_for(Review, "before_delete")
@event.listens_for(RegionEvent, "before_update")
@event.listens_for(RegionEvent, "before_delete")
def _refuse_review_change(mapper, connection, target) -> None:  # noqa: ARG001
    # The database refuses too (triggers in the first migration); this gives
    # the clearer message before a round-trip.
    raise AppendOnlyError(f"the {target.__tablename__} log is append-only; add a new entry instead")


class Role(str, enum.Enum):
    investigator = "investigator"  # creates devices, uploads photos, adds or fixes regions
    reviewer = "reviewer"          # verifies, corrects, rejects components
    admin = "admin"                # everything, plus users and publishing


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(_enum(Role))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user")

    def can(self, *roles: Role) -> bool:
        return self.active and (self.role is Role.admin or self.role in roles)


class ApiToken(Base):
    """A script's key: only its SHA-256 is stored, the token itself is shown once."""
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[Optional[str]] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="tokens")


class OutreachStatus(str, enum.Enum):
    draft = "draft"                # drafted from the evidence, not sent yet: not public
    awaiting = "awaiting"          # sent, no reply yet
    answered = "answered"
    no_response = "no_response"    # the deadline passed without a reply


class OutreachEntry(Base):
    """A letter or questionnaire sent to a company about its parts, and its reply: published
    beside the evidence on the manufacturer's page. A letter drafted from a device's evidence
    (`catalog.letters`) is a draft, with no date sent, until it is marked sent."""
    __tablename__ = "outreach_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    manufacturer_id: Mapped[int] = mapped_column(ForeignKey("manufacturer.id"), index=True)
    device_id: Mapped[Optional[int]] = mapped_column(ForeignKey("device.id"), index=True)   # the letter is about
    kind: Mapped[str] = mapped_column(String(40), default="letter")   # letter, questionnaire, email
    sent_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[Optional[str]] = mapped_column(Text)                 # the letter's text, when kept
    reply_text: Mapped[Optional[str]] = mapped_column(Text)
    replied_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    status: Mapped[OutreachStatus] = mapped_column(_enum(OutreachStatus), default=OutreachStatus.awaiting)
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    manufacturer: Mapped[Manufacturer] = relationship()
    device: Mapped[Optional[Device]] = relationship()


class LetterTemplate(Base):
    """The catalog's questionnaire for companies (one row; `catalog.letters` fills it for a supplier
    of a device). Edited by investigators; the default stands until then."""
    __tablename__ = "letter_template"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class UploadStatus(str, enum.Enum):
    queued = "queued"
    detecting = "detecting"    # storing the original, turning it upright, finding chips
    reading = "reading"        # cutting crops, OCR, resolving, proposing components
    done = "done"
    failed = "failed"


class Upload(Base):
    """A photo handed in for background ingest, and where it is in the pipeline.

    The bytes wait in the store's incoming area (by SHA-256) until the photo is ingested;
    a failed upload keeps them, so it can be retried and nothing handed in is lost.
    """
    __tablename__ = "upload"
    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("device.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))   # metadata only, never a path
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    byte_size: Mapped[int] = mapped_column(Integer)
    board: Mapped[Optional[str]] = mapped_column(String(120))
    side: Mapped[Optional[str]] = mapped_column(String(20))
    status: Mapped[UploadStatus] = mapped_column(_enum(UploadStatus), default=UploadStatus.queued)
    detail: Mapped[Optional[str]] = mapped_column(Text)   # e.g. '7 chips found', or the failure reason
    queue: Mapped[str] = mapped_column(String(20), default="embedded")
    job_id: Mapped[Optional[str]] = mapped_column(String(100))
    photo_id: Mapped[Optional[int]] = mapped_column(ForeignKey("photo.id"))
    uploaded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    device: Mapped[Device] = relationship()
    photo: Mapped[Optional[Photo]] = relationship()
