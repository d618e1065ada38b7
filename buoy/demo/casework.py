"""The demo department's casework, done through the services as workers would do it.

For each of the first `CASEWORK_CASES` cases, as far as its phase has come: an intake interview
(Chinese or English, the caregiver's language) coded by demo-worker's colleague on the case and
by demo-supervisor, baseline CD-RISC-10 and PHQ-9, a strengths–risk map drafted from the coded
interview and confirmed with ratings, the suggestions decided, a plan of two or three GAS goals
in the caregiver's words, four to eight sessions with techniques and distress before and after,
reviews of the goals, referrals to the department's directory, and for closed cases a post
CD-RISC-10 and PHQ-9, a closure interview coded the same way, a closure map, and the closing.
One support group meeting is attended by caregivers of several cases. Two of demo-worker's
caregivers answered PHQ-9 item 9 above 0: one alert is still open, one was handled.

The services date what they record today; each step is then moved to its day in the case's
course with `.update()` on the demo's own rows, so that every date is consistent: the case
opened, then the intake interview, the assessments, the map, the plan, the sessions, the
reviews, the post-assessment, the closure interview and map, the closing, and nothing in the
future. The audit trail is not moved: it says truthfully when the demo was built.

Deterministic: a seeded random generator, the same department every run. Synthetic: no real
person, no real interview.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from buoy.access.models import User
from buoy.cases import services as case_services
from buoy.cases.domain.phases import OPEN_PHASES as PHASES
from buoy.cases.domain.phases import Phase
from buoy.cases.models import Caregiver, Case, CaseNote, PhaseChange
from buoy.coding import services as coding_services
from buoy.coding.models import CodedSegment, CodingAction, Transcript
from buoy.demo.interviews import RELATIONSHIP_ZH, Written, goal_texts, interview
from buoy.instruments import services as instrument_services
from buoy.instruments.models import (
    Answer,
    Assessment,
    HandlingAction,
    SafetyAlert,
    Score,
    Timepoint,
)
from buoy.instruments.selectors import current_instrument
from buoy.plans import selectors as plan_selectors
from buoy.plans import services as plan_services
from buoy.plans.models import (
    CasePlan,
    FactorMap,
    GoalReview,
    GroupAttendance,
    GroupSession,
    Referral,
    Resource,
    Session,
    SuggestionDecision,
)

# Only the first cases get casework: `buoy bench` builds a department of 10,000 cases.
CASEWORK_CASES = 60

# How long ago a case of each phase was opened (days), and how long a closed case ran.
OPENED_DAYS_AGO = {
    Phase.INTAKE: (3, 10),
    Phase.ASSESSMENT: (6, 14),
    Phase.PLANNING: (10, 20),
    Phase.INTERVENTION: (35, 90),
    Phase.EVALUATION: (75, 150),
    Phase.CLOSED: (100, 420),
    Phase.FOLLOW_UP: (130, 420),
}
CLOSED_DAYS = (75, 160)
# A follow-up case was closed long enough ago for its 1-month follow-up call.
FOLLOW_UP_AFTER = 30

# What changed for the closed families, in the order they close: most improved, some did not
# change, two got worse.
OUTCOMES = [
    *("better", "better", "same", "better", "worse", "better", "better"),
    *("same", "better", "better", "worse", "better", "same", "better"),
]

# The department's directory: (name, kind, contact, eligibility, languages).
RESOURCES = [
    (
        "Sunflower Children's Cancer Fund 向日葵儿童肿瘤基金",
        "charity_fund",
        "Ward office, room 3; 021-5555-0101",
        "Children under 18 in treatment for cancer; family income below the local average.",
        ["zh-hans", "en"],
    ),
    (
        "Civil Affairs Medical Assistance 民政医疗救助",
        "medical_assistance",
        "District civil affairs bureau; apply through the social work office",
        "Low-income and subsistence-allowance families; catastrophic expenditure.",
        ["zh-hans"],
    ),
    (
        "Hospital insurance office 医保办",
        "insurance_office",
        "Outpatient building, 2nd floor; weekdays 8:30–16:30",
        "Every insured family: reimbursement, critical illness insurance, cross-region claims.",
        ["zh-hans", "en"],
    ),
    (
        "Safe crowdfunding guidance 安全筹款指导",
        "crowdfunding_guidance",
        "Social work office, Tuesday afternoons",
        "Families considering an online appeal.",
        ["zh-hans"],
    ),
    (
        "Little Home lodging 爱心小家",
        "lodging",
        "Two streets from the east gate; 021-5555-0188",
        "Families from outside the city with a child in long treatment.",
        ["zh-hans", "en"],
    ),
    (
        "Hospital school 医院学校",
        "hospital_school",
        "Paediatric building, 5th floor",
        "School-age children in treatment for more than a month.",
        ["zh-hans"],
    ),
    (
        "Parents' peer group 病友家长互助会",
        "peer_group",
        "Meets on the ward every other Thursday",
        "Parents and grandparents of children on the two wards.",
        ["zh-hans", "en"],
    ),
    (
        "Psychological counselling clinic 心理咨询门诊",
        "psychology",
        "Outpatient building, 4th floor; referral by the social worker",
        "Caregivers with persistent low mood or anxiety.",
        ["zh-hans", "en"],
    ),
]

# What a supervisor coding the same passages may read differently: the second coder uses
# these codes on one passage, so the two coders agree on most passages but not all.
SECOND_READING = {
    "P-IND-02": "P-IND-03",
    "R-IND-02": "R-IND-04",
    "P-FAM-01": "P-FAM-03",
    "R-ECO-01": "R-ECO-03",
    "P-MED-01": "P-MED-03",
    "P-CUL-01": "P-FAM-05",
    "P-IND-01": "P-IND-05",
    "R-FAM-03": "R-IND-04",
}
# The order in which a conversation brings factors up: medical, individual, family, social,
# economic, cultural.
LEVEL_ORDER = {"MED": 0, "IND": 1, "FAM": 2, "SOC": 3, "ECO": 4, "CUL": 5}

ABILITY_ITEMS = {"A": (1, 2, 5), "B": (6, 8, 9), "C": (3, 4, 7, 10)}

SESSION_NOTES_ZH = [
    "在床旁会谈，照顾者讲了这一周的安排和担心。",
    "一起回顾了上周的小目标，完成了一部分。",
    "讨论了费用和申请救助的材料。",
    "照顾者情绪比上次平稳，练习了呼吸放松。",
    "和家人一起商量了轮班。",
]
SESSION_NOTES_EN = [
    "Bedside talk: the caregiver went through the week's plans and worries.",
    "We looked back at last week's small goal; part of it was done.",
    "Went through the costs and the papers for a grant application.",
    "Calmer than last time; we practised the breathing exercise.",
    "Talked over the rota with the family.",
]
HOMEWORK_ZH = ["每天记下一件做到的小事。", "睡前做五分钟呼吸练习。", "准备一个问题问医生。"]
HOMEWORK_EN = [
    "Write down one small thing done each day.",
    "Five minutes of breathing before bed.",
    "Prepare one question for the doctor.",
]
RELATIONSHIP_EN = {"mother": "mother", "father": "father", "grandmother": "grandmother"}


@dataclass
class Course:
    """One demo case's casework: who does it, in which language, how it ends, and its days."""

    case: Case
    caregiver: Caregiver
    worker: User
    target: Phase
    chinese: bool
    opened: dt.date
    end: dt.date  # the closing day of a closed case, today for an open one
    outcome: str = ""  # better / same / worse for a closed case
    intake_codes: dict[str, int] = field(default_factory=dict)  # code → strength/severity
    closure_codes: dict[str, int] = field(default_factory=dict)
    weak: str = "C"  # the weak ability at baseline
    baseline_items: dict[str, int] = field(default_factory=dict)
    goals: list[Any] = field(default_factory=list)
    sessions: list[dt.date] = field(default_factory=list)

    def day(self, offset: int) -> dt.date:
        return self.opened + dt.timedelta(days=offset)

    @property
    def closes(self) -> bool:
        return self.target in (Phase.CLOSED, Phase.FOLLOW_UP)


def opening_day(target: Phase, rng: random.Random, today: dt.date) -> dt.date:
    """The day a demo case of this phase was opened: long enough ago for its casework."""
    low, high = OPENED_DAYS_AGO[target]
    return today - dt.timedelta(days=rng.randint(low, high))


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A time on `day` in the site's time zone, never later than now."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
    return min(moment, timezone.now())


def _stamp(model: type[models.Model], rows: Iterable[Any] | Any, **times: Any) -> None:
    """Move the demo's own rows to their day (services record today)."""
    pks = [getattr(row, "pk", row) for row in (rows if isinstance(rows, list) else [rows])]
    model._default_manager.filter(pk__in=pks).update(**times)


# --- the families' factors ---------------------------------------------------------------


def _pick(rng: random.Random, weighted: Mapping[str, float]) -> str | None:
    roll = rng.random()
    for code, chance in weighted.items():
        if roll < chance:
            return code
        roll -= chance
    return None


def _intake_factors(course: Course, rng: random.Random) -> dict[str, int]:
    """The factors the caregiver brings up at intake, each with its rating (1–3)."""
    child = course.case.child
    caregiver = course.caregiver
    outcome = course.outcome
    chosen: list[str | None] = []
    # initiative: the moderator the evaluation looks at first
    if outcome == "worse":
        chosen.append("R-IND-01")
    elif outcome == "better":
        chosen.append(_pick(rng, {"P-IND-01": 0.6, "R-IND-01": 0.25}))
    else:
        chosen.append(_pick(rng, {"P-IND-01": 0.35, "R-IND-01": 0.35}))
    # disease condition, as the child's prognosis says
    if child.prognosis == "good":
        chosen.append("P-MED-02")
    elif child.prognosis in ("poor", "uncertain") or outcome == "worse":
        chosen.append("R-MED-01")
    else:
        chosen.append(_pick(rng, {"R-MED-02": 0.5, "P-MED-01": 0.5}))
    chosen.append(_pick(rng, {"R-IND-02": 0.45, "P-IND-04": 0.3, "R-IND-04": 0.25}))
    chosen.append(_pick(rng, {"P-IND-02": 0.5, "R-IND-03": 0.2}))
    if caregiver.relationship == "grandmother":
        chosen.append("P-FAM-01")
    else:
        chosen.append(_pick(rng, {"P-FAM-01": 0.4, "P-FAM-04": 0.3, "R-FAM-03": 0.3}))
    if caregiver.relocated_for_treatment:
        chosen.append(_pick(rng, {"R-SOC-01": 0.6, "R-MED-04": 0.4}))
    else:
        chosen.append(_pick(rng, {"P-SOC-01": 0.7}))
    chosen.append(_pick(rng, {"R-ECO-01": 0.65, "P-ECO-01": 0.35}))
    if caregiver.employment_change in ("stopped", "lost"):
        chosen.append("R-ECO-03")
    if course.chinese:
        chosen.append(
            _pick(
                rng,
                {"P-CUL-01": 0.3, "P-CUL-02": 0.25, "P-CUL-03": 0.15, "R-CUL-01": 0.15},
            )
            or "R-CUL-02"
        )
    else:
        chosen.append(_pick(rng, {"P-CUL-01": 0.6}))
    # a strengths perspective finds at least one strength, and every family here has a risk
    if not any(c and c.startswith("P-") for c in chosen):
        chosen.append("P-MED-01")
    if not any(c and c.startswith("R-") for c in chosen):
        chosen.append("R-MED-02")
    codes = sorted({c for c in chosen if c}, key=lambda c: (LEVEL_ORDER[c[2:5]], c))
    return {code: rng.randint(1, 3) for code in codes}


def _closure_factors(course: Course, rng: random.Random) -> dict[str, int]:
    """The factors at closure: what changed follows the family's outcome."""
    before = course.intake_codes
    after: dict[str, int] = {}
    for code, rating in before.items():
        risk = code.startswith("R-")
        if course.outcome == "better":
            if code == "R-IND-01":
                after["P-IND-01"] = 2
            elif code == "R-IND-02":
                after["P-IND-04"] = 2
            elif code == "R-SOC-01":
                after["P-SOC-01"] = 2
            elif risk and rng.random() < 0.5:
                continue  # no longer there
            else:
                after[code] = max(1, rating - 1) if risk else min(3, rating + 1)
        elif course.outcome == "worse":
            after[code] = min(3, rating + 1) if risk else max(1, rating - 1)
        else:
            after[code] = rating
    if course.outcome == "better":
        if "R-ECO-01" in before:
            after["P-SOC-03"] = 2
        after["P-MED-03"] = 2
    elif course.outcome == "worse":
        after.setdefault("R-IND-02", 3)
        after.setdefault("R-MED-01", 3)
    return dict(sorted(after.items(), key=lambda pair: (LEVEL_ORDER[pair[0][2:5]], pair[0])))


# --- the CD-RISC-10 and PHQ-9 answers --------------------------------------------------------


def _baseline_items(course: Course, rng: random.Random) -> dict[str, int]:
    """CD-RISC-10 answers (0–4) with the caregiver's weak ability low."""
    answers = {}
    for ability, items in ABILITY_ITEMS.items():
        for item in items:
            answers[f"item{item}"] = (
                rng.choice([0, 1, 1, 2, 2]) if ability == course.weak else rng.choice([2, 3, 3, 4])
            )
    return answers


def _changed_items(answers: Mapping[str, int], change: int, rng: random.Random) -> dict[str, int]:
    """The answers moved by `change` points in total, one item step at a time, within 0–4."""
    moved = dict(answers)
    step = 1 if change > 0 else -1
    for _ in range(abs(change)):
        room = sorted(k for k, v in moved.items() if 0 <= v + step <= 4)
        if not room:
            break
        lowest = sorted(room, key=lambda k: moved[k] * step)[:4]
        moved[rng.choice(lowest)] += step
    return moved


def _post_change(course: Course, rng: random.Random) -> int:
    if course.outcome == "better":
        return rng.randint(6, 11)
    if course.outcome == "worse":
        return -rng.randint(4, 7)
    return rng.randint(-1, 2)


def _phq9_items(rng: random.Random, *, low_mood: bool, item9: int = 0) -> dict[str, int]:
    answers = {f"item{n}": rng.choice([1, 1, 2] if low_mood else [0, 0, 1]) for n in range(1, 9)}
    answers["item9"] = item9
    return answers


# --- the steps --------------------------------------------------------------------------


class Casework:
    """Does the demo's casework, case by case, and remembers what the department shares."""

    def __init__(self, staff: dict[str, User], *, seed: int, today: dt.date) -> None:
        self.staff = staff
        self.rng = random.Random(seed)
        self.today = today
        self.project = coding_services.casework_project()
        self.cdrisc10 = current_instrument("cdrisc10")
        self.phq9 = current_instrument("phq9")
        self.timepoints = {tp.code: tp for tp in Timepoint.objects.all()}
        self.codes = {code.label: code.pk for code in self.project.codes.all() if code.label}
        self.resources = self._directory()
        self.alerts: list[SafetyAlert] = []
        self.courses: list[Course] = []
        self._outcomes = iter(OUTCOMES * 10)

    def _directory(self) -> dict[str, Resource]:
        keeper = self.staff["demo-supervisor"]
        found = {}
        for name, kind, contact, eligibility, languages in RESOURCES:
            existing = Resource.objects.filter(name=name).first()
            found[kind] = existing or plan_services.add_resource(
                actor=keeper,
                name=name,
                kind=kind,
                contact=contact,
                eligibility=eligibility,
                languages=languages,
            )
        return found

    # one case ---------------------------------------------------------------------------

    def course(self, case: Case, target: Phase) -> Course:
        caregiver = case.caregivers.get(is_primary=True)
        end = self.today
        if target in (Phase.CLOSED, Phase.FOLLOW_UP):
            age = (self.today - case.opened_on).days
            margin = FOLLOW_UP_AFTER + 5 if target is Phase.FOLLOW_UP else 10
            low, high = CLOSED_DAYS
            end = case.opened_on + dt.timedelta(days=self.rng.randint(low, min(high, age - margin)))
        worker = case.assigned_worker
        assert worker is not None  # every demo case has its worker
        course = Course(
            case=case,
            caregiver=caregiver,
            worker=worker,
            target=target,
            chinese=caregiver.preferred_language == "zh-hans",
            opened=case.opened_on,
            end=end,
            outcome=next(self._outcomes) if target in (Phase.CLOSED, Phase.FOLLOW_UP) else "",
        )
        course.intake_codes = _intake_factors(course, self.rng)
        if course.closes:
            course.closure_codes = _closure_factors(course, self.rng)
        if "R-IND-02" in course.intake_codes or "R-IND-04" in course.intake_codes:
            course.weak = "C"
        elif "R-IND-01" in course.intake_codes:
            course.weak = "B"
        else:
            course.weak = self.rng.choice("ABC")
        course.baseline_items = _baseline_items(course, self.rng)
        return course

    def do(self, case: Case, target: Phase, *, item9: int = 0) -> Course:
        """The casework of one case up to `target`, the case moved there, every step on its
        day."""
        course = self.course(case, target)
        self.courses.append(course)
        moves: dict[str, dt.datetime] = {Phase.INTAKE: _at(course.opened, 9)}
        self._steps(course, moves, item9=item9)
        self._finish(course, moves)
        return course

    def _steps(self, course: Course, moves: dict[str, dt.datetime], *, item9: int) -> None:
        phases = [*PHASES, Phase.CLOSED, Phase.FOLLOW_UP]
        reached = phases.index(course.target)
        if reached == 0:
            return  # just opened: nothing done yet
        self._interview(course, "intake", course.day(1))
        moves[Phase.ASSESSMENT] = _at(course.day(1), 16)
        self._move(course, Phase.ASSESSMENT)
        baseline = self._cdrisc10(course, course.baseline_items, "baseline", course.day(2))
        low_mood = "R-IND-02" in course.intake_codes
        self._phq9(course, "baseline", course.day(2), low_mood=low_mood, item9=item9)
        draft = plan_services.draft_factor_map(
            actor=course.worker,
            case=course.case,
            caregiver=course.caregiver,
            timepoint=self.timepoints["baseline"],
        )
        _stamp(FactorMap, draft, made_at=_at(course.day(3), 11))
        if reached == 1:
            return  # the draft map waits for the worker to confirm it
        self._confirm_map(course, "intake", baseline, course.day(3))
        moves[Phase.PLANNING] = _at(course.day(3), 15)
        self._move(course, Phase.PLANNING)
        if reached == 2:
            return  # the suggestions wait for the worker's decisions and the plan
        self._plan(course, course.day(4))
        moves[Phase.INTERVENTION] = _at(course.day(5), 9)
        self._move(course, Phase.INTERVENTION)
        last = self._sessions(course)
        self._reviews(course, final=reached >= 4)
        if len(course.sessions) >= 5 and len(self.courses) % 2:
            # some families are measured half-way too
            mid = _changed_items(
                course.baseline_items, _post_change(course, self.rng) // 2, self.rng
            )
            self._cdrisc10(course, mid, "mid", course.sessions[3] + dt.timedelta(days=1))
        if reached == 3:
            return
        moves[Phase.EVALUATION] = _at(last + dt.timedelta(days=1), 9)
        self._move(course, Phase.EVALUATION)
        post_day = min(self.today, last + dt.timedelta(days=2))
        post = _changed_items(course.baseline_items, _post_change(course, self.rng), self.rng)
        self._cdrisc10(course, post, "post", post_day)
        still_low = course.outcome == "worse" or (low_mood and course.outcome != "better")
        self._phq9(course, "post", post_day, low_mood=still_low)
        if course.closes:
            self._interview(course, "closure", course.end - dt.timedelta(days=3))
            self._confirm_map(course, "closure", None, course.end - dt.timedelta(days=2))
            self._close(course, moves)

    def _move(self, course: Course, phase: Phase) -> None:
        course.case = case_services.move_case_to_phase(
            actor=course.worker, case=course.case, phase=phase
        )

    def _finish(self, course: Course, moves: Mapping[str, dt.datetime]) -> None:
        """Each phase change on its day; the case's notes on the day after opening."""
        for change in PhaseChange.objects.filter(case=course.case):
            if change.to_phase in moves:
                _stamp(PhaseChange, change, changed_at=moves[change.to_phase])
        CaseNote.objects.filter(case=course.case).update(written_at=_at(course.day(1), 17))

    def _interview(self, course: Course, stage: str, day: dt.date) -> Transcript:
        """An interview with the caregiver, coded by the case's worker; at intake by the
        supervisor too (the two readings agree on most passages, not all)."""
        codes = course.intake_codes if stage == "intake" else course.closure_codes
        caregiver = course.caregiver.full_name
        written = interview(list(codes), chinese=course.chinese, caregiver=caregiver, stage=stage)
        child = course.case.child.full_name
        if course.chinese:
            kind = "入院访谈" if stage == "intake" else "结案访谈"
            relationship = RELATIONSHIP_ZH.get(course.caregiver.relationship, "家长")
            title = f"{caregiver}（{child}的{relationship}）{kind}"
        else:
            kind = "Intake interview" if stage == "intake" else "Closure interview"
            title = f"{kind} with {caregiver} about {child}"
        transcript = coding_services.import_transcript(
            actor=course.worker,
            project=self.project,
            filename="",
            pasted=written.text,
            case=course.case,
            caregiver=course.caregiver,
            title=title,
            interview_date=day,
            interviewer=course.worker.get_full_name(),
            timepoint=self.timepoints["baseline" if stage == "intake" else "post"],
            consent_recorded=True,
        )
        _stamp(Transcript, transcript, created_at=_at(day, 15))
        self._code(course.worker, transcript, written, _at(day, 16))
        if stage != "intake":
            return transcript  # the closure interview is coded by the worker alone
        supervisor = self.staff["demo-supervisor"]
        second = Written(
            text=written.text,
            passages=tuple(
                (phrase, SECOND_READING.get(code, code) if index == 1 else code)
                for index, (phrase, code) in enumerate(written.passages[:-1])
            ),
        )
        self._code(supervisor, transcript, second, _at(day + dt.timedelta(days=1), 11))
        return transcript

    def _code(
        self, coder: User, transcript: Transcript, written: Written, when: dt.datetime
    ) -> None:
        cursor = 0
        made: list[CodedSegment] = []
        before = CodingAction.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for phrase, label in written.passages:
            start = transcript.text.index(phrase, cursor)
            cursor = start + len(phrase)
            made += coding_services.apply_codes(
                actor=coder,
                transcript=transcript,
                code_ids=[self.codes[label]],
                start=start,
                end=cursor,
            )
        _stamp(CodedSegment, made, created_at=when)
        CodingAction.objects.filter(actor=coder, pk__gt=before).update(created_at=when)

    def _cdrisc10(
        self, course: Course, answers: Mapping[str, int], timepoint: str, day: dt.date
    ) -> Assessment:
        return self._assess(course, self.cdrisc10, answers, timepoint, _at(day, 10))

    def _phq9(
        self, course: Course, timepoint: str, day: dt.date, *, low_mood: bool, item9: int = 0
    ) -> Assessment:
        answers = _phq9_items(self.rng, low_mood=low_mood, item9=item9)
        assessment = self._assess(course, self.phq9, answers, timepoint, _at(day, 10, 30))
        self.alerts.extend(SafetyAlert.objects.filter(assessment=assessment).order_by("pk"))
        return assessment

    def _assess(
        self,
        course: Course,
        version: Any,
        answers: Mapping[str, int],
        timepoint: str,
        when: dt.datetime,
    ) -> Assessment:
        assessment = instrument_services.start_assessment(
            actor=course.worker,
            case=course.case,
            caregiver=course.caregiver,
            instrument_version=version,
            timepoint=self.timepoints[timepoint],
        )
        instrument_services.record_answers(
            actor=course.worker, assessment=assessment, answers=answers, complete=True
        )
        _stamp(Assessment, assessment, created_at=when, completed_at=when)
        Answer.objects.filter(assessment=assessment).update(answered_at=when)
        Score.objects.filter(assessment=assessment).update(scored_at=when)
        SafetyAlert.objects.filter(assessment=assessment).update(raised_at=when)
        return assessment

    def _confirm_map(
        self, course: Course, stage: str, baseline: Assessment | None, day: dt.date
    ) -> FactorMap:
        """The worker's map from the drafted one: the factors she heard, rated, with the
        passages she coded as evidence (the supervisor's other reading left out), and at
        closure each intake factor no longer there marked absent."""
        case, worker = course.case, course.worker
        if stage == "closure":
            draft = plan_services.draft_factor_map(
                actor=worker,
                case=case,
                caregiver=course.caregiver,
                timepoint=self.timepoints["post"],
            )
            _stamp(FactorMap, draft, made_at=_at(day, 10))
        codes = course.intake_codes if stage == "intake" else course.closure_codes
        timepoint = self.timepoints["baseline" if stage == "intake" else "post"]
        segments: dict[str, list[int]] = {}
        for segment in CodedSegment.objects.filter(
            transcript__case=case, transcript__timepoint=timepoint, coder=worker
        ).select_related("code"):
            segments.setdefault(segment.code.label, []).append(segment.pk)
        entries: list[dict[str, Any]] = []
        for code, rating in codes.items():
            entry: dict[str, Any] = {
                "code": code,
                "status": "present",
                "strength" if code.startswith("P-") else "severity": rating,
                "evidence": [{"segment": pk} for pk in segments.get(code, [])],
            }
            if baseline is not None and code in ("R-IND-01", "R-IND-02", "R-IND-04"):
                lowest = min(course.baseline_items, key=lambda k: course.baseline_items[k])
                entry["evidence"].append({"assessment": baseline.pk, "item": lowest})
            entries.append(entry)
        gone = [code for code in course.intake_codes if code not in codes]
        entries += [{"code": code, "status": "absent"} for code in gone]
        if stage == "intake" and "R-FAM-01" not in codes:
            entries.append({"code": "R-FAM-01", "status": "absent"})
        saved = plan_services.save_factor_map(
            actor=worker,
            case=case,
            caregiver=course.caregiver,
            entries=entries,
            note=("入院访谈后与照顾者核对。" if course.chinese else "Checked with the caregiver.")
            if stage == "intake"
            else ("结案访谈后更新。" if course.chinese else "Updated after the closure interview."),
        )
        _stamp(FactorMap, saved, made_at=_at(day, 14))
        return saved

    def _plan(self, course: Course, day: dt.date) -> CasePlan:
        """Suggestions seen and decided, then a plan of two or three goals with the caregiver."""
        case, worker = course.case, course.worker
        shown = plan_selectors.suggestions_for(worker, case, course.caregiver)
        factor_map = shown.factor_map
        assert factor_map is not None
        entries = {e.code.label: e for e in factor_map.entries.select_related("code")}
        # A few decisions a case (each is checked against the suggestions as they stand): the
        # first suggested goal accepted, one technique accepted and one dismissed; the rest
        # are left for the worker to decide.
        decided: list[SuggestionDecision] = []
        goal_keys: dict[str, str] = {}
        choices: list[tuple[Any, bool]] = []
        drafts = [s for s in shown.suggestions if s.kind == "goal" and s.suggestion.goal]
        if drafts:
            draft = drafts[0].suggestion.goal
            assert draft is not None
            goal_keys[draft.ability or draft.factor or ""] = drafts[0].key
            choices.append((drafts[0], True))
        techniques = [s for s in shown.suggestions if s.kind == "technique"]
        choices += list(zip(techniques[:2], (True, False), strict=False))
        for suggestion, accepted in choices:
            decided.append(
                plan_services.decide_suggestion(
                    actor=worker,
                    case=case,
                    key=suggestion.key,
                    accepted=accepted,
                    caregiver=course.caregiver,
                )
            )
        _stamp(SuggestionDecision, decided, decided_at=_at(day, 10))
        aims: list[str] = [course.weak]
        for risk in ("R-ECO-01", "R-IND-02", "R-IND-01", "R-SOC-01", "R-FAM-03"):
            if risk in entries and len(aims) < 3:
                aims.append(risk)
        if len(aims) < 2:
            aims.append("C" if course.weak != "C" else "B")
        goals: list[dict[str, Any]] = []
        for order, aim in enumerate(aims):
            text, levels = goal_texts(aim, chinese=course.chinese)
            goal: dict[str, Any] = {
                "text": text,
                "levels": levels,
                "weight": 2 if order == 0 else 1,
                "start_level": -2 if order == 0 and self.rng.random() < 0.4 else -1,
            }
            if aim in ("A", "B", "C"):
                goal["ability"] = aim
            else:
                goal["factor"] = entries[aim].pk
            if aim in goal_keys:
                goal["suggestion_key"] = goal_keys[aim]
            goals.append(goal)
        plan = plan_services.make_plan(
            actor=worker,
            case=case,
            caregiver=course.caregiver,
            goals=goals,
            planned_sessions=self.rng.choice([6, 6, 8]),
            agreed_on=day,
            note="与照顾者一起商定。" if course.chinese else "Agreed with the caregiver.",
        )
        _stamp(CasePlan, plan, made_at=_at(day, 15))
        course.goals = list(plan.goals.order_by("order"))
        self._refer(course, shown, day)
        return plan

    def _refer(self, course: Course, shown: Any, day: dt.date) -> None:
        """Referrals for the kinds of resource the suggestions named, moved as far as the
        family got; a closed family's referrals have ended."""
        kinds = [s.suggestion.referral for s in shown.suggestions if s.kind == "referral"]
        kinds = [kind for kind in kinds if kind in self.resources][:2] or ["peer_group"]
        for number, kind in enumerate(kinds):
            referral = plan_services.refer_case(
                actor=course.worker,
                case=course.case,
                resource=self.resources[kind],
                proposed_on=day,
            )
            steps = self._referral_steps(course, number)
            on = day
            for status, gap in steps:
                on = min(on + dt.timedelta(days=gap), course.end, self.today)
                referral = plan_services.move_referral(
                    actor=course.worker, referral=referral, status=status, on=on
                )
            _stamp(Referral, referral, created_at=_at(day, 16), updated_at=_at(on, 16))

    def _referral_steps(self, course: Course, number: int) -> list[tuple[str, int]]:
        made, accepted = ("made", 3), ("accepted", 10)
        if course.closes:
            if number == 1 or course.outcome == "worse":
                return [made, ("declined", 12)]
            return [made, accepted, ("completed", 30)]
        if course.target is Phase.INTERVENTION:
            return [[], [made], [made, accepted]][self.rng.randrange(3)]
        return [made, accepted] if number == 0 else [("declined", 5)]

    def _sessions(self, course: Course) -> dt.date:
        """Four to eight sessions (as many as fit since the plan for a case still in
        intervention), weekly or so; returns the last session's day."""
        case, worker = course.case, course.worker
        last_day = (course.end if course.closes else self.today) - dt.timedelta(
            days=8 if course.closes else 3
        )
        wanted = self.rng.randint(4, 8)
        day = course.day(7)
        techniques = self._techniques(course)
        distress = self.rng.randint(6, 9)
        made: list[tuple[Session, dt.date]] = []
        notes = SESSION_NOTES_ZH if course.chinese else SESSION_NOTES_EN
        homework = HOMEWORK_ZH if course.chinese else HOMEWORK_EN
        while len(made) < wanted and (day <= last_day or not made):
            day = min(day, self.today)
            number = len(made)
            before = max(0, min(10, distress + self.rng.randint(-1, 1)))
            relief = self.rng.randint(0, 3) if course.outcome != "worse" else self.rng.randint(0, 1)
            session = plan_services.record_session(
                actor=worker,
                case=case,
                held_on=day,
                minutes=self.rng.choice([30, 40, 45, 60]),
                mode=self.rng.choice(["bedside", "bedside", "office", "phone"]),
                caregivers=[course.caregiver],
                family_members=["child"] if number % 3 == 1 else [],
                techniques=techniques[number % len(techniques) :][:2] or techniques[:1],
                goals=course.goals[number % len(course.goals) :][:2],
                notes=notes[number % len(notes)],
                homework=homework[number % len(homework)],
                distress_before=before,
                distress_after=max(0, before - relief),
                next_steps="",
            )
            made.append((session, day))
            drift = {"better": -1, "worse": 1}.get(course.outcome, self.rng.choice([-1, 0]))
            distress = max(2, min(10, distress + drift))
            day = day + dt.timedelta(days=self.rng.randint(5, 10))
        for session, held_on in made:
            _stamp(Session, session, recorded_at=_at(held_on, 17))
        if course.target is Phase.INTERVENTION:
            # The next session agreed a week after the last: due soon, or passed, on today.
            last, held_on = made[-1]
            _stamp(Session, last, next_session_on=held_on + dt.timedelta(days=7))
        course.sessions = [held_on for _session, held_on in made]
        return course.sessions[-1]

    def _techniques(self, course: Course) -> list[str]:
        """The techniques the worker accepted, or the library's for the weak ability."""
        accepted = list(
            SuggestionDecision.objects.filter(
                case=course.case, kind="technique", accepted=True
            ).values_list("key", flat=True)
        )
        codes = [key.split(":", 1)[1] for key in accepted]
        by_ability = {
            "A": ["disease-roadmap", "routine-roles", "eco-map"],
            "B": ["problem-solving", "small-steps", "resource-linking"],
            "C": ["emotion-labelling", "breathing-relaxation", "cognitive-reframing"],
        }
        return list(dict.fromkeys([*codes, *by_ability[course.weak]]))

    def _reviews(self, course: Course, *, final: bool) -> None:
        """One review after the first few sessions; a final one after the last session for
        a case in evaluation or closed (three when there were many sessions)."""
        plan = plan_selectors.current_plan(course.case, course.caregiver)
        assert plan is not None
        days = []
        if len(course.sessions) >= 3:
            days.append(course.sessions[2] + dt.timedelta(days=1))
        if final and len(course.sessions) >= 7:
            days.append(course.sessions[5] + dt.timedelta(days=1))
        if final:
            days.append(course.sessions[-1] + dt.timedelta(days=1))
        days = sorted({min(day, self.today) for day in days})
        for number, day in enumerate(days, start=1):
            share = number / len(days) if final else 0.5
            levels = {
                goal: self._attained(course, goal.start_level, share) for goal in course.goals
            }
            review = plan_services.review_goals(
                actor=course.worker,
                plan=plan,
                levels=levels,
                reviewed_on=day,
                note="与照顾者一起回顾。" if course.chinese else "Reviewed with the caregiver.",
            )
            _stamp(GoalReview, review, recorded_at=_at(day, 16))

    def _attained(self, course: Course, start: int, share: float) -> int:
        target = {"better": self.rng.choice([0, 1, 1, 2]), "worse": -2}.get(
            course.outcome, self.rng.choice([start, 0, 0])
        )
        return max(-2, min(2, round(start + (target - start) * share)))

    def _close(self, course: Course, moves: dict[str, dt.datetime]) -> None:
        worker = course.worker
        course.case = case_services.close_case(
            actor=worker,
            case=course.case,
            reason="goals_met" if course.outcome == "better" else "treatment_ended",
            closed_on=course.end,
        )
        moves[Phase.CLOSED] = _at(course.end, 16)
        if course.target is Phase.FOLLOW_UP:
            contacted = course.end + dt.timedelta(days=FOLLOW_UP_AFTER)
            self._move(course, Phase.FOLLOW_UP)
            moves[Phase.FOLLOW_UP] = _at(contacted, 11)
            case_services.record_follow_up(
                actor=worker, case=course.case, months=1, contacted_on=contacted
            )

    # what cases share -----------------------------------------------------------------------

    def support_group(self) -> GroupSession | None:
        """One support group meeting three weeks ago, attended by the caregivers of the cases
        whose sessions were under way then (one of them was invited and did not come)."""
        held_on = self.today - dt.timedelta(days=21)
        during = [
            c
            for c in self.courses
            if c.sessions and c.sessions[0] < held_on < c.sessions[-1] and c.opened < held_on
        ]
        during.sort(key=lambda c: (c.worker.username != "demo-worker", c.case.pk))
        chosen = during[:6]
        if len(chosen) < 3:
            return None
        facilitator = self.staff["demo-worker"]
        meeting = plan_services.record_group_session(
            actor=facilitator,
            held_on=held_on,
            minutes=90,
            topic="照顾者支持小组：照顾好自己 Caregivers' support group: looking after yourself",
            techniques=["support-groups", "emotion-labelling"],
        )
        _stamp(GroupSession, meeting, recorded_at=_at(held_on, 17))
        for number, course in enumerate(chosen):
            attendance = plan_services.record_group_attendance(
                actor=course.worker,
                group_session=meeting,
                case=course.case,
                caregiver=course.caregiver,
                attended=number != len(chosen) - 1,
            )
            _stamp(GroupAttendance, attendance, recorded_at=_at(held_on, 17, 30))
        return meeting

    def handle_second_alert(self) -> None:
        """The first alert stays open; the second was handled the same day by the worker."""
        if len(self.alerts) != 2:
            return
        alert = self.alerts[1]
        alert.refresh_from_db()
        caregiver = alert.assessment.caregiver
        who = RELATIONSHIP_EN.get(caregiver.relationship, "caregiver")
        handled_at = alert.raised_at + dt.timedelta(hours=2)
        instrument_services.handle_alert(
            actor=alert.case.assigned_worker,
            alert=alert,
            actions=[HandlingAction.CAREGIVER_CONTACTED, HandlingAction.SAFETY_PLAN_MADE],
            handled_at=handled_at,
            note=f"Met the {who} on the ward; safety plan written together, a relative stays "
            "tonight.",
        )
        _stamp(SafetyAlert, alert, handling_recorded_at=handled_at + dt.timedelta(minutes=20))


@transaction.atomic
def add_casework(
    targets: list[tuple[Case, Phase]],
    *,
    staff: dict[str, User],
    seed: int = 2026,
    today: dt.date | None = None,
) -> Casework:
    """The casework of the demo's first cases, walked to their phases (closing included)."""
    work = Casework(staff, seed=seed, today=today or timezone.localdate())
    safety = _safety_cases(targets, staff["demo-worker"])
    for case, target in targets:
        work.do(case, target, item9=safety.get(case.pk, 0))
    work.support_group()
    work.handle_second_alert()
    return work


def _safety_cases(targets: list[tuple[Case, Phase]], worker: User) -> dict[int, int]:
    """Two of demo-worker's open cases with a PHQ-9: item 9 answered 1 and 2."""
    screened = (Phase.ASSESSMENT, Phase.PLANNING, Phase.INTERVENTION, Phase.EVALUATION)
    chosen = [c for c, t in targets if c.assigned_worker_id == worker.pk and t in screened]
    return {case.pk: number + 1 for number, case in enumerate(chosen[:2])}
