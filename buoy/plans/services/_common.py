"""What the plans services share: reading ids, checking that a caregiver is of the case, the
next version number of a case's versioned rows, and dates a worker enters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from buoy.cases.models import Caregiver, Case
from buoy.core.errors import InvalidInput

# A primary key is a signed 64-bit integer: a larger number names no row, and would be an
# error in the database (SQLite: OverflowError) rather than "not found".
LARGEST_PK = 2**63 - 1


def pk_of(value: Any) -> int | None:
    """The primary key `value` names: a model instance's, a whole number, or digits; None
    for anything else, a number beyond 64 bits included (which the caller reports as not
    found)."""
    if isinstance(value, models.Model):
        return value.pk if isinstance(value.pk, int) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int):
        return value if -LARGEST_PK <= value <= LARGEST_PK else None
    return None


def require_caregiver_of(case: Case, caregiver: Caregiver, *, field: str = "caregiver") -> None:
    """InvalidInput on `field` unless the caregiver belongs to the case."""
    if not isinstance(caregiver, Caregiver) or caregiver.case_id != case.pk:
        raise InvalidInput({field: [_("Choose a caregiver of this case.")]})


def lock_case(case: Case) -> None:
    """Hold the case's row until the transaction ends, so two versions made at the same time
    get different numbers (the unique constraint would refuse the second)."""
    Case.objects.select_for_update().filter(pk=case.pk).first()


def next_version(rows: models.QuerySet[Any]) -> int:
    """One more than the highest `version` among `rows` (1 for the first)."""
    highest = rows.aggregate(highest=models.Max("version"))["highest"]
    return (highest or 0) + 1


def check_day(
    value: Any, *, case: Case, field: str, errors: dict[str, list[str]], required: bool = True
) -> dt.date | None:
    """A day of the casework: not in the future and not before the case was opened. Adds the
    problem to `errors` under `field` and returns None when there is one."""
    if value is None and not required:
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        errors[field] = [_("Enter a date.")]
        return None
    if value > timezone.localdate():
        errors[field] = [_("The date cannot be in the future.")]
        return None
    if value < case.opened_on:
        errors[field] = [_("The date is before the case was opened.")]
        return None
    return value


def short_text(
    value: Any, *, field: str, errors: dict[str, list[str]], limit: int | None = None
) -> str:
    """Free text, stripped; adds a problem to `errors` when it is not text or too long."""
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[field] = [_("Enter text.")]
        return ""
    text = value.strip()
    if limit is not None and len(text) > limit:
        errors[field] = [
            _("Keep this to %(limit)s characters (it has %(length)s).")
            % {"limit": limit, "length": len(text)}
        ]
    return text
