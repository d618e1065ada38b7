"""What the inter-coder agreement statistics read: two coders' codings on shared texts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from buoy.access.models import User
from buoy.coding.domain.agreement import Coding
from buoy.coding.models import CodedSegment, Project, Transcript


def codings_of(
    project: Project, coder: User, transcripts: QuerySet[Transcript] | None = None
) -> list[Coding]:
    """One coder's current codings in a project, as plain values for the agreement statistics."""
    segments = CodedSegment.objects.current().filter(transcript__project=project, coder=coder)
    if transcripts is not None:
        segments = segments.filter(transcript__in=transcripts)
    merged = project.codes.merge_targets()
    return [
        Coding(str(transcript_id), str(merged.get(code_id, code_id)), start, end)
        for transcript_id, code_id, start, end in segments.values_list(
            "transcript_id", "code_id", "start", "end"
        )
    ]


def coders_in(project: Project) -> QuerySet[User]:
    """People with at least one current coded segment in the project (for the coder choices)."""
    coded = CodedSegment.objects.current().filter(transcript__project=project)
    return User.objects.filter(pk__in=coded.values("coder_id")).order_by("username")


@dataclass(frozen=True)
class AgreementInputs:
    """What the agreement statistics need: shared documents, both coders' codings, names."""

    lengths: dict[str, int]
    first: list[Coding]
    second: list[Coding]
    names: dict[str, str]


def agreement_inputs(
    project: Project,
    first: User,
    second: User,
    transcripts: QuerySet[Transcript] | None = None,
) -> AgreementInputs:
    """The transcripts both coders have coded (at least one segment each) and their codings."""
    pool = project.transcripts.all() if transcripts is None else transcripts
    both = pool.filter(
        Exists(CodedSegment.objects.current().filter(transcript=OuterRef("pk"), coder=first)),
        Exists(CodedSegment.objects.current().filter(transcript=OuterRef("pk"), coder=second)),
    )
    lengths = {str(pk): length for pk, length in both.values_list("pk", "length")}
    names = {str(code.pk): code.name_en for code in project.codes.all()}
    return AgreementInputs(
        lengths=lengths,
        first=[c for c in codings_of(project, first, both) if c.document in lengths],
        second=[c for c in codings_of(project, second, both) if c.document in lengths],
        names=names,
    )
