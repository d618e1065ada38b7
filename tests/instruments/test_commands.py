"""`buoy instruments ...` against the test database, with the real samples in ../shared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from buoy.access import services as access_services
from buoy.access.models import User
from buoy.cases.models import Case
from buoy.cli import main
from buoy.instruments.models import Assessment, InstrumentVersion, InstrumentWording
from tests.shared_files import SHARED, shared

pytestmark = pytest.mark.django_db

SAMPLES = SHARED / "samples"


@pytest.fixture(autouse=True)
def _samples_present() -> None:
    shared("samples")


def test_list_json_names_id_name_version_and_scored_items(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["instruments", "list", "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["cdrisc10"]["items"] == 10
    assert {"id", "name", "version", "items"} <= set(rows["phq9"])


def test_a_redcap_dictionary_becomes_instruments_with_notes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sample = SAMPLES / "redcap" / "rtd_case01_all_field_types_DataDictionary.csv"
    assert main(["instruments", "import", str(sample)]) == 0
    out = capsys.readouterr().out
    assert "imported my_first_instrument" in out
    assert "note:" in out
    assert InstrumentVersion.objects.get(instrument_id="my_first_instrument").origin == "redcap"


def test_a_fhir_questionnaire_is_imported_and_exported_again(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sample = (
        SAMPLES / "fhir" / "sdc_2.8.0_Questionnaire-questionnaire-sdc-profile-example-PHQ9.json"
    )
    assert main(["instruments", "import", str(sample)]) == 0
    instrument_id = capsys.readouterr().out.split()[1]
    out = tmp_path / "q.json"
    assert main(["instruments", "export", instrument_id, "--format", "fhir", "-o", str(out)]) == 0
    exported = json.loads(out.read_text())
    assert exported["resourceType"] == "Questionnaire"


@pytest.mark.parametrize("fmt", ["native", "redcap", "fhir"])
def test_every_bundled_instrument_exports_in_every_format(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["instruments", "export", "cdrisc10", "--format", fmt]) == 0
    text = capsys.readouterr().out
    assert "item10" in text


def test_a_native_export_reimports_as_the_same_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "brs.json"
    assert main(["instruments", "export", "brs", "-o", str(out)]) == 0
    before = InstrumentVersion.objects.count()
    assert main(["instruments", "import", str(out)]) == 0
    assert InstrumentVersion.objects.count() == before  # identical: nothing new


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x00\x01\x02binary", "binary"),
        (b'{"id": "x", "version": ', "not valid JSON"),
        (b'"Variable / Field Name","Form Name"\nrecord_id', "row"),
    ],
)
def test_a_malformed_file_exits_2_with_one_line_and_imports_nothing(
    content: bytes, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    before = InstrumentVersion.objects.count()
    assert main(["instruments", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert expected in err
    assert "Traceback" not in err
    assert InstrumentVersion.objects.count() == before


def test_a_questionnaire_response_is_not_taken_for_a_definition(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sample = (
        SAMPLES
        / "fhir"
        / "sdc_2.8.0_QuestionnaireResponse-questionnaireresponse-sdc-profile-example-PHQ9.json"
    )
    assert main(["instruments", "import", str(sample)]) == 2
    assert "import-records" in capsys.readouterr().err


def test_a_licensed_site_imports_its_wording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wording = {
        "instrument": "cdrisc10",
        "version": "1",
        "language": "en",
        "items": {f"item{i}": f"Site wording {i}" for i in range(1, 11)},
    }
    path = tmp_path / "cdrisc10.en.json"
    path.write_text(json.dumps(wording))
    assert main(["instruments", "import-wording", str(path)]) == 0
    version = InstrumentVersion.objects.get(instrument_id="cdrisc10", is_current=True)
    assert InstrumentWording.objects.get(instrument_version=version).language == "en"
    assert version.instrument().items[0].text["en"] == "Site wording 1"
    # The export never carries the site's licensed wording.
    assert main(["instruments", "export", "cdrisc10"]) == 0
    assert "Site wording" not in capsys.readouterr().out


def test_wording_for_unknown_items_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.json"
    path.write_text(
        json.dumps(
            {"instrument": "cdrisc10", "version": "1", "language": "en", "items": {"item99": "?"}}
        )
    )
    assert main(["instruments", "import-wording", str(path)]) == 2
    assert "item99" in capsys.readouterr().err
    assert not InstrumentWording.objects.filter(instrument_version__instrument_id="cdrisc10")


@pytest.mark.parametrize(
    "records", ["rtd_case01_records_api_flat.csv", "rtd_case01_records_api_eav.csv"]
)
def test_redcap_records_become_assessments_of_mapped_cases(
    records: str,
    alice_worker: User,
    alice_case: Case,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(
        [
            "instruments",
            "import",
            str(SAMPLES / "redcap" / "rtd_case01_all_field_types_DataDictionary.csv"),
        ]
    )
    mapping = tmp_path / "map.csv"
    mapping.write_text(f"record_id,case\n1,{alice_case.reference}\n")
    args = [
        "instruments",
        "import-records",
        str(SAMPLES / "redcap" / records),
        "--instrument",
        "my_first_instrument",
        "--map",
        str(mapping),
        "--as-user",
        "alice_worker",
    ]
    assert main(args) == 2  # unmapped records are refused unless told to skip them
    assert not Assessment.objects.exists()
    assert main([*args, "--skip-unmapped"]) == 0
    assessment = Assessment.objects.get()
    assert assessment.case == alice_case
    assert assessment.mode == "import"
    assert "99 records not in the mapping" in capsys.readouterr().out


def test_a_mapping_to_a_case_the_user_cannot_see_is_refused(
    bob_same_team: User, alice_case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(
        [
            "instruments",
            "import",
            str(SAMPLES / "redcap" / "rtd_case01_all_field_types_DataDictionary.csv"),
        ]
    )
    mapping = tmp_path / "map.csv"
    mapping.write_text(f"record_id,case\n1,{alice_case.reference}\n")
    assert (
        main(
            [
                "instruments",
                "import-records",
                str(SAMPLES / "redcap" / "rtd_case01_records_api_flat.csv"),
                "--instrument",
                "my_first_instrument",
                "--map",
                str(mapping),
                "--as-user",
                "bob_same_team",
                "--skip-unmapped",
            ]
        )
        == 2
    )
    assert "row 2" in capsys.readouterr().err
    assert not Assessment.objects.exists()


def test_an_assessment_is_served_as_a_fhir_questionnaire_response(
    alice_worker: User, alice_case: Case
) -> None:
    from buoy.instruments import services
    from buoy.instruments.models import Timepoint
    from buoy.instruments.selectors import current_instrument

    phq9 = current_instrument("phq9")
    assessment = services.start_assessment(
        actor=alice_worker,
        case=alice_case,
        caregiver=alice_case.caregivers.get(),
        instrument_version=phq9,
        timepoint=Timepoint.objects.get(code="baseline"),
    )
    answers = {item.id: 1 for item in phq9.instrument().scored_items}
    services.record_answers(
        actor=alice_worker, assessment=assessment, answers=answers, complete=True
    )
    key = access_services.issue_api_token(actor=None, user=alice_worker)
    body = (
        Client(HTTP_AUTHORIZATION=f"Token {key}")
        .get(f"/api/v1/assessments/{assessment.pk}/fhir/")
        .json()
    )
    assert body["resourceType"] == "QuestionnaireResponse"
    assert body["status"] == "completed"
    assert len(body["item"]) >= 9


def test_a_changed_redcap_form_imported_again_becomes_a_new_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = SAMPLES / "redcap" / "rtd_case01_all_field_types_DataDictionary.csv"
    assert main(["instruments", "import", str(sample)]) == 0
    changed = tmp_path / "changed.csv"
    changed.write_text(
        sample.read_text(encoding="utf-8-sig").replace("Radio Button", "Radio!"), encoding="utf-8"
    )
    assert main(["instruments", "import", str(changed)]) == 0
    versions = list(
        InstrumentVersion.objects.filter(instrument_id="my_first_instrument")
        .order_by("imported_at")
        .values_list("version", "is_current")
    )
    assert versions == [("1", False), ("2", True)]


def test_the_department_adds_a_follow_up_timepoint(capsys: pytest.CaptureFixture[str]) -> None:
    from buoy.instruments.models import Timepoint

    assert (
        main(
            [
                "instruments",
                "timepoint",
                "follow_up_6m",
                "--label-en",
                "Follow-up at 6 months",
                "--label-zh",
                "6个月随访",
                "--months",
                "6",
            ]
        )
        == 0
    )
    added = Timepoint.objects.get(code="follow_up_6m")
    assert (added.label_zh, added.months_after_end) == ("6个月随访", 6)
    assert main(["instruments", "timepoint", "Bad Code", "--label-en", "x", "--label-zh", "y"]) == 2
    assert not Timepoint.objects.filter(label_en="x").exists()
