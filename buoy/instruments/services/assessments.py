"""Assessments a worker starts, answers in an interview, completes, corrects or imports; each
completion scores the answers and raises the safety alerts the rules call for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Caregiver, Case
from buoy.cases.selectors import require_case_access
from buoy.core.errors import InvalidInput
from buoy.instruments.domain.definition import Item, ScoringRule
from buoy.instruments.domain.scoring import INVALID, ScoreResult, check_answers, score
from buoy.instruments.models import (
    Answer,
    Assessment,
    AssessmentMode,
    AssessmentStatus,
    Correction,
    InstrumentVersion,
    SafetyAlert,
    Score,
    Timepoint,
)
from buoy.instruments.selectors import current_answers, score_if_completed, unanswered_items
from buoy.instruments.services.wordings import _require_wording


@transaction.atomic
def start_assessment(
    *,
    actor: User,
    case: Case,
    caregiver: Caregiver,
    instrument_version: InstrumentVersion,
    timepoint: Timepoint,
    mode: str = AssessmentMode.INTERVIEW,
    language: str | None = None,
) -> Assessment:
    """Begin an assessment of one caregiver of the case with the current instrument version.

    In self-report mode the instrument needs its wording in the assessment's language (the
    caregiver's, unless `language` is given): otherwise it is refused and nothing is saved.
    """
    require_case_access(actor, case)
    if caregiver.case_id != case.pk:
        raise InvalidInput({"caregiver": [_("Choose a caregiver of this case.")]})
    if mode not in AssessmentMode.values:
        raise InvalidInput({"mode": [_("Choose how the answers are collected.")]})
    language = language or caregiver.preferred_language
    if mode == AssessmentMode.SELF_REPORT:
        _require_wording(instrument_version, language, field="mode")
    assessment = Assessment.objects.create(
        case=case,
        caregiver=caregiver,
        instrument_version=instrument_version,
        timepoint=timepoint,
        mode=mode,
        language=language,
        created_by=actor,
    )
    record(
        actor=actor,
        action="instruments.assessment.started",
        subject=assessment,
        context={"case": case.pk, "instrument": instrument_version.instrument_id},
    )
    return assessment


def _checked(assessment: Assessment, answers: Mapping[str, Any]) -> dict[str, Any]:
    instrument = assessment.instrument_version.instrument()
    known = {item.id for item in instrument.items}
    errors: dict[str, list[str]] = {
        item_id: [_("This instrument has no item %(item)s.") % {"item": item_id}]
        for item_id in answers
        if item_id not in known
    }
    cleaned = {k: (None if v in ("", None) else v) for k, v in answers.items() if k in known}
    for item_id, message in check_answers(instrument, cleaned).items():
        errors.setdefault(item_id, []).append(message)
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _write_answers(
    assessment: Assessment, answers: Mapping[str, Any], *, actor: User | None, channel: str
) -> list[str]:
    """Store the answers that differ from the current ones; earlier rows are kept."""
    current = current_answers(assessment)
    changed = [k for k, v in answers.items() if current.get(k) != v]
    if changed:
        Answer.objects.filter(assessment=assessment, item_id__in=changed, superseded=False).update(
            superseded=True
        )
        now = timezone.now()
        Answer.objects.bulk_create(
            [
                Answer(
                    assessment=assessment,
                    item_id=item_id,
                    value=answers[item_id],
                    answered_at=now,
                    entered_by=actor,
                    channel=channel,
                )
                for item_id in changed
            ]
        )
    return changed


def _score(assessment: Assessment) -> Score:
    instrument = assessment.instrument_version.instrument()
    result = score(instrument, current_answers(assessment))
    assessment.scores.filter(is_current=True).update(is_current=False)
    stored = Score.objects.create(
        assessment=assessment,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        rule=result.rule,
        total=result.total,
        status=result.status,
        error=result.error or "",
        subscales=dict(result.subscales or {}),
        profiles=dict(result.profiles or {}),
        band=None if result.band is None else dict(result.band),
    )
    for alert in result.alerts:
        already = SafetyAlert.objects.filter(assessment=assessment, rule_id=alert.id).exists()
        if not already:
            raised = SafetyAlert.objects.create(
                assessment=assessment,
                case=assessment.case,
                rule_id=alert.id,
                item_id=alert.item,
                message=dict(alert.message),
            )
            record(
                actor=None,
                action="instruments.alert.raised",
                subject=raised,
                context={"case": assessment.case_id, "rule": alert.id},
            )
    return stored


class UnconfirmedInvalidScore(InvalidInput):
    """Completing now would lock an assessment whose score is invalid (too few items answered),
    and nobody confirmed it. Nothing was saved. `result` is the score it would get, `rule` the
    total's scoring rule, `unanswered` the items without an answer (domain `Item`s, scored or
    not). The errors name them for the API: ``confirm_invalid`` (the message) and
    ``unanswered`` (item ids)."""

    def __init__(
        self, *, result: ScoreResult, rule: ScoringRule, unanswered: Sequence[Item]
    ) -> None:
        message = _(
            "Completing now would lock an invalid score: %(answered)s of %(count)s items are "
            "answered and at least %(needed)s are needed. Unanswered: items %(items)s. Answer "
            "them, or confirm that the assessment is completed with an invalid score."
        ) % {
            "answered": result.answered,
            "count": len(rule.items),
            "needed": rule.min_answered,
            "items": ", ".join(str(item.number) for item in unanswered),
        }
        super().__init__(
            {"confirm_invalid": [message], "unanswered": [item.id for item in unanswered]}
        )
        self.result = result
        self.rule = rule
        self.unanswered = tuple(unanswered)


def _invalid_completion(
    assessment: Assessment, cleaned: Mapping[str, Any]
) -> UnconfirmedInvalidScore | None:
    """The refusal to give when completing now would lock an invalid score, else None. The
    scoring rules themselves decide (domain/scoring.py), on the answers as they would be."""
    result = score_if_completed(assessment, dict(cleaned))
    if result.status != INVALID:
        return None
    return UnconfirmedInvalidScore(
        result=result,
        rule=assessment.instrument_version.instrument().total,
        unanswered=unanswered_items(assessment, dict(cleaned)),
    )


@transaction.atomic
def record_answers(
    *,
    actor: User,
    assessment: Assessment,
    answers: Mapping[str, Any],
    complete: bool = False,
    confirm_invalid: bool = False,
) -> Assessment:
    """A worker enters answers (an interview); `complete=True` finishes and scores it.

    Completing an assessment whose score would be invalid (fewer items answered than its
    rule needs) is refused with `UnconfirmedInvalidScore`, which names the unanswered items,
    unless `confirm_invalid=True`: a completed assessment is locked, so the worker sees what
    is missing first. Nothing is saved when it is refused.
    """
    require_case_access(actor, assessment.case)
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status == AssessmentStatus.COMPLETED:
        raise InvalidInput({"": [_("This assessment is completed. Correct it with a reason.")]})
    cleaned = _checked(assessment, answers)
    refusal = _invalid_completion(assessment, cleaned) if complete else None
    if refusal is not None and not confirm_invalid:
        raise refusal
    changed = _write_answers(assessment, cleaned, actor=actor, channel=AssessmentMode.INTERVIEW)
    if complete:
        _complete(assessment)
    context: dict[str, Any] = {"case": assessment.case_id, "complete": complete}
    if refusal is not None:
        context["confirmed_invalid"] = True
    record(
        actor=actor,
        action="instruments.answers.recorded",
        subject=assessment,
        changed_fields=changed,
        context=context,
    )
    return assessment


def _complete(assessment: Assessment) -> None:
    assessment.status = AssessmentStatus.COMPLETED
    assessment.completed_at = timezone.now()
    assessment.save(update_fields=["status", "completed_at"])
    _score(assessment)


@transaction.atomic
def correct_assessment(
    *, actor: User, assessment: Assessment, answers: Mapping[str, Any], reason: str
) -> Assessment:
    """Change answers of a completed assessment; needs a reason, keeps the old answers and
    scores, and scores again."""
    require_case_access(actor, assessment.case)
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status != AssessmentStatus.COMPLETED:
        raise InvalidInput({"": [_("Only a completed assessment is corrected.")]})
    if not reason.strip():
        raise InvalidInput({"reason": [_("Say why the answers are being changed.")]})
    cleaned = _checked(assessment, answers)
    changed = _write_answers(assessment, cleaned, actor=actor, channel=AssessmentMode.INTERVIEW)
    if not changed:
        raise InvalidInput({"": [_("No answer was changed.")]})
    Correction.objects.create(
        assessment=assessment, corrected_by=actor, reason=reason.strip(), items=changed
    )
    _score(assessment)
    record(
        actor=actor,
        action="instruments.assessment.corrected",
        subject=assessment,
        changed_fields=changed,
        context={"case": assessment.case_id},
    )
    return assessment


@transaction.atomic
def import_assessments(
    *,
    actor: User,
    instrument_version: InstrumentVersion,
    rows: Sequence[tuple[Case, Timepoint, Mapping[str, Any], bool]],
    source: str,
) -> list[Assessment]:
    """Create one assessment of each case's primary caregiver per row, all or none.

    A row is (case, timepoint, answers, complete); answers are checked like any other, and an
    error names the row (1-based, in the order given) and the item.
    """
    created = []
    for number, (case, timepoint, answers, complete) in enumerate(rows, start=1):
        require_case_access(actor, case)
        caregiver = case.caregivers.order_by("-is_primary", "id").first()
        if caregiver is None:
            raise InvalidInput({"": [f"{source}, record {number}: the case has no caregiver"]})
        assessment = Assessment.objects.create(
            case=case,
            caregiver=caregiver,
            instrument_version=instrument_version,
            timepoint=timepoint,
            mode=AssessmentMode.IMPORT,
            created_by=actor,
            language=caregiver.preferred_language,
        )
        try:
            cleaned = _checked(assessment, answers)
        except InvalidInput as error:
            raise InvalidInput(
                {
                    item: [f"{source}, record {number}, item {item}: {' '.join(messages)}"]
                    for item, messages in error.errors.items()
                }
            ) from None
        _write_answers(assessment, cleaned, actor=actor, channel=AssessmentMode.IMPORT)
        if complete:
            _complete(assessment)
        created.append(assessment)
        record(
            actor=actor,
            action="instruments.assessment.imported",
            subject=assessment,
            context={"case": case.pk, "source": source},
        )
    return created
