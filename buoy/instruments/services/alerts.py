"""Handling a safety alert: what was done, when, by whom, with a note; once per alert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.selectors import require_case_access, staff_on_case
from buoy.core.errors import InvalidInput
from buoy.instruments.domain.alerts import (
    NOTE_MAX_LENGTH,
    HandlingProblem,
    handling_problems,
    is_overdue,
    tidy_actions,
)
from buoy.instruments.models import SafetyAlert


def _handling_message(problem: HandlingProblem) -> str:
    return {
        ("actions", "missing"): _("Tick at least one thing that was done."),
        ("actions", "unknown"): _("Choose what was done from the list."),
        ("handled_at", "future"): _("The time it was done cannot be in the future."),
        ("handled_at", "before_raised"): _(
            "The time it was done cannot be before the alert was raised."
        ),
        ("note", "required"): _("Say in the note what else was done."),
        ("note", "too_long"): _("Keep the note to %(max)s characters.") % {"max": NOTE_MAX_LENGTH},
        ("note", "control_characters"): _("The note holds characters that cannot be shown."),
    }[(problem.field, problem.kind)]


@transaction.atomic
def handle_alert(
    *,
    actor: User,
    alert: SafetyAlert,
    actions: Sequence[str],
    handled_at: dt.datetime | None = None,
    handled_by: User | None = None,
    note: str = "",
) -> SafetyAlert:
    """Record how a safety alert was handled: what was done, when, by whom, with a short note.

    `actions` are `HandlingAction` codes, at least one; "other" needs a note. `handled_at`
    (default now) is when it was done: never in the future, never before the alert was raised
    (a time to the minute in the minute it was raised is stored as the moment it was raised).
    `handled_by` (default the actor) must be a colleague who may see the case. The actor is
    recorded as the one who entered the record. An alert is handled once; a refusal names the
    field and changes nothing. The audit event holds ids only, never the note or the actions.
    """
    require_case_access(actor, alert.case)
    alert = SafetyAlert.objects.select_for_update().select_related("case").get(pk=alert.pk)
    if alert.handled_at is not None:
        handler = alert.handled_by.display_name() if alert.handled_by else _("a colleague")
        message = _("This alert was already handled by %(name)s on %(when)s.") % {
            "name": handler,
            "when": timezone.localtime(alert.handled_at).strftime("%Y-%m-%d %H:%M"),
        }
        raise InvalidInput({"": [message]})
    now = timezone.now()
    when = handled_at or now
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    who = handled_by or actor
    errors: dict[str, list[str]] = {}
    for problem in handling_problems(
        actions=actions, handled_at=when, raised_at=alert.raised_at, now=now, note=note
    ):
        errors.setdefault(problem.field, []).append(_handling_message(problem))
    # The same rule as the form's list of colleagues: active staff who may see the case.
    if who not in staff_on_case(alert.case):
        errors["handled_by"] = [_("Choose a colleague who works on this case.")]
    if errors:
        raise InvalidInput(errors)
    alert.actions = list(tidy_actions(actions))
    alert.handled_at = max(when, alert.raised_at)
    alert.handled_by = who
    alert.handling_note = note.strip()
    alert.handling_recorded_by = actor
    alert.handling_recorded_at = now
    alert.save(
        update_fields=[
            "actions",
            "handled_at",
            "handled_by",
            "handling_note",
            "handling_recorded_by",
            "handling_recorded_at",
        ]
    )
    record(
        actor=actor,
        action="instruments.alert.handled",
        subject=alert,
        changed_fields=["actions", "handled_at", "handled_by", "handling_note"],
        context={
            "case": alert.case_id,
            "handled_by": who.pk,
            "late": is_overdue(
                raised_at=alert.raised_at,
                handled_at=None,
                now=alert.handled_at,
                hours=settings.BUOY_ALERT_OVERDUE_HOURS,
            ),
        },
    )
    return alert
