"""The bundled strengths codebook and the pure codebook loader and tree rules.

The English names, definitions and example excerpts are compared with the draft codebook table
in the shared domain reference (§5.2), so the test fails when either drifts.
"""

from __future__ import annotations

import colorsys
import copy
import json
import re
from collections import Counter
from importlib import resources
from typing import Any

import pytest

from buoy.coding.domain.codebook import (
    LEVELS,
    CodebookDefinition,
    CodebookError,
    UnknownCodebook,
    bundled_codebook,
    can_move,
    codebook_to_dict,
    descendants,
    load_codebook,
    parents,
    rollup_counts,
    walk,
)
from tests.shared_files import REPOSITORY, shared

CJK = re.compile(r"[\u3400-\u9fff]")
LEVEL_OF = {
    "IND": "individual",
    "FAM": "family",
    "SOC": "social",
    "MED": "medical",
    "ECO": "economic",
    "CUL": "cultural",
}
OPTIONAL_EXTRA_CODES = {"R-CUL-03", "R-CUL-04"}


def reference_rows() -> dict[str, dict[str, str]]:
    """The rows of the §5.2 tables: id -> English name, Chinese in brackets, definition,
    example (without its quotation marks)."""
    text = shared("domain", "reference.md").read_text(encoding="utf-8")
    start = text.index("### 5.2 Draft codebook")
    section = text[start : text.index("\n## ", start)]
    rows = {}
    for line in section.splitlines():
        if not re.match(r"^\| [PR]-[A-Z]{3}-\d{2} ", line):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == 3, line
        code_id, _, name = cells[0].partition(" ")
        chinese = ""
        bracket = re.match(r"^(.*) \(([^()]*)\)$", name)
        if bracket and CJK.search(bracket[2]):
            name, chinese = bracket[1], bracket[2]
        example = cells[2]
        assert example.startswith('"'), line
        assert example.endswith('"'), line
        rows[code_id] = {
            "name": name,
            "chinese": chinese,
            "definition": cells[1],
            "example": example[1:-1],
        }
    return rows


def bundled_data() -> dict[str, Any]:
    entry = resources.files("buoy.coding").joinpath("codebooks", "strengths_v1.json")
    data: dict[str, Any] = json.loads(entry.read_text(encoding="utf-8"))
    return data


def minimal(**root: Any) -> dict[str, Any]:
    """A small valid codebook: one category with two codes, one of them with a child."""
    return {
        "format": 1,
        "id": "tiny",
        "version": "1",
        "name": {"en": "Tiny"},
        "roots": [
            {
                "id": "cat",
                "name": {"en": "Category"},
                "codable": False,
                "children": [
                    {"id": "a", "name": {"en": "A"}, "colour": "#AABBCC"},
                    {
                        "id": "b",
                        "name": {"en": "B", "zh-hans": "乙"},
                        "children": [{"id": "b1", "name": {"en": "B one"}}],
                    },
                ],
                **root,
            }
        ],
    }


def contrast_with_dark_text(colour: str) -> float:
    """WCAG 2 contrast ratio of `colour` against #1F2328 (near-black body text)."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    return (luminance(colour) + 0.05) / (luminance("#1F2328") + 0.05)


def hue(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hls(r, g, b)[0] * 360


# --- the bundled codebook ------------------------------------------------------------------


def test_the_bundled_codebook_has_46_codes_26_protective_and_20_risk():
    codes = bundled_codebook().codes()
    assert len(codes) == 46
    assert Counter(code.valence for code in codes) == {"protective": 26, "risk": 20}


def test_per_level_counts_match_the_reference():
    counts = Counter((code.valence, code.level) for code in bundled_codebook().codes())
    assert counts == {
        ("protective", "individual"): 8,
        ("protective", "family"): 5,
        ("protective", "social"): 4,
        ("protective", "medical"): 3,
        ("protective", "economic"): 3,
        ("protective", "cultural"): 3,
        ("risk", "individual"): 5,
        ("risk", "family"): 4,
        ("risk", "social"): 2,
        ("risk", "medical"): 4,
        ("risk", "economic"): 3,
        ("risk", "cultural"): 2,
    }


def test_the_tree_is_two_roots_six_level_categories_each_then_codes():
    defn = bundled_codebook()
    assert [root.id for root in defn.roots] == ["P", "R"]
    for root, valence in zip(defn.roots, ("protective", "risk"), strict=True):
        assert not root.codable
        assert root.valence == valence
        assert [c.level for c in root.children] == list(LEVELS)
        for category in root.children:
            assert not category.codable
            assert category.id == f"{root.id}-{category.id.split('-')[1]}"
            assert category.valence == valence
            for code in category.children:
                assert code.codable
                assert not code.children
                assert code.id.startswith(category.id + "-")
                assert (code.valence, code.level) == (valence, category.level)
                assert code.level == LEVEL_OF[code.id.split("-")[1]]


def test_codes_and_ids_match_the_reference_table():
    rows = reference_rows()
    assert len(rows) == 46
    assert [code.id for code in bundled_codebook().codes()] == list(rows)


def test_english_names_definitions_and_examples_equal_the_reference_table():
    rows = reference_rows()
    for code in bundled_codebook().codes():
        row = rows[code.id]
        assert code.name["en"] == row["name"], code.id
        assert code.definition["en"] == row["definition"], code.id
        assert code.example["en"] == row["example"], code.id


def test_chinese_names_use_the_chinese_the_reference_gives():
    rows = reference_rows()
    given = {code_id: row["chinese"] for code_id, row in rows.items() if row["chinese"]}
    assert len(given) >= 10
    defn = bundled_codebook()
    for code_id, chinese in given.items():
        assert defn.node(code_id).name["zh-hans"] == chinese, code_id


def test_every_node_has_english_and_chinese_names_and_definitions():
    for node, _parent, _depth in walk(bundled_codebook()):
        for text in (node.name, node.definition):
            assert set(text) == {"en", "zh-hans"}, node.id
            assert all(value.strip() for value in text.values()), node.id
            assert CJK.search(text["zh-hans"]), node.id
        if node.codable:
            assert set(node.example) == {"en", "zh-hans"}, node.id


def test_notes_come_in_both_languages_and_name_only_codes_that_exist():
    defn = bundled_codebook()
    ids = set(parents(defn))
    noted = 0
    for node, _parent, _depth in walk(defn):
        for note in (node.inclusion, node.exclusion):
            if not note:
                continue
            noted += 1
            assert set(note) == {"en", "zh-hans"}, node.id
            for text in note.values():
                named = set(re.findall(r"[PR]-[A-Z]{3}-\d{2}", text))
                assert named <= ids | OPTIONAL_EXTRA_CODES, (node.id, named - ids)
    assert noted >= 46


def test_boundaries_the_reference_asks_for_have_notes():
    defn = bundled_codebook()

    def points_to(code_id: str, other: str) -> bool:
        node = defn.node(code_id)
        return any(other in note.get("en", "") for note in (node.inclusion, node.exclusion))

    for code_id, other in [
        ("P-IND-01", "R-IND-01"),
        ("R-IND-01", "P-IND-01"),
        ("P-MED-02", "R-MED-01"),
        ("R-MED-01", "P-MED-02"),
        ("P-IND-04", "R-IND-05"),
        ("R-IND-05", "P-IND-04"),
        ("P-FAM-01", "P-FAM-04"),
        ("P-FAM-04", "P-FAM-01"),
        ("R-ECO-01", "R-ECO-03"),
        ("R-ECO-03", "R-ECO-01"),
    ]:
        assert points_to(code_id, other), (code_id, other)


def test_ids_are_unique():
    ids = [node.id for node, _parent, _depth in walk(bundled_codebook())]
    assert len(ids) == len(set(ids)) == 46 + 12 + 2


def test_moderators_follow_the_coding_rules():
    by_moderator: dict[str | None, set[str]] = {}
    for code in bundled_codebook().codes():
        by_moderator.setdefault(code.moderator, set()).add(code.id)
    assert by_moderator["initiative"] == {"P-IND-01", "R-IND-01"}
    assert by_moderator["disease_condition"] == {"P-MED-02", "R-MED-01"}
    assert by_moderator["culture"] == {"P-CUL-01", "P-CUL-02", "P-CUL-03", "R-CUL-01", "R-CUL-02"}


def test_walsh_processes_follow_the_reference_mapping():
    by_process: dict[str | None, set[str]] = {}
    for code in bundled_codebook().codes():
        by_process.setdefault(code.walsh, set()).add(code.id)
    assert by_process["belief_systems"] == {"P-IND-02", "P-IND-03", "P-CUL-01", "R-CUL-02"}
    assert by_process["organisation"] == {
        "P-FAM-01",
        "P-FAM-03",
        *(f"P-ECO-0{n}" for n in (1, 2, 3)),
        *(f"R-ECO-0{n}" for n in (1, 2, 3)),
    }
    assert by_process["communication"] == {"P-FAM-02", "R-FAM-01"}


def test_colours_are_distinct_readable_and_in_the_valence_palette():
    nodes = [node for node, _parent, _depth in walk(bundled_codebook())]
    colours = [node.colour for node in nodes]
    assert all(c is not None and re.fullmatch(r"#[0-9A-F]{6}", c) for c in colours)
    assert len(set(colours)) == len(colours)
    for node in nodes:
        assert node.colour is not None
        ratio = contrast_with_dark_text(node.colour)
        assert ratio >= (7 if node.codable else 4.5), (node.id, round(ratio, 2))
        angle = hue(node.colour)
        if node.valence == "protective":  # greens and blues
            assert 90 <= angle <= 250, (node.id, angle)
        else:  # reds and oranges (amber at most)
            assert angle <= 50 or angle >= 330, (node.id, angle)


def test_the_bundled_file_is_exactly_what_codebook_to_dict_writes():
    data = bundled_data()
    assert codebook_to_dict(load_codebook(data)) == data


def test_the_bundled_codebook_names_its_sources_and_licence():
    defn = bundled_codebook()
    assert (defn.id, defn.version) == ("strengths", "1")
    for cited in ("Saleebey", "Walsh", "2003", "Masten", "2001", "Richardson", "2002"):
        assert cited in defn.source
    assert "Apache" in defn.licence


def test_asking_for_an_unknown_bundled_codebook_lists_the_known_ones():
    assert bundled_codebook("strengths", version="1") is bundled_codebook()
    with pytest.raises(UnknownCodebook, match=r"'nothing'.*strengths version 1"):
        bundled_codebook("nothing")
    with pytest.raises(UnknownCodebook, match="strengths version 9"):
        bundled_codebook("strengths", version="9")


# --- reading and writing -------------------------------------------------------------------


def test_round_trip_keeps_every_field():
    data = minimal()
    data["roots"][0]["children"][0].update(
        definition={"en": "Def", "zh-hans": "定义"},
        example={"en": "Ex"},
        inclusion={"en": "In"},
        exclusion={"en": "Out"},
        valence="risk",
        level="economic",
        moderator="culture",
        walsh="communication",
    )
    data["source"] = "Somewhere"
    data["licence"] = "CC0"
    defn = load_codebook(data)
    assert codebook_to_dict(defn) == data
    assert load_codebook(codebook_to_dict(defn)) == defn


def test_depth_is_not_limited():
    data = minimal()
    node = data["roots"][0]
    for depth in range(2000):
        child = {"id": f"n{depth}", "name": {"en": f"Level {depth}"}}
        node["children"] = [child]
        node = child
    defn = load_codebook(data)
    deepest = max(walk(defn), key=lambda row: row[2])
    assert (deepest[0].id, deepest[1], deepest[2]) == ("n1999", "n1998", 2000)
    # Written back and read again; compared row by row, as == on 2000-deep values recurses.
    again = load_codebook(codebook_to_dict(defn))
    assert [(n.id, p, d) for n, p, d in walk(again)] == [(n.id, p, d) for n, p, d in walk(defn)]


def test_walk_is_in_document_order_with_parents_and_depths():
    rows = [(node.id, parent, depth) for node, parent, depth in walk(load_codebook(minimal()))]
    assert rows == [("cat", None, 0), ("a", "cat", 1), ("b", "cat", 1), ("b1", "b", 2)]


@pytest.mark.parametrize(
    ("change", "path", "why"),
    [
        (
            lambda d: d["roots"][0]["children"][1].update(color="#000000"),
            "roots[0].children[1]",
            "unknown key: color",
        ),
        (lambda d: d.update(extra=1), "", "unknown key: extra"),
        (
            lambda d: d["roots"][0]["children"][1]["children"][0].update(name={"zh-hans": "一"}),
            "roots[0].children[1].children[0].name",
            "no English",
        ),
        (
            lambda d: d["roots"][0]["children"][0].pop("name"),
            "roots[0].children[0].name",
            "is missing",
        ),
        (
            lambda d: d["roots"][0]["children"][0].update(name={"en": "  "}),
            "roots[0].children[0].name.en",
            "is empty",
        ),
        (
            lambda d: d["roots"][0]["children"][1]["children"][0].update(id="a"),
            "roots[0].children[1].children[0].id",
            "duplicate id 'a' (first at roots[0].children[0].id)",
        ),
        (
            lambda d: d["roots"][0]["children"][0].update(colour="green"),
            "roots[0].children[0].colour",
            "expected \"#RRGGBB\", got 'green'",
        ),
        (
            lambda d: d["roots"][0]["children"][0].update(colour="#ABC"),
            "roots[0].children[0].colour",
            "#RRGGBB",
        ),
        (
            lambda d: d["roots"][0]["children"][0].update(colour="#AABBCC\n"),
            "roots[0].children[0].colour",
            "#RRGGBB",
        ),
        (
            lambda d: d["roots"][0]["children"][0].update(valence="neutral"),
            "roots[0].children[0].valence",
            "'neutral' is not one of: protective, risk",
        ),
        (
            lambda d: d["roots"][0]["children"][0].update(level="school"),
            "roots[0].children[0].level",
            "not one of",
        ),
        (
            lambda d: d["roots"][0]["children"][0].update(codable="yes"),
            "roots[0].children[0].codable",
            "true or false",
        ),
        (
            lambda d: d["roots"][0]["children"][0].update(definition={"EN": "x"}),
            "roots[0].children[0].definition",
            "language code",
        ),
        (
            lambda d: d["roots"][0]["children"][0].update(children={}),
            "roots[0].children[0].children",
            "expected a list",
        ),
        (
            lambda d: d["roots"][0]["children"][0].update(id="has space"),
            "roots[0].children[0].id",
            "is not an id",
        ),
        (lambda d: d.update(format=2), "format", "expected 1"),
        (lambda d: d.pop("version"), "version", "non-empty"),
    ],
)
def test_a_malformed_codebook_is_refused_with_the_path_and_why(change, path, why):
    data = copy.deepcopy(minimal())
    change(data)
    with pytest.raises(CodebookError) as caught:
        load_codebook(data)
    assert caught.value.path == path
    assert why in caught.value.message


def test_the_source_file_prefixes_the_message():
    data = minimal()
    data["roots"][0]["colour"] = "red"
    with pytest.raises(CodebookError, match=r"^mine\.json: roots\[0\]\.colour: "):
        load_codebook(data, source="mine.json")


def test_node_and_codes_find_nodes():
    defn = load_codebook(minimal())
    assert isinstance(defn, CodebookDefinition)
    assert defn.node("b1").name == {"en": "B one"}
    assert [c.id for c in defn.codes()] == ["a", "b", "b1"]
    with pytest.raises(KeyError):
        defn.node("zzz")


# --- tree rules ----------------------------------------------------------------------------

TREE = {"root": None, "cat": "root", "a": "cat", "b": "cat", "b1": "b", "other": None}


def test_counts_roll_up_to_every_ancestor():
    rolled = rollup_counts(TREE, {"a": 2, "b": 1, "b1": 4, "other": 3})
    assert rolled == {"root": 7, "cat": 7, "a": 2, "b": 5, "b1": 4, "other": 3}


def test_rollup_of_the_bundled_codebook_adds_up_by_valence():
    defn = bundled_codebook()
    own = {code.id: 1 for code in defn.codes()}
    rolled = rollup_counts(parents(defn), own)
    assert (rolled["P"], rolled["R"], rolled["P-IND"], rolled["R-CUL"]) == (26, 20, 8, 2)


def test_rollup_refuses_cycles_unknown_parents_and_unknown_codes():
    with pytest.raises(ValueError, match="cycle"):
        rollup_counts({"a": "b", "b": "a"}, {})
    with pytest.raises(ValueError, match="cycle"):
        rollup_counts({"a": "a"}, {"a": 1})
    with pytest.raises(ValueError, match="unknown parent 'gone'"):
        rollup_counts({"a": "gone"}, {})
    with pytest.raises(ValueError, match="not in the tree: zzz"):
        rollup_counts(TREE, {"zzz": 1})


def test_descendants_are_every_node_below():
    assert descendants(TREE, "root") == {"cat", "a", "b", "b1"}
    assert descendants(TREE, "b1") == set()
    with pytest.raises(ValueError, match="no node"):
        descendants(TREE, "zzz")


def test_a_node_cannot_move_under_itself_or_its_descendants():
    assert not can_move(TREE, "cat", "cat")
    assert not can_move(TREE, "cat", "b1")
    assert not can_move(TREE, "root", "a")
    assert can_move(TREE, "b1", "a")
    assert can_move(TREE, "b", "other")
    assert can_move(TREE, "b", None)
    with pytest.raises(ValueError, match="no node"):
        can_move(TREE, "b", "zzz")


def test_the_docs_table_lists_every_node_as_the_codebook_has_it():
    docs = REPOSITORY / "docs" / "codebooks" / "strengths.md"
    rows = {}
    for line in docs.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip().strip("*").strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"[PR]-[A-Z]{3}(-\d{2})?", cells[0]):
            rows[cells[0]] = tuple(cells[1:])
    expected = {
        node.id: (node.name["en"], node.name["zh-hans"], node.definition["en"])
        for node, _parent, depth in walk(bundled_codebook())
        if depth > 0
    }
    assert rows == expected
