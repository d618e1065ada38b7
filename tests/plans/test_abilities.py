"""The CD-RISC-10 ability profile: items → abilities as in the domain reference (§1.7), item
means, weak abilities at a threshold, and the 7-of-10 rule for missing items (§1.1)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from buoy.instruments.domain.definition import ItemGroup
from buoy.instruments.domain.library import bundled_instrument
from buoy.plans.domain.abilities import (
    ABILITIES,
    WEAK_AT_MOST,
    AbilityProfileError,
    ability_items,
    ability_profile,
)
from tests.shared_files import shared


def reference_mapping() -> dict[str, tuple[int, ...]]:
    """The §1.7 table: ability letter → the item numbers in bold in its row."""
    text = shared("domain", "reference.md").read_text(encoding="utf-8")
    start = text.index("### 1.7 Mapping items")
    section = text[start : text.index("\n## ", start)]
    mapping = {}
    for line in section.splitlines():
        row = re.match(r"^\| \*\*([ABC])\. [^|]*\| ([^|]*)\|", line)
        if row:
            mapping[row[1]] = tuple(int(n) for n in re.findall(r"\*\*(\d+)\*\*", row[2]))
    return mapping


def answers(**scores: object) -> dict[str, object]:
    """All ten items at 3, with the given items (``item4=1``) changed."""
    base: dict[str, object] = {f"item{n}": 3 for n in range(1, 11)}
    base.update(scores)
    return base


def test_items_map_to_abilities_as_in_the_reference() -> None:
    reference = reference_mapping()
    assert set(reference) == set(ABILITIES)
    mapped = ability_items()
    for ability, numbers in reference.items():
        assert sorted(mapped[ability]) == sorted(f"item{n}" for n in numbers), ability


def test_every_item_belongs_to_exactly_one_ability() -> None:
    items = [item for group in ability_items().values() for item in group]
    assert sorted(items) == sorted(f"item{n}" for n in range(1, 11))


def test_item_mean_per_ability() -> None:
    profile = ability_profile(
        answers(item1=1, item2=2, item5=0, item6=4, item8=4, item9=3, item3=2, item10=1)
    )
    assert profile.mean("A") == pytest.approx(1.0)  # (1 + 2 + 0) / 3
    assert profile.mean("B") == pytest.approx(11 / 3)
    assert profile.mean("C") == pytest.approx((2 + 3 + 3 + 1) / 4)  # items 3, 4, 7, 10
    assert profile.status == "valid"
    assert profile.answered == 10
    assert profile.missing == ()
    assert profile.abilities["A"].name["en"] == "Adapting to life changes"
    assert profile.abilities["A"].name["zh-hans"] == "适应生活变化"


def test_weak_ability_is_at_or_below_the_threshold() -> None:
    profile = ability_profile(answers(item1=2, item2=2, item5=2, item10=1, item3=2))
    # A: 2.0 (at the default threshold); B: 3.0; C: (2 + 3 + 3 + 1) / 4 = 2.25
    assert WEAK_AT_MOST == 2.0
    assert profile.weak() == ("A",)
    assert profile.weak(at_most=2.25) == ("A", "C")
    assert profile.weak(at_most=1.99) == ()
    assert profile.weak(at_most=4) == ("A", "B", "C")
    assert profile.abilities["C"].low_items() == ("item3", "item10")
    assert profile.abilities["C"].low_items(at_most=1) == ("item10",)


def test_answers_as_text_are_read_as_the_scale_reads_them() -> None:
    profile = ability_profile(answers(item1="1", item2=" 2 ", item5="0"))
    assert profile.mean("A") == pytest.approx(1.0)


def test_seven_answered_items_give_a_prorated_profile_over_the_answered_items() -> None:
    profile = ability_profile(answers(item1=None, item6="", item10=None, item2=1, item5=2))
    assert profile.status == "prorated"
    assert profile.answered == 7
    assert profile.missing == ("item1", "item6", "item10")
    assert profile.mean("A") == pytest.approx(1.5)  # items 2 and 5 only
    assert profile.abilities["A"].missing == ("item1",)
    assert profile.mean("C") == pytest.approx(3.0)  # items 3, 4, 7


def test_an_ability_with_no_answered_item_has_no_mean_and_is_not_called_weak() -> None:
    profile = ability_profile(answers(item1=None, item2=None, item5=None, item6=0, item8=0))
    assert profile.mean("A") is None
    assert profile.abilities["A"].is_weak() is None
    assert profile.weak() == ("B",)  # (0 + 0 + 3) / 3 = 1.0


def test_fewer_than_seven_answered_items_give_no_profile() -> None:
    with pytest.raises(AbilityProfileError) as raised:
        ability_profile(answers(item1=None, item2=None, item3=None, item4=None))
    assert raised.value.field == "answers"
    assert "6 of 10 items answered; at least 7 needed" in raised.value.message
    assert "item1" in raised.value.message


def test_no_answers_give_no_profile() -> None:
    with pytest.raises(AbilityProfileError, match="0 of 10 items answered"):
        ability_profile({})


@pytest.mark.parametrize("value", [5, -1, "often", 2.5])
def test_an_answer_outside_the_scale_is_an_error_on_its_item(value: object) -> None:
    with pytest.raises(AbilityProfileError) as raised:
        ability_profile(answers(item4=value))
    assert raised.value.field == "item4"


def test_an_unknown_item_is_an_error_on_that_item() -> None:
    with pytest.raises(AbilityProfileError) as raised:
        ability_profile(answers(item11=3))
    assert raised.value.field == "item11"


@pytest.mark.parametrize("threshold", [-0.5, 4.5, "2", True, float("nan")])
def test_a_threshold_outside_zero_to_four_is_refused(threshold: object) -> None:
    profile = ability_profile(answers())
    with pytest.raises(AbilityProfileError) as raised:
        profile.weak(at_most=threshold)  # type: ignore[arg-type]
    assert raised.value.field == "weak_at_most"


def test_a_department_that_moves_an_item_moves_it_in_the_profile() -> None:
    bundled = bundled_instrument("cdrisc10")
    groups = tuple(
        ItemGroup(id=g.id, items=tuple(i for i in g.items if i != "item4"), label=g.label)
        if g.id == "feelings"
        else ItemGroup(id=g.id, items=(*g.items, "item4"), label=g.label)
        if g.id == "overcome"
        else g
        for g in bundled.item_groups
    )
    edited = replace(bundled, item_groups=groups)
    profile = ability_profile(answers(item4=0), instrument=edited)
    assert "item4" in profile.abilities["B"].items
    assert profile.mean("B") == pytest.approx(9 / 4)
    assert profile.mean("C") == pytest.approx(3.0)


def test_a_definition_without_an_ability_group_is_refused() -> None:
    bundled = bundled_instrument("cdrisc10")
    edited = replace(bundled, item_groups=tuple(g for g in bundled.item_groups if g.id != "adapt"))
    with pytest.raises(AbilityProfileError) as raised:
        ability_profile(answers(), instrument=edited)
    assert raised.value.field == "item_groups"
    assert "'adapt'" in raised.value.message
