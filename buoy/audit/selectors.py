"""Reading the audit trail, for administrators."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

from django.db.models import QuerySet

from buoy.audit.models import AuditEvent

EXPORT_COLUMNS = [
    "id",
    "at",
    "actor",
    "action",
    "subject_type",
    "subject_id",
    "source_address",
    "channel",
    "changed_fields",
    "context",
]


@dataclass(frozen=True)
class AuditFilter:
    """What an administrator narrows the trail to; empty values mean "any"."""

    actor: str = ""
    action: str = ""
    subject_type: str = ""
    subject_id: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def audit_events(filters: AuditFilter) -> QuerySet[AuditEvent]:
    """Events matching the filter, newest first. `action` matches a dotted prefix."""
    events = AuditEvent.objects.all()
    if filters.actor:
        events = events.filter(actor_username=filters.actor)
    if filters.action:
        events = events.filter(action__startswith=filters.action)
    if filters.subject_type:
        events = events.filter(subject_type=filters.subject_type)
    if filters.subject_id:
        events = events.filter(subject_id=filters.subject_id)
    if filters.since:
        events = events.filter(at__date__gte=filters.since)
    if filters.until:
        events = events.filter(at__date__lte=filters.until)
    return events.order_by("-at", "-id")


def export_rows(events: Iterable[AuditEvent]) -> Iterator[list[str]]:
    """The CSV rows (header first) for a sequence of events; times in ISO 8601 UTC."""
    yield EXPORT_COLUMNS
    for event in events:
        yield [
            str(event.pk),
            event.at.astimezone(dt.UTC).isoformat(),
            event.actor_username,
            event.action,
            event.subject_type,
            event.subject_id,
            event.source_address or "",
            event.channel,
            " ".join(event.changed_fields),
            json.dumps(event.context, sort_keys=True, ensure_ascii=False),
        ]


def write_csv(events: Iterable[AuditEvent], stream: TextIO) -> int:
    """Write events as CSV to `stream`; returns the number of events written."""
    writer = csv.writer(stream)
    count = -1
    for count, row in enumerate(export_rows(events)):  # noqa: B007 - count is the result
        writer.writerow(row)
    return count
