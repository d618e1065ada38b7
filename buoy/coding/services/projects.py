"""Projects: the department's casework project, research projects and their members."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from buoy.access.domain.roles import can_code_interviews, can_start_research_projects
from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.domain.codebook import CodebookNode, bundled_codebook, walk
from buoy.coding.models import Code, Project, ProjectKind, ProjectMember
from buoy.coding.selectors import forget_memberships, is_member
from buoy.core.errors import Forbidden, InvalidInput, NotFound

CASEWORK_PROJECT = "Casework"


def _require_coder(actor: User, project: Project) -> None:
    role = actor.role_enum
    if not can_code_interviews(role):
        raise Forbidden()
    if project.kind == ProjectKind.CASEWORK:
        return
    if not is_member(actor, project.pk):
        raise NotFound()


def casework_project() -> Project:
    """The department's casework project, made with the shipped codebook the first time."""
    project = Project.objects.filter(kind=ProjectKind.CASEWORK).order_by("pk").first()
    if project is not None:
        return project
    with transaction.atomic():
        project = Project.objects.create(
            name=CASEWORK_PROJECT, kind=ProjectKind.CASEWORK, codebook_source=""
        )
        _load_codebook(project, "strengths")
        record(actor=None, action="coding.project.started", subject=project)
    return project


@transaction.atomic
def start_project(
    *,
    actor: User | None,
    name: str,
    description: str = "",
    codebook: str | None = "strengths",
    members: Iterable[User] = (),
) -> Project:
    """A research project, its codebook copied from a shipped one (or empty), the actor a member.

    `actor=None` is the command line run by the site's operator.
    """
    if actor is not None and not can_start_research_projects(actor.role_enum):
        raise Forbidden()
    name = name.strip()
    if not name:
        raise InvalidInput({"name": [_("A project needs a name.")]})
    if Project.objects.filter(name=name).exists():
        raise InvalidInput({"name": [_("A project with this name exists already.")]})
    project = Project.objects.create(
        name=name, kind=ProjectKind.RESEARCH, description=description, created_by=actor
    )
    if codebook:
        _load_codebook(project, codebook)
    for user in {*members, *([actor] if actor else [])}:
        ProjectMember.objects.create(project=project, user=user)
        forget_memberships(user)
    record(actor=actor, action="coding.project.started", subject=project)
    return project


@transaction.atomic
def add_member(*, actor: User | None, project: Project, user: User) -> None:
    """Let `user` code in a research project (a member or the operator adds them)."""
    if actor is not None and not ProjectMember.objects.filter(project=project, user=actor).exists():
        raise NotFound()
    if not can_code_interviews(user.role_enum):
        raise InvalidInput({"user": [_("This person's role does not code interviews.")]})
    ProjectMember.objects.get_or_create(project=project, user=user)
    forget_memberships(user)  # what `is_member` remembered is stale
    record(
        actor=actor,
        action="coding.project.member_added",
        subject=project,
        context={"user": user.pk},
    )


def _load_codebook(project: Project, codebook_id: str) -> None:
    definition = bundled_codebook(codebook_id)
    by_id: dict[str, Code] = {}
    for position, (node, parent_id, _depth) in enumerate(walk(definition)):
        by_id[node.id] = Code.objects.create(
            project=project,
            parent=by_id[parent_id] if parent_id else None,
            position=position,
            **_code_fields(node),
        )
    project.codebook_source = f"{definition.id} v{definition.version}"
    project.save(update_fields=["codebook_source"])


def _code_fields(node: CodebookNode) -> dict[str, Any]:
    return {
        "label": node.id,
        "name_en": node.name.get("en", ""),
        "name_zh": node.name.get("zh-hans", ""),
        "definition_en": node.definition.get("en", ""),
        "definition_zh": node.definition.get("zh-hans", ""),
        "inclusion": node.inclusion.get("en", ""),
        "exclusion": node.exclusion.get("en", ""),
        "example": node.example.get("en", ""),
        "colour": node.colour or "",
        "codable": node.codable,
    }
