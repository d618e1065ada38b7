"""The shipped technique library (the techniques of the domain reference §6.2, bilingual, with
their abilities, codebook factors and evidence) and its strict loader."""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from typing import Any

import pytest

from buoy.coding.domain.codebook import bundled_codebook
from buoy.plans.domain.techniques import (
    TechniqueError,
    TechniqueLibrary,
    bundled_techniques,
    load_techniques,
    technique_library_to_dict,
)
from tests.shared_files import REPOSITORY, shared

CJK = re.compile(r"[\u3400-\u9fff]")

# The techniques §6.2 lists, by the row (ability) it lists them in.
EXPECTED = {
    "disease-roadmap": "A",
    "routine-roles": "A",
    "small-steps": "A",
    "eco-map": "A",
    "problem-solving": "B",
    "resource-linking": "B",
    "advocacy": "B",
    "solution-focused": "B",
    "peer-mentors": "B",
    "emotion-labelling": "C",
    "breathing-relaxation": "C",
    "cognitive-reframing": "C",
    "narrative-externalising": "C",
    "meaning-making": "C",
    "support-groups": "C",
    "respite-planning": "C",
    "mood-screening-referral": "C",
}


def shipped_data() -> dict[str, Any]:
    entry = resources.files("buoy.plans").joinpath("library", "techniques_v1.json")
    return json.loads(entry.read_text(encoding="utf-8"))


def codebook_codes() -> set[str]:
    return {node.id for node in bundled_codebook("strengths", version="1").codes()}


def load_error(data: Any, **kwargs: Any) -> TechniqueError:
    with pytest.raises(TechniqueError) as raised:
        load_techniques(data, source="techniques_v1.json", **kwargs)
    return raised.value


# --- the shipped library ------------------------------------------------------------------


def test_the_shipped_library_has_the_techniques_of_the_reference() -> None:
    library = bundled_techniques()
    assert isinstance(library, TechniqueLibrary)
    assert (library.id, library.version) == ("techniques", "1")
    assert library.ids == tuple(EXPECTED)
    for technique in library.techniques:
        assert EXPECTED[technique.id] in technique.abilities, technique.id
        assert list(technique.abilities) == sorted(technique.abilities), technique.id
        assert technique.active


def test_every_technique_is_described_in_english_and_chinese() -> None:
    for technique in bundled_techniques().techniques:
        for text in (technique.name, technique.description, technique.evidence):
            assert set(text) == {"en", "zh-hans"}
            # Chinese in the English text only as a term in brackets: "REBT (理性情绪疗法)"
            assert not CJK.search(re.sub(r"\([^)]*\)", "", text["en"])), technique.id
            assert CJK.search(text["zh-hans"]), technique.id


def test_every_factor_is_a_code_of_the_codebook_the_library_names() -> None:
    library = bundled_techniques()
    codebook = bundled_codebook(library.codebook.id, version=library.codebook.version)
    codes = {node.id for node in codebook.codes()}
    for technique in library.techniques:
        assert technique.factors, technique.id
        assert set(technique.factors) <= codes, technique.id
    assert load_techniques(shipped_data(), known_factors=codes) == library


def test_every_source_is_one_the_domain_reference_cites() -> None:
    reference = shared("domain", "reference.md").read_text(encoding="utf-8")
    for technique in bundled_techniques().techniques:
        for source in technique.sources:
            if source.startswith("Buoy domain reference §"):
                sections = re.findall(r"§(\d+(?:\.\d+)?)", source)
                assert sections, source
                for section in sections:
                    assert re.search(rf"^#+ {re.escape(section)}\.? ", reference, re.M), source
                continue
            first_word = re.split(r"[ ,]", source)[0]
            assert first_word in reference, (technique.id, source)


def test_the_shipped_file_is_exactly_what_the_writer_writes() -> None:
    assert technique_library_to_dict(bundled_techniques()) == shipped_data()


def test_the_docs_list_the_shipped_techniques_with_their_abilities() -> None:
    docs = (REPOSITORY / "docs" / "plans" / "rules.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z-]+)` \| [^|]+ \| ([ABC, ]+) \|$", docs, re.M)
    library = bundled_techniques()
    assert rows == [(t.id, ", ".join(t.abilities)) for t in library.techniques]


def test_an_inactive_technique_stays_in_the_library_but_is_not_offered() -> None:
    data = shipped_data()
    data["techniques"][0]["active"] = False
    library = load_techniques(data)
    assert "disease-roadmap" in library.ids
    assert "disease-roadmap" not in [t.id for t in library.active()]
    assert library.technique("disease-roadmap").active is False


def test_an_unknown_technique_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        bundled_techniques().technique("hypnosis")


def test_an_unknown_version_is_a_lookup_error_naming_the_versions_there_are() -> None:
    with pytest.raises(LookupError, match=r"bundled versions: 1\)"):
        bundled_techniques(version="9")


# --- the loader refuses bad data, naming file, technique and field ------------------------


def test_the_error_names_the_file_the_technique_and_the_field() -> None:
    data = shipped_data()
    data["techniques"][3]["abilities"] = ["A", "D"]
    error = load_error(data)
    assert (error.source, error.entry, error.field) == (
        "techniques_v1.json",
        "technique 'eco-map'",
        "abilities[1]",
    )
    assert str(error) == (
        "techniques_v1.json: technique 'eco-map': abilities[1]: 'D' is not one of: A, B, C"
    )


def _technique_changed(index: int, **changes: Any) -> dict[str, Any]:
    data = shipped_data()
    technique = data["techniques"][index]
    for key, value in changes.items():
        if value is ...:
            del technique[key]
        else:
            technique[key] = value
    return data


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"colour": "#fff"}, "", "unknown field: colour"),
        ({"active": ...}, "active", "is missing"),
        ({"active": "yes"}, "active", "expected true or false"),
        ({"abilities": []}, "abilities", "expected at least one"),
        ({"abilities": ["A", "A"]}, "abilities[1]", "listed twice"),
        ({"abilities": "A"}, "abilities", "expected a list"),
        ({"factors": ["R-ECO-1"]}, "factors[0]", "is not a factor code"),
        ({"factors": ["R-ECO-01", "R-ECO-01"]}, "factors[1]", "listed twice"),
        ({"sources": []}, "sources", "at least one source"),
        ({"sources": [""]}, "sources[0]", "non-empty text"),
        ({"name": {"en": "Roadmap"}}, "name.zh-hans", "is missing: the library is bilingual"),
        ({"name": {"en": "Roadmap", "zh-hans": " "}}, "name.zh-hans", "non-empty text"),
        ({"description": {"en": "x", "zh-hans": "x", "fr": "x"}}, "description", "'fr'"),
        ({"evidence": "strong"}, "evidence", "expected {"),
    ],
)
def test_a_bad_field_is_refused(changes: dict[str, Any], field: str, message: str) -> None:
    error = load_error(_technique_changed(0, **changes))
    assert error.entry == "technique 'disease-roadmap'"
    assert error.field == field
    assert message in error.message


def test_a_factor_not_in_the_codebook_is_refused_when_the_codes_are_given() -> None:
    data = _technique_changed(0, factors=["R-ECO-09"])
    assert load_techniques(data).technique("disease-roadmap").factors == ("R-ECO-09",)
    error = load_error(data, known_factors=codebook_codes())
    assert (error.entry, error.field) == ("technique 'disease-roadmap'", "factors[0]")
    assert "not a code of the codebook" in error.message


@pytest.mark.parametrize("bad_id", ["Eco-map", "eco_map", "eco--map", "", 7, None, "x" * 65])
def test_a_technique_id_that_is_not_stable_is_refused_at_its_position(bad_id: object) -> None:
    data = shipped_data()
    data["techniques"][2]["id"] = bad_id
    error = load_error(data)
    assert (error.entry, error.field) == ("techniques[2]", "id")
    assert "is not an id" in error.message


def test_a_duplicate_technique_id_is_refused() -> None:
    data = shipped_data()
    data["techniques"].append(copy.deepcopy(data["techniques"][1]))
    error = load_error(data)
    assert (error.entry, error.field) == ("technique 'routine-roles'", "id")
    assert "appears twice (first at techniques[1])" in error.message


def test_a_technique_that_is_not_an_object_is_refused() -> None:
    data = shipped_data()
    data["techniques"][0] = "roadmap"
    assert load_error(data).entry == "techniques[0]"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("format", 2, "expected 1"),
        ("format", True, "expected 1"),
        ("version", 1, "whole number as text"),
        ("version", "1.1", "whole number as text"),
        ("version", "01", "whole number as text"),
        ("codebook", {"id": "strengths"}, "is missing"),
        ("codebook", "strengths", "expected an object"),
        ("techniques", {}, "expected a list"),
        ("licence", "", "non-empty text"),
        ("extra", 1, "unknown field: extra"),
    ],
)
def test_a_bad_top_level_field_is_refused(key: str, value: Any, message: str) -> None:
    data = shipped_data()
    data[key] = value
    error = load_error(data)
    assert error.entry == ""
    assert message in error.message
    assert str(error).startswith("techniques_v1.json: ")


def test_a_file_that_is_not_an_object_is_refused() -> None:
    assert "expected an object" in load_error([]).message
