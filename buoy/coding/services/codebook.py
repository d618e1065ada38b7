"""A project's codebook: codes added, moved, merged, split and changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from buoy.access.domain.roles import can_code_interviews
from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.models import Code, CodedSegment, Project, ProjectKind
from buoy.coding.selectors import may_edit_codebook
from buoy.core.errors import Forbidden, InvalidInput, NotFound


def _require_codebook_editor(actor: User | None, project: Project) -> None:
    """Forbidden (NotFound for a research project the actor is no member of) unless the actor
    may change the codebook (`selectors.may_edit_codebook`); `actor=None` is the operator."""
    if actor is None or may_edit_codebook(actor, project):
        return
    if project.kind != ProjectKind.CASEWORK and can_code_interviews(actor.role_enum):
        raise NotFound()  # a research project the coder is no member of: as if missing
    raise Forbidden()


def _new_codebook_version(project: Project) -> None:
    """Each change to a codebook makes a new codebook version (shown on the codebook page)."""
    Project.objects.filter(pk=project.pk).update(codebook_version=F("codebook_version") + 1)


@transaction.atomic
def add_code(
    *,
    actor: User | None,
    project: Project,
    name_en: str,
    name_zh: str = "",
    parent: Code | None = None,
    codable: bool = True,
    **fields: Any,
) -> Code:
    """A new code (or category) in the project's codebook, last among its siblings."""
    _require_codebook_editor(actor, project)
    _new_codebook_version(project)
    if not name_en.strip():
        raise InvalidInput({"name_en": [_("A code needs an English name.")]})
    if parent is not None and parent.project_id != project.pk:
        raise InvalidInput({"parent": [_("The parent code belongs to another project.")]})
    position = (project.codes.aggregate(last=Max("position"))["last"] or 0) + 1
    code = Code.objects.create(
        project=project,
        parent=parent,
        name_en=name_en.strip(),
        name_zh=name_zh.strip(),
        codable=codable,
        position=position,
        **fields,
    )
    record(actor=actor, action="coding.code.added", subject=code)
    return code


@transaction.atomic
def move_code(*, actor: User | None, code: Code, new_parent: Code | None) -> None:
    """Put a code under another parent (or at the top); never under its own descendant."""
    _require_codebook_editor(actor, code.project)
    _new_codebook_version(code.project)
    if new_parent is not None:
        if new_parent.project_id != code.project_id:
            raise InvalidInput({"parent": [_("The new parent belongs to another project.")]})
        walker: Code | None = new_parent
        while walker is not None:
            if walker.pk == code.pk:
                raise InvalidInput({"parent": [_("A code cannot move under itself.")]})
            walker = walker.parent
    code.parent = new_parent
    code.save(update_fields=["parent"])
    record(actor=actor, action="coding.code.moved", subject=code)


@transaction.atomic
def merge_codes(*, actor: User | None, merged: Code, into: Code) -> None:
    """Merge `merged` into `into`: its segments count as `into`'s from now on.

    The segments keep naming the code they were coded with, so the merge can be read in the
    history; queries and counts follow `merged_into`.
    """
    _require_codebook_editor(actor, merged.project)
    _new_codebook_version(merged.project)
    if merged.pk == into.pk or merged.project_id != into.project_id:
        raise InvalidInput({"into": [_("Merge into another code of the same project.")]})
    if merged.children.active().exists():
        raise InvalidInput({"merged": [_("Move or merge this code's children first.")]})
    merged.merged_into = into
    merged.save(update_fields=["merged_into"])
    Code.objects.filter(merged_into=merged).update(merged_into=into)
    record(actor=actor, action="coding.code.merged", subject=merged, context={"into": into.pk})


@transaction.atomic
def split_code(
    *,
    actor: User,
    code: Code,
    new_names: Sequence[str],
    assignments: dict[int, int],
) -> list[Code]:
    """Split a code into new child codes; `assignments` maps segment id → index in new_names.

    Each reassigned segment is removed from the old code and applied anew to its new code by
    the same coder, so the history shows what was split.
    """
    _require_codebook_editor(actor, code.project)
    _new_codebook_version(code.project)
    names = [name.strip() for name in new_names if name.strip()]
    if len(names) < 2:
        raise InvalidInput({"new_names": [_("Split into at least two codes.")]})
    children = [
        add_code(actor=actor, project=code.project, name_en=name, parent=code) for name in names
    ]
    now = timezone.now()
    for segment in CodedSegment.objects.current().filter(code=code, pk__in=list(assignments)):
        index = assignments[segment.pk]
        if not 0 <= index < len(children):
            raise InvalidInput(
                {"assignments": [_("Segment %(id)s goes to no new code.") % {"id": segment.pk}]}
            )
        segment.removed_at, segment.removed_by = now, actor
        segment.save(update_fields=["removed_at", "removed_by"])
        CodedSegment.objects.create(
            transcript_id=segment.transcript_id,
            code=children[index],
            coder_id=segment.coder_id,
            start=segment.start,
            end=segment.end,
            origin="split",
        )
    record(
        actor=actor,
        action="coding.code.split",
        subject=code,
        context={"into": [c.pk for c in children]},
    )
    return children


@transaction.atomic
def update_code(*, actor: User | None, code: Code, **fields: Any) -> Code:
    """Change a code's names, definition, notes, colour or whether it can be applied."""
    _require_codebook_editor(actor, code.project)
    _new_codebook_version(code.project)
    allowed = {
        "label",
        "name_en",
        "name_zh",
        "definition_en",
        "definition_zh",
        "inclusion",
        "exclusion",
        "example",
        "colour",
        "codable",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput({"": [_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}]})
    if "name_en" in fields and not str(fields["name_en"]).strip():
        raise InvalidInput({"name_en": [_("A code needs an English name.")]})
    for name, value in fields.items():
        setattr(code, name, value)
    code.save(update_fields=list(fields))
    record(actor=actor, action="coding.code.changed", subject=code, changed_fields=fields)
    return code
