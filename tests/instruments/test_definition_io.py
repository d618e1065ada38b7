"""The native format written back out, read from files, and merged with a site's wording."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from buoy.instruments.domain.definition import (
    DefinitionError,
    instrument_from_dict,
    instrument_to_dict,
    load_instrument_file,
    merge_wording,
    read_json_file,
)
from buoy.instruments.domain.library import bundled_instrument, bundled_instruments
from tests.shared_files import LIBRARY

EVERYTHING: dict[str, Any] = {
    "format": 1,
    "id": "every-field",
    "version": 3,
    "name": {"en": "Every field", "zh-hans": "所有字段"},
    "description": "Uses every optional field once.",
    "instructions": {"en": "Answer each question."},
    "citation": "Nobody 2026.",
    "licence": {"status": "licensed", "holder": "Someone", "note": "Scoring only."},
    "response_sets": {
        "r": {
            "options": [
                {"value": 0, "label": {"en": "never"}},
                {"value": 1, "score": 5},
                {"value": "dk", "label": "don't know"},
                {"value": 2.5, "score": None},
            ]
        },
        "yn": {"options": [{"value": 1}, {"value": 0}]},
    },
    "items": [
        {"id": "a", "options": "r", "text": {"en": "A?"}, "reverse": True, "weight": 1.5},
        {"id": "b", "number": 7, "kind": "number", "min": 0, "max": 9, "reverse": True},
        {"id": "c", "kind": "yesno", "options": "yn", "scored": False},
        {"id": "d", "kind": "text", "identifier": True},
        {"id": "e", "kind": "text", "scored": True},
    ],
    "total": {"method": "weighted_sum", "items": ["a", "b"], "min_answered": 1, "multiplier": 2},
    "subscales": [{"id": "s", "method": "mean", "items": ["a"], "label": "S"}],
    "item_groups": [{"id": "g", "items": ["a", "c"], "label": "G", "description": "why"}],
    "bands": [{"scale": "s", "low": 0, "high": 2, "label": "low", "source": "made up"}],
    "norms": [
        {
            "id": "n",
            "population": "people",
            "mean": 1,
            "sd": 0.5,
            "reliability": 0.8,
            "reliability_kind": "alpha",
            "n": 10,
            "source": "made up",
            "quartiles": [[0, 1], [1, 2], [2, 3], [3, 4]],
            "default": True,
        }
    ],
    "safety_rules": [{"id": "alert", "item": "a", "above": 0, "message": "call"}],
    "extras": {"redcap_form": "every_field", "calc": ["[a]*2"]},
}


@pytest.mark.parametrize("instrument", bundled_instruments(), ids=lambda i: i.id)
def test_every_bundled_instrument_survives_a_round_trip(instrument: Any) -> None:
    written = instrument_to_dict(instrument)
    through_json = json.loads(json.dumps(written, ensure_ascii=False))
    assert instrument_from_dict(through_json) == instrument
    assert instrument_to_dict(instrument_from_dict(through_json)) == written


def test_a_definition_using_every_field_survives_a_round_trip() -> None:
    instrument = instrument_from_dict(EVERYTHING)
    assert instrument_from_dict(json.loads(json.dumps(instrument_to_dict(instrument)))) == (
        instrument
    )


def test_written_definitions_leave_defaults_out() -> None:
    written = instrument_to_dict(bundled_instrument("cdrisc10"))
    assert written["items"][0] == {"id": "item1", "options": "cdrisc_0_4"}
    assert "min_answered" in written["total"]
    assert "subscales" not in written


def test_the_bundled_files_are_what_the_writer_writes() -> None:
    """The library files stay in the writer's normal form, so exports diff cleanly."""
    folder = LIBRARY
    for instrument in bundled_instruments():
        on_disk = json.loads((folder / f"{instrument.id}.json").read_text(encoding="utf-8"))
        assert instrument_from_dict(on_disk) == instrument
        assert set(instrument_to_dict(instrument)) == set(on_disk)


# --- files -----------------------------------------------------------------------------------


def test_a_definition_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "every.json"
    path.write_text(json.dumps(EVERYTHING), encoding="utf-8")
    assert load_instrument_file(path).id == "every-field"


def test_a_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(EVERYTHING).encode())
    assert load_instrument_file(path).version == "3"


def test_bad_json_is_refused_with_the_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "id": "x",\n  "version": 1,,\n}', encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_instrument_file(path)
    assert str(caught.value).startswith(f"{path}: line 3, column 16: ")


def test_a_truncated_file_is_refused_with_where_it_ends(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(EVERYTHING)[:200], encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"cut\.json: line 1, column \d+"):
        load_instrument_file(path)


def test_a_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "image.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(DefinitionError, match="looks binary"):
        load_instrument_file(path)


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"name": "caf\xe9"}'.encode("latin-1"))
    with pytest.raises(DefinitionError, match=r"not UTF-8 text \(byte 14\)"):
        load_instrument_file(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="cannot be read: No such file"):
        read_json_file(tmp_path / "absent.json")


def test_a_valid_json_file_with_a_bad_definition_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**EVERYTHING, "bands": [{"low": 0}]}), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"bad\.json: bands\[0\]\.high: is missing"):
        load_instrument_file(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"bands": {"low": 0}}, "bands: expected a list"),
        ({"norms": ["x"]}, r"norms\[0\]: expected an object"),
        ({"items": [{"id": "a", "kind": "yesno", "options": "nope"}]}, "unknown response set"),
        ({"items": [{"id": "a", "kind": "number", "reverse": True}]}, "needs min and max"),
        ({"items": [{"id": "a", "options": "r", "number": "one"}]}, "expected a whole number"),
    ],
)
def test_malformed_parts_are_refused_with_their_path(change: dict[str, Any], message: str) -> None:
    data = {**EVERYTHING, **change}
    if "items" in change:
        data.update(total={"method": "sum", "items": ["a"]}, subscales=[], item_groups=[])
        data.update(safety_rules=[], bands=[])
    with pytest.raises(DefinitionError, match=message):
        instrument_from_dict(data)


# --- licensed wording --------------------------------------------------------------------------


def wording(**change: Any) -> dict[str, Any]:
    return {
        "instrument": "cdrisc10",
        "version": "1",
        "language": "zh-hans",
        "items": {f"item{k}": f"（授权文本 {k}）" for k in range(1, 11)},
        "options": {"cdrisc_0_4": {"0": "（选项 0）", "4": "（选项 4）"}},
        **change,
    }


def test_a_site_wording_file_adds_item_texts_and_option_labels() -> None:
    cdrisc10 = bundled_instrument("cdrisc10")
    assert not cdrisc10.has_wording("zh-hans")
    merged = merge_wording(cdrisc10, wording(instructions="（说明）"), source="site.json")
    assert merged.has_wording("zh-hans")
    assert merged.item("item3").text == {"zh-hans": "（授权文本 3）"}
    labels = {str(o.value): o.label for o in merged.response_sets["cdrisc_0_4"].options}
    assert labels["0"] == {"en": "0", "zh-hans": "（选项 0）"}
    assert labels["1"] == {"en": "1", "zh-hans": "1"}
    assert merged.instructions == {"zh-hans": "（说明）"}
    assert merged.total == cdrisc10.total
    assert not cdrisc10.has_wording("zh-hans"), "the bundled definition is left as it was"


def test_a_wording_file_may_carry_several_languages() -> None:
    data = wording(items={"item1": {"en": "(licensed 1)", "zh-hans": "（授权 1）"}}, options={})
    del data["language"]
    merged = merge_wording(bundled_instrument("cdrisc10"), data)
    assert merged.item("item1").text == {"en": "(licensed 1)", "zh-hans": "（授权 1）"}
    assert merged.item("item2").text == {}
    assert not merged.has_wording("en")


def test_a_second_import_replaces_only_its_own_language() -> None:
    first = merge_wording(bundled_instrument("cdrisc10"), wording())
    second = merge_wording(first, wording(language="en", items={"item1": "(licensed 1)"}))
    assert second.item("item1").text == {"zh-hans": "（授权文本 1）", "en": "(licensed 1)"}


def test_unknown_items_in_a_wording_file_are_all_named() -> None:
    data = wording(items={"item1": "一", "item11": "十一", "q12": "十二"})
    with pytest.raises(DefinitionError) as caught:
        merge_wording(bundled_instrument("cdrisc10"), data, source="site.json")
    assert str(caught.value).startswith("site.json: items: unknown items item11, q12 ")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"instrument": "brs"}, "the file is for 'brs', not 'cdrisc10'"),
        ({"version": "2"}, "version '2'; this definition is version '1'"),
        ({"language": "Chinese"}, "lower-case language code"),
        ({"items": {"item1": ""}}, r"items\.item1: expected non-empty text"),
        ({"options": {"agree5": {}}}, "unknown response set"),
        ({"options": {"cdrisc_0_4": {"7": "x"}}}, "unknown option value"),
        ({"colour": "red"}, "unknown keys: colour"),
    ],
)
def test_a_wrong_wording_file_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        merge_wording(bundled_instrument("cdrisc10"), wording(**change))


def test_a_wording_file_is_read_like_a_definition(tmp_path: Path) -> None:
    path = tmp_path / "cdrisc10_items.local.json"
    path.write_text(json.dumps(wording(), ensure_ascii=False), encoding="utf-8")
    merged = merge_wording(bundled_instrument("cdrisc10"), read_json_file(path), source=str(path))
    assert merged.has_wording("zh-hans")
