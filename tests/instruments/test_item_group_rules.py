"""The pure rules for a department's item groups, without a database."""

from __future__ import annotations

import pytest

from buoy.instruments.domain.definition import (
    DefinitionError,
    GroupProblem,
    ItemGroup,
    instrument_from_dict,
    instrument_to_dict,
    item_group_problems,
    with_item_groups,
)
from buoy.instruments.domain.library import bundled_instrument

CDRISC10 = bundled_instrument("cdrisc10")
LABEL = {"en": "Adapting", "zh-hans": "适应"}


def test_the_bundled_three_abilities_pass_the_rules() -> None:
    assert item_group_problems(CDRISC10, CDRISC10.item_groups) == []


def test_every_problem_of_every_group_is_named_with_its_place() -> None:
    groups = [
        ItemGroup("adapt", ("item1",), LABEL),
        ItemGroup("adapt", (), {"en": "Again"}),
        ItemGroup("", ("item11", "item1", "item11"), {"en": " ", "zh-hans": "空"}),
    ]
    assert item_group_problems(CDRISC10, groups) == [
        GroupProblem(1, "id", "duplicate", ("adapt",)),
        GroupProblem(1, "label.zh-hans", "missing"),
        GroupProblem(1, "items", "empty"),
        GroupProblem(2, "id", "missing"),
        GroupProblem(2, "label.en", "missing"),
        GroupProblem(2, "items", "unknown", ("item11",)),
    ]


def test_no_groups_at_all_is_allowed() -> None:
    assert item_group_problems(CDRISC10, []) == []
    assert with_item_groups(CDRISC10, []).item_groups == ()


def test_new_groups_are_tidied_and_nothing_else_changes() -> None:
    edited = with_item_groups(
        CDRISC10,
        [ItemGroup(" adapt ", ("item5", "item1", "item5"), {**LABEL, "en": " Adapting "})],
    )
    assert edited.item_groups == (ItemGroup("adapt", ("item1", "item5"), LABEL),)
    assert edited.version == CDRISC10.version  # the caller gives it the next one
    assert {**instrument_to_dict(edited), "item_groups": None} == {
        **instrument_to_dict(CDRISC10),
        "item_groups": None,
    }
    assert instrument_from_dict(instrument_to_dict(edited)) == edited


def test_refused_groups_raise_a_definition_error_with_the_path() -> None:
    with pytest.raises(DefinitionError, match=r"item_groups\[0\]\.items: .*item11"):
        with_item_groups(CDRISC10, [ItemGroup("a", ("item11",), LABEL)])
