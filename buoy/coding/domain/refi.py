"""REFI-QDA exchange (QDA-XML 1.0): codebooks (.qdc) and projects (.qdpx), in plain Python.

REFI-QDA is the standard that qualitative-analysis programs (QualCoder, NVivo, ATLAS.ti,
MAXQDA, Taguette's codebook export) use to hand a codebook, or a whole coded project, to one
another. This module turns such files into plain dataclasses and back; it knows nothing of
Buoy's models or database (services map these classes onto them).

* A **codebook** (``.qdc``) is an XML ``CodeBook`` of nested ``Code`` elements.
* A **project** (``.qdpx``) is a zip archive of ``project.qde`` (XML) and a ``sources/`` folder
  holding each text as ``sources/<guid>.txt``; the XML says which passages (start and end
  positions) of which text were coded with which code, by whom, and holds memos (``Note``).

Positions are Python string indices: code points of the source text, end exclusive, as the
standard says and as QualCoder counts them (after removing a byte-order mark). Buoy stores
NFC-normalised text; normalising is the caller's job, before offsets are taken, because it can
change the length of a text.

**Exports are strict**: :func:`write_codebook` and :func:`write_project` refuse (``ValueError``)
anything the published schemas (``Codebook.xsd``, ``Project.xsd``) would reject;
:func:`export_problems` lists those problems first, in words, for a page to show.

**Imports are tolerant**: files from other programs are often invalid. :func:`read_codebook`
and :func:`read_project` repair what can be repaired (Taguette's ``parent/child`` names, empty
``<Sets/>``, byte-order marks, missing or duplicate GUIDs, odd colours, selections outside the
text, positions counted in UTF-8 bytes, ...) and say so, one sentence per repair, in
``repairs``. A file that cannot be read at all raises :class:`RefiError` and yields nothing.

Memos: REFI-QDA attaches a ``Note`` to a code, a source or a coding with a ``NoteRef`` inside
that element. A case cannot hold a ``NoteRef`` in the schema, so a memo about a case (or about
anything else without ``NoteRef``) is written as a ``Link`` from the note to it, and read back
the same way.
"""

from __future__ import annotations

import io
import itertools
import posixpath
import re
import urllib.parse
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from lxml import etree

PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"
CODEBOOK_NAMESPACE = "urn:QDA-XML:codebook:1.0"
ORIGIN = "Buoy"
VARIABLE_TYPES = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")

# An archive larger than this is refused before anything is decompressed (zip bombs).
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024
MAX_MEMBER_BYTES = 256 * 1024 * 1024

_GUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}"
)
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_SHORT_COLOUR = re.compile(r"#?([0-9A-Fa-f])([0-9A-Fa-f])([0-9A-Fa-f])")
_BARE_COLOUR = re.compile(r"[0-9A-Fa-f]{6}")
# Characters XML 1.0 cannot carry at all, even escaped (and lone surrogates, which UTF-8 cannot).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"(-?[0-9]{4,}-[0-9]{2}-[0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?")
_DATE_TIME = re.compile(
    r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)
_BOOLEANS = ("true", "false", "1", "0")
_UTF8_BOM = b"\xef\xbb\xbf"

# GUIDs Buoy derives (selections, links, categories made from "parent/child" names) are
# UUID5s in this namespace, so the same input always gives the same file and the same import.
_BUOY_NAMESPACE = uuid.UUID("3ea35653-0aa5-4408-9862-2a31d2ab493e")


# --- the exchange project, in plain values --------------------------------------------------


@dataclass
class QdaUser:
    """A person who coded or wrote something in the exchanged project (a coder)."""

    guid: str
    name: str = ""


@dataclass
class QdaCode:
    """A code of the codebook; `children` are its sub-codes (the hierarchy is the nesting).

    A code that is not codable (``is_codable=False``) is a category: it only groups sub-codes.
    `color` is ``#RRGGBB`` or None.
    """

    guid: str
    name: str
    is_codable: bool = True
    color: str | None = None
    description: str = ""
    children: list[QdaCode] = field(default_factory=list)


@dataclass
class QdaVariable:
    """A case attribute, e.g. "relationship to the child"; `type_name` is one of
    :data:`VARIABLE_TYPES`."""

    guid: str
    name: str
    type_name: str = "Text"
    description: str = ""


@dataclass
class QdaCase:
    """A case (in Buoy, usually a family): its attribute values and the sources about it.

    `values` maps a variable's GUID to the value as text in XML Schema form (``true``, ``12``,
    ``3.5``, ``2026-01-15``, ``2026-01-15T10:30:00+08:00``).
    """

    guid: str
    name: str
    description: str = ""
    values: dict[str, str] = field(default_factory=dict)
    source_guids: list[str] = field(default_factory=list)


@dataclass
class QdaSource:
    """A plain-text source: a transcript or field note."""

    guid: str
    name: str
    text: str
    creator_guid: str | None = None
    created: datetime | None = None
    description: str = ""


@dataclass
class QdaCoding:
    """One code applied to one passage: characters `start` to `end` (code points, end
    exclusive) of the source's text, by the coder `coder_guid`."""

    guid: str
    source_guid: str
    start: int
    end: int
    code_guid: str
    coder_guid: str | None = None
    created: datetime | None = None


@dataclass
class QdaNote:
    """A memo; `target_guids` are what it is about (codes, sources, codings, cases...).

    After an import the targets come in the project's order: codes, sources, codings, cases,
    users, variables, notes.
    """

    guid: str
    name: str
    text: str
    creator_guid: str | None = None
    created: datetime | None = None
    target_guids: list[str] = field(default_factory=list)


@dataclass
class QdaProject:
    """A whole exchanged project. `codes` are the codebook's top-level codes.

    After an import, `codings` come in source order, then by position (start, end).
    """

    name: str
    users: list[QdaUser] = field(default_factory=list)
    codes: list[QdaCode] = field(default_factory=list)
    variables: list[QdaVariable] = field(default_factory=list)
    cases: list[QdaCase] = field(default_factory=list)
    sources: list[QdaSource] = field(default_factory=list)
    codings: list[QdaCoding] = field(default_factory=list)
    notes: list[QdaNote] = field(default_factory=list)
    description: str = ""


@dataclass
class CodebookImport:
    """What :func:`read_codebook` found: the top-level codes and every repair, in words."""

    codes: list[QdaCode]
    repairs: list[str]


@dataclass
class ProjectImport:
    """What :func:`read_project` found: the project and every repair, in words."""

    project: QdaProject
    repairs: list[str]


class RefiError(Exception):
    """A file that cannot be imported at all; nothing of it was imported.

    `filename` is the file's name as the user gave it, `reason` a sentence for them.
    """

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"Cannot import {filename}: {reason}")
        self.filename = filename
        self.reason = reason


def walk_codes(codes: Sequence[QdaCode]) -> Iterator[QdaCode]:
    """Every code of a tree, parents before their children, in order."""
    for code in codes:
        yield code
        yield from walk_codes(code.children)


# --- export ---------------------------------------------------------------------------------


def codebook_problems(codes: Sequence[QdaCode]) -> list[str]:
    """Why these codes cannot be written as a valid codebook; empty when they can."""
    checker = _ExportChecker()
    if not codes:
        checker.problems.append("A codebook needs at least one code.")
    checker.codes(codes)
    return checker.problems


def export_problems(project: QdaProject) -> list[str]:
    """Why this project cannot be written as a valid ``.qdpx``; empty when it can.

    Checks what the schema checks (GUIDs, colours, variable types and values, text XML can
    hold) and what it cannot (GUIDs used twice, references to nothing, codings outside their
    source's text).
    """
    checker = _ExportChecker()
    checker.text("the project's name", project.name)
    checker.text("the project's description", project.description)
    for user in project.users:
        checker.claim(user.guid, f'user "{user.name}"')
        checker.text(f'user "{user.name}"', user.name)
    checker.codes(project.codes)
    variables = {}
    for variable in project.variables:
        what = f'variable "{variable.name}"'
        checker.claim(variable.guid, what)
        checker.text(what, variable.name, variable.description)
        if variable.type_name not in VARIABLE_TYPES:
            checker.problems.append(
                f"{what}: type {variable.type_name!r} is not one of {', '.join(VARIABLE_TYPES)}."
            )
        variables[_key(variable.guid)] = variable
    sources = {}
    for source in project.sources:
        what = f'source "{source.name}"'
        checker.claim(source.guid, what)
        checker.text(what, source.name, source.description)
        if _has_surrogates(source.text):
            checker.problems.append(f"{what}: its text holds characters UTF-8 cannot encode.")
        sources[_key(source.guid)] = source
    for case in project.cases:
        what = f'case "{case.name}"'
        checker.claim(case.guid, what)
        checker.text(what, case.name, case.description)
        for variable_guid, value in case.values.items():
            found = variables.get(_key(variable_guid))
            if found is None:
                checker.problems.append(f"{what}: a value for an unknown variable {variable_guid}.")
            elif found.type_name in VARIABLE_TYPES and not _valid_value(found.type_name, value):
                checker.problems.append(
                    f'{what}: {value!r} is not a valid {found.type_name} for "{found.name}".'
                )
            checker.text(what, value)
        for source_guid in case.source_guids:
            if _key(source_guid) not in sources:
                checker.problems.append(f"{what}: refers to an unknown source {source_guid}.")
    codes = {_key(code.guid) for code in walk_codes(project.codes)}
    for coding in project.codings:
        what = f"coding {coding.guid}"
        checker.claim(coding.guid, what)
        coded = sources.get(_key(coding.source_guid))
        if coded is None:
            checker.problems.append(f"{what}: refers to an unknown source {coding.source_guid}.")
        elif not 0 <= coding.start < coding.end <= len(coded.text):
            checker.problems.append(
                f"{what}: characters {coding.start}..{coding.end} are not inside the "
                f'{len(coded.text)} characters of "{coded.name}".'
            )
        if _key(coding.code_guid) not in codes:
            checker.problems.append(f"{what}: refers to an unknown code {coding.code_guid}.")
    for note in project.notes:
        what = f'note "{note.name}"'
        checker.claim(note.guid, what)
        checker.text(what, note.name, note.text)
    # References last: a note may be about anything claimed above, including another note.
    users = {_key(user.guid) for user in project.users}
    creators: list[tuple[str, str | None]] = [
        *((f'source "{s.name}"', s.creator_guid) for s in project.sources),
        *((f"coding {c.guid}", c.coder_guid) for c in project.codings),
        *((f'note "{n.name}"', n.creator_guid) for n in project.notes),
    ]
    for what, user_guid in creators:
        if user_guid is not None and _key(user_guid) not in users:
            checker.problems.append(f"{what}: its user {user_guid} is not in the project's users.")
    for note in project.notes:
        for target in note.target_guids:
            if _key(target) not in checker.seen:
                checker.problems.append(f'note "{note.name}": is about an unknown object {target}.')
    return checker.problems


def write_codebook(codes: Sequence[QdaCode], *, origin: str = ORIGIN) -> bytes:
    """The codes (with their sub-codes) as a valid REFI-QDA codebook (``.qdc``), UTF-8 XML.

    The schema's ``CodeBook`` has no name: the codebook is named by its file name, which the
    caller chooses. Raises ``ValueError`` listing :func:`codebook_problems` when there are any.
    """
    problems = codebook_problems(codes)
    if problems:
        raise ValueError("Cannot export the codebook: " + " ".join(problems))
    root = etree.Element(f"{{{CODEBOOK_NAMESPACE}}}CodeBook", nsmap={None: CODEBOOK_NAMESPACE})
    root.set("origin", origin)
    parent = _add(root, "Codes")
    for code in codes:
        _write_code(parent, code, {})
    return _serialise(root)


def write_project(project: QdaProject, *, origin: str = ORIGIN) -> bytes:
    """The project as a valid REFI-QDA project archive (``.qdpx``).

    The archive holds ``project.qde`` and each source's text as ``sources/<guid>.txt`` (UTF-8,
    no byte-order mark), referred to as ``internal://<guid>.txt``. Codings of the same passage
    share one ``PlainTextSelection``. Empty optional parts (users, variables...) are left out,
    as the schema requires. The same project always gives the same bytes. Raises
    ``ValueError`` listing :func:`export_problems` when there are any.
    """
    problems = export_problems(project)
    if problems:
        raise ValueError("Cannot export the project: " + " ".join(problems))
    anchored = {_key(code.guid) for code in walk_codes(project.codes)}
    anchored |= {_key(source.guid) for source in project.sources}
    anchored |= {_key(coding.guid) for coding in project.codings}
    # NoteRef where the schema has one (codes, sources, codings); a Link for everything else.
    note_refs: dict[str, list[str]] = {}
    links: list[tuple[str, str]] = []
    for note in project.notes:
        for target in note.target_guids:
            if _key(target) in anchored:
                note_refs.setdefault(_key(target), []).append(note.guid)
            else:
                links.append((note.guid, target))

    root = etree.Element(f"{{{PROJECT_NAMESPACE}}}Project", nsmap={None: PROJECT_NAMESPACE})
    root.set("name", project.name)
    root.set("origin", origin)
    if project.users:
        users = _add(root, "Users")
        for user in project.users:
            _add(users, "User", guid=user.guid, name=user.name or None)
    if project.codes:
        codes = _add(_add(root, "CodeBook"), "Codes")
        for code in project.codes:
            _write_code(codes, code, note_refs)
    if project.variables:
        variables = _add(root, "Variables")
        for variable in project.variables:
            element = _add(
                variables,
                "Variable",
                guid=variable.guid,
                name=variable.name,
                typeOfVariable=variable.type_name,
            )
            if variable.description:
                _add(element, "Description", variable.description)
    if project.cases:
        types = {_key(variable.guid): variable.type_name for variable in project.variables}
        cases = _add(root, "Cases")
        for case in project.cases:
            element = _add(cases, "Case", guid=case.guid, name=case.name or None)
            if case.description:
                _add(element, "Description", case.description)
            for variable_guid, value in case.values.items():
                holder = _add(element, "VariableValue")
                _add(holder, "VariableRef", targetGUID=variable_guid)
                _add(holder, f"{types[_key(variable_guid)]}Value", value)
            for source_guid in case.source_guids:
                _add(element, "SourceRef", targetGUID=source_guid)
    files: list[tuple[str, bytes]] = []
    if project.sources:
        sources = _add(root, "Sources")
        by_source: dict[str, list[QdaCoding]] = {}
        for coding in project.codings:
            by_source.setdefault(_key(coding.source_guid), []).append(coding)
        for source in project.sources:
            file_name = f"{_key(source.guid)}.txt"
            files.append((f"sources/{file_name}", source.text.encode("utf-8")))
            element = _add(
                sources,
                "TextSource",
                guid=source.guid,
                name=source.name,
                plainTextPath=f"internal://{file_name}",
                creatingUser=source.creator_guid,
                creationDateTime=_when(source.created),
            )
            if source.description:
                _add(element, "Description", source.description)
            _write_selections(element, source, by_source.get(_key(source.guid), []), note_refs)
            for note_guid in note_refs.get(_key(source.guid), []):
                _add(element, "NoteRef", targetGUID=note_guid)
    if project.notes:
        notes = _add(root, "Notes")
        for note in project.notes:
            element = _add(
                notes,
                "Note",
                guid=note.guid,
                name=note.name or None,
                creatingUser=note.creator_guid,
                creationDateTime=_when(note.created),
            )
            _add(element, "PlainTextContent", note.text)
    if links:
        holder = _add(root, "Links")
        for note_guid, target in links:
            _add(
                holder,
                "Link",
                guid=_derived("link", note_guid, target),
                direction="OneWay",
                originGUID=note_guid,
                targetGUID=target,
            )
    if project.description:
        _add(root, "Description", project.description)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in [("project.qde", _serialise(root)), *files]:
            # A fixed timestamp, so that the same project gives the same bytes.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


class _ExportChecker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.seen: dict[str, str] = {}

    def claim(self, guid: str, what: str) -> None:
        if not _GUID.fullmatch(guid):
            self.problems.append(f"{what}: {guid!r} is not a GUID.")
        elif _key(guid) in self.seen:
            self.problems.append(
                f"{what}: its GUID {guid} is also used by {self.seen[_key(guid)]}."
            )
        else:
            self.seen[_key(guid)] = what

    def text(self, what: str, *values: str) -> None:
        if any(_NOT_XML.search(value) for value in values):
            self.problems.append(f"{what}: holds control characters that XML cannot carry.")

    def codes(self, codes: Sequence[QdaCode]) -> None:
        for code in walk_codes(codes):
            what = f'code "{code.name}"'
            self.claim(code.guid, what)
            if not code.name.strip():
                self.problems.append(f"code {code.guid}: has no name.")
            if code.color is not None and not _COLOUR.fullmatch(code.color):
                self.problems.append(f"{what}: colour {code.color!r} is not #RRGGBB.")
            self.text(what, code.name, code.description)


def _write_code(parent: Any, code: QdaCode, note_refs: dict[str, list[str]]) -> None:
    element = _add(
        parent,
        "Code",
        guid=code.guid,
        name=code.name,
        isCodable="true" if code.is_codable else "false",
        color=code.color,
    )
    if code.description:
        _add(element, "Description", code.description)
    for note_guid in note_refs.get(_key(code.guid), []):
        _add(element, "NoteRef", targetGUID=note_guid)
    for child in code.children:
        _write_code(element, child, note_refs)


def _write_selections(
    element: Any, source: QdaSource, codings: list[QdaCoding], note_refs: dict[str, list[str]]
) -> None:
    # Stable sort: codings of the same passage stay in the caller's order inside their
    # selection, which is the order they are read back in.
    ordered = sorted(codings, key=lambda coding: (coding.start, coding.end))
    for (start, end), group in itertools.groupby(ordered, key=lambda c: (c.start, c.end)):
        same_passage = list(group)
        # Readers let a coding without a user or date take its selection's, so the selection
        # carries them only when every coding of the passage has the same.
        users = {coding.coder_guid for coding in same_passage}
        dates = {coding.created for coding in same_passage}
        selection = _add(
            element,
            "PlainTextSelection",
            guid=_derived("selection", source.guid, str(start), str(end)),
            startPosition=str(start),
            endPosition=str(end),
            creatingUser=users.pop() if len(users) == 1 else None,
            creationDateTime=_when(dates.pop()) if len(dates) == 1 else None,
        )
        for coding in same_passage:
            holder = _add(
                selection,
                "Coding",
                guid=coding.guid,
                creatingUser=coding.coder_guid,
                creationDateTime=_when(coding.created),
            )
            _add(holder, "CodeRef", targetGUID=coding.code_guid)
            for note_guid in note_refs.get(_key(coding.guid), []):
                _add(holder, "NoteRef", targetGUID=note_guid)


def _add(parent: Any, tag: str, text: str | None = None, /, **attributes: str | None) -> Any:
    """A child in the parent's namespace; attributes that are None are left out."""
    namespace = etree.QName(parent).namespace
    element = etree.SubElement(parent, f"{{{namespace}}}{tag}")
    for attribute, value in attributes.items():
        if value is not None:
            element.set(attribute, value)
    if text is not None:
        element.text = text
    return element


def _serialise(root: Any) -> bytes:
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


def _when(value: datetime | None) -> str | None:
    # datetime.isoformat() is a valid xsd:dateTime: with an offset when the value has one.
    return value.isoformat() if value is not None else None


def _derived(kind: str, *parts: str) -> str:
    return str(uuid.uuid5(_BUOY_NAMESPACE, ":".join([kind, *(_key(p) for p in parts)])))


def _key(guid: str) -> str:
    """GUIDs compare without braces and case (Taguette writes upper case, others lower)."""
    return guid.strip().strip("{}").lower()


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def _valid_value(type_name: str, value: str) -> bool:
    if type_name == "Text":
        return not _NOT_XML.search(value)
    if type_name == "Boolean":
        return value in _BOOLEANS
    if type_name == "Integer":
        return bool(_INTEGER.fullmatch(value))
    if type_name == "Float":
        return bool(_DECIMAL.fullmatch(value))
    if type_name == "Date":
        match = _DATE.fullmatch(value)
        return match is not None and _parses(date.fromisoformat, match.group(1))
    if type_name == "DateTime":
        return bool(_DATE_TIME.fullmatch(value)) and _parses(datetime.fromisoformat, value)
    return False


def _parses(parse: Callable[[str], object], value: str) -> bool:
    # The patterns check the shape; parsing catches impossible dates such as 2026-02-30.
    try:
        parse(value)
    except ValueError:
        return False
    return True


# --- import ---------------------------------------------------------------------------------


def read_codebook(data: bytes, filename: str) -> CodebookImport:
    """Read a REFI-QDA codebook (``.qdc``) tolerantly; raise :class:`RefiError` when it
    cannot be read at all.

    Flat codebooks whose names hold ``parent/child`` (Taguette's sub-codes) become a hierarchy.
    """
    reader = _Reader(filename)
    try:
        if data[:4] == b"PK\x03\x04":
            raise RefiError(
                filename,
                "it is a zip archive (a .qdpx project?), not a .qdc codebook; "
                "import it as a project.",
            )
        root = reader.parse(data, "the file")
        kind = _local(root)
        if kind == "Project":
            raise RefiError(
                filename, "it is a REFI-QDA project (<Project>), not a codebook (<CodeBook>)."
            )
        if kind != "CodeBook":
            raise RefiError(
                filename, f"its root element is <{kind}>, so it is not a REFI-QDA codebook."
            )
        reader.check_namespace(root, CODEBOOK_NAMESPACE)
        holder = _child(root, "Codes")
        codes = [reader.code(element) for element in _children(holder, "Code")]
        if not codes:
            raise RefiError(filename, "it holds no codes.")
        codes = reader.nest_slash_names(codes)
        reader.sets(root)
        if str(root.get("origin", "")).startswith("Taguette") and not any(
            code.description for code in walk_codes(codes)
        ):
            reader.repair(
                f"{root.get('origin')} leaves tag descriptions out of its .qdc export; "
                "the codes were imported without descriptions (Taguette's codebook.csv has them)."
            )
        return CodebookImport(codes=codes, repairs=reader.repairs)
    except RefiError:
        raise
    except Exception as error:
        # Never a traceback for a bad file: an unexpected failure still names the file.
        raise RefiError(
            filename, f"it could not be read ({type(error).__name__}: {error})."
        ) from error


def read_project(data: bytes, filename: str) -> ProjectImport:
    """Read a REFI-QDA project (``.qdpx``) tolerantly; raise :class:`RefiError` when it
    cannot be read at all (not a zip, damaged, no ``project.qde``, not XML, not a project).

    A bare ``project.qde`` (XML, not zipped) is accepted too, for its inline texts.
    """
    reader = _Reader(filename)
    try:
        return ProjectImport(project=reader.project(data), repairs=reader.repairs)
    except RefiError:
        raise
    except Exception as error:
        raise RefiError(
            filename, f"it could not be read ({type(error).__name__}: {error})."
        ) from error


Element = Any  # lxml elements (lxml ships no type hints)

_KINDS = ("note", "code", "source", "coding", "case", "user", "variable")


class _Guids:
    """The GUIDs seen so far, each kind resolving its references separately.

    GUIDs must be unique in the whole file (a memo's targets name no kind); a missing, invalid
    or repeated one is replaced by a new one, and references written as the old text still
    find the element they meant (the first one, for a repeat).
    """

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.owner: dict[str, str] = {}  # key -> kind, for every GUID in use
        self.by_kind: dict[str, dict[str, str]] = {kind: {} for kind in _KINDS}

    def claim(self, kind: str, written: str | None, where: str) -> str:
        if written is None or not written.strip():
            guid = self.new(kind)
            self.reader.repair(f"{where}: has no guid; gave it a new one.")
            return guid
        written = written.strip()
        if not _GUID.fullmatch(written):
            guid = self.new(kind)
            self.by_kind[kind].setdefault(_key(written), guid)
            self.reader.repair(f"{where}: guid {written!r} is not a GUID; gave it a new one.")
            return guid
        key = _key(written)
        if key in self.owner:
            guid = self.new(kind)
            self.by_kind[kind].setdefault(key, guid)
            self.reader.repair(
                f"{where}: guid {written} is already used by a {self.owner[key]}; gave it a new "
                "one (references to that guid keep meaning the first)."
            )
            return guid
        self.owner[key] = kind
        self.by_kind[kind][key] = written
        return written

    def new(self, kind: str, guid: str | None = None) -> str:
        guid = guid or str(uuid.uuid4())
        self.owner[_key(guid)] = kind
        self.by_kind[kind][_key(guid)] = guid
        return guid

    def resolve(self, kind: str, written: str | None) -> str | None:
        if written is None:
            return None
        return self.by_kind[kind].get(_key(written))

    def resolve_any(self, written: str | None) -> tuple[str, str] | None:
        for kind in _KINDS:
            found = self.resolve(kind, written)
            if found is not None:
                return kind, found
        return None


class _Archive:
    """The members of a .qdpx (or none, for a bare project.qde), found case-insensitively."""

    def __init__(self, reader: _Reader, archive: zipfile.ZipFile | None) -> None:
        self.reader = reader
        self.archive = archive
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.base = ""  # the folder project.qde is in, when it is not at the top
        if archive is not None:
            for info in archive.infolist():
                if not info.is_dir():
                    self.members[_member_key(info.filename)] = info

    def read(self, info: zipfile.ZipInfo) -> bytes:
        assert self.archive is not None
        try:
            return self.archive.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise RefiError(
                self.reader.filename,
                f"the archive is damaged: {info.filename} cannot be read ({error}).",
            ) from None
        except (NotImplementedError, RuntimeError) as error:
            # Unsupported compression methods and encrypted members.
            raise RefiError(
                self.reader.filename, f"{info.filename} cannot be unpacked ({error})."
            ) from None

    def find(self, path: str, where: str) -> tuple[str, bytes] | None:
        """The member a plainTextPath names, and its bytes; None when the archive lacks it."""
        written = path.strip().replace("\\", "/")
        lowered = written.lower()
        # How the path was written, when it is not the standard internal://<file>.
        unusual = "points outside the archive"
        if lowered.startswith("internal://"):
            rest = written[len("internal://") :]
            candidates = [f"sources/{rest}", rest]
            unusual = ""
        elif lowered.startswith("relative://"):
            rest = written[len("relative://") :]
            candidates = [rest, f"sources/{rest}"]
        elif "://" in written or written.startswith("/") or re.match(r"[A-Za-z]:/", written):
            rest = posixpath.basename(written)
            candidates = [f"sources/{rest}", rest]
        else:
            rest = written
            candidates = [written, f"sources/{written}"]
            unusual = "has no internal:// prefix"
        candidates += [urllib.parse.unquote(candidate) for candidate in candidates]
        for candidate in candidates:
            for prefix in dict.fromkeys([self.base, ""]):
                info = self.members.get(_member_key(prefix + candidate))
                if info is not None:
                    self._say_how(info, written, where, unusual)
                    return info.filename, self.read(info)
        # Last resort: a member with the same file name anywhere in the archive.
        name = posixpath.basename(urllib.parse.unquote(rest)).lower()
        matches = [info for key, info in self.members.items() if posixpath.basename(key) == name]
        if name and len(matches) == 1:
            self.reader.repair(
                f"{where}: its text file {written!r} was found at {matches[0].filename!r} instead."
            )
            return matches[0].filename, self.read(matches[0])
        return None

    def _say_how(self, info: zipfile.ZipInfo, written: str, where: str, unusual: str) -> None:
        if unusual:
            self.reader.repair(
                f"{where}: its text file {written!r} {unusual}; used {info.filename!r} from "
                "inside the archive."
            )
            return
        inside = info.filename.replace("\\", "/").lstrip("/")[len(self.base) :]
        if posixpath.dirname(inside) != "sources":
            self.reader.repair(
                f"{where}: its text file is {info.filename!r}; the standard place is the "
                "lower-case sources/ folder."
            )


def _member_key(name: str) -> str:
    key = name.replace("\\", "/").lstrip("/")
    while key.startswith("./"):
        key = key[2:]
    return key.lower()


class _Reader:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.repairs: list[str] = []
        self.guids = _Guids(self)
        self.archive = _Archive(self, None)
        self.users: list[QdaUser] = []
        self.skipped_sources: set[str] = set()
        # (note GUID as written, target GUID, where): resolved once every note is known.
        self.note_refs: list[tuple[str | None, str, str]] = []
        self.selection_notes: list[QdaNote] = []

    def repair(self, message: str) -> None:
        if message not in self.repairs:
            self.repairs.append(message)

    # -- the file ----------------------------------------------------------------------------

    def parse(self, data: bytes, what: str) -> Element:
        if data.startswith(_UTF8_BOM):
            data = data[len(_UTF8_BOM) :]  # legal before the XML declaration; nothing to say
        if data[:1].isspace():
            self.repair(f"{what} begins with blank space before the XML declaration; ignored it.")
            data = data.lstrip()
        # No DTDs, no entities from outside, no network: the file is untrusted.
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as error:
            raise RefiError(
                self.filename, f"{what} is not well-formed XML ({error.msg})."
            ) from None
        if root is None:
            raise RefiError(self.filename, f"{what} is empty.")
        return root

    def check_namespace(self, root: Element, expected: str) -> None:
        namespace = etree.QName(root).namespace
        if namespace != expected:
            found = f"namespace {namespace!r}" if namespace else "no namespace"
            self.repair(f"<{_local(root)}> has {found} instead of {expected!r}; read it anyway.")

    def open_archive(self, data: bytes) -> bytes:
        """The project.qde's bytes; remembers the archive for the sources."""
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            if data.lstrip(_UTF8_BOM + b" \t\r\n")[:1] == b"<":
                self.repair(
                    "The file is a bare project.qde, not a .qdpx zip archive: "
                    "only texts written inside it (PlainTextContent) can be read."
                )
                return data
            raise RefiError(
                self.filename,
                "it is not a .qdpx project: a .qdpx is a zip archive, and this file is not one "
                "(or it was cut short).",
            ) from None
        except (OSError, EOFError, ValueError) as error:
            raise RefiError(self.filename, f"the archive is damaged ({error}).") from None
        infos = archive.infolist()
        if sum(info.file_size for info in infos) > MAX_ARCHIVE_BYTES or any(
            info.file_size > MAX_MEMBER_BYTES for info in infos
        ):
            raise RefiError(self.filename, "the archive unpacks to more than Buoy accepts.")
        self.archive = _Archive(self, archive)
        qde = self.archive.members.get("project.qde")
        if qde is None:
            # Some tools name the file after the project, or zip the project's folder.
            found = sorted(
                (info for key, info in self.archive.members.items() if key.endswith(".qde")),
                key=lambda info: (info.filename.count("/"), info.filename),
            )
            if not found:
                raise RefiError(
                    self.filename, "the archive holds no project.qde, so it is not a project."
                )
            qde = found[0]
            self.repair(f"The project file is {qde.filename!r}, not project.qde; read it.")
            folder = posixpath.dirname(qde.filename.replace("\\", "/"))
            self.archive.base = _member_key(folder + "/") if folder else ""
        return self.archive.read(qde)

    def project(self, data: bytes) -> QdaProject:
        root = self.parse(self.open_archive(data), "project.qde")
        kind = _local(root)
        if kind == "CodeBook":
            raise RefiError(
                self.filename, "it holds a codebook (<CodeBook>), not a project; import it as one."
            )
        if kind != "Project":
            raise RefiError(
                self.filename, f"the root element of project.qde is <{kind}>, not <Project>."
            )
        self.check_namespace(root, PROJECT_NAMESPACE)
        name = (root.get("name") or "").strip()
        if not name:
            name = posixpath.splitext(posixpath.basename(self.filename))[0] or "Imported project"
            self.repair(f"<Project> has no name; named it {name!r} after the file.")
        for element in _children(_child(root, "Users"), "User"):
            guid = self.guids.claim("user", element.get("guid"), _where(element))
            self.users.append(QdaUser(guid=guid, name=element.get("name") or ""))
        codebook = _child(root, "CodeBook")
        codes = [self.code(el) for el in _children(_child(codebook, "Codes"), "Code")]
        codes = self.nest_slash_names(codes)
        variables = [self.variable(el) for el in _children(_child(root, "Variables"), "Variable")]
        sources: list[QdaSource] = []
        codings: list[QdaCoding] = []
        for element in _child_elements(_child(root, "Sources")):
            if _local(element) == "TextSource":
                found = self.text_source(element, codings)
                if found is not None:
                    sources.append(found)
            else:
                self.other_source(element)
        types = {_key(variable.guid): variable for variable in variables}
        cases = [self.case(el, types) for el in _children(_child(root, "Cases"), "Case")]
        notes = [self.note(el) for el in _children(_child(root, "Notes"), "Note")]
        self.links(_child(root, "Links"))
        self.sets(root)
        for graphs in _children(root, "Graphs"):
            self.repair(f"{_where(graphs)}: graphs are not imported.")
        description = _text(_child(root, "Description"))

        notes += self.selection_notes
        self.attach_notes(notes)
        project = QdaProject(
            name=name,
            users=self.users,
            codes=codes,
            variables=variables,
            cases=cases,
            sources=sources,
            codings=codings,
            notes=notes,
            description=description,
        )
        _put_in_order(project)
        return project

    # -- codes -------------------------------------------------------------------------------

    def code(self, element: Element) -> QdaCode:
        where = _where(element)
        guid = self.guids.claim("code", element.get("guid"), where)
        name = (element.get("name") or "").strip()
        if not name:
            name = "(unnamed code)"
            self.repair(f"{where}: has no name; called it {name!r}.")
        written = (element.get("isCodable") or "").strip()
        if written in _BOOLEANS:
            is_codable = written in ("true", "1")
        else:
            is_codable = True
            self.repair(f"{where}: isCodable is {written or 'missing'}; made it codable.")
        children = [self.code(child) for child in _children(element, "Code")]
        for reference in _children(element, "NoteRef"):
            self.note_refs.append((reference.get("targetGUID"), guid, where))
        return QdaCode(
            guid=guid,
            name=name,
            is_codable=is_codable,
            color=self.colour(element.get("color"), where),
            description=_text(_child(element, "Description")),
            children=children,
        )

    def colour(self, written: str | None, where: str) -> str | None:
        if written is None:
            return None
        value = written.strip()
        if _COLOUR.fullmatch(value):
            return value
        short = _SHORT_COLOUR.fullmatch(value)
        if short:
            colour = "#" + "".join(digit * 2 for digit in short.groups())
            self.repair(f"{where}: colour {written!r} written as {colour}.")
            return colour
        if _BARE_COLOUR.fullmatch(value):
            self.repair(f"{where}: colour {written!r} lacked its '#'; added it.")
            return "#" + value
        self.repair(f"{where}: colour {written!r} is not #RRGGBB; dropped it.")
        return None

    def nest_slash_names(self, codes: list[QdaCode]) -> list[QdaCode]:
        """Taguette has no sub-codes: its users write "parent/child" and it exports a flat list.

        Only a flat codebook is read this way, so that a nested codebook keeps a "/" that is
        part of a name ("yes/no"). A parent that is a code of its own keeps being one; a
        missing parent becomes a category (not codable), since Taguette never coded with it.
        """
        if any(code.children for code in codes) or not any("/" in code.name for code in codes):
            return codes
        by_path: dict[tuple[str, ...], QdaCode] = {}
        for code in codes:
            by_path.setdefault(_path(code.name), code)
        roots: list[QdaCode] = []
        placed: set[int] = set()

        def place(path: tuple[str, ...], example: str) -> QdaCode:
            found = by_path.get(path)
            if found is None:
                name = path[-1]
                found = QdaCode(
                    guid=self.guids.new("code", _derived("category", "/".join(path))),
                    name=name,
                    is_codable=False,
                )
                by_path[path] = found
                self.repair(
                    f'"{"/".join(path)}" is not a code of its own; created it as a category '
                    f'(not codable) to hold "{example}".'
                )
            if id(found) not in placed:
                placed.add(id(found))
                if len(path) > 1:
                    place(path[:-1], example).children.append(found)
                else:
                    roots.append(found)
            return found

        for code in codes:
            path = _path(code.name)
            if len(path) > 1:
                original = code.name
                code.name = path[-1]
                self.repair(
                    f'Code "{original}": a Taguette-style "parent/child" name; placed '
                    f'"{code.name}" under "{"/".join(path[:-1])}".'
                )
            place(path, code.name if len(path) == 1 else "/".join(path))
        return roots

    def sets(self, root: Element) -> None:
        for holder in _children(root, "Sets"):
            members = _children(holder, "Set")
            if not members:
                self.repair(
                    f"{_where(holder)}: empty <Sets/>, which the schema does not allow "
                    "(it needs at least one <Set>); ignored it."
                )
            else:
                self.repair(
                    f"{_where(holder)}: {len(members)} set(s) not imported; Buoy has no sets."
                )

    # -- variables and cases -----------------------------------------------------------------

    def variable(self, element: Element) -> QdaVariable:
        where = _where(element)
        guid = self.guids.claim("variable", element.get("guid"), where)
        name = (element.get("name") or "").strip()
        if not name:
            name = "(unnamed variable)"
            self.repair(f"{where}: has no name; called it {name!r}.")
        type_name = (element.get("typeOfVariable") or "").strip()
        if type_name not in VARIABLE_TYPES:
            self.repair(f"{where}: type {type_name or 'missing'}; read it as Text.")
            type_name = "Text"
        return QdaVariable(
            guid=guid,
            name=name,
            type_name=type_name,
            description=_text(_child(element, "Description")),
        )

    def case(self, element: Element, variables: dict[str, QdaVariable]) -> QdaCase:
        where = _where(element)
        guid = self.guids.claim("case", element.get("guid"), where)
        values: dict[str, str] = {}
        for holder in _children(element, "VariableValue"):
            reference = _child(holder, "VariableRef")
            written = reference.get("targetGUID") if reference is not None else None
            variable_guid = self.guids.resolve("variable", written)
            if variable_guid is None:
                self.repair(f"{where}: a value for an unknown variable {written}; skipped it.")
                continue
            variable = variables[_key(variable_guid)]
            value_elements = [e for e in _child_elements(holder) if _local(e) != "VariableRef"]
            value = _text(value_elements[0]) if value_elements else ""
            if variable.type_name != "Text":
                value = value.strip()
            if not _valid_value(variable.type_name, value):
                self.repair(
                    f'{where}: {value!r} is not a valid {variable.type_name} for "{variable.name}"'
                    "; skipped it."
                )
                continue
            values[variable_guid] = value
        source_guids: list[str] = []
        for reference in _children(element, "SourceRef"):
            written = reference.get("targetGUID")
            source_guid = self.guids.resolve("source", written)
            if source_guid is None:
                self.repair(f"{where}: refers to an unknown source {written}; skipped it.")
            elif source_guid in self.skipped_sources:
                self.repair(f"{where}: its source {written} was not imported (see above).")
            elif source_guid not in source_guids:
                source_guids.append(source_guid)
        for kind in ("CodeRef", "SelectionRef"):
            if _children(element, kind):
                self.repair(f"{where}: its <{kind}> elements are not imported.")
        return QdaCase(
            guid=guid,
            name=(element.get("name") or "").strip(),  # optional in the schema
            description=_text(_child(element, "Description")),
            values=values,
            source_guids=source_guids,
        )

    # -- sources and codings -----------------------------------------------------------------

    def other_source(self, element: Element) -> None:
        where = _where(element)
        guid = self.guids.claim("source", element.get("guid"), where)
        self.skipped_sources.add(guid)
        self.repair(f"{where}: Buoy imports text sources only; skipped it and its codings.")

    def text_source(self, element: Element, codings: list[QdaCoding]) -> QdaSource | None:
        where = _where(element)
        guid = self.guids.claim("source", element.get("guid"), where)
        text = self.text_of(element, where, required=True)
        if text is None:
            self.skipped_sources.add(guid)
            return None
        name = (element.get("name") or "").strip()
        if not name:
            path = element.get("plainTextPath") or ""
            name = posixpath.basename(path.replace("\\", "/")) or "(unnamed source)"
            self.repair(f"{where}: has no name; called it {name!r}.")
        where = f'source "{name}"'
        spans: list[tuple[Element, int, int]] = []
        for selection in _children(element, "PlainTextSelection"):
            try:
                start = int(str(selection.get("startPosition")).strip())
                end = int(str(selection.get("endPosition")).strip())
            except ValueError:
                self.repair(
                    f"{_where(selection)} in {where}: its positions are missing or not whole "
                    "numbers; skipped it."
                )
                continue
            spans.append((selection, start, end))
        for selection, start, end in self.byte_offsets_to_characters(text, spans, where):
            self.selection(selection, start, end, guid, text, where, codings)
        for coding in _children(element, "Coding"):
            # A coding of the source itself, not of a passage: the whole text is coded.
            found = self.coding(coding, guid, 0, len(text), None, None, where)
            if found is not None:
                codings.append(found)
                self.repair(f"{where}: a coding of the whole source; read it as all its text.")
        for reference in _children(element, "NoteRef"):
            self.note_refs.append((reference.get("targetGUID"), guid, where))
        if _children(element, "VariableValue"):
            self.repair(f"{where}: variable values on a source are not imported (only on cases).")
        return QdaSource(
            guid=guid,
            name=name,
            text=text,
            creator_guid=self.user(element.get("creatingUser"), where),
            created=self.when(element.get("creationDateTime"), where),
            description=_text(_child(element, "Description")),
        )

    def text_of(self, element: Element, where: str, *, required: bool) -> str | None:
        """The text of a source or note: its file in the archive, or its PlainTextContent."""
        path = element.get("plainTextPath")
        inline = _child(element, "PlainTextContent")
        if path and path.strip():
            found = self.archive.find(path, where)
            if found is not None:
                member, data = found
                if inline is not None:
                    self.repair(f"{where}: has both a text file and inline text; used the file.")
                return self.decode(data, f"{where}: its text file {member!r}")
            if inline is None:
                if required:
                    self.repair(
                        f"{where}: its text file {path!r} is not in the archive; "
                        "skipped the source and its codings."
                    )
                else:
                    self.repair(f"{where}: its text file {path!r} is not in the archive.")
                return None if required else ""
            self.repair(
                f"{where}: its text file {path!r} is not in the archive; used its inline text."
            )
        if inline is not None:
            text = _text(inline)
            if text.startswith("\ufeff"):
                text = text[1:]
                self.repair(
                    f"{where}: its text began with a byte-order mark; removed it "
                    "(positions count the text after it)."
                )
            if required and not path:
                self.repair(f"{where}: text read from its inline <PlainTextContent>.")
            return text
        if not required:
            return ""
        if element.get("richTextPath"):
            self.repair(
                f"{where}: has only a rich-text file (richTextPath) and no plain text; "
                "skipped the source and its codings."
            )
        else:
            self.repair(f"{where}: has no text; skipped the source and its codings.")
        return None

    def decode(self, data: bytes, where: str) -> str:
        if data.startswith(_UTF8_BOM):
            data = data[len(_UTF8_BOM) :]
            self.repair(
                f"{where} began with a byte-order mark; removed it "
                "(positions count the text after it)."
            )
        elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
            self.repair(f"{where} is UTF-16, not UTF-8; read it as UTF-16.")
            return data.decode("utf-16")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            self.repair(
                f"{where} is not valid UTF-8 (from byte {error.start}); unreadable bytes became "
                "U+FFFD, so positions after them may be off."
            )
            return data.decode("utf-8", errors="replace")

    def byte_offsets_to_characters(
        self, text: str, spans: list[tuple[Element, int, int]], where: str
    ) -> list[tuple[Element, int, int]]:
        """Positions counted in UTF-8 bytes (as Taguette stores them) become code points.

        Only when the evidence is certain: some position lies past the last character (no
        character count can), and every position falls on a character boundary of the UTF-8
        text and inside it. Otherwise positions are left as written.
        """
        if not spans or all(end <= len(text) for _, _, end in spans):
            return spans
        characters: dict[int, int] = {}  # UTF-8 byte offset -> code point index
        offset = 0
        for index, character in enumerate(text):
            characters[offset] = index
            offset += len(character.encode("utf-8"))
        characters[offset] = len(text)
        if offset == len(text) or not all(
            start in characters and end in characters for _, start, end in spans
        ):
            return spans
        self.repair(
            f"{where}: its positions count UTF-8 bytes, not characters (one reaches "
            f"{max(end for _, _, end in spans)} in a text of {len(text)} characters, "
            f"{offset} bytes); converted its {len(spans)} selection(s) to characters."
        )
        return [(element, characters[start], characters[end]) for element, start, end in spans]

    def selection(
        self,
        element: Element,
        start: int,
        end: int,
        source_guid: str,
        text: str,
        where: str,
        codings: list[QdaCoding],
    ) -> None:
        here = f"{_where(element)} in {where}"
        coding_elements = _children(element, "Coding")
        if not 0 <= start < end <= len(text):
            problem = (
                "is empty"
                if start == end
                else f"({start}..{end}) is not inside its {len(text)} characters"
            )
            self.repair(f"{here}: {problem}; skipped it and its {len(coding_elements)} coding(s).")
            return
        if not coding_elements:
            self.repair(f"{here}: a passage with no coding; skipped it.")
            return
        user = self.user(element.get("creatingUser"), here)
        created = self.when(element.get("creationDateTime"), here)
        found = [
            self.coding(coding, source_guid, start, end, user, created, here)
            for coding in coding_elements
        ]
        kept = [coding for coding in found if coding is not None]
        codings.extend(kept)
        memo = _text(_child(element, "Description")).strip()
        references = _children(element, "NoteRef")
        if (memo or references) and not kept:
            self.repair(f"{here}: its memo was dropped with its codings.")
            return
        if memo:
            # QualCoder keeps a coding's memo as the selection's Description.
            self.selection_notes.append(
                QdaNote(
                    guid=self.guids.new(
                        "note", _derived("selection-memo", *(c.guid for c in kept))
                    ),
                    name=f"Memo on {where}, characters {start}..{end}",
                    text=memo,
                    creator_guid=user,
                    created=created,
                    target_guids=[coding.guid for coding in kept],
                )
            )
            self.repair(f"{here}: its description became a memo on its coding(s).")
        for reference in references:
            for coding in kept:
                self.note_refs.append((reference.get("targetGUID"), coding.guid, here))
        if references:
            self.repair(f"{here}: memos attached to the passage were attached to its coding(s).")

    def coding(
        self,
        element: Element,
        source_guid: str,
        start: int,
        end: int,
        user: str | None,
        created: datetime | None,
        where: str,
    ) -> QdaCoding | None:
        here = f"{_where(element)} in {where}"
        reference = _child(element, "CodeRef")
        written = reference.get("targetGUID") if reference is not None else None
        code_guid = self.guids.resolve("code", written)
        if code_guid is None:
            what = f"an unknown code {written}" if written else "no code"
            self.repair(f"{here}: refers to {what}; skipped it.")
            return None
        guid = self.guids.claim("coding", element.get("guid"), here)
        for note in _children(element, "NoteRef"):
            self.note_refs.append((note.get("targetGUID"), guid, here))
        return QdaCoding(
            guid=guid,
            source_guid=source_guid,
            start=start,
            end=end,
            code_guid=code_guid,
            coder_guid=self.user(element.get("creatingUser"), here) or user,
            created=self.when(element.get("creationDateTime"), here) or created,
        )

    # -- notes -------------------------------------------------------------------------------

    def note(self, element: Element) -> QdaNote:
        where = _where(element)
        guid = self.guids.claim("note", element.get("guid"), where)
        for reference in _children(element, "NoteRef"):
            self.note_refs.append((reference.get("targetGUID"), guid, where))
        return QdaNote(
            guid=guid,
            name=(element.get("name") or "").strip(),
            text=self.text_of(element, where, required=False) or "",
            creator_guid=self.user(element.get("creatingUser"), where),
            created=self.when(element.get("creationDateTime"), where),
        )

    def links(self, holder: Element | None) -> None:
        for link in _children(holder, "Link"):
            origin = self.guids.resolve_any(link.get("originGUID"))
            target = self.guids.resolve_any(link.get("targetGUID"))
            if origin is not None and target is not None and origin[0] == "note":
                self.note_refs.append((origin[1], target[1], _where(link)))
            elif origin is not None and target is not None and target[0] == "note":
                self.note_refs.append((target[1], origin[1], _where(link)))
            else:
                self.repair(
                    f"{_where(link)}: only links between a memo and what it is about are "
                    "imported; skipped it."
                )

    def attach_notes(self, notes: list[QdaNote]) -> None:
        by_key = {_key(note.guid): note for note in notes}
        for written, target, where in self.note_refs:
            note_guid = self.guids.resolve("note", written)
            if note_guid is None:
                self.repair(f"{where}: refers to a memo {written} that is not in <Notes>; skipped.")
                continue
            note = by_key[_key(note_guid)]
            if target not in note.target_guids:
                note.target_guids.append(target)

    # -- small values ------------------------------------------------------------------------

    def user(self, written: str | None, where: str) -> str | None:
        if written is None or not written.strip():
            return None
        found = self.guids.resolve("user", written)
        if found is not None:
            return found
        if not _GUID.fullmatch(written.strip()):
            self.repair(f"{where}: user {written!r} is not a GUID; dropped it.")
            return None
        guid = self.guids.claim("user", written, where)
        self.users.append(QdaUser(guid=guid, name=""))
        self.repair(
            f"{where}: user {written.strip()} is not in <Users>; added an unnamed user so that "
            "who coded what is kept."
        )
        return guid

    def when(self, written: str | None, where: str) -> datetime | None:
        if written is None or not written.strip():
            return None
        value = written.strip()
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.repair(f"{where}: {value!r} is not a date and time; dropped it.")
            return None
        if "T" not in value:
            self.repair(f"{where}: {value!r} has no time of day; read it as midnight.")
        return parsed


def _path(name: str) -> tuple[str, ...]:
    parts = tuple(part.strip() for part in name.split("/") if part.strip())
    return parts or (name,)


def _put_in_order(project: QdaProject) -> None:
    """Codings by source, then position; each memo's targets in the project's order."""
    source_order = {_key(source.guid): index for index, source in enumerate(project.sources)}
    project.codings.sort(
        key=lambda coding: (source_order[_key(coding.source_guid)], coding.start, coding.end)
    )
    order: dict[str, int] = {}
    everything: list[Any] = [
        *walk_codes(project.codes),
        *project.sources,
        *project.codings,
        *project.cases,
        *project.users,
        *project.variables,
        *project.notes,
    ]
    for item in everything:
        order.setdefault(_key(item.guid), len(order))
    for note in project.notes:
        note.target_guids.sort(key=lambda guid: order.get(_key(guid), len(order)))


def _local(element: Element) -> str:
    return str(etree.QName(element).localname)


def _child_elements(element: Element | None) -> list[Element]:
    if element is None:
        return []
    return [child for child in element if isinstance(child.tag, str)]


def _children(element: Element | None, name: str) -> list[Element]:
    return [child for child in _child_elements(element) if _local(child) == name]


def _child(element: Element | None, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: Element | None) -> str:
    return "".join(element.itertext()) if element is not None else ""


def _where(element: Element) -> str:
    """An element as a repair message names it: <Code name="risk"> (line 7)."""
    label = ""
    for attribute in ("name", "guid", "targetGUID"):
        value = element.get(attribute)
        if value:
            shown = value if len(value) <= 60 else value[:57] + "..."
            label = f' {attribute}="{shown}"'
            break
    line = f" (line {element.sourceline})" if element.sourceline else ""
    return f"<{_local(element)}{label}>{line}"
