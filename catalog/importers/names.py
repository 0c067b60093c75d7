"""Company names as the sources spell them, matched to the knowledge base's makers.

Sources name one company many ways ('Winbond', 'Winbond Electronic', 'Winbond Electronics Corp.',
'WINBOND'). A name is reduced to keys, from strict to loose: every letter and digit; without the
corporate form (Inc, Corp, Ltd, Co, GmbH...); without the words that describe any chip company
(Semiconductor, Technology, Electronics, Microelectronics...). A source's name is matched to the
curated maker whose keys it shares, strictest key first; a loose key that two makers share names
neither (ambiguity is never resolved by guess)."""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Optional

CORPORATE = {"INC", "INCORPORATED", "CORP", "CORPORATION", "CO", "COMPANY", "LTD", "LIMITED", "LLC", "GMBH",
             "AG", "SA", "NV", "BV", "PLC", "KK", "AB", "AS", "OY", "SPA", "SRL", "THE", "PTE", "PVT", "SE",
             "HOLDINGS", "HOLDING", "GROUP", "INTL"}
DESCRIPTIVE = {"SEMICONDUCTOR", "SEMICONDUCTORS", "SEMI", "TECHNOLOGY", "TECHNOLOGIES", "TECH", "ELECTRONICS",
               "ELECTRONIC", "MICROELECTRONICS", "MICROELECTRONIC", "MICRODEVICES", "INTERNATIONAL", "INDUSTRIES",
               "INDUSTRIAL", "SYSTEMS", "SYSTEM", "COMPONENTS", "DEVICES", "PRODUCTS", "PRODUCT", "MEMORY", "SEMICON", "SOLUTIONS", "INTEGRATED",
               "CIRCUITS", "CIRCUIT", "MICROSYSTEMS", "DESIGN", "LABS", "LABORATORIES", "IC", "ICS", "CHIPS"}
# Words too common on packages or in English to stand for a company by themselves.
NOT_A_BRAND = {"ANALOG", "LINEAR", "DIGITAL", "POWER", "SILICON", "GENERAL", "NATIONAL", "ADVANCED", "MICRO",
               "QUALITY", "STANDARD", "UNITED", "GLOBAL", "PRECISION", "INTEGRATED", "APPLIED", "DATA", "LOGIC",
               "MEMORY", "SIGNAL", "SENSOR", "SOLID", "STATE", "SMART", "STAR", "SUN", "FIRST", "PRIME", "NEW",
               "JAPAN", "KOREA", "CHINA", "TAIWAN", "USA", "MEXICO", "MALAYSIA", "PHILIPPINES", "THAILAND",
               "GERMANY", "FRANCE", "ITALY", "SINGAPORE", "INDIA", "CANADA", "EUROPE", "ASIA", "PACIFIC",
               "AMERICA", "AMERICAN", "SHANGHAI", "SHENZHEN", "BEIJING", "HANGZHOU", "SUZHOU", "NANJING",
               "WUXI", "ZHUHAI", "XIAN", "CHENGDU", "GUANGZHOU", "HEFEI", "TIANJIN", "HONG", "KONG", "TOKYO",
               "OSAKA", "KYOTO", "SEOUL", "TAIPEI", "HSINCHU", "MEGA", "ULTRA", "ACCESS", "DIRECT",
               "ENERGY", "OPTICAL", "PHOTONICS", "WIRELESS", "NETWORKS", "COMPUTER", "COMPUTERS", "RESEARCH"}
NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def ascii_upper(text: str) -> str:
    """Upper-case ASCII: accents dropped, the micro sign read as U (NEC's µPD)."""
    text = text.replace("µ", "U").replace("μ", "U")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").upper()


def words(name: str) -> list[str]:
    return [w for w in re.split(r"[^A-Z0-9&]+", ascii_upper(name).replace("&", " AND ")) if w]


def name_keys(name: str) -> list[str]:
    """The name's keys, strictest first (duplicates removed)."""
    parts = words(name)
    full = "".join(parts)
    bare = [w for w in parts if w not in CORPORATE]
    brand = [w for w in bare if w not in DESCRIPTIVE]
    keys = [full, "".join(bare), "".join(brand)]
    out: list[str] = []
    for key in keys:
        if len(key) >= 2 and key not in out:
            out.append(key)
    return out


def brand(name: str) -> Optional[str]:
    """The short name a company goes by when it is distinctive enough to stand alone as a logo
    ('Winbond' of 'Winbond Electronics Corp.'), else None."""
    parts = [w for w in words(name) if w not in CORPORATE and w not in DESCRIPTIVE]
    if not parts:
        return None
    if len(parts) == 1 and (len(parts[0]) < 4 or parts[0] in NOT_A_BRAND or parts[0].isdigit()):
        return None
    key = "".join(parts)
    return key if len(key) >= 4 else None


def display_name(name: str) -> str:
    """A source's company name without its trailing corporate form ('Grain Media Ltd.' -> 'Grain Media',
    'Himax Technologies, Inc.' -> 'Himax Technologies')."""
    name = " ".join(name.split())
    while True:
        trimmed = re.sub(r"[\s,]+(?:Inc|Incorporated|Corp|Corporation|Co|Company|Ltd|Limited|LLC|GmbH|AG|"
                         r"S\.?A|N\.?V|B\.?V|PLC|K\.?K|Pte|Pvt)\.?$", "", name, flags=re.I)
        if trimmed == name or len(trimmed) < 3:
            return name.rstrip(" ,")
        name = trimmed


class NameIndex:
    """Keys of the curated makers' names and aliases -> canonical name. A stricter key wins over a
    looser one; two makers sharing a key at the same strictness lose it (ambiguous)."""

    def __init__(self, makers: Iterable[tuple[str, Iterable[str]]]) -> None:
        self.by_key: dict[str, tuple[int, str]] = {}
        ambiguous: set[tuple[str, int]] = set()
        for canonical, aliases in makers:
            for text in (canonical, *aliases):
                self._add(canonical, text, ambiguous)
        for key, level in ambiguous:
            if self.by_key.get(key, (None,))[0] == level:
                del self.by_key[key]

    def _add(self, canonical: str, text: str, ambiguous: Optional[set] = None) -> None:
        for level, key in enumerate(name_keys(text)):
            held = self.by_key.get(key)
            if held is None or level < held[0]:
                self.by_key[key] = (level, canonical)
            elif held[0] == level and held[1] != canonical and ambiguous is not None:
                ambiguous.add((key, level))

    def find(self, name: str) -> Optional[str]:
        for key in name_keys(name):
            if key in self.by_key:
                return self.by_key[key][1]
        return None

    def add(self, canonical: str, aliases: Iterable[str] = ()) -> None:
        for text in (canonical, *aliases):
            self._add(canonical, text)
