"""Writes to the case record. Each checks access, validates, saves and audits in one
transaction; the web pages, the API and the command line all call these functions.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buoy.access.domain.roles import can_be_assigned, can_open_case_in, can_reassign, can_see_case
from buoy.access.models import User, Ward
from buoy.audit.services import record
from buoy.cases.closing import missing_for_closing
from buoy.cases.domain.followups import FOLLOW_UP_MONTHS
from buoy.cases.domain.phases import (
    Phase,
    PhaseMoveRefused,
    check_can_close,
    check_move,
    is_open,
)
from buoy.cases.models import (
    CAREGIVER_FIELDS,
    CHILD_FIELDS,
    COST_FIELDS,
    Caregiver,
    Case,
    CaseNote,
    CaseShare,
    Child,
    ClosingReason,
    ConsentRecord,
    CostRecord,
    FollowUpContact,
    PhaseChange,
)
from buoy.cases.selectors import access_facts, require_case_access
from buoy.core.errors import Forbidden, InvalidInput, NotFound


def _validated(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """Run the model's own validation and report it field by field."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        raise InvalidInput(error.message_dict) from error


def _apply(instance: models.Model, changes: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    """Set the allowed fields that differ; return the names of those that changed."""
    allowed = set(allowed)
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InvalidInput({name: [_("This field cannot be changed here.")] for name in unknown})
    changed = []
    for name, value in changes.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _check_child(child: Child) -> None:
    _validated(child, exclude=["case"])


def _check_caregiver(caregiver: Caregiver) -> None:
    _validated(caregiver, exclude=["case"])


def _next_reference(case: Case) -> str:
    return f"{case.opened_on:%Y}-{case.pk:05d}"


@transaction.atomic
def open_case(
    *,
    actor: User,
    ward: Ward,
    referral_source: str,
    child: Mapping[str, Any],
    caregiver: Mapping[str, Any],
    opened_on: dt.date | None = None,
    assigned_worker: User | None = None,
) -> Case:
    """Register a new family: the case, the child and the first caregiver, at intake."""
    if not can_open_case_in(actor.as_actor(), ward.pk):
        raise Forbidden()
    worker = assigned_worker or actor
    if not can_be_assigned(worker.role_enum) or not worker.memberships.filter(ward=ward).exists():
        raise InvalidInput({"assigned_worker": [_("Assign the case to a worker of this ward.")]})
    case = Case(
        reference=f"new-{uuid.uuid4().hex[:12]}",
        ward=ward,
        assigned_worker=worker,
        referral_source=referral_source,
        opened_on=opened_on or timezone.localdate(),
    )
    _validated(case, exclude=["reference"])
    if case.opened_on > timezone.localdate():
        raise InvalidInput({"opened_on": [_("The opening date cannot be in the future.")]})
    new_child = Child(ward=ward)
    _apply(new_child, child, CHILD_FIELDS)
    _check_child(new_child)
    new_caregiver = Caregiver(is_primary=True)
    _apply(new_caregiver, caregiver, CAREGIVER_FIELDS)
    _check_caregiver(new_caregiver)
    case.save()
    case.reference = _next_reference(case)
    case.save(update_fields=["reference"])
    new_child.case = case
    new_child.save()
    new_caregiver.case = case
    new_caregiver.save()
    PhaseChange.objects.create(case=case, from_phase="", to_phase=Phase.INTAKE, changed_by=actor)
    record(
        actor=actor,
        action="cases.case.opened",
        subject=case,
        changed_fields=["ward", "assigned_worker", "referral_source", "opened_on"],
    )
    record(actor=actor, action="cases.child.created", subject=new_child, changed_fields=child)
    record(
        actor=actor,
        action="cases.caregiver.created",
        subject=new_caregiver,
        changed_fields=caregiver,
    )
    return case


@transaction.atomic
def update_child(*, actor: User, case: Case, changes: Mapping[str, Any]) -> Child:
    """Correct or update the child's details, diagnosis and treatment."""
    require_case_access(actor, case)
    child = Child.objects.select_for_update().get(case=case)
    changed = _apply(child, changes, CHILD_FIELDS)
    if changed:
        _check_child(child)
        child.save()
        record(actor=actor, action="cases.child.updated", subject=child, changed_fields=changed)
    return child


@transaction.atomic
def add_caregiver(*, actor: User, case: Case, details: Mapping[str, Any]) -> Caregiver:
    """Add another caregiver (a grandmother, a father) to the case."""
    require_case_access(actor, case)
    caregiver = Caregiver(case=case)
    _apply(caregiver, details, CAREGIVER_FIELDS)
    _check_caregiver(caregiver)
    if caregiver.is_primary:
        case.caregivers.update(is_primary=False)
    caregiver.save()
    record(actor=actor, action="cases.caregiver.created", subject=caregiver, changed_fields=details)
    return caregiver


@transaction.atomic
def update_caregiver(*, actor: User, caregiver: Caregiver, changes: Mapping[str, Any]) -> Caregiver:
    """Update a caregiver's details or family situation."""
    require_case_access(actor, caregiver.case)
    changed = _apply(caregiver, changes, CAREGIVER_FIELDS)
    if changed:
        _check_caregiver(caregiver)
        if caregiver.is_primary and "is_primary" in changed:
            caregiver.case.caregivers.exclude(pk=caregiver.pk).update(is_primary=False)
        caregiver.save()
        record(
            actor=actor,
            action="cases.caregiver.updated",
            subject=caregiver,
            changed_fields=changed,
        )
    return caregiver


@transaction.atomic
def record_costs(
    *, actor: User, case: Case, amounts: Mapping[str, Decimal | None], recorded_on: dt.date
) -> CostRecord:
    """Record the family's costs as they stand today; earlier records are kept."""
    require_case_access(actor, case)
    costs = CostRecord(case=case, recorded_by=actor, recorded_on=recorded_on)
    _apply(costs, amounts, COST_FIELDS)
    errors = {
        name: [_("An amount cannot be negative.")]
        for name in COST_FIELDS
        if (getattr(costs, name) or 0) < 0
    }
    if recorded_on > timezone.localdate():
        errors["recorded_on"] = [_("The date cannot be in the future.")]
    if all(getattr(costs, name) is None for name in COST_FIELDS):
        errors[""] = [_("Enter at least one amount.")]
    if errors:
        raise InvalidInput(errors)
    _validated(costs, exclude=["case", "recorded_by"])
    costs.save()
    record(
        actor=actor,
        action="cases.costs.recorded",
        subject=costs,
        context={"case": case.pk},
        changed_fields=[n for n in COST_FIELDS if getattr(costs, n) is not None],
    )
    return costs


@transaction.atomic
def move_case_to_phase(*, actor: User, case: Case, phase: Phase) -> Case:
    """Move the case one step through the casework process (closing has `close_case`)."""
    require_case_access(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    phase = Phase(phase)
    try:
        check_move(case.phase_enum, phase)
    except PhaseMoveRefused:
        raise InvalidInput(
            {
                "phase": [
                    _("A case in this phase cannot move there. Choose one of the phases offered.")
                ]
            }
        ) from None
    previous = case.phase
    case.phase = phase.value
    changed = ["phase"]
    if phase is Phase.ASSESSMENT and previous in (Phase.CLOSED, Phase.FOLLOW_UP):
        case.closed_on = None
        case.closing_reason = ""
        changed += ["closed_on", "closing_reason"]
        if case.closed_without_post_reason:
            case.closed_without_post_reason = ""
            changed.append("closed_without_post_reason")
    case.save()
    PhaseChange.objects.create(case=case, from_phase=previous, to_phase=phase, changed_by=actor)
    record(
        actor=actor,
        action="cases.case.phase_changed",
        subject=case,
        changed_fields=changed,
        context={"from": previous, "to": phase.value},
    )
    return case


# Longest reason for closing without a post-assessment: a few sentences, not a report (the
# refusal's message says 2000).
REASON_WITHOUT_POST_MAX_LENGTH = 2000


@transaction.atomic
def close_case(
    *,
    actor: User,
    case: Case,
    reason: str,
    closed_on: dt.date | None = None,
    without_post_assessment_reason: str = "",
) -> Case:
    """Close an open case with a reason; it can then move to follow-up.

    Closing expects what the registered closing checks ask for, a post-assessment above all
    (`buoy.cases.closing`, ADR 0014). When one is missing the case closes only with
    `without_post_assessment_reason`, the worker's words on why; that text is kept on the
    case (`closed_without_post_reason`) and never in the audit trail. When nothing is missing
    there is nothing to explain, and any such text is not kept.
    """
    require_case_access(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    errors: dict[str, list[str]] = {}
    if reason not in ClosingReason.values:
        errors["reason"] = [_("Choose a closing reason.")]
    closed_on = closed_on or timezone.localdate()
    if closed_on > timezone.localdate():
        errors["closed_on"] = [_("The closing date cannot be in the future.")]
    elif closed_on < case.opened_on:
        errors["closed_on"] = [_("The closing date is before the case was opened.")]
    try:
        check_can_close(case.phase_enum)
    except PhaseMoveRefused:
        errors[""] = [_("This case is already closed.")]
    missing = missing_for_closing(case)
    explanation = without_post_assessment_reason.strip()
    if missing and not explanation:
        errors["without_post_assessment_reason"] = [
            _(
                "%(missing)s Record the post-assessment before closing the case, or write "
                "why it closes without one."
            )
            % {"missing": " ".join(missing)}
        ]
    elif len(explanation) > REASON_WITHOUT_POST_MAX_LENGTH:
        errors["without_post_assessment_reason"] = [_("Keep the reason to 2000 characters.")]
    if errors:
        raise InvalidInput(errors)
    previous = case.phase
    case.phase = Phase.CLOSED.value
    case.closing_reason = reason
    case.closed_on = closed_on
    case.closed_without_post_reason = explanation if missing else ""
    case.save()
    PhaseChange.objects.create(
        case=case, from_phase=previous, to_phase=Phase.CLOSED, changed_by=actor
    )
    changed = ["phase", "closing_reason", "closed_on"]
    if case.closed_without_post_reason:
        changed.append("closed_without_post_reason")
    record(actor=actor, action="cases.case.closed", subject=case, changed_fields=changed)
    return case


@transaction.atomic
def record_follow_up(
    *, actor: User, case: Case, months: int, contacted_on: dt.date
) -> FollowUpContact:
    """Record that the family was contacted for the 1- or 3-month follow-up of the case's
    latest closing (a contact made early counts for that follow-up)."""
    require_case_access(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.closed_on is None or is_open(case.phase_enum):
        raise InvalidInput({"": [_("Only a closed case is followed up.")]})
    errors: dict[str, list[str]] = {}
    if months not in FOLLOW_UP_MONTHS:
        errors["months"] = [_("Choose the 1-month or the 3-month follow-up.")]
    elif case.follow_up_contacts.filter(closed_on=case.closed_on, months=months).exists():
        errors["months"] = [_("This follow-up has already been recorded.")]
    if contacted_on > timezone.localdate():
        errors["contacted_on"] = [_("The date cannot be in the future.")]
    elif contacted_on < case.closed_on:
        errors["contacted_on"] = [_("The contact date is before the case was closed.")]
    if errors:
        raise InvalidInput(errors)
    contact = FollowUpContact.objects.create(
        case=case,
        closed_on=case.closed_on,
        months=months,
        contacted_on=contacted_on,
        recorded_by=actor,
    )
    record(
        actor=actor,
        action="cases.follow_up.recorded",
        subject=contact,
        changed_fields=["months", "contacted_on"],
        context={"case": case.pk},
    )
    return contact


@transaction.atomic
def write_note(*, actor: User, case: Case, body: str, corrects: CaseNote | None = None) -> CaseNote:
    """Add a note to the case; a correction names the note it corrects, which is kept."""
    require_case_access(actor, case)
    body = body.strip()
    if not body:
        raise InvalidInput({"body": [_("Write something in the note before saving it.")]})
    if corrects is not None and corrects.case_id != case.pk:
        raise InvalidInput({"corrects": [_("A note can only correct a note of the same case.")]})
    note = CaseNote.objects.create(case=case, author=actor, body=body, corrects=corrects)
    record(
        actor=actor,
        action="cases.note.written",
        subject=note,
        changed_fields=["body"],
        context={"case": case.pk},
    )
    return note


@transaction.atomic
def record_consent(
    *, actor: User, case: Case, caregiver: Caregiver, scope: str, given_on: dt.date
) -> ConsentRecord:
    """Record what a caregiver agreed to, and when."""
    require_case_access(actor, case)
    if caregiver.case_id != case.pk:
        raise InvalidInput({"caregiver": [_("Choose a caregiver of this case.")]})
    if given_on > timezone.localdate():
        raise InvalidInput({"given_on": [_("The date cannot be in the future.")]})
    consent = ConsentRecord(
        case=case, caregiver=caregiver, scope=scope, given_on=given_on, recorded_by=actor
    )
    _validated(consent, exclude=["case", "caregiver", "recorded_by"])
    consent.save()
    record(
        actor=actor,
        action="cases.consent.recorded",
        subject=consent,
        changed_fields=["scope", "given_on"],
        context={"case": case.pk},
    )
    return consent


@transaction.atomic
def withdraw_consent(*, actor: User, consent: ConsentRecord, withdrawn_on: dt.date) -> None:
    """Record that a caregiver withdrew a consent; the original record is kept."""
    require_case_access(actor, consent.case)
    if consent.withdrawn_on is not None:
        raise InvalidInput({"": [_("This consent has already been withdrawn.")]})
    if withdrawn_on > timezone.localdate() or withdrawn_on < consent.given_on:
        raise InvalidInput(
            {"withdrawn_on": [_("The date must be between the consent date and today.")]}
        )
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_recorded_by = actor
    consent.save(update_fields=["withdrawn_on", "withdrawal_recorded_by"])
    record(
        actor=actor,
        action="cases.consent.withdrawn",
        subject=consent,
        changed_fields=["withdrawn_on"],
        context={"case": consent.case_id},
    )


@transaction.atomic
def reassign_case(
    *, actor: User, case: Case, worker: User, shared_with: Iterable[User] = ()
) -> Case:
    """A supervisor gives the case to another worker of the ward and sets who shares it."""
    facts = access_facts(case)
    if not can_see_case(actor.as_actor(), facts):
        raise NotFound()
    if not can_reassign(actor.as_actor(), facts):
        raise Forbidden()
    ward_members = set(
        User.objects.filter(memberships__ward_id=case.ward_id, is_active=True).values_list(
            "pk", flat=True
        )
    )
    shared = list(shared_with)
    for person, field in [(worker, "worker"), *((p, "shared_with") for p in shared)]:
        if person.pk not in ward_members or not can_be_assigned(person.role_enum):
            raise InvalidInput({field: [_("Choose workers of this case's ward.")]})
    changed = []
    if case.assigned_worker_id != worker.pk:
        case.assigned_worker = worker
        case.save(update_fields=["assigned_worker", "updated_at"])
        changed.append("assigned_worker")
    new_ids = {p.pk for p in shared if p.pk != worker.pk}
    if set(facts.shared_with_ids) != new_ids:
        case.shares.exclude(user_id__in=new_ids).delete()
        CaseShare.objects.bulk_create(
            [CaseShare(case=case, user_id=pk) for pk in new_ids - set(facts.shared_with_ids)]
        )
        changed.append("shared_with")
    if changed:
        record(
            actor=actor,
            action="cases.case.reassigned",
            subject=case,
            changed_fields=changed,
            context={"worker": worker.pk},
        )
    return case


def note_cases_listed(*, actor: User, case_ids: Iterable[int], channel_action: str) -> None:
    """Audit that a list showing these families' names was displayed to `actor`."""
    ids = sorted(case_ids)
    record(actor=actor, action=channel_action, context={"ids": ids, "count": len(ids)})
