"""How cases are named outside casework: `case-1`, `case-2`, … per project."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Min, QuerySet

from buoy.access.domain.roles import can_see_identifiable_cases
from buoy.access.models import User
from buoy.cases.selectors import cases_visible_to
from buoy.coding.models import Project, Transcript


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
