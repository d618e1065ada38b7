"""A project's codebook: the one door to a code, its codes in tree order, their depths,
descendants and counts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from buoy.access.domain.roles import Role, can_code_interviews, can_edit_department_codebook
from buoy.access.models import User
from buoy.coding.domain.codebook import descendants, rollup_counts
from buoy.coding.models import Code, CodedSegment, Project, ProjectKind, Transcript
from buoy.coding.selectors.projects import get_project_for, is_member
from buoy.core.errors import NotFound


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


def may_edit_codebook(user: User, project: Project) -> bool:
    """Who changes a codebook: the department's casework codebook is kept by supervisors and
    administrators, a research project's by its members. The codebook pages and the codebook
    services ask this one rule."""
    role = user.role_enum
    if project.kind == ProjectKind.CASEWORK:
        return can_edit_department_codebook(role)
    return can_code_interviews(role) and is_member(user, project.pk)


def get_code_for(user: User, code_id: Any) -> Code:
    """The code if `user` may read its project's codebook (`get_codebook_project_for`); the
    same NotFound for "missing" and "not yours". Merged codes too: they keep their page.

    Not audited: a code is a word of the codebook and names no one.
    """
    try:
        pk = int(code_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    code = Code.objects.filter(pk=pk).first()
    if code is None:
        raise NotFound()
    code.project = get_codebook_project_for(user, code.project_id)
    return code
