"""Transcripts: a file or pasted text read into a project, with its turns and index."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Caregiver, Case
from buoy.cases.selectors import require_case_access
from buoy.coding.domain.sentences import split_sentences
from buoy.coding.domain.transcripts import (
    ParsedTranscript,
    TranscriptError,
    read_pasted_text,
    read_transcript,
)
from buoy.coding.domain.words import index_text
from buoy.coding.models import Passage, Project, SpeakerTurn, Transcript
from buoy.coding.services.projects import _require_coder
from buoy.core.errors import InvalidInput
from buoy.instruments.models import Timepoint


@transaction.atomic
def import_transcript(
    *,
    actor: User | None,
    project: Project,
    filename: str,
    data: bytes | None = None,
    pasted: str | None = None,
    case: Case | None = None,
    caregiver: Caregiver | None = None,
    title: str = "",
    interview_date: dt.date | None = None,
    interviewer: str = "",
    timepoint: Timepoint | None = None,
    consent_recorded: bool = False,
) -> Transcript:
    """Read a file (or pasted text) into a transcript of `project`, with its turns and index.

    A file Buoy cannot read raises InvalidInput naming the file and why; nothing is saved.
    """
    if actor is not None:
        _require_coder(actor, project)
        if case is not None:
            require_case_access(actor, case)
    try:
        parsed: ParsedTranscript = (
            read_pasted_text(pasted)
            if pasted is not None
            else read_transcript(filename, data or b"")
        )
    except TranscriptError as error:
        raise InvalidInput({"file": [str(error)]}) from None
    if case is not None and caregiver is None:
        # the interview is taken to be with the primary caregiver unless the caller says whom
        caregiver = case.caregivers.order_by("-is_primary", "pk").first()
    if caregiver is not None and (case is None or caregiver.case_id != case.pk):
        raise InvalidInput({"caregiver": [_("Choose a caregiver of this case.")]})
    transcript = Transcript.objects.create(
        project=project,
        case=case,
        caregiver=caregiver,
        title=(title or filename or _("Pasted transcript")).strip()[:200],
        text=parsed.text,
        length=len(parsed.text),
        source_format=parsed.format,
        source_encoding=parsed.encoding or "",
        source_filename=filename[:255],
        interview_date=interview_date,
        interviewer=interviewer,
        timepoint=timepoint,
        consent_recorded=consent_recorded,
        created_by=actor,
    )
    _index(transcript, parsed)
    record(
        actor=actor,
        action="coding.transcript.imported",
        subject=transcript,
        context={"project": project.pk, "format": parsed.format, "length": transcript.length},
    )
    return transcript


def _index(transcript: Transcript, parsed: ParsedTranscript | None = None) -> None:
    """Speaker turns and passages (sentences with their words) for search and suggestions."""
    text = transcript.text
    if parsed is not None:
        SpeakerTurn.objects.bulk_create(
            SpeakerTurn(transcript=transcript, start=t.start, end=t.end, speaker=t.speaker[:60])
            for t in parsed.turns
        )
    Passage.objects.bulk_create(
        (
            Passage(
                transcript=transcript,
                start=span.start,
                end=span.end,
                words=index_text(text[span.start : span.end]),
            )
            for span in split_sentences(text)
        ),
        batch_size=500,
    )
