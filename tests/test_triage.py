"""Triage: many proposals rejected at once as 'not a chip' (a verdict of its own in the review log),
proposals without a usable reading filtered and put last, sorting by confidence; all or none."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bomcat.catalog.models import Component, Review, Verdict
from bomcat.catalog.records import usable_reading
from bomcat.pipeline.ingest import ingest_photo

from .conftest import board_jpeg, make_catalog, sign_in, web_app


def make_triage_app(tmp_path_factory):
    catalog = make_catalog(tmp_path_factory.mktemp("triage"), {"rita": "reviewer", "ivan": "investigator"},
                           [("cam", "Acme", "Cam")])
    ingest_photo(catalog, "cam", board_jpeg(seed=61)[0], "board.jpg", uploaded_by="ivan")
    with catalog.session() as session:
        # Two of the board's boxes read as nothing, as boxes around holes and connectors do.
        for c in session.scalars(select(Component).order_by(Component.id).limit(2)):
            c.part_number, c.manufacturer, c.marking, c.confidence = None, None, "##", 0.0
    return web_app(catalog)


@pytest.fixture(scope="module")
def triage_app(tmp_path_factory):
    return make_triage_app(tmp_path_factory)


def proposals(app, **args) -> list[dict]:
    response = sign_in(app, "rita").get("/review/triage.json", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["proposals"]


def test_triage_filters_unusable_readings_and_sorts_by_confidence(triage_app):
    everything = proposals(triage_app)
    unreadable = proposals(triage_app, show="unreadable")
    readable = proposals(triage_app, show="readable")
    assert len(unreadable) == 2 and len(everything) == len(unreadable) + len(readable) and readable
    assert all(not p["usable"] and p["part_number"] is None for p in unreadable)
    confidences = [p["confidence"] or 0 for p in proposals(triage_app, sort="-confidence")]
    assert confidences == sorted(confidences, reverse=True)
    assert sign_in(triage_app, "rita").get("/review/triage", query_string={"sort": "x"}).status_code == 400
    assert sign_in(triage_app, "ivan").get("/review/triage").status_code == 403


def test_the_one_at_a_time_queue_puts_boxes_that_read_as_nothing_last(triage_app):
    with triage_app.config["CATALOG"].session() as session:
        first = session.get(Component, proposals(triage_app, show="readable", sort="id")[0]["id"])
        assert usable_reading(first)
    data = sign_in(triage_app, "rita").get("/review.json").get_json()
    assert data["component"]["part_number"] is not None


def test_many_rejected_at_once_as_not_a_chip_each_in_the_log(triage_app):
    rita = sign_in(triage_app, "rita")
    ids = [p["id"] for p in proposals(triage_app, show="unreadable")]
    response = rita.post("/review/triage", data={"component": [str(i) for i in ids], "verdict": "not_a_chip",
                                                 "comment": "mounting holes", "show": "unreadable"})
    assert response.status_code == 302 and "show=unreadable" in response.headers["Location"]
    assert proposals(triage_app, show="unreadable") == []
    with triage_app.config["CATALOG"].session() as session:
        for i in ids:
            component = session.get(Component, i)
            last = session.scalars(select(Review).where(Review.component_id == i).order_by(Review.id.desc())).first()
            assert component.status.value == "rejected"
            assert (last.verdict, last.reviewer, last.comment) == (Verdict.not_a_chip, "rita", "mounting holes")


@pytest.mark.parametrize("extra, verdict, status, says", [
    ([999999], "not_a_chip", 404, "no component 999999"),       # beside a real proposal: all or none
    (None, "not_a_chip", 400, "no components chosen"),
    (["1"], "not_a_chip", 400, "list of component ids"),
    ([], "verified", 400, "one component at a time"),
    ([], ["x"], 400, "many at once only as"),
])
def test_bulk_review_refusals_change_nothing(triage_app, extra, verdict, status, says):
    before = proposals(triage_app)
    ids = [] if extra is None else [before[0]["id"], *extra]
    response = sign_in(triage_app, "rita").post("/api/reviews", json={"components": ids, "verdict": verdict})
    assert response.status_code == status and says in response.get_json()["error"]
    assert proposals(triage_app) == before   # the real proposal was not rejected either


def test_bulk_review_by_the_api_and_a_component_reviewed_meanwhile(tmp_path_factory):
    triage_app = make_triage_app(tmp_path_factory)
    rita = sign_in(triage_app, "rita")
    a, b = [p["id"] for p in proposals(triage_app, sort="id")][:2]
    assert rita.post(f"/api/components/{a}/review", json={"verdict": "rejected"}).status_code == 200
    response = rita.post("/api/reviews", json={"components": [a, b], "verdict": "not_a_chip"})
    assert response.status_code == 409 and f"component {a} is no longer proposed" in response.get_json()["error"]
    response = rita.post("/api/reviews", json={"components": [b]})
    assert response.status_code == 200 and response.get_json() == {"verdict": "not_a_chip", "components": [b]}
