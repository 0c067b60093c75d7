"""Letters to suppliers drafted from the evidence: the catalog's questionnaire (one editable template)
filled, for one company and one device, with the parts of that company verified in the device and
the addresses of their public evidence. A draft is kept in the outreach log (status draft, no date
sent, not public) until it is marked sent; then it is a letter like any recorded by hand.
"""
from __future__ import annotations

import datetime as dt
import string
from typing import Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bomcat.errors import CatalogError, Conflict

from .lines import ComponentLine
from .models import Device, LetterTemplate, OutreachEntry, OutreachStatus
from .records import ensure_manufacturer

PLACEHOLDERS = {"company": "the company's name", "device": "the device (maker, model, variant)",
                "parts": "one line per part found: part number, category, marking as printed, evidence address",
                "report": "the address of the device's public report"}
DEFAULT_TEMPLATE = """Dear {company},

We are researching the supply chains of surveillance equipment. In a teardown of the {device} we found
the following parts made by {company}, identified from their markings and checked by two reviewers
against photographs of the circuit boards:

{parts}

The photographs, the markings and the review record of each part are public: {report}

We would be grateful for your answers to these questions:
1. Do you supply the maker of this device with these parts, directly or through distributors?
2. What due diligence do you carry out on customers and end uses in the surveillance industry?
3. Have you assessed the human-rights risks of supplying this customer, and with what result?

We intend to publish your reply, in full, beside our findings. Please answer within 30 days.
"""
TEMPLATE_LIMIT = 20_000


class LetterRefused(CatalogError):
    status = 400


def check_template(text: str) -> str:
    """The template as given, or a LetterRefused that names what is wrong with it."""
    if not isinstance(text, str) or not text.strip():
        raise LetterRefused("the template is empty")
    if len(text) > TEMPLATE_LIMIT:
        raise LetterRefused(f"the template is {len(text):,} characters (at most {TEMPLATE_LIMIT:,})")
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise LetterRefused(f"the template has an unmatched brace ({exc}); write {{{{ or }}}} for a brace") from None
    unknown = sorted({f for f in fields if f not in PLACEHOLDERS})
    if unknown:
        raise LetterRefused(f"unknown placeholder {', '.join('{' + f + '}' for f in unknown)}; the template may use "
                            + ", ".join("{" + k + "}" for k in PLACEHOLDERS))
    return text


def template_text(session: Session) -> str:
    row = session.scalar(select(LetterTemplate).order_by(LetterTemplate.id.desc()).limit(1))
    return row.text if row else DEFAULT_TEMPLATE


def save_template(session: Session, text: str, by: str) -> None:
    session.add(LetterTemplate(text=check_template(text), updated_by=by))
    session.flush()


def part_lines(lines: Iterable[ComponentLine], evidence_url) -> str:
    return "\n".join(f"- {x.part_number or 'part number unknown'} ({(x.category or 'part').replace('_', ' ')}), "
                     f"marked \"{x.marking or ''}\": {evidence_url(x)}" for x in lines)


def draft_letter(session: Session, device: Device, company: str, lines: list[ComponentLine], by: str,
                 evidence_url, report_url: str) -> OutreachEntry:
    """A draft letter to `company` about its verified parts in `device` (`lines`: the device's verified
    lines; those of the company are taken)."""
    found = [x for x in lines if x.manufacturer == company]
    if not found:
        raise LetterRefused(f"{device.title} has no verified part of {company!r}: a letter cites the evidence")
    text = template_text(session).format(company=company, device=device.title,
                                         parts=part_lines(found, evidence_url), report=report_url)
    entry = OutreachEntry(manufacturer=ensure_manufacturer(session, company), device=device, kind="letter",
                          sent_on=None, subject=f"Your parts in the {device.title}", body=text,
                          status=OutreachStatus.draft, recorded_by=by)
    session.add(entry)
    session.flush()
    return entry


def mark_sent(entry: OutreachEntry, sent_on: Optional[dt.date]) -> None:
    if entry.status is not OutreachStatus.draft:
        raise Conflict(f"letter {entry.id} was sent on {entry.sent_on}: only a draft is marked sent")
    if sent_on is None:
        raise LetterRefused("sent_on is required (the date the letter went out)")
    if sent_on > dt.date.today():
        raise LetterRefused(f"sent_on {sent_on.isoformat()} is in the future")
    entry.sent_on, entry.status = sent_on, OutreachStatus.awaiting
