"""The strengths–risk map through its services and selectors: a draft from the coded intake
interview, a worker's corrections saved as a new dated version, a draft confirmed, intake
and closure side by side; bad input refused field by field with nothing saved; who may."""

from __future__ import annotations

from typing import Any

import pytest

from buoy.access.models import User, Ward
from buoy.audit.models import AuditEvent
from buoy.cases.models import Caregiver, Case
from buoy.cases.services import add_caregiver, open_case, reassign_case, write_note
from buoy.coding.models import Transcript
from buoy.core.errors import InvalidInput, NotFound
from buoy.instruments.models import Timepoint
from buoy.plans.models import FactorEntry, FactorEvidence, FactorMap
from buoy.plans.selectors import (
    factor_maps_of,
    get_factor_map_for,
    latest_map,
    map_comparison,
)
from buoy.plans.services import confirm_factor_map, draft_factor_map, save_factor_map
from tests.conftest import caregiver_details, child_details
from tests.plans.conftest import CLOSURE, INTAKE, cdrisc10, code_passage, interview

pytestmark = pytest.mark.django_db


def entries_of(factor_map: FactorMap) -> dict[str, FactorEntry]:
    return {entry.code_label: entry for entry in factor_map.entries.all()}


def refused(
    actor: User, case: Case, caregiver: Caregiver, entries: list[dict[str, Any]]
) -> dict[str, list[str]]:
    """Save the map, expect InvalidInput, and check that nothing was saved or audited."""
    maps, events = FactorMap.objects.count(), AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refusal:
        save_factor_map(actor=actor, case=case, caregiver=caregiver, entries=entries)
    assert FactorMap.objects.count() == maps
    assert AuditEvent.objects.count() == events
    return refusal.value.errors


# --- the draft ------------------------------------------------------------------------------


def test_a_draft_proposes_the_factors_coded_in_the_case_interviews_as_present(
    alice_worker: User,
    alice_case: Case,
    mother: Caregiver,
    intake: Transcript,
    dan_interview: Transcript,
) -> None:
    draft = draft_factor_map(actor=alice_worker, case=alice_case, caregiver=mother)
    entries = entries_of(draft)
    # Dan's family's interview is coded R-IND-02; it is not Alice's family's evidence.
    assert sorted(entries) == ["P-FAM-04", "P-IND-01", "P-IND-02", "R-ECO-01"]
    debt = entries["R-ECO-01"]
    assert (debt.kind, debt.level, debt.status, debt.severity) == (
        "risk",
        "economic",
        "present",
        None,
    )
    [evidence] = debt.evidence.all()
    assert evidence.segment is not None
    assert intake.text[evidence.segment.start : evidence.segment.end] == "我们借了三十万"
    assert (draft.version, draft.is_draft) == (1, True)
    event = AuditEvent.objects.get(action="plans.factor_map.drafted")
    assert event.context == {"case": alice_case.pk, "version": 1, "entries": 4, "evidence": 4}


def test_a_draft_leaves_out_interviews_of_another_caregiver_and_other_timepoints(
    alice_worker: User, alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    grandmother = add_caregiver(
        actor=alice_worker,
        case=alice_case,
        details=caregiver_details(full_name="测试奶奶", relationship="grandmother"),
    )
    theirs = interview(alice_worker, alice_case, CLOSURE, caregiver=grandmother, title="Grandma")
    code_passage(alice_worker, theirs, "P-SOC-03", "基金会帮我们还了一部分钱")
    assert "P-SOC-03" not in entries_of(
        draft_factor_map(actor=alice_worker, case=alice_case, caregiver=mother)
    )
    closure = interview(alice_worker, alice_case, CLOSURE, caregiver=mother, timepoint="post")
    code_passage(alice_worker, closure, "P-IND-05", "我现在能看懂血常规了")
    at_closure = draft_factor_map(
        actor=alice_worker,
        case=alice_case,
        caregiver=mother,
        timepoint=Timepoint.objects.get(code="post"),
    )
    assert sorted(entries_of(at_closure)) == ["P-IND-05"]
    assert at_closure.version == 2


def test_confirming_a_draft_makes_a_new_confirmed_version_and_keeps_the_draft(
    alice_worker: User, alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    draft = draft_factor_map(actor=alice_worker, case=alice_case, caregiver=mother)
    confirmed = confirm_factor_map(actor=alice_worker, factor_map=draft, note="Talked it over.")
    assert (confirmed.version, confirmed.is_draft, confirmed.based_on) == (2, False, draft)
    assert sorted(entries_of(confirmed)) == sorted(entries_of(draft))
    assert FactorEvidence.objects.filter(entry__factor_map=confirmed).count() == 4
    assert FactorMap.objects.get(pk=draft.pk).is_draft
    assert latest_map(alice_case, mother, confirmed=True) == confirmed
    with pytest.raises(InvalidInput):
        confirm_factor_map(actor=alice_worker, factor_map=confirmed)
    with pytest.raises(InvalidInput):  # an older draft: a newer version exists
        confirm_factor_map(actor=alice_worker, factor_map=draft)


# --- the worker's map -----------------------------------------------------------------------


def test_a_worker_corrects_the_draft_with_ratings_notes_and_evidence_of_every_kind(
    alice_worker: User, alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    draft = draft_factor_map(actor=alice_worker, case=alice_case, caregiver=mother)
    passage = entries_of(draft)["R-ECO-01"].evidence.get().segment
    assert passage is not None
    note = write_note(actor=alice_worker, case=alice_case, body="Borrowed from the village.")
    assessment = cdrisc10(alice_worker, alice_case, {"item6": 1})
    answer = assessment.answers.get(item_id="item9")
    saved = save_factor_map(
        actor=alice_worker,
        case=alice_case,
        caregiver=mother,
        note="Confirmed with the mother.",
        entries=[
            {
                "code": "R-ECO-01",
                "status": "present",
                "severity": 3,
                "evidence": [{"segment": passage.pk}, {"note": note}],
            },
            {
                "code": "R-IND-01",
                "status": "present",
                "severity": 1,
                "evidence": [{"assessment": assessment.pk, "item": "item6"}, answer],
            },
            {"code": "P-FAM-04", "status": "present", "strength": 2, "note": "Grandma."},
            {"code": "P-SOC-01", "status": "absent"},
            {"code": "P-SOC-02", "status": "unknown"},
        ],
    )
    entries = entries_of(saved)
    assert (saved.version, saved.is_draft) == (2, False)
    assert (entries["R-ECO-01"].severity, entries["P-FAM-04"].strength) == (3, 2)
    assert entries["P-FAM-04"].rating == 2
    kinds = [e.source_kind for e in entries["R-IND-01"].evidence.all()]
    assert sorted(kinds) == ["answer", "item"]
    assert [e.source_kind for e in entries["R-ECO-01"].evidence.all()] == ["segment", "note"]
    assert AuditEvent.objects.get(action="plans.factor_map.confirmed").context["evidence"] == 4


def test_a_factor_not_in_the_casework_codebook_is_refused_on_its_field(
    alice_worker: User, alice_case: Case, mother: Caregiver
) -> None:
    errors = refused(
        alice_worker,
        alice_case,
        mother,
        [
            {"code": "P-FAM-04", "status": "present"},
            {"code": "P-IND-99", "status": "present"},
            {"code": "P-IND", "status": "present"},  # a category, not a factor
            {"code": "P-FAM-04", "status": "absent"},
        ],
    )
    assert set(errors) == {"entries[1].code", "entries[2].code", "entries[3].code"}
    assert "P-IND-99" in errors["entries[1].code"][0]


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"code": "P-FAM-04", "status": "present", "strength": 4}, "entries[0].strength"),
        ({"code": "P-FAM-04", "status": "present", "strength": 0}, "entries[0].strength"),
        ({"code": "R-ECO-01", "status": "present", "severity": "3"}, "entries[0].severity"),
        ({"code": "P-FAM-04", "status": "present", "severity": 2}, "entries[0].severity"),
        ({"code": "P-FAM-04", "status": "absent", "strength": 2}, "entries[0].strength"),
        ({"code": "P-FAM-04", "status": "maybe"}, "entries[0].status"),
        ({"code": "P-FAM-04", "note": "x" * 501}, "entries[0].note"),
        ({"code": "P-FAM-04", "colour": "red"}, "entries[0].colour"),
        ({"code": "P-FAM-04", "evidence": [{"segment": 1, "note": 2}]}, "entries[0].evidence[0]"),
        ({"code": "P-FAM-04", "evidence": [{"assessment": 1}]}, "entries[0].evidence[0]"),
        ({"code": "P-FAM-04", "evidence": [{"segment": 999_999}]}, "entries[0].evidence[0]"),
    ],
)
def test_bad_ratings_statuses_and_evidence_are_refused_on_their_field(
    alice_worker: User, alice_case: Case, mother: Caregiver, entry: dict[str, Any], field: str
) -> None:
    assert list(refused(alice_worker, alice_case, mother, [entry])) == [field]


def test_evidence_from_another_case_is_refused_and_nothing_is_saved(
    carol_supervisor: User,
    bob_same_team: User,
    ward_a: Ward,
    alice_case: Case,
    mother: Caregiver,
) -> None:
    # Carol supervises both cases of her ward and may read both: Bob's family's interview,
    # note and assessment are still no evidence about Alice's family.
    bobs_case = open_case(
        actor=bob_same_team,
        ward=ward_a,
        referral_source="nurse",
        child=child_details(full_name="另一个孩子"),
        caregiver=caregiver_details(full_name="另一位母亲"),
    )
    bobs_interview = interview(bob_same_team, bobs_case, INTAKE)
    bobs_passage = code_passage(bob_same_team, bobs_interview, "R-IND-02", "压力很大")
    bobs_note = write_note(actor=bob_same_team, case=bobs_case, body="Another family.")
    bobs_assessment = cdrisc10(bob_same_team, bobs_case, {})
    errors = refused(
        carol_supervisor,
        alice_case,
        mother,
        [
            {
                "code": "R-IND-02",
                "status": "present",
                "evidence": [
                    {"segment": bobs_passage.pk},
                    {"note": bobs_note.pk},
                    {"assessment": bobs_assessment.pk, "item": "item1"},
                    {"answer": bobs_assessment.answers.all()[0].pk},
                ],
            }
        ],
    )
    assert set(errors) == {f"entries[0].evidence[{i}]" for i in range(4)}


def test_evidence_from_a_case_the_worker_may_not_see_is_refused(
    alice_worker: User, alice_case: Case, mother: Caregiver, dan_interview: Transcript
) -> None:
    evidence = [{"segment": dan_interview.segments.get().pk}]
    errors = refused(alice_worker, alice_case, mother, [{"code": "R-IND-02", "evidence": evidence}])
    assert list(errors) == ["entries[0].evidence[0]"]


def test_an_item_the_assessment_does_not_have_is_refused(
    alice_worker: User, alice_case: Case, mother: Caregiver
) -> None:
    assessment = cdrisc10(alice_worker, alice_case, {})
    evidence = [{"assessment": assessment.pk, "item": "item11"}]
    errors = refused(alice_worker, alice_case, mother, [{"code": "R-IND-01", "evidence": evidence}])
    assert list(errors) == ["entries[0].evidence[0]"]


def test_a_caregiver_of_another_case_is_refused(
    alice_worker: User, alice_case: Case, dan_case: Case
) -> None:
    with pytest.raises(InvalidInput) as refusal:
        draft_factor_map(actor=alice_worker, case=alice_case, caregiver=dan_case.caregivers.get())
    assert list(refusal.value.errors) == ["caregiver"]


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["bob_same_team", "dan_other_ward", "rita_researcher", "adam_admin"]
)
def test_only_staff_who_may_see_the_case_draft_its_map(
    personas: dict[str, User], alice_case: Case, mother: Caregiver, persona: str
) -> None:
    with pytest.raises(NotFound):
        draft_factor_map(actor=personas[persona], case=alice_case, caregiver=mother)
    with pytest.raises(NotFound):
        save_factor_map(actor=personas[persona], case=alice_case, caregiver=mother, entries=[])
    assert not FactorMap.objects.exists()


def test_the_supervisor_and_a_colleague_it_is_shared_with_plan_the_case(
    personas: dict[str, User], alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    carol, bob = personas["carol_supervisor"], personas["bob_same_team"]
    draft = draft_factor_map(actor=carol, case=alice_case, caregiver=mother)
    reassign_case(actor=carol, case=alice_case, worker=personas["alice_worker"], shared_with=[bob])
    assert confirm_factor_map(actor=bob, factor_map=draft).made_by == bob


def test_a_map_is_opened_through_the_one_door_and_each_view_is_audited(
    personas: dict[str, User], alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    alice = personas["alice_worker"]
    draft = draft_factor_map(actor=alice, case=alice_case, caregiver=mother)
    assert get_factor_map_for(alice, draft.pk) == draft
    for persona in ("bob_same_team", "dan_other_ward", "rita_researcher", "adam_admin"):
        with pytest.raises(NotFound):
            get_factor_map_for(personas[persona], draft.pk)
    with pytest.raises(NotFound):
        get_factor_map_for(alice, "nonsense")
    views = AuditEvent.objects.filter(action="plans.factor_map.viewed")
    assert [(e.actor_username, e.context) for e in views] == [
        ("alice_worker", {"case": alice_case.pk})
    ]
    [listed] = factor_maps_of(alice, alice_case)
    assert listed.entry_count == 4  # type: ignore[attr-defined]
    assert AuditEvent.objects.get(action="plans.factor_map.listed").context == {
        "ids": [draft.pk],
        "count": 1,
    }
    assert factor_maps_of(personas["dan_other_ward"], alice_case) == []


# --- intake and closure side by side --------------------------------------------------------


def test_intake_and_closure_maps_side_by_side(
    alice_worker: User, alice_case: Case, mother: Caregiver, dan_case: Case
) -> None:
    def save(entries: list[dict[str, Any]]) -> FactorMap:
        return save_factor_map(
            actor=alice_worker, case=alice_case, caregiver=mother, entries=entries
        )

    intake_map = save(
        [
            {"code": "R-ECO-01", "status": "present", "severity": 3},
            {"code": "P-FAM-04", "status": "present", "strength": 2},
            {"code": "P-SOC-03", "status": "absent"},
        ]
    )
    closure_map = save(
        [
            {"code": "R-ECO-01", "status": "present", "severity": 1},
            {"code": "P-FAM-04", "status": "present", "strength": 2},
            {"code": "P-SOC-03", "status": "present", "strength": 3},
            {"code": "R-IND-02", "status": "present", "severity": 2},
        ]
    )
    comparison = map_comparison(alice_worker, intake_map.pk, closure_map.pk)
    directions = {row.code: row.direction for row in comparison.rows}
    assert directions == {
        "P-FAM-04": "same",
        "P-SOC-03": "better",
        "R-ECO-01": "better",
        "R-IND-02": "unclear",  # not assessed at intake
    }
    assert [row.code for row in comparison.rows] == ["P-FAM-04", "P-SOC-03", "R-IND-02", "R-ECO-01"]
    assert (comparison.before.risk_present, comparison.after.risk_present) == (1, 2)
    event = AuditEvent.objects.get(action="plans.factor_map.compared")
    assert event.context == {"case": alice_case.pk, "ids": [intake_map.pk, closure_map.pk]}
