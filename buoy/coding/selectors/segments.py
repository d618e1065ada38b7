"""Coded segments of a transcript, and the coder's last action that undo would take back."""

from __future__ import annotations

from django.db.models import QuerySet

from buoy.access.models import User
from buoy.coding.models import CodedSegment, CodingAction, Project, Transcript


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
