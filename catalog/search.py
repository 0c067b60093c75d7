"""Search across devices by part number, manufacturer, marking and designator.

The index holds each component's text folded the way the resolver folds OCR confusions
(0/O/D/Q, 1/I/L, 5/S, 8/B...), so a search for '25Q128' finds 'W25Q128JV' and a marking misread
as '250128'. SQLite uses an FTS5 trigram table, PostgreSQL a pg_trgm index (migration 0003).
"""
from __future__ import annotations

import re

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


def matching_components(query: str, dialect: str) -> ColumnElement[bool]:
    """A filter on Component: those whose indexed text contains the query, folded the same way; for
    a query of any size of result, paged by the caller."""
    needle = searchable(query)
    if len(needle.replace(" ", "")) < 3:
        raise CatalogError("search for at least 3 letters or digits")
    if dialect == "sqlite":
        phrase = '"' + needle.replace('"', '""') + '"'
        ids = text("SELECT component_id FROM component_search WHERE component_search MATCH :q").bindparams(q=phrase)
    else:
        ids = text("SELECT component_id FROM component_search WHERE body LIKE :q").bindparams(
            q=f"%{like_escape(needle)}%")
    return Component.id.in_(ids.columns(component_id=Integer))


def search_components(session: Session, query: str, limit: int = 200) -> list[Component]:
    where = matching_components(query, session.get_bind().dialect.name)
    return list(session.scalars(select(Component).where(where).order_by(Component.id).limit(limit)))
