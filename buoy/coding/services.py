"""Writes about interviews and coding: permission, validation, save and audit in one
transaction. The coding screen, the API and `buoy qda` call these.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from buoy.access.domain.roles import (
    can_code_interviews,
    can_edit_department_codebook,
    can_start_research_projects,
)
from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Caregiver, Case, ConsentRecord, ConsentScope
from buoy.cases.selectors import require_case_access
from buoy.coding.domain.codebook import CodebookNode, bundled_codebook, walk
from buoy.coding.domain.redaction import (
    RedactedText,
    RedactionSuggestion,
    Replacement,
    apply_redactions,
    with_speaker_labels,
)
from buoy.coding.domain.refi import QdaCode, QdaProject, RefiError, read_codebook, read_project
from buoy.coding.domain.sentences import split_sentences
from buoy.coding.domain.suggestions import train as train_model
from buoy.coding.domain.transcripts import (
    ParsedTranscript,
    TranscriptError,
    find_speaker_labels,
    find_speaker_turns,
    normalise_text,
    read_pasted_text,
    read_transcript,
)
from buoy.coding.domain.transcripts import SpeakerTurn as ParsedSpeakerTurn
from buoy.coding.domain.words import index_text
from buoy.coding.models import (
    Code,
    CodedSegment,
    CodingAction,
    Memo,
    Passage,
    Project,
    ProjectKind,
    ProjectMember,
    SpeakerTurn,
    SuggestionModelRecord,
    Transcript,
)
from buoy.coding.selectors import (
    AutoMatch,
    case_pseudonyms,
    is_member,
    may_read_transcript,
    names_in_case,
    training_examples,
    transcripts_visible_to,
)
from buoy.core.errors import Forbidden, InvalidInput, NotFound

CASEWORK_PROJECT = "Casework"


# --- projects ------------------------------------------------------------------------------


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
        user.__dict__.pop("_coding_memberships", None)
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
    user.__dict__.pop("_coding_memberships", None)  # what `is_member` remembered is stale
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


# --- transcripts ---------------------------------------------------------------------------


@transaction.atomic
def import_transcript(
    *,
    actor: User | None,
    project: Project,
    filename: str,
    data: bytes | None = None,
    pasted: str | None = None,
    case: Case | None = None,
    caregiver: Caregiver | None = None,
    title: str = "",
    interview_date: dt.date | None = None,
    interviewer: str = "",
    timepoint: Any = None,
    consent_recorded: bool = False,
) -> Transcript:
    """Read a file (or pasted text) into a transcript of `project`, with its turns and index.

    A file Buoy cannot read raises InvalidInput naming the file and why; nothing is saved.
    """
    if actor is not None:
        _require_coder(actor, project)
        if case is not None:
            require_case_access(actor, case)
    try:
        parsed: ParsedTranscript = (
            read_pasted_text(pasted)
            if pasted is not None
            else read_transcript(filename, data or b"")
        )
    except TranscriptError as error:
        raise InvalidInput({"file": [str(error)]}) from None
    if case is not None and caregiver is None:
        # the interview is taken to be with the primary caregiver unless the caller says whom
        caregiver = case.caregivers.order_by("-is_primary", "pk").first()
    if caregiver is not None and (case is None or caregiver.case_id != case.pk):
        raise InvalidInput({"caregiver": [_("Choose a caregiver of this case.")]})
    transcript = Transcript.objects.create(
        project=project,
        case=case,
        caregiver=caregiver,
        title=(title or filename or _("Pasted transcript")).strip()[:200],
        text=parsed.text,
        length=len(parsed.text),
        source_format=parsed.format,
        source_encoding=parsed.encoding or "",
        source_filename=filename[:255],
        interview_date=interview_date,
        interviewer=interviewer,
        timepoint=timepoint,
        consent_recorded=consent_recorded,
        created_by=actor,
    )
    _index(transcript, parsed)
    record(
        actor=actor,
        action="coding.transcript.imported",
        subject=transcript,
        context={"project": project.pk, "format": parsed.format, "length": transcript.length},
    )
    return transcript


def _index(transcript: Transcript, parsed: ParsedTranscript | None = None) -> None:
    """Speaker turns and passages (sentences with their words) for search and suggestions."""
    text = transcript.text
    if parsed is not None:
        SpeakerTurn.objects.bulk_create(
            SpeakerTurn(transcript=transcript, start=t.start, end=t.end, speaker=t.speaker[:60])
            for t in parsed.turns
        )
    Passage.objects.bulk_create(
        (
            Passage(
                transcript=transcript,
                start=span.start,
                end=span.end,
                words=index_text(text[span.start : span.end]),
            )
            for span in split_sentences(text)
        ),
        batch_size=500,
    )


# --- coding --------------------------------------------------------------------------------


def _check_span(transcript: Transcript, start: Any, end: Any) -> tuple[int, int]:
    try:
        start_at, end_at = int(start), int(end)
    except (TypeError, ValueError):
        raise InvalidInput(
            {
                "start": [
                    _("Positions must be whole numbers (got %(start)r, %(end)r).")
                    % {"start": start, "end": end}
                ]
            }
        ) from None
    if not 0 <= start_at < end_at <= transcript.length:
        raise InvalidInput(
            {
                "start": [
                    _(
                        "The selection %(start)s–%(end)s is outside the transcript "
                        "(0–%(length)s characters) or empty."
                    )
                    % {"start": start_at, "end": end_at, "length": transcript.length}
                ]
            }
        )
    return start_at, end_at


def _codable(project: Project, code_ids: Sequence[Any]) -> list[Code]:
    if not code_ids:
        raise InvalidInput({"codes": [_("Choose at least one code.")]})
    try:
        wanted = [int(code_id) for code_id in code_ids]
    except (TypeError, ValueError):
        raise InvalidInput({"codes": [_("Codes are given by their numbers.")]}) from None
    codes = {code.pk: code for code in Code.objects.filter(project=project, pk__in=wanted)}
    missing = [code_id for code_id in wanted if code_id not in codes]
    if missing:
        raise InvalidInput(
            {
                "codes": [
                    _("No code %(ids)s in this project.") % {"ids": ", ".join(map(str, missing))}
                ]
            }
        )
    result = []
    for code_id in dict.fromkeys(wanted):
        code = codes[code_id]
        if code.merged_into_id is not None:
            code = Code.objects.get(pk=code.merged_into_id)
        if not code.codable:
            raise InvalidInput(
                {"codes": [_("“%(name)s” is a category, not a code to apply.") % {"name": code}]}
            )
        result.append(code)
    return result


@transaction.atomic
def apply_codes(
    *,
    actor: User,
    transcript: Transcript,
    code_ids: Sequence[Any],
    start: Any,
    end: Any,
    origin: str = "manual",
) -> list[CodedSegment]:
    """Apply one or more codes to [start, end) of a transcript, as one undoable action.

    Costs the same whatever the transcript's length: only its stored length is read.
    """
    project = transcript.project
    _require_coder(actor, project)
    start_at, end_at = _check_span(transcript, start, end)
    codes = _codable(project, code_ids)
    segments = [
        CodedSegment.objects.create(
            transcript=transcript, code=code, coder=actor, start=start_at, end=end_at, origin=origin
        )
        for code in codes
    ]
    CodingAction.objects.create(
        project=project, actor=actor, kind="applied", segment_ids=[s.pk for s in segments]
    )
    for segment in segments:
        record(
            actor=actor,
            action="coding.segment.applied",
            subject=segment,
            context={"transcript": transcript.pk, "code": segment.code_id},
        )
    return segments


@transaction.atomic
def remove_segment(*, actor: User, segment: CodedSegment) -> None:
    """Take a code off a selection; the row stays, marked removed, and can be undone."""
    project = segment.transcript.project
    _require_coder(actor, project)
    if segment.removed_at is not None:
        return
    segment.removed_at = timezone.now()
    segment.removed_by = actor
    segment.save(update_fields=["removed_at", "removed_by"])
    CodingAction.objects.create(
        project=project, actor=actor, kind="removed", segment_ids=[segment.pk]
    )
    record(actor=actor, action="coding.segment.removed", subject=segment)


@transaction.atomic
def undo_last(*, actor: User, project: Project) -> CodingAction | None:
    """Undo the actor's most recent coding action in the project; None when nothing is left."""
    _require_coder(actor, project)
    action = (
        CodingAction.objects.select_for_update()
        .filter(project=project, actor=actor, undone_at__isnull=True)
        .order_by("-pk")
        .first()
    )
    if action is None:
        return None
    segments = CodedSegment.objects.filter(pk__in=action.segment_ids)
    if action.kind == "applied":
        segments.update(removed_at=timezone.now(), removed_by=actor)
    else:
        segments.update(removed_at=None, removed_by=None)
    action.undone_at = timezone.now()
    action.save(update_fields=["undone_at"])
    record(
        actor=actor,
        action="coding.action.undone",
        subject=project,
        context={"kind": action.kind, "segments": len(action.segment_ids)},
    )
    return action


# --- memos ---------------------------------------------------------------------------------


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


# --- codebook ------------------------------------------------------------------------------


def _require_codebook_editor(actor: User | None, project: Project) -> None:
    """Members edit a research project's codebook; the department's casework codebook is
    kept by supervisors and administrators. Each edit makes a new codebook version."""
    if actor is not None:
        if project.kind == ProjectKind.CASEWORK:
            if not can_edit_department_codebook(actor.role_enum):
                raise Forbidden()
        else:
            _require_coder(actor, project)
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


# --- REFI-QDA import -----------------------------------------------------------------------


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


@transaction.atomic
def import_refi(
    *, actor: User | None, filename: str, data: bytes, project_name: str | None = None
) -> RefiImport:
    """Import a REFI-QDA project (.qdpx) or codebook (.qdc) as a new research project.

    All or nothing: a file that cannot be read raises InvalidInput naming the file and the
    reason, and nothing is saved. Repairs made to a tolerable file are returned.
    """
    is_codebook = filename.lower().endswith(".qdc")
    try:
        if is_codebook:
            book = read_codebook(data, filename)
            exchange = QdaProject(name=Path(filename).stem, codes=book.codes)
            repairs = list(book.repairs)
        else:
            found = read_project(data, filename)
            exchange, repairs = found.project, list(found.repairs)
    except RefiError as error:
        raise InvalidInput({"file": [str(error)]}) from None
    name = (project_name or exchange.name or Path(filename).stem).strip()
    project = start_project(actor=actor, name=name, description=exchange.description, codebook=None)
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

    for root in exchange.codes:
        add(root, None)
    coders: dict[str, User] = {}
    names = {user.guid: user.name or user.guid for user in exchange.users}
    sources: dict[str, tuple[Transcript, Any]] = {}
    for source in exchange.sources:
        text, moved = _nfc_offsets(source.text)
        if text != source.text:
            repairs.append(f"{source.name}: text normalised to NFC; positions moved with it")
        creator = (
            _coder_for(names.get(source.creator_guid, source.creator_guid), coders)
            if source.creator_guid
            else actor
        )
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
    segments: dict[str, CodedSegment] = {}
    for coding in exchange.codings:
        transcript, moved = sources[coding.source_guid]
        coder = _coder_for(names.get(coding.coder_guid or "", coding.coder_guid or ""), coders)
        segments[coding.guid] = CodedSegment.objects.create(
            transcript=transcript,
            code=codes[coding.code_guid],
            coder=coder,
            guid=_unused_guid(CodedSegment, coding.guid),
            start=moved(coding.start),
            end=moved(coding.end),
            origin="import",
            **({"created_at": coding.created} if coding.created else {}),
        )
    memos = 0
    for note in exchange.notes:
        author = _coder_for(names.get(note.creator_guid or "", note.creator_guid or ""), coders)
        target: dict[str, Any] = {}
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
    for user in coders.values():
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


# --- de-identified copies for research ------------------------------------------------------


def _has_research_consent(case: Case) -> bool:
    return ConsentRecord.objects.filter(
        case=case, scope=ConsentScope.RESEARCH, withdrawn_on__isnull=True
    ).exists()


def _deidentified_title(copy: Transcript, pseudonym: str) -> str:
    """A copy's title, such as "case-1 · interview · Baseline (de-identified)".

    It holds the case's pseudonym in the project, the interview's number among the case's
    copies there (from the second on) and its timepoint, and nothing of the original's
    title, which often names the family.
    """
    number = (
        Transcript.objects.filter(project=copy.project, case=copy.case, is_deidentified=True)
        .filter(pk__lt=copy.pk)
        .count()
        + 1
    )
    timepoint = copy.timepoint.label(get_language() or "en") if copy.timepoint else ""
    if number == 1 and timepoint:
        title = _("%(case)s · interview · %(timepoint)s (de-identified)")
    elif number == 1:
        title = _("%(case)s · interview (de-identified)")
    elif timepoint:
        title = _("%(case)s · interview %(number)s · %(timepoint)s (de-identified)")
    else:
        title = _("%(case)s · interview %(number)s (de-identified)")
    return (title % {"case": pseudonym, "number": number, "timepoint": timepoint})[:200]


def _copied_turns(original: str, redacted: RedactedText) -> tuple[ParsedSpeakerTurn, ...]:
    """The original's speaker turns at their places in the copy, each speaker read from the
    copy's own text, so a label that named someone reads as its placeholder."""
    turns = []
    for turn, (label_start, label_end) in zip(
        find_speaker_turns(original), find_speaker_labels(original), strict=True
    ):
        start, end = redacted.map_span(turn.start, turn.end)
        label = redacted.text[
            redacted.map_offset(label_start, side="start") : redacted.map_offset(
                label_end, side="end"
            )
        ]
        turns.append(ParsedSpeakerTurn(start=start, end=end, speaker=" ".join(label.split())))
    return tuple(turns)


@transaction.atomic
def make_deidentified_copy(
    *,
    actor: User,
    transcript: Transcript,
    project: Project,
    accepted: Sequence[RedactionSuggestion | Replacement],
    carry_codings: bool = False,
) -> Transcript:
    """A research copy of a case transcript with the stretches a person confirmed replaced.

    The person must read the original (case access), be a member of the research project,
    and the case must hold a research consent that was not withdrawn. The original is never
    changed. With `carry_codings`, current segments move to the copy through the offset map,
    onto the project's code with the same label (or English name); others are left out.

    Every field of the copy is redacted or replaced, because researchers read all of them:
    the title becomes the case's pseudonym, interview number and timepoint
    (`_deidentified_title`); the text has the confirmed stretches replaced, and inside
    speaker labels also the case's names and any name found there (`with_speaker_labels`),
    so no turn is spoken by a name; the interview date, interviewer, file name and encoding
    are left blank (the timepoint says when); memos are not carried (they are free text no
    one confirmed).
    """
    _require_coder(actor, project)
    if project.kind != ProjectKind.RESEARCH:
        raise InvalidInput({"project": [_("A de-identified copy goes to a research project.")]})
    if transcript.is_deidentified:
        raise InvalidInput({"": [_("This transcript is already a de-identified copy.")]})
    if transcript.case is None:
        raise InvalidInput(
            {"": [_("The case has no research consent (or it was withdrawn): no copy is made.")]}
        )
    require_case_access(actor, transcript.case)
    if not _has_research_consent(transcript.case):
        raise InvalidInput(
            {"": [_("The case has no research consent (or it was withdrawn): no copy is made.")]}
        )
    # one copy into a project at a time, so two copies never take the same case pseudonym
    Project.objects.select_for_update().filter(pk=project.pk).first()
    try:
        replaced = with_speaker_labels(
            transcript.text,
            accepted,
            find_speaker_labels(transcript.text),
            names_in_case(transcript.case),
        )
        redacted = apply_redactions(transcript.text, replaced)
    except ValueError as error:
        raise InvalidInput({"redactions": [str(error)]}) from None
    copy = Transcript.objects.create(
        project=project,
        case=transcript.case,
        caregiver=transcript.caregiver,
        title="(de-identified)",  # replaced below, once the copy has its pseudonym and number
        text=redacted.text,
        length=len(redacted.text),
        source_format="redacted",
        timepoint=transcript.timepoint,
        consent_recorded=transcript.consent_recorded,
        is_deidentified=True,
        deidentified_from=transcript,
        created_by=actor,
    )
    pseudonym = case_pseudonyms(project.transcripts.all())[transcript.case.pk]
    copy.title = _deidentified_title(copy, pseudonym)
    copy.save(update_fields=["title"])
    _index(
        copy,
        ParsedTranscript(
            text=redacted.text,
            format="redacted",
            encoding=None,
            turns=_copied_turns(transcript.text, redacted),
            notes=(),
        ),
    )
    carried = skipped = 0
    if carry_codings:
        by_label = {c.label: c for c in project.codes.active().exclude(label="")}
        by_name = {c.name_en: c for c in project.codes.active()}
        for segment in (
            CodedSegment.objects.current().filter(transcript=transcript).select_related("code")
        ):
            target = by_label.get(segment.code.label) or by_name.get(segment.code.name_en)
            start, end = redacted.map_span(segment.start, segment.end)
            if target is None or not target.codable or start >= end:
                skipped += 1
                continue
            CodedSegment.objects.create(
                transcript=copy,
                code=target,
                coder_id=segment.coder_id,
                start=start,
                end=end,
                origin="carried",
            )
            carried += 1
    kinds: dict[str, int] = {}
    for item in accepted:
        kind = getattr(item, "kind", "custom")
        kinds[kind] = kinds.get(kind, 0) + 1
    record(
        actor=actor,
        action="coding.transcript.deidentified",
        subject=copy,
        context={
            "original": transcript.pk,
            "project": project.pk,
            "redactions": kinds,
            "codings_carried": carried,
            "codings_left_out": skipped,
        },
    )
    return copy


# --- auto-coding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AutocodingResult:
    """What `apply_autocoding` did: the one action to undo, segments made and matches skipped
    because the actor had already coded exactly that stretch with the code."""

    action: CodingAction | None
    applied: int
    skipped: int
    transcripts: int


@transaction.atomic
def apply_autocoding(
    *, actor: User, project: Project, code_id: Any, matches: Sequence[AutoMatch]
) -> AutocodingResult:
    """Apply one code to every match of an auto-coding preview, as one undoable action.

    The matches come from `selectors.autocoding_preview`, possibly across transcripts; each
    transcript must be one the actor may read in this project. A match the actor has already
    coded with this code (or a code merged into it), or listed twice, is skipped and counted.
    """
    _require_coder(actor, project)
    (code,) = _codable(project, [code_id])
    if not matches:
        raise InvalidInput({"pattern": [_("Nothing matched: there is nothing to apply.")]})
    wanted = {match.transcript.pk for match in matches}
    visible = transcripts_visible_to(actor).filter(project=project, pk__in=wanted)
    if set(visible.values_list("pk", flat=True)) != wanted:
        raise NotFound()
    same_code = [code.pk, *Code.objects.filter(merged_into=code).values_list("pk", flat=True)]
    seen = set(
        CodedSegment.objects.current()
        .filter(transcript_id__in=wanted, code_id__in=same_code, coder=actor)
        .values_list("transcript_id", "start", "end")
    )
    fresh: list[CodedSegment] = []
    skipped = 0
    for match in matches:
        key = (match.transcript.pk, match.start, match.end)
        if key in seen:
            skipped += 1
            continue
        seen.add(key)
        start, end = _check_span(match.transcript, match.start, match.end)
        fresh.append(
            CodedSegment(
                transcript=match.transcript,
                code=code,
                coder=actor,
                start=start,
                end=end,
                origin="auto",
            )
        )
    if not fresh:
        return AutocodingResult(None, 0, skipped, 0)
    segments = CodedSegment.objects.bulk_create(fresh, batch_size=500)
    ids = [segment.pk for segment in segments]  # both engines return keys from bulk inserts
    action = CodingAction.objects.create(
        project=project, actor=actor, kind="applied", segment_ids=ids
    )
    per_transcript: dict[int, int] = {}
    for segment in segments:
        per_transcript[segment.transcript_id] = per_transcript.get(segment.transcript_id, 0) + 1
    by_pk = {match.transcript.pk: match.transcript for match in matches}
    for transcript_id, count in sorted(per_transcript.items()):
        record(
            actor=actor,
            action="coding.segment.auto_applied",
            subject=by_pk[transcript_id],
            context={"code": code.pk, "segments": count, "origin": "auto", "action": action.pk},
        )
    return AutocodingResult(action, len(ids), skipped, len(per_transcript))


# --- learned suggestions -------------------------------------------------------------------

SUGGESTION_MIN_EXAMPLES = 5


def train_suggestions(*, actor: User, project: Project) -> SuggestionModelRecord:
    """Train the project's code-suggestion model on the coded segments the actor may read.

    Learning takes seconds and runs outside the transaction; storing it, dropping the bytes
    of the models it replaces and the audit event are one transaction. Too little coded text
    raises InvalidInput.
    """
    _require_coder(actor, project)
    examples, transcript_ids = training_examples(actor, project)
    try:
        model = train_model(examples, min_examples_per_code=SUGGESTION_MIN_EXAMPLES)
    except ValueError:
        raise InvalidInput(
            {
                "": [
                    _(
                        "There is not enough coded text to learn from yet: a code needs at "
                        "least %(n)s coded segments (and some text coded otherwise)."
                    )
                    % {"n": SUGGESTION_MIN_EXAMPLES}
                ]
            }
        ) from None
    with transaction.atomic():
        SuggestionModelRecord.objects.filter(project=project).update(data=b"")
        stored = SuggestionModelRecord.objects.create(
            project=project,
            trained_by=actor,
            n_examples=model.n_examples,
            quality={
                code: {"precision": q.precision, "recall": q.recall, "support": q.support}
                for code, q in model.quality.items()
            },
            skipped=model.skipped_codes,
            data=model.to_bytes(),
        )
        record(
            actor=actor,
            action="coding.suggestions.trained",
            subject=project,
            context={
                "model": stored.pk,
                "examples": model.n_examples,
                "codes": len(model.codes),
                "transcripts": transcript_ids,
            },
        )
    return stored


def accept_suggestion(
    *, actor: User, transcript: Transcript, code_id: Any, start: Any, end: Any
) -> list[CodedSegment]:
    """A person accepts a suggested code: it is applied like any coding, marked "suggestion"."""
    if not may_read_transcript(actor, transcript):
        raise NotFound()
    return apply_codes(
        actor=actor,
        transcript=transcript,
        code_ids=[code_id],
        start=start,
        end=end,
        origin="suggestion",
    )
