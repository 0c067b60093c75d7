"""OpenIPC: the makers of camera SoCs and image sensors (short and legal names), their SoCs (the
hardware catalogue) and sensors (the site's sensor list and the sensors ipctool detects)."""
from __future__ import annotations

from pathlib import Path

from .tables import Imported, read_table

SOURCES = [("openipc", "OpenIPC website catalogue and seeds, commits a45cdda / 350c25a / c2fed9a", "GPL-3.0"),
           ("ipctool", "OpenIPC ipctool src/sensors.c, commit a12cf00 (extracted table)", "MIT")]
SPELLING = {"Glaxycore": "GalaxyCore"}  # a misspelling in the seeds


def read(imported: Imported, folder: Path) -> int:
    import yaml  # PyYAML: only the importer needs it
    for source in SOURCES:
        imported.source(*source)
    before = len(imported.parts)
    website = folder / "website"
    vendors = {}
    for row in read_table(website / "extracted" / "seeds_vendors.tsv"):
        short = SPELLING.get(row["name"], row["name"])
        vendors[row["name"]] = imported.maker(row["full_name"] or short, "openipc:seeds.rb", aliases=[short])
    for row in read_table(website / "extracted" / "seeds_socs.tsv"):
        maker = vendors.get(row["vendor"]) or imported.maker(row["vendor"], "openipc:seeds.rb")
        imported.part(row["model"], maker, "soc", "openipc:seeds.rb")
    for row in read_table(website / "extracted" / "seeds_sensors.tsv"):
        maker = vendors.get(row["vendor"]) or imported.maker(SPELLING.get(row["vendor"], row["vendor"]), "openipc:seeds.rb")
        imported.part(row["model"], maker, "image_sensor", "openipc:seeds.rb")
    for path in sorted((website / "data" / "catalogue").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        name = data.get("name") or path.stem
        maker = vendors.get(name) or imported.maker(data.get("full_name") or name, f"openipc:{path.name}",
                                                    aliases=[name])
        for soc in data.get("socs") or []:
            for key in ("model", "family"):
                if soc.get(key):
                    imported.part(str(soc[key]), maker, "soc", f"openipc:{path.name}")
    for row in read_table(folder / "ipctool" / "extracted" / "ipctool_sensors.tsv"):
        if row["vendor"] in ("vendor", "") or not row["name_as_reported"]:
            continue
        maker = vendors.get(row["vendor"]) or imported.maker(row["vendor"], "ipctool:sensors.c")
        imported.part(row["name_as_reported"], maker, "image_sensor", "ipctool:sensors.c")
    return len(imported.parts) - before
