"""Entity-list flags: which device makers and parts makers are on public sanction and export-control
lists, with the citation of each listing.

The data is `knowledge/lists/entity_list.toml` (its header names the sources and says how to update
it); nothing is fetched at run time. A name matches an entity when one of the entity's names or
subsidiaries' names appears in it as whole words, case and punctuation aside ('HIKVISION',
'Hangzhou Hikvision Digital Technology', 'HiSilicon' as a subsidiary of Huawei), so that a maker
entered by hand is flagged however it was written, and a word that merely contains a name is not
('Dahuang' is not Dahua).
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Optional

from bomcat.errors import ConfigurationError

_WORDS = re.compile(r"[a-z0-9+]+")
LISTING_KEYS = ("list", "added", "citation", "url")


class EntityListError(ConfigurationError):
    """The entity-list data file is malformed (it ships with bomcat: a broken edit of it)."""


@dataclass(frozen=True)
class Listing:
    list: str
    added: dt.date
    citation: str
    url: str


@dataclass(frozen=True)
class Entity:
    name: str                        # the legal name, as the notice gives it
    short: str                       # what pages call it
    names: tuple[str, ...]           # names it is printed or sold under
    subsidiaries: tuple[str, ...]    # companies the notice lists with it
    listings: tuple[Listing, ...]


def words(name: str) -> tuple[str, ...]:
    return tuple(_WORDS.findall(name.casefold()))


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def parse(text: str, source: str = "entity_list.toml") -> tuple[Entity, ...]:
    """The entities of an entity-list file, or an EntityListError that names the entry and what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EntityListError(f"{source}: {exc}") from None
    entities = []
    for index, entry in enumerate(data.get("entity", []), 1):
        where = f"{source} entity {index} ({entry.get('short') or entry.get('name') or '?'})"
        for key in ("name", "short", "names"):
            if not entry.get(key):
                raise EntityListError(f"{where}: missing {key!r}")
        listings = []
        for number, listing in enumerate(entry.get("listing", []), 1):
            missing = [k for k in LISTING_KEYS if not listing.get(k)]
            if missing:
                raise EntityListError(f"{where} listing {number}: missing {', '.join(map(repr, missing))}")
            if not isinstance(listing["added"], dt.date):
                raise EntityListError(f"{where} listing {number}: 'added' must be a date (2019-10-09), "
                                      f"not {listing['added']!r}")
            listings.append(Listing(str(listing["list"]), listing["added"], str(listing["citation"]),
                                    str(listing["url"])))
        if not listings:
            raise EntityListError(f"{where}: no listing (each entity cites at least one list)")
        entities.append(Entity(entry["name"], entry["short"], tuple(entry["names"]),
                               tuple(entry.get("subsidiaries", ())), tuple(listings)))
    return tuple(entities)


@lru_cache(maxsize=1)
def load() -> tuple[Entity, ...]:
    root = resources.files("bomcat.catalog") / "knowledge" / "lists" / "entity_list.toml"
    return parse(root.read_text(encoding="utf-8"))


def entity_of(name: Optional[str],
              entities: Optional[tuple[Entity, ...]] = None) -> Optional[tuple[Entity, Optional[str]]]:
    """The listed entity a company name belongs to, and the subsidiary it matched (None when the name is
    the entity's own), or None."""
    if not name:
        return None
    found = words(name)
    for entity in entities if entities is not None else load():
        if any(_contains(found, words(n)) for n in (entity.name, entity.short, *entity.names)):
            return entity, None
        for subsidiary in entity.subsidiaries:
            if _contains(found, words(subsidiary)):
                return entity, subsidiary
    return None


def flags(name: Optional[str]) -> list[dict]:
    """The listings a company name falls under, as pages and JSON show them (empty when none)."""
    return [dict(flag) for flag in _flags(name or "")]


@lru_cache(maxsize=4096)
def _flags(name: str) -> tuple[dict, ...]:
    """Per name once: a BOM page asks for each of its rows' makers."""
    match = entity_of(name)
    if match is None:
        return ()
    entity, subsidiary = match
    return tuple({"entity": entity.short, "legal_name": entity.name, "via": subsidiary, "list": listing.list,
                  "added": listing.added.isoformat(), "citation": listing.citation, "url": listing.url}
                 for listing in entity.listings)
