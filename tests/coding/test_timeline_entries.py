"""Interviews and their coding, and completed assessments, appear on the case timeline."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.cases.selectors import case_timeline
from buoy.coding import services as coding_services
from buoy.coding.models import Code
from buoy.instruments import services as instrument_services
from buoy.instruments.models import Timepoint
from buoy.instruments.selectors import current_instrument

pytestmark = pytest.mark.django_db

TEXT = "妈妈：我每天记下医生说的话。\n妈妈：奶奶来照顾小女儿。\n"


def coded_interview(worker: User, case: Case, coder: User) -> None:
    project = coding_services.casework_project()
    transcript = coding_services.import_transcript(
        actor=worker, project=project, filename="", pasted=TEXT, case=case, title="入院访谈"
    )
    for who, phrase, label in [
        (worker, "我每天记下医生说的话", "P-IND-01"),
        (worker, "奶奶来照顾小女儿", "P-FAM-04"),
        (coder, "我每天记下医生说的话", "P-IND-01"),
    ]:
        start = transcript.text.index(phrase)
        coding_services.apply_codes(
            actor=who,
            transcript=transcript,
            code_ids=[Code.objects.get(project=project, label=label).pk],
            start=start,
            end=start + len(phrase),
        )


def test_an_interview_and_each_coders_day_of_coding_are_on_the_timeline(
    alice_worker: User, carol_supervisor: User, alice_case: Case
) -> None:
    coded_interview(alice_worker, alice_case, carol_supervisor)
    entries = case_timeline(alice_case)
    kinds = [entry.kind for entry in entries]
    assert kinds.count("interview") == 1
    coding = {entry.actor: entry.subject.passages for entry in entries if entry.kind == "coding"}
    assert coding == {alice_worker.display_name(): 2, carol_supervisor.display_name(): 1}
    client = Client()
    client.force_login(alice_worker)
    page = client.get(reverse("cases:detail", args=[alice_case.pk])).content.decode()
    assert "Interview added" in page
    assert "入院访谈" in page
    assert "2 passages coded" in page
    assert "1 passage coded" in page


def test_a_removed_passage_is_not_counted(alice_worker: User, alice_case: Case) -> None:
    coded_interview(alice_worker, alice_case, alice_worker)
    segment = alice_case.transcripts.get().segments.order_by("pk").last()
    assert segment is not None
    coding_services.remove_segment(actor=alice_worker, segment=segment)
    [coding] = [e for e in case_timeline(alice_case) if e.kind == "coding"]
    assert coding.subject.passages == 2


def test_a_completed_assessment_is_on_the_timeline_with_its_total(
    alice_worker: User, alice_case: Case
) -> None:
    caregiver = alice_case.caregivers.get()
    for code, complete in [("baseline", True), ("post", False)]:
        assessment = instrument_services.start_assessment(
            actor=alice_worker,
            case=alice_case,
            caregiver=caregiver,
            instrument_version=current_instrument("phq9"),
            timepoint=Timepoint.objects.get(code=code),
        )
        instrument_services.record_answers(
            actor=alice_worker,
            assessment=assessment,
            answers={f"item{n}": 1 for n in range(1, 9)} | {"item9": 0},
            complete=complete,
        )
    [entry] = [e for e in case_timeline(alice_case) if e.kind == "assessment"]
    assert entry.subject.timepoint.code == "baseline"
    client = Client()
    client.force_login(alice_worker)
    url = reverse("cases:detail", args=[alice_case.pk])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "(PHQ-9) completed" in english
    assert "total 8" in english
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "总分 8" in chinese
    assert Timepoint.objects.get(code="baseline").label_zh in chinese
