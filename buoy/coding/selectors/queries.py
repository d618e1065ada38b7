"""Code queries: which segments a query looks at, and the text it selects."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.domain.regions import QueryError, Region, evaluate, merge, parse_query
from buoy.coding.domain.tables import Table
from buoy.coding.models import Code, CodedSegment, Project, Transcript
from buoy.coding.selectors.codebook import descendant_ids
from buoy.coding.selectors.pseudonyms import _case_labels
from buoy.coding.selectors.transcripts import transcripts_visible_to
from buoy.core.errors import InvalidInput


@dataclass(frozen=True)
class SegmentFilter:
    """Which coded segments a query looks at: case attributes, timepoint and coder.

    Empty tuples mean "any".
    """

    diagnoses: tuple[str, ...] = ()  # ICD-10 codes or prefixes, e.g. "C91"
    relationships: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    timepoints: tuple[str, ...] = ()
    coders: tuple[str, ...] = ()  # usernames


def filtered_segments(
    user: User, project: Project, filters: SegmentFilter = SegmentFilter()
) -> QuerySet[CodedSegment]:
    """Current segments of the project's transcripts `user` may read, narrowed by `filters`."""
    segments = CodedSegment.objects.current().filter(
        transcript__in=transcripts_visible_to(user).filter(project=project).values("pk")
    )
    if filters.diagnoses:
        condition = Q()
        for prefix in filters.diagnoses:
            condition |= Q(transcript__case__child__diagnosis_code__istartswith=prefix)
        segments = segments.filter(condition)
    if filters.relationships:
        segments = segments.filter(transcript__caregiver__relationship__in=filters.relationships)
    if filters.phases:
        segments = segments.filter(transcript__case__phase__in=filters.phases)
    if filters.timepoints:
        segments = segments.filter(transcript__timepoint__code__in=filters.timepoints)
    if filters.coders:
        segments = segments.filter(coder__username__in=filters.coders)
    return segments


def find_code(project: Project, name: str) -> Code:
    """A code by label, English or Chinese name (case-insensitive); InvalidInput if none."""
    wanted = name.strip()
    for field in ("label", "name_en", "name_zh"):
        found = project.codes.filter(**{f"{field}__iexact": wanted}).order_by("pk").first()
        if found is not None:
            return found
    raise InvalidInput(
        {"query": [_("No code called “%(name)s” in this project.") % {"name": wanted}]}
    )


@dataclass(frozen=True)
class QueryHit:
    """A stretch of text a query selected."""

    transcript: Transcript
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.transcript.text[self.start : self.end]


def run_code_query(
    user: User, project: Project, query_text: str, filters: SegmentFilter = SegmentFilter()
) -> list[QueryHit]:
    """The text a code query selects (`domain/regions.py`), with descendants of each code."""
    try:
        query = parse_query(query_text)
    except QueryError as error:
        raise InvalidInput({"query": [str(error)]}) from None
    segments = filtered_segments(user, project, filters)

    def region_of(name: str) -> Region:
        code_ids = descendant_ids(project, [find_code(project, name).pk])
        spans: dict[str, list[tuple[int, int]]] = {}
        rows = segments.filter(code_id__in=code_ids).values_list("transcript_id", "start", "end")
        for transcript_id, start, end in rows:
            spans.setdefault(str(transcript_id), []).append((start, end))
        return {doc: merge(found) for doc, found in spans.items()}

    region = evaluate(query, region_of)
    transcripts = Transcript.objects.in_bulk([int(doc) for doc in region])
    hits = [
        QueryHit(transcripts[int(doc)], start, end)
        for doc in sorted(region, key=int)
        for start, end in region[doc]
    ]
    record(
        actor=user,
        action="coding.query.run",
        subject=project,
        context={"transcripts": sorted(int(doc) for doc in region), "hits": len(hits)},
    )
    return hits


def co_occurring_text(
    user: User,
    project: Project,
    first: Code,
    second: Code,
    filters: SegmentFilter = SegmentFilter(),
) -> list[QueryHit]:
    """Drill-down of one co-occurrence cell: the text coded with both codes."""
    name = lambda code: f'"{code.label or code.name_en}"'  # noqa: E731
    return run_code_query(user, project, f"{name(first)} AND {name(second)}", filters)


def hits_table(user: User, project: Project, hits: list[QueryHit]) -> Table:
    """A code query's hits as a table: transcript, case, where, and the text."""
    labels = _case_labels(user, project)
    table = Table(
        str(_("Query hits")), [_("Transcript"), _("Case"), _("Start"), _("End"), _("Text")]
    )
    for hit in hits:
        case_label = labels.get(hit.transcript.case_id or 0, "")
        table.rows.append([hit.transcript.title, case_label, hit.start, hit.end, hit.text])
    return table
