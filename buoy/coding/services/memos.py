"""Memos on a coding, a code, a transcript, a case or the project."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Case
from buoy.cases.selectors import require_case_access
from buoy.coding.models import Code, CodedSegment, Memo, Project, Transcript
from buoy.coding.services.projects import _require_coder
from buoy.core.errors import Forbidden, InvalidInput


@transaction.atomic
def write_memo(
    *,
    actor: User,
    project: Project,
    text: str,
    title: str = "",
    segment: CodedSegment | None = None,
    code: Code | None = None,
    transcript: Transcript | None = None,
    case: Case | None = None,
    replaces: Memo | None = None,
) -> Memo:
    """A memo on a coding, a code, a transcript, a case or (no target) the project.

    Revising a memo writes a new one that `replaces` the old; the old text is kept.
    """
    _require_coder(actor, project)
    if case is not None:
        require_case_access(actor, case)
    if not text.strip():
        raise InvalidInput({"text": [_("A memo needs some text.")]})
    if sum(target is not None for target in (segment, code, transcript, case)) > 1:
        raise InvalidInput({"": [_("A memo is about one thing at a time.")]})
    for target_project in (
        segment.transcript.project_id if segment else None,
        code.project_id if code else None,
        transcript.project_id if transcript else None,
    ):
        if target_project is not None and target_project != project.pk:
            raise InvalidInput({"": [_("The memo's subject belongs to another project.")]})
    if replaces is not None and replaces.author_id != actor.pk:
        raise Forbidden()
    memo = Memo.objects.create(
        project=project,
        author=actor,
        title=title.strip()[:200],
        text=text,
        segment=segment if replaces is None else replaces.segment,
        code=code if replaces is None else replaces.code,
        transcript=transcript if replaces is None else replaces.transcript,
        case=case if replaces is None else replaces.case,
        replaces=replaces,
    )
    record(actor=actor, action="coding.memo.written", subject=memo, context={"project": project.pk})
    return memo
