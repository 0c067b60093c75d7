"""The small things people stumble on: who sees which link, the site icon, counts that agree with
their noun, categories as words, the command's help and its errors for unknown commands."""
from __future__ import annotations

import pytest

from .conftest import make_catalog, sign_in, web_app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    catalog = make_catalog(tmp_path_factory.mktemp("small"),
                           {"ivan": "investigator", "rita": "reviewer", "adam": "admin"}, [("cam", "Hikvision", "X")])
    return web_app(catalog)


@pytest.mark.parametrize("role, review, users", [("anonymous", False, False), ("ivan", False, False),
                                                 ("rita", True, False), ("adam", True, True)])
def test_the_navigation_shows_only_what_the_role_may_open(app, role, review, users):
    page = sign_in(app, role).get("/devices").get_data(as_text=True)
    assert ('href="/review"' in page) == review and ('href="/admin/users"' in page) == users


def test_the_site_icon_is_there(app):
    client = app.test_client()
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.headers["Location"].endswith("/static/favicon.svg")
    assert client.get("/static/favicon.svg").status_code == 200


@pytest.mark.parametrize("n, words, expected", [(1, ("company", "companies"), "1 company"),
                                                (2, ("company", "companies"), "2 companies"),
                                                (0, ("component",), "0 components"), (1, ("part",), "1 part")])
def test_counts_agree_with_their_noun(app, n, words, expected):
    assert app.jinja_env.filters["count"](n, *words) == expected


def test_categories_read_as_words(app):
    assert app.jinja_env.filters["category"]("image_sensor") == "image sensor"
    assert app.jinja_env.filters["category"](None) == ""


def test_help_lists_each_command_in_full_and_unknown_commands_are_one_line_errors(runner):
    helped = runner("--help")
    assert "such as ../shared/bench" in helped.stdout and "(e.g." not in helped.stdout
    assert "as rotated boxes (or the package under each --at)" in helped.stdout
    unknown = runner("frobnicate")
    assert unknown.returncode == 2 and unknown.stderr.startswith("bomcat: error: No such command 'frobnicate'")
    assert "Error:" not in unknown.stderr


@pytest.mark.parametrize("who, devices", [("anonymous", []), ("ivan", ["cam"])])
def test_search_finds_the_pages_of_companies_and_devices_the_viewer_may_see(app, who, devices):
    client = sign_in(app, who)
    data = client.get("/search.json?q=hikvision").get_json()
    assert [d["slug"] for d in data["devices"]] == devices   # a draft is nobody's business but the team's
    data = client.get("/search.json?q=winbond").get_json()
    assert data["manufacturers"][0]["name"] == "Winbond Electronics" and data["manufacturers"][0]["url"]
    assert data["manufacturers"][0]["components"] == 0


def test_nothing_found_says_what_search_looks_in(app):
    page = sign_in(app, "anonymous").get("/search?q=qqzzxx").get_data(as_text=True)
    assert "Nothing found" in page and "part numbers" in page and 'href="/manufacturers"' in page
