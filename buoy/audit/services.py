"""Writing the audit trail. Call `record` inside the transaction of the change it describes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from buoy.audit.context import current_source
from buoy.audit.models import AuditEvent


def subject_label(subject: models.Model) -> tuple[str, str]:
    """The (type, id) pair that names a record in the trail, e.g. ("cases.case", "12")."""
    return subject._meta.label_lower, str(subject.pk)


def record(
    *,
    actor: Any,
    action: str,
    subject: models.Model | None = None,
    changed_fields: Iterable[str] = (),
    context: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `action` is dotted ("cases.case.closed"); never pass free text."""
    address, channel = current_source()
    subject_type, subject_id = subject_label(subject) if subject is not None else ("", "")
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_username=actor.get_username() if is_user else "",
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        source_address=address,
        channel=channel,
        changed_fields=sorted(set(changed_fields)),
        context=context or {},
    )
