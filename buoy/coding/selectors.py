"""Reads about interviews and coding, always scoped to the acting user.

Who sees a transcript (ADR 0008's companion rules, `docs/coding.md`):
- workers and supervisors: the transcripts of the cases they may see, and any de-identified or
  case-less transcript of a project they are a member of;
- researchers: only de-identified or case-less transcripts of projects they are members of;
- administrators: none.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from buoy.access.domain.roles import Role, can_see_case, can_see_identifiable_cases
from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Case
from buoy.cases.selectors import access_facts, cases_visible_to
from buoy.coding.domain.agreement import Coding
from buoy.coding.domain.autocoding import (
    MAX_OPEN_ENDED,
    MAX_PATTERN,
    PatternError,
    Turn,
    find_spans,
    prepare,
    sentence_spans,
    uncovered,
)
from buoy.coding.domain.codebook import descendants, rollup_counts
from buoy.coding.domain.redaction import (
    ID_NUMBER,
    PHONE,
    RedactionSuggestion,
    suggest_redactions,
)
from buoy.coding.domain.refi import (
    QdaCase,
    QdaCode,
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaSource,
    QdaUser,
    QdaVariable,
    write_codebook,
    write_project,
)
from buoy.coding.domain.regions import (
    QueryError,
    Region,
    co_occurrence,
    evaluate,
    merge,
    parse_query,
)
from buoy.coding.domain.suggestions import ModelFormatError, SuggestionModel
from buoy.coding.domain.tables import Table, to_csv, to_xlsx
from buoy.coding.domain.words import fts5_match, search_terms
from buoy.coding.models import (
    Code,
    CodedSegment,
    CodingAction,
    Memo,
    Passage,
    Project,
    ProjectKind,
    ProjectMember,
    SpeakerTurn,
    SuggestionModelRecord,
    Transcript,
)
from buoy.core.errors import InvalidInput, NotFound


def projects_visible_to(user: User) -> QuerySet[Project]:
    """Projects `user` works in: those they are a member of; casework too for case staff."""
    if not user.is_authenticated or not user.is_active:
        return Project.objects.none()
    member = ProjectMember.objects.filter(project=OuterRef("pk"), user_id=user.pk)
    condition = Q(Exists(member))
    if can_see_identifiable_cases(user.role_enum):
        condition |= Q(kind=ProjectKind.CASEWORK)
    return Project.objects.filter(condition)


def get_project_for(user: User, project: Any) -> Project:
    """A project by id or exact name if `user` works in it; NotFound otherwise."""
    visible = projects_visible_to(user)
    found = None
    if isinstance(project, int) or (isinstance(project, str) and project.isdigit()):
        found = visible.filter(pk=int(project)).first()
    if found is None and isinstance(project, str):
        found = visible.filter(name=project).first()
    if found is None:
        raise NotFound()
    return found


def transcripts_visible_to(user: User) -> QuerySet[Transcript]:
    """Every transcript `user` may read (see the module docstring)."""
    if not user.is_authenticated or not user.is_active:
        return Transcript.objects.none()
    role = user.role_enum
    member = ProjectMember.objects.filter(project=OuterRef("project_id"), user_id=user.pk)
    research_copy = Q(Exists(member)) & (Q(is_deidentified=True) | Q(case__isnull=True))
    if role in (Role.WORKER, Role.SUPERVISOR):
        own_cases = cases_visible_to(user).values("pk")
        return Transcript.objects.filter(Q(case__in=own_cases) | research_copy)
    if role is Role.RESEARCHER:
        return Transcript.objects.filter(research_copy)
    return Transcript.objects.none()


def may_read_transcript(user: User, transcript: Transcript) -> bool:
    """`transcripts_visible_to` for one transcript already loaded (the same rule, no list).

    tests/coding/test_coding_services.py checks that the two agree for every persona.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    role = user.role_enum
    staff = role in (Role.WORKER, Role.SUPERVISOR)
    case = transcript.case
    if staff and case is not None and can_see_case(user.as_actor(), access_facts(case)):
        return True
    if role not in (Role.WORKER, Role.SUPERVISOR, Role.RESEARCHER):
        return False
    if not (transcript.is_deidentified or transcript.case_id is None):
        return False
    return is_member(user, transcript.project_id)


def is_member(user: User, project_id: int) -> bool:
    """Whether `user` codes in the project; remembered on the user object for one request."""
    known: dict[int, bool] = user.__dict__.setdefault("_coding_memberships", {})
    if project_id not in known:
        known[project_id] = ProjectMember.objects.filter(
            project_id=project_id, user_id=user.pk
        ).exists()
    return known[project_id]


def get_transcript_for(
    user: User,
    transcript_id: Any,
    *,
    audit_as: str | None = "coding.transcript.viewed",
    with_text: bool = True,
) -> Transcript:
    """The transcript if `user` may read it; the same NotFound for "missing" and "not yours".

    Opening an identifiable transcript is audited; a caller about to change it passes
    `audit_as=None` because the change is audited by its service.
    """
    try:
        pk = int(transcript_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    found = Transcript.objects.select_related("project", "case")
    if not with_text:
        found = found.defer("text")  # coding needs only the stored length
    transcript = found.filter(pk=pk).first()
    if transcript is not None and not may_read_transcript(user, transcript):
        transcript = None
    if transcript is None:
        raise NotFound()
    if audit_as:
        record(actor=user, action=audit_as, subject=transcript)
    return transcript


def codes_of(project: Project) -> list[Code]:
    """The project's live codes (merged ones left out), parents before children, in order."""
    codes = list(project.codes.active().order_by("position", "pk"))
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    ordered: list[Code] = []

    def visit(parent: int | None) -> None:
        for code in children.get(parent, []):
            ordered.append(code)
            visit(code.pk)

    visit(None)
    return ordered


def code_depths(codes: Iterable[Code]) -> dict[int, int]:
    """Depth of each code in the tree (roots 0), from codes listed parents first."""
    depth: dict[int, int] = {}
    for code in codes:
        depth[code.pk] = 0 if code.parent_id is None else depth.get(code.parent_id, -1) + 1
    return depth


def descendant_ids(project: Project, code_ids: Iterable[int]) -> set[int]:
    """The given codes and every code under them (merged codes count as their target)."""
    parent_of = {
        str(pk): None if parent is None else str(parent)
        for pk, parent in project.codes.values_list("pk", "parent_id")
    }
    result = set(code_ids)
    for code_id in list(result):
        result |= {int(pk) for pk in descendants(parent_of, str(code_id))}
    merged = project.codes.merge_targets()
    result |= {old for old, new in merged.items() if new in result}
    return result


def code_counts(
    project: Project, transcripts: QuerySet[Transcript] | None = None
) -> dict[int, tuple[int, int]]:
    """Code id → (own coded segments, rolled up with every descendant's), current ones only."""
    segments = CodedSegment.objects.current().filter(code__project=project)
    if transcripts is not None:
        segments = segments.filter(transcript__in=transcripts)
    merged = project.codes.merge_targets()
    own: dict[str, int] = {}
    for code_id in segments.values_list("code_id", flat=True):
        key = str(merged.get(code_id, code_id))  # a merged code's segments count for its target
        own[key] = own.get(key, 0) + 1
    parent_of = {
        str(pk): (str(parent) if parent is not None else None)
        for pk, parent in project.codes.active().values_list("pk", "parent_id")
    }
    rolled = rollup_counts(parent_of, own)
    return {int(pk): (own.get(pk, 0), rolled.get(pk, 0)) for pk in parent_of}


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


def memos_visible_to(user: User, project: Project) -> QuerySet[Memo]:
    """Memos of a project whose target the user may see (a memo on a case needs the case)."""
    transcripts = transcripts_visible_to(user).values("pk")
    cases = cases_visible_to(user).values("pk")
    return Memo.objects.filter(project=project, replaced_by__isnull=True).filter(
        Q(transcript__isnull=True, segment__isnull=True, case__isnull=True)
        | Q(transcript__in=transcripts)
        | Q(segment__transcript__in=transcripts)
        | Q(case__in=cases)
    )


# --- queries -------------------------------------------------------------------------------


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


FREQUENCY_BY = ("case", "coder", "diagnosis", "relationship", "phase", "timepoint")


def case_pseudonyms(transcripts: QuerySet[Transcript]) -> dict[int, str]:
    """`case-1`, `case-2`, … for the cases of these transcripts, in the order each case's
    first transcript came in.

    Numbering by first arrival, not by case id, keeps every pseudonym once given: a later
    transcript never renumbers the cases before it, so the pseudonym stored in a
    de-identified copy's title stays the one tables and exports use (transcripts are never
    deleted). Pass a project's transcripts: pseudonyms are per project, so two studies
    cannot be joined on them.
    """
    firsts = (
        transcripts.exclude(case__isnull=True)
        .order_by()
        .values("case_id")
        .annotate(first=Min("pk"))
        .order_by("first")
        .values_list("case_id", flat=True)
    )
    return {pk: f"case-{n}" for n, pk in enumerate(firsts, 1)}


def case_pseudonyms_by_project(project_ids: Iterable[int]) -> dict[tuple[int, int], str]:
    """(project id, case id) → the case's pseudonym in that project, for several projects."""
    return {
        (project_id, case_id): name
        for project_id in set(project_ids)
        for case_id, name in case_pseudonyms(
            Transcript.objects.filter(project_id=project_id)
        ).items()
    }


def _case_labels(user: User, project: Project) -> dict[int, str]:
    """How cases are named in tables: their number for case staff, a pseudonym for others."""
    pseudonyms = case_pseudonyms(project.transcripts.all())
    if can_see_identifiable_cases(user.role_enum):
        visible = dict(
            cases_visible_to(user).filter(pk__in=list(pseudonyms)).values_list("pk", "reference")
        )
        return {pk: visible.get(pk, name) for pk, name in pseudonyms.items()}
    return pseudonyms


def code_frequency(
    user: User, project: Project, by: str, filters: SegmentFilter = SegmentFilter()
) -> Table:
    """Coded segments per code (rows) and per case, coder or case attribute (columns).

    Counts are each code's own segments plus its descendants', like the code tree's counts.
    """
    if by not in FREQUENCY_BY:
        raise InvalidInput(
            {"by": [_("Count by one of: %(by)s.") % {"by": ", ".join(FREQUENCY_BY)}]}
        )
    column_of = {
        "case": "transcript__case_id",
        "coder": "coder__username",
        "diagnosis": "transcript__case__child__diagnosis_code",
        "relationship": "transcript__caregiver__relationship",
        "phase": "transcript__case__phase",
        "timepoint": "transcript__timepoint__code",
    }[by]
    rows = filtered_segments(user, project, filters).values_list("code_id", column_of)
    codes = codes_of(project)
    ancestors = _ancestors(codes, project)
    counts: dict[tuple[int, Any], int] = {}
    columns: set[Any] = set()
    for code_id, column in rows:
        columns.add(column)
        for owner in ancestors.get(code_id, [code_id]):
            counts[(owner, column)] = counts.get((owner, column), 0) + 1
    labels = _case_labels(user, project) if by == "case" else {}
    ordered = sorted(columns, key=lambda c: (c is None, str(c)))
    if by == "case":
        # a column per case, headed by its case number for case staff: audited like a list
        record(
            actor=user,
            action="coding.table.viewed",
            subject=project,
            context={"table": "cases", "cases": [c for c in ordered if c is not None]},
        )
    headers = [
        _("Code"),
        *[str(labels.get(c, c) if c is not None else "—") for c in ordered],
        _("Total"),
    ]
    table = Table(str(_("Code frequency by %(by)s") % {"by": by}), headers)
    for code in codes:
        values = [counts.get((code.pk, column), 0) for column in ordered]
        table.rows.append([str(code), *values, sum(values)])
    return table


def _ancestors(codes: list[Code], project: Project) -> dict[int, list[int]]:
    """Code id → itself and every ancestor (a merged code counts for its target's line)."""
    parent_of = {code.pk: code.parent_id for code in codes}
    merged = project.codes.merge_targets()
    result: dict[int, list[int]] = {}
    for code_id in [*parent_of, *merged]:
        chain: list[int] = []
        walker: int | None = merged.get(code_id, code_id)
        while walker is not None and walker not in chain:
            chain.append(walker)
            walker = parent_of.get(walker)
        result[code_id] = chain
    return result


def co_occurrence_table(
    user: User, project: Project, filters: SegmentFilter = SegmentFilter()
) -> Table:
    """Codes × codes: how many of the row code's segments overlap text coded with the column's."""
    codes = [code for code in codes_of(project) if code.codable]
    segments = filtered_segments(user, project, filters).values_list(
        "code_id", "transcript_id", "start", "end"
    )
    merged = project.codes.merge_targets()
    spans: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for code_id, transcript_id, start, end in segments:
        key = str(merged.get(code_id, code_id))
        spans.setdefault(key, {}).setdefault(str(transcript_id), []).append((start, end))
    regions = {
        key: {doc: merge(found) for doc, found in docs.items()} for key, docs in spans.items()
    }
    used = [code for code in codes if str(code.pk) in regions]
    counts = co_occurrence({str(code.pk): regions[str(code.pk)] for code in used})
    table = Table(str(_("Co-occurrence")), [_("Code"), *[str(code) for code in used]])
    for row in used:
        table.rows.append([str(row), *[counts[(str(row.pk), str(col.pk))] for col in used]])
    return table


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


def codes_by_cases(user: User, project: Project, filters: SegmentFilter = SegmentFilter()) -> Table:
    """Codes × cases: the number of segments of each code (with descendants) in each case."""
    return code_frequency(user, project, "case", filters)


# --- project figures and agreement ---------------------------------------------------------


def project_named(name: str) -> Project:
    """A project by exact name or number, for the operator's command line (not user-scoped)."""
    found = Project.objects.filter(name=name).first()
    if found is None and name.isdigit():
        found = Project.objects.filter(pk=int(name)).first()
    if found is None:
        raise NotFound()
    return found


def project_stats(project: Project) -> dict[str, int]:
    """What a project holds: documents, codes (every node), coded segments, memos, users."""
    coders = set(
        CodedSegment.objects.current()
        .filter(transcript__project=project)
        .values_list("coder_id", flat=True)
    )
    members = set(project.memberships.values_list("user_id", flat=True))
    authors = set(project.memos.values_list("author_id", flat=True))
    return {
        "documents": project.transcripts.count(),
        "codes": project.codes.active().count(),
        "coded_segments": CodedSegment.objects.current()
        .filter(transcript__project=project)
        .count(),
        "memos": project.memos.filter(replaced_by__isnull=True).count(),
        "users": len(coders | members | authors),
    }


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


# --- search --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    """A passage that matched a search, cut into plain and matched pieces for highlighting."""

    transcript_id: int
    transcript_title: str
    start: int
    end: int
    pieces: tuple[tuple[str, bool], ...]  # (text, is a match)

    @property
    def text(self) -> str:
        return "".join(piece for piece, _match in self.pieces)


def _highlight(text: str, terms: list[str]) -> tuple[tuple[str, bool], ...]:
    """Split `text` at every case-insensitive occurrence of a search term."""
    folded = text.lower()
    marks = [False] * len(text)
    for term in terms:
        at = folded.find(term)
        while term and at != -1:
            for i in range(at, at + len(term)):
                marks[i] = True
            at = folded.find(term, at + len(term))
    pieces: list[tuple[str, bool]] = []
    for char, mark in zip(text, marks, strict=True):
        if pieces and pieces[-1][1] == mark:
            pieces[-1] = (pieces[-1][0] + char, mark)
        else:
            pieces.append((char, mark))
    return tuple(pieces)


def search_transcripts(
    user: User, query: str, *, project: Project | None = None, limit: int = 50
) -> list[SearchHit]:
    """Passages of the transcripts `user` may read that hold every word of `query`.

    Chinese is matched word by word (jieba), through SQLite FTS5 or PostgreSQL full-text
    search over the passages' words (migration 0002); the search itself is audited.
    """
    terms = search_terms(query)
    if not terms:
        return []
    visible = transcripts_visible_to(user)
    if project is not None:
        visible = visible.filter(project=project)
    visible_sql, visible_params = visible.values("pk").query.sql_with_params()
    # `visible_sql` is Django's own compiled SQL with its values kept apart as parameters.
    if connection.vendor == "sqlite":
        sql = (
            "SELECT p.id FROM coding_passage_fts f JOIN coding_passage p ON p.id = f.rowid "  # noqa: S608
            f"WHERE coding_passage_fts MATCH %s AND p.transcript_id IN ({visible_sql}) "
            "ORDER BY f.rank LIMIT %s"
        )
        params = [fts5_match(query), *visible_params, limit]
    else:
        # MATERIALIZED: match the full-text index first; otherwise the planner walks passages
        # in (transcript, start) order to serve ORDER BY ... LIMIT and tests each one.
        sql = (
            "WITH matched AS MATERIALIZED (SELECT p.id, p.transcript_id, p.start "  # noqa: S608
            "FROM coding_passage p "
            "WHERE to_tsvector('simple', p.words) @@ plainto_tsquery('simple', %s)) "
            f"SELECT id FROM matched WHERE transcript_id IN ({visible_sql}) "
            "ORDER BY transcript_id, start LIMIT %s"
        )
        params = [" ".join(terms), *visible_params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    rank = {pk: n for n, pk in enumerate(ids)}
    # the passage's own text only, cut in the database: a long transcript is not loaded whole
    passages = (
        Passage.objects.filter(pk__in=ids)
        .annotate(
            snippet=Substr("transcript__text", F("start") + 1, F("end") - F("start")),
            title=F("transcript__title"),
        )
        .values_list("pk", "transcript_id", "title", "start", "end", "snippet")
    )
    hits = sorted(passages, key=lambda row: rank[row[0]])
    record(
        actor=user,
        action="coding.search.run",
        context={"transcripts": sorted({row[1] for row in hits}), "hits": len(hits)},
    )
    return [
        SearchHit(transcript_id, title, start, end, _highlight(snippet, terms))
        for _pk, transcript_id, title, start, end, snippet in hits
    ]


# --- exports -------------------------------------------------------------------------------

EXPORT_TYPES = {
    "qdpx": "application/zip",
    "qdc": "application/xml",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def segments_table(
    project: Project, transcripts: QuerySet[Transcript], case_labels: dict[int, str]
) -> Table:
    """Every current coded segment of the given transcripts, with its text, one per row."""
    table = Table(
        str(_("Coded segments")),
        [
            _("Transcript"),
            _("Case"),
            _("Code"),
            _("Code name"),
            _("Coder"),
            _("Start"),
            _("End"),
            _("Text"),
        ],
    )
    segments = (
        CodedSegment.objects.current()
        .filter(transcript__in=transcripts)
        .annotate(snippet=Substr("transcript__text", F("start") + 1, F("end") - F("start")))
        .select_related("transcript", "code", "coder")
        .defer("transcript__text")
        .order_by("transcript__title", "transcript_id", "start", "end", "pk")
    )
    for segment in segments:
        table.rows.append(
            [
                segment.transcript.title,
                case_labels.get(segment.transcript.case_id or 0, ""),
                segment.code.label,
                segment.code.name_en,
                segment.coder.username,
                segment.start,
                segment.end,
                segment.snippet,
            ]
        )
    return table


def export_for(user: User | None, project: Project, fmt: str) -> tuple[bytes, str, str]:
    """The project as a file: REFI-QDA (`qdpx`, `qdc`) or its coded segments (`csv`, `xlsx`).

    `user=None` is the operator's command line (every transcript); otherwise only the
    transcripts the user may read go in. Returns (bytes, content type, file name).
    """
    if fmt not in EXPORT_TYPES:
        raise InvalidInput(
            {"format": [_("Export as one of: %(f)s.") % {"f": ", ".join(EXPORT_TYPES)}]}
        )
    if user is None:
        transcripts = project.transcripts.all()
        labels = case_pseudonyms(transcripts)
    else:
        transcripts = transcripts_visible_to(user).filter(project=project)
        labels = _case_labels(user, project)
    safe_name = (
        "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in project.name) or "project"
    )
    if fmt in ("csv", "xlsx"):
        table = segments_table(project, transcripts, labels)
        data = to_csv(table) if fmt == "csv" else to_xlsx([table])
    else:
        memos = None if user is None else memos_visible_to(user, project)
        data = _refi_export(project, transcripts, fmt, memos)
    record(
        actor=user,
        action="coding.project.exported",
        subject=project,
        context={"format": fmt, "transcripts": sorted(transcripts.values_list("pk", flat=True))},
    )
    return data, EXPORT_TYPES[fmt], f"{safe_name}.{fmt}"


def person_guid(user_id: int | None) -> str | None:
    """A stable REFI-QDA GUID for a Buoy account (the same in every export of this site)."""
    return None if user_id is None else str(uuid.uuid5(_GUIDS, f"user:{user_id}"))


def case_guid(case_id: int) -> str:
    """A stable REFI-QDA GUID for a case; it says nothing about the case."""
    return str(uuid.uuid5(_GUIDS, f"case:{case_id}"))


_GUIDS = uuid.UUID("a4f6f1c2-36c1-4a51-9f0e-3d0f7e1f2b9d")


def exchange_project(
    project: Project,
    transcripts: QuerySet[Transcript],
    case_labels: dict[int, str],
    memos: QuerySet[Memo] | None = None,
) -> QdaProject:
    """The project in REFI-QDA's terms: codebook, coders, cases, sources, codings, memos.

    `memos` are the memos the exporting user may read (`memos_visible_to`); None (the
    operator's command line) means all of them.
    """
    codes = codes_of(project)
    merged = project.codes.merge_targets()
    guid_of = {code.pk: str(code.guid) for code in project.codes.all()}
    nodes: dict[int, QdaCode] = {}
    roots: list[QdaCode] = []
    for code in codes:
        node = QdaCode(
            guid=str(code.guid),
            name=code.name_en,
            is_codable=code.codable,
            color=code.colour.upper() or None,
            description=code.definition_en,
        )
        nodes[code.pk] = node
        (nodes[code.parent_id].children if code.parent_id in nodes else roots).append(node)
    sources = []
    case_sources: dict[int, list[str]] = {}
    for transcript in transcripts.order_by("pk"):
        sources.append(
            QdaSource(
                guid=str(transcript.guid),
                name=transcript.title,
                text=transcript.text,
                creator_guid=person_guid(transcript.created_by_id),
                created=transcript.created_at,
            )
        )
        if transcript.case_id is not None:
            case_sources.setdefault(transcript.case_id, []).append(str(transcript.guid))
    segments = list(
        CodedSegment.objects.current()
        .filter(transcript__in=transcripts)
        .values_list(
            "guid", "transcript__guid", "start", "end", "code_id", "coder_id", "created_at"
        )
    )
    codings = [
        QdaCoding(
            guid=str(guid),
            source_guid=str(source),
            start=start,
            end=end,
            code_guid=guid_of[merged.get(code_id, code_id)],
            coder_guid=person_guid(coder_id),
            created=created,
        )
        for guid, source, start, end, code_id, coder_id, created in segments
    ]
    exported_segments = {coding.guid for coding in codings}
    source_guids = {source.guid for source in sources}
    notes = []
    if memos is None:
        memos = Memo.objects.filter(project=project, replaced_by__isnull=True)
    for memo in memos.select_related("segment", "code", "transcript").defer("transcript__text"):
        if memo.segment is not None:
            target = str(memo.segment.guid)
            if target not in exported_segments:
                continue
        elif memo.transcript is not None:
            target = str(memo.transcript.guid)
            if target not in source_guids:
                continue
        elif memo.code is not None:
            target = guid_of[memo.code.pk]
        elif memo.case_id is not None:
            if memo.case_id not in case_sources:
                continue
            target = case_guid(memo.case_id)
        else:
            target = ""
        notes.append(
            QdaNote(
                guid=str(memo.guid),
                name=memo.title or str(_("Memo")),
                text=memo.text,
                creator_guid=person_guid(memo.author_id),
                created=memo.created_at,
                target_guids=[target] if target else [],
            )
        )
    people = {transcript.created_by_id for transcript in transcripts} | {row[5] for row in segments}
    people |= {memo.author_id for memo in Memo.objects.filter(project=project)}
    usernames = dict(
        User.objects.filter(pk__in=[p for p in people if p]).values_list("pk", "username")
    )
    # Case attributes that the queries filter by; none of them names the family.
    variables = [
        QdaVariable(guid=str(uuid.uuid5(_GUIDS, f"variable:{name}")), name=name)
        for name in ("diagnosis", "phase")
    ]
    attributes = {
        pk: (diagnosis or "", phase or "")
        for pk, diagnosis, phase in Case.objects.filter(pk__in=list(case_sources)).values_list(
            "pk", "child__diagnosis_code", "phase"
        )
    }
    cases = []
    for n, (case_id, guids) in enumerate(sorted(case_sources.items()), 1):
        values = dict(
            zip((v.guid for v in variables), attributes.get(case_id, ("", "")), strict=True)
        )
        cases.append(
            QdaCase(
                guid=case_guid(case_id),
                name=case_labels.get(case_id, f"case-{n}"),
                values={guid: value for guid, value in values.items() if value},
                source_guids=guids,
            )
        )
    return QdaProject(
        name=project.name,
        users=[
            QdaUser(guid=str(person_guid(pk)), name=name) for pk, name in sorted(usernames.items())
        ],
        codes=roots,
        variables=variables if cases else [],
        cases=cases,
        sources=sources,
        codings=codings,
        notes=notes,
        description=project.description,
    )


def _refi_export(
    project: Project,
    transcripts: QuerySet[Transcript],
    fmt: str,
    memos: QuerySet[Memo] | None = None,
) -> bytes:
    # the project's own pseudonyms, the ones its tables and de-identified titles use
    pseudonyms = case_pseudonyms(project.transcripts.all())
    exchange = exchange_project(project, transcripts, pseudonyms, memos)
    if fmt == "qdc":
        return write_codebook(exchange.codes)
    return write_project(exchange)


# --- de-identification ---------------------------------------------------------------------


def names_in_case(case: Any) -> list[str]:
    """The names a case records (child, caregivers), with Chinese given names alone too."""
    names: list[str] = []
    people = [getattr(case, "child", None), *case.caregivers.all()]
    for person in people:
        full = (getattr(person, "full_name", "") or "").strip()
        if not full:
            continue
        names.append(full)
        if len(full) >= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in full):
            names.append(full[1:])  # the given name, as family members say it
        elif " " in full:
            names.extend(part for part in full.split() if len(part) > 1)
    return list(dict.fromkeys(names))


def identifiers_in_case(case: Any) -> list[tuple[str, str]]:
    """What else a case records that identifies the family, as (redaction kind, text): its
    case number and the caregivers' phone numbers."""
    found = [(ID_NUMBER, case.reference)]
    found += [(PHONE, caregiver.phone) for caregiver in case.caregivers.all() if caregiver.phone]
    return [(kind, text) for kind, text in found if text and text.strip()]


def redaction_suggestions(user: User, transcript: Transcript) -> list[RedactionSuggestion]:
    """What in a transcript may identify someone, for a person to confirm (audited)."""
    case = transcript.case
    suggestions = suggest_redactions(
        transcript.text,
        names_in_case(case) if case is not None else [],
        known_identifiers=identifiers_in_case(case) if case is not None else [],
    )
    record(
        actor=user,
        action="coding.transcript.redaction_suggested",
        subject=transcript,
        context={"suggestions": len(suggestions)},
    )
    return suggestions


def research_projects_of(user: User) -> QuerySet[Project]:
    """Research projects `user` is a member of (where a de-identified copy may go)."""
    return Project.objects.filter(kind=ProjectKind.RESEARCH, memberships__user=user)


def get_codebook_project_for(user: User, project_id: Any) -> Project:
    """A project whose codebook `user` may read: one they work in, or, for an administrator,
    the department's casework codebook (administrators keep it but read no transcripts)."""
    try:
        return get_project_for(user, project_id)
    except NotFound:
        if user.is_authenticated and user.role_enum is Role.ADMIN:
            found = Project.objects.filter(pk=project_id, kind=ProjectKind.CASEWORK).first()
            if found is not None:
                return found
        raise


def memo_report(user: User, project: Project) -> Table:
    """Every current memo of the project the user may read: what it is about, who, when."""
    table = Table(
        str(_("Memos")),
        [_("About"), _("Subject"), _("Title"), _("Memo"), _("Author"), _("Written")],
    )
    memos = (
        memos_visible_to(user, project)
        .select_related("author", "code", "transcript", "segment__code", "segment__transcript")
        .defer("transcript__text", "segment__transcript__text")
        .order_by("created_at", "pk")
    )
    labels = _case_labels(user, project)
    for memo in memos:
        if memo.segment is not None:
            about = str(_("coded segment"))
            subject = (
                f"{memo.segment.transcript.title} {memo.segment.start}–{memo.segment.end} "
                f"({memo.segment.code})"
            )
        elif memo.code is not None:
            about, subject = str(_("code")), str(memo.code)
        elif memo.transcript is not None:
            about, subject = str(_("transcript")), memo.transcript.title
        elif memo.case_id is not None:
            about, subject = str(_("case")), labels.get(memo.case_id, "")
        else:
            about, subject = str(_("project")), project.name
        table.rows.append(
            [
                about,
                subject,
                memo.title,
                memo.text,
                memo.author.username,
                memo.created_at.isoformat(),
            ]
        )
    record(
        actor=user, action="coding.memo.listed", subject=project, context={"memos": len(table.rows)}
    )
    return table


# --- auto-coding ---------------------------------------------------------------------------

AUTOCODING_LIMIT = 2000  # matches shown and applied at once
AUTOCODING_SECONDS = 3.0  # time budget of one preview's regular expression


@dataclass(frozen=True)
class AutoMatch:
    """A stretch of a transcript an auto-coding search picked out."""

    transcript: Transcript
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.transcript.text[self.start : self.end]


@dataclass(frozen=True)
class AutocodingPreview:
    """What applying a search would code: its matches (at most the limit) and whether more
    were left out."""

    matches: list[AutoMatch]
    truncated: bool
    searched: int  # transcripts searched

    @property
    def transcripts(self) -> int:
        return len({match.transcript.pk for match in self.matches})


def pattern_message(error: PatternError) -> str:
    """Why a pattern was refused, in the reader's language."""
    messages = {
        "empty": _("Type what to look for."),
        "kind": _("Look for text, a regular expression or a speaker."),
        "scope": _("Code the match, its sentence or its speaker turn."),
        "too_long": _("A pattern may be at most %(n)s characters long.") % {"n": MAX_PATTERN},
        "syntax": _("This regular expression is not valid: %(error)s (at character %(at)s).")
        % {"error": error.detail, "at": (error.position or 0) + 1},
        "backreference": _(
            "Back-references such as \\1 or (?P=name) are not allowed: they can make a "
            "search run for hours."
        ),
        "nested": _(
            "A repeated group may not hold a repeat or alternatives of its own, as in (a+)+ "
            "or (ab|a)*: such patterns can run for hours on one sentence."
        ),
        "open_ended": _(
            "At most %(n)s open-ended repeats (*, + or {n,}) in one pattern; use a bounded "
            "one such as {1,20} instead."
        )
        % {"n": MAX_OPEN_ENDED},
        "slow": _(
            "The regular expression took too long on these transcripts; make it simpler or "
            "search one transcript."
        ),
    }
    return str(messages.get(error.reason, str(error)))


def turns_of(transcript_ids: Iterable[int]) -> dict[int, list[Turn]]:
    """Speaker turns of the transcripts, as plain values, in order."""
    turns: dict[int, list[Turn]] = {}
    rows = SpeakerTurn.objects.filter(transcript_id__in=list(transcript_ids)).order_by(
        "transcript_id", "start"
    )
    for transcript_id, start, end, speaker in rows.values_list(
        "transcript_id", "start", "end", "speaker"
    ):
        turns.setdefault(transcript_id, []).append(Turn(start, end, speaker))
    return turns


def autocoding_preview(
    user: User,
    project: Project,
    *,
    pattern: str,
    kind: str,
    scope: str,
    transcript: Transcript | None = None,
    limit: int = AUTOCODING_LIMIT,
) -> AutocodingPreview:
    """What auto-coding would code in the project's transcripts `user` may read (or one).

    `kind` is text, regex or speaker; `scope` match, sentence or turn (`domain/autocoding.py`).
    A pattern Buoy will not run raises InvalidInput with the reason. The search is audited
    (which transcripts matched, not what was looked for).
    """
    try:
        search = prepare(pattern, kind, scope)
    except PatternError as error:
        field = error.reason if error.reason in ("kind", "scope") else "pattern"
        raise InvalidInput({field: [pattern_message(error)]}) from None
    pool = transcripts_visible_to(user).filter(project=project)
    if transcript is not None:
        pool = pool.filter(pk=transcript.pk)
    transcripts = list(pool.order_by("title", "pk"))
    turns = turns_of(t.pk for t in transcripts)
    deadline = time.monotonic() + AUTOCODING_SECONDS
    matches: list[AutoMatch] = []
    truncated = False
    for found in transcripts:
        try:
            spans = find_spans(search, found.text, turns.get(found.pk, []), deadline=deadline)
        except PatternError as error:
            raise InvalidInput({"pattern": [pattern_message(error)]}) from None
        for start, end in spans:
            if len(matches) == limit:
                truncated = True
                break
            matches.append(AutoMatch(found, start, end))
        if truncated:
            break
    record(
        actor=user,
        action="coding.autocoding.previewed",
        subject=project,
        context={
            "kind": kind,
            "scope": scope,
            "transcripts": sorted({match.transcript.pk for match in matches}),
            "matches": len(matches),
        },
    )
    return AutocodingPreview(matches, truncated, len(transcripts))


# --- learned suggestions -------------------------------------------------------------------

SUGGESTION_THRESHOLD = 0.5
SUGGESTION_MAX_NEGATIVES = 2000
# (record id, trained at) → its model; a stored model never changes
_LOADED_MODELS: dict[tuple[int, str], SuggestionModel] = {}


def training_examples(
    user: User, project: Project
) -> tuple[list[tuple[str, list[str]]], list[int]]:
    """What a suggestion model learns from, and the transcripts it comes from.

    Each current coded segment of the project's transcripts `user` may read is an example:
    its text and the ids of every code on exactly that stretch (a merged code counts as the
    code it was merged into). Sentences of those transcripts that no segment touches are
    examples with no code, as many as the coded ones (at most `SUGGESTION_MAX_NEGATIVES`),
    spread evenly through the transcripts.
    """
    merged = project.codes.merge_targets()
    spans: dict[tuple[int, int, int], set[str]] = {}
    rows = filtered_segments(user, project).values_list("transcript_id", "start", "end", "code_id")
    for transcript_id, start, end, code_id in rows:
        spans.setdefault((transcript_id, start, end), set()).add(str(merged.get(code_id, code_id)))
    ids = sorted({key[0] for key in spans})
    texts = dict(Transcript.objects.filter(pk__in=ids).values_list("pk", "text"))
    examples = [
        (texts[transcript_id][start:end], sorted(codes))
        for (transcript_id, start, end), codes in sorted(spans.items())
    ]
    turns = turns_of(ids)
    covered: dict[int, list[tuple[int, int]]] = {}
    for transcript_id, start, end in (
        CodedSegment.objects.current()
        .filter(transcript_id__in=ids)
        .values_list("transcript_id", "start", "end")
    ):
        covered.setdefault(transcript_id, []).append((start, end))
    candidates = [
        texts[transcript_id][span.start : span.end]
        for transcript_id in ids
        for span in uncovered(
            sentence_spans(texts[transcript_id], turns.get(transcript_id, [])),
            covered.get(transcript_id, []),
        )
    ]
    wanted = min(len(examples), SUGGESTION_MAX_NEGATIVES, len(candidates))
    if wanted:
        step = len(candidates) / wanted
        examples += [(candidates[int(i * step)], []) for i in range(wanted)]
    return examples, ids


def suggestion_models_of(project: Project) -> QuerySet[SuggestionModelRecord]:
    """The project's trained models, newest first, without their stored bytes."""
    return (
        SuggestionModelRecord.objects.filter(project=project)
        .select_related("trained_by")
        .defer("data")
        .order_by("-trained_at", "-pk")
    )


def _latest_model(project: Project) -> tuple[SuggestionModelRecord | None, SuggestionModel | None]:
    """The project's newest model record and the model in it (None when it cannot be read)."""
    newest = suggestion_models_of(project).first()
    if newest is None:
        return None, None
    key = (newest.pk, newest.trained_at.isoformat())
    model = _LOADED_MODELS.get(key)
    if model is None:
        stored = SuggestionModelRecord.objects.filter(pk=newest.pk).values_list("data", flat=True)
        try:
            model = SuggestionModel.from_bytes(bytes(stored.get()))
        except ModelFormatError:
            return newest, None
        _LOADED_MODELS.clear()  # one model at a time is plenty: they are a few megabytes
        _LOADED_MODELS[key] = model
    return newest, model


@dataclass(frozen=True)
class CodeSuggestion:
    """A code the model proposes for a sentence, how sure it is, and how often it was right."""

    code: Code
    confidence: float
    precision: float | None  # cross-validated, at the 0.5 threshold


@dataclass(frozen=True)
class SentenceSuggestions:
    """An uncoded sentence of a transcript and the codes proposed for it, likeliest first."""

    start: int
    end: int
    text: str
    codes: list[CodeSuggestion]


@dataclass(frozen=True)
class TranscriptSuggestions:
    """The suggestions for a transcript and the model they came from.

    `model` is None when the project has no trained model; `readable` is False when the
    stored model was made by another version of Buoy (train again).
    """

    model: SuggestionModelRecord | None
    readable: bool
    sentences: list[SentenceSuggestions]


def suggestions_for(
    user: User,
    transcript: Transcript,
    *,
    threshold: float = SUGGESTION_THRESHOLD,
    top: int = 3,
) -> TranscriptSuggestions:
    """Codes the project's newest model proposes for each sentence no segment touches yet.

    Only proposals with confidence ≥ `threshold`, at most `top` per sentence; codes since
    merged are shown as the code they went into, categories and deleted codes left out.
    Nothing is applied: a person accepts each one (`services.accept_suggestion`).
    """
    if not transcripts_visible_to(user).filter(pk=transcript.pk).exists():
        raise NotFound()
    stored, model = _latest_model(transcript.project)
    if stored is None or model is None:
        return TranscriptSuggestions(stored, stored is None, [])
    text = transcript.text
    coded = list(transcript.segments.current().values_list("start", "end"))
    sentences = uncovered(
        sentence_spans(text, turns_of([transcript.pk]).get(transcript.pk, [])), coded
    )
    codes = {str(code.pk): code for code in transcript.project.codes.all()}
    by_pk = {code.pk: code for code in codes.values()}
    result = []
    for span, proposed in zip(
        sentences,
        model.suggest([text[s.start : s.end] for s in sentences], threshold, top),
        strict=True,
    ):
        chosen: dict[int, CodeSuggestion] = {}
        for suggestion in proposed:
            code = codes.get(suggestion.code)
            if code is not None and code.merged_into_id is not None:
                code = by_pk.get(code.merged_into_id)
            if code is None or not code.codable or code.pk in chosen:
                continue
            quality = stored.quality.get(suggestion.code) or {}
            chosen[code.pk] = CodeSuggestion(code, suggestion.confidence, quality.get("precision"))
        if chosen:
            result.append(
                SentenceSuggestions(
                    span.start, span.end, text[span.start : span.end], list(chosen.values())
                )
            )
    return TranscriptSuggestions(stored, True, result)


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
