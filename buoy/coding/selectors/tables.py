"""Result tables: code frequency, co-occurrence and codes × cases."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.domain.regions import co_occurrence, merge
from buoy.coding.domain.tables import Table
from buoy.coding.models import Code, Project
from buoy.coding.selectors.codebook import codes_of
from buoy.coding.selectors.pseudonyms import _case_labels
from buoy.coding.selectors.queries import SegmentFilter, filtered_segments
from buoy.core.errors import InvalidInput

FREQUENCY_BY = ("case", "coder", "diagnosis", "relationship", "phase", "timepoint")


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


def codes_by_cases(user: User, project: Project, filters: SegmentFilter = SegmentFilter()) -> Table:
    """Codes × cases: the number of segments of each code (with descendants) in each case."""
    return code_frequency(user, project, "case", filters)
