"""The case timeline's entries for interviews: each casework interview added to the case, and
the coding done on it, one entry per interview, coder and day (registered with
`buoy.cases.timeline` by this app's ready())."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max
from django.db.models.functions import TruncDate

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.cases.timeline import TimelineEntry
from buoy.coding.models import CodedSegment, ProjectKind, Transcript


@dataclass(frozen=True)
class CodingDone:
    """The passages one coder coded in one interview on one day (the timeline's subject)."""

    transcript: Transcript
    passages: int


def interview_timeline_entries(case: Case) -> list[TimelineEntry]:
    """An entry for each casework interview of the case (when it was added) and for each
    coder's day of coding on it; three queries whatever the number of passages."""
    transcripts = {
        t.pk: t
        for t in Transcript.objects.filter(
            case=case, project__kind=ProjectKind.CASEWORK, is_deidentified=False
        ).select_related("created_by", "timepoint")
    }
    entries = [
        TimelineEntry(
            t.created_at,
            "interview",
            t.created_by.display_name() if t.created_by else "",
            t,
            template="coding/timeline_interview.html",
        )
        for t in transcripts.values()
    ]
    days = (
        CodedSegment.objects.filter(transcript_id__in=list(transcripts), removed_at__isnull=True)
        .annotate(day=TruncDate("created_at"))
        .values("transcript_id", "coder_id", "day")
        .annotate(passages=Count("id"), last=Max("created_at"))
        .order_by("last")
    )
    rows = list(days)
    coders = {
        user.pk: user.display_name()
        for user in User.objects.filter(pk__in={row["coder_id"] for row in rows})
    }
    entries.extend(
        TimelineEntry(
            row["last"],
            "coding",
            coders.get(row["coder_id"], ""),
            CodingDone(transcripts[row["transcript_id"]], row["passages"]),
            template="coding/timeline_coding.html",
        )
        for row in rows
    )
    return entries
