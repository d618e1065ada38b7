"""Coding: codes applied to a stretch of text, taken off, and the last action undone."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.models import Code, CodedSegment, CodingAction, Project, Transcript
from buoy.coding.services.projects import _require_coder
from buoy.core.errors import InvalidInput


def _check_span(transcript: Transcript, start: int, end: int) -> None:
    # Callers parse positions (forms, serializers); this still refuses what is not a number.
    if not (isinstance(start, int) and isinstance(end, int)):
        raise InvalidInput(
            {
                "start": [
                    _("Positions must be whole numbers (got %(start)r, %(end)r).")
                    % {"start": start, "end": end}
                ]
            }
        )
    if not 0 <= start < end <= transcript.length:
        raise InvalidInput(
            {
                "start": [
                    _(
                        "The selection %(start)s–%(end)s is outside the transcript "
                        "(0–%(length)s characters) or empty."
                    )
                    % {"start": start, "end": end, "length": transcript.length}
                ]
            }
        )


def _codable(project: Project, code_ids: Sequence[int]) -> list[Code]:
    if not code_ids:
        raise InvalidInput({"codes": [_("Choose at least one code.")]})
    wanted = list(code_ids)
    codes = {code.pk: code for code in Code.objects.filter(project=project, pk__in=wanted)}
    missing = [code_id for code_id in wanted if code_id not in codes]
    if missing:
        raise InvalidInput(
            {
                "codes": [
                    _("No code %(ids)s in this project.") % {"ids": ", ".join(map(str, missing))}
                ]
            }
        )
    result = []
    for code_id in dict.fromkeys(wanted):
        code = codes[code_id]
        if code.merged_into_id is not None:
            code = Code.objects.get(pk=code.merged_into_id)
        if not code.codable:
            raise InvalidInput(
                {"codes": [_("“%(name)s” is a category, not a code to apply.") % {"name": code}]}
            )
        result.append(code)
    return result


@transaction.atomic
def apply_codes(
    *,
    actor: User,
    transcript: Transcript,
    code_ids: Sequence[int],
    start: int,
    end: int,
    origin: str = "manual",
) -> list[CodedSegment]:
    """Apply one or more codes to [start, end) of a transcript, as one undoable action.

    Costs the same whatever the transcript's length: only its stored length is read.
    """
    project = transcript.project
    _require_coder(actor, project)
    _check_span(transcript, start, end)
    codes = _codable(project, code_ids)
    segments = [
        CodedSegment.objects.create(
            transcript=transcript, code=code, coder=actor, start=start, end=end, origin=origin
        )
        for code in codes
    ]
    CodingAction.objects.create(
        project=project, actor=actor, kind="applied", segment_ids=[s.pk for s in segments]
    )
    for segment in segments:
        record(
            actor=actor,
            action="coding.segment.applied",
            subject=segment,
            context={"transcript": transcript.pk, "code": segment.code_id},
        )
    return segments


@transaction.atomic
def remove_segment(*, actor: User, segment: CodedSegment) -> None:
    """Take a code off a selection; the row stays, marked removed, and can be undone."""
    project = segment.transcript.project
    _require_coder(actor, project)
    if segment.removed_at is not None:
        return
    segment.removed_at = timezone.now()
    segment.removed_by = actor
    segment.save(update_fields=["removed_at", "removed_by"])
    CodingAction.objects.create(
        project=project, actor=actor, kind="removed", segment_ids=[segment.pk]
    )
    record(actor=actor, action="coding.segment.removed", subject=segment)


@transaction.atomic
def undo_last(*, actor: User, project: Project) -> CodingAction | None:
    """Undo the actor's most recent coding action in the project; None when nothing is left."""
    _require_coder(actor, project)
    action = (
        CodingAction.objects.select_for_update()
        .filter(project=project, actor=actor, undone_at__isnull=True)
        .order_by("-pk")
        .first()
    )
    if action is None:
        return None
    segments = CodedSegment.objects.filter(pk__in=action.segment_ids)
    if action.kind == "applied":
        segments.update(removed_at=timezone.now(), removed_by=actor)
    else:
        segments.update(removed_at=None, removed_by=None)
    action.undone_at = timezone.now()
    action.save(update_fields=["undone_at"])
    record(
        actor=actor,
        action="coding.action.undone",
        subject=project,
        context={"kind": action.kind, "segments": len(action.segment_ids)},
    )
    return action
