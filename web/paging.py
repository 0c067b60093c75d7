"""Pages of a list that can grow (the catalog's components, a manufacturer's parts, search results,
devices): the list's query cut in SQL, its total counted in SQL, and links to the pages beside it,
the same in HTML, JSON and CSV (`?page=N` on any of the three URLs)."""
from __future__ import annotations

import math
from urllib.parse import urlencode

from flask import request
from sqlalchemy import Select, func, select

from bomcat.errors import CatalogError, NotFound

PAGE_SIZE = 100


class BadPage(CatalogError):
    status = 400


def page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise BadPage(f"page {raw[:20]!r}: give a page number from 1")
    return int(raw)


def page_url(page: int) -> str:
    args = {**request.args.to_dict(), "page": str(page)}
    if page == 1:
        args.pop("page")
    return request.path + ("?" + urlencode(args) if args else "")


def pagination(total: int, page: int, per_page: int) -> dict:
    pages = max(1, math.ceil(total / per_page))
    if page > pages:
        raise NotFound(f"page {page}: the list has {pages} page{'s' if pages > 1 else ''} of {per_page}")
    return {"page": page, "pages": pages, "per_page": per_page, "total": total,
            "first": (page - 1) * per_page + 1 if total else 0, "last": min(total, page * per_page),
            "prev_url": page_url(page - 1) if page > 1 else None,
            "next_url": page_url(page + 1) if page < pages else None}


def paged(session, query: Select, per_page: int = PAGE_SIZE) -> tuple[list, dict]:
    """This page of `query`'s rows (its ORDER BY decides which), and the pagination beside it."""
    page = page_number()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    info = pagination(total, page, per_page)
    rows = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return rows, info
