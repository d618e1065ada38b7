"""A project as a file: REFI-QDA (`qdpx`, `qdc`) or its coded segments (`csv`, `xlsx`)."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.domain.refi import write_codebook, write_project
from buoy.coding.domain.tables import Table, to_csv, to_xlsx
from buoy.coding.models import CodedSegment, Memo, Project, Transcript
from buoy.coding.selectors.exchange import exchange_project
from buoy.coding.selectors.memos import memos_visible_to
from buoy.coding.selectors.pseudonyms import _case_labels, case_pseudonyms
from buoy.coding.selectors.transcripts import transcripts_visible_to
from buoy.core.errors import InvalidInput

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
