"""Fixtures of the plans tests: Alice's case with its intake interview coded in the casework
project, a case of Dan's in the other ward, and completed CD-RISC-10 assessments.

The personas and Alice's case come from tests/conftest.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest
from django.utils import timezone

from buoy.access.models import User, Ward
from buoy.cases import services as case_services
from buoy.cases.models import Caregiver, Case
from buoy.coding import services as coding_services
from buoy.coding.models import Code, CodedSegment, Project, Transcript
from buoy.instruments import services as instrument_services
from buoy.instruments.models import Assessment, Timepoint
from buoy.instruments.selectors import current_instrument
from tests.conftest import caregiver_details, child_details

INTAKE = (
    "社工：最近怎么样？\n"
    "妈妈：化疗期间我每天记下医生说的话，我相信她会好起来。\n"
    "社工：家里谁在帮忙？\n"
    "妈妈：奶奶来照顾小女儿，可是我们借了三十万，压力很大。\n"
)
CLOSURE = (
    "社工：现在怎么样？\n"
    "妈妈：奶奶还在帮忙，基金会帮我们还了一部分钱。\n"
    "妈妈：我现在能看懂血常规了。\n"
)


@pytest.fixture
def casework(db: None) -> Project:
    return coding_services.casework_project()


def code(label: str) -> Code:
    return Code.objects.get(project=coding_services.casework_project(), label=label)


def code_passage(actor: User, transcript: Transcript, label: str, phrase: str) -> CodedSegment:
    """Code the first occurrence of `phrase` in the transcript with the code `label`."""
    start = transcript.text.index(phrase)
    [segment] = coding_services.apply_codes(
        actor=actor,
        transcript=transcript,
        code_ids=[code(label).pk],
        start=start,
        end=start + len(phrase),
    )
    return segment


def interview(
    actor: User,
    case: Case,
    text: str,
    *,
    caregiver: Caregiver | None = None,
    timepoint: str = "baseline",
    title: str = "Intake interview",
) -> Transcript:
    return coding_services.import_transcript(
        actor=actor,
        project=coding_services.casework_project(),
        filename="",
        pasted=text,
        case=case,
        caregiver=caregiver,
        title=title,
        timepoint=Timepoint.objects.get(code=timepoint),
    )


@pytest.fixture
def mother(alice_case: Case) -> Caregiver:
    return alice_case.caregivers.get()


@pytest.fixture
def intake(
    alice_worker: User, alice_case: Case, mother: Caregiver, casework: Project
) -> Transcript:
    """Alice's intake interview with the mother, coded: active initiative, hope,
    grandparent care and debt."""
    transcript = interview(alice_worker, alice_case, INTAKE, caregiver=mother)
    code_passage(alice_worker, transcript, "P-IND-01", "我每天记下医生说的话")
    code_passage(alice_worker, transcript, "P-IND-02", "我相信她会好起来")
    code_passage(alice_worker, transcript, "P-FAM-04", "奶奶来照顾小女儿")
    code_passage(alice_worker, transcript, "R-ECO-01", "我们借了三十万")
    return transcript


@pytest.fixture
def dan_case(dan_other_ward: User, ward_b: Ward) -> Case:
    return case_services.open_case(
        actor=dan_other_ward,
        ward=ward_b,
        referral_source="nurse",
        child=child_details(full_name="另一个孩子"),
        caregiver=caregiver_details(full_name="另一位母亲", phone="13900000000"),
    )


@pytest.fixture
def dan_interview(dan_other_ward: User, dan_case: Case, casework: Project) -> Transcript:
    """An interview of Dan's case, coded with a factor Alice's interview does not have."""
    transcript = interview(dan_other_ward, dan_case, INTAKE)
    code_passage(dan_other_ward, transcript, "R-IND-02", "压力很大")
    return transcript


def cdrisc10(
    worker: User, case: Case, scores: Mapping[str, int], *, timepoint: str = "baseline"
) -> Assessment:
    """A completed CD-RISC-10 of the case's first caregiver with these item scores (every
    other item 3)."""
    version = current_instrument("cdrisc10")
    assessment = instrument_services.start_assessment(
        actor=worker,
        case=case,
        caregiver=case.caregivers.order_by("pk")[0],
        instrument_version=version,
        timepoint=Timepoint.objects.get(code=timepoint),
    )
    answers = {f"item{n}": 3 for n in range(1, 11)}
    answers.update(scores)
    instrument_services.record_answers(
        actor=worker, assessment=assessment, answers=answers, complete=True
    )
    return assessment


@pytest.fixture
def month_old_case(alice_case: Case) -> Case:
    """Alice's case, opened 30 days ago, so that work can be dated in between."""
    Case.objects.filter(pk=alice_case.pk).update(
        opened_on=timezone.localdate() - dt.timedelta(days=30)
    )
    alice_case.refresh_from_db()
    return alice_case
