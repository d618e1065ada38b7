"""REFI-QDA import: a project (.qdpx) or codebook (.qdc) as a new research project."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from buoy.access.domain.roles import can_code_interviews
from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.domain.refi import QdaCode, QdaProject, RefiError, read_codebook, read_project
from buoy.coding.domain.transcripts import normalise_text
from buoy.coding.models import Code, CodedSegment, Memo, Project, ProjectMember, Transcript
from buoy.coding.services.projects import start_project
from buoy.coding.services.transcripts import _index
from buoy.core.errors import InvalidInput


@dataclass(frozen=True)
class RefiImport:
    """What an import brought in, and what had to be repaired on the way."""

    project: Project
    documents: int
    codes: int
    coded_segments: int
    memos: int
    repairs: list[str]


def _coder_for(name: str, cache: dict[str, User]) -> User:
    """The Buoy account a REFI-QDA user maps to: same username, else a new inactive account.

    Inactive accounts cannot sign in; they keep each imported coder apart for agreement.
    """
    key = name.strip() or "imported-coder"
    if key not in cache:
        username = "".join(ch if ch.isalnum() or ch in "@.+-_" else "_" for ch in key)[:150]
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(username=username, role="researcher", is_active=False)
            user.set_unusable_password()
            user.save(update_fields=["password"])
        cache[key] = user
    return cache[key]


def _unused_guid(model: Any, guid: str) -> uuid.UUID:
    """The file's GUID, or a new one when this site already holds it (a second import)."""
    try:
        wanted = uuid.UUID(guid.strip("{}"))
    except ValueError:
        return uuid.uuid4()
    return uuid.uuid4() if model.objects.filter(guid=wanted).exists() else wanted


def _nfc_offsets(text: str) -> tuple[str, Any]:
    """The stored (NFC) text and a function from positions in `text` to positions in it."""
    stored = normalise_text(text)
    if stored == text:
        return stored, lambda position: position
    return stored, lambda position: len(normalise_text(text[:position]))


@dataclass
class _Coders:
    """The Buoy account of each person a file names (`_coder_for`), made once per name."""

    names: dict[str, str]  # the file's user GUID → name
    accounts: dict[str, User] = field(default_factory=dict)

    def of(self, guid: str | None) -> User:
        """The account for the user with this GUID (a GUID the file does not list is a name)."""
        return _coder_for(self.names.get(guid or "", guid or ""), self.accounts)


@transaction.atomic
def import_refi(
    *, actor: User | None, filename: str, data: bytes, project_name: str | None = None
) -> RefiImport:
    """Import a REFI-QDA project (.qdpx) or codebook (.qdc) as a new research project.

    All or nothing: a file that cannot be read raises InvalidInput naming the file and the
    reason, and nothing is saved. Repairs made to a tolerable file are returned.
    """
    exchange, repairs = _read_exchange(filename, data)
    name = (project_name or exchange.name or Path(filename).stem).strip()
    project = start_project(actor=actor, name=name, description=exchange.description, codebook=None)
    codes = _import_codes(project, exchange.codes)
    coders = _Coders({user.guid: user.name or user.guid for user in exchange.users})
    sources = _import_sources(project, exchange, filename, actor, coders, repairs)
    segments = _import_codings(exchange, sources, codes, coders)
    memos = _import_notes(project, exchange, segments, codes, sources, coders)
    for user in coders.accounts.values():
        if can_code_interviews(user.role_enum):
            ProjectMember.objects.get_or_create(project=project, user=user)
    if exchange.cases:
        repairs.append(
            f"{len(exchange.cases)} cases and their variables were not imported: "
            "Buoy's cases are families' records, opened by a worker, not imported"
        )
    record(
        actor=actor,
        action="coding.project.imported",
        subject=project,
        context={"documents": len(sources), "codes": len(codes), "segments": len(segments)},
    )
    return RefiImport(project, len(sources), len(codes), len(segments), memos, repairs)


def _read_exchange(filename: str, data: bytes) -> tuple[QdaProject, list[str]]:
    """The file as a REFI-QDA project (a codebook is a project with codes only) and the
    repairs made reading it; InvalidInput naming the file when it cannot be read."""
    try:
        if filename.lower().endswith(".qdc"):
            book = read_codebook(data, filename)
            return QdaProject(name=Path(filename).stem, codes=book.codes), list(book.repairs)
        found = read_project(data, filename)
        return found.project, list(found.repairs)
    except RefiError as error:
        raise InvalidInput({"file": [str(error)]}) from None


def _import_codes(project: Project, roots: list[QdaCode]) -> dict[str, Code]:
    """The file's code tree as the project's codebook, in the file's order: GUID → code."""
    codes: dict[str, Code] = {}
    position = 0

    def add(node: QdaCode, parent: Code | None) -> None:
        nonlocal position
        position += 1
        codes[node.guid] = Code.objects.create(
            project=project,
            parent=parent,
            guid=node.guid.strip("{}"),
            name_en=node.name[:200],
            definition_en=node.description,
            colour=(node.color or "")[:7],
            codable=node.is_codable,
            position=position,
        )
        for child in node.children:
            add(child, codes[node.guid])

    for root in roots:
        add(root, None)
    return codes


def _import_sources(
    project: Project,
    exchange: QdaProject,
    filename: str,
    actor: User | None,
    coders: _Coders,
    repairs: list[str],
) -> dict[str, tuple[Transcript, Any]]:
    """Each source as a transcript (NFC, indexed): GUID → (transcript, position mover)."""
    sources: dict[str, tuple[Transcript, Any]] = {}
    for source in exchange.sources:
        text, moved = _nfc_offsets(source.text)
        if text != source.text:
            repairs.append(f"{source.name}: text normalised to NFC; positions moved with it")
        creator = coders.of(source.creator_guid) if source.creator_guid else actor
        transcript = Transcript.objects.create(
            project=project,
            guid=_unused_guid(Transcript, source.guid),
            title=(source.name or filename)[:200],
            text=text,
            length=len(text),
            source_format="refi",
            source_filename=filename[:255],
            created_by=creator,
            **({"created_at": source.created} if source.created else {}),
        )
        _index(transcript)
        sources[source.guid] = (transcript, moved)
    return sources


def _import_codings(
    exchange: QdaProject,
    sources: dict[str, tuple[Transcript, Any]],
    codes: dict[str, Code],
    coders: _Coders,
) -> dict[str, CodedSegment]:
    """Each coding as a coded segment by its coder's account: GUID → segment."""
    segments: dict[str, CodedSegment] = {}
    for coding in exchange.codings:
        transcript, moved = sources[coding.source_guid]
        segments[coding.guid] = CodedSegment.objects.create(
            transcript=transcript,
            code=codes[coding.code_guid],
            coder=coders.of(coding.coder_guid),
            guid=_unused_guid(CodedSegment, coding.guid),
            start=moved(coding.start),
            end=moved(coding.end),
            origin="import",
            **({"created_at": coding.created} if coding.created else {}),
        )
    return segments


def _import_notes(
    project: Project,
    exchange: QdaProject,
    segments: dict[str, CodedSegment],
    codes: dict[str, Code],
    sources: dict[str, tuple[Transcript, Any]],
    coders: _Coders,
) -> int:
    """Each note as a memo on what it names (a coding, a code or a source, the last one
    named winning), or on the project; returns how many."""
    memos = 0
    for note in exchange.notes:
        target: dict[str, Any] = {}
        author = coders.of(note.creator_guid)
        for guid in note.target_guids:
            if guid in segments:
                target = {"segment": segments[guid]}
            elif guid in codes:
                target = {"code": codes[guid]}
            elif guid in sources:
                target = {"transcript": sources[guid][0]}
        Memo.objects.create(
            project=project,
            guid=_unused_guid(Memo, note.guid),
            author=author,
            title=note.name[:200],
            text=note.text,
            **target,
        )
        memos += 1
    return memos
