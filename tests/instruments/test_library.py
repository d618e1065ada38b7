"""The bundled instruments: what they must hold, and what licensed ones must not."""

from __future__ import annotations

import pytest

from buoy.instruments.domain.definition import Instrument
from buoy.instruments.domain.library import (
    UnknownInstrument,
    bundled_instrument,
    bundled_instruments,
)

IDS = ["brs", "cdrisc10", "csi", "gad7", "k10", "k6", "mspss", "pedsql_fim", "phq9", "who5"]
IDS += ["zbi22"]
LICENSED = ["cdrisc10", "pedsql_fim", "zbi22"]
WITH_ENGLISH = ["brs", "csi", "gad7", "k10", "k6", "mspss", "phq9", "who5"]


def test_the_library_has_the_instruments_of_the_issue() -> None:
    assert [i.id for i in bundled_instruments()] == sorted(IDS)


def test_an_unknown_id_names_the_ones_there_are() -> None:
    with pytest.raises(UnknownInstrument, match=r"no bundled instrument 'cdrisc25' \(bundled: brs"):
        bundled_instrument("cdrisc25")


@pytest.mark.parametrize("instrument", bundled_instruments(), ids=lambda i: i.id)
def test_every_instrument_names_its_source_licence_and_the_sources_of_its_numbers(
    instrument: Instrument,
) -> None:
    assert instrument.citation
    assert instrument.licence.status in ("free", "public_domain", "licensed")
    assert instrument.licence.note
    assert all(band.source for band in instrument.bands)
    assert all(norm.source for norm in instrument.norms)
    assert instrument.name["en"]
    assert instrument.description["en"]


@pytest.mark.parametrize("instrument_id", LICENSED)
def test_licensed_instruments_carry_no_wording(instrument_id: str) -> None:
    instrument = bundled_instrument(instrument_id)
    assert instrument.licence.status == "licensed"
    assert all(item.text == {} for item in instrument.items)
    assert instrument.instructions == {}
    for response_set in instrument.response_sets.values():
        for option in response_set.options:
            assert set(option.label.values()) <= {str(option.value)}, "neutral labels only"


@pytest.mark.parametrize("instrument_id", WITH_ENGLISH)
def test_free_instruments_with_checked_wording_have_english_for_every_item(
    instrument_id: str,
) -> None:
    instrument = bundled_instrument(instrument_id)
    assert instrument.has_wording("en")
    for response_set in instrument.response_sets.values():
        assert all(option.label.get("en") for option in response_set.options)


def test_no_definition_carries_chinese_item_wording() -> None:
    """The published Chinese wordings ship beside the definitions (library/wordings/, ADR
    0010), so that installing them never changes a definition that past scores name."""
    for instrument in bundled_instruments():
        assert not any("zh-hans" in item.text for item in instrument.items), instrument.id


def test_cdrisc10_is_structured_as_the_issue_says() -> None:
    cdrisc10 = bundled_instrument("cdrisc10")
    assert [item.id for item in cdrisc10.items] == [f"item{k}" for k in range(1, 11)]
    assert [o.value for o in cdrisc10.response_sets["cdrisc_0_4"].options] == [0, 1, 2, 3, 4]
    assert (cdrisc10.total.method, cdrisc10.total.min_answered) == ("prorated_sum", 7)
    assert cdrisc10.subscales == ()
    assert cdrisc10.bands == ()
    groups = {group.id: group.items for group in cdrisc10.item_groups}
    assert groups == {
        "adapt": ("item1", "item2", "item5"),
        "overcome": ("item6", "item8", "item9"),
        "feelings": ("item3", "item4", "item7", "item10"),
    }
    for group in cdrisc10.item_groups:
        assert set(group.label) == {"en", "zh-hans"}
        assert "not a subscale" in group.description["en"].lower()
    assert "Connor" in cdrisc10.licence.holder
    assert "Davidson" in cdrisc10.licence.holder


def test_cdrisc10_norms_default_to_chinese_parents_with_us_quartiles_as_the_alternative() -> None:
    ye, us = bundled_instrument("cdrisc10").norms
    assert (ye.id, ye.default, ye.mean, ye.sd, ye.reliability, ye.reliability_kind) == (
        "ye2017",
        True,
        23.0,
        5.7,
        0.78,
        "test-retest",
    )
    assert ye.quartiles == ()
    assert (us.default, us.mean, us.sd, us.reliability, us.reliability_kind) == (
        False,
        31.8,
        5.4,
        0.85,
        "alpha",
    )
    assert us.quartiles == ((0, 29), (30, 32), (33, 36), (37, 40))


def test_phq9_has_its_bands_its_safety_rule_and_an_unscored_difficulty_question() -> None:
    phq9 = bundled_instrument("phq9")
    assert [(b.low, b.high) for b in phq9.bands] == [(0, 4), (5, 9), (10, 14), (15, 19), (20, 27)]
    (rule,) = phq9.safety_rules
    assert (rule.item, rule.above) == ("item9", 0)
    assert [i.id for i in phq9.items if not i.scored] == ["item10"]
    assert len(phq9.scored_items) == 9


def test_mspss_subscales_are_the_authors_three() -> None:
    mspss = bundled_instrument("mspss")
    subscales = {rule.id: rule.items for rule in mspss.subscales}
    assert subscales == {
        "significant_other": ("item1", "item2", "item5", "item10"),
        "family": ("item3", "item4", "item8", "item11"),
        "friends": ("item6", "item7", "item9", "item12"),
    }
