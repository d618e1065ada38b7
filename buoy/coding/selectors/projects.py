"""Projects: which ones a user works in, one by id or name, and what one holds."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from buoy.access.domain.roles import can_see_identifiable_cases
from buoy.access.models import User
from buoy.coding.models import CodedSegment, Project, ProjectKind, ProjectMember
from buoy.core.errors import NotFound


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


# The attribute of a user object that holds `remembered_memberships`.
_MEMBERSHIPS = "_coding_memberships"


def remembered_memberships(user: User) -> dict[int, bool]:
    """Buoy's one per-request cache of project memberships: project id → whether `user` is a
    member, for the projects asked about so far.

    It lives on the user object, which Django loads afresh for each request (and a command
    for its run), so a page that checks many transcripts of one project asks the database
    once, and nothing outlives the request. A service that changes someone's memberships
    calls `forget_memberships`.
    """
    known: dict[int, bool] | None = getattr(user, _MEMBERSHIPS, None)
    if known is None:
        known = {}
        setattr(user, _MEMBERSHIPS, known)
    return known


def forget_memberships(user: User) -> None:
    """Drop what `remembered_memberships` holds for `user`: their memberships changed."""
    if hasattr(user, _MEMBERSHIPS):
        delattr(user, _MEMBERSHIPS)


def is_member(user: User, project_id: int) -> bool:
    """Whether `user` codes in the project (`remembered_memberships` for the request)."""
    known = remembered_memberships(user)
    if project_id not in known:
        known[project_id] = ProjectMember.objects.filter(
            project_id=project_id, user_id=user.pk
        ).exists()
    return known[project_id]


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


def research_projects_of(user: User) -> QuerySet[Project]:
    """Research projects `user` is a member of (where a de-identified copy may go)."""
    return Project.objects.filter(kind=ProjectKind.RESEARCH, memberships__user=user)
