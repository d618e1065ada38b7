"""Auto-coding: one code applied to every match of a preview, as one undoable action."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.models import Code, CodedSegment, CodingAction, Project
from buoy.coding.selectors import AutoMatch, transcripts_visible_to
from buoy.coding.services.projects import _require_coder
from buoy.coding.services.segments import _check_span, _codable
from buoy.core.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class AutocodingResult:
    """What `apply_autocoding` did: the one action to undo, segments made and matches skipped
    because the actor had already coded exactly that stretch with the code."""

    action: CodingAction | None
    applied: int
    skipped: int
    transcripts: int


@transaction.atomic
def apply_autocoding(
    *, actor: User, project: Project, code_id: int, matches: Sequence[AutoMatch]
) -> AutocodingResult:
    """Apply one code to every match of an auto-coding preview, as one undoable action.

    The matches come from `selectors.autocoding_preview`, possibly across transcripts; each
    transcript must be one the actor may read in this project. A match the actor has already
    coded with this code (or a code merged into it), or listed twice, is skipped and counted.
    """
    _require_coder(actor, project)
    (code,) = _codable(project, [code_id])
    if not matches:
        raise InvalidInput({"pattern": [_("Nothing matched: there is nothing to apply.")]})
    wanted = {match.transcript.pk for match in matches}
    visible = transcripts_visible_to(actor).filter(project=project, pk__in=wanted)
    if set(visible.values_list("pk", flat=True)) != wanted:
        raise NotFound()
    same_code = [code.pk, *Code.objects.filter(merged_into=code).values_list("pk", flat=True)]
    seen = set(
        CodedSegment.objects.current()
        .filter(transcript_id__in=wanted, code_id__in=same_code, coder=actor)
        .values_list("transcript_id", "start", "end")
    )
    fresh: list[CodedSegment] = []
    skipped = 0
    for match in matches:
        key = (match.transcript.pk, match.start, match.end)
        if key in seen:
            skipped += 1
            continue
        seen.add(key)
        _check_span(match.transcript, match.start, match.end)
        fresh.append(
            CodedSegment(
                transcript=match.transcript,
                code=code,
                coder=actor,
                start=match.start,
                end=match.end,
                origin="auto",
            )
        )
    if not fresh:
        return AutocodingResult(None, 0, skipped, 0)
    segments = CodedSegment.objects.bulk_create(fresh, batch_size=500)
    ids = [segment.pk for segment in segments]  # both engines return keys from bulk inserts
    action = CodingAction.objects.create(
        project=project, actor=actor, kind="applied", segment_ids=ids
    )
    per_transcript: dict[int, int] = {}
    for segment in segments:
        per_transcript[segment.transcript_id] = per_transcript.get(segment.transcript_id, 0) + 1
    by_pk = {match.transcript.pk: match.transcript for match in matches}
    for transcript_id, count in sorted(per_transcript.items()):
        record(
            actor=actor,
            action="coding.segment.auto_applied",
            subject=by_pk[transcript_id],
            context={"code": code.pk, "segments": count, "origin": "auto", "action": action.pk},
        )
    return AutocodingResult(action, len(ids), skipped, len(per_transcript))
