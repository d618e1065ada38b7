"""The audit of a list shown: one event naming the ids and their count, as every list of
identifiable records in Buoy records (ARCHITECTURE.md, invariant 3)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models

from buoy.access.models import User
from buoy.audit.services import record


def record_listed(
    *, user: User, action: str, subject: models.Model, shown: Sequence[models.Model]
) -> None:
    """Record that `user` was shown the rows `shown` of `subject` (ids and count, no content)."""
    record(
        actor=user,
        action=action,
        subject=subject,
        context={"ids": [row.pk for row in shown], "count": len(shown)},
    )
