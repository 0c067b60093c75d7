"""Corrections are complete: every field can be corrected, a corrected part number or marking is looked
up again (maker, category, date code filled in where the reviewer gave none; the reviewer's values
always win), and the progress line counts corrections waiting for a second reviewer."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bomcat.catalog.models import Component, Device
from bomcat.catalog.records import propose_component

from .conftest import make_catalog, sign_in, web_app


@pytest.fixture
def app(tmp_path):
    """A proposal as the pipeline makes one (no photo needed: corrections concern its values)."""
    catalog = make_catalog(tmp_path, {"rita": "reviewer", "olga": "reviewer"}, [("cam", "Acme", "Cam")])
    with catalog.session() as session:
        device = session.scalar(select(Device).where(Device.slug == "cam"))
        propose_component(session, device, None, {"reading": ["SONY", "IMX3O7LQD", "2134"], "confidence": 0.7,
                                                  "manufacturer": "Sony Semiconductor Solutions",
                                                  "part_number": "IMX3O7LQD", "category": "image_sensor"},
                          proposed_by="ivan")
    return web_app(catalog)


def first_component(app) -> int:
    with app.config["CATALOG"].session() as session:
        return session.scalar(select(Component.id).order_by(Component.id))


def correct(app, who: str, component: int, corrections: dict) -> dict:
    response = sign_in(app, who).post(f"/api/components/{component}/review",
                                      json={"verdict": "corrected", "corrections": corrections})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["component"]


def test_a_corrected_part_number_is_looked_up_again(app):
    c = correct(app, "rita", first_component(app), {"part_number": "W25Q128JVSQ"})
    assert (c["part_number"], c["manufacturer"], c["category"]) == ("W25Q128JVSQ", "Winbond Electronics", "nor_flash")


def test_the_reviewers_values_win_over_the_lookup(app):
    c = correct(app, "rita", first_component(app), {"part_number": "W25Q128JVSQ", "category": "memory"})
    assert (c["manufacturer"], c["category"]) == ("Winbond Electronics", "memory")


def test_a_part_the_knowledge_base_does_not_know_changes_only_what_was_given(app):
    before = sign_in(app, "rita").get(f"/components/{first_component(app)}.json").get_json()["component"]
    c = correct(app, "rita", first_component(app), {"part_number": "QZX99117"})
    assert (c["part_number"], c["manufacturer"], c["category"]) == ("QZX99117", before["manufacturer"],
                                                                   before["category"])


def test_a_corrected_marking_gives_its_date_code_and_every_field_is_correctable(app):
    c = correct(app, "rita", first_component(app), {"marking": "winbond | 25Q128JVSQ | 2135"})
    assert c["marking"] == "winbond | 25Q128JVSQ | 2135" and c["date_code"] == "2135"
    c = correct(app, "rita", first_component(app), {"date_code": "1927", "manufacturer": "Winbond Electronics",
                                                    "part_number": "W25Q128JVSQ"})
    assert (c["date_code"], c["manufacturer"], c["category"]) == ("1927", "Winbond Electronics", "nor_flash")


def test_the_progress_line_counts_corrections_waiting_for_a_second_reviewer(app):
    component = first_component(app)
    correct(app, "rita", component, {"part_number": "W25Q128JVSQ"})
    rita = sign_in(app, "rita")
    assert rita.get("/review.json").get_json()["corrections_for_second_reviewer"] == 1
    assert "1 of your corrections wait for a second reviewer" in rita.get("/review").get_data(as_text=True)
    olga = sign_in(app, "olga")
    assert olga.get("/review.json").get_json()["corrections_for_second_reviewer"] == 0
    assert olga.post(f"/api/components/{component}/review", json={"verdict": "verified"}).status_code == 200
    assert rita.get("/review.json").get_json()["corrections_for_second_reviewer"] == 0
