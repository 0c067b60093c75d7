"""The importers on small excerpts of each source, in the sources' own layouts; the tables they
write (every row naming a source the header describes); company names matched to curated makers."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from bomcat.catalog.importers import cantara, curated_names, flashdetector, flashrom, gbhwdb, import_all, jep106, \
    kicad, openipc
from bomcat.catalog.importers.names import NameIndex, brand, display_name, name_keys
from bomcat.catalog.importers.tables import Imported, read_table, write_tables


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def tsv(path: Path, header: str, *rows: str) -> None:
    write(path, "\n".join([header, *rows]) + "\n")


@pytest.fixture
def imported() -> Imported:
    return Imported(curated_names())


# -- names ------------------------------------------------------------------------------------------

def test_name_keys_go_from_strict_to_loose():
    assert name_keys("Winbond Electronics Corp.") == ["WINBONDELECTRONICSCORP", "WINBONDELECTRONICS", "WINBOND"]
    assert display_name("Himax Technologies, Inc.") == "Himax Technologies"
    assert display_name("Grain Media Ltd.") == "Grain Media"
    assert brand("Analog Devices") is None and brand("Winbond Electronics") == "WINBOND"


def test_a_loose_key_two_makers_share_names_neither_but_a_strict_one_still_wins():
    index = NameIndex([("Seiko Epson", ["Epson"]), ("Seiko Instruments", ["SII"])])
    assert index.find("SEIKO") is None               # both brands reduce to it: ambiguous, not guessed
    assert index.find("Seiko Epson Corporation") == "Seiko Epson"
    index = NameIndex([("OKI", ["Oki Electric"]), ("LAPIS Semiconductor", ["OKI Semiconductor"])])
    assert index.find("OKI") == "OKI"                # the exact name beats a looser key of another maker


def test_sources_spelling_a_curated_maker_otherwise_land_on_it(imported):
    assert imported.maker("Winbond Electronic", "t") == "Winbond Electronics"
    assert imported.maker("Texas Instruments Incorporated", "t") == "Texas Instruments"
    assert imported.maker("Fairchild/ON Semi", "t") == "Fairchild Semiconductor"
    assert imported.maker("Zyxwv Microdevices Ltd.", "t") == "Zyxwv Microdevices"
    assert "Zyxwv Microdevices" in imported.makers


# -- each source -------------------------------------------------------------------------------------

KICAD_LIBRARY = '''
(kicad_symbol_lib (version 20211014) (generator kicad_symbol_editor)
  (symbol "TPS62130RGT" (in_bom yes) (on_board yes)
    (property "Reference" "U" (id 0) (at 0 0 0))
    (property "Datasheet" "http://www.ti.com/lit/ds/symlink/tps62130.pdf" (id 3) (at 0 0 0))
  )
  (symbol "TPS62133RGT" (extends "TPS62130RGT")
    (property "Reference" "U" (id 0) (at 0 0 0))
  )
  (symbol "STM32F103C8Tx" (in_bom yes) (on_board yes)
    (property "Datasheet" "https://www.st.com/resource/en/datasheet/stm32f103c8.pdf" (id 3) (at 0 0 0))
  )
  (symbol "LM317_TO220" (in_bom yes) (on_board yes)
    (property "Datasheet" "https://www.mouser.com/datasheet/2/lm317.pdf" (id 3) (at 0 0 0))
  )
)
'''


def test_kicad_parts_take_their_maker_from_the_datasheet_domain(tmp_path, imported):
    write(tmp_path / "Regulator_Switching.kicad_sym", KICAD_LIBRARY)
    write(tmp_path / "Connector.kicad_sym", KICAD_LIBRARY.replace("TPS6", "XYZ6"))  # not parts: skipped
    found = {(part, maker, category) for part, maker, category, _ in kicad.parts(tmp_path)}
    assert found == {("TPS62130RGT", "Texas Instruments", "regulator"),
                     ("TPS62133RGT", "Texas Instruments", "regulator"),   # the datasheet of the symbol it extends
                     ("STM32F103C8T", "STMicroelectronics", "regulator")}  # x is a wildcard; a distributor names nobody
    assert kicad.domain_of("https://www.ti.com.cn/lit/x.pdf") == "ti.com.cn"


def test_cantara_makers_patterns_and_examples(tmp_path, imported):
    tsv(tmp_path / "extracted" / "manufacturers.tsv", "enum\tname\tmpn_prefix_regex\thandler\tsource",
        "MACRONIX\tMacronix\t(?:MX25)\tMacronixHandler\tsrc/ComponentManufacturer.java:10",
        "QORVO\tQorvo\t(?:QPA)\tQorvoHandler\tsrc/ComponentManufacturer.java:11")
    tsv(tmp_path / "extracted" / "handler_patterns.tsv", "handler\tcomponent_type\tregex\thow\tcomment\tsource",
        "MacronixHandler\tMEMORY_FLASH\t^MX25L\\d+.*\taddPattern literal\t\tMacronixHandler.java:5",
        "QorvoHandler\tIC\t^QPA[0-9]{4}.*\taddPattern literal\t\tQorvoHandler.java:7",
        "QorvoHandler\tCAPACITOR\t^QCAP[0-9]{4}.*\taddPattern literal\t\tQorvoHandler.java:8",
        "QorvoHandler\tIC\t^Q.*\taddPattern literal\t\tQorvoHandler.java:9")
    write(tmp_path / "data" / "manufacturers.yaml", """
        manufacturers:
          - id: MACRONIX
            name: "Macronix"
            aliases: ["MXIC"]
            component_types:
              - type: MEMORY_FLASH
                examples: ["MX25L12835FM2I-10G"]
        """)
    assert cantara.read(imported, tmp_path) == 2
    assert {(r["regex"], r["manufacturer"], r["category"]) for r in imported.patterns.values()} == {
        ("^MX25L\\d+.*", "Macronix International", "flash"), ("^QPA[0-9]{4}.*", "Qorvo", "ic")}
    assert ("MX25L12835FM2I-10G", "Macronix International") in imported.parts


def test_flashrom_names_expand_to_the_parts_they_stand_for(tmp_path, imported):
    assert flashrom.expand("AT49(H)F010") == ["AT49F010", "AT49HF010"]
    assert flashrom.expand("MX25L12805D/MX25L12835F") == ["MX25L12805D", "MX25L12835F"]
    assert flashrom.expand("W25Q128.V") == ["W25Q128"] and flashrom.expand("B.25D16A") == []
    tsv(tmp_path / "extracted" / "flashchips.tsv", "vendor\tname\tbustype\tsource",
        "Micron/Numonyx/ST\tM25P80\tBUS_SPI\tflashchips.c:1", "Programmer\tOpaque flash chip\tBUS_PROG\tflashchips.c:2")
    assert flashrom.read(imported, tmp_path) == 1
    assert ("M25P80", "Micron Technology") in imported.parts


def test_flashdetector_and_fdnext_parts_and_package_codes(tmp_path, imported):
    fd, fdn = tmp_path / "fd", tmp_path / "fdn"
    write(fd / "FlashDetector" / "resources" / "fdb.json", json.dumps(
        {"info": {}, "iddb": {}, "micron": {"MT29F32G08AAMDB": {}, "29F32G08AAMDA": {}}, "unknownvendor": {"X1": {}}}))
    write(fd / "FlashDetector" / "resources" / "mdb.json", json.dumps(
        {"micron": {"NW101": "MT29F2G08ABDHC-ET:D"}, "spectek": {"PF001": ["FBML84C71KDEABJ4"]}}))
    res = fdn / "packages" / "resources" / "resources"
    write(res / "dram-pn.json", json.dumps([{"vendor": "samsung", "pn": "K4S511632D-UC75"}]))
    write(res / "managed-nand-pn.json", json.dumps({"entries": [{"pn": "KLMAG1JETD-B041", "vendor": "samsung",
                                                                 "type": "emmc"}]}))
    write(res / "mdb-dram.json", json.dumps([{"code": "D9BCS", "pn": "MT48G4M32LFBC-10"}]))
    flashdetector.read(imported, fd, fdn)
    assert imported.codes["NW101"]["part"] == "MT29F2G08ABDHC-ET"       # die revision after ':' left out
    assert imported.codes["D9BCS"]["manufacturer"] == "Micron Technology"
    assert ("MT29F32G08AAMDB", "Micron Technology") in imported.parts
    assert not any(part.startswith("29F") for part, _ in imported.parts)  # the short form is a convention
    assert ("K4S511632D-UC75", "Samsung Electronics") in imported.parts


def test_openipc_vendors_socs_and_sensors(tmp_path, imported):
    web = tmp_path / "website"
    tsv(web / "extracted" / "seeds_vendors.tsv", "id\tname\tfull_name\twebsite_url\tsource",
        "1\tGlaxycore\tGalaxycore Inc\t\tdb/seeds.rb:1", "2\tGrain Media\tGrain Media Ltd.\t\tdb/seeds.rb:2")
    tsv(web / "extracted" / "seeds_socs.tsv", "vendor\tmodel\tstatus\tsource", "Grain Media\tGM8136\tdone\tdb:3")
    tsv(web / "extracted" / "seeds_sensors.tsv", "vendor\tmodel\tsource", "Glaxycore\tgc2053\tdb:4")
    write(web / "data" / "catalogue" / "ingenic.yml", "name: Ingenic\nfull_name: null\nsocs:\n- family: T31\n  model: T31X\n")
    tsv(tmp_path / "ipctool" / "extracted" / "ipctool_sensors.tsv", "vendor\tname_as_reported\tid_hex\thow\tnotes\tsource",
        "SmartSens\tSC2335\t\tliteral\t\tsrc/sensors.c:1")
    openipc.read(imported, tmp_path)
    assert ("GC2053", "GalaxyCore") in imported.parts                  # the seeds' misspelling mapped
    assert ("GM8136", "Grain Media") in imported.parts and "Grain Media" in imported.makers
    assert ("T31X", "Ingenic Semiconductor") in imported.parts
    assert ("SC2335", "SmartSens Technology") in imported.parts


def test_jep106_names_without_their_history(tmp_path, imported):
    tsv(tmp_path / "extracted" / "jep106.tsv", "bank\tindex\tid_byte_hex\tcontinuation_codes\tname",
        "1\t1\t0x01\t0\tAMD", "1\t2\t0x98\t0\tKioxia Corporation (former Toshiba Memory Corporation)",
        "9\t3\t0x83\t8\tQuuxlogic Semi")
    jep106.read(imported, tmp_path)
    assert "Quuxlogic Semi" in imported.makers and "AMD" in imported.makers
    assert not any("former" in name or "Toshiba Memory" in name for name in imported.makers)


def test_gbhwdb_parsers_give_parts_and_the_examples_a_validation_set(tmp_path, imported):
    ex = tmp_path / "extracted"
    tsv(ex / "manufacturers.tsv", "enum\tname", "Sharp\tSharp", "Nec\tNEC")
    tsv(ex / "parsers.tsv", "module\tparser\tdisplay_name\tdescription\tdatasheet_sources\tmanufacturers\t"
        "literal_strings\tdate_lexers\tlocal_helpers\tn_examples\tsource",
        "sharp\tSHARP_LH5164AN\tSharp LH5164AN\tSharp LH5164AN (SOP-28, 5V, 64 Kibit / 8 KiB)\t\tSharp\t\t\t\t1\tsharp.rs:1",
        "nec\tNEC_UPD442012A_X\tNEC μPD442012A-X\tNEC μPD442012A-X SRAM (TSOP-I-48)\t\tNEC\t\t\t\t1\tnec.rs:2",
        "sharp\tSHARP_LH538\tSharp LH538???\tSharp LH538xxxN mask ROM (SOP-32)\t\tSharp\t\t\t\t1\tsharp.rs:3",
        "rohm\tROHM_BA6129\tROHM BA6129\tROHM BA6129 supervisor (SOP-8)\t\tROHM\t6129A | 6129 | BA{kind}\t\t\t1\trohm.rs:4",
        "ti\tTI_SN74LV2416\tTI SN74LV2416\tTI SN74LV2416\t\tTI\tLV2416 | SN74LV2416\t\t\t1\tti.rs:5",
        "analog\tANALOG_ADXL202JE\tAnalog ADXL202JE\tAnalog ADXL202JE accelerometer\t\tAnalog Devices\t"
        "202 | JA | E\t\t\t1\tanalog.rs:6")
    tsv(ex / "examples.tsv", "module\tparser\tmarking\texpected\tsource",
        "sharp\tSHARP_LH5164AN\tLH5164AN-10L SHARP A0005 3 CB\tok\tsharp.rs:9",
        "nec\tNEC_UPD442012A_X\tNEC JAPAN D442012AGY-BB85X-MJH 0037K7027\tok\tnec.rs:10")
    gbhwdb.read(imported, tmp_path)
    assert {p for p, _ in imported.parts} == {"LH5164AN", "UPD442012A", "BA6129", "SN74LV2416", "ADXL202JE"}
    # The parsers' fixed strings that are a shorter piece of the part: how the maker prints it.
    assert {(r["short"], r["part"]) for r in imported.short_forms.values()} == {
        ("6129", "BA6129"), ("LV2416", "SN74LV2416")}   # not '6129A' (not a piece of BA6129), the whole part,
    # nor '202' (three digits are on every other package)
    assert {r["source"] for r in imported.short_forms.values()} == {"gbhwdb:rohm", "gbhwdb:ti"}
    rows = gbhwdb.validation_rows(imported, tmp_path, leave_out={"LH5164AN-10L SHARP A0005 3 CB"})
    assert [(r["manufacturer"], r["part_number"]) for r in rows] == [("NEC", "UPD442012A")]


# -- the tables ----------------------------------------------------------------------------------------

def test_tables_name_their_sources_and_read_back(tmp_path, imported):
    imported.source("x", "an excerpt, commit abc", "MIT")
    maker = imported.maker("Zyxwv Microdevices", "x:one")
    for n in range(5):
        imported.part(f"ZQ{n}100A", maker, "ic", "x:one")
    imported.derive_prefixes()
    written = write_tables(imported, tmp_path)
    text = written["parts"].read_text()
    assert "# source x: an excerpt, commit abc; licence MIT" in text
    rows = read_table(written["parts"])
    assert {r["part"] for r in rows} == {f"ZQ{n}100A" for n in range(5)} and all(r["source"] == "x:one" for r in rows)
    assert [(r["prefix"], r["manufacturer"]) for r in read_table(written["prefixes"])] == [("ZQ", "Zyxwv Microdevices")]


def test_import_command_on_the_shared_bundle(tmp_path):
    from .conftest import SHARED
    bundle = SHARED.parent / "knowledge"
    if not bundle.is_dir():
        pytest.skip("the shared knowledge bundle is not here")
    counts = import_all(bundle, None, out=tmp_path)
    assert counts["makers"] > 1000 and counts["parts"] > 4000 and counts["codes"] >= 2162
    header = (tmp_path / "codes.tsv").read_text().splitlines()[:6]
    assert any(line.startswith("# source flashdetector:") and "AGPL-3.0" in line for line in header)
