"""Values people send (API JSON, forms, the command line) checked where they enter: text is text,
fits its column and holds no control characters; dates are ISO dates. One rule for every field, so
a list where a name belongs is a 400 that names the field on SQLite and PostgreSQL alike, never a
database error."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from bomcat.errors import CatalogError

LINE_BREAKS = "\n\r\t"


class BadValue(CatalogError):
    """A value of the wrong type, length or content: says which field and why."""
    status = 400


def text_value(name: str, value: Any, limit: Optional[int], multiline: bool = False,
               error: type[CatalogError] = BadValue) -> Optional[str]:
    """The value trimmed (None when absent or blank), or a refusal that names the field."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise error(f"{name} must be text, not {type(value).__name__}")
    value = value.strip()
    if any(ord(c) < 32 and not (multiline and c in LINE_BREAKS) for c in value) or "\x7f" in value:
        raise error(f"{name} holds a control character")
    if any("\ud800" <= c <= "\udfff" for c in value):
        raise error(f"{name} holds a lone surrogate (half of a character that UTF-8 cannot store)")
    if limit is not None and len(value) > limit:
        raise error(f"{name} is {len(value)} characters long; at most {limit}")
    return value or None


def date_value(name: str, value: Any, error: type[CatalogError] = BadValue) -> Optional[dt.date]:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise error(f"{name} must be a date like 2024-05-31, not {type(value).__name__}")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise error(f"{name} must be a date like 2024-05-31, not {value!r}") from None


def limit_of(column: Any) -> Optional[int]:
    """The length a mapped string column holds (None for unbounded text)."""
    return getattr(column.property.columns[0].type, "length", None)
