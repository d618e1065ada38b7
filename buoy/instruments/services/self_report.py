"""One-time self-report links: the caregiver answers alone, without an account."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.selectors import require_case_access
from buoy.core.errors import InvalidInput, NotFound
from buoy.instruments.models import Assessment, AssessmentMode, AssessmentStatus, SelfReportLink
from buoy.instruments.selectors import link_digest
from buoy.instruments.services.assessments import (
    _checked,
    _complete,
    _invalid_completion,
    _write_answers,
)
from buoy.instruments.services.wordings import _require_wording

LINK_VALID_DAYS = 7


@transaction.atomic
def create_self_report_link(
    *, actor: User, assessment: Assessment, valid_for: dt.timedelta | None = None
) -> str:
    """A one-time link key for the caregiver; shown once, stored only as a digest.

    Refused when the instrument has no wording in the assessment's language (a licensed
    instrument before the site imports its text; a free one never published in it).
    """
    require_case_access(actor, assessment.case)
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status == AssessmentStatus.COMPLETED:
        raise InvalidInput({"": [_("This assessment is already completed.")]})
    _require_wording(assessment.instrument_version, assessment.language, field="")
    key = secrets.token_urlsafe(24)
    expires = timezone.now() + (valid_for or dt.timedelta(days=LINK_VALID_DAYS))
    SelfReportLink.objects.filter(assessment=assessment).delete()
    link = SelfReportLink.objects.create(
        assessment=assessment, digest=link_digest(key), created_by=actor, expires_at=expires
    )
    if assessment.mode != AssessmentMode.SELF_REPORT:
        assessment.mode = AssessmentMode.SELF_REPORT
        assessment.save(update_fields=["mode"])
    wording = assessment.instrument_version.wordings.filter(language=assessment.language).first()
    record(
        actor=actor,
        action="instruments.link.created",
        subject=link,
        context={
            "case": assessment.case_id,
            "assessment": assessment.pk,
            # Which text the caregiver is shown: the definition's own, shipped, or imported.
            "wording": wording.origin if wording else "definition",
            "wording_verified": bool(wording and not wording.needs_verification),
        },
    )
    return key


@transaction.atomic
def save_self_report(
    *,
    link: SelfReportLink,
    answers: Mapping[str, Any],
    submit: bool,
    confirm_invalid: bool = False,
) -> None:
    """The caregiver saves progress or submits; submitting uses the link up.

    Submitting answers whose score would be invalid is refused with `UnconfirmedInvalidScore`
    (nothing saved) unless `confirm_invalid=True`: the caregiver sees the unanswered questions
    and sends them as they are only on purpose.
    """
    link = SelfReportLink.objects.select_for_update().get(pk=link.pk)
    if not link.is_usable():
        raise NotFound()
    assessment = link.assessment
    cleaned = _checked(assessment, answers)
    refusal = _invalid_completion(assessment, cleaned) if submit else None
    if refusal is not None and not confirm_invalid:
        raise refusal
    changed = _write_answers(assessment, cleaned, actor=None, channel=AssessmentMode.SELF_REPORT)
    now = timezone.now()
    link.last_saved_at = now
    fields = ["last_saved_at"]
    if submit:
        link.submitted_at = now
        fields.append("submitted_at")
        _complete(assessment)
    link.save(update_fields=fields)
    context: dict[str, Any] = {"case": assessment.case_id}
    if refusal is not None:
        context["confirmed_invalid"] = True
    record(
        actor=None,
        action="instruments.self_report.submitted" if submit else "instruments.self_report.saved",
        subject=assessment,
        changed_fields=changed,
        context=context,
    )
