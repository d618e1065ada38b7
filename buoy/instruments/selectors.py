"""Reads of instruments, assessments and scores, scoped through the case's one door."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Case
from buoy.cases.selectors import cases_visible_to
from buoy.cases.timeline import TimelineEntry
from buoy.core.errors import NotFound
from buoy.instruments.domain.alerts import overdue_cutoff
from buoy.instruments.domain.definition import Instrument, Item
from buoy.instruments.domain.library import absent_wording_note
from buoy.instruments.domain.scoring import ScoreResult, score
from buoy.instruments.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    Correction,
    InstrumentVersion,
    InstrumentWording,
    SafetyAlert,
    Score,
    SelfReportLink,
    Timepoint,
)


def current_instruments() -> QuerySet[InstrumentVersion]:
    """The version in use of every instrument, by id."""
    return InstrumentVersion.objects.filter(is_current=True).order_by("instrument_id")


def current_instrument(instrument_id: str) -> InstrumentVersion:
    """The version in use of one instrument; NotFound when there is none."""
    found = current_instruments().filter(instrument_id=instrument_id).first()
    if found is None:
        raise NotFound()
    return found


def versions_of(instrument_id: str) -> QuerySet[InstrumentVersion]:
    """Every installed version of one instrument, newest first, with who installed it."""
    return (
        InstrumentVersion.objects.filter(instrument_id=instrument_id)
        .select_related("imported_by")
        .order_by("-imported_at", "-id")
    )


WORDING_LANGUAGES = ("en", "zh-hans")


@dataclass(frozen=True)
class WordingInLanguage:
    """Whether an instrument version can be shown in one language, and whose text it is.

    `complete`: every item and answer has its text (a caregiver can answer alone). `row` is
    the stored wording for the language (shipped with Buoy or imported by the site), or None
    when the text, if any, is the definition's own (English of the free instruments).
    """

    language: str
    complete: bool
    row: InstrumentWording | None
    # Why Buoy ships none in this language (BRS in Chinese), by the note's language.
    absent_note: Mapping[str, str] = field(default_factory=dict)

    @property
    def needs_verification(self) -> bool:
        """Shipped with Buoy and not yet checked against the rights holder's text."""
        return self.row is not None and self.row.needs_verification


def wording_in(version: InstrumentVersion, language: str) -> WordingInLanguage:
    """The wording of `version` in `language` (its provenance and verification in `row`)."""
    row = next((w for w in version.wordings.all() if w.language == language), None)
    complete = version.instrument().has_wording(language)
    absent = {} if complete or row else absent_wording_note(version.instrument_id, language)
    return WordingInLanguage(language, complete, row, absent)


@dataclass(frozen=True)
class InstrumentInUse:
    """The version in use of one instrument, as the administrator's list shows it."""

    version: InstrumentVersion
    instrument: Instrument  # with the shipped and the site's imported wording merged in
    wording: tuple[str, ...]  # languages in which every item has its wording
    imported_wording: tuple[str, ...]  # the languages this site imported
    wordings: tuple[WordingInLanguage, ...]  # each of WORDING_LANGUAGES


def instruments_in_use() -> list[InstrumentInUse]:
    """Every instrument's version in use, with the languages its item wording is in."""
    rows = []
    for version in current_instruments().prefetch_related("wordings__verified_by"):
        instrument = version.instrument()
        wordings = tuple(wording_in(version, language) for language in WORDING_LANGUAGES)
        rows.append(
            InstrumentInUse(
                version=version,
                instrument=instrument,
                wording=tuple(w.language for w in wordings if w.complete),
                imported_wording=tuple(
                    sorted(w.language for w in version.wordings.all() if w.origin == "imported")
                ),
                wordings=wordings,
            )
        )
    return rows


def timepoints() -> QuerySet[Timepoint]:
    """The department's timepoints, in the order they are offered."""
    return Timepoint.objects.order_by("order", "code")


def timepoint_with_code(code: str) -> Timepoint:
    """One timepoint by its code; NotFound when there is none."""
    found = Timepoint.objects.filter(code=code).first()
    if found is None:
        raise NotFound()
    return found


def assessments_visible_to(user: User) -> QuerySet[Assessment]:
    """Assessments of the cases `user` may see."""
    return (
        Assessment.objects.filter(case__in=cases_visible_to(user))
        .select_related("instrument_version", "timepoint", "caregiver")
        .prefetch_related(Prefetch("scores", queryset=Score.objects.filter(is_current=True)))
    )


def get_assessment_for(
    user: User, assessment_id: Any, *, audit_as: str | None = None
) -> Assessment:
    """An assessment through its case's one door; the same NotFound for missing and not yours.

    With `audit_as` (an action such as ``instruments.assessment.viewed``) the read is recorded;
    a page records the view of the case instead, and a change is recorded by its service.
    """
    try:
        pk = int(assessment_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    found = assessments_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    if audit_as is not None:
        record(actor=user, action=audit_as, subject=found, context={"case": found.case_id})
    return found


def record_assessments_shown(
    user: User,
    assessments: Sequence[Assessment],
    *,
    case: Case | None = None,
    alerts: Sequence[SafetyAlert] = (),
) -> None:
    """Audit a list of assessments shown to `user`. With `case`, the list is that case's
    section, which shows the case's `alerts` too, and the event names the case."""
    context: dict[str, Any] = {"ids": sorted(a.pk for a in assessments), "count": len(assessments)}
    if case is not None:
        context = {"case": case.pk, **context, "alerts": sorted(a.pk for a in alerts)}
    record(actor=user, action="instruments.assessment.listed", subject=case, context=context)


@dataclass(frozen=True)
class CaseAssessments:
    """What the case page's assessment section lists: the case's assessments the user may
    see, and its alert history (open and handled, newest first)."""

    assessments: list[Assessment]
    alerts: list[SafetyAlert]


def assessments_shown_on_case(user: User, case: Case) -> CaseAssessments:
    """The assessments and alerts of a case already fetched through the one door, recorded as
    shown to `user` (one event naming both lists)."""
    assessments = list(assessments_visible_to(user).filter(case=case))
    history = list(alert_history(case))
    record_assessments_shown(user, assessments, case=case, alerts=history)
    return CaseAssessments(assessments, history)


def corrections_of(assessment: Assessment) -> QuerySet[Correction]:
    """The corrections of an assessment, with who made them."""
    return assessment.corrections.select_related("corrected_by")


def current_scores_visible_to(user: User) -> QuerySet[Score]:
    """The current score of every assessment `user` may see, newest first (the API)."""
    return Score.objects.filter(
        is_current=True, assessment__in=assessments_visible_to(user)
    ).order_by("-scored_at", "-id")


def record_scores_shown(user: User, scores: Sequence[Score]) -> None:
    """Audit a list of scores shown to `user`."""
    record(
        actor=user,
        action="instruments.score.listed",
        context={"ids": sorted(s.pk for s in scores), "count": len(scores)},
    )


def questionnaire_response_of(assessment: Assessment, *, instrument_url: str) -> dict[str, Any]:
    """The assessment's current answers as a FHIR R4 QuestionnaireResponse. It names the
    Questionnaire by the instrument's own FHIR url where it has one, else `instrument_url`."""
    # Imported here, not at the top: the FHIR module takes a noticeable time to load.
    from buoy.instruments.domain.fhir import write_questionnaire_response

    instrument = assessment.instrument_version.instrument()
    fhir_extras = instrument.extras.get("fhir") or {}
    url = fhir_extras.get("url") if isinstance(fhir_extras, dict) else None
    url = url or instrument_url
    answers = {k: v for k, v in current_answers(assessment).items() if v is not None}
    response = write_questionnaire_response(
        instrument,
        answers,
        questionnaire_url=f"{url}|{instrument.version}",
        status="completed" if assessment.status == "completed" else "in-progress",
        authored=(assessment.completed_at or assessment.created_at).isoformat(),
    )
    response["id"] = f"buoy-assessment-{assessment.pk}"
    return response


def current_answers(assessment: Assessment) -> dict[str, Any]:
    """The answer that counts for each item (the latest, not superseded)."""
    rows = assessment.answers.filter(superseded=False).order_by("item_id", "-answered_at", "-id")
    answers: dict[str, Any] = {}
    for row in rows:
        answers.setdefault(row.item_id, row.value)
    return answers


def current_score(assessment: Assessment) -> Score | None:
    return assessment.scores.filter(is_current=True).first()


def score_if_completed(
    assessment: Assessment, answers: dict[str, Any] | None = None
) -> ScoreResult:
    """The score the assessment would get if it were completed now, with `answers` (item id to
    value, None for a cleared answer) laid over the current ones. Nothing is stored: the same
    rules as scoring (domain/scoring.py) say whether it would be valid."""
    merged = {**current_answers(assessment), **(answers or {})}
    return score(assessment.instrument_version.instrument(), merged)


def unanswered_items(assessment: Assessment, answers: dict[str, Any] | None = None) -> list[Item]:
    """The items (domain `Item`s, in order) with no answer once `answers` are laid over the
    current ones, scored or not."""
    merged = {**current_answers(assessment), **(answers or {})}
    return [
        item
        for item in assessment.instrument_version.instrument().items
        if merged.get(item.id) is None or str(merged.get(item.id)).strip() == ""
    ]


@dataclass(frozen=True)
class ScorePoint:
    """One completed assessment's score, for the history chart."""

    assessment: Assessment
    score: Score


def score_history(case: Case) -> dict[str, list[ScorePoint]]:
    """Completed assessments' current scores per instrument id, oldest first."""
    history: dict[str, list[ScorePoint]] = {}
    assessments = (
        case.assessments.filter(status="completed")
        .select_related("instrument_version", "timepoint", "caregiver")
        .prefetch_related(Prefetch("scores", queryset=Score.objects.filter(is_current=True)))
        .order_by("completed_at", "id")
    )
    for assessment in assessments:
        scores = list(assessment.scores.all())
        if scores:
            history.setdefault(assessment.instrument_version.instrument_id, []).append(
                ScorePoint(assessment, scores[0])
            )
    return history


# What closing a case expects (ADR 0014): the CD-RISC-10 measured again after the baseline.
POST_ASSESSMENT_INSTRUMENT = "cdrisc10"
BASELINE_TIMEPOINT, POST_TIMEPOINT = "baseline", "post"
USABLE_SCORE_STATUSES = ("valid", "prorated")


def has_post_assessment(case: Case) -> bool:
    """Whether the case has the post-assessment closing expects (a closing check, registered
    by this app's ready(); ADR 0014), in one query.

    It has one when a CD-RISC-10 with a usable current score (valid or prorated) was
    completed at the `post` timepoint, or, whatever the timepoint was called, completed for a
    caregiver after that caregiver's first completed baseline CD-RISC-10: either way the
    family's change can be measured against the baseline. Takes a case that has already come
    through the one door or a service's access check.
    """
    completed = (
        case.assessments.filter(
            status=AssessmentStatus.COMPLETED,
            instrument_version__instrument_id=POST_ASSESSMENT_INSTRUMENT,
            scores__is_current=True,
            scores__status__in=USABLE_SCORE_STATUSES,
        )
        .values_list("timepoint__code", "caregiver_id", "completed_at")
        .distinct()
    )
    first_baseline: dict[int, dt.datetime] = {}
    later: list[tuple[int, dt.datetime]] = []
    for code, caregiver_id, completed_at in completed:
        if completed_at is None:  # a completed assessment has a time; be safe if not
            continue
        if code == POST_TIMEPOINT:
            return True
        if code == BASELINE_TIMEPOINT:
            earliest = first_baseline.get(caregiver_id, completed_at)
            first_baseline[caregiver_id] = min(earliest, completed_at)
        else:
            later.append((caregiver_id, completed_at))
    return any(
        caregiver_id in first_baseline and completed_at > first_baseline[caregiver_id]
        for caregiver_id, completed_at in later
    )


def alert_overdue_hours() -> int:
    """After how many hours an open alert is overdue (setting BUOY_ALERT_OVERDUE_HOURS)."""
    return int(settings.BUOY_ALERT_OVERDUE_HOURS)


def _alerts_of(cases: QuerySet[Case]) -> QuerySet[SafetyAlert]:
    return SafetyAlert.objects.filter(case__in=cases).select_related(
        "case",
        "assessment__caregiver",
        "assessment__instrument_version",
        "handled_by",
        "handling_recorded_by",
    )


def record_alerts_shown(user: User, alerts: Sequence[SafetyAlert]) -> None:
    """Audit a list of alerts shown to `user`: it names families and their item-9 answers."""
    record(
        actor=user,
        action="instruments.alert.listed",
        context={
            "ids": sorted(alert.pk for alert in alerts),
            "count": len(alerts),
            "cases": sorted({alert.case_id for alert in alerts}),
        },
    )


def open_alerts_visible_to(user: User) -> QuerySet[SafetyAlert]:
    """Safety alerts not yet handled on the cases `user` may see, the longest waiting first
    (each says whether it `is_overdue`; `only_overdue` narrows a list to those)."""
    return (
        _alerts_of(cases_visible_to(user))
        .filter(handled_at__isnull=True)
        .order_by("raised_at", "id")
    )


def only_overdue(
    alerts: QuerySet[SafetyAlert], *, now: dt.datetime | None = None
) -> QuerySet[SafetyAlert]:
    """Of `alerts`, those still open after `alert_overdue_hours()`."""
    cutoff = overdue_cutoff(now or timezone.now(), alert_overdue_hours())
    return alerts.filter(handled_at__isnull=True, raised_at__lt=cutoff)


def get_alert_for(user: User, alert_id: Any, *, audit_as: str | None = None) -> SafetyAlert:
    """One alert, open or handled, through its case's one door; NotFound for missing and not
    yours alike. With `audit_as` (``instruments.alert.viewed``) the read is recorded."""
    try:
        pk = int(alert_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    found = _alerts_of(cases_visible_to(user)).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    if audit_as is not None:
        record(actor=user, action=audit_as, subject=found, context={"case": found.case_id})
    return found


def alerts_visible_to(user: User) -> QuerySet[SafetyAlert]:
    """Every alert, open or handled, on the cases `user` may see, newest first (the API)."""
    return _alerts_of(cases_visible_to(user)).order_by("-raised_at", "-id")


ALERT_STATUSES = ("open", "overdue", "handled")


def alerts_with_status(alerts: QuerySet[SafetyAlert], status: str) -> QuerySet[SafetyAlert]:
    """Of `alerts`, those with `status`, one of `ALERT_STATUSES` (overdue ones are open too)."""
    if status == "open":
        return alerts.filter(handled_at__isnull=True)
    if status == "overdue":
        return only_overdue(alerts)
    if status == "handled":
        return alerts.filter(handled_at__isnull=False)
    raise ValueError(status)


def alert_history(case: Case) -> QuerySet[SafetyAlert]:
    """Every alert of a case, open and handled, newest first, with what was done.

    Takes a case already fetched through the one door.
    """
    return _alerts_of(Case.objects.filter(pk=case.pk)).order_by("-raised_at", "-id")


def alert_timeline_entries(case: Case) -> list[TimelineEntry]:
    """The case timeline's entries for safety alerts: each alert raised, and each handling
    at the time it was done (registered with `buoy.cases.timeline` by this app's ready())."""
    entries = []
    for alert in alert_history(case):
        entries.append(
            TimelineEntry(
                alert.raised_at,
                "alert-raised",
                "",
                alert,
                template="instruments/timeline_alert_raised.html",
            )
        )
        if alert.handled_at is not None:
            entries.append(
                TimelineEntry(
                    alert.handled_at,
                    "alert-handled",
                    alert.handled_by.display_name() if alert.handled_by else "",
                    alert,
                    template="instruments/timeline_alert_handled.html",
                )
            )
    return entries


def assessment_timeline_entries(case: Case) -> list[TimelineEntry]:
    """The case timeline's entries for assessments: each one completed, at the time it was
    completed, with its current score (registered with `buoy.cases.timeline`)."""
    completed = (
        Assessment.objects.filter(case=case, completed_at__isnull=False)
        .select_related("instrument_version", "timepoint", "caregiver", "created_by")
        .prefetch_related(
            Prefetch("scores", queryset=Score.objects.filter(is_current=True), to_attr="current")
        )
    )
    return [
        TimelineEntry(
            assessment.completed_at,
            "assessment",
            assessment.created_by.display_name(),
            assessment,
            template="instruments/timeline_assessment.html",
        )
        for assessment in completed
        if assessment.completed_at is not None
    ]


def link_digest(key: str) -> str:
    """Links are stored as SHA-256 digests of their key."""
    return hashlib.sha256(key.encode()).hexdigest()


def usable_self_report_link(key: str) -> SelfReportLink:
    """The link for `key` if it can still be filled in; NotFound otherwise (expired, used)."""
    link = (
        SelfReportLink.objects.select_related(
            "assessment__instrument_version", "assessment__caregiver"
        )
        .filter(
            digest=link_digest(key),
            submitted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if link is None:
        raise NotFound()
    return link


def self_report_link_of(assessment: Assessment) -> SelfReportLink:
    """The assessment's self-report link (a new link replaces the old one)."""
    return SelfReportLink.objects.get(assessment=assessment)


def answers_of(assessment: Assessment) -> QuerySet[Answer]:
    return assessment.answers.order_by("item_id", "answered_at", "id")
