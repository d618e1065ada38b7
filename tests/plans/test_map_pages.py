"""The strengths–risk map pages through the real URLs: the map drawn and listed with its
evidence, a draft from the coded interviews, the worker's corrections as a new version, a
draft confirmed, two versions side by side, the SVG file, the case page's section; bad input
refused on its field with nothing saved; who may open them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Caregiver, Case
from buoy.coding.models import Project, Transcript
from buoy.coding.services import casework_project
from buoy.plans.models import FactorMap
from buoy.plans.selectors import codebook_factors
from buoy.plans.services import draft_factor_map, save_factor_map
from tests.conftest import logged_in
from tests.plans.conftest import CLOSURE, code_passage, interview

pytestmark = pytest.mark.django_db


def map_url(case: Case, caregiver: Caregiver, page: str = "map") -> str:
    return reverse(f"plans:{page}", kwargs={"case_id": case.pk, "caregiver_id": caregiver.pk})


def page_text(response: Any) -> str:
    return response.content.decode()


def edit_data(response: Any, changes: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The edit form's data as drawn (every row's code, status, rating, note, evidence
    ticked), with `changes` by factor code ({"R-ECO-01": {"rating": "3"}})."""
    formset = response.context["formset"]
    data: dict[str, Any] = {
        "f-TOTAL_FORMS": str(len(formset.forms)),
        "f-INITIAL_FORMS": str(len(formset.forms)),
        "note": "",
        "save": "confirm",
    }
    for index, form in enumerate(formset.forms):
        initial = form.initial
        row = {
            "code": initial["code"],
            "status": initial.get("status", "unknown"),
            "rating": "" if initial.get("rating") is None else str(initial["rating"]),
            "note": initial.get("note", ""),
            "evidence": list(initial.get("evidence", [])),
        }
        row.update((changes or {}).get(initial["code"], {}))
        for name, value in row.items():
            data[f"f-{index}-{name}"] = value
    return data


def index_of(response: Any, code: str) -> int:
    for index, form in enumerate(response.context["formset"].forms):
        if form.initial["code"] == code:
            return index
    raise AssertionError(code)


@pytest.fixture
def alice(alice_worker: User) -> Client:
    return logged_in(alice_worker)


# --- the map page and the draft -------------------------------------------------------------


def test_before_any_map_the_page_offers_a_draft_and_the_form(
    alice: Client, alice_case: Case, mother: Caregiver
) -> None:
    response = alice.get(map_url(alice_case, mother))
    assert response.status_code == 200
    assert "No map yet" in page_text(response)
    assert map_url(alice_case, mother, "map_draft") in page_text(response)


def test_a_draft_from_the_coded_intake_is_drawn_with_its_passages_opening_the_transcript(
    alice: Client, alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    response = alice.post(map_url(alice_case, mother, "map_draft"), {"timepoint": ""})
    assert response.status_code == 302
    draft = FactorMap.objects.get()
    assert (draft.is_draft, draft.entries.count()) == (True, 4)
    page = alice.get(map_url(alice_case, mother))
    text = page_text(page)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in text
    assert 'data-code="R-ECO-01"' in text
    assert "我们借了三十万" in text  # the passage itself, in the evidence
    start = intake.text.index("我们借了三十万")
    link = (
        reverse("coding:transcript", kwargs={"transcript_id": intake.pk})
        + f"?at={start}&amp;to={start + 7}#located"
    )
    assert link in text
    assert "Confirm this draft" in text
    viewed = AuditEvent.objects.filter(action="plans.factor_map.viewed", subject_id=str(draft.pk))
    assert viewed.count() == 1


def test_a_draft_of_one_timepoint_reads_only_its_interviews(
    alice: Client, alice_worker: User, alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    closure = interview(alice_worker, alice_case, CLOSURE, caregiver=mother, timepoint="post")
    code_passage(alice_worker, closure, "P-SOC-03", "基金会帮我们还了一部分钱")
    response = alice.post(map_url(alice_case, mother, "map_draft"), {"timepoint": "post"})
    assert response.status_code == 302
    draft = FactorMap.objects.get()
    assert [e.code_label for e in draft.entries.all()] == ["P-SOC-03"]


def test_a_draft_of_a_timepoint_that_does_not_exist_is_refused_on_the_field(
    alice: Client, alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    response = alice.post(map_url(alice_case, mother, "map_draft"), {"timepoint": "someday"})
    assert response.status_code == 400
    assert response.context["draft_form"].errors["timepoint"]
    assert FactorMap.objects.count() == 0


def test_confirming_the_draft_makes_a_confirmed_version_and_keeps_the_draft(
    alice: Client, alice_worker: User, alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    draft = draft_factor_map(actor=alice_worker, case=alice_case, caregiver=mother)
    response = alice.post(reverse("plans:map_confirm", kwargs={"map_id": draft.pk}))
    assert response.status_code == 302
    assert response["Location"] == map_url(alice_case, mother)
    versions = list(FactorMap.objects.order_by("version").values_list("version", "is_draft"))
    assert versions == [(1, True), (2, False)]
    again = alice.post(reverse("plans:map_confirm", kwargs={"map_id": draft.pk}))
    assert again.status_code == 400
    assert "A newer version of this map exists" in page_text(again)
    assert FactorMap.objects.count() == 2


def test_a_version_page_shows_that_version_and_says_it_is_not_the_latest(
    alice: Client, alice_worker: User, alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    draft = draft_factor_map(actor=alice_worker, case=alice_case, caregiver=mother)
    save_factor_map(actor=alice_worker, case=alice_case, caregiver=mother, entries=[])
    response = alice.get(reverse("plans:map_version", kwargs={"map_id": draft.pk}))
    assert response.status_code == 200
    assert response.context["factor_map"].pk == draft.pk
    assert "Show the latest version" in page_text(response)
    assert "Confirm this draft" not in page_text(response)  # only the newest is confirmed


# --- the worker's map -----------------------------------------------------------------------


def test_the_form_has_a_row_for_every_factor_of_the_codebook_starting_from_the_latest(
    alice: Client, alice_worker: User, alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    draft_factor_map(actor=alice_worker, case=alice_case, caregiver=mother)
    response = alice.get(map_url(alice_case, mother, "map_edit"))
    assert response.status_code == 200
    codes = [form.initial["code"] for form in response.context["formset"].forms]
    assert codes == list(codebook_factors(casework_project()))
    debt = response.context["formset"].forms[index_of(response, "R-ECO-01")]
    assert debt.initial["status"] == "present"
    assert len(debt.initial["evidence"]) == 1
    assert debt.initial["evidence"][0].startswith("segment:")


def test_saving_the_form_makes_a_new_confirmed_version_with_ratings_notes_and_evidence(
    alice: Client, alice_worker: User, alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    draft_factor_map(actor=alice_worker, case=alice_case, caregiver=mother)
    form = alice.get(map_url(alice_case, mother, "map_edit"))
    data = edit_data(
        form,
        {
            "R-ECO-01": {"rating": "3", "note": "借了三十万"},
            "P-IND-01": {"rating": "2"},
            "P-IND-02": {"status": "absent", "evidence": []},  # evidence unticked
            "R-SOC-01": {"status": "present", "rating": "1"},
        },
    )
    response = alice.post(map_url(alice_case, mother, "map_edit"), data)
    assert response.status_code == 302
    saved = FactorMap.objects.order_by("-version").first()
    assert saved is not None
    assert (saved.version, saved.is_draft) == (2, False)
    entries = {e.code_label: e for e in saved.entries.prefetch_related("evidence")}
    assert sorted(entries) == ["P-FAM-04", "P-IND-01", "P-IND-02", "R-ECO-01", "R-SOC-01"]
    assert (entries["R-ECO-01"].severity, entries["R-ECO-01"].note) == (3, "借了三十万")
    assert entries["P-IND-01"].strength == 2
    assert entries["R-ECO-01"].evidence.count() == 1
    assert entries["P-IND-02"].evidence.count() == 0
    assert (entries["R-SOC-01"].status, entries["R-SOC-01"].severity) == ("present", 1)


def test_saving_as_a_draft_keeps_the_new_version_a_draft(
    alice: Client, alice_case: Case, mother: Caregiver, casework: Project
) -> None:
    form = alice.get(map_url(alice_case, mother, "map_edit"))
    data = edit_data(form, {"R-ECO-01": {"status": "present"}})
    data["save"] = "draft"
    assert alice.post(map_url(alice_case, mother, "map_edit"), data).status_code == 302
    assert FactorMap.objects.get().is_draft is True


def refused(client: Client, case: Case, caregiver: Caregiver, data: dict[str, Any]) -> Any:
    """Post the form, expect 400 with nothing saved or audited as a change."""
    maps = FactorMap.objects.count()
    changes = AuditEvent.objects.filter(action__startswith="plans.factor_map.c").count()
    response = client.post(map_url(case, caregiver, "map_edit"), data)
    assert response.status_code == 400
    assert FactorMap.objects.count() == maps
    assert AuditEvent.objects.filter(action__startswith="plans.factor_map.c").count() == changes
    assert "Nothing was saved" in page_text(response)
    return response


def test_a_rating_outside_1_to_3_is_refused_on_its_row(
    alice: Client, alice_case: Case, mother: Caregiver, casework: Project
) -> None:
    form = alice.get(map_url(alice_case, mother, "map_edit"))
    data = edit_data(form, {"R-ECO-01": {"status": "present", "rating": "4"}})
    response = refused(alice, alice_case, mother, data)
    row = response.context["formset"].forms[index_of(form, "R-ECO-01")]
    assert row.errors["rating"]


def test_a_rating_of_an_absent_factor_is_refused_on_its_row_by_the_service(
    alice: Client, alice_case: Case, mother: Caregiver, casework: Project
) -> None:
    form = alice.get(map_url(alice_case, mother, "map_edit"))
    data = edit_data(
        form,
        {"R-ECO-01": {"status": "absent", "rating": "2"}, "P-IND-01": {"status": "present"}},
    )
    response = refused(alice, alice_case, mother, data)
    row = response.context["formset"].forms[index_of(form, "R-ECO-01")]
    assert "Rate a present factor from 1 to 3" in row.errors["rating"][0]
    assert not response.context["formset"].forms[index_of(form, "P-IND-01")].errors


def test_a_status_not_allowed_is_refused_on_its_row(
    alice: Client, alice_case: Case, mother: Caregiver, casework: Project
) -> None:
    form = alice.get(map_url(alice_case, mother, "map_edit"))
    data = edit_data(form, {"P-FAM-04": {"status": "maybe"}})
    response = refused(alice, alice_case, mother, data)
    assert response.context["formset"].forms[index_of(form, "P-FAM-04")].errors["status"]


def test_a_factor_not_in_the_codebook_is_refused_on_its_row(
    alice: Client, alice_case: Case, mother: Caregiver, casework: Project
) -> None:
    form = alice.get(map_url(alice_case, mother, "map_edit"))
    data = edit_data(form)
    index = index_of(form, "R-ECO-01")
    data[f"f-{index}-code"] = "R-ECO-99"
    data[f"f-{index}-status"] = "present"
    response = refused(alice, alice_case, mother, data)
    row = response.context["formset"].forms[index]
    assert "“R-ECO-99” is not a factor of the casework codebook." in row.non_field_errors()
    assert "R-ECO-99" in page_text(response)
    assert "Not in the codebook" in page_text(response)


def test_evidence_the_latest_version_did_not_have_cannot_be_slipped_in(
    alice: Client,
    alice_worker: User,
    alice_case: Case,
    mother: Caregiver,
    intake: Transcript,
    dan_interview: Transcript,
) -> None:
    draft_factor_map(actor=alice_worker, case=alice_case, caregiver=mother)
    form = alice.get(map_url(alice_case, mother, "map_edit"))
    dans = dan_interview.segments.get()
    data = edit_data(form, {"R-ECO-01": {"evidence": [f"segment:{dans.pk}"]}})
    response = refused(alice, alice_case, mother, data)
    assert response.context["formset"].forms[index_of(form, "R-ECO-01")].errors["evidence"]


def test_a_note_too_long_is_refused_on_its_field(
    alice: Client, alice_case: Case, mother: Caregiver, casework: Project
) -> None:
    form = alice.get(map_url(alice_case, mother, "map_edit"))
    data = edit_data(form, {"R-ECO-01": {"status": "present", "note": "长" * 501}})
    response = refused(alice, alice_case, mother, data)
    assert response.context["formset"].forms[index_of(form, "R-ECO-01")].errors["note"]


# --- two versions side by side --------------------------------------------------------------


@pytest.fixture
def two_versions(
    alice_worker: User, alice_case: Case, mother: Caregiver, casework: Project
) -> tuple[FactorMap, FactorMap]:
    intake = save_factor_map(
        actor=alice_worker,
        case=alice_case,
        caregiver=mother,
        entries=[
            {"code": "R-ECO-01", "status": "present", "severity": 3},
            {"code": "P-FAM-04", "status": "present", "strength": 1},
        ],
    )
    closure = save_factor_map(
        actor=alice_worker,
        case=alice_case,
        caregiver=mother,
        entries=[
            {"code": "R-ECO-01", "status": "present", "severity": 1},
            {"code": "P-FAM-04", "status": "absent"},
        ],
    )
    return intake, closure


def test_two_versions_side_by_side_say_which_way_each_factor_moved(
    alice: Client, alice_case: Case, mother: Caregiver, two_versions: tuple[FactorMap, FactorMap]
) -> None:
    before, after = two_versions
    response = alice.get(
        map_url(alice_case, mother, "map_compare"), {"before": before.pk, "after": after.pk}
    )
    assert response.status_code == 200
    directions = {row["row"].code: row["row"].direction for row in response.context["rows"]}
    assert directions == {"R-ECO-01": "better", "P-FAM-04": "worse"}
    text = page_text(response)
    assert text.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2
    assert "Present, severity 3" in text
    assert "Present, severity 1" in text
    assert AuditEvent.objects.filter(action="plans.factor_map.compared").count() == 1


def test_comparing_with_another_case_s_map_is_refused_on_the_field(
    alice: Client,
    alice_case: Case,
    mother: Caregiver,
    dan_other_ward: User,
    dan_case: Case,
    two_versions: tuple[FactorMap, FactorMap],
) -> None:
    dans = save_factor_map(
        actor=dan_other_ward,
        case=dan_case,
        caregiver=dan_case.caregivers.get(),
        entries=[{"code": "R-ECO-01", "status": "present", "severity": 2}],
    )
    response = alice.get(
        map_url(alice_case, mother, "map_compare"),
        {"before": dans.pk, "after": two_versions[1].pk},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["before"]
    assert "comparison" not in response.context
    assert AuditEvent.objects.filter(action="plans.factor_map.compared").count() == 0


def test_the_map_page_offers_the_comparison_of_its_oldest_and_newest_versions(
    alice: Client, alice_case: Case, mother: Caregiver, two_versions: tuple[FactorMap, FactorMap]
) -> None:
    response = alice.get(map_url(alice_case, mother))
    form = response.context["compare_form"]
    assert (form.initial["before"], form.initial["after"]) == (
        two_versions[0].pk,
        two_versions[1].pk,
    )


# --- the SVG file ---------------------------------------------------------------------------


def test_a_version_downloads_as_an_svg_file_and_the_download_is_audited(
    alice: Client, two_versions: tuple[FactorMap, FactorMap]
) -> None:
    before = two_versions[0]
    response = alice.get(reverse("plans:map_svg", kwargs={"map_id": before.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    root = ET.fromstring(response.content)  # noqa: S314 - Buoy's own drawing
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    codes = {g.get("data-code") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert {"R-ECO-01", "P-FAM-04"} <= codes
    event = AuditEvent.objects.get(action="plans.factor_map.downloaded")
    assert event.subject_id == str(before.pk)


def test_the_svg_is_drawn_in_the_readers_language(
    alice: Client, two_versions: tuple[FactorMap, FactorMap]
) -> None:
    alice.post(reverse("set_language"), {"language": "zh-hans"})
    response = alice.get(reverse("plans:map_svg", kwargs={"map_id": two_versions[0].pk}))
    assert response.status_code == 200
    text = response.content.decode()
    # The codebook's own Chinese names; the drawing's words come from the catalogue.
    factor = codebook_factors(casework_project())["R-ECO-01"].code
    assert factor.name_zh
    assert factor.name_zh[:4] in text


# --- the case page's section ----------------------------------------------------------------


def test_the_case_section_draws_each_caregivers_latest_map_with_date_and_who(
    alice: Client, alice_case: Case, two_versions: tuple[FactorMap, FactorMap]
) -> None:
    response = alice.get(reverse("plans:case_section", kwargs={"case_id": alice_case.pk}))
    assert response.status_code == 200
    text = page_text(response)
    assert f'id="factor-map-{two_versions[1].pk}"' in text
    assert f'id="factor-map-{two_versions[0].pk}"' not in text
    assert re.search(r"confirmed · version 2, \d{4}-\d{2}-\d{2}, Alice", text)
    listed = AuditEvent.objects.filter(action="plans.factor_map.listed").last()
    assert listed is not None
    assert listed.context["ids"] == [two_versions[1].pk]


# --- who may ------------------------------------------------------------------------------


def test_another_wards_worker_gets_404_everywhere_and_saves_nothing(
    dan_other_ward: User,
    alice_case: Case,
    mother: Caregiver,
    two_versions: tuple[FactorMap, FactorMap],
) -> None:
    dan = logged_in(dan_other_ward)
    for page in ("map", "map_edit", "map_compare"):
        assert dan.get(map_url(alice_case, mother, page)).status_code == 404
    for name in ("map_version", "map_svg"):
        url = reverse(f"plans:{name}", kwargs={"map_id": two_versions[0].pk})
        assert dan.get(url).status_code == 404
    assert dan.post(map_url(alice_case, mother, "map_draft")).status_code == 404
    confirm = reverse("plans:map_confirm", kwargs={"map_id": two_versions[1].pk})
    assert dan.post(confirm).status_code == 404
    assert FactorMap.objects.count() == 2


def test_a_caregiver_of_another_case_is_not_found(
    alice: Client, alice_case: Case, dan_case: Case, casework: Project
) -> None:
    url = map_url(alice_case, dan_case.caregivers.get())
    assert alice.get(url).status_code == 404


@pytest.mark.parametrize("persona", ["rita_researcher", "adam_admin"])
def test_researchers_and_administrators_are_refused(
    persona: str,
    personas: dict[str, User],
    alice_case: Case,
    mother: Caregiver,
    two_versions: tuple[FactorMap, FactorMap],
) -> None:
    client = logged_in(personas[persona])
    assert client.get(map_url(alice_case, mother)).status_code == 403
    assert (
        client.get(reverse("plans:map_svg", kwargs={"map_id": two_versions[0].pk})).status_code
        == 403
    )
    assert client.post(map_url(alice_case, mother, "map_draft")).status_code == 403
    assert FactorMap.objects.count() == 2
