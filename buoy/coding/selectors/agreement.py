"""Inter-coder agreement: two coders' codings on the texts both coded, and the report the
agreement page and `buoy qda agreement` show."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Exists, OuterRef, QuerySet

from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.domain.agreement import (
    AgreementReport,
    Coding,
    Disagreement,
    SegmentAgreementReport,
    character_agreement,
    disagreements,
    segment_agreement,
)
from buoy.coding.models import CodedSegment, Project, Transcript
from buoy.coding.selectors.transcripts import transcripts_visible_to


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


@dataclass
class CoderAgreement:
    """How far two coders agree, over the transcripts both coded: with characters and with
    segments as units, per code and overall, and the stretches where they differ
    (`docs/statistics.md`). Each figure is worked out when first asked for."""

    inputs: AgreementInputs
    names: dict[str, str]  # code id → the name shown
    pool: QuerySet[Transcript]  # the transcripts the reader may read

    @property
    def documents(self) -> int:
        """How many transcripts both coders coded."""
        return len(self.inputs.lengths)

    @cached_property
    def character(self) -> AgreementReport:
        """Percent agreement and Cohen's kappa with every character as a unit."""
        inputs = self.inputs
        return character_agreement(inputs.lengths, inputs.first, inputs.second, names=self.names)

    @cached_property
    def segment(self) -> SegmentAgreementReport:
        """Percent agreement, kappa and Krippendorff's alpha with segments as units."""
        inputs = self.inputs
        return segment_agreement(inputs.lengths, inputs.first, inputs.second, names=self.names)

    @cached_property
    def differences(self) -> list[Disagreement]:
        """The maximal stretches where only one of the two applied a code."""
        return disagreements(self.inputs.lengths, self.inputs.first, self.inputs.second)

    @cached_property
    def transcripts(self) -> dict[str, Transcript]:
        """The transcripts both coded, with their text, by id (as the differences name them)."""
        wanted = [int(document) for document in self.inputs.lengths]
        return {str(t.pk): t for t in self.pool.filter(pk__in=wanted)}


def agreement_report(
    user: User | None, project: Project, first: User, second: User, *, language: str = "en"
) -> CoderAgreement:
    """How far two coders agree in a project, over the transcripts both coded that `user` may
    read; `user=None` is the operator's command line (every transcript). Codes are named in
    `language`.

    For a user the report is audited (`coding.agreement.viewed`, the transcripts it covers):
    its differences quote their text and titles.
    """
    if user is None:
        pool = project.transcripts.all()
    else:
        pool = transcripts_visible_to(user).filter(project=project)
    inputs = agreement_inputs(project, first, second, pool)
    names = {str(code.pk): code.name_in(language) for code in project.codes.all()}
    if user is not None:
        record(
            actor=user,
            action="coding.agreement.viewed",
            subject=project,
            context={"transcripts": sorted(int(d) for d in inputs.lengths)},
        )
    return CoderAgreement(inputs, names, pool)
