"""The demo department's casework: what a newcomer finds, what the evaluation can use, every
date in its place, and the same department every time it is built."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from buoy.access.models import User
from buoy.cases.domain.diagnoses import known_diagnosis
from buoy.cases.models import Case, PhaseChange
from buoy.coding.models import CodedSegment, Transcript
from buoy.demo import interviews
from buoy.demo.department import ADULT_GIVEN, TREATMENTS, WARD_DISEASES, load_demo_department
from buoy.instruments.models import Assessment
from buoy.plans.models import (
    CasePlan,
    FactorMap,
    GoalReview,
    GroupAttendance,
    GroupSession,
    Referral,
    Session,
    SuggestionDecision,
)

pytestmark = pytest.mark.django_db

CLOSED = ("closed", "follow_up")


def _total(assessment: Assessment) -> float:
    score = assessment.scores.get(is_current=True)
    assert score.status == "valid"
    assert score.total is not None
    return float(score.total)


def _cdrisc10(case: Case, timepoint: str) -> Assessment | None:
    return (
        case.assessments.filter(
            instrument_version__instrument_id="cdrisc10",
            timepoint__code=timepoint,
            status="completed",
        )
        .order_by("completed_at")
        .first()
    )


def _coders(transcript: Transcript) -> set[str]:
    return set(
        CodedSegment.objects.filter(transcript=transcript).values_list("coder__username", flat=True)
    )


def _check_worker_cases(worker: User) -> None:
    cases = list(Case.objects.filter(assigned_worker=worker).order_by("pk"))
    assert len(cases) >= 10
    worked = [c for c in cases if c.phase != "intake"]
    assert len(worked) >= len(cases) * 2 / 3  # "most of demo-worker's cases"
    languages = set()
    for case in worked:
        caregiver = case.caregivers.get()
        languages.add(caregiver.preferred_language)
        assert _cdrisc10(case, "baseline") is not None
        assert case.assessments.filter(
            instrument_version__instrument_id="phq9", timepoint__code="baseline"
        ).exists()
        intake = case.transcripts.get(timepoint__code="baseline")
        assert _coders(intake) == {worker.username, "demo-supervisor"}
        chinese = bool(re.search(r"[\u4e00-\u9fff]", intake.text.split("\n")[1]))
        assert chinese == (caregiver.preferred_language == "zh-hans")
        assert FactorMap.objects.filter(case=case).exists()
        if case.phase in ("intake", "assessment"):
            continue
        confirmed = FactorMap.objects.filter(case=case, is_draft=False).order_by("version")[0]
        kinds = set(confirmed.entries.filter(status="present").values_list("kind", flat=True))
        assert kinds == {"protective", "risk"}
        assert confirmed.entries.filter(evidence__segment__isnull=False).exists()
        if case.phase == "planning":
            continue
        plan = CasePlan.objects.get(case=case)
        goals = list(plan.goals.all())
        assert 2 <= len(goals) <= 3
        for goal in goals:
            levels = [getattr(goal, name) for name in goal.LEVEL_FIELDS]
            assert len(levels) == 5
            assert all(levels)
            assert bool(re.search(r"[\u4e00-\u9fff]", goal.text)) == chinese
        assert 1 <= GoalReview.objects.filter(plan=plan).count() <= 3
        sessions = Session.objects.filter(case=case)
        assert 2 <= sessions.count() <= 8
        for session in sessions:
            assert session.techniques.exists()
            assert session.distress_after is not None
            assert session.distress_before is not None
            assert session.distress_after <= session.distress_before
        assert SuggestionDecision.objects.filter(case=case, accepted=True).exists()
        assert SuggestionDecision.objects.filter(case=case, accepted=False).exists()
        assert Referral.objects.filter(case=case).exists()
        planned = sessions.exclude(next_session_on__isnull=True)
        if case.phase == "intervention":  # the next session agreed at the last one
            last = sessions.order_by("-held_on", "-pk")[0]
            assert list(planned) == [last]
            assert last.next_session_on is not None
            assert last.next_session_on > last.held_on
        else:
            assert not planned.exists()
    assert languages == {"zh-hans", "en"}
    full = [c for c in worked if c.phase not in ("assessment", "planning")]
    assert sum(4 <= Session.objects.filter(case=c).count() <= 8 for c in full) >= len(full) * 0.8


def _check_closed_cases() -> None:
    closed = list(Case.objects.filter(phase__in=CLOSED).order_by("pk"))
    assert len(closed) >= 12
    changes = []
    intake_codes: set[str] = set()
    for case in closed:
        baseline, post = _cdrisc10(case, "baseline"), _cdrisc10(case, "post")
        assert baseline is not None
        assert post is not None
        changes.append(_total(post) - _total(baseline))
        assert not case.closed_without_post_reason  # closed after its post-assessment
        assert GoalReview.objects.filter(plan__case=case).exists()
        for timepoint in ("baseline", "post"):
            interview = case.transcripts.get(timepoint__code=timepoint)
            assert CodedSegment.objects.filter(transcript=interview).exists()
        intake = case.transcripts.get(timepoint__code="baseline")
        intake_codes |= set(
            CodedSegment.objects.filter(transcript=intake).values_list("code__label", flat=True)
        )
        maps = FactorMap.objects.filter(case=case, is_draft=False).order_by("version")
        assert maps.count() == 2  # the intake map and the closure map
    improved = sum(change >= 5 for change in changes)
    unchanged = sum(abs(change) <= 2 for change in changes)
    worse = sum(change <= -4 for change in changes)
    assert improved > len(changes) / 2
    assert unchanged >= 2
    assert 1 <= worse <= 2
    # the moderators the evaluation looks at vary between the closed families
    assert {"P-IND-01", "R-IND-01", "P-MED-02", "R-MED-01"} <= intake_codes
    assert len({code for code in intake_codes if "-CUL-" in code}) >= 2


def _check_shared_casework() -> None:
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == {"proposed", "made", "accepted", "declined", "completed"}
    assert Referral.objects.filter(resource__kind="charity_fund").exists()
    [meeting] = GroupSession.objects.all()
    attended = GroupAttendance.objects.filter(group_session=meeting, attended=True)
    assert attended.values("case").distinct().count() >= 3


def _dated(case: Case) -> list[tuple[str, dt.date]]:
    """Every dated step of a case's casework, as (what, day), in the site's time zone."""

    def day(value: dt.datetime) -> dt.date:
        return timezone.localdate(value)

    steps: list[tuple[str, dt.date]] = []
    for transcript in case.transcripts.filter(deidentified_from__isnull=True):
        assert transcript.interview_date is not None
        assert transcript.timepoint is not None
        steps.append((f"interview {transcript.timepoint.code}", transcript.interview_date))
        steps += [
            ("coded", day(s.created_at)) for s in CodedSegment.objects.filter(transcript=transcript)
        ]
    for assessment in case.assessments.all():
        assert assessment.completed_at is not None
        steps.append((f"assessed {assessment.timepoint.code}", day(assessment.completed_at)))
    steps += [("map", day(m.made_at)) for m in FactorMap.objects.filter(case=case)]
    steps += [("plan", day(p.made_at)) for p in CasePlan.objects.filter(case=case)]
    steps += [("session", s.held_on) for s in Session.objects.filter(case=case)]
    steps += [("review", r.reviewed_on) for r in GoalReview.objects.filter(plan__case=case)]
    for referral in Referral.objects.filter(case=case):
        steps += [("referred", d) for d in (referral.proposed_on, referral.made_on) if d]
    steps += [
        ("phase", day(c.changed_at))
        for c in PhaseChange.objects.filter(case=case).exclude(to_phase="follow_up")
    ]
    steps += [("decided", day(d.decided_at)) for d in SuggestionDecision.objects.filter(case=case)]
    return steps


def _check_dates() -> None:
    today = timezone.localdate()
    for case in Case.objects.all():
        steps = _dated(case)
        last = case.closed_on or today
        wrong = [(what, d) for what, d in steps if not case.opened_on <= d <= last]
        assert wrong == [], (case.pk, case.opened_on, case.closed_on, wrong)
        # followed up after closing, by today
        for change in PhaseChange.objects.filter(case=case, to_phase="follow_up"):
            assert case.closed_on is not None
            assert case.closed_on < timezone.localdate(change.changed_at) <= today
        if not steps or case.phase == "intake":
            continue
        first = {what: min(d for w, d in steps if w == what) for what, _ in steps}
        final = {what: max(d for w, d in steps if w == what) for what, _ in steps}
        assert first["interview baseline"] <= first["assessed baseline"] <= first["map"]
        if "plan" in first:
            assert first["map"] <= first["plan"] <= first["session"]
            assert first["session"] <= first["review"]
        if "assessed post" in first:
            assert final["session"] < first["assessed post"]
            assert final["review"] <= first["assessed post"]
        if case.closed_on is not None:
            assert first["assessed post"] <= first["interview post"] <= final["map"]
    assert not Assessment.objects.filter(completed_at__gt=timezone.now()).exists()
    assert not Session.objects.filter(held_on__gt=today).exists()


def test_the_demo_holds_a_departments_casework_with_every_date_in_its_place(
    tmp_path: Path,
) -> None:
    load_demo_department(tmp_path)
    worker = User.objects.get(username="demo-worker")
    _check_worker_cases(worker)
    _check_closed_cases()
    _check_shared_casework()
    _check_dates()
    # and every one of demo-worker's cases shows its record
    client = Client()
    client.force_login(worker)
    for case in Case.objects.filter(assigned_worker=worker):
        page = client.get(f"/cases/{case.pk}/")
        assert page.status_code == 200, case.pk


def _fingerprint() -> list[Any]:
    """The demo's content without database ids."""
    rows: list[Any] = []
    # in the order opened (case numbers and ids come from sequences a rollback does not undo)
    for case in Case.objects.order_by("pk"):
        caregiver = case.caregivers.get()
        rows.append(
            (
                case.phase,
                case.opened_on,
                case.closed_on,
                case.child.full_name,
                caregiver.full_name,
                sorted(
                    (t.title, t.text, t.interview_date)
                    for t in case.transcripts.filter(deidentified_from__isnull=True)
                ),
                sorted(
                    CodedSegment.objects.filter(transcript__case=case).values_list(
                        "coder__username", "code__label", "start", "end"
                    )
                ),
                sorted(
                    (a.instrument_version.instrument_id, a.timepoint.code, str(a.completed_at))
                    for a in case.assessments.all()
                ),
                sorted(
                    str(answer)
                    for answer in case.assessments.values_list("answers__item_id", "answers__value")
                ),
                sorted(
                    FactorMap.objects.filter(case=case).values_list(
                        "version", "is_draft", "made_at"
                    )
                ),
                sorted(
                    Session.objects.filter(case=case).values_list(
                        "held_on", "minutes", "mode", "distress_before", "distress_after"
                    )
                ),
                sorted(
                    CasePlan.objects.filter(case=case).values_list(
                        "goals__text", "goals__weight", "goals__start_level"
                    )
                ),
                sorted(
                    GoalReview.objects.filter(plan__case=case).values_list(
                        "reviewed_on", "levels__level"
                    )
                ),
                sorted(Referral.objects.filter(case=case).values_list("resource__name", "status")),
                sorted(SuggestionDecision.objects.filter(case=case).values_list("key", "accepted")),
            )
        )
    return rows


def test_two_builds_of_the_demo_hold_the_same_casework(tmp_path: Path) -> None:
    prints = []
    for _ in range(2):
        with transaction.atomic():
            load_demo_department(tmp_path, cases=12)
            prints.append(_fingerprint())
            transaction.set_rollback(True)
    assert len(prints[0]) == 12
    assert any(row[6] for row in prints[0])  # coded interviews are part of what is compared
    assert prints[0] == prints[1]


def test_caregivers_are_named_as_their_relationship_and_children_treated_for_their_disease(
    tmp_path: Path,
) -> None:
    load_demo_department(tmp_path, cases=22)
    relationships: Counter[str] = Counter()
    for case in Case.objects.select_related("child", "ward"):
        caregiver = case.caregivers.get()
        relationships[caregiver.relationship] += 1
        language = "zh" if caregiver.preferred_language == "zh-hans" else "en"
        given = caregiver.full_name[1:] if language == "zh" else caregiver.full_name.split()[0]
        assert given in ADULT_GIVEN[language, caregiver.relationship], caregiver.full_name
        assert caregiver.sex == ("male" if caregiver.relationship == "father" else "female")
        diagnosis = known_diagnosis(case.child.diagnosis_code)
        assert diagnosis is not None
        assert diagnosis.group in WARD_DISEASES[case.ward.code]
        assert case.child.treatment_phase in TREATMENTS[diagnosis.group][0]
    assert set(relationships) == {"mother", "father", "grandmother"}


def test_every_coded_phrase_of_the_demo_interviews_is_in_its_answer() -> None:
    banks = [
        interviews.INTAKE_ZH,
        interviews.INTAKE_EN,
        interviews.CLOSURE_ZH,
        interviews.CLOSURE_EN,
    ]
    for bank in banks:
        for code, exchange in bank.items():
            assert exchange.answer.count(exchange.phrase) == 1, code
            assert exchange.phrase not in exchange.question, code
    assert set(interviews.CLOSURE_ZH) == set(interviews.CLOSURE_EN)
    assert set(interviews.INTAKE_ZH) == set(interviews.INTAKE_EN)
    for aim in interviews.GOALS_ZH:
        for chinese in (True, False):
            text, levels = interviews.goal_texts(aim, chinese=chinese)
            assert text
            assert len(levels) == 5
            assert len(set(levels)) == 5
