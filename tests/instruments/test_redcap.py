"""REDCap data dictionaries and records: every real sample in ../shared/samples/redcap, the
facts read from those files by hand, round trips, and broken files made here."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from buoy.instruments.domain.definition import (
    Instrument,
    instrument_from_dict,
    instrument_to_dict,
)
from buoy.instruments.domain.interop_errors import InteropError
from buoy.instruments.domain.redcap import (
    API_HEADERS,
    HUMAN_HEADERS,
    DictionaryImport,
    options_of,
    read_data_dictionary,
    read_records,
    rule_summary,
    write_data_dictionary,
)
from tests.shared_files import LIBRARY, SHARED, shared

SAMPLES = SHARED / "samples" / "redcap"

# Every file in the samples folder, each exercised below (test_every_sample_is_used).
HBCD = "hbcd_sample_calc_branching_actiontags_DataDictionary.csv"
NDCLAB = "ndclab_oops_faces_psych_scales_DataDictionary.csv"
LONG_DICT = "redcapr_longitudinal_dictionary.csv"
LONG_FLAT = "redcapr_longitudinal_flat_records.csv"
REPEAT_DICT = "redcapr_repeating_dictionary.csv"
REPEAT_FLAT = "redcapr_repeating_flat_records.csv"
CASE01_DICT = "rtd_case01_all_field_types_DataDictionary.csv"
CASE01_EAV = "rtd_case01_records_api_eav.csv"
CASE01_FLAT = "rtd_case01_records_api_flat.csv"
CASE01_UI = "rtd_case01_records_ui_raw.csv"
CASE07_DICT = "rtd_case07_longitudinal_metadata_api.csv"
CASE07_EAV = "rtd_case07_longitudinal_records_api_eav.csv"
CASE07_LABELS = "rtd_case07_longitudinal_records_api_labels.csv"
CASE07_UI = "rtd_case07_longitudinal_records_ui_raw.csv"
USED = {
    HBCD,
    NDCLAB,
    LONG_DICT,
    LONG_FLAT,
    REPEAT_DICT,
    REPEAT_FLAT,
    CASE01_DICT,
    CASE01_EAV,
    CASE01_FLAT,
    CASE01_UI,
    CASE07_DICT,
    CASE07_EAV,
    CASE07_LABELS,
    CASE07_UI,
}


def sample(name: str) -> bytes:
    return shared("samples", "redcap", name).read_bytes()


def dictionary(name: str) -> DictionaryImport:
    return read_data_dictionary(sample(name), source=name)


def options(instrument: Instrument, item_id: str) -> list[tuple[Any, float | None, str]]:
    return [
        (o.value, o.score, o.label.get("en", ""))
        for o in options_of(instrument, instrument.item(item_id))
    ]


def item_facts(instrument: Instrument) -> list[tuple[Any, ...]]:
    return [
        (
            i.id,
            i.kind,
            i.scored,
            i.reverse,
            i.weight,
            i.identifier,
            i.minimum,
            i.maximum,
            i.text.get("en", ""),
            options(instrument, i.id),
        )
        for i in instrument.items
    ]


def rules(instrument: Instrument) -> list[dict[str, Any]]:
    return [rule_summary(r) | {"id": r.id} for r in (instrument.total, *instrument.subscales)]


def error_of(call: Any) -> str:
    with pytest.raises(InteropError) as caught:
        call()
    return str(caught.value)


# --- the samples ----------------------------------------------------------------------------


def test_every_sample_is_used() -> None:
    sample(HBCD)  # fails with the explanation when the folder is missing
    found = {p.name for p in SAMPLES.glob("*.csv")}
    assert found == USED, "a REDCap sample was added or removed: test it here"


@pytest.mark.parametrize(
    ("name", "style", "record_id", "fields", "forms", "instruments", "skipped"),
    [
        (
            HBCD,
            "human",
            "record_id",
            474,
            12,
            [
                "setup",
                "setup_l",
                "pex_bm_apa",
                "pex_bm_str_i_ptsd",
                "pex_bm_health_preg_i_healthhx",
                "pex_bm_health_preg_i_illness",
            ],
            [
                "visit_start",
                "remote_survey_introduction",
                "child_survey_introduction",
                "parent_survey_introduction",
                "family_surveys_introduction",
                "sensitive_question_introduction",
            ],
        ),
        (
            NDCLAB,
            "human",
            "record_id",
            314,
            24,
            19,
            ["info_s1_r1_e1", "stop", "stop_2", "stop_3", "stop_4"],
        ),
        (LONG_DICT, "human", "study_id", 95, 9, 7, ["baseline_data", "visit_lab_data"]),
        (REPEAT_DICT, "human", "record_id", 11, 2, ["demographics"], ["bp"]),
        (CASE01_DICT, "human", "record_id", 30, 1, ["my_first_instrument"], []),
        (CASE07_DICT, "human", "tree_id", 5, 2, ["tree_environment"], ["tree_measurement"]),
    ],
)
def test_each_sample_dictionary_becomes_one_instrument_per_scorable_form(
    name: str,
    style: str,
    record_id: str,
    fields: int,
    forms: int,
    instruments: int | list[str],
    skipped: list[str],
) -> None:
    result = dictionary(name)
    assert result.header_style == style
    assert result.record_id_field == record_id
    assert len(result.fields) == fields
    assert len(result.forms) == forms
    ids = [i.id for i in result.instruments]
    assert ids == instruments if isinstance(instruments, list) else len(ids) == instruments
    assert list(result.skipped_forms) == skipped
    for form in skipped:
        assert any(n.startswith(f"{form}: skipped, nothing to score") for n in result.notes)
    for instrument in result.instruments:
        assert instrument.extras["redcap_form"] == instrument.id
        assert instrument.total.items, instrument.id
        assert all(instrument.item(i).scored for i in instrument.total.items)
        assert record_id not in {i.id for i in instrument.items}
        # Plain JSON values only, so the Django layer can store the native definition.
        stored = json.loads(json.dumps(instrument_to_dict(instrument)))
        assert instrument_from_dict(stored) == instrument


def test_a_browser_download_with_a_byte_order_mark_and_multi_line_labels_is_read() -> None:
    raw = sample(HBCD)
    assert raw.startswith(b"\xef\xbb\xbf")
    result = dictionary(HBCD)
    covid = result.instrument_for_form("pex_bm_health_preg_i_illness").item(
        "pex_bm_health_preg_i_illness_i_covid_001"
    )
    assert covid.text["en"] == (
        "Since your last menstrual period on [screening_arm_1][setup_lmp], have you tested "
        "positive for SARS-CoV-2, the virus that causes COVID-19?"
    )
    # Rows count as a spreadsheet shows them: this field is on physical line 507 of the file,
    # after labels that span lines, but on row 460.
    assert (
        raw.decode("utf-8-sig")
        .splitlines()[506]
        .startswith("pex_bm_health_preg_i_illness_012_i_06,")
    )
    assert any(
        note.startswith(
            'pex_bm_health_preg_i_illness, row 460, field "pex_bm_health_preg_i_illness_012_i_06"'
        )
        for note in result.notes
    )


def test_the_api_header_style_reads_the_same_as_the_browser_download() -> None:
    text = sample(CASE01_DICT).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(HUMAN_HEADERS)
    out = io.StringIO()
    csv.writer(out).writerows([list(API_HEADERS), *rows[1:]])
    api = read_data_dictionary(out.getvalue(), source="metadata.csv")
    human = dictionary(CASE01_DICT)
    assert api.header_style == "api"
    assert item_facts(api.instruments[0]) == item_facts(human.instruments[0])
    assert rules(api.instruments[0]) == rules(human.instruments[0])


def test_the_phq8_matrix_in_the_ndclab_dictionary() -> None:
    phq8 = dictionary(NDCLAB).instrument_for_form("phq8_s1_r1_e1")
    assert [i.id for i in phq8.items] == [f"phq8_i{n}_s1_r1_e1" for n in range(1, 9)]
    assert options(phq8, "phq8_i1_s1_r1_e1") == [
        (0, 0.0, "Not at all"),
        (1, 1.0, "Several days"),
        (2, 2.0, "More than half the days"),
        (3, 3.0, "Nearly every day"),
    ]
    assert phq8.item("phq8_i1_s1_r1_e1").text["en"] == "Little interest or pleasure in doing things"
    assert rule_summary(phq8.total) == {
        "method": "sum",
        "items": [f"phq8_i{n}_s1_r1_e1" for n in range(1, 9)],
        "min_answered": 8,
        "multiplier": 1.0,
    }
    assert phq8.extras["total_source"] == "default"
    assert phq8.extras["redcap"]["fields"]["phq8_i3_s1_r1_e1"]["matrix_group_name"] == "phq_b1ea35"
    assert any("share the answer scale" in n for n in phq8.extras["import_notes"])


def test_identifier_flags_are_kept_and_never_scored() -> None:
    ndclab = dictionary(NDCLAB)
    # The eligibility form's thirteen answers are all identifiers: nothing is left to score.
    assert "info_s1_r1_e1" in ndclab.skipped_forms
    assert any(
        "info_s1_r1_e1: skipped" in n and "identifier fields are never scored" in n
        for n in ndclab.notes
    )
    demographics = dictionary(LONG_DICT).instrument_for_form("demographics")
    for item_id in ("first_name", "last_name", "telephone_1", "email", "dob"):
        item = demographics.item(item_id)
        assert item.identifier
        assert not item.scored
        assert item.kind == "text"
    assert not demographics.item("age").identifier


def test_every_redcap_field_type_in_case01() -> None:
    instrument = dictionary(CASE01_DICT).instruments[0]
    kinds = {i.id: i.kind for i in instrument.items}
    assert kinds["unvalidated_text"] == kinds["date_dmy"] == kinds["notes"] == "text"
    assert (kinds["integer"], instrument.item("integer").minimum) == ("number", 0.0)
    assert (kinds["number"], instrument.item("number").maximum) == ("number", 100.0)
    assert options(instrument, "dropdown_character") == [
        ("a", None, "Choice A"),
        ("b", None, "Choice B"),
        ("c", None, "Choice C"),
    ]
    assert [o[0] for o in options(instrument, "dropdown_mixed")] == ["a_1", "b_2", "c_3"]
    assert not instrument.item("dropdown_character").scored
    assert options(instrument, "radio_buttons")[2] == (3, 3.0, "Choice 3")
    assert [i for i in kinds if i.startswith("checkbox")] == [
        "checkbox___1",
        "checkbox___2",
        "checkbox___3",
    ]
    assert instrument.item("checkbox___2").text["en"] == "Checkboxes — Selection 2"
    assert options(instrument, "yes_no") == [(1, 1.0, "Yes"), (0, 0.0, "No")]
    assert options(instrument, "true_false") == [(1, 1.0, "True"), (0, 0.0, "False")]
    slider = instrument.item("slider")
    assert (slider.kind, slider.minimum, slider.maximum) == ("number", 0.0, 100.0)
    redcap = instrument.extras["redcap"]
    assert redcap["sliders"]["slider"] == ["left", "middle", "right"]
    assert [(o["field"], o["type"]) for o in redcap["other_fields"]] == [
        ("signature_draw", "file"),
        ("file_upload", "file"),
        ("descriptive_text", "descriptive"),
    ]
    # "[integer] + [number]" is a plain sum: it is the total, and only those two are scored.
    assert rule_summary(instrument.total)["items"] == ["integer", "number"]
    assert [i.id for i in instrument.scored_items] == ["integer", "number"]
    assert instrument.extras["redcap"]["total_field"] == "calculated"


def test_a_sum_of_missing_code_recodes_becomes_the_total_of_the_hbcd_depression_items() -> None:
    result = dictionary(HBCD)
    apa = result.instrument_for_form("pex_bm_apa")
    depression = [f"pex_bm_apa2_depr_00{n}" for n in range(1, 9)]
    assert rule_summary(apa.total) == {
        "method": "sum",
        "items": depression,
        "min_answered": 8,
        "multiplier": 1.0,
    }
    assert apa.total.label["en"] == "APA - Summary Score - Sum"
    # 999 "Don't know" and 777 "Decline to answer" are blanked by the recode: missing, not 999.
    assert options(apa, "pex_bm_apa2_depr_001") == [
        (1, 1.0, "Never"),
        (2, 2.0, "Rarely"),
        (3, 3.0, "Sometimes"),
        (4, 4.0, "Often"),
        (5, 5.0, "Always"),
        (999, None, "Don't know"),
        (777, None, "Decline to answer"),
    ]
    assert len(apa.scored_items) == 8
    assert not apa.item("pex_bm_apa1_suic_001").scored
    assert any(
        n.startswith(
            'pex_bm_apa: total = sum of 8 items, from the calc field "pex_bm_apa2_depr_score"'
            " (row 64)"
        )
        and "Buoy asks for all 8" in n
        for n in result.notes
    )


def test_other_calculations_are_kept_in_extras_and_reported() -> None:
    result = dictionary(HBCD)
    apa = result.instrument_for_form("pex_bm_apa")
    kept = {c["field"]: c for c in apa.extras["redcap"]["calculations"]}
    flag = kept["pex_bm_apa1_flag01"]
    assert flag["expression"] == (
        "if(([pex_bm_apa1_suic_001] > 0 AND [pex_bm_apa1_suic_001] < 777), 1, 0)"
    )
    assert "reason" in flag
    assert flag["row"] == 47
    assert kept["pex_bm_apa2_depr_001_i_01"]["used_as"] == "missing-code recode"
    assert kept["pex_bm_apa2_depr_score"]["used_as"] == "rule"
    assert any(
        n.startswith('pex_bm_apa, row 47, field "pex_bm_apa1_flag01": kept the calculation')
        and "not scored because" in n
        for n in result.notes
    )
    illness = result.instrument_for_form("pex_bm_health_preg_i_illness")
    others = illness.extras["redcap"]["other_fields"]
    assert {o["type"] for o in others} == {"sql", "descriptive"}
    assert sum(o["type"] == "sql" for o in others) == 20
    # Some calc fields hold jQuery, not REDCap calculations.
    assert any(
        c["expression"].startswith("$('#pex_bm_health_preg_i_illness_003_i_03-tr")
        for c in illness.extras["redcap"]["calculations"]
    )
    # Height in inches to centimetres is arithmetic, not a score.
    assert any(
        'field "pex_bm_health_preg_i_healthhx_008"' in n and "arithmetic, not a score" in n
        for n in result.notes
    )
    longitudinal = dictionary(LONG_DICT)
    bmi = longitudinal.instrument_for_form("demographics").extras["redcap"]["calculations"][0]
    assert (bmi["field"], bmi["expression"]) == (
        "bmi",
        "round(([weight]*10000)/(([height])^(2)),1)",
    )
    assert any(n.startswith('demographics, row 24, field "bmi": kept') for n in longitudinal.notes)


def test_without_a_sum_the_total_is_the_shared_scale_and_dont_know_is_missing() -> None:
    result = dictionary(HBCD)
    ptsd = result.instrument_for_form("pex_bm_str_i_ptsd")
    items = [f"pex_bm_str_i_ptsd_{n:03d}" for n in range(1, 11)]
    assert list(ptsd.total.items) == items
    assert not ptsd.item("pex_bm_str_i_ptsd_location").scored  # "1, Remote | 2, On-site"
    assert options(ptsd, "pex_bm_str_i_ptsd_001")[-2:] == [
        (999, None, "Don't know"),
        (777, None, "Decline to answer"),
    ]
    assert ptsd.extras["redcap"]["missing_codes"]["pex_bm_str_i_ptsd_001"] == ["777", "999"]
    # A language choice with text codes is kept, unscored.
    assert options(ptsd, "pex_bm_str_i_ptsd") == [
        ("en", None, "English"),
        ("es", None, "Spanish"),
    ]


def test_negative_and_text_codes_commas_in_labels_and_several_sums() -> None:
    text = "\n".join(
        [
            ",".join(f'"{h}"' for h in HUMAN_HEADERS),
            "id,intake,,text,ID,,,,,,,,,,,,,",
            'q1,coping,,radio,"First, the easy one","-1, Refused, or not asked | 0, No | '
            '1, Yes, sometimes | 2, Yes, often",,,,,,,,,,,,',
            'q2,coping,,radio,Second,"0, No | 1, Yes, sometimes | 2, Yes, often",,,,,,,,,,,,',
            'q3,coping,,radio,Third,"0, No | 1, Yes, sometimes | 2, Yes, often",,,,,,,,,,,,',
            'q4,coping,,radio,Fourth,"0, No | 1, Yes, sometimes | 2, Yes, often",,,,,,,,,,,,',
            'part_a,coping,,calc,Part A,"sum([q1],(2-[q2]))",,,,,,,,,,,,',
            'part_b,coping,,calc,Part B,"[q3] + [q4]",,,,,,,,,,,,',
            'coping_total,coping,,calc,Coping total,"sum([part_a],[part_b])",,,,,,,,,,,,',
            'coping_mean,coping,,calc,Coping mean,"mean([q3],[q4])*10",,,,,,,,,,,,',
            'sex,coping,,radio,Sex,"M, Male | F, Female",,,,,,,,,,,,',
        ]
    )
    result = read_data_dictionary(text, source="coping.csv")
    (coping,) = result.instruments
    assert options(coping, "q1") == [
        (-1, -1.0, "Refused, or not asked"),
        (0, 0.0, "No"),
        (1, 1.0, "Yes, sometimes"),
        (2, 2.0, "Yes, often"),
    ]
    assert coping.item("q2").reverse
    assert not coping.item("q1").reverse
    assert rules(coping) == [
        {
            "id": "total",
            "method": "sum",
            "items": ["q1", "q2", "q3", "q4"],
            "min_answered": 4,
            "multiplier": 1.0,
        },
        {
            "id": "part_a",
            "method": "sum",
            "items": ["q1", "q2"],
            "min_answered": 2,
            "multiplier": 1.0,
        },
        {
            "id": "part_b",
            "method": "sum",
            "items": ["q3", "q4"],
            "min_answered": 2,
            "multiplier": 1.0,
        },
        {
            "id": "coping_mean",
            "method": "mean",
            "items": ["q3", "q4"],
            "min_answered": 2,
            "multiplier": 10.0,
        },
    ]
    assert coping.extras["redcap"]["total_field"] == "coping_total"
    assert not coping.item("sex").scored


# --- records --------------------------------------------------------------------------------


def test_longitudinal_flat_records_per_record_event_and_form() -> None:
    records = read_records(
        sample(LONG_FLAT), dictionary_or_instrument=dictionary(LONG_DICT), source=LONG_FLAT
    )
    assert len(records) == 33
    first = records[0]
    assert (first.record_id, first.event, first.repeat_instance, first.form, first.complete) == (
        "100",
        "enrollment_arm_1",
        None,
        "demographics",
        2,
    )
    assert {k: first.answers[k] for k in ("ethnicity", "race", "sex", "specify_mood")} == {
        "ethnicity": 0,
        "race": 4,
        "sex": 1,
        "specify_mood": 71,
    }
    assert [first.answers[f"gym___{d}"] for d in range(5)] == [1, 0, 0, 0, 0]
    assert first.answers["first_name"] == "Zharko"  # identifiers are read; the caller decides
    assert "bmi" not in first.answers  # a calculation, recomputed rather than imported
    morale = [
        (r.record_id, r.event, r.answers, r.complete)
        for r in records
        if r.form == "patient_morale_questionnaire" and r.record_id == "220"
    ]
    assert morale[0] == (
        "220",
        "dose_1_arm_1",
        {"pmq1": 0, "pmq2": 1, "pmq3": 0, "pmq4": 2},
        2,
    )
    assert len(morale) == 4
    # An event where only the form status was set still counts, with no answers.
    opted = [r for r in records if r.event == "deadline_to_opt_ou_arm_2"]
    assert [(r.form, r.answers, r.complete) for r in opted] == [("contact_info", {}, 1)]


def test_repeating_instruments_give_one_answer_set_per_instance() -> None:
    result = dictionary(REPEAT_DICT)
    # The "bp" form has only text fields, so the dictionary skips it; a site defines it.
    bp = instrument_from_dict(
        {
            "id": "bp",
            "version": "1",
            "name": "Blood pressure",
            "licence": {"status": "free"},
            "response_sets": {},
            "items": [
                {"id": "bp_systolic", "kind": "number"},
                {"id": "bp_diastolic", "kind": "number"},
            ],
            "total": {"method": "sum", "items": ["bp_systolic", "bp_diastolic"]},
            "extras": {"redcap_form": "bp"},
        }
    )
    records = read_records(
        sample(REPEAT_FLAT),
        dictionary_or_instrument=[*result.instruments, bp],
        source=REPEAT_FLAT,
    )
    assert [(r.record_id, r.form, r.repeat_instance) for r in records] == [
        ("1", "demographics", None),
        ("1", "bp", 1),
        ("1", "bp", 2),
        ("1", "bp", 3),
        ("2", "demographics", None),
        ("2", "bp", 1),
    ]
    assert records[2].answers == {"bp_systolic": 111, "bp_diastolic": 101}
    assert records[0].answers["race"] == 4
    assert records[0].complete == 2


def test_case01_eav_api_flat_and_ui_exports_agree_except_the_slider() -> None:
    instrument = dictionary(CASE01_DICT)
    read = {
        name: {
            r.record_id: r
            for r in read_records(sample(name), dictionary_or_instrument=instrument, source=name)
        }
        for name in (CASE01_EAV, CASE01_FLAT, CASE01_UI)
    }
    eav, flat, ui = read[CASE01_EAV], read[CASE01_FLAT], read[CASE01_UI]
    assert len(eav) == len(flat) == len(ui) == 100
    first = ui["1"].answers
    assert (first["integer"], first["number"], first["radio_buttons"]) == (32, 93.2969466084614, 3)
    assert (first["dropdown_character"], first["dropdown_mixed"]) == ("a", "c_3")
    assert [first[f"checkbox___{c}"] for c in (1, 2, 3)] == [0, 0, 1]
    assert (first["yes_no"], first["true_false"], first["slider"]) == (1, 0, 77)
    for record_id, row in ui.items():
        without_slider = {k: v for k, v in row.answers.items() if k != "slider"}
        assert {k: v for k, v in flat[record_id].answers.items() if k != "slider"} == (
            without_slider
        )
        assert eav[record_id].answers == without_slider  # the EAV export lost every slider
        assert flat[record_id].answers.get("slider") == row.answers.get("slider")
    # The UI export has a status column for every record, the API flat export has none, and
    # the EAV export only one "my_first_instrument_complete" row (record 1).
    assert {r.complete for r in ui.values()} == {0}
    assert {r.complete for r in flat.values()} == {None}
    assert [k for k, r in eav.items() if r.complete is not None] == ["1"]


def test_case07_eav_label_and_raw_exports_agree() -> None:
    result = dictionary(CASE07_DICT)
    read = {
        name: [
            (r.record_id, r.event, r.form, r.answers)
            for r in read_records(sample(name), dictionary_or_instrument=result, source=name)
        ]
        for name in (CASE07_EAV, CASE07_LABELS, CASE07_UI)
    }
    assert read[CASE07_EAV] == read[CASE07_LABELS] == read[CASE07_UI]
    assert len(read[CASE07_UI]) == 79
    # Record 55 in chamber 3 without ozone; the labels export says "Chamber 3", "No".
    assert ("55", "measurement_1_arm_1", "tree_environment", {"chamber": 3, "ozone": 0}) in read[
        CASE07_UI
    ]
    assert b'"55","measurement_1_arm_1","Chamber 3","No"' in sample(CASE07_LABELS)


def test_a_record_code_that_is_not_an_option_is_refused_by_row_and_column() -> None:
    records = sample(LONG_FLAT).decode().replace("1983-09-23,31,0,4,1", "1983-09-23,31,7,4,1", 1)
    message = error_of(
        lambda: read_records(
            records, dictionary_or_instrument=dictionary(LONG_DICT), source="records.csv"
        )
    )
    assert message == (
        'records.csv, row 2, field "ethnicity": "7" is not one of the codes of "ethnicity" '
        "(0, 1, 2)"
    )


def test_a_cut_records_file_and_a_word_in_a_number_are_refused() -> None:
    text = sample(CASE01_UI).decode()
    cut = text[: text.index("WUNRDTAGZ") + 20]
    instrument = dictionary(CASE01_DICT)
    assert error_of(
        lambda: read_records(cut, dictionary_or_instrument=instrument, source="records.csv")
    ) == (
        'records.csv, row 2, field "notes": a quoted value is not closed before the file '
        "ends: the file looks cut short (export it again)"
    )
    worded = text.replace(",32,93.2969466084614,", ",thirty-two,93.2969466084614,", 1)
    assert (
        error_of(
            lambda: read_records(worded, dictionary_or_instrument=instrument, source="records.csv")
        )
        == 'records.csv, row 2, field "integer": "thirty-two" is not a number (item "integer")'
    )


# --- writing --------------------------------------------------------------------------------

COPING: dict[str, Any] = {
    "id": "coping",
    "version": "2",
    "name": {"en": "Coping check"},
    "licence": {"status": "free"},
    "response_sets": {
        "often4": {
            "options": [
                {"value": 0, "label": {"en": "Never"}},
                {"value": 1, "label": {"en": "Sometimes, rarely"}},
                {"value": 2, "label": {"en": "Often"}},
                {"value": 3, "label": {"en": "Always"}},
                {"value": 9, "score": None, "label": {"en": "Don't know"}},
            ]
        }
    },
    "items": [
        {"id": "q1", "options": "often4", "text": {"en": "I ask for help"}},
        {"id": "q2", "options": "often4", "text": {"en": "I give up"}, "reverse": True},
        {"id": "q3", "options": "often4", "text": {"en": "I plan ahead"}},
        {"id": "q4", "options": "often4"},
        {"id": "note", "kind": "text", "text": {"en": "Anything else?"}},
    ],
    "total": {"method": "prorated_sum", "items": ["q1", "q2", "q3", "q4"], "min_answered": 3},
    "subscales": [{"id": "active", "method": "sum", "items": ["q1", "q3"]}],
}


def test_written_dictionary_has_the_18_columns_a_record_id_radio_items_and_a_sum() -> None:
    text = write_data_dictionary(instrument_from_dict(COPING))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(HUMAN_HEADERS)
    assert rows[1][:5] == ["record_id", "coping", "", "text", "Record ID"]
    assert rows[2][:6] == [
        "q1",
        "coping",
        "",
        "radio",
        "I ask for help",
        "0, Never | 1, Sometimes, rarely | 2, Often | 3, Always | 9, Don't know",
    ]
    assert rows[5][4] == "Item 4"
    assert "@BUOY-NO-WORDING" in rows[5][17]
    total = rows[7]
    assert total[:4] == ["coping_total", "coping", "", "calc"]
    assert total[5] == (
        "sum(if([q1] = '9', '', [q1]), (3-if([q2] = '9', '', [q2])), if([q3] = '9', '', [q3]), "
        "if([q4] = '9', '', [q4]))"
    )
    assert total[17] == '@BUOY-RULE=\'{"method": "prorated_sum", "min_answered": 3}\''
    assert rows[8][:6] == [
        "active",
        "coping",
        "",
        "calc",
        "active",
        "sum(if([q1] = '9', '', [q1]), if([q3] = '9', '', [q3]))",
    ]


WEIGHTED: dict[str, Any] = {
    "id": "weighted",
    "version": "1",
    "name": "Weighted",
    "licence": {"status": "free"},
    "response_sets": {
        "yn": {"options": [{"value": 1, "label": "Ja"}, {"value": 0, "label": "Nein"}]},
        "three": {"options": [{"value": 0}, {"value": 1}, {"value": 2}]},
    },
    "items": [
        {"id": "a", "options": "three", "weight": 2, "text": "A"},
        {"id": "b", "options": "three", "text": "B"},
        {"id": "c", "kind": "yesno", "options": "yn", "text": "C"},
    ],
    "total": {"method": "weighted_sum", "items": ["a", "b", "c"], "multiplier": 4},
}


@pytest.mark.parametrize("definition", [COPING, WEIGHTED], ids=["coping", "weighted"])
def test_export_then_import_gives_the_same_items_options_and_rules(
    definition: dict[str, Any],
) -> None:
    original = instrument_from_dict(definition)
    again = read_data_dictionary(write_data_dictionary(original), source="again.csv")
    (back,) = again.instruments
    assert back.id == original.id
    assert item_facts(back) == item_facts(original)
    assert rules(back) == rules(original)


@pytest.mark.parametrize(
    ("name", "form"),
    [
        (NDCLAB, "phq8_s1_r1_e1"),
        (HBCD, "pex_bm_apa"),
        (CASE01_DICT, "my_first_instrument"),
        (LONG_DICT, "demographics"),
    ],
)
def test_a_sample_form_survives_export_and_import(name: str, form: str) -> None:
    original = dictionary(name).instrument_for_form(form)
    back = read_data_dictionary(write_data_dictionary(original), source="again.csv")
    assert item_facts(back.instrument_for_form(form)) == item_facts(original)
    assert rules(back.instrument_for_form(form)) == rules(original)


def test_the_bundled_library_survives_export_and_import() -> None:
    files = sorted(LIBRARY.glob("*.json"))
    assert files, "the bundled instrument library is empty"
    for path in files:
        original = instrument_from_dict(json.loads(path.read_text()), source=path.name)
        (back,) = read_data_dictionary(
            write_data_dictionary(original), source=f"{original.id}.csv"
        ).instruments
        assert back.id == original.id
        assert rules(back) == rules(original), path.name
        for before, after in zip(item_facts(original), item_facts(back), strict=True):
            assert before[:9] == after[:9], path.name
            # REDCap has no option scores: where a score differs from its value (PedsQL's
            # 0–4 answers scored 100–0), the score is written as the code.
            assert [(s, label) for _, s, label in before[9]] == [
                (s, label) for _, s, label in after[9]
            ]
            if all(v == s for v, s, _ in before[9] if s is not None):
                assert before[9] == after[9], path.name


# --- broken files ---------------------------------------------------------------------------

SMALL = "\n".join(
    [
        ",".join(f'"{h}"' for h in HUMAN_HEADERS),
        "record_id,phq,,text,Record ID,,,,,,,,,,,,,",
        *(
            f'phq_{n},phq,,radio,"Question {n}","0, Never | 1, Often",,,,,,,,,,,,'
            for n in range(1, 12)
        ),
        'phq_12,phq,,radio,"Question 12","1 Never | 2, Often",,,,,,,,,,,,',
        "",
    ]
)


def test_the_small_dictionary_reads_once_its_choices_are_mended() -> None:
    good = SMALL.replace('"1 Never | 2, Often"', '"1, Never | 2, Often"')
    assert len(read_data_dictionary(good, source="dictionary.csv").instruments[0].items) == 12


def test_unreadable_choices_name_file_row_field_and_reason() -> None:
    assert error_of(lambda: read_data_dictionary(SMALL, source="dictionary.csv")) == (
        'dictionary.csv, row 14, field "choices": cannot read "1 Never | 2, Often" as '
        '"code, label" pairs: "1 Never" has no comma between code and label (variable "phq_12")'
    )


def test_a_truncated_dictionary_names_the_row_and_field_it_was_cut_in() -> None:
    text = sample(LONG_DICT).decode()
    cut = text[: text.index('"0, Hispanic or Latino') + 12]
    assert error_of(lambda: read_data_dictionary(cut, source="dictionary.csv")) == (
        'dictionary.csv, row 11, field "choices": a quoted value is not closed before the file '
        "ends: the file looks cut short (export it again)"
    )
    assert error_of(
        lambda: read_data_dictionary(text + "extra,demographics,,text\n", source="dictionary.csv")
    ) == (
        "dictionary.csv, row 97: has 4 columns where the header has 18: the row is incomplete "
        "(is the file cut short?)"
    )


def test_binary_and_non_utf8_files_are_refused_with_a_clear_reason() -> None:
    assert error_of(
        lambda: read_data_dictionary(b"\x00\x01\x02\x03garbage", source="dictionary.csv")
    ) == (
        "dictionary.csv: is a binary file, not text (a NUL byte at offset 0); export it as CSV "
        "(UTF-8) or JSON"
    )
    assert "is a zip or Office file" in error_of(
        lambda: read_data_dictionary(b"PK\x03\x04workbook", source="dictionary.xlsx")
    )
    latin1 = sample(LONG_DICT).decode().replace("Study ID", "Numéro d'étude").encode("latin-1")
    assert error_of(lambda: read_data_dictionary(latin1, source="dictionary.csv")) == (
        'dictionary.csv, row 2, field "field label": is not UTF-8 text (byte 0xe9); save the file '
        'as UTF-8 (Excel: "CSV UTF-8 (Comma delimited)") and import it again'
    )


def test_missing_columns_and_rows_without_a_form_are_refused() -> None:
    text = sample(LONG_DICT).decode()
    assert (
        error_of(
            lambda: read_data_dictionary(
                text.replace('"Form Name",', '"Instrument",', 1), source="d.csv"
            )
        )
        == 'd.csv, row 1, field "form name": this required column is missing (a browser '
        'download calls it "Form Name", the API "form_name")'
    )
    assert (
        error_of(
            lambda: read_data_dictionary(text.replace("sex,demographics,", "sex,,"), source="d.csv")
        )
        == 'd.csv, row 13, field "form name": the field "sex" belongs to no form'
    )
    assert "it looks like a records export" in error_of(
        lambda: read_data_dictionary(sample(LONG_FLAT), source="records.csv")
    )
    assert error_of(lambda: read_data_dictionary(b"", source="d.csv")) == "d.csv: is empty"


def test_other_broken_rows_are_refused_by_row() -> None:
    text = sample(LONG_DICT).decode()
    assert error_of(
        lambda: read_data_dictionary(
            text.replace(",radio,Gender", ",radial,Gender"), source="d.csv"
        )
    ).startswith('d.csv, row 13, field "field type": "radial" is not a REDCap field type')
    duplicate = text + "sex,completion_project_questionnaire,,text,Again,,,,,,,,,,,,,\n"
    assert error_of(lambda: read_data_dictionary(duplicate, source="d.csv")) == (
        'd.csv, row 97, field "field name": "sex" is already defined in row 13'
    )
    scattered = text + "again,demographics,,text,Again,,,,,,,,,,,,,\n"
    assert "started earlier and other forms came between" in error_of(
        lambda: read_data_dictionary(scattered, source="d.csv")
    )
