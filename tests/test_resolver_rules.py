"""Each rule of the evidence table, by a marking whose answer depends on it (the rule's id is on the
answer, and the answer is what the rule says it should be); the typed result; the start-up cache;
the imported catalogue never resolving a garbled known part confidently to another."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from bomcat.catalog.resolver import Resolution, default_resolver, knowledge
from bomcat.catalog.resolver.catalogue import reduce
from bomcat.catalog.resolver.confusion import CONFUSION_COST
from bomcat.catalog.resolver.evidence import RULES

DATA = Path(__file__).parent / "data"

CASES = [
    # (marking, maker, part (None: no part), rule id that decides it, confident?)
    ("REALTEK | 8188FTV | J5C6431", "Realtek Semiconductor", "RTL8188FTV", "fit.logo_dropped", True),
    ("SIPEX | 3232EE | 1948L", "Sipex", "SP3232EE", "fit.logo_dropped", False),
    ("TI | 74HC688", "Texas Instruments", "74HC688", "logo.names_maker", False),
    ("NATIONAL | LM2574HVN-15", "National Semiconductor", "LM2574HVN-15", "logo.lineage", False),
    ("SC 1831 | SLVU2.8 | -4", "Semtech", "SLVU2.8-4", "catalogue.pattern", False),   # SLVU2.8-4: its 4 lines
    ("39SF010A-70-4C-NHE", "SST", "SST39SF010A-70-4C-NHE", "catalogue.known_tail", False),
    ("NW101", "Micron Technology", "MT29F2G08ABDHC-ET", "catalogue.code", True),
    ("D9LGQ", "Micron Technology", None, "catalogue.unlisted_code", False),
    ("QPA9219", "Qorvo", "QPA9219", "catalogue.pattern", False),
    ("LMR99999ADDAR", "Texas Instruments", "LMR99999ADDAR", "catalogue.series_prefix", False),
    ("74HC590A", None, "74HC590A", "maker.several", False),
    ("ATMEGA328P-AU", "Atmel", "ATMEGA328P-AU", "maker.line_undecided", False),
    ("FM25Q64AI3", "Dosilicon", "FM25Q64AI3", "maker.listed_elsewhere", False),
    ("ATMEGA16A-A", "Atmel", "ATMEGA16A-A", "token.ordering_tail", False),
    ("AT29LV512 15TC 0114", "Atmel", "AT29LV512-15TC", "token.speed_grade", False),
    ("STM32 F103C8T6", "STMicroelectronics", "STM32F103C8T6", "token.joined", True),
    ("PIC12F675 | -I/SN | 1234", "Microchip Technology", "PIC12F675-I/SN", "token.ordering_line", True),
    # Short forms a source records ('592F' is how Mitsumi prints MM1592F), with a variant letter after
    # them, read with an OCR slip, digits only; never confident on their own.
    ("592F 1C", "Mitsumi Electric", "MM1592F", "catalogue.short_form", False),
    ("6735A 9Z", "ROHM Semiconductor", "BA6735A", "token.variant_tail", False),
    ("LV24I6 8K", "Texas Instruments", "SN74LV2416", "ocr.repaired", False),
    ("4000 KOREA", "Samsung Electronics", "KM23C4000", "catalogue.short_form_digits", False),
    ("SEC KM23C8OOODG DMG-AAUJ-1 F1 KFX331U", "Samsung Electronics", "KM23C8000DG", "ocr.repaired", False),
    ("LH52B256NA-10PLL MOSEL-VITELIC JAPAN N643 0T BB", "Mosel Vitelic", "LH52B256NA-10PLL", "logo.names_maker", True),
    ("NEC JAPAN D431000AGW-70LL 9512K7024", "NEC", "UPD431000AGW-70LL", "fit.form", True),
    ("winbond | 25Q128JVSQ | 1927", "Winbond Electronics", "W25Q128JVSQ", "logo.same_maker", True),
]


@pytest.mark.parametrize("marking, maker, part, rule, confident", CASES, ids=[c[0] for c in CASES])
def test_each_rule_decides_its_marking(marking, maker, part, rule, confident):
    result = default_resolver().resolve(marking)
    assert (result.manufacturer, result.part_number) == (maker, part), result.explanation
    assert rule in result.rules, result.rules
    assert (result.confidence >= 0.9) == confident, (result.confidence, result.rules)


def test_every_rule_used_above_is_in_the_table_and_every_text_formats():
    assert {c[3] for c in CASES} <= set(RULES)
    for rule in RULES.values():
        assert rule.id.split(".")[0] in {"fit", "catalogue", "ocr", "token", "logo", "short_form", "known", "maker",
                                         "marking"}
        assert rule.cap is None or 0 < rule.cap < 1


@pytest.mark.parametrize("marking, not_maker", [
    ("REALTEK | 8188FTV | J5C6431", "Alpha and Omega Semiconductor"),   # AO's bare 4-digit form
    ("LH5164AN-10L SHARP A0005", "Allwinner Technology"),               # a lot code is not an A-series SoC
    ("SC 1831 | SLVU2.8 | -4", "SmartSens Technology"),                  # 'SC' + a date code is not SC1831
    ("infineon | TLV4961-1TB", "Texas Instruments"),                     # TI's TLV prefix, under Infineon's logo
])
def test_a_printed_maker_is_never_overruled_by_another_makers_pattern(marking, not_maker):
    result = default_resolver().resolve(marking)
    assert result.manufacturer != not_maker and result.manufacturer is not None, result.explanation


@pytest.mark.parametrize("marking", ["W25R128JVSIQ", "QPA9219", "INA240A1D", "LMT86DCK"])
def test_a_clean_part_number_is_not_repaired_into_another(marking):
    result = default_resolver().resolve(marking)
    assert result.part_number in (None, marking), (result.part_number, result.explanation)


@pytest.mark.parametrize("marking, part, rule", [
    # The printed token is built as Analog Devices' listed parts are (AD + 4 digits + 4 letters); the
    # family's grammar allows 3 letters, and 'repairing' A into 4 gives a shape no ADI part has.
    ("ANALOG DEVICES | ADP2384AREZ", "ADP2384AREZ", "ocr.unlike_maker_parts"),
    # Well-formed as printed (flash-size code 8), one B/8 slip from a listed part: not 'repaired' into
    # it, not even under ST's logo.
    ("ST | STM32F103C8U6", "STM32F103C8U6", "ocr.speculative_repair"),
])
def test_under_its_makers_logo_a_clean_part_number_is_not_repaired(marking, part, rule):
    result = default_resolver().resolve(marking)
    assert result.part_number == part, result.explanation
    assert any(rule in c["rules"] for c in result.as_dict()["candidates"]), result.as_dict()["candidates"]


def test_under_its_makers_logo_the_ordering_letters_after_a_known_part_are_still_repaired():
    """LC35256 is a known Sanyo SRAM and LC35256DM70W a listed ordering code: '7OW' is its speed grade
    misread, and the repair says more of the same part, not another one."""
    result = default_resolver().resolve("SANYO LC35256DM-7OW JAPAN")
    assert result.part_number == "LC35256DM-70W", result.explanation


def test_a_two_word_maker_name_is_one_logo_not_also_its_second_word():
    """'QUALCOMM ATHEROS' is Qualcomm's name for the Atheros line it bought: the second word is not a
    logo of its own, so the family's earlier maker (Atheros) is not taken for the maker."""
    result = default_resolver().resolve("QUALCOMM ATHEROS | QCA9563-AL3A | 0VV")
    assert (result.manufacturer, result.part_number) == ("Qualcomm", "QCA9563-AL3A"), result.explanation
    assert default_resolver().resolve("ATHEROS | AR9331-AL1A").manufacturer == "Atheros Communications"


def test_an_unlisted_micron_code_says_how_to_decode_it():
    result = default_resolver().resolve("D9LGQ")
    assert result.manufacturer == "Micron Technology" and result.part_number is None
    assert "FBGA" in result.explanation and result.confidence < 0.9


def test_two_letters_in_the_middle_of_a_line_are_not_a_logo():
    result = default_resolver().resolve("M68AS128 DL70N6 AANFG F6 TWN 8B 414")
    assert not any(t["label"] == "logo" for t in result.tokens)
    assert result.manufacturer == "STMicroelectronics"


def test_the_result_is_typed_and_its_json_form_keeps_the_contract():
    result = default_resolver().resolve("winbond | 25Q128JVSQ | 1927")
    assert isinstance(result, Resolution)
    data = result.as_dict()
    assert {"marking", "manufacturer", "part_number", "category", "confidence", "candidates", "explanation",
            "tokens", "reading", "date_code", "country", "lineage", "rules"} <= set(data)
    assert result["manufacturer"] == result.manufacturer == data["manufacturer"]
    assert all(set(c) >= {"part_number", "manufacturer", "confidence", "evidence", "rules"} for c in data["candidates"])


def test_the_knowledge_base_is_broad():
    stats = knowledge.load().stats()
    assert stats["manufacturers"] >= 400
    assert stats["known_parts"] + stats["curated_known_parts"] >= 15000
    assert stats["families"] + stats["patterns"] + stats["series_prefixes"] >= 1500
    assert stats["codes"] >= 2162 + 5   # every Micron code of the FlashDetector and fdnext tables


def test_the_start_up_cache_is_written_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    knowledge.load.cache_clear()
    try:
        built = knowledge.load()
        (cached,) = (tmp_path / "bomcat").glob("knowledge-*.pickle")
        knowledge.load.cache_clear()
        again = knowledge.load()
        assert again is not built and again.stats() == built.stats()
        cached.write_bytes(b"not a pickle")  # a damaged cache is rebuilt, not trusted
        knowledge.load.cache_clear()
        assert knowledge.load().stats() == built.stats()
    finally:
        knowledge.load.cache_clear()


def test_tolerant_patterns_know_their_position_groups_without_compiling():
    """The group numbers worked out while building each tolerant regex match the compiled regex."""
    for fam in knowledge.load().families:
        for form in fam.forms:
            pattern = form.pattern
            assert pattern.tolerant.groups == len(pattern.positional) + len(pattern.tolerant.groupindex), fam.name
            named = set(pattern.tolerant.groupindex.values())
            assert not named & set(pattern.positional)


# -- OCR-garbled known parts of the imported tables: the same part or not confident --------------------

KB = knowledge.load()
SAMPLE = sorted(random.Random(7).sample(sorted(p for p, entries in KB.catalogue.parts.items()
                                               if len(p) >= 7 and len({e.maker for e in entries}) == 1), 300))
SWAPS: dict[str, list[str]] = {}
for (a, b) in CONFUSION_COST:
    SWAPS.setdefault(a, []).append(b)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(index=st.integers(min_value=0, max_value=len(SAMPLE) - 1), seed=st.integers(min_value=0, max_value=10**6))
def test_garbled_catalogue_parts_never_resolve_confidently_to_another_part(index, seed):
    part = SAMPLE[index]
    rng = random.Random(seed)
    chars = list(part)
    positions = [i for i, c in enumerate(chars) if c in SWAPS]
    if positions:
        i = rng.choice(positions)
        chars[i] = rng.choice(SWAPS[chars[i]])
    noisy = "".join(chars)
    if KB.catalogue.longest_known(noisy) not in (None, part):
        return  # the slip made another real part number: reading it as that one is right
    result = default_resolver().resolve(noisy)
    if result.confidence >= 0.9:
        assert reduce(result.part_number or "").startswith(part) or re.sub(r"[^A-Z0-9]", "", noisy) == part, \
            (noisy, part, result.part_number, result.explanation)


@pytest.mark.parametrize("marking, part", [
    ("ATTINY88-P", "ATTINY88"),          # ATTINY85 is one 8/5 slip away and listed
    ("ATMEGA325PV-10M", "ATMEGA325PV"),  # ATMEGA328PV likewise
    ("STM32F072C8U", "STM32F072C8U"),    # STM32F072CBU likewise (8/B)
])
def test_a_clean_well_formed_part_is_not_rewritten_into_a_listed_neighbour(marking, part):
    """Printed clean and fitting its family, an unlisted part is a member the lists lack, not an OCR
    slip of a listed one: it keeps its own number (at the confidence of an unlisted part)."""
    result = default_resolver().resolve(marking)
    assert result.part_number and result.part_number.startswith(part), result.explanation
    assert "ocr.snapped" not in result.rules and result.confidence < 0.9


def test_stm32_ordering_codes_of_every_type_and_without_the_temperature_digit():
    """ST's ordering scheme: type and sub-family (F103, H7A3, WB55, MP157), pins, flash, package, then
    the temperature digit that part lists often leave out."""
    for marking in ("STM32F100C6T", "STM32WB55RGV6", "STM32H7A3ZIT6", "STM32MP157CAA3", "32F103C8T6"):
        result = default_resolver().resolve(marking)
        assert result.manufacturer == "STMicroelectronics", (marking, result.explanation)
        assert result.part_number.endswith(marking.removeprefix("STM")), (marking, result.part_number)


def test_winbonds_w25r_security_flash_is_its_w25q_line():
    """flashrom lists W25R256JW as the W25Q256JW die with a monotonic counter: the same family rule."""
    for marking, part in (("W25R128JVSIQ", "W25R128JVSIQ"), ("winbond | 25R256JWSIQ | 2201", "W25R256JWSIQ")):
        result = default_resolver().resolve(marking)
        assert (result.manufacturer, result.part_number) == ("Winbond Electronics", part), result.explanation


def test_a_known_maker_with_an_unknown_family_reads_the_part_from_the_line_below_its_logo():
    """Logo, part number, then date and lot: with the family unknown, the printed token taken as the
    part is the first part-like one, not a longer lot code further down."""
    result = default_resolver().resolve("Star | MSC313E | ACT385UA | 1945S | ARM")
    assert (result.manufacturer, result.part_number) == ("SigmaStar Technology", "MSC313E")
    assert result.confidence < 0.9


@pytest.mark.parametrize("marking, maker, part", [
    # a lot code printed above the logo is not the part (the part-like token after the logo is)
    ("KKH75FB7 | NEXPERIA | BC856BS", "Nexperia", "BC856BS"),
    # ... nor a shortened form of one of the maker's families
    ("34F4S | MICROCHIP | MIC5355-SCYMME", "Microchip Technology", "MIC5355-SCYMME"),
    # with nothing part-like after a logo printed last, the line above it is the part
    ("8188FTV | REALTEK", "Realtek Semiconductor", "RTL8188FTV"),
])
def test_a_line_above_the_logo_is_a_lot_code_when_a_part_follows_the_logo(marking, maker, part):
    result = default_resolver().resolve(marking)
    assert (result.manufacturer, result.part_number) == (maker, part), result.explanation


@pytest.mark.parametrize("marking, maker", [
    ("winhond | SQ64FWSIG | 712", "Winbond Electronics"),     # lower case b read as h
    ("NEXPFRIA | 74AHC2G00", "Nexperia"),                      # E read as F in an imported name
    ("TOSNIBA | 74VHC9164FT", "Toshiba"),                      # H read as N
    ("ANALOG DEVICFS | REF195", "Analog Devices"),             # a slip in a two-word name
])
def test_a_logo_read_with_an_ocr_slip_still_names_its_maker(marking, maker):
    assert default_resolver().resolve(marking).manufacturer == maker


@pytest.mark.parametrize("marking", ["KXQPZ | 74HC164", "ABCDEFG | 1N5403"])
def test_a_lot_code_of_letters_is_not_taken_for_a_slipped_logo(marking):
    assert all(t["label"] != "logo" for t in default_resolver().resolve(marking).tokens)


@pytest.mark.parametrize("marking, part", [
    ("ANALOG DEVICES | AD620 | ARZ", "AD620ARZ"),          # package and grade letters on their own line
    ("MAXIM | MAX3232 | CSE", "MAX3232CSE"),
    ("MICROCHIP | MCP4921- | ESN", "MCP4921-ESN"),          # a dash ending the line above
    ("EXAR | SPX3819M5-L | -1-8", "SPX3819M5-L-1-8"),      # a dash beginning the line, two dash groups
    ("MAXIM | MAX3232 | CHN", "MAX3232"),                  # a country code is not ordering letters
    ("ST | STM32F103 | RGT", "STM32F103RGT"),              # the maker's name begins its own part: not split off
])
def test_the_line_under_a_part_number_continues_its_ordering_code(marking, part):
    result = default_resolver().resolve(marking)
    assert result.part_number == part, result.explanation


def test_under_its_makers_logo_a_part_read_as_printed_is_not_repaired_into_no_known_part():
    """TI's regulator family pattern knows LP parts of four digits; LP38693DT-1.8 is read as printed by
    TI's own numbering (the LP series), so the repair into LP3869JDT-1.8 (known nowhere) is not taken."""
    result = default_resolver().resolve("TI | LP38693DT-1.8")
    assert (result.manufacturer, result.part_number) == ("Texas Instruments", "LP38693DT-1.8")


def test_a_long_imported_maker_name_rules_out_other_makers():
    """'Littelfuse' (an imported name) printed: SuperPix's SP pattern is not proposed over it."""
    result = default_resolver().resolve("Littelfuse | SP0505BAJT")
    assert result.manufacturer == "Littelfuse" and result.part_number == "SP0505BAJT"


def test_an_ordering_code_one_ocr_slip_from_a_listed_one_is_not_confident():
    """MT29F64G08 is a known part and the tables list its ordering code MT29F64G08CBCDBJ4...: read
    with G for C, the printed code may be either, so the answer is the part but not a confident one."""
    garbled = default_resolver().resolve("MT29F64G08GBCDBJ410ES")
    assert garbled.part_number.startswith("MT29F64G08") and garbled.confidence < 0.9
    assert "ocr.neighbour" in garbled.rules
    assert default_resolver().resolve("MT29F64G08CBCDBJ410ES").confidence >= 0.9


def test_a_known_part_as_printed_is_not_confidently_repaired_even_under_its_makers_logo():
    """A family grammar with a gap (here Nexperia's logic without its single-gate '1G' names) must not
    turn a part that the tables list as printed into one no list holds with confidence: 'repairing'
    74AHC1G08 into 74AHC1608 is speculative even under the Nexperia logo."""
    import copy
    from bomcat.catalog.resolver.resolve import Resolver
    files = copy.deepcopy(knowledge.read_files())
    family = files["nexperia"]["family"][0]
    family["part"], family["markings"] = r"74(?:LVC|HC|HCT|AHC|AHCT|LV|AUP)\d{2,4}[A-Z]?", [["74HC595D", "74HC595D"]]
    result = Resolver(knowledge.build(files, knowledge.load_catalogue())).resolve("Nexperia | 74AHC1G08")
    assert "ocr.speculative_repair" in result.rules and result.confidence < 0.9, result.explanation
    assert default_resolver().resolve("Nexperia | 74AHC1G08").part_number == "74AHC1G08"   # the real grammar


def test_a_package_code_one_slip_from_another_makers_part_is_not_confident():
    """'NX711' is a Micron package code and one H/N slip from Avia's HX711: without Micron's logo the
    code is not confident; with it, it is."""
    bare = default_resolver().resolve("NX711")
    assert bare.manufacturer == "Micron Technology" and "ocr.neighbour" in bare.rules and bare.confidence < 0.9
    assert default_resolver().resolve("MICRON | NX711").confidence >= 0.9


@pytest.mark.parametrize("marking, maker, part", [
    ("Silicon Labs | CP2102", "Silicon Labs", "CP2102"),        # not Seiko Instruments' 'SII' + 'ICON'
    ("Silicon Motion | SM3257EN", "Silicon Motion", "SM3257EN"),
    ("SIPEXSP3223EEX", "Sipex", "SP3223EEX"),                  # a logo run into a part is still split off
    ("ANALOGDEVICESAD620ARZ", "Analog Devices", "AD620ARZ"),   # a long name run in
    ("LittelfuseSP0505BAJT", "Littelfuse", "SP0505BAJT"),      # an imported name of six letters or more
    ("TIOPA2134", "Texas Instruments", "OPA2134"),             # two letters, when the rest is that maker's part
    ("STM6600", "STMicroelectronics", "STM6600"),              # not 'STM' + '6600', no part number
])
def test_a_maker_name_is_split_off_a_token_only_before_a_part_number(marking, maker, part):
    result = default_resolver().resolve(marking)
    assert (result.manufacturer, result.part_number) == (maker, part), result.explanation


def test_the_answers_stand_when_the_marking_comes_in_other_shapes(tmp_path):
    """`bench resolver --variants`: a lot line above the logo, date and lot lines below, one OCR slip
    in the logo: on catalogue parts under their maker's logo, each variant scores within 0.05 of the
    markings as printed."""
    import json

    from click.testing import CliRunner

    from bomcat.cli import main
    lines = (DATA / "catalogue-dev-logo.tsv").read_text().splitlines(keepends=True)
    header = [line for line in lines if line.startswith("#")] + [lines[2]]
    rows = tmp_path / "logo.tsv"
    rows.write_text("".join(header + lines[3::6]))   # every sixth row: ~200 parts of every maker
    out = CliRunner().invoke(main, ["bench", "resolver", "--variants", "--json", str(rows)])
    assert out.exit_code == 0, out.output
    scores = {(r["set"], r["system"]): r for r in map(json.loads, out.output.splitlines())}
    plain = scores[("logo.tsv", "bomcat")]
    for variant in ("lot above", "date and lot below", "logo slip"):
        got = scores[(f"logo.tsv + {variant}", "bomcat")]
        assert got["n"] > 50
        for key in ("manufacturer", "part_number"):
            assert float(got[key]) >= float(plain[key]) - 0.05, (variant, key, got, plain)
