"""De-identified copies of case transcripts, for research projects."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Case, ConsentRecord, ConsentScope
from buoy.cases.selectors import require_case_access
from buoy.coding.domain.redaction import (
    RedactedText,
    RedactionSuggestion,
    Replacement,
    apply_redactions,
    with_speaker_labels,
)
from buoy.coding.domain.transcripts import ParsedTranscript, find_speaker_labels, find_speaker_turns
from buoy.coding.domain.transcripts import SpeakerTurn as ParsedSpeakerTurn
from buoy.coding.models import CodedSegment, Project, ProjectKind, Transcript
from buoy.coding.selectors import case_pseudonyms, names_in_case
from buoy.coding.services.projects import _require_coder
from buoy.coding.services.transcripts import _index
from buoy.core.errors import InvalidInput


def _has_research_consent(case: Case) -> bool:
    return ConsentRecord.objects.filter(
        case=case, scope=ConsentScope.RESEARCH, withdrawn_on__isnull=True
    ).exists()


def _deidentified_title(copy: Transcript, pseudonym: str) -> str:
    """A copy's title, such as "case-1 · interview · Baseline (de-identified)".

    It holds the case's pseudonym in the project, the interview's number among the case's
    copies there (from the second on) and its timepoint, and nothing of the original's
    title, which often names the family.
    """
    number = (
        Transcript.objects.filter(project=copy.project, case=copy.case, is_deidentified=True)
        .filter(pk__lt=copy.pk)
        .count()
        + 1
    )
    timepoint = copy.timepoint.label(get_language() or "en") if copy.timepoint else ""
    if number == 1 and timepoint:
        title = _("%(case)s · interview · %(timepoint)s (de-identified)")
    elif number == 1:
        title = _("%(case)s · interview (de-identified)")
    elif timepoint:
        title = _("%(case)s · interview %(number)s · %(timepoint)s (de-identified)")
    else:
        title = _("%(case)s · interview %(number)s (de-identified)")
    return (title % {"case": pseudonym, "number": number, "timepoint": timepoint})[:200]


def _copied_turns(original: str, redacted: RedactedText) -> tuple[ParsedSpeakerTurn, ...]:
    """The original's speaker turns at their places in the copy, each speaker read from the
    copy's own text, so a label that named someone reads as its placeholder."""
    turns = []
    for turn, (label_start, label_end) in zip(
        find_speaker_turns(original), find_speaker_labels(original), strict=True
    ):
        start, end = redacted.map_span(turn.start, turn.end)
        label = redacted.text[
            redacted.map_offset(label_start, side="start") : redacted.map_offset(
                label_end, side="end"
            )
        ]
        turns.append(ParsedSpeakerTurn(start=start, end=end, speaker=" ".join(label.split())))
    return tuple(turns)


@transaction.atomic
def make_deidentified_copy(
    *,
    actor: User,
    transcript: Transcript,
    project: Project,
    accepted: Sequence[RedactionSuggestion | Replacement],
    carry_codings: bool = False,
) -> Transcript:
    """A research copy of a case transcript with the stretches a person confirmed replaced.

    The person must read the original (case access), be a member of the research project,
    and the case must hold a research consent that was not withdrawn. The original is never
    changed. With `carry_codings`, current segments move to the copy through the offset map,
    onto the project's code with the same label (or English name); others are left out.

    Every field of the copy is redacted or replaced, because researchers read all of them:
    the title becomes the case's pseudonym, interview number and timepoint
    (`_deidentified_title`); the text has the confirmed stretches replaced, and inside
    speaker labels also the case's names and any name found there (`with_speaker_labels`),
    so no turn is spoken by a name; the interview date, interviewer, file name and encoding
    are left blank (the timepoint says when); memos are not carried (they are free text no
    one confirmed).
    """
    case = _require_copy_allowed(actor, transcript, project)
    # one copy into a project at a time, so two copies never take the same case pseudonym
    Project.objects.select_for_update().filter(pk=project.pk).first()
    try:
        replaced = with_speaker_labels(
            transcript.text,
            accepted,
            find_speaker_labels(transcript.text),
            names_in_case(case),
        )
        redacted = apply_redactions(transcript.text, replaced)
    except ValueError as error:
        raise InvalidInput({"redactions": [str(error)]}) from None
    copy = Transcript.objects.create(
        project=project,
        case=case,
        caregiver=transcript.caregiver,
        title="(de-identified)",  # replaced below, once the copy has its pseudonym and number
        text=redacted.text,
        length=len(redacted.text),
        source_format="redacted",
        timepoint=transcript.timepoint,
        consent_recorded=transcript.consent_recorded,
        is_deidentified=True,
        deidentified_from=transcript,
        created_by=actor,
    )
    pseudonym = case_pseudonyms(project.transcripts.all())[case.pk]
    copy.title = _deidentified_title(copy, pseudonym)
    copy.save(update_fields=["title"])
    _index(
        copy,
        ParsedTranscript(
            text=redacted.text,
            format="redacted",
            encoding=None,
            turns=_copied_turns(transcript.text, redacted),
            notes=(),
        ),
    )
    carried, skipped = _carry_codings(transcript, copy, redacted) if carry_codings else (0, 0)
    kinds: dict[str, int] = {}
    for item in accepted:
        kind = getattr(item, "kind", "custom")
        kinds[kind] = kinds.get(kind, 0) + 1
    record(
        actor=actor,
        action="coding.transcript.deidentified",
        subject=copy,
        context={
            "original": transcript.pk,
            "project": project.pk,
            "redactions": kinds,
            "codings_carried": carried,
            "codings_left_out": skipped,
        },
    )
    return copy


def _require_copy_allowed(actor: User, transcript: Transcript, project: Project) -> Case:
    """The original's case, if a copy of it may go to the project: the actor codes there and
    reads the case, the transcript is an original case interview, the case has a research
    consent that was not withdrawn; NotFound, Forbidden or InvalidInput otherwise."""
    _require_coder(actor, project)
    if project.kind != ProjectKind.RESEARCH:
        raise InvalidInput({"project": [_("A de-identified copy goes to a research project.")]})
    if transcript.is_deidentified:
        raise InvalidInput({"": [_("This transcript is already a de-identified copy.")]})
    if transcript.case is None:
        raise InvalidInput(
            {"": [_("The case has no research consent (or it was withdrawn): no copy is made.")]}
        )
    require_case_access(actor, transcript.case)
    if not _has_research_consent(transcript.case):
        raise InvalidInput(
            {"": [_("The case has no research consent (or it was withdrawn): no copy is made.")]}
        )
    return transcript.case


def _carry_codings(
    original: Transcript, copy: Transcript, redacted: RedactedText
) -> tuple[int, int]:
    """The original's current segments on the copy, through the offset map, each onto the
    copy's project's code with the same label (or English name); a segment with no such
    code, onto a category, or inside a replaced stretch is left out. Returns (carried, left
    out)."""
    codes = copy.project.codes.active()
    by_label = {c.label: c for c in codes.exclude(label="")}
    by_name = {c.name_en: c for c in codes}
    carried = skipped = 0
    for segment in (
        CodedSegment.objects.current().filter(transcript=original).select_related("code")
    ):
        target = by_label.get(segment.code.label) or by_name.get(segment.code.name_en)
        start, end = redacted.map_span(segment.start, segment.end)
        if target is None or not target.codable or start >= end:
            skipped += 1
            continue
        CodedSegment.objects.create(
            transcript=copy,
            code=target,
            coder_id=segment.coder_id,
            start=start,
            end=end,
            origin="carried",
        )
        carried += 1
    return carried, skipped
