"""The resolver's knowledge base: manufacturers and part families, loaded from
``catalog/knowledge/*.toml`` (one file per manufacturer, one small entry per family).

A family names the full part-number pattern and how the package shortens it:

- ``part``: regex of the part number as ordered (upper case), e.g. ``W25Q\\d{2,3}[A-Z]{2}``;
- ``suffix``: regex of ordering/package letters that may follow on the package;
- ``drop``: a leading literal the package leaves out (Winbond prints ``25Q128JV``);
- ``forms``: other printed forms, each ``{match, part, scope}``: ``match`` is a regex
  over one token (``scope = "token"``) or over the whole marking, lines joined by
  `` | `` (``scope = "marking"``); ``part`` is a template over its named groups;
- ``codes``: printed codes standing for part numbers (Micron FBGA codes);
- ``markings``: real markings with the part they denote, which the tests check;
- ``logo_required``: the pattern is too short to stand alone: without the maker's logo
  text in the marking it is a weak hint only;
- ``multi_source``: many companies make this part number (ULN2803A, 74HC245): the maker is
  named only when its logo is in the marking;
- ``known``: part numbers known to exist in the family (the markings' parts count too);
  only a known part can be proposed with confidence 0.9 or more, because an OCR slip
  can turn one valid-looking number into another (T31 read as T37);
- ``earlier_makers``: companies that marked the same family before it passed to this one
  (Sipex and Exar for MaxLinear's SP3xxx); their logo in the marking names them instead.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Optional

from .catalogue import Catalogue, load_catalogue
from .confusion import TolerantPattern, compile_tolerant, fold

_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
_NOT_ALNUM_UPPER = re.compile(r"[^A-Z0-9]")
CACHE_FORMAT = "bomcat-knowledge-1"
DEFAULT_SUFFIX = r"[A-Z0-9]{0,6}(?:[-/.][A-Z0-9]{1,6}){0,2}"


@dataclass
class ManufacturerInfo:
    key: str                       # file stem
    name: str                      # canonical name
    aliases: list[str]
    logos: list[str]
    country: Optional[str]
    parent: Optional[str]          # owning group, when it is not itself a manufacturer here
    successor: Optional[str]
    successor_year: Optional[int]
    jep106: Optional[str]
    note: Optional[str]
    date_code: str = "YYWW"
    logo_patterns: list[re.Pattern] = field(default_factory=list)  # tokens that stand for the logo
    families: list["Family"] = field(default_factory=list)


@dataclass
class Form:
    family: "Family"
    kind: str                       # verbatim, dropped, form, code
    scope: str                      # token or marking
    pattern: TolerantPattern
    template: Optional[str]         # part-number template over named groups


@dataclass
class Family:
    key: str
    manufacturer: ManufacturerInfo
    name: str
    category: str
    part: str
    suffix: str
    drop: Optional[str]
    description: Optional[str]
    source: Optional[str]
    date_code: str
    codes: dict[str, str]
    markings: list[tuple[str, str]]
    logo_required: bool = False
    multi_source: bool = False
    earlier_makers: list[str] = field(default_factory=list)
    code_lookup: Optional[str] = None             # codes of this shape stand for parts only a table knows
    known: tuple[str, ...] = ()                  # reduced (A-Z0-9) part numbers known to exist
    known_src: Optional[str] = None               # the known parts as one longest-first alternation
    forms: list[Form] = field(default_factory=list)
    _known_regex: Optional[re.Pattern] = field(default=None, repr=False, compare=False)

    @property
    def known_regex(self) -> Optional[re.Pattern]:
        """Compiled on first use (start-up builds only the source)."""
        if self._known_regex is None and self.known_src is not None:
            self._known_regex = re.compile(self.known_src)
        return self._known_regex

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_known_regex": None}


class KnowledgeError(ValueError):
    pass


def reduce_part(text: str) -> str:
    return _NOT_ALNUM_UPPER.sub("", text.upper())


def known_base(family: "Family", part_number: str) -> str | None:
    """The known part this part number is (or is an ordering variant of), if any.

    A known number followed by more digits is a different number (CV25 is not CV255)."""
    reduced = reduce_part(part_number)
    if family.known_regex is not None and (m := family.known_regex.match(reduced)):
        return m.group(0)
    return next((reduced for v in family.codes.values() if reduce_part(v) == reduced), None)


def is_known(family: "Family", part_number: str) -> bool:
    return known_base(family, part_number) is not None


def _family(m: ManufacturerInfo, stem: str, index: int, raw: dict) -> Family:
    try:
        fam = Family(
            key=raw.get("id") or f"{stem}-{index}",
            manufacturer=m, name=raw["name"], category=raw["category"], part=raw["part"],
            suffix=raw.get("suffix", DEFAULT_SUFFIX), drop=raw.get("drop"),
            description=raw.get("description"), source=raw.get("source"),
            date_code=raw.get("date_code", m.date_code),
            codes={k.upper(): v for k, v in raw.get("codes", {}).items()},
            markings=[(mk, pn) for mk, pn in raw.get("markings", [])],
            logo_required=bool(raw.get("logo_required", False)),
            multi_source=bool(raw.get("multi_source", False)),
            earlier_makers=list(raw.get("earlier_makers", [])),
            code_lookup=raw.get("code_lookup"),
        )
        fam.known = tuple(sorted({reduce_part(p) for p in [*raw.get("known", []), *(pn for _, pn in fam.markings)]},
                                 key=len, reverse=True))
        if fam.known:
            fam.known_src = ("|".join(re.escape(k) + (r"(?!\d)" if k[-1].isdigit() else "")
                                                  for k in fam.known))
    except KeyError as exc:
        raise KnowledgeError(f"{stem}.toml family {index}: missing {exc}") from None
    token_pattern = f"(?P<base>{fam.part})(?:{fam.suffix})"
    tp = compile_tolerant(token_pattern)
    fam.forms.append(Form(fam, "verbatim", "token", tp, None))
    if fam.drop:
        if not fam.part.startswith(fam.drop):
            raise KnowledgeError(f"{stem}.toml {fam.name}: part pattern does not start with drop {fam.drop!r}")
        dropped = compile_tolerant(f"(?P<base>{fam.part[len(fam.drop):]})(?:{fam.suffix})")
        fam.forms.append(Form(fam, "dropped", "token", dropped, fam.drop + "{_token}"))
    for form in raw.get("forms", []):
        scope = form.get("scope", "token")
        if scope == "token":
            ftp = compile_tolerant(form["match"])
            fam.forms.append(Form(fam, "form", scope, ftp, form["part"]))
        else:
            mtp = compile_tolerant(form["match"])
            fam.forms.append(Form(fam, "form", scope, mtp, form["part"]))
    for code in fam.codes:
        ctp = compile_tolerant(re.escape(code) + f"(?:{fam.suffix})")
        fam.forms.append(Form(fam, "code", "token", ctp, fam.codes[code]))
    return fam


def _manufacturer(stem: str, raw: dict) -> ManufacturerInfo:
    m = ManufacturerInfo(
        key=stem, name=raw["name"], aliases=list(raw.get("aliases", [])), logos=list(raw.get("logos", [])),
        country=raw.get("country") or None, parent=raw.get("parent") or None,
        successor=raw.get("successor") or None, successor_year=raw.get("successor_year") or None,
        jep106=raw.get("jep106") or None, note=raw.get("note") or None,
        date_code=raw.get("date_code", "YYWW"),
        logo_patterns=[re.compile(p) for p in raw.get("logo_patterns", [])],
    )
    for index, entry in enumerate(raw.get("family", []), start=1):
        try:
            m.families.append(_family(m, stem, index, entry))
        except (ValueError, re.error) as exc:
            if isinstance(exc, KnowledgeError):
                raise
            raise KnowledgeError(f"{stem}.toml family {index} ({entry.get('name')}): {exc}") from None
    return m


@dataclass
class KnowledgeBase:
    manufacturers: dict[str, ManufacturerInfo]          # by canonical name
    names: dict[str, ManufacturerInfo]                  # folded alias/logo text -> manufacturer
    token_forms: dict[str, list[Form]]                  # folded 2-char prefix -> forms
    open_forms: list[Form]                              # token forms with no literal prefix
    marking_forms: list[Form]
    short_logos: dict[str, list[str]] = field(default_factory=dict)  # one-letter glyph -> makers
    # Folded 2nd-3rd characters -> (form, first characters): for tokens whose first character
    # was lost at the edge of the crop ('H559L' for CH559L).
    lost_first: dict[str, list[tuple[Form, frozenset[str]]]] = field(default_factory=dict)
    catalogue: Catalogue = field(default_factory=Catalogue)   # the imported layer (catalogue.py)
    imported_names: set[str] = field(default_factory=set)     # name keys that came from imports only

    def stats(self) -> dict[str, int]:
        return {"manufacturers": len(self.manufacturers), "families": len(self.families),
                "curated_known_parts": sum(len(f.known) for f in self.families), **self.catalogue.stats()}

    @property
    def families(self) -> list[Family]:
        return [f for m in self.manufacturers.values() for f in m.families]

    def lineage(self, name: str) -> list[dict]:
        """The chain from this manufacturer to today's owner, with the year each step happened."""
        chain = []
        seen = set()
        m = self.manufacturers.get(name)
        year = None
        while m is not None and m.name not in seen:
            seen.add(m.name)
            chain.append({"name": m.name, "country": m.country, "since": year})
            if not m.successor:
                if m.parent:
                    chain[-1]["parent"] = m.parent
                break
            year = m.successor_year
            nxt = self.manufacturers.get(m.successor)
            if nxt is None:
                chain.append({"name": m.successor, "country": None, "since": year})
                break
            m = nxt
        return chain


def _index_key(prefix: str) -> Optional[str]:
    """Forms are looked up by the folded first two characters of a token (or the first one)."""
    if len(prefix) >= 2:
        return fold(prefix[:2])
    return "1:" + fold(prefix) if prefix else None


def _imported_makers(catalogue: Catalogue, manufacturers: dict[str, ManufacturerInfo],
                     names: dict[str, ManufacturerInfo]) -> set[str]:
    """Makers the importers found that no curated file describes: a name (and its aliases) to
    recognise as a logo, nothing more. Returns the name keys they added. Short names (under four
    letters, e.g. JEP106's 'AMI') are not logos: lot codes are made of such letters."""
    added: set[str] = set()
    for row in catalogue.makers:
        name = row["name"]
        if name in manufacturers:
            continue
        aliases = [a for a in row.get("aliases", "").split(";") if a]
        manufacturers[name] = ManufacturerInfo(
            key="imported:" + name, name=name, aliases=aliases, logos=[], country=row.get("country") or None,
            parent=None, successor=None, successor_year=None, jep106=None,
            note=f"imported from {row.get('source', '?').split(':', 1)[0]}")
        for text in [name, *aliases]:
            key = fold(_NOT_ALNUM.sub("", text))
            if len(key) >= 4 and key not in names:
                names[key] = manufacturers[name]
                added.add(key)
    return added


def build(files: dict[str, dict], catalogue: Optional[Catalogue] = None) -> KnowledgeBase:
    manufacturers: dict[str, ManufacturerInfo] = {}
    for stem in sorted(files):
        m = _manufacturer(stem, files[stem])
        if m.name in manufacturers:
            raise KnowledgeError(f"{stem}.toml: manufacturer {m.name!r} is defined twice")
        manufacturers[m.name] = m
    names: dict[str, ManufacturerInfo] = {}
    for m in manufacturers.values():
        for text in [m.name, *m.aliases, *m.logos]:
            key = fold(_NOT_ALNUM.sub("", text))
            if len(key) >= 2:
                names.setdefault(key, m)
    token_forms: dict[str, list[Form]] = {}
    open_forms: list[Form] = []
    marking_forms: list[Form] = []
    for m in manufacturers.values():
        for fam in m.families:
            for form in fam.forms:
                if form.scope == "marking":
                    marking_forms.append(form)
                    continue
                keys = {_index_key(start) for start in form.pattern.starts or ()}
                if not keys or None in keys:
                    open_forms.append(form)
                    continue
                for key in keys:
                    token_forms.setdefault(key, []).append(form)
    for m in manufacturers.values():
        for target in filter(None, [m.successor]):
            if target not in manufacturers:
                raise KnowledgeError(f"{m.key}.toml: successor {target!r} is not a known manufacturer")
        for fam in m.families:
            for earlier in fam.earlier_makers:
                if earlier not in manufacturers:
                    raise KnowledgeError(f"{m.key}.toml {fam.name}: earlier maker {earlier!r} is not known")
    lost_first: dict[str, dict[int, tuple[Form, set[str]]]] = {}
    for m in manufacturers.values():
        for fam in m.families:
            for form in fam.forms:
                if form.scope != "token" or form.kind == "code" or not form.pattern.starts3:
                    continue
                for start in form.pattern.starts3:
                    if len(start) == 3:
                        slot = lost_first.setdefault(fold(start[1:]), {})
                        slot.setdefault(id(form), (form, set()))[1].add(start[0])
    short_logos: dict[str, list[str]] = {}
    for m in manufacturers.values():
        for logo in m.logos:
            if len(logo) == 1:
                short_logos.setdefault(logo.upper(), []).append(m.name)
    catalogue = catalogue or Catalogue()
    imported_names = _imported_makers(catalogue, manufacturers, names)
    return KnowledgeBase(manufacturers, names, token_forms, open_forms, marking_forms, short_logos,
                         {k: [(f, frozenset(c)) for f, c in v.values()] for k, v in lost_first.items()},
                         catalogue, imported_names)


def read_files() -> dict[str, dict]:
    root = resources.files("bomcat.catalog") / "knowledge"
    out = {}
    for entry in root.iterdir():
        if entry.name.endswith(".toml"):
            try:
                out[entry.name[:-5]] = tomllib.loads(entry.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise KnowledgeError(f"{entry.name}: {exc}") from None
    return out


def _cache_key() -> str:
    """A hash of everything a built knowledge base depends on: the data files and the code that
    builds and holds it."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    root = resources.files("bomcat.catalog") / "knowledge"
    entries = sorted([*root.iterdir(), *((root / "imported").iterdir() if (root / "imported").is_dir() else ())],
                     key=lambda e: e.name)
    here = resources.files("bomcat.catalog") / "resolver"
    code = [here / name for name in ("knowledge.py", "confusion.py", "catalogue.py")]
    for entry in [*entries, *code]:
        if entry.is_file():
            digest.update(entry.name.encode())
            digest.update(entry.read_bytes())
    return digest.hexdigest()[:32]


def _cache_path(key: str) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "bomcat" / f"knowledge-{key}.pickle"


@lru_cache(maxsize=1)
def load() -> KnowledgeBase:
    """The knowledge base, from the start-up cache when one was built from the same files and code
    (`~/.cache/bomcat`, or XDG_CACHE_HOME), else built and cached; a cache that cannot be read or
    written is simply not used."""
    try:
        path = _cache_path(_cache_key())
        if path.is_file():
            with path.open("rb") as fh:
                return pickle.load(fh)
    except Exception:  # a damaged or foreign cache file: build anew
        path = None
    kb = build(read_files(), load_catalogue())
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            with temporary.open("wb") as fh:
                pickle.dump(kb, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except OSError:
            pass
    return kb
