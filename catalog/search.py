"""Search across devices by part number, manufacturer, marking and designator.

The index holds each component's text folded the way the resolver folds OCR confusions
(0/O/D/Q, 1/I/L, 5/S, 8/B...), so a search for '25Q128' finds 'W25Q128JV' and a marking misread
as '250128'. SQLite uses an FTS5 trigram table, PostgreSQL a pg_trgm index (migration 0003).
"""
from __future__ import annotations

import re
from typing import Optional

from sqlalchemy import ColumnElement, Integer, select, text
from sqlalchemy.orm import Session

from bomcat.errors import CatalogError
from .models import Component
from .resolver.confusion import fold

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")   # never printed on a chip; NUL ends an FTS5 string


def searchable(text_: str) -> str:
    return _SPACES.sub(" ", fold(_CONTROL.sub(" ", text_ or ""))).strip()


def component_body(component: Component) -> str:
    parts = [component.part_number, component.marking,
             component.manufacturer.name if component.manufacturer else None,
             component.designator, component.category, component.device.maker, component.device.model]
    return searchable(" ".join(p for p in parts if p))


def index_component(session: Session, component: Component) -> None:
    session.flush()
    body = component_body(component)
    session.execute(text("DELETE FROM component_search WHERE component_id = :id"), {"id": component.id})
    session.execute(text("INSERT INTO component_search (component_id, body) VALUES (:id, :body)"),
                    {"id": component.id, "body": body})


def like_escape(text_: str) -> str:
    """`text_` for a LIKE pattern with backslash as the escape: its own %, _ and backslashes literal."""
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


FEW_MATCHES = 5000   # up to this many, PostgreSQL looks the matches up rather than walking the catalog


def matching_components(query: str, dialect: str, matches: Optional[int] = None) -> ColumnElement[bool]:
    """A filter on Component: those whose indexed text contains the query, folded the same way; for
    a query of any size of result, paged by the caller.

    `matches`, when the caller has counted them: PostgreSQL plans a page of results by its guess of how
    many there are, and for a few hundred matches spread over the catalog it walked all 300,000
    components in page order looking for them (NT985: 170 ms); told there are few (up to FEW_MATCHES),
    the filter takes the matches' ids from the trigram index first (`= ANY(ARRAY(...))`: 11 ms), and
    the page is cut from them. Many matches are dense enough that the walk stops early (a maker's name:
    2 ms), and looking up every one would cost more."""
    needle = searchable(query)
    if len(needle.replace(" ", "")) < 3:
        raise CatalogError("search for at least 3 letters or digits")
    if dialect == "sqlite":
        phrase = '"' + needle.replace('"', '""') + '"'
        ids = text("SELECT component_id FROM component_search WHERE component_search MATCH :q").bindparams(q=phrase)
        return Component.id.in_(ids.columns(component_id=Integer))
    pattern = f"%{like_escape(needle)}%"
    if matches is not None and matches <= FEW_MATCHES:
        return text("component.id = ANY(ARRAY(SELECT component_id FROM component_search WHERE body LIKE :q))"
                    ).bindparams(q=pattern)
    ids = text("SELECT component_id FROM component_search WHERE body LIKE :q").bindparams(q=pattern)
    return Component.id.in_(ids.columns(component_id=Integer))


def count_with_rows(dialect: str) -> bool:
    """Whether a page of search results is best counted in the page's own query (a window count) rather
    than apart. SQLite runs the FTS match anew in each query and reads every match for the page as for
    the count: one query halves a search (STMicroelectronics on a 300,000-component catalog: 100 -> 50
    ms). PostgreSQL walks the catalog order and stops at the page's end, and a window count would make
    it visit every match (50 ms -> 300 ms and worse): there the count goes apart, and the page's query
    is planned knowing it (`matching_components`'s `matches`)."""
    return dialect == "sqlite"


def search_components(session: Session, query: str, limit: int = 200) -> list[Component]:
    where = matching_components(query, session.get_bind().dialect.name)
    return list(session.scalars(select(Component).where(where).order_by(Component.id).limit(limit)))
