"""Date-code lexers shared by all manufacturers.

Conventions are named; a family says which one its packages use (default
YYWW). A lexer returns the decoded year and week or month, or None.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

_YYWW = re.compile(r"(\d{2})(\d{2})[A-Z]{0,2}")
_YYYYWW = re.compile(r"((?:19|20)\d{2})(\d{2})")
_YWW = re.compile(r"(\d)(\d{2})")
EARLIEST_YEAR = 1975
LATEST_YEAR = 2035


@dataclass(frozen=True)
class DateCode:
    raw: str
    year: int
    week: Optional[int] = None
    month: Optional[int] = None
    convention: str = "YYWW"

    def as_dict(self) -> dict:
        out = {"raw": self.raw, "year": self.year, "convention": self.convention}
        if self.week is not None:
            out["week"] = self.week
        if self.month is not None:
            out["month"] = self.month
        return out


def _century(yy: int) -> int:
    return 2000 + yy if yy <= LATEST_YEAR - 2000 else 1900 + yy


def yyww(token: str) -> Optional[DateCode]:
    """1927 = 2019 week 27; also with a trailing letter (2223C) or a leading dash-free lot tail."""
    m = _YYWW.fullmatch(token)
    if not m:
        return None
    year, week = _century(int(m.group(1))), int(m.group(2))
    if 1 <= week <= 53 and EARLIEST_YEAR <= year <= LATEST_YEAR:
        return DateCode(token, year, week=week, convention="YYWW")
    return None


def yyyyww(token: str) -> Optional[DateCode]:
    m = _YYYYWW.fullmatch(token)
    if not m:
        return None
    year, week = int(m.group(1)), int(m.group(2))
    if 1 <= week <= 53 and EARLIEST_YEAR <= year <= LATEST_YEAR:
        return DateCode(token, year, week=week, convention="YYYYWW")
    return None


def yww(token: str) -> Optional[DateCode]:
    """One year digit and a week (used on small packages); the decade is ambiguous, so
    the most recent decade not in the future is assumed."""
    m = _YWW.fullmatch(token)
    if not m:
        return None
    week = int(m.group(2))
    if not 1 <= week <= 53:
        return None
    return DateCode(token, 2020 + int(m.group(1)) if int(m.group(1)) <= 6 else 2010 + int(m.group(1)),
                    week=week, convention="YWW")


LEXERS: dict[str, Callable[[str], Optional[DateCode]]] = {"YYWW": yyww, "YYYYWW": yyyyww, "YWW": yww}


def decode(token: str, convention: str = "YYWW") -> Optional[DateCode]:
    lexer = LEXERS.get(convention, yyww)
    return lexer(token)


def find_date_code(tokens: list[str], convention: str = "YYWW") -> Optional[DateCode]:
    """The first token (or its leading part before a dash) that decodes as a date code."""
    for token in tokens:
        for piece in (token, token.split("-")[0]):
            code = decode(piece, convention)
            if code:
                return code
    return None
