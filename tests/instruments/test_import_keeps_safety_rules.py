"""An import never silently drops a safety rule (issue 8, part 8).

A REDCap form named `phq9` or a FHIR Questionnaire named `who5` used to become the bundled
instrument's version in use, without its item-9 alert, bands or licence. Now such an import
gets its own id unless the importer asks to replace the bundled instrument; a replacement
keeps the bundled rules, or drops them only with a reason; and the import says what it did.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Case
from buoy.cli import main
from buoy.core.errors import InvalidInput
from buoy.instruments import services
from buoy.instruments.domain.definition import instrument_from_dict, instrument_to_dict
from buoy.instruments.domain.fhir import read_questionnaire, write_questionnaire
from buoy.instruments.domain.library import bundled_instrument
from buoy.instruments.domain.redcap import read_data_dictionary, write_data_dictionary
from buoy.instruments.domain.replacement import carry_bundled_rules, own_id, rule_can_fire
from buoy.instruments.models import InstrumentVersion, SafetyAlert, Timepoint
from buoy.instruments.selectors import current_instrument
from tests.shared_files import shared

pytestmark = pytest.mark.django_db

SDC_PHQ9 = "sdc_2.8.0_Questionnaire-questionnaire-sdc-profile-example-PHQ9.json"


@pytest.fixture
def phq9_redcap_dictionary(tmp_path: Path) -> Path:
    """A site's REDCap project with a PHQ-9 form named `phq9` (items item1–item9, plus the
    unscored difficulty question), as REDCap exports its data dictionary."""
    path = tmp_path / "phq9_DataDictionary.csv"
    path.write_text(write_data_dictionary(bundled_instrument("phq9")), encoding="utf-8")
    return path


@pytest.fixture
def who5_questionnaire(tmp_path: Path) -> Path:
    """A FHIR Questionnaire named `who5` (as another system serves WHO-5)."""
    path = tmp_path / "who5_Questionnaire.json"
    questionnaire = write_questionnaire(bundled_instrument("who5"))
    path.write_text(json.dumps(questionnaire, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def sdc_questionnaire_named_phq9(tmp_path: Path) -> Path:
    """The real SDC PHQ-9 sample, named `phq9`; its items are H1/T1/Q1 … Q9, not item1 … 9."""
    data = json.loads(shared("samples", "fhir", SDC_PHQ9).read_text(encoding="utf-8"))
    data["name"] = "phq9"
    path = tmp_path / "phq9_sdc.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def phq9_alerts_in_use(worker: User, case: Case) -> bool:
    """Whether the PHQ-9 in use raises the item-9 alert when item 9 is answered 1."""
    version = current_instrument("phq9")
    assessment = services.start_assessment(
        actor=worker,
        case=case,
        caregiver=case.caregivers.get(),
        instrument_version=version,
        timepoint=Timepoint.objects.get(code="baseline"),
    )
    answers = {item.id: 0 for item in version.instrument().scored_items}
    if "item9" not in answers:
        return False
    answers["item9"] = 1
    services.record_answers(actor=worker, assessment=assessment, answers=answers, complete=True)
    return SafetyAlert.objects.filter(assessment=assessment).exists()


# --- without --replace: its own id ---------------------------------------------------------


def test_a_redcap_form_named_phq9_gets_its_own_id_and_the_bundled_phq9_keeps_alerting(
    phq9_redcap_dictionary: Path,
    capsys: pytest.CaptureFixture[str],
    alice_worker: User,
    alice_case: Case,
) -> None:
    assert main(["instruments", "import", str(phq9_redcap_dictionary)]) == 0
    out = capsys.readouterr().out
    assert "imported phq9_redcap v1 (redcap): phq9 is a bundled instrument" in out
    assert "--replace" in out
    in_use = current_instrument("phq9")
    assert (in_use.origin, in_use.version) == ("bundled", "1")
    assert [rule.id for rule in in_use.instrument().safety_rules] == ["item9_self_harm"]
    assert current_instrument("phq9_redcap").origin == "redcap"
    assert phq9_alerts_in_use(alice_worker, alice_case)
    event = AuditEvent.objects.get(action="instruments.import.own_id")
    assert event.context == {"requested": "phq9", "instrument": "phq9_redcap"}


def test_the_same_form_imported_again_finds_its_own_instrument(
    phq9_redcap_dictionary: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["instruments", "import", str(phq9_redcap_dictionary)]) == 0
    assert main(["instruments", "import", str(phq9_redcap_dictionary)]) == 0
    assert "unchanged phq9_redcap v1" in capsys.readouterr().out
    changed = tmp_path / "changed.csv"
    changed.write_text(
        phq9_redcap_dictionary.read_text(encoding="utf-8").replace("Several days", "Some days"),
        encoding="utf-8",
    )
    assert main(["instruments", "import", str(changed)]) == 0
    assert "imported phq9_redcap v2 (redcap)" in capsys.readouterr().out
    assert current_instrument("phq9").origin == "bundled"


def test_a_fhir_questionnaire_named_who5_keeps_the_bundled_who5_and_its_bands(
    who5_questionnaire: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bands = len(bundled_instrument("who5").bands)
    assert main(["instruments", "import", str(who5_questionnaire)]) == 0
    assert "imported who5_fhir v1998 (fhir): who5 is a bundled instrument" in (
        capsys.readouterr().out
    )
    in_use = current_instrument("who5")
    assert in_use.origin == "bundled"
    assert len(in_use.instrument().bands) == bands > 0
    assert in_use.instrument().licence.status == "free"


def test_the_service_says_what_it_did_with_each_instrument(
    phq9_redcap_dictionary: Path,
) -> None:
    text = phq9_redcap_dictionary.read_text(encoding="utf-8")
    instruments = list(read_data_dictionary(text, source="phq9.csv").instruments)
    (outcome,) = services.import_instruments(actor=None, instruments=instruments, origin="redcap")
    assert (outcome.requested_id, outcome.got_own_id, outcome.action) == (
        "phq9",
        True,
        "installed",
    )
    assert outcome.version.instrument_id == "phq9_redcap"
    (again,) = services.import_instruments(actor=None, instruments=instruments, origin="redcap")
    assert (again.action, again.version) == ("unchanged", outcome.version)


def test_a_native_definition_under_a_bundled_id_gets_its_own_id_too() -> None:
    import dataclasses

    newer = dataclasses.replace(bundled_instrument("phq9"), version="2", safety_rules=())
    (outcome,) = services.import_instruments(actor=None, instruments=[newer], origin="native")
    assert outcome.version.instrument_id == "phq9_native"
    assert current_instrument("phq9").version == "1"


def test_re_importing_the_bundled_definition_itself_changes_nothing() -> None:
    (outcome,) = services.import_instruments(
        actor=None, instruments=[bundled_instrument("phq9")], origin="native"
    )
    assert (outcome.action, outcome.got_own_id) == ("unchanged", False)
    assert not InstrumentVersion.objects.filter(instrument_id="phq9_native").exists()


# --- with --replace: the bundled rules are kept, or dropped on purpose -----------------------


def test_a_replacement_keeps_the_bundled_safety_rule_bands_and_licence(
    phq9_redcap_dictionary: Path,
    capsys: pytest.CaptureFixture[str],
    alice_worker: User,
    alice_case: Case,
) -> None:
    bundled = bundled_instrument("phq9")
    assert main(["instruments", "import", str(phq9_redcap_dictionary), "--replace"]) == 0
    out = capsys.readouterr().out
    assert (
        "replaced phq9: phq9 v2 (redcap) is in use, keeping the bundled safety rule "
        "item9_self_harm, 5 bands, norms and licence" in out
    )
    in_use = current_instrument("phq9")
    assert (in_use.origin, in_use.version, in_use.reason) == ("redcap", "2", "")
    instrument = in_use.instrument()
    assert instrument.safety_rules == bundled.safety_rules
    assert instrument.bands == bundled.bands
    assert instrument.licence == bundled.licence
    assert instrument.extras["replaces_bundled"]["kept_safety_rules"] == ["item9_self_harm"]
    assert phq9_alerts_in_use(alice_worker, alice_case)
    event = AuditEvent.objects.get(action="instruments.import.replaced_bundled")
    assert event.context["kept_safety_rules"] == ["item9_self_harm"]
    assert event.context["dropped_safety_rules"] == []


def test_a_replacement_of_who5_keeps_its_bands(
    who5_questionnaire: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["instruments", "import", str(who5_questionnaire), "--replace"]) == 0
    assert "replaced who5" in capsys.readouterr().out
    in_use = current_instrument("who5")
    assert in_use.origin == "fhir"
    assert in_use.instrument().bands == bundled_instrument("who5").bands


def test_a_replacement_that_cannot_keep_item_9_is_refused_and_installs_nothing(
    sdc_questionnaire_named_phq9: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = InstrumentVersion.objects.count()
    code = main(["instruments", "import", str(sdc_questionnaire_named_phq9), "--replace"])
    assert code == 2
    err = capsys.readouterr().err
    assert "item9_self_harm" in err
    assert "--drop-bundled-rules" in err
    assert err.count("\n") == 1
    assert InstrumentVersion.objects.count() == before
    assert current_instrument("phq9").origin == "bundled"


def test_a_replacement_drops_item_9_only_with_a_reason_which_is_recorded(
    sdc_questionnaire_named_phq9: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = "Item 9 is screened in the psychiatry clinic's own system from May"
    args = ["instruments", "import", str(sdc_questionnaire_named_phq9), "--replace"]
    assert main([*args, "--drop-bundled-rules", reason]) == 0
    out = capsys.readouterr().out
    assert "DROPPED safety rule item9_self_harm" in out
    in_use = current_instrument("phq9")
    assert in_use.reason == reason
    assert in_use.instrument().safety_rules == ()
    provenance = in_use.instrument().extras["replaces_bundled"]
    assert provenance["dropped_safety_rules"] == ["item9_self_harm"]
    assert in_use.instrument().licence == bundled_instrument("phq9").licence
    event = AuditEvent.objects.get(action="instruments.import.replaced_bundled")
    assert event.context["dropped_safety_rules"] == ["item9_self_harm"]
    assert reason not in str(event.context)


def test_the_real_sdc_sample_without_replace_gets_its_own_id(
    sdc_questionnaire_named_phq9: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["instruments", "import", str(sdc_questionnaire_named_phq9)]) == 0
    assert "imported phq9_fhir v2.8.0 (fhir)" in capsys.readouterr().out
    assert current_instrument("phq9").origin == "bundled"


def test_a_reason_to_drop_without_a_replacement_is_refused(
    phq9_redcap_dictionary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["instruments", "import", str(phq9_redcap_dictionary)]
    assert main([*args, "--drop-bundled-rules", "no reason needed"]) == 2
    assert "only with a replacement" in capsys.readouterr().err
    assert not InstrumentVersion.objects.filter(instrument_id="phq9_redcap").exists()


def test_the_service_refuses_to_drop_without_a_reason(db: None) -> None:
    data = json.loads(shared("samples", "fhir", SDC_PHQ9).read_text(encoding="utf-8"))
    data["name"] = "phq9"
    instrument = read_questionnaire(data, source=SDC_PHQ9)
    with pytest.raises(InvalidInput) as refused:
        services.import_instruments(
            actor=None, instruments=[instrument], origin="fhir", replace=True
        )
    assert "item9_self_harm" in refused.value.errors["replace"][0]


# --- the pure rules -----------------------------------------------------------------------


def test_an_own_id_names_where_the_import_came_from() -> None:
    bundled = frozenset({"phq9", "who5", "phq9_redcap"})
    assert own_id("who5", "fhir", bundled) == "who5_fhir"
    assert own_id("phq9", "redcap", bundled) == "phq9_redcap_2"
    long_id = "x" * 60
    assert len(own_id(long_id, "redcap", bundled)) == 60


def test_a_rule_can_be_carried_only_to_an_item_that_can_trigger_it() -> None:
    phq9 = bundled_instrument("phq9")
    (rule,) = phq9.safety_rules
    assert rule_can_fire(phq9, rule)
    definition = instrument_to_dict(phq9)
    # Values coded 0, -1, -2, -3: no answer to item 9 is ever above 0.
    for response_set in definition["response_sets"].values():
        for number, option in enumerate(response_set["options"]):
            option["value"] = -number
    never = instrument_from_dict(definition)
    assert not rule_can_fire(never, rule)
    assert not rule_can_fire(bundled_instrument("gad7"), rule)  # 7 items: no item 9


def test_carrying_keeps_what_fits_and_names_what_does_not() -> None:
    phq9 = bundled_instrument("phq9")
    data = json.loads(shared("samples", "fhir", SDC_PHQ9).read_text(encoding="utf-8"))
    data["name"] = "phq9"
    carried = carry_bundled_rules(read_questionnaire(data, source=SDC_PHQ9), phq9)
    assert carried.dropped_rules == ("item9_self_harm",)
    assert carried.kept_bands
    assert not carried.dropped_bands
    assert carried.instrument.licence == phq9.licence
