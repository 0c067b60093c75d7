"""Letters drafted from the evidence (`catalog.letters`): draft one to a supplier of a device, mark a
draft sent, and edit the catalog's questionnaire (investigators)."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from bomcat.catalog import letters
from bomcat.catalog.models import Component, ComponentStatus, OutreachEntry, Role
from bomcat.catalog.values import date_value

from .auth import requires
from .serialize import manufacturer_url, outreach_dict
from .views import catalog, device_or_404, get_or_404, json_body, shown_lines

bp = Blueprint("letters", __name__)


@bp.post("/api/devices/<slug>/letters")
@requires(Role.investigator)
def draft_letter(slug: str):
    """Draft a letter to {"manufacturer": NAME} about its verified parts in the device."""
    company = json_body().get("manufacturer")
    if not isinstance(company, str) or not company.strip():
        abort(400, "say which company the letter is to: {\"manufacturer\": NAME}")
    with catalog().session() as session:
        device = device_or_404(session, slug)
        lines = shown_lines(session, Component.device_id == device.id, Component.status == ComponentStatus.verified)
        entry = letters.draft_letter(
            session, device, company.strip(), lines, current_user.name,
            evidence_url=lambda x: url_for("components.component_page", component_id=x.id, _external=True),
            report_url=url_for("report.report_page", slug=slug, _external=True))
        return jsonify({"outreach": outreach_dict(entry),
                        "manufacturer_url": manufacturer_url(entry.manufacturer.name)}), 201


@bp.post("/api/outreach/<int:entry_id>/sent")
@requires(Role.investigator)
def mark_sent(entry_id: int):
    """The draft went out on {"sent_on": DATE}: it joins the public outreach log."""
    sent_on = date_value("sent_on", json_body().get("sent_on"))
    with catalog().session() as session:
        entry = get_or_404(session, OutreachEntry, entry_id, "outreach entry")
        letters.mark_sent(entry, sent_on)
        session.flush()
        return jsonify({"outreach": outreach_dict(entry)})


@bp.route("/letters/template", methods=["GET", "POST"])
@requires(Role.investigator)
def template_page():
    """The questionnaire every drafted letter is filled from."""
    error = None
    with catalog().session() as session:
        if request.method == "POST":
            text = request.form.get("text", "")
            try:
                letters.save_template(session, text, current_user.name)
                return redirect(url_for("letters.template_page"))
            except letters.LetterRefused as exc:
                error = str(exc)
        else:
            text = letters.template_text(session)
    return render_template("letter_template.html", text=text, error=error, placeholders=letters.PLACEHOLDERS,
                           limit=letters.TEMPLATE_LIMIT), 400 if error else 200
