"""A project in REFI-QDA's terms, with stable GUIDs for people and cases."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.coding.domain.refi import (
    QdaCase,
    QdaCode,
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaSource,
    QdaUser,
    QdaVariable,
)
from buoy.coding.models import CodedSegment, Memo, Project, Transcript
from buoy.coding.selectors.codebook import codes_of


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
    guid_of = {code.pk: str(code.guid) for code in project.codes.all()}
    roots = _code_tree(project)
    sources, case_sources = _sources(transcripts)
    codings, coder_ids = _codings(project, transcripts, guid_of)
    if memos is None:
        memos = Memo.objects.filter(project=project, replaced_by__isnull=True)
    notes = _notes(memos, codings, sources, case_sources, guid_of)
    people = {transcript.created_by_id for transcript in transcripts} | coder_ids
    people |= {memo.author_id for memo in Memo.objects.filter(project=project)}
    usernames = dict(
        User.objects.filter(pk__in=[p for p in people if p]).values_list("pk", "username")
    )
    variables, cases = _cases(case_sources, case_labels)
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


def _code_tree(project: Project) -> list[QdaCode]:
    """The project's live codes as REFI-QDA codes, children under their parents: the roots."""
    nodes: dict[int, QdaCode] = {}
    roots: list[QdaCode] = []
    for code in codes_of(project):
        node = QdaCode(
            guid=str(code.guid),
            name=code.name_en,
            is_codable=code.codable,
            color=code.colour.upper() or None,
            description=code.definition_en,
        )
        nodes[code.pk] = node
        (nodes[code.parent_id].children if code.parent_id in nodes else roots).append(node)
    return roots


def _sources(transcripts: QuerySet[Transcript]) -> tuple[list[QdaSource], dict[int, list[str]]]:
    """The transcripts as sources, and case id → the GUIDs of its transcripts."""
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
    return sources, case_sources


def _codings(
    project: Project, transcripts: QuerySet[Transcript], guid_of: dict[int, str]
) -> tuple[list[QdaCoding], set[int]]:
    """The transcripts' current coded segments as codings (a merged code's as its target's),
    and the ids of their coders."""
    merged = project.codes.merge_targets()
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
    return codings, {row[5] for row in segments}


def _notes(
    memos: QuerySet[Memo],
    codings: list[QdaCoding],
    sources: list[QdaSource],
    case_sources: dict[int, list[str]],
    guid_of: dict[int, str],
) -> list[QdaNote]:
    """The memos as notes on what they are about; a memo about something the export leaves
    out (a segment, transcript or case the reader may not read) is left out too."""
    exported_segments = {coding.guid for coding in codings}
    source_guids = {source.guid for source in sources}
    notes = []
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
    return notes


def _cases(
    case_sources: dict[int, list[str]], case_labels: dict[int, str]
) -> tuple[list[QdaVariable], list[QdaCase]]:
    """The cases of the exported transcripts, named by their labels, with the case attributes
    the queries filter by (none of them names the family)."""
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
    return variables, cases
