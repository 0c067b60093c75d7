"""Decoding against the knowledge base, on the recognizer's real output for rendered crops: the CTC
likelihood itself, a reading whose right answer was the recognizer's second choice, and a clean
reading of an unknown part that must stay as read."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from bomcat.catalog.resolver import default_resolver
from bomcat.images.synth import render_chip_crop
from bomcat.ocr.decode import Lattice, decode_box
from bomcat.ocr.engines import get_engine
from bomcat.ocr.read import read_chip


def brute_force_likelihood(probs: np.ndarray, charset: list[str], text: str) -> float:
    """log P(text) by enumerating every path of the columns and collapsing it as CTC does."""
    total = 0.0
    for path in itertools.product(range(len(charset)), repeat=len(probs)):
        collapsed, last = [], None
        for k in path:
            if k != last and k != 0:
                collapsed.append(charset[k])
            last = k
        if "".join(collapsed) == text:
            total += float(np.prod([probs[t, k] for t, k in enumerate(path)]))
    return float(np.log(total)) if total else float("-inf")


@pytest.mark.parametrize("text", ["A", "AB", "AA", "BA", "ABA", ""])
def test_the_ctc_likelihood_sums_every_alignment(text):
    rng = np.random.default_rng(len(text))
    probs = rng.dirichlet(np.ones(3), size=5)
    charset = ["", "A", "B"]
    lattice = Lattice("", probs, charset)
    assert lattice.log_likelihood(text) == pytest.approx(brute_force_likelihood(probs, charset, text), abs=1e-6)


def lattice_of(lines: list[str], which: int, seed: int = 4) -> Lattice:
    engine = get_engine("rapidocr")
    read = engine.read(render_chip_crop(lines, rotation=0, seed=seed, blur=0.3, noise=2.0))
    lattices = [lattice for line in read for lattice in line.lattices]
    found = [lat for lat in lattices if lat.text.strip() == lines[which]]
    assert found, [lat.text for lat in lattices]
    return found[0]


def test_the_right_answer_second_best_is_taken_when_the_knowledge_base_knows_it():
    # SigmaStar's SSD203D, its last glyph read as '0' (the recognizer's belief moved to '0' where
    # it was 'D'); the knowledge base knows SSD203D, the pixels still give 'D' a fair share.
    lattice = lattice_of(["SigmaStar", "SSD203D", "2135"], which=1)
    probs = lattice.probs.copy()
    d, zero = lattice.charset.index("D"), lattice.charset.index("0")
    column = int(np.argmax(probs[:, d]))
    probs[column, zero], probs[column, d] = 0.6 * probs[column, d], 0.4 * probs[column, d]
    misread = Lattice("SSD2030", probs, lattice.charset)
    text, changes = decode_box(misread, default_resolver().printed_forms.near)
    assert text == "SSD203D"
    assert [(c.read, c.taken) for c in changes] == [("SSD2030", "SSD203D")]
    assert 0 < changes[0].cost < 2 and "SigmaStar" in changes[0].why


def test_a_clean_reading_of_an_unknown_part_stays_unknown():
    # IMX308LQD is no part the knowledge base lists, and one slip from IMX307 (which it does list).
    forms = default_resolver().printed_forms
    assert any("IMX307" in proposal for proposal, _ in forms.near("IMX308LQD"))
    lattice = lattice_of(["SONY", "IMX308LQD", "2134"], which=1)
    text, changes = decode_box(lattice, forms.near)
    assert (text, changes) == ("IMX308LQD", [])


def test_a_token_the_knowledge_base_knows_as_read_is_left_alone():
    lattice = lattice_of(["SONY", "IMX307LQD", "2134"], which=1)
    assert decode_box(lattice, default_resolver().printed_forms.near) == ("IMX307LQD", [])


def test_decoded_readings_are_kept_beside_the_raw_ones_with_what_changed():
    crop = render_chip_crop(["Ingenic", "T31X", "2135"], rotation=0, seed=7, blur=1.2, noise=6.0)
    chip = read_chip(crop, default_resolver())
    raw = [r for r in chip.readings if not r.changes]
    decoded = [r for r in chip.readings if r.changes]
    assert raw, "every decoded reading has its raw reading beside it"
    for reading in decoded:
        assert reading.preprocessing[-1] == "decode_knowledge"
        for change in reading.changes:
            assert change.read != change.taken and change.cost >= 0 and change.why
            assert change.as_dict().keys() == {"read", "taken", "cost", "why"}


def test_what_decoding_changed_is_stored_and_shown_to_the_reviewer(tmp_path, small_board):
    from sqlalchemy import select

    from bomcat.catalog.models import Component, Reading
    from bomcat.pipeline.ingest import ingest_photo

    from .conftest import make_catalog, sign_in, web_app
    catalog = make_catalog(tmp_path, users={"rita": "reviewer"}, devices=[("cam", "Acme", "Cam 1")])
    ingest_photo(catalog, "cam", small_board[0], "board.jpg", uploaded_by="ivan")
    with catalog.session() as session:
        readings = session.scalars(select(Reading)).all()
        assert readings
        for reading in readings:   # a decoded reading carries its changes, a raw one none
            assert bool(reading.changes) == (reading.preprocessing[-1:] == ["decode_knowledge"])
        # A stored decoded reading, as the decoder writes it (the board's clean renders need none).
        component = session.scalars(select(Component)).first()
        reading = component.region.readings[0]
        reading.changes = [{"read": "SSD2030", "taken": "SSD203D", "cost": 0.9, "why": "SSD203D, SigmaStar"}]
        component_id = component.id
    rita = sign_in(web_app(catalog), "rita")
    data = rita.get(f"/components/{component_id}.json").get_json()["component"]
    assert data["readings"][0]["changes"][0]["taken"] == "SSD203D"
    assert all("changes" in r for r in data["readings"])
    html = rita.get(f"/components/{component_id}").get_data(as_text=True)
    assert "<del>SSD2030</del> → <ins>SSD203D</ins>" in html
