"""Pages on a generated catalog (`bomcat bench catalog`'s generator, on SQLite and PostgreSQL): the
number of SQL statements a page costs does not grow with what it shows, and lists that can grow come
a page at a time, the same in HTML, JSON and CSV."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from bomcat.catalog.models import Component, Device, DeviceStatus, Manufacturer
from bomcat.catalog.records import slugify
from bomcat.catalog_bench import BIG_COMPONENTS, BIG_DEVICE, generate
from bomcat.pipeline import open_catalog

from .conftest import web_app

MAX_QUERIES = 16


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def generated(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    url = f"sqlite:///{root / 'catalog.sqlite3'}" if request.param == "sqlite" \
        else __import__("tests.conftest", fromlist=["throwaway_database"]).throwaway_database(request, "scale")
    catalog = open_catalog(url, photo_root=root / "photos")
    counts = generate(catalog, devices=12, seed=3)
    yield catalog, counts
    catalog.engine.dispose()


@pytest.fixture(scope="module")
def app(generated):
    return web_app(generated[0])


def statements(app, catalog, path: str) -> tuple[int, object]:
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)
    event.listen(catalog.engine, "before_cursor_execute", count)
    try:
        response = app.test_client().get(path)
    finally:
        event.remove(catalog.engine, "before_cursor_execute", count)
    return len(seen), response


def small_device(catalog) -> str:
    with catalog.session() as session:
        return session.scalar(select(Device.slug).join(Component).where(Device.status == DeviceStatus.published,
                                                                        Device.slug != BIG_DEVICE)
                              .group_by(Device.slug).order_by(func.count(Component.id)).limit(1))


def top_maker(catalog) -> str:
    with catalog.session() as session:
        name = session.scalar(select(Manufacturer.name).join(Component).group_by(Manufacturer.name)
                              .order_by(func.count(Component.id).desc()).limit(1))
    return slugify(name)


def test_the_generator_makes_the_big_device_and_reviews(generated):
    catalog, counts = generated
    assert counts["devices"] == 12 and counts["components"] > BIG_COMPONENTS and counts["photos"] == 24
    with catalog.session() as session:
        big = session.scalar(select(func.count(Component.id)).join(Device).where(Device.slug == BIG_DEVICE))
    assert big == BIG_COMPONENTS and counts["reviews"] > counts["components"]


@pytest.mark.parametrize("suffix", ["", ".json", ".csv"])
def test_a_device_page_costs_the_same_queries_at_300_components_as_at_a_few(generated, app, suffix):
    catalog, _ = generated
    big, response = statements(app, catalog, f"/devices/{BIG_DEVICE}{suffix}")
    assert response.status_code == 200
    small, response = statements(app, catalog, f"/devices/{small_device(catalog)}{suffix}")
    assert response.status_code == 200
    assert big <= MAX_QUERIES and big == small


@pytest.mark.parametrize("path", ["/components", "/components?page=2", "/components.json?page=3", "/devices",
                                  "/manufacturers", "/countries", "/search?q=TPS", "/search.json?q=STM32"])
def test_list_pages_are_bounded(generated, app, path):
    catalog, _ = generated
    n, response = statements(app, catalog, path)
    assert response.status_code == 200 and n <= MAX_QUERIES, (path, n)


def test_a_manufacturer_page_is_bounded_and_paged(generated, app):
    catalog, _ = generated
    slug = top_maker(catalog)
    n, response = statements(app, catalog, f"/manufacturers/{slug}.json")
    assert response.status_code == 200 and n <= MAX_QUERIES
    data = response.get_json()
    shown = sum(len(d["components"]) for d in data["devices"])
    assert shown == min(data["pagination"]["total"], data["pagination"]["per_page"])


def test_pages_of_the_parts_list_cover_every_visible_component_once(generated, app):
    catalog, _ = generated
    client = app.test_client()
    first = client.get("/components.json").get_json()
    info = first["pagination"]
    with catalog.session() as session:
        visible = session.scalar(select(func.count(Component.id)).join(Device).where(
            Device.status == DeviceStatus.published, Component.status == "verified"))
    assert info["total"] == visible and info["pages"] > 1 and first["pagination"]["prev_url"] is None
    ids, url = [], "/components.json"
    while url:
        page = client.get(url).get_json()
        ids += [c["id"] for c in page["components"]]
        url = page["pagination"]["next_url"]
    assert len(ids) == len(set(ids)) == visible
    csv = client.get("/components.csv?page=2")
    assert csv.status_code == 200 and csv.data.count(b"\n") == info["per_page"] + 1   # header and one page


@pytest.mark.parametrize("page, status", [("0", 400), ("x", 400), ("-1", 400), ("99999", 404)])
def test_a_page_that_is_not_there_says_so(app, page, status):
    response = app.test_client().get(f"/components.json?page={page}")
    assert response.status_code == status and "page" in response.get_json()["error"]


def test_search_results_come_a_page_at_a_time(generated, app):
    catalog, _ = generated
    with catalog.session() as session:  # the part most often verified in a published device
        part = session.scalar(select(Component.part_number).join(Device).where(
            Device.status == DeviceStatus.published, Component.status == "verified")
            .group_by(Component.part_number).order_by(func.count(Component.id).desc(), Component.part_number).limit(1))
    n, response = statements(app, catalog, f"/search.json?q={part}")
    data = response.get_json()
    assert n <= MAX_QUERIES and data["pagination"]["total"] >= len(data["results"]) > 0
    assert all(part in r["part_number"] for r in data["results"])


def test_search_pages_total_what_they_cover_and_a_page_past_the_end_says_so(generated, app):
    """The total comes with the page's rows (a window count): it must be the number of results that
    the pages hold, and a page past the end is a 404 naming how many pages there are."""
    catalog, _ = generated
    with catalog.session() as session:   # the big device's model: every one of its rows is indexed under it
        model = session.scalar(select(Device.model).where(Device.slug == BIG_DEVICE))
    client = app.test_client()
    first = client.get(f"/search.json?q={model}").get_json()["pagination"]
    assert first["pages"] > 1
    ids, url = [], f"/search.json?q={model}"
    while url:
        page = client.get(url).get_json()
        assert page["pagination"]["total"] == first["total"]
        ids += [r["id"] for r in page["results"]]
        url = page["pagination"]["next_url"]
    assert len(ids) == len(set(ids)) == first["total"]
    past = client.get(f"/search.json?q={model}&page={first['pages'] + 1}")
    assert past.status_code == 404 and f"{first['pages']} pages" in past.get_json()["error"]


@pytest.fixture(params=["sqlite", "postgresql"])
def edited(request, tmp_path):
    """A small generated catalog whose big device has a region with an upright and a re-cut crop, a region
    re-cut, a component verified then reopened, and one with neither region nor maker."""
    from bomcat.catalog.models import DerivedImage, Review, Verdict
    url = f"sqlite:///{tmp_path / 'catalog.sqlite3'}" if request.param == "sqlite" \
        else __import__("tests.conftest", fromlist=["throwaway_database"]).throwaway_database(request, "lines")
    catalog = open_catalog(url, photo_root=tmp_path / "photos")
    generate(catalog, devices=2, seed=5)
    with catalog.session() as session:
        device_id = session.scalar(select(Device.id).where(Device.slug == BIG_DEVICE))
        a, b, c, d = session.scalars(select(Component).where(Component.device_id == device_id,
                                                             Component.status == "verified")
                                     .order_by(Component.id).limit(4))
        for component, kinds in ((a, ("crop_upright", "crop")), (b, ("crop",))):
            for kind in kinds:
                session.add(DerivedImage(photo_id=component.region.photo_id, region_id=component.region_id,
                                         kind=kind, path=f"derived/{kind}-{component.id}.png", sha256="0" * 64,
                                         width=32, height=24))
        session.add(Review(component_id=c.id, reviewer="dana", verdict=Verdict.reopened, values={}))
        c.status = "proposed"
        d.region_id, d.manufacturer_id = None, None
        session.commit()
        ids = (a.id, b.id, c.id, d.id)
    yield catalog, device_id, ids
    catalog.engine.dispose()


def test_lines_read_by_sql_are_the_lines_of_the_loaded_components(edited):
    from bomcat.catalog.lines import line_of, line_query, read_lines
    catalog, device_id, (a, b, c, d) = edited
    with catalog.session() as session:
        by_sql = read_lines(session, line_query(Component.device_id == device_id))
        loaded = [line_of(x) for x in session.scalars(select(Component).where(Component.device_id == device_id)
                                                      .order_by(Component.id))]
        crops = {x.id: x.region.crop().id for x in session.scalars(select(Component).where(Component.id.in_((a, b))))}
    assert len(by_sql) == BIG_COMPONENTS and by_sql == loaded
    lines = {line.id: line for line in by_sql}
    assert lines[a].crop_id == crops[a] and lines[b].crop_id == crops[b]   # the upright crop; the re-cut one
    assert lines[c].verified_by is not None and lines[c].status.value == "proposed"
    assert lines[d].box is None and lines[d].crop_id is None and lines[d].manufacturer is None


def test_the_device_page_shows_the_lines_with_their_evidence(edited):
    """The page a visitor sees: verified components only, each with its crop and verifier; a reviewer
    also sees the reopened one, with no verifier (it is not verified now)."""
    from bomcat.catalog.users import create_user
    from .conftest import PASSWORD, sign_in
    catalog, _device_id, (a, _b, c, d) = edited
    with catalog.session() as session:
        create_user(session, "rita", PASSWORD, "reviewer")
        session.commit()
    app = web_app(catalog)
    public = {r["id"]: r for r in app.test_client().get(f"/devices/{BIG_DEVICE}.json").get_json()["components"]}
    assert c not in public and public[a]["verified_by"] and public[a]["crop_url"]
    assert public[d]["crop_url"] is None and public[d]["photo_url"] is None and public[d]["manufacturer"] is None
    signed = {r["id"]: r for r in sign_in(app, "rita").get(f"/devices/{BIG_DEVICE}.json").get_json()["components"]}
    assert signed[c]["status"] == "proposed" and signed[c]["verified_by"] is None and len(signed) > len(public)


def test_a_search_finds_the_same_pages_however_its_query_is_planned(generated, app, monkeypatch):
    """PostgreSQL looks up few matches by id and walks the catalog for many (`FEW_MATCHES`); SQLite
    counts with the page's rows: every way gives the same pages."""
    import bomcat.catalog.search as search
    catalog, _ = generated
    with catalog.session() as session:
        model = session.scalar(select(Device.model).where(Device.slug == BIG_DEVICE))
    client = app.test_client()

    def pages() -> list[list[int]]:
        out, url = [], f"/search.json?q={model}"
        while url:
            page = client.get(url).get_json()
            out.append([r["id"] for r in page["results"]])
            url = page["pagination"]["next_url"]
        return out
    looked_up = pages()
    monkeypatch.setattr(search, "FEW_MATCHES", 0)
    monkeypatch.setattr("bomcat.web.search.count_with_rows", lambda dialect: False)
    assert pages() == looked_up and len(looked_up) > 1
