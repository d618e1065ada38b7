"""Questionnaires in the caregiver's language: the Simplified Chinese wordings Buoy ships, where
they come from, who sees that, marking one verified and importing the official text over it.

The shipped texts are compared with `shared/instruments/zh-Hans/` (the public copies they were
copied from), character for character; the package itself never reads that folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Case
from buoy.cli import main
from buoy.core.errors import Forbidden, InvalidInput
from buoy.instruments import services
from buoy.instruments.domain.definition import ItemGroup, merge_wording
from buoy.instruments.domain.library import (
    LIBRARY_PACKAGE,
    _checked_wording,
    absent_wording_note,
    bundled_instrument,
    bundled_wording,
    bundled_wordings,
)
from buoy.instruments.models import Assessment, InstrumentWording, Timepoint
from buoy.instruments.selectors import current_instrument
from tests.conftest import logged_in
from tests.shared_files import LIBRARY, shared

SHIPPED = ["gad7", "k10", "k6", "mspss", "phq9", "who5"]
LICENSED = ["cdrisc10", "pedsql_fim", "zbi22"]
LANGUAGE = "zh-hans"
WARNING_EN = "not verified against the rights holder's text"


def shared_wording(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        shared("instruments", "zh-Hans", f"{name}.json").read_text(encoding="utf-8")
    )
    return data


def phq9_difficulty() -> dict[str, Any]:
    """The functional-difficulty question, not found in the main PHQ-9 wording: the shared
    file's first candidate, used for PHQ-9 item 10 and GAD-7 item 8 (the same question)."""
    candidate: dict[str, Any] = shared_wording("phq9")["extra"]["functional_difficulty_item"][
        "candidates"
    ][0]
    return candidate


# Where each shipped text comes from in the shared file: (item id -> source item key), and per
# response set (Buoy's option value -> source option key). Option keys in the shared files are
# the source's display order, not scores, so they are mapped by meaning.
ITEM_SOURCES: dict[str, dict[str, str]] = {
    "phq9": {f"item{k}": str(k) for k in range(1, 10)},
    "gad7": {f"item{k}": str(k) for k in range(1, 8)},
    "who5": {f"item{k}": str(k) for k in range(1, 6)},
    "k6": {f"item{k}": str(k) for k in range(1, 7)},
    "k10": {f"item{k}": str(k) for k in range(1, 11)},
    "mspss": {f"item{k}": str(k) for k in range(1, 13)},
}
OPTION_SOURCES: dict[str, dict[str, dict[str, str]]] = {
    "phq9": {"phq_frequency": {"0": "0", "1": "1", "2": "2", "3": "3"}},
    "gad7": {"phq_frequency": {"0": "0", "1": "1", "2": "2", "3": "3"}},
    "who5": {"who5_frequency": {str(v): str(v) for v in range(6)}},
    # 1 = 全部时间 (all of the time) … 5 = 无 (none of the time) in the source
    "k6": {"k6_frequency": {"4": "1", "3": "2", "2": "3", "1": "4", "0": "5"}},
    "k10": {"k10_frequency": {"5": "1", "4": "2", "3": "3", "2": "4", "1": "5"}},
    "mspss": {"mspss_agree7": {str(v): str(v) for v in range(1, 8)}},
}
SHARED_FILE = {name: name for name in SHIPPED}


@pytest.mark.parametrize("instrument_id", SHIPPED)
def test_every_shipped_chinese_wording_matches_the_shared_file_character_for_character(
    instrument_id: str,
) -> None:
    source = shared_wording(SHARED_FILE[instrument_id])
    shipped = bundled_wording(instrument_id, LANGUAGE)
    assert shipped is not None
    assert shipped.wording["instructions"] == source["stem"]
    for item_id, key in ITEM_SOURCES[instrument_id].items():
        assert shipped.wording["items"][item_id] == source["items"][key], item_id
    for set_id, values in OPTION_SOURCES[instrument_id].items():
        for value, key in values.items():
            assert shipped.wording["options"][set_id][value] == source["options"][key]
    # Every source item and option is used, none left out.
    assert sorted(ITEM_SOURCES[instrument_id].values()) == sorted(source["items"])
    used = [key for values in OPTION_SOURCES[instrument_id].values() for key in values.values()]
    assert sorted(used) == sorted(source["options"])


@pytest.mark.parametrize(("instrument_id", "item_id"), [("phq9", "item10"), ("gad7", "item8")])
def test_the_unscored_difficulty_question_is_the_shared_candidate_verbatim(
    instrument_id: str, item_id: str
) -> None:
    candidate = phq9_difficulty()
    shipped = bundled_wording(instrument_id, LANGUAGE)
    assert shipped is not None
    assert shipped.wording["items"][item_id] == candidate["text"]
    assert shipped.wording["options"]["phq_difficulty"] == candidate["options"]
    assert not bundled_instrument(instrument_id).item(item_id).scored
    assert candidate["source"] in " ".join(shipped.provenance["notes"])


@pytest.mark.parametrize("instrument_id", SHIPPED)
def test_every_item_and_option_of_the_shipped_instruments_has_a_chinese_text(
    instrument_id: str,
) -> None:
    shipped = bundled_wording(instrument_id, LANGUAGE)
    assert shipped is not None
    merged = merge_wording(bundled_instrument(instrument_id), shipped.wording)
    assert merged.has_wording(LANGUAGE)
    for item in merged.items:
        assert item.text[LANGUAGE].strip(), item.id
        response_set = merged.response_set_of(item)
        assert response_set is not None
        for option in response_set.options:
            assert option.label[LANGUAGE].strip(), (item.id, option.value)
    assert merged.instructions[LANGUAGE].strip()


# (instrument, English label of an option) -> (its value, its Chinese label): the meaning of
# each answer, not the order in which the source printed it.
BY_MEANING = [
    ("phq9", "Not at all", 0, "完全不会"),
    ("phq9", "Nearly every day", 3, "几乎每天"),
    ("gad7", "More than half the days", 2, "一半以上的天数"),
    ("who5", "All of the time", 5, "所有时间"),
    ("who5", "At no time", 0, "从未有过"),
    ("who5", "Some of the time", 1, "有时候"),
    ("k6", "All of the time", 4, "全部时间"),
    ("k6", "None of the time", 0, "无"),
    ("k6", "A little of the time", 1, "偶尔"),
    ("k10", "All of the time", 5, "全部时间"),
    ("k10", "None of the time", 1, "无"),
    ("k10", "Most of the time", 4, "大部分时间"),
    ("mspss", "Very Strongly Disagree", 1, "极不同意"),
    ("mspss", "Very Strongly Agree", 7, "极同意"),
    ("mspss", "Neutral", 4, "中立"),
]


@pytest.mark.parametrize(("instrument_id", "english", "value", "chinese"), BY_MEANING)
def test_options_are_mapped_by_meaning_not_by_the_sources_order(
    instrument_id: str, english: str, value: int, chinese: str
) -> None:
    shipped = bundled_wording(instrument_id, LANGUAGE)
    assert shipped is not None
    merged = merge_wording(bundled_instrument(instrument_id), shipped.wording)
    options = {
        option.label["en"]: option
        for response_set in merged.response_sets.values()
        for option in response_set.options
    }
    assert (options[english].value, options[english].label[LANGUAGE]) == (value, chinese)


def test_the_psss_is_shipped_as_the_mspss_chinese_wording_and_named_as_the_psss() -> None:
    shipped = bundled_wording("mspss", LANGUAGE)
    assert shipped is not None
    assert "PSSS" in shipped.provenance["what"]
    assert "领悟社会支持量表" in shipped.provenance["what"]
    # Same three subscales, item for item: the reason it may stand in for the MSPSS.
    subscales = {rule.id: rule.items for rule in bundled_instrument("mspss").subscales}
    psss = shared_wording("mspss")["extra"]["subscales"]
    assert [f"item{k}" for k in psss["其他支持 (significant other)"]] == list(
        subscales["significant_other"]
    )
    assert [f"item{k}" for k in psss["家庭支持"]] == list(subscales["family"])
    assert [f"item{k}" for k in psss["朋友支持"]] == list(subscales["friends"])


@pytest.mark.parametrize("instrument_id", SHIPPED)
def test_each_shipped_wording_carries_its_sources_confidence_and_licence(
    instrument_id: str,
) -> None:
    shipped = bundled_wording(instrument_id, LANGUAGE)
    assert shipped is not None
    source = shared_wording(SHARED_FILE[instrument_id])
    assert shipped.provenance["sources"] == source["sources"]
    assert shipped.provenance["licence"] == source["licence_note"]
    assert shipped.provenance["cross_check"] == source["cross_check"]
    assert shipped.provenance["confidence"]


def test_the_shipped_wordings_are_the_package_s_own_files() -> None:
    """The package reads its own copy: the shared folder may be absent where Buoy runs."""
    folder = LIBRARY / "wordings" / LANGUAGE
    assert sorted(p.stem for p in folder.glob("*.json")) == SHIPPED
    assert [w.instrument for w in bundled_wordings()] == SHIPPED
    assert LIBRARY_PACKAGE == "buoy.instruments"
    source = (LIBRARY.parent / "domain" / "library.py").read_text(encoding="utf-8")
    assert "shared/" not in source
    assert "SHARED" not in source


@pytest.mark.parametrize("instrument_id", LICENSED)
def test_licensed_instruments_ship_without_wording(instrument_id: str) -> None:
    assert bundled_wording(instrument_id, LANGUAGE) is None
    made_up = {
        "instrument": instrument_id,
        "language": LANGUAGE,
        "items": {},
        "provenance": {"what": "x", "confidence": "x", "licence": "x", "sources": ["x"]},
    }
    with pytest.raises(RuntimeError, match="licensed instrument ships without wording"):
        _checked_wording(made_up, f"{instrument_id}.json", LANGUAGE)


def test_an_incomplete_or_unsourced_shipped_wording_is_a_packaging_error() -> None:
    shipped = bundled_wording("who5", LANGUAGE)
    assert shipped is not None
    partial = {**shipped.wording, "items": {"item1": "我感觉快乐、心情舒畅"}}
    with pytest.raises(RuntimeError, match="no zh-hans text for item2"):
        _checked_wording({**partial, "provenance": shipped.provenance}, "who5.json", LANGUAGE)
    unsourced = {**shipped.provenance, "sources": []}
    with pytest.raises(RuntimeError, match="provenance lacks sources"):
        _checked_wording({**shipped.wording, "provenance": unsourced}, "who5.json", LANGUAGE)


def test_the_brs_has_no_chinese_wording_and_says_why() -> None:
    assert bundled_wording("brs", LANGUAGE) is None
    note = absent_wording_note("brs", LANGUAGE)
    assert "Lai & Yue 2014" in note["en"]
    assert note["zh-hans"]
    readme = shared("instruments", "zh-Hans", "README.md").read_text(encoding="utf-8")
    assert "| BRS | no Chinese wording with any provenance was found" in readme


# --- in the database ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_shipped_wordings_are_installed_unverified_with_their_provenance() -> None:
    rows = InstrumentWording.objects.filter(language=LANGUAGE, origin="bundled")
    assert sorted(rows.values_list("instrument_version__instrument_id", flat=True)) == SHIPPED
    for row in rows:
        assert row.needs_verification
        assert row.provenance["sources"]
        assert row.instrument_version.instrument().has_wording(LANGUAGE)
    assert not current_instrument("cdrisc10").instrument().has_wording(LANGUAGE)
    assert not current_instrument("brs").instrument().has_wording(LANGUAGE)
    # The definitions themselves are unchanged: wording stays beside them.
    for instrument_id in SHIPPED:
        definition = current_instrument(instrument_id).definition
        assert all(LANGUAGE not in item.get("text", {}) for item in definition["items"])
    services.ensure_bundled_instruments()
    assert InstrumentWording.objects.filter(language=LANGUAGE).count() == len(SHIPPED)


@pytest.fixture
def phq9_link_page(alice_worker: User, alice_case: Case) -> str:
    """The HTML of a caregiver's PHQ-9 link (the caregiver prefers zh-hans)."""
    assessment = services.start_assessment(
        actor=alice_worker,
        case=alice_case,
        caregiver=alice_case.caregivers.get(),
        instrument_version=current_instrument("phq9"),
        timepoint=Timepoint.objects.get(code="baseline"),
    )
    key = services.create_self_report_link(actor=alice_worker, assessment=assessment)
    return Client().get(reverse("self_report", args=[key])).content.decode()


@pytest.mark.django_db
def test_the_caregiver_reads_the_phq9_in_chinese_with_its_stem_and_no_provenance(
    phq9_link_page: str,
) -> None:
    html = phq9_link_page
    source = shared_wording("phq9")
    assert source["stem"] in html
    for text in source["items"].values():
        assert text in html
    for label in source["options"].values():
        assert label in html
    assert "Little interest or pleasure" not in html
    assert "Nearly every day" not in html
    # Nothing about where the text comes from reaches the caregiver.
    for hint in ("verified", "rights holder", "public cop", "provenance", "shared/", "版权"):
        assert hint not in html
    for hint in ("核对", "核实", "来源"):
        assert hint not in html


@pytest.mark.django_db
def test_the_administrator_sees_that_a_shipped_wording_is_not_verified(adam_admin: User) -> None:
    client = logged_in(adam_admin)
    listing = client.get(reverse("instruments:instrument_list")).content.decode()
    assert WARNING_EN in listing
    assert "low–medium" in listing  # the PHQ-9's confidence
    page = client.get(reverse("instruments:wording", args=["phq9", LANGUAGE]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Not verified against the rights holder's text" in html
    assert "https://github.com/k0s0k/XQ_Agent" in html  # a source
    assert "No permission required to reproduce" in html  # the licence as found
    assert shared_wording("phq9")["items"]["8"] in html  # the text, to compare
    brs = client.get(reverse("instruments:wording", args=["brs", LANGUAGE])).content.decode()
    assert "Lai &amp; Yue 2014" in brs


@pytest.mark.django_db
def test_the_administrator_sees_it_in_chinese_too(adam_admin: User) -> None:
    client = logged_in(adam_admin)
    client.post(reverse("set_language"), {"language": "zh-hans"})
    listing = client.get(reverse("instruments:instrument_list")).content.decode()
    assert "未经与版权方文本核对" in listing
    page = client.get(reverse("instruments:wording", args=["who5", LANGUAGE])).content.decode()
    assert "未经与版权方文本核对" in page
    assert "CC BY-NC-SA 3.0 IGO" in page


@pytest.mark.django_db
def test_a_worker_creating_a_link_sees_that_the_wording_is_not_verified(
    alice_worker: User, alice_case: Case
) -> None:
    client = logged_in(alice_worker)
    start = client.get(reverse("instruments:assessment_new", args=[alice_case.pk]))
    assert WARNING_EN in start.content.decode()
    created = client.post(
        reverse("instruments:assessment_new", args=[alice_case.pk]),
        {
            "caregiver": alice_case.caregivers.get().pk,
            "instrument": current_instrument("gad7").pk,
            "timepoint": Timepoint.objects.get(code="baseline").pk,
            "mode": "self_report",
        },
    )
    html = created.content.decode()
    assert "/r/" in html
    assert "Not verified against the rights holder's text." in html
    assert "low–medium" in html
    interview = services.start_assessment(
        actor=alice_worker,
        case=alice_case,
        caregiver=alice_case.caregivers.get(),
        instrument_version=current_instrument("k10"),
        timepoint=Timepoint.objects.get(code="baseline"),
    )
    form = client.get(reverse("instruments:assessment", args=[alice_case.pk, interview.pk]))
    assert "Not verified against the rights holder's text." in form.content.decode()


@pytest.mark.django_db
def test_the_interview_form_shows_the_stem_in_the_page_s_language(
    alice_worker: User, alice_case: Case
) -> None:
    assessment = services.start_assessment(
        actor=alice_worker,
        case=alice_case,
        caregiver=alice_case.caregivers.get(),
        instrument_version=current_instrument("phq9"),
        timepoint=Timepoint.objects.get(code="baseline"),
    )
    client = logged_in(alice_worker)
    url = reverse("instruments:assessment", args=[alice_case.pk, assessment.pk])
    english = client.get(url).content.decode()
    assert "Over the last 2 weeks, how often have you been bothered" in english
    assert "Little interest or pleasure in doing things" in english
    client.post(reverse("set_language"), {"language": "zh-hans"})
    chinese = client.get(url).content.decode()
    assert shared_wording("phq9")["stem"] in chinese
    assert "做事时提不起劲或没有兴趣" in chinese
    assert "几乎每天" in chinese
    assert "Over the last 2 weeks" not in chinese


# --- marking verified, importing the official text -----------------------------------------


def phq9_row() -> InstrumentWording:
    return InstrumentWording.objects.get(
        instrument_version=current_instrument("phq9"), language=LANGUAGE
    )


@pytest.mark.django_db
def test_an_administrator_marks_a_shipped_wording_verified(
    adam_admin: User, alice_worker: User, alice_case: Case
) -> None:
    url = reverse("instruments:wording", args=["phq9", LANGUAGE])
    client = logged_in(adam_admin)
    empty = client.post(url, {"verify": "1", "note": "  "})
    assert empty.status_code == 200
    assert phq9_row().verified_at is None
    done = client.post(url, {"verify": "1", "note": "Pfizer 'Chinese for China' PDF, 2024 copy"})
    assert done.status_code == 302
    row = phq9_row()
    assert (row.verified_by, row.verification_note) == (
        adam_admin,
        "Pfizer 'Chinese for China' PDF, 2024 copy",
    )
    assert row.verified_at is not None
    event = AuditEvent.objects.get(action="instruments.wording.verified")
    assert event.actor == adam_admin
    assert event.context == {"language": LANGUAGE, "version": "1"}
    listing = client.get(reverse("instruments:instrument_list")).content.decode()
    assert f"verified by {adam_admin.display_name()}" in listing
    again = client.post(url, {"verify": "1", "note": "again"})
    assert again.status_code == 200  # the form is gone; nothing changes
    assert phq9_row().verification_note == "Pfizer 'Chinese for China' PDF, 2024 copy"
    # The worker creating a link no longer sees the warning.
    assessment = services.start_assessment(
        actor=alice_worker,
        case=alice_case,
        caregiver=alice_case.caregivers.get(),
        instrument_version=current_instrument("phq9"),
        timepoint=Timepoint.objects.get(code="baseline"),
    )
    page = logged_in(alice_worker).get(
        reverse("instruments:assessment", args=[alice_case.pk, assessment.pk])
    )
    assert "Not verified against" not in page.content.decode()
    assert "was verified against the rights holder's text" in page.content.decode()


@pytest.mark.django_db
def test_only_an_administrator_marks_a_wording_verified(
    alice_worker: User, carol_supervisor: User
) -> None:
    with pytest.raises(Forbidden):
        services.verify_wording(actor=carol_supervisor, wording=phq9_row(), note="checked")
    response = logged_in(alice_worker).post(
        reverse("instruments:wording", args=["phq9", LANGUAGE]), {"verify": "1", "note": "x"}
    )
    assert response.status_code == 403
    assert phq9_row().verified_at is None


def official_text(**change: Any) -> dict[str, Any]:
    """A made-up stand-in for the rights holder's file (the tests never need the real text)."""
    wording: dict[str, Any] = {
        "instrument": "phq9",
        "language": LANGUAGE,
        "instructions": "（官方说明）",
        "items": {f"item{k}": f"（官方第{k}题）" for k in range(1, 11)},
        "options": {
            "phq_frequency": {str(v): f"（官方频率{v}）" for v in range(4)},
            "phq_difficulty": {str(v): f"（官方困难{v}）" for v in range(4)},
        },
    }
    wording.update(change)
    return wording


@pytest.mark.django_db
def test_an_official_import_replaces_the_shipped_wording_and_records_its_own_provenance(
    adam_admin: User,
) -> None:
    client = logged_in(adam_admin)
    upload = SimpleUploadedFile(
        "phq9-zh-official.json", json.dumps(official_text()).encode(), "application/json"
    )
    response = client.post(
        reverse("instruments:wording", args=["phq9", LANGUAGE]), {"import": "1", "file": upload}
    )
    assert response.status_code == 302
    row = phq9_row()
    assert (row.origin, row.imported_by, row.provenance) == (
        "imported",
        adam_admin,
        {"source": "phq9-zh-official.json"},
    )
    assert not row.needs_verification
    instrument = current_instrument("phq9").instrument()
    assert instrument.item("item1").text[LANGUAGE] == "（官方第1题）"
    assert instrument.instructions[LANGUAGE] == "（官方说明）"
    event = AuditEvent.objects.get(action="instruments.wording.imported")
    assert event.context == {"language": LANGUAGE, "replaced": "bundled", "complete": True}
    # Installing the library again never brings the shipped text back.
    services.ensure_bundled_instruments()
    assert phq9_row().origin == "imported"
    page = client.get(reverse("instruments:wording", args=["phq9", LANGUAGE])).content.decode()
    assert "phq9-zh-official.json" in page
    assert "Not verified against" not in page


@pytest.mark.django_db
def test_a_bad_wording_file_on_the_page_changes_nothing(adam_admin: User) -> None:
    client = logged_in(adam_admin)
    url = reverse("instruments:wording", args=["phq9", LANGUAGE])
    for name, body in [
        ("broken.json", b"{not json"),
        ("other.json", json.dumps(official_text(instrument="gad7")).encode()),
        ("en.json", json.dumps(official_text(language="en")).encode()),
        ("item99.json", json.dumps(official_text(items={"item99": "?"})).encode()),
    ]:
        response = client.post(
            url, {"import": "1", "file": SimpleUploadedFile(name, body, "application/json")}
        )
        assert response.status_code == 200, name
        assert response.context["import_form"].errors, name
        assert phq9_row().origin == "bundled", name


@pytest.mark.django_db
def test_the_buoy_command_imports_the_official_text_over_the_shipped_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "phq9.zh-hans.json"
    path.write_text(json.dumps(official_text(), ensure_ascii=False), encoding="utf-8")
    assert main(["instruments", "import-wording", str(path)]) == 0
    out = capsys.readouterr().out
    assert "replaces the zh-hans wording shipped with Buoy" in out
    row = phq9_row()
    assert (row.origin, row.provenance, row.imported_by) == (
        "imported",
        {"source": "phq9.zh-hans.json"},
        None,
    )


@pytest.mark.django_db
def test_only_an_administrator_or_the_command_imports_wording(carol_supervisor: User) -> None:
    with pytest.raises(Forbidden):
        services.import_wording(
            actor=carol_supervisor,
            version=current_instrument("phq9"),
            language=LANGUAGE,
            wording=official_text(),
        )
    with pytest.raises(InvalidInput):
        services.import_wording(
            actor=None, version=current_instrument("phq9"), language="zh-Hans", wording={}
        )
    assert phq9_row().origin == "bundled"


@pytest.mark.django_db
def test_edited_item_groups_carry_the_shipped_wording_and_its_verification(
    adam_admin: User,
) -> None:
    services.verify_wording(actor=adam_admin, wording=phq9_row(), note="checked the PDF")
    v2 = services.set_item_groups(
        actor=adam_admin,
        instrument_id="phq9",
        groups=[ItemGroup("mood", ("item1", "item2"), {"en": "Mood", "zh-hans": "情绪"})],
        reason="department profile",
    )
    carried = InstrumentWording.objects.get(instrument_version=v2, language=LANGUAGE)
    assert (carried.origin, carried.verified_by, carried.verification_note) == (
        "bundled",
        adam_admin,
        "checked the PDF",
    )
    assert carried.provenance == phq9_row_of_version("1").provenance
    assert v2.instrument().has_wording(LANGUAGE)


def phq9_row_of_version(version: str) -> InstrumentWording:
    return InstrumentWording.objects.get(
        instrument_version__instrument_id="phq9",
        instrument_version__version=version,
        language=LANGUAGE,
    )


@pytest.mark.django_db
def test_past_scores_are_untouched_by_installing_or_importing_wording(
    alice_worker: User, alice_case: Case
) -> None:
    phq9 = current_instrument("phq9")
    assessment: Assessment = services.start_assessment(
        actor=alice_worker,
        case=alice_case,
        caregiver=alice_case.caregivers.get(),
        instrument_version=phq9,
        timepoint=Timepoint.objects.get(code="baseline"),
    )
    services.record_answers(
        actor=alice_worker,
        assessment=assessment,
        answers={f"item{k}": 1 for k in range(1, 10)},
        complete=True,
    )
    before = list(assessment.scores.values("total", "status", "rule", "instrument_version"))
    definition = dict(phq9.definition)
    services.import_wording(
        actor=None, version=phq9, language=LANGUAGE, wording=official_text(), source="f.json"
    )
    phq9.refresh_from_db()
    assert phq9.definition == definition
    assert list(assessment.scores.values("total", "status", "rule", "instrument_version")) == (
        before
    )


@pytest.mark.django_db
def test_an_import_keeps_the_provenance_its_file_gives(adam_admin: User) -> None:
    services.import_wording(
        actor=adam_admin,
        version=current_instrument("phq9"),
        language=LANGUAGE,
        wording=official_text(provenance={"what": "the rights holder's PDF, 2024 edition"}),
        source="official.json",
    )
    row = phq9_row()
    assert row.provenance == {
        "what": "the rights holder's PDF, 2024 edition",
        "source": "official.json",
    }
    assert "provenance" not in row.wording
    page = logged_in(adam_admin).get(reverse("instruments:wording", args=["phq9", LANGUAGE]))
    assert "the rights holder&#x27;s PDF, 2024 edition" in page.content.decode()
    with pytest.raises(InvalidInput):
        services.import_wording(
            actor=adam_admin,
            version=current_instrument("phq9"),
            language=LANGUAGE,
            wording=official_text(provenance="a PDF"),
        )
