"""Coded segments: the one door to a segment, a transcript's segments, and the coder's last
action that undo would take back."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.models import Code, CodedSegment, CodingAction, Project, Transcript
from buoy.coding.selectors.transcripts import may_read_transcript, transcripts_visible_to
from buoy.core.errors import NotFound


def get_segment_for(
    user: User, segment_id: Any, *, audit_as: str | None = "coding.segment.viewed"
) -> CodedSegment:
    """The coded segment if `user` may read its transcript; the same NotFound for "missing"
    and "not yours". Removed segments too: removing one twice answers as the first time did.

    Opening a segment is audited, as opening its transcript is; a caller about to change it
    passes `audit_as=None` because the change is audited by its service.
    """
    try:
        pk = int(segment_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    segment = (
        CodedSegment.objects.select_related("transcript__project", "transcript__case")
        .filter(pk=pk)
        .first()
    )
    if segment is None or not may_read_transcript(user, segment.transcript):
        raise NotFound()
    if audit_as:
        record(actor=user, action=audit_as, subject=segment)
    return segment


def segments_in(transcript: Transcript) -> QuerySet[CodedSegment]:
    """The transcript's current coded segments with their codes and coders."""
    return (
        transcript.segments.current().select_related("code", "coder").order_by("start", "end", "pk")
    )


def undoable_action(project: Project, user: User) -> CodingAction | None:
    """The user's most recent action in the project that has not been undone."""
    return (
        CodingAction.objects.filter(project=project, actor=user, undone_at__isnull=True)
        .order_by("-pk")
        .first()
    )


def segments_to_split(user: User, code: Code) -> list[CodedSegment]:
    """The code's current segments (at most 200) in the transcripts `user` may read, with
    their transcripts but not their text, for choosing where each goes in a split. Listing
    them is audited (`coding.segment.listed`): each names its transcript, whose title may
    name a family."""
    visible = transcripts_visible_to(user).filter(project_id=code.project_id)
    segments = list(
        CodedSegment.objects.current()
        .filter(code=code, transcript__in=visible)
        .select_related("transcript")
        .defer("transcript__text")[:200]
    )
    if segments:
        record(
            actor=user,
            action="coding.segment.listed",
            subject=code,
            context={
                "transcripts": sorted({s.transcript_id for s in segments}),
                "count": len(segments),
            },
        )
    return segments
