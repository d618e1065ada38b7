"""Rules for handling a safety alert and for calling one overdue, on plain values.

A safety alert (PHQ-9 item 9 above 0) is handled with a record of what was done, when and by
whom. `handling_problems` says what is wrong with such a record before anything is saved;
`is_overdue` says whether an open alert has waited longer than the site allows.
No Django here: the service turns problems into messages in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

# What a worker may say was done; the model's HandlingAction gives them their labels.
HANDLING_ACTIONS = (
    "caregiver_contacted",
    "safety_plan_made",
    "referred_mental_health",
    "emergency_services",
    "other",
)
# A short note: enough for "called the mother at 14:10, she is safe with her sister tonight",
# not a case note (those belong in the case's notes).
NOTE_MAX_LENGTH = 500


@dataclass(frozen=True)
class HandlingProblem:
    """One thing wrong with a handling record: the field and what kind of wrong.

    Kinds: actions: missing, unknown; handled_at: future, before_raised; note: required
    (when "other" is chosen), too_long, control_characters.
    """

    field: str
    kind: str
    values: tuple[str, ...] = ()


def tidy_actions(actions: Sequence[str]) -> tuple[str, ...]:
    """The actions in their fixed order, each once (what the record stores)."""
    chosen = set(actions)
    return tuple(code for code in HANDLING_ACTIONS if code in chosen)


def minute_of(moment: dt.datetime) -> dt.datetime:
    """The moment without its seconds: forms give times to the minute."""
    return moment.replace(second=0, microsecond=0)


def handling_problems(
    *,
    actions: Sequence[str],
    handled_at: dt.datetime,
    raised_at: dt.datetime,
    now: dt.datetime,
    note: str,
) -> list[HandlingProblem]:
    """Everything wrong with a record of handling an alert; empty when it may be saved.

    `handled_at` may not be in the future, nor before the alert was raised. Times entered on a
    form carry minutes only, so a time in the minute the alert was raised counts as not before
    it (the service then stores the moment the alert was raised).
    """
    problems: list[HandlingProblem] = []
    unknown = tuple(sorted({a for a in actions if a not in HANDLING_ACTIONS}))
    if unknown:
        problems.append(HandlingProblem("actions", "unknown", unknown))
    elif not actions:
        problems.append(HandlingProblem("actions", "missing"))
    if handled_at > now:
        problems.append(HandlingProblem("handled_at", "future"))
    elif handled_at < minute_of(raised_at):
        problems.append(HandlingProblem("handled_at", "before_raised"))
    text = note.strip()
    if "other" in actions and not text:
        problems.append(HandlingProblem("note", "required"))
    if len(text) > NOTE_MAX_LENGTH:
        problems.append(HandlingProblem("note", "too_long", (str(NOTE_MAX_LENGTH),)))
    if any(ord(c) < 32 and c not in "\n\r\t" for c in text):
        problems.append(HandlingProblem("note", "control_characters"))
    return problems


def overdue_cutoff(now: dt.datetime, hours: float) -> dt.datetime:
    """Alerts raised before this moment and still open are overdue."""
    return now - dt.timedelta(hours=hours)


def is_overdue(
    *, raised_at: dt.datetime, handled_at: dt.datetime | None, now: dt.datetime, hours: float
) -> bool:
    """Whether an alert is still open after waiting longer than `hours`."""
    return handled_at is None and raised_at < overdue_cutoff(now, hours)
