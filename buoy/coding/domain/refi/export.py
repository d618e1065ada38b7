"""Writing a codebook (``.qdc``) and a project (``.qdpx``): valid, and the same bytes each time."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from buoy.coding.domain.refi.archive import _pack
from buoy.coding.domain.refi.model import (
    CODEBOOK_NAMESPACE,
    ORIGIN,
    PROJECT_NAMESPACE,
    QdaCase,
    QdaCode,
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaSource,
    QdaUser,
    QdaVariable,
    walk_codes,
)
from buoy.coding.domain.refi.problems import codebook_problems, export_problems
from buoy.coding.domain.refi.values import _derived, _key


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
    _write_codes(root, codes, {})
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
    note_refs, links = _memo_places(project)
    root = etree.Element(f"{{{PROJECT_NAMESPACE}}}Project", nsmap={None: PROJECT_NAMESPACE})
    root.set("name", project.name)
    root.set("origin", origin)
    # The schema fixes the order of the parts; each is left out when it would be empty.
    _write_users(root, project.users)
    if project.codes:
        _write_codes(_add(root, "CodeBook"), project.codes, note_refs)
    _write_variables(root, project.variables)
    _write_cases(root, project.cases, project.variables)
    files = _write_sources(root, project.sources, project.codings, note_refs)
    _write_notes(root, project.notes)
    _write_links(root, links)
    if project.description:
        _add(root, "Description", project.description)
    return _pack([("project.qde", _serialise(root)), *files])


# Where each memo is attached: note GUIDs by the key of what they are about (NoteRef).
_NoteRefs = dict[str, list[str]]


def _memo_places(project: QdaProject) -> tuple[_NoteRefs, list[tuple[str, str]]]:
    """NoteRef where the schema has one (codes, sources, codings); a Link for everything else.

    The links are (note GUID, target GUID) pairs, in the notes' order.
    """
    anchored = {_key(code.guid) for code in walk_codes(project.codes)}
    anchored |= {_key(source.guid) for source in project.sources}
    anchored |= {_key(coding.guid) for coding in project.codings}
    note_refs: _NoteRefs = {}
    links: list[tuple[str, str]] = []
    for note in project.notes:
        for target in note.target_guids:
            if _key(target) in anchored:
                note_refs.setdefault(_key(target), []).append(note.guid)
            else:
                links.append((note.guid, target))
    return note_refs, links


def _write_users(root: Any, users: Sequence[QdaUser]) -> None:
    if users:
        holder = _add(root, "Users")
        for user in users:
            _add(holder, "User", guid=user.guid, name=user.name or None)


def _write_codes(codebook: Any, codes: Sequence[QdaCode], note_refs: _NoteRefs) -> None:
    holder = _add(codebook, "Codes")
    for code in codes:
        _write_code(holder, code, note_refs)


def _write_code(parent: Any, code: QdaCode, note_refs: _NoteRefs) -> None:
    element = _add(
        parent,
        "Code",
        guid=code.guid,
        name=code.name,
        isCodable="true" if code.is_codable else "false",
        color=code.color,
    )
    _add_description(element, code.description)
    _add_note_refs(element, code.guid, note_refs)
    for child in code.children:
        _write_code(element, child, note_refs)


def _write_variables(root: Any, variables: Sequence[QdaVariable]) -> None:
    if not variables:
        return
    holder = _add(root, "Variables")
    for variable in variables:
        element = _add(
            holder,
            "Variable",
            guid=variable.guid,
            name=variable.name,
            typeOfVariable=variable.type_name,
        )
        _add_description(element, variable.description)


def _write_cases(root: Any, cases: Sequence[QdaCase], variables: Sequence[QdaVariable]) -> None:
    if not cases:
        return
    types = {_key(variable.guid): variable.type_name for variable in variables}
    holder = _add(root, "Cases")
    for case in cases:
        element = _add(holder, "Case", guid=case.guid, name=case.name or None)
        _add_description(element, case.description)
        for variable_guid, value in case.values.items():
            written = _add(element, "VariableValue")
            _add(written, "VariableRef", targetGUID=variable_guid)
            _add(written, f"{types[_key(variable_guid)]}Value", value)
        for source_guid in case.source_guids:
            _add(element, "SourceRef", targetGUID=source_guid)


def _write_sources(
    root: Any,
    sources: Sequence[QdaSource],
    codings: Sequence[QdaCoding],
    note_refs: _NoteRefs,
) -> list[tuple[str, bytes]]:
    """The <Sources> part; returns each source's text file for the archive."""
    files: list[tuple[str, bytes]] = []
    if not sources:
        return files
    holder = _add(root, "Sources")
    by_source: dict[str, list[QdaCoding]] = {}
    for coding in codings:
        by_source.setdefault(_key(coding.source_guid), []).append(coding)
    for source in sources:
        file_name = f"{_key(source.guid)}.txt"
        files.append((f"sources/{file_name}", source.text.encode("utf-8")))
        element = _add(
            holder,
            "TextSource",
            guid=source.guid,
            name=source.name,
            plainTextPath=f"internal://{file_name}",
            creatingUser=source.creator_guid,
            creationDateTime=_when(source.created),
        )
        _add_description(element, source.description)
        _write_selections(element, source, by_source.get(_key(source.guid), []), note_refs)
        _add_note_refs(element, source.guid, note_refs)
    return files


def _write_selections(
    element: Any, source: QdaSource, codings: list[QdaCoding], note_refs: _NoteRefs
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
            _add_note_refs(holder, coding.guid, note_refs)


def _write_notes(root: Any, notes: Sequence[QdaNote]) -> None:
    if not notes:
        return
    holder = _add(root, "Notes")
    for note in notes:
        element = _add(
            holder,
            "Note",
            guid=note.guid,
            name=note.name or None,
            creatingUser=note.creator_guid,
            creationDateTime=_when(note.created),
        )
        _add(element, "PlainTextContent", note.text)


def _write_links(root: Any, links: list[tuple[str, str]]) -> None:
    if not links:
        return
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


def _add_description(element: Any, description: str) -> None:
    if description:
        _add(element, "Description", description)


def _add_note_refs(element: Any, guid: str, note_refs: _NoteRefs) -> None:
    for note_guid in note_refs.get(_key(guid), []):
        _add(element, "NoteRef", targetGUID=note_guid)


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
