"""FHIR Questionnaires and QuestionnaireResponses: every real sample in ../shared/samples/fhir,
the facts read from those files by hand, round trips, and broken files made here."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from buoy.instruments.domain.definition import (
    Instrument,
    instrument_from_dict,
    instrument_to_dict,
)
from buoy.instruments.domain.fhir import (
    CALCULATED_EXPRESSION,
    ITEM_WEIGHT,
    ORDINAL_VALUE,
    read_questionnaire,
    read_questionnaire_response,
    write_questionnaire,
    write_questionnaire_response,
)
from buoy.instruments.domain.interop_errors import InteropError
from tests.shared_files import LIBRARY, SHARED, shared

SAMPLES = SHARED / "samples" / "fhir"

SDC_Q = "sdc_2.8.0_Questionnaire-questionnaire-sdc-profile-example-PHQ9.json"
SDC_QR = "sdc_2.8.0_QuestionnaireResponse-questionnaireresponse-sdc-profile-example-PHQ9.json"
LFORMS_ORDINAL = "lforms_R4_phq9_loinc_ordinalValue_calculatedExpression.json"
LFORMS_WEIGHT = "lforms_R4_phq9_weight_function.json"
ARGONAUT_R5 = "lforms_R5_argonaut_phq9_ish.json"
QUESTIONNAIRES = (SDC_Q, LFORMS_ORDINAL, LFORMS_WEIGHT, ARGONAUT_R5)

LOINC_ITEMS = [
    "/44250-9",
    "/44255-8",
    "/44259-0",
    "/44254-1",
    "/44251-7",
    "/44258-2",
    "/44252-5",
    "/44253-3",
    "/44260-8",
]
LOINC_ANSWERS = [
    ("LA6568-5", 0.0, "Not at all"),
    ("LA6569-3", 1.0, "Several days"),
    ("LA6570-1", 2.0, "More than half the days"),
    ("LA6571-9", 3.0, "Nearly every day"),
]


def sample(name: str) -> bytes:
    return shared("samples", "fhir", name).read_bytes()


def questionnaire(name: str) -> Instrument:
    return read_questionnaire(sample(name), source=name)


def options(instrument: Instrument, item_id: str) -> list[tuple[Any, float | None, str]]:
    item = instrument.item(item_id)
    if item.response_set is None:
        return []
    return [
        (o.value, o.score, o.label.get("en", ""))
        for o in instrument.response_sets[item.response_set].options
    ]


def item_facts(instrument: Instrument) -> list[tuple[Any, ...]]:
    return [
        (
            i.id,
            i.kind,
            i.scored,
            i.text.get("en", ""),
            i.minimum,
            i.maximum,
            options(instrument, i.id),
        )
        for i in instrument.items
    ]


def error_of(call: Any) -> str:
    with pytest.raises(InteropError) as caught:
        call()
    return str(caught.value)


def weights_of(answers: dict[str, Any], instrument: Instrument) -> list[float | None]:
    found = []
    for item_id, value in answers.items():
        scores = {v: s for v, s, _ in options(instrument, item_id)}
        found.append(scores[value])
    return found


# --- the samples ----------------------------------------------------------------------------


def test_every_sample_is_used() -> None:
    sample(SDC_Q)  # fails with the explanation when the folder is missing
    found = {p.name for p in SAMPLES.glob("*.json")}
    assert found == {*QUESTIONNAIRES, SDC_QR}, "a FHIR sample was added or removed: test it here"


@pytest.mark.parametrize("name", QUESTIONNAIRES)
def test_every_sample_questionnaire_is_a_valid_instrument(name: str) -> None:
    instrument = questionnaire(name)
    assert len(instrument.total.items) == 9
    assert instrument.total.method == "sum"
    assert instrument.total.min_answered == 9
    assert all(options(instrument, i)[0][1] == 0.0 for i in instrument.total.items)
    assert all(options(instrument, i)[-1][1] == 3.0 for i in instrument.total.items)
    stored = json.loads(json.dumps(instrument_to_dict(instrument)))
    assert instrument_from_dict(stored) == instrument


def test_the_sdc_example_takes_weights_from_a_contained_value_set() -> None:
    phq9 = questionnaire(SDC_Q)
    assert (phq9.id, phq9.version, phq9.name["en"]) == (
        "sdc_phq-9",  # from Questionnaire.name "SDC - PHQ-9"
        "2.8.0",
        "Patient Health Questionnaire - 9 Item",
    )
    fhir = phq9.extras["fhir"]
    assert fhir["id"] == "questionnaire-sdc-profile-example-PHQ9"
    assert fhir["url"] == (
        "http://hl7.org/fhir/uv/sdc/Questionnaire/questionnaire-sdc-profile-example-PHQ9"
    )
    assert [i.id for i in phq9.items] == [f"H1/T1/Q{n}" for n in range(1, 10)]
    assert options(phq9, "H1/T1/Q9") == [
        ("Not-at-all", 0.0, "Not at all"),
        ("Several-days", 1.0, "Several days"),
        ("More than half the days", 2.0, "More than half the days"),
        ("Nearly every day", 3.0, "Nearly every day"),
    ]
    # The total item H1/TS (LOINC 44261-6) with "answers().sum(value.ordinal())".
    assert fhir["rules"] == {"total": "H1/TS"}
    assert fhir["calculations"] == [
        {"linkId": "H1/TS", "expression": "answers().sum(value.ordinal())", "used_as": "rule"}
    ]
    group = fhir["layout"][0]
    assert (group["linkId"], group["kind"]) == ("H1/T1", "group")
    total_item = group["item"][-1]
    assert total_item["meta"]["code"][0]["code"] == "44261-6"
    assert "Buoy asks for all 9" in phq9.extras["import_notes"][0]


def test_the_lforms_loinc_phq9_with_ordinal_values_and_variables() -> None:
    phq9 = questionnaire(LFORMS_ORDINAL)
    assert phq9.id == "phq-9_quick_depression_assessment_panel"
    assert phq9.version == "1"  # the file has no version
    assert [i.id for i in phq9.items] == [*LOINC_ITEMS, "/69722-7"]
    assert options(phq9, "/44250-9") == LOINC_ANSWERS
    assert list(phq9.total.items) == LOINC_ITEMS
    difficulty = phq9.item("/69722-7")
    assert not difficulty.scored
    assert [o[1] for o in options(phq9, "/69722-7")] == [None, None, None, None]
    assert phq9.extras["fhir"]["rules"] == {"total": "/44261-6"}
    assert phq9.extras["fhir"]["code"][0]["code"] == "44249-1"
    assert phq9.extras["fhir"]["items"]["/44250-9"]["code"][0]["code"] == "44250-9"
    assert "(a sum of item scores)" in phq9.extras["import_notes"][0]


def test_the_weight_function_sample_gives_the_same_instrument() -> None:
    ordinal = questionnaire(LFORMS_ORDINAL)
    weight = questionnaire(LFORMS_WEIGHT)
    (calculation,) = weight.extras["fhir"]["calculations"]
    assert calculation["expression"] == (
        "%resource.item.where(linkId != '/69722-7').answer.weight().sum()"
    )
    assert weight.id == ordinal.id
    assert item_facts(weight) == item_facts(ordinal)
    assert weight.total == ordinal.total


def test_the_r5_argonaut_sample_without_a_calculation_gets_a_default_total() -> None:
    phq9 = questionnaire(ARGONAUT_R5)
    assert (phq9.id, phq9.version) == ("questionnaire-example-phq9", "0.0.0")
    assert phq9.extras["fhir"]["release"] == "R5"
    assert [i.id for i in phq9.items] == [*(f"g1.q{n}" for n in range(1, 10)), "g2.q1"]
    # q1–q8 point at "#PHQ-9", q9 at the ValueSet's canonical url: the same options.
    assert options(phq9, "g1.q9") == options(phq9, "g1.q1") == LOINC_ANSWERS
    assert not phq9.item("g2.q1").scored
    assert phq9.extras["total_source"] == "default"
    assert phq9.extras["import_notes"] == [
        "no calculatedExpression adds up the answers; Buoy's total is the sum of the 9 weighted "
        "items, all required. Check it before relying on it."
    ]
    groups = [entry["linkId"] for entry in phq9.extras["fhir"]["layout"]]
    assert groups == ["g1", "g2"]
    kinds = [(e["linkId"], e["kind"]) for e in phq9.extras["fhir"]["layout"][0]["item"]]
    assert kinds[0] == ("g1.d", "display")
    assert kinds[-1] == ("g1.s", "display")


def test_the_sdc_response_answers_and_its_reported_total() -> None:
    phq9 = questionnaire(SDC_Q)
    response = read_questionnaire_response(sample(SDC_QR), phq9, source=SDC_QR)
    assert response.status == "completed"
    assert response.authored == "2019-08-21T20:36:57.544Z"
    assert response.questionnaire == phq9.extras["fhir"]["url"]
    assert response.answers == {
        "H1/T1/Q1": "Not-at-all",
        "H1/T1/Q2": "Not-at-all",
        "H1/T1/Q3": "Not-at-all",
        "H1/T1/Q4": "Several-days",
        "H1/T1/Q5": "More than half the days",
        "H1/T1/Q6": "Several-days",
        "H1/T1/Q7": "Nearly every day",
        "H1/T1/Q8": "More than half the days",
        "H1/T1/Q9": "Several-days",
    }
    # The example reports a total of 13, but its answers weigh 0+0+0+1+2+1+3+2+1 = 10.
    assert response.reported == {"H1/TS": 13.0}
    assert sum(w or 0 for w in weights_of(response.answers, phq9)) == 10


def test_a_written_response_reads_back_to_the_same_answers_nested_like_the_questionnaire() -> None:
    phq9 = questionnaire(SDC_Q)
    answers = read_questionnaire_response(sample(SDC_QR), phq9, source=SDC_QR).answers
    written = write_questionnaire_response(
        phq9,
        answers,
        questionnaire_url=phq9.extras["fhir"]["url"],
        authored="2025-01-02T10:00:00+08:00",
    )
    assert written["resourceType"] == "QuestionnaireResponse"
    assert (written["status"], written["authored"]) == ("completed", "2025-01-02T10:00:00+08:00")
    (group,) = written["item"]
    assert group["linkId"] == "H1/T1"
    assert group["item"][3] == {
        "linkId": "H1/T1/Q4",
        "text": "Feeling tired or having little energy?",
        "answer": [
            {
                "valueCoding": {
                    "code": "Several-days",
                    "system": "http://hl7.org/fhir/uv/sdc/CodeSystem/CSPHQ9",
                    "display": "Several days",
                }
            }
        ],
    }
    again = read_questionnaire_response(written, phq9, source="written.json")
    assert again.answers == answers
    assert again.reported == {}


def test_a_response_for_the_lforms_phq9_with_unanswered_items() -> None:
    phq9 = questionnaire(LFORMS_ORDINAL)
    written = write_questionnaire_response(
        phq9,
        {"/44250-9": "LA6571-9", "/69722-7": "LA6573-5"},
        questionnaire_url="http://loinc.org/q/44249-1",
        status="in-progress",
    )
    assert [i["linkId"] for i in written["item"]] == ["/44250-9", "/69722-7"]
    assert written["item"][0]["answer"][0]["valueCoding"]["system"] == "http://loinc.org"
    read = read_questionnaire_response(written, phq9, source="r.json")
    assert read.status == "in-progress"
    assert read.answers == {"/44250-9": "LA6571-9", "/69722-7": "LA6573-5"}


NINE = [f"g1.q{n}" for n in range(1, 10)]


@pytest.mark.parametrize(
    ("expression", "method", "items", "multiplier"),
    [
        ("%resource.item.answer.value.weight().sum()", "sum", NINE, 1.0),
        ("%resource.repeat(item).answer.value.ordinal().sum()", "sum", NINE, 1.0),
        ("%resource.descendants().answer.weight().avg()", "mean", NINE, 1.0),
        ("answers().sum(value.weight())", "sum", NINE, 1.0),
        ("%resource.item.where(linkId = 'g1').item.answer.value.weight().sum()", "sum", NINE, 1.0),
        (
            "%resource.repeat(item).where(linkId = 'g1.q1' or linkId = 'g1.q2').answer.value"
            ".weight().sum()",
            "sum",
            ["g1.q1", "g1.q2"],
            1.0,
        ),
        (
            "%resource.repeat(item).where(linkId != 'g1.q9' and linkId != 'g1.q8')"
            ".answer.weight().sum()",
            "sum",
            NINE[:7],
            1.0,
        ),
        ("(%resource.repeat(item).answer.value.weight().sum()) * 4", "sum", NINE, 4.0),
        (
            "%resource.repeat(item).where(linkId='g1.q1').answer.value.weight() + "
            "%resource.repeat(item).where(linkId='g1.q3').answer.value.weight()",
            "sum",
            ["g1.q1", "g1.q3"],
            1.0,
        ),
    ],
)
def test_sum_style_calculated_expressions_become_the_total(
    expression: str, method: str, items: list[str], multiplier: float
) -> None:
    data = json.loads(sample(ARGONAUT_R5))
    data["item"][0]["item"].append(
        {
            "linkId": "g1.total",
            "type": "decimal",
            "readOnly": True,
            "text": "PHQ-9 total",
            "extension": [
                {
                    "url": CALCULATED_EXPRESSION,
                    "valueExpression": {"language": "text/fhirpath", "expression": expression},
                }
            ],
        }
    )
    phq9 = read_questionnaire(data, source="phq9.json")
    assert (phq9.total.method, list(phq9.total.items), phq9.total.multiplier) == (
        method,
        items,
        multiplier,
    )
    assert phq9.total.label == {"en": "PHQ-9 total"}
    assert phq9.extras["fhir"]["rules"] == {"total": "g1.total"}


def test_other_calculated_expressions_are_kept_and_reported() -> None:
    data = json.loads(sample(ARGONAUT_R5))
    expression = "iif(%resource.item.answer.value.weight().sum() >= 10, 'yes', 'no')"
    data["item"][1]["item"].append(
        {
            "linkId": "g2.flag",
            "type": "string",
            "extension": [
                {"url": CALCULATED_EXPRESSION, "valueExpression": {"expression": expression}}
            ],
        }
    )
    phq9 = read_questionnaire(data, source="phq9.json")
    assert phq9.extras["total_source"] == "default"
    assert phq9.extras["fhir"]["calculations"] == [
        {
            "linkId": "g2.flag",
            "expression": expression,
            "reason": "Buoy turns only sums (or means) of answer weights into scoring rules",
        }
    ]
    assert phq9.extras["import_notes"][0] == (
        "item[1].item[1] ('g2.flag'): kept the calculatedExpression \"iif(%resource.item.answer"
        ".value.weight().sum() >= 10, 'yes', 'no')\" in extras; not scored because Buoy turns "
        "only sums (or means) of answer weights into scoring rules."
    )


def test_integer_and_string_options_and_a_weight_on_the_coding() -> None:
    data = {
        "resourceType": "Questionnaire",
        "name": "Mixed options",
        "item": [
            {
                "linkId": "a",
                "type": "integer",
                "answerOption": [{"valueInteger": 0}, {"valueInteger": 1}, {"valueInteger": 2}],
            },
            {
                "linkId": "b",
                "type": "choice",
                "answerOption": [
                    {
                        "valueCoding": {
                            "code": "lo",
                            "display": "Low",
                            "extension": [{"url": ITEM_WEIGHT, "valueDecimal": 0.5}],
                        }
                    },
                    {
                        "valueCoding": {
                            "code": "hi",
                            "display": "High",
                            "extension": [{"url": ITEM_WEIGHT, "valueDecimal": 1.5}],
                        }
                    },
                ],
            },
            {
                "linkId": "c",
                "type": "string",
                "answerOption": [
                    {
                        "valueString": "never",
                        "extension": [{"url": ORDINAL_VALUE, "valueInteger": 0}],
                    },
                    {
                        "valueString": "often",
                        "extension": [{"url": ORDINAL_VALUE, "valueInteger": 3}],
                    },
                ],
            },
        ],
    }
    mixed = read_questionnaire(data, source="mixed.json")
    assert mixed.id == "mixed_options"
    assert options(mixed, "a") == [(0, 0.0, ""), (1, 1.0, ""), (2, 2.0, "")]
    assert options(mixed, "b") == [("lo", 0.5, "Low"), ("hi", 1.5, "High")]
    assert options(mixed, "c") == [("never", 0.0, "never"), ("often", 3.0, "often")]
    assert list(mixed.total.items) == ["a", "b", "c"]
    answers: dict[str, int | float | str] = {"a": 2, "b": "hi", "c": "often"}
    response = write_questionnaire_response(mixed, answers, questionnaire_url="urn:x")
    assert [i["answer"][0] for i in response["item"]] == [
        {"valueInteger": 2},
        {"valueCoding": {"code": "hi", "display": "High"}},
        {"valueString": "often"},
    ]
    assert read_questionnaire_response(response, mixed, source="r.json").answers == answers


def test_items_whose_options_differ_get_response_sets_numbered_like_redcap_ones() -> None:
    def choice(link_id: str, codes: list[str]) -> dict[str, Any]:
        weighted = [
            {
                "valueCoding": {"code": code},
                "extension": [{"url": ORDINAL_VALUE, "valueInteger": k}],
            }
            for k, code in enumerate(codes)
        ]
        return {"linkId": link_id, "type": "choice", "answerOption": weighted}

    data = {
        "resourceType": "Questionnaire",
        "name": "Colliding names",
        # "q.1" and "q_1" both make the name "q_1"; "q-1" keeps its hyphen
        "item": [
            choice("q.1", ["a", "b"]),
            choice("q_1", ["x", "y"]),
            choice("q-1", ["a", "b"]),
            choice("q 1", ["m", "n"]),
        ],
    }
    instrument = read_questionnaire(data, source="colliding.json")
    assert list(instrument.response_sets) == ["q_1", "q_1_2", "q_1_3"]
    assert [item.response_set for item in instrument.items] == ["q_1", "q_1_2", "q_1", "q_1_3"]


# --- writing Questionnaires -----------------------------------------------------------------


@pytest.mark.parametrize("name", QUESTIONNAIRES)
@pytest.mark.parametrize("release", ["R4", "R5"])
def test_each_sample_survives_writing_and_reading(name: str, release: str) -> None:
    original = questionnaire(name)
    written = write_questionnaire(original, fhir_version=release)
    back = read_questionnaire(json.dumps(written), source="written.json")
    assert back.id == original.id
    assert item_facts(back) == item_facts(original)
    assert (back.total.method, back.total.items, back.total.min_answered) == (
        original.total.method,
        original.total.items,
        original.total.min_answered,
    )
    weight_url = ITEM_WEIGHT if release == "R5" else ORDINAL_VALUE
    choice = next(i for i in _walk(written["item"]) if i.get("answerOption"))
    assert choice["type"] == ("coding" if release == "R5" else "choice")
    assert choice["answerOption"][1]["extension"] == [{"url": weight_url, "valueDecimal": 1}]
    if release == "R5":
        assert choice["answerConstraint"] == "optionsOnly"


def _walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for item in items:
        found.append(item)
        found.extend(_walk(item.get("item", [])))
    return found


def test_the_sdc_sample_keeps_its_group_and_total_item_when_written() -> None:
    written = write_questionnaire(questionnaire(SDC_Q))
    assert written["url"].endswith("questionnaire-sdc-profile-example-PHQ9")
    (group,) = written["item"]
    assert group["type"] == "group"
    total = group["item"][-1]
    assert (total["linkId"], total["type"], total["readOnly"]) == ("H1/TS", "decimal", True)
    assert total["code"][0]["code"] == "44261-6"
    (extension,) = total["extension"]
    assert extension["url"] == CALCULATED_EXPRESSION
    assert extension["valueExpression"]["expression"] == (
        "%resource.repeat(item).answer.value.weight().sum()"
    )


COPING: dict[str, Any] = {
    "id": "coping",
    "version": "2",
    "name": {"en": "Coping check"},
    "licence": {"status": "free"},
    "response_sets": {
        "agree5": {
            "options": [
                {"value": 1, "label": {"en": "Disagree"}},
                {"value": 2, "label": {"en": "Somewhat disagree"}},
                {"value": 3, "label": {"en": "Neutral"}},
                {"value": 4, "label": {"en": "Somewhat agree"}},
                {"value": 5, "label": {"en": "Agree"}},
            ]
        }
    },
    "items": [
        {"id": "q1", "options": "agree5", "text": {"en": "I bounce back"}},
        {"id": "q2", "options": "agree5", "text": {"en": "Hard times last"}, "reverse": True},
        {"id": "q3", "options": "agree5", "text": {"en": "I recover"}},
        {"id": "hours", "kind": "number", "min": 0, "max": 24, "text": {"en": "Sleep hours"}},
        {"id": "note", "kind": "text", "text": {"en": "Anything else?"}},
    ],
    "total": {"method": "mean", "items": ["q1", "q2", "q3"]},
    "subscales": [{"id": "forward", "method": "sum", "items": ["q1", "q3"]}],
}


def test_a_native_instrument_round_trips_with_reverse_keying_as_effective_weights() -> None:
    original = instrument_from_dict(COPING)
    written = write_questionnaire(original, fhir_version="R5")
    by_id = {i["linkId"]: i for i in written["item"]}
    assert [o["extension"][0]["valueDecimal"] for o in by_id["q2"]["answerOption"]] == [
        5,
        4,
        3,
        2,
        1,
    ]
    assert by_id["total"]["extension"][0]["valueExpression"]["expression"] == (
        "%resource.repeat(item).answer.value.weight().avg()"
    )
    assert by_id["forward"]["extension"][0]["valueExpression"]["expression"] == (
        "%resource.repeat(item).where(linkId = 'q1' or linkId = 'q3').answer.value.weight().sum()"
    )
    assert by_id["hours"]["type"] == "decimal"
    back = read_questionnaire(written, source="coping.json")
    assert back.id == "coping"
    assert [i.id for i in back.items] == ["q1", "q2", "q3", "hours", "note"]
    assert options(back, "q1") == options(original, "q1")
    assert [s for _, s, _ in options(back, "q2")] == [5.0, 4.0, 3.0, 2.0, 1.0]
    assert not back.item("q2").reverse
    assert (back.item("hours").minimum, back.item("hours").maximum) == (0.0, 24.0)
    assert back.total.method == "mean"
    assert list(back.total.items) == ["q1", "q2", "q3"]
    assert [(s.id, s.method, list(s.items)) for s in back.subscales] == [
        ("forward", "sum", ["q1", "q3"])
    ]


def test_the_bundled_library_survives_writing_and_reading() -> None:
    files = sorted(LIBRARY.glob("*.json"))
    assert files, "the bundled instrument library is empty"
    for path in files:
        original = instrument_from_dict(json.loads(path.read_text()), source=path.name)
        for release in ("R4", "R5"):
            back = read_questionnaire(
                write_questionnaire(original, fhir_version=release), source=path.name
            )
            assert back.id == original.id, path.name
            assert [i.id for i in back.items] == [i.id for i in original.items], path.name
            # Rules come back exactly: the expression computes them, its description names them.
            for before, after in zip(
                (original.total, *original.subscales), (back.total, *back.subscales), strict=True
            ):
                assert (after.id, after.method, after.items, after.min_answered) == (
                    before.id,
                    before.method,
                    before.items,
                    before.min_answered,
                ), path.name
            for item in original.items:
                if item.reverse:
                    continue  # written as effective weights, checked above
                assert options(back, item.id) == options(original, item.id), path.name


def test_instruments_from_the_redcap_samples_survive_writing_and_reading() -> None:
    from buoy.instruments.domain.redcap import read_data_dictionary

    redcap = SAMPLES.parent / "redcap"
    sample(SDC_Q)  # the same shared folder
    dictionaries = [p for p in sorted(redcap.glob("*.csv")) if "record" not in p.name]
    assert len(dictionaries) == 6
    for path in dictionaries:
        for original in read_data_dictionary(path.read_bytes(), source=path.name).instruments:
            back = read_questionnaire(write_questionnaire(original, fhir_version="R5"), source="q")
            # FHIR has no yes/no answer with weights: such items come back as choice items.
            expected = [
                (f[0], "choice" if f[1] == "yesno" else f[1], *f[2:]) for f in item_facts(original)
            ]
            assert item_facts(back) == expected, (path.name, original.id)
            assert back.total.items == original.total.items, (path.name, original.id)
    # case01's total adds two number fields: weight() has nothing for those, so the
    # expression adds the answers one by one.
    case01 = read_data_dictionary(
        (redcap / "rtd_case01_all_field_types_DataDictionary.csv").read_bytes(), source="case01"
    ).instruments[0]
    total = next(i for i in write_questionnaire(case01)["item"] if i["linkId"] == "total")
    assert total["extension"][0]["valueExpression"]["expression"] == (
        "%resource.repeat(item).where(linkId = 'integer').answer.value + "
        "%resource.repeat(item).where(linkId = 'number').answer.value"
    )


def test_a_fhir_sample_exported_to_redcap_keeps_its_scores() -> None:
    from buoy.instruments.domain.redcap import read_data_dictionary, write_data_dictionary

    phq9 = questionnaire(LFORMS_ORDINAL)
    (back,) = read_data_dictionary(write_data_dictionary(phq9), source="phq9.csv").instruments
    # REDCap names cannot start with "/", and REDCap codes are the scores.
    assert [i.id for i in back.items][:2] == ["q_44250_9", "q_44255_8"]
    assert options(back, "q_44250_9") == [(int(s), s, label) for _, s, label in LOINC_ANSWERS]
    assert len(back.total.items) == 9


# --- broken files ---------------------------------------------------------------------------


def test_an_answer_option_without_a_code_is_refused_by_its_json_path() -> None:
    data = json.loads(sample(LFORMS_ORDINAL))
    del data["item"][3]["answerOption"][1]["valueCoding"]
    assert error_of(lambda: read_questionnaire(data, source="phq9.json")) == (
        "phq9.json, item[3].answerOption[1]: no code or value"
    )
    nested = json.loads(sample(SDC_Q))
    del nested["item"][0]["item"][2]["linkId"]
    assert error_of(lambda: read_questionnaire(nested, source="phq9.json")) == (
        "phq9.json, item[0].item[2].linkId: is missing"
    )


def test_a_weight_that_is_not_a_number_is_refused_by_its_json_path() -> None:
    data = json.loads(sample(LFORMS_WEIGHT))
    data["item"][0]["answerOption"][2]["extension"][1]["valueDecimal"] = "two"
    assert error_of(lambda: read_questionnaire(data, source="phq9.json")) == (
        "phq9.json, item[0].answerOption[2].extension[1]: the weight (ordinalValue/itemWeight) "
        "is not a number"
    )


def test_truncated_and_binary_json_get_a_clear_message() -> None:
    text = sample(LFORMS_ORDINAL).decode()
    assert error_of(lambda: read_questionnaire(text[:5000], source="phq9.json")) == (
        "phq9.json, line 179, column 15: the JSON ends before the resource does: the file looks "
        "cut short"
    )
    assert error_of(
        lambda: read_questionnaire(text[: text.rindex("}")], source="phq9.json")
    ).endswith("the JSON ends before the resource does: the file looks cut short")
    assert error_of(
        lambda: read_questionnaire(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", source="phq9.json")
    ) == (
        "phq9.json: is a binary file, not text (a NUL byte at offset 8); export it as CSV "
        "(UTF-8) or JSON"
    )
    latin1 = text.replace("Little interest", "Très peu d'intérêt", 1).encode("latin-1")
    assert error_of(lambda: read_questionnaire(latin1, source="phq9.json")).startswith(
        "phq9.json, line 65, column 25: is not UTF-8 text (byte 0xe8)"
    )


def test_other_resources_and_unscorable_questionnaires_are_refused() -> None:
    assert (
        error_of(lambda: read_questionnaire('{"resourceType": "Patient"}', source="x.json"))
        == 'x.json, resourceType: expected a Questionnaire, found "Patient"'
    )
    assert "export the resource itself, not a Bundle" in error_of(
        lambda: read_questionnaire({"resourceType": "Bundle", "entry": []}, source="b.json")
    )
    text_only = {
        "resourceType": "Questionnaire",
        "name": "Notes",
        "item": [{"linkId": "a", "type": "string", "text": "Anything?"}],
    }
    assert error_of(lambda: read_questionnaire(text_only, source="notes.json")) == (
        "notes.json, item: no answer option carries a weight (ordinalValue or itemWeight) and "
        "no integer options: there is nothing Buoy can score"
    )


def test_a_response_with_a_code_the_item_does_not_offer_is_refused_by_path() -> None:
    phq9 = questionnaire(SDC_Q)
    data = json.loads(sample(SDC_QR))
    broken = copy.deepcopy(data)
    broken["item"][0]["item"][6]["answer"][0]["valueCoding"]["code"] = "Daily"
    assert error_of(lambda: read_questionnaire_response(broken, phq9, source="qr.json")) == (
        "qr.json, item[0].item[6].answer[0]: 'Daily' is not an option of 'H1/T1/Q7' "
        "(Not-at-all, Several-days, More than half the days, Nearly every day)"
    )
    elsewhere = copy.deepcopy(data)
    elsewhere["questionnaire"] = "http://example.org/Questionnaire/gad7"
    assert "answers the questionnaire http://example.org/Questionnaire/gad7" in error_of(
        lambda: read_questionnaire_response(elsewhere, phq9, source="qr.json")
    )
    assert (
        error_of(lambda: read_questionnaire_response(sample(SDC_Q), phq9, source="q.json"))
        == 'q.json, resourceType: expected a QuestionnaireResponse, found "Questionnaire"'
    )
