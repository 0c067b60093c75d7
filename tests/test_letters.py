"""Letters drafted from the evidence: the template filled with a supplier's verified parts and their
public addresses, kept as a draft no visitor sees until it is marked sent; the template edited and
checked; refusals that say what is wrong."""
from __future__ import annotations

import datetime as dt

import pytest
from bomcat.catalog.letters import DEFAULT_TEMPLATE, LetterRefused, check_template

from .conftest import make_catalog, sign_in, web_app


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """'cam' published with a verified ROHM and a verified Sony part and one proposed component."""
    from .conftest import publish_with_parts
    catalog = make_catalog(tmp_path_factory.mktemp("letters"), {"ivan": "investigator", "rita": "reviewer",
                                                                "vera": "reviewer"},
                           [("cam", "Hikvision", "DS-2CD2032")])
    rohm, sony = publish_with_parts(catalog, "cam", 71, [("ROHM Semiconductor", "BR24G256"), ("Sony", "IMX291LQR")])[:2]
    ids = {"rohm": rohm, "sony": sony}
    return web_app(catalog), ids


def test_a_drafted_letter_cites_the_companys_parts_and_stays_private_until_sent(published):
    app, ids = published
    ivan = sign_in(app, "ivan")
    made = ivan.post("/api/devices/cam/letters", json={"manufacturer": "ROHM Semiconductor"})
    assert made.status_code == 201, made.get_json()
    letter = made.get_json()["outreach"]
    assert letter["status"] == "draft" and letter["sent_on"] is None and letter["device"] == "cam"
    assert "Dear ROHM Semiconductor" in letter["body"] and "BR24G256" in letter["body"]
    assert f"/components/{ids['rohm']}" in letter["body"] and "IMX291" not in letter["body"]
    assert "/devices/cam/report" in letter["body"]
    visitor = app.test_client()
    assert visitor.get("/manufacturers/rohm-semiconductor.json").get_json()["outreach"] == []
    assert "draft" not in visitor.get("/devices/cam").get_data(as_text=True).lower().split("bill of materials")[0]
    assert visitor.get("/devices/cam/report.json").get_json()["outreach"] == []
    assert [o["status"] for o in ivan.get("/manufacturers/rohm-semiconductor.json").get_json()["outreach"]] == ["draft"]
    assert "Letters about this device" in ivan.get("/devices/cam").get_data(as_text=True)
    # A reply cannot be recorded before the letter is sent; then it is marked sent, once.
    entry = letter["id"]
    assert ivan.post(f"/api/outreach/{entry}/reply", json={"reply_text": "No."}).status_code == 409
    assert ivan.post(f"/api/outreach/{entry}/sent", json={}).status_code == 400
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert "future" in ivan.post(f"/api/outreach/{entry}/sent", json={"sent_on": tomorrow}).get_json()["error"]
    sent = ivan.post(f"/api/outreach/{entry}/sent", json={"sent_on": "2026-11-02"})
    assert sent.status_code == 200 and sent.get_json()["outreach"]["status"] == "awaiting"
    assert ivan.post(f"/api/outreach/{entry}/sent", json={"sent_on": "2026-11-03"}).status_code == 409
    public = visitor.get("/manufacturers/rohm-semiconductor.json").get_json()["outreach"]
    assert [(o["sent_on"], o["status"]) for o in public] == [("2026-11-02", "awaiting")]
    assert visitor.get("/devices/cam/report.json").get_json()["outreach"][0]["manufacturer"] == "ROHM Semiconductor"


@pytest.mark.parametrize("who, body, status, says", [
    ("ivan", {"manufacturer": "Texas Instruments"}, 400, "no verified part of 'Texas Instruments'"),
    ("ivan", {}, 400, "say which company"),
    ("rita", {"manufacturer": "ROHM Semiconductor"}, 403, "investigator"),
])
def test_drafting_refuses_what_it_cannot_cite(published, who, body, status, says):
    app, _ids = published
    response = sign_in(app, who).post("/api/devices/cam/letters", json=body)
    assert response.status_code == status and says in response.get_json()["error"]


def test_the_edited_template_fills_the_next_draft_and_a_broken_one_is_refused(published):
    app, _ids = published
    ivan = sign_in(app, "ivan")
    assert "{parts}" in ivan.get("/letters/template").get_data(as_text=True)
    bad = ivan.post("/letters/template", data={"text": "Dear {compnay}, {parts}"})
    assert bad.status_code == 400 and "unknown placeholder {compnay}" in bad.get_data(as_text=True)
    good = ivan.post("/letters/template", data={"text": "To {company}: about the {device}\n{parts}\nQ1. Do you supply them?"})
    assert good.status_code == 302
    letter = ivan.post("/api/devices/cam/letters", json={"manufacturer": "Sony"}).get_json()["outreach"]
    assert letter["body"].startswith("To Sony: about the Hikvision DS-2CD2032") and "Q1. Do you supply them?" in letter["body"]
    assert app.test_client().get("/letters/template").status_code in (302, 401)   # visitors: sign in first
    assert ivan.post("/letters/template", data={"text": DEFAULT_TEMPLATE}).status_code == 302   # as it was


@pytest.mark.parametrize("text, says", [("", "empty"), ("Dear {company", "unmatched brace"),
                                        ("x" * 20_001, "at most 20,000"), ("{company} {0}", "unknown placeholder")])
def test_a_template_is_checked_before_it_is_kept(text, says):
    with pytest.raises(LetterRefused) as caught:
        check_template(text)
    assert says in str(caught.value)
    assert check_template(DEFAULT_TEMPLATE) == DEFAULT_TEMPLATE
