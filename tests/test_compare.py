"""Comparing two devices' BOM lines (`catalog.compare`): parts in both or one, a designator holding
another part, suppliers, and the components not identified yet."""
from __future__ import annotations

from bomcat.catalog.compare import compare_lines
from bomcat.catalog.lines import ComponentLine
from bomcat.catalog.models import ComponentStatus


def line(i: int, part, maker, designator=None, device="a") -> ComponentLine:
    return ComponentLine(i, device, device.upper(), part, part, maker, "Japan" if maker == "ROHM" else "Taiwan",
                         "flash", None, 0.9, ComponentStatus.verified, i, designator, 1, "0" * 64,
                         (1.0, 1.0, 2.0, 2.0, 0.0), None, None, None)


def test_parts_in_both_in_one_and_a_designator_with_another_part():
    a = [line(1, "MX25L12835F", "Macronix", "U3"), line(2, "BR24G256", "ROHM", "U5"),
         line(3, "BR24G256", "ROHM", "U6"), line(4, None, None, "U9")]
    b = [line(11, "W25Q128JV", "Winbond", "U3", "b"), line(12, "br24g-256", "ROHM", "U5", "b")]
    found = compare_lines(a, b)
    assert [(p["part_number"], p["count_a"], p["count_b"]) for p in found["parts"]["both"]] == [("BR24G256", 2, 1)]
    assert [p["part_number"] for p in found["parts"]["only_a"]] == ["MX25L12835F"]
    assert [p["part_number"] for p in found["parts"]["only_b"]] == ["W25Q128JV"]
    assert found["changed"] == [{"designator": "U3", "a": {"part_number": "MX25L12835F", "manufacturer": "Macronix"},
                                 "b": {"part_number": "W25Q128JV", "manufacturer": "Winbond"}}]
    assert found["suppliers"] == {"both": ["ROHM"], "only_a": ["Macronix"], "only_b": ["Winbond"]}
    assert found["unidentified"] == {"a": 1, "b": 0}


def test_the_same_part_number_of_two_makers_is_two_parts():
    found = compare_lines([line(1, "FM25Q64", "Fudan Microelectronics")], [line(2, "FM25Q64", "Dosilicon", device="b")])
    assert not found["parts"]["both"] and found["parts"]["only_a"] and found["parts"]["only_b"]
