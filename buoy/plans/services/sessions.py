"""Sessions with a family and support group meetings: recording what happened, who took
part, the techniques used and the goals addressed; each case records its own caregiver's
attendance at a group."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buoy.access.domain.roles import can_run_support_groups
from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Caregiver, Case
from buoy.cases.selectors import require_case_access
from buoy.core.errors import Forbidden, InvalidInput
from buoy.plans.domain.sessions import (
    SessionError,
    check_distress,
    check_family_roles,
    check_minutes,
)
from buoy.plans.models import Goal, GroupAttendance, GroupSession, Session, SessionMode, Technique
from buoy.plans.services._common import check_day, pk_of, require_caregiver_of, short_text


def _as_list(values: Any) -> Any:
    """A list of what an iterable holds; anything else as it is, for the checks to refuse."""
    return list(values) if isinstance(values, list | tuple | set | frozenset) else values


def _offered_techniques(values: Any, *, errors: dict[str, list[str]]) -> list[Technique]:
    """The techniques named (ids, stable codes or rows), each one the library offers today;
    a problem goes to ``techniques`` naming the technique."""
    if values is None:
        return []
    if not isinstance(values, list | tuple | set):
        errors["techniques"] = [_("Give the techniques as a list.")]
        return []
    rows = list(Technique.objects.all())
    by_pk = {t.pk: t for t in rows}
    by_code = {t.code: t for t in rows}
    found: list[Technique] = []
    for value in values:
        pk = pk_of(value)
        technique = (
            by_pk.get(pk)
            if pk is not None
            else by_code.get(value)
            if isinstance(value, str)
            else None
        )
        if technique is None:
            errors["techniques"] = [
                _("“%(technique)s” is not a technique of the library.") % {"technique": value}
            ]
        elif not technique.active:
            errors["techniques"] = [
                _("“%(technique)s” is no longer offered: choose another technique.")
                % {"technique": technique.code}
            ]
        elif technique not in found:
            found.append(technique)
    return found


def _caregivers_of(case: Case, values: Any, *, errors: dict[str, list[str]]) -> list[Caregiver]:
    if not isinstance(values, list | tuple | set):
        errors["caregivers"] = [_("Give the caregivers as a list.")]
        return []
    of_case = case.caregivers.in_bulk()
    found = []
    for value in values:
        caregiver = of_case.get(pk_of(value) or 0)
        if caregiver is None:
            errors["caregivers"] = [_("Choose caregivers of this case.")]
        elif caregiver not in found:
            found.append(caregiver)
    return found


def _goals_of(case: Case, values: Any, *, errors: dict[str, list[str]]) -> list[Goal]:
    if not isinstance(values, list | tuple | set):
        errors["goals"] = [_("Give the goals as a list.")]
        return []
    of_case = Goal.objects.filter(plan__case=case).in_bulk()
    found = []
    for value in values:
        goal = of_case.get(pk_of(value) or 0)
        if goal is None:
            errors["goals"] = [_("Choose goals of this case's plan.")]
        elif goal not in found:
            found.append(goal)
    return found


def _next_session_day(
    value: Any, *, held_on: dt.date | None, errors: dict[str, list[str]]
) -> dt.date | None:
    """The day the next session is planned for: a date, not before the session's own day (it
    may be in the future: that is the point). None when not given."""
    if value is None or value == "":
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        errors["next_session_on"] = [_("Enter a date.")]
        return None
    if held_on is not None and value < held_on:
        errors["next_session_on"] = [
            _("The next session cannot be planned before this session's day.")
        ]
        return None
    return value


def _session_value(check: Any, value: Any, *, errors: dict[str, list[str]], **kwargs: Any) -> Any:
    try:
        return check(value, **kwargs)
    except SessionError as error:
        errors[error.field] = [_session_message(error.field)]
        return None


def _session_message(field: str) -> str:
    if field == "minutes":
        return _("Enter how long it lasted, in minutes (1 to 600).")
    if field.startswith("distress"):
        return _("Rate distress from 0 (none) to 10 (the worst).")
    return _("Choose family members from the list.")


@transaction.atomic
def record_session(
    *,
    actor: User,
    case: Case,
    held_on: dt.date,
    minutes: int,
    mode: str,
    caregivers: Iterable[Any] = (),
    family_members: Iterable[str] = (),
    techniques: Iterable[Any] = (),
    goals: Iterable[Any] = (),
    notes: str = "",
    homework: str = "",
    distress_before: int | None = None,
    distress_after: int | None = None,
    next_steps: str = "",
    next_session_on: dt.date | None = None,
) -> Session:
    """Record a session with the family. Caregivers, goals and techniques are rows or ids
    (techniques also by their code, ``eco-map``); `next_session_on`, the day the next session
    is planned for (the worker's today page), may be left out.

    InvalidInput naming the field, and nothing saved, for a day in the future or before the
    case was opened, a length outside 1–600 minutes, a mode not in the list, nobody taking
    part, a caregiver of another case, a technique the library does not have or no longer
    offers, a goal not of this case's plans, a distress rating outside 0–10, or a next
    session planned before this one's day.
    """
    require_case_access(actor, case)
    errors: dict[str, list[str]] = {}
    day = check_day(held_on, case=case, field="held_on", errors=errors)
    length = _session_value(check_minutes, minutes, errors=errors)
    if mode not in SessionMode.values:
        errors["mode"] = [_("Choose how the session was held.")]
    who = _caregivers_of(case, _as_list(caregivers), errors=errors)
    others = _session_value(check_family_roles, _as_list(family_members), errors=errors) or ()
    if not who and not others and "caregivers" not in errors:
        errors["caregivers"] = [_("Say who took part.")]
    used = _offered_techniques(_as_list(techniques), errors=errors)
    addressed = _goals_of(case, _as_list(goals), errors=errors)
    before = _session_value(check_distress, distress_before, errors=errors, field="distress_before")
    after = _session_value(check_distress, distress_after, errors=errors, field="distress_after")
    texts = {
        name: short_text(value, field=name, errors=errors)
        for name, value in (("notes", notes), ("homework", homework), ("next_steps", next_steps))
    }
    next_day = _next_session_day(next_session_on, held_on=day, errors=errors)
    if errors or day is None:
        raise InvalidInput(errors)
    session = Session.objects.create(
        case=case,
        held_on=day,
        minutes=length,
        mode=mode,
        family_members=list(others),
        distress_before=before,
        distress_after=after,
        next_session_on=next_day,
        recorded_by=actor,
        **texts,
    )
    session.caregivers.set(who)
    session.techniques.set(used)
    session.goals.set(addressed)
    record(
        actor=actor,
        action="plans.session.recorded",
        subject=session,
        changed_fields=[
            "held_on",
            "minutes",
            "mode",
            "caregivers",
            "family_members",
            "techniques",
            "goals",
            *(name for name, value in texts.items() if value),
            *(
                n
                for n, v in (
                    ("distress_before", before),
                    ("distress_after", after),
                    ("next_session_on", next_day),
                )
                if v is not None
            ),
        ],
        context={"case": case.pk, "techniques": len(used), "goals": len(addressed)},
    )
    return session


@transaction.atomic
def record_group_session(
    *,
    actor: User,
    held_on: dt.date,
    minutes: int,
    topic: str = "",
    techniques: Iterable[Any] = (),
    facilitator: User | None = None,
) -> GroupSession:
    """Record a support group meeting (the actor facilitated it unless another colleague is
    named). Case staff (`can_run_support_groups`). Each case then records its caregiver's
    attendance (`record_group_attendance`)."""
    if not can_run_support_groups(actor.role_enum):
        raise Forbidden()
    errors: dict[str, list[str]] = {}
    if not isinstance(held_on, dt.date) or isinstance(held_on, dt.datetime):
        errors["held_on"] = [_("Enter a date.")]
    elif held_on > timezone.localdate():
        errors["held_on"] = [_("The date cannot be in the future.")]
    length = _session_value(check_minutes, minutes, errors=errors)
    text = short_text(topic, field="topic", errors=errors, limit=200)
    used = _offered_techniques(_as_list(techniques), errors=errors)
    lead = facilitator or actor
    if not (isinstance(lead, User) and lead.is_active and can_run_support_groups(lead.role_enum)):
        errors["facilitator"] = [_("Choose a social worker or supervisor.")]
    if errors:
        raise InvalidInput(errors)
    group = GroupSession.objects.create(
        held_on=held_on, minutes=length, topic=text, facilitator=lead, recorded_by=actor
    )
    group.techniques.set(used)
    record(
        actor=actor,
        action="plans.group_session.recorded",
        subject=group,
        changed_fields=["held_on", "minutes", "topic", "techniques", "facilitator"],
        context={"techniques": len(used)},
    )
    return group


@transaction.atomic
def record_group_attendance(
    *,
    actor: User,
    group_session: GroupSession,
    case: Case,
    caregiver: Caregiver,
    attended: bool = True,
) -> GroupAttendance:
    """Record whether a caregiver of the case attended a support group meeting (again: the
    new answer replaces the old). Staff who may see the case. InvalidInput for a caregiver of
    another case or a meeting held before the case was opened."""
    require_case_access(actor, case)
    require_caregiver_of(case, caregiver)
    if not isinstance(group_session, GroupSession) or group_session.pk is None:
        raise InvalidInput({"group_session": [_("Choose a support group meeting.")]})
    if group_session.held_on < case.opened_on:
        raise InvalidInput(
            {"group_session": [_("This meeting was held before the case was opened.")]}
        )
    if not isinstance(attended, bool):
        raise InvalidInput({"attended": [_("Say whether the caregiver attended.")]})
    attendance, created = GroupAttendance.objects.update_or_create(
        group_session=group_session,
        caregiver=caregiver,
        defaults={
            "case": case,
            "attended": attended,
            "recorded_by": actor,
            "recorded_at": timezone.now(),
        },
    )
    record(
        actor=actor,
        action="plans.group_attendance.recorded",
        subject=attendance,
        changed_fields=["attended"],
        context={"case": case.pk, "group_session": group_session.pk, "created": created},
    )
    return attendance
