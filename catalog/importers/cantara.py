"""Cantara lib-electronic-components: makers with their aliases, part-number patterns per maker and
component type, and real example part numbers.

The patterns describe part numbers as ordered (`^MX25L\\d+.*`), not package markings; the resolver
uses them as weak evidence of the maker of a full part number, below the curated families. Patterns
of passive parts, connectors and mechanics are left out (they are not what a chip marking shows),
and so are patterns that are nothing but a broad prefix (fewer than three fixed characters)."""
from __future__ import annotations

import re
from pathlib import Path

from bomcat.catalog.resolver.catalogue import fixed_prefix

from .tables import Imported, read_table

SOURCE = ("cantara", "Cantara lib-electronic-components, commit a034943 (extracted tables of the shared "
          "knowledge bundle)", "Apache-2.0")

KEPT_TYPES = re.compile(r"^(?:IC|MICROCONTROLLER|MCU|MEMORY|DIODE|MOSFET|TRANSISTOR|SENSOR|VOLTAGE|OPAMP|TVS|"
                        r"TEMPERATURE|ACCELEROMETER|GYROSCOPE|BIPOLAR|MAGNETOMETER|PRESSURE|LOGIC|OPTOCOUPLER|HALL|"
                        r"INTERFACE|IGBT|HUMIDITY|ESD|RTC|LED_DRIVER|TOUCH|MOTOR_DRIVER|GATE_DRIVER|ESP|CRYPTO|DAC|"
                        r"ADC|AUDIO|BATTERY_MANAGEMENT|OSCILLATOR)")
CATEGORY = [("MEMORY_FLASH", "flash"), ("MEMORY_EEPROM", "eeprom"), ("MEMORY", "memory"), ("MICROCONTROLLER", "mcu"),
            ("MCU", "mcu"), ("ESP", "wifi"), ("MOSFET", "mosfet"), ("IGBT", "transistor"), ("BIPOLAR", "transistor"),
            ("TRANSISTOR", "transistor"), ("TVS", "protection"), ("ESD", "protection"), ("DIODE", "diode"),
            ("VOLTAGE_REGULATOR", "regulator"), ("VOLTAGE", "regulator"), ("OPAMP", "amplifier"),
            ("LOGIC", "logic"), ("OPTOCOUPLER", "isolator"), ("INTERFACE", "interface"), ("RTC", "rtc"),
            ("OSCILLATOR", "oscillator"), ("LED_DRIVER", "led_driver"), ("MOTOR_DRIVER", "motor_driver"),
            ("GATE_DRIVER", "driver"), ("CRYPTO", "security"), ("DAC", "dac"), ("ADC", "adc"), ("AUDIO", "audio"),
            ("BATTERY_MANAGEMENT", "charger"), ("TOUCH", "touch_controller"), ("TEMPERATURE", "temperature_sensor"),
            ("ACCELEROMETER", "imu"), ("GYROSCOPE", "imu"), ("MAGNETOMETER", "sensor"), ("PRESSURE", "sensor"),
            ("HUMIDITY", "sensor"), ("HALL", "sensor"), ("SENSOR", "sensor"), ("IC", "ic")]
# Handlers that stand for a kind of part many makers make, not for one maker.
NOT_A_MAKER = {"LogicICHandler", "UnknownHandler"}


def category_of(component_type: str) -> str:
    return next((c for prefix, c in CATEGORY if component_type.startswith(prefix)), "ic")


def read(imported: Imported, folder: Path) -> int:
    """Makers, patterns and example parts from the bundle's `cantara/` folder."""
    imported.source(*SOURCE)
    makers = {}
    for row in read_table(folder / "extracted" / "manufacturers.tsv"):
        if row["handler"] in NOT_A_MAKER or not row["name"]:
            continue
        makers[row["handler"]] = imported.maker(row["name"], f"cantara:{Path(row['source']).name.split(':')[0]}")
    _read_yaml_makers(imported, folder / "data" / "manufacturers.yaml")
    before = len(imported.patterns)
    for row in read_table(folder / "extracted" / "handler_patterns.tsv"):
        maker = makers.get(row["handler"])
        kind = row["component_type"]
        if maker is None or not kind or not KEPT_TYPES.match(kind):
            continue
        regex = row["regex"]
        if len(fixed_prefix(regex)) < 3:
            continue
        try:
            re.compile(regex)
        except re.error:
            continue
        imported.pattern(regex, maker, category_of(kind), f"cantara:{row['handler']}")
    return len(imported.patterns) - before


def _read_yaml_makers(imported: Imported, path: Path) -> None:
    """Aliases and real example part numbers of the library's own maker file."""
    import yaml  # PyYAML: only the importer needs it
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for entry in data.get("manufacturers", []):
        name = entry.get("name")
        if not name:
            continue
        maker = imported.maker(name, "cantara:manufacturers.yaml", aliases=entry.get("aliases") or [])
        for kind in entry.get("component_types") or []:
            for example in kind.get("examples") or []:
                imported.part(str(example), maker, category_of(str(kind.get("type", "IC"))),
                              "cantara:manufacturers.yaml")
