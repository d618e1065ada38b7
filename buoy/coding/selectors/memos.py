"""Memos a user may read, and the project's memo report."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.selectors import cases_visible_to
from buoy.coding.domain.tables import Table
from buoy.coding.models import Memo, Project
from buoy.coding.selectors.pseudonyms import _case_labels
from buoy.coding.selectors.transcripts import transcripts_visible_to


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
