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
