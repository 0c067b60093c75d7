"""Pages of a list that can grow (the catalog's components, a manufacturer's parts, search results,
devices): the list's query cut in SQL, its total counted in SQL, and links to the pages beside it,
the same in HTML, JSON and CSV (`?page=N` on any of the three URLs)."""
from __future__ import annotations

import math
from typing import Callable, Optional
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


def paged(session, query: Select, per_page: int = PAGE_SIZE, counted_with_rows: bool = False,
          planned: Optional[Callable[[int], Select]] = None) -> tuple[list, dict]:
    """This page of `query`'s rows (its ORDER BY decides which), and the pagination beside it.

    The total is counted in a query of its own, which an index answers, and the page read by walking
    the index in order and stopping at the page's end; `planned`, when given, makes the page's query
    from the total (a search planned by how many it matches: `catalog.search.matching_components`).
    With `counted_with_rows` the total comes with the page's rows instead (a window count): for a
    filter that is dear to evaluate and must be evaluated on every row anyway (a search's text match
    on SQLite: `catalog.search.count_with_rows`). Only a page past the end then counts apart, to say
    how many pages there are."""
    page = page_number()
    count = select(func.count()).select_from(query.order_by(None).subquery())
    window = query.limit(per_page).offset((page - 1) * per_page)
    if not counted_with_rows:
        total = session.scalar(count)
        info = pagination(total, page, per_page)
        if planned is not None:
            window = planned(total).limit(per_page).offset((page - 1) * per_page)
        return list(session.scalars(window)), info
    found = session.execute(window.add_columns(func.count().over())).all()
    info = pagination(found[0][-1] if found else session.scalar(count), page, per_page)
    return [row[0] for row in found], info
