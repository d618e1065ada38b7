"""Reading codebooks (``.qdc``) and projects (``.qdpx``) tolerantly: repairs said, in words."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from lxml import etree

from buoy.coding.domain.refi.archive import _Archive, _open_archive
from buoy.coding.domain.refi.guids import _Guids
from buoy.coding.domain.refi.model import (
    CODEBOOK_NAMESPACE,
    PROJECT_NAMESPACE,
    VARIABLE_TYPES,
    CodebookImport,
    ProjectImport,
    QdaCase,
    QdaCode,
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaSource,
    QdaUser,
    QdaVariable,
    RefiError,
    walk_codes,
)
from buoy.coding.domain.refi.reading import (
    _UTF8_BOM,
    Element,
    _child,
    _child_elements,
    _children,
    _local,
    _RepairLog,
    _target,
    _text,
    _where,
)
from buoy.coding.domain.refi.texts import _byte_offsets_to_characters, _text_of
from buoy.coding.domain.refi.values import _BOOLEANS, _COLOUR, _GUID, _derived, _key, _valid_value

_SHORT_COLOUR = re.compile(r"#?([0-9A-Fa-f])([0-9A-Fa-f])([0-9A-Fa-f])")
_BARE_COLOUR = re.compile(r"[0-9A-Fa-f]{6}")


def read_codebook(data: bytes, filename: str) -> CodebookImport:
    """Read a REFI-QDA codebook (``.qdc``) tolerantly; raise :class:`RefiError` when it
    cannot be read at all.

    Flat codebooks whose names hold ``parent/child`` (Taguette's sub-codes) become a hierarchy.
    """
    return _read(
        filename,
        lambda reader: CodebookImport(codes=reader.codebook(data), repairs=reader.repairs),
    )


def read_project(data: bytes, filename: str) -> ProjectImport:
    """Read a REFI-QDA project (``.qdpx``) tolerantly; raise :class:`RefiError` when it
    cannot be read at all (not a zip, damaged, no ``project.qde``, not XML, not a project).

    A bare ``project.qde`` (XML, not zipped) is accepted too, for its inline texts.
    """
    return _read(
        filename,
        lambda reader: ProjectImport(project=reader.project(data), repairs=reader.repairs),
    )


_Read = TypeVar("_Read")


def _read(filename: str, read: Callable[[_Reader], _Read]) -> _Read:
    """What `read` makes of the file with a fresh reader; any failure a RefiError."""
    try:
        return read(_Reader(filename))
    except RefiError:
        raise
    except Exception as error:
        # Never a traceback for a bad file: an unexpected failure still names the file.
        raise RefiError(
            filename, f"it could not be read ({type(error).__name__}: {error})."
        ) from error


class _Reader(_RepairLog):
    """One import: the GUIDs seen, the archive, and what waits for the whole file to be read."""

    def __init__(self, filename: str) -> None:
        super().__init__(filename)
        self.guids = _Guids(self)
        self.archive = _Archive(self, None)
        self.users: list[QdaUser] = []
        self.skipped_sources: set[str] = set()
        # (note GUID as written, target GUID, where): resolved once every note is known.
        self.note_refs: list[tuple[str | None, str, str]] = []
        self.selection_notes: list[QdaNote] = []

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

    def codebook(self, data: bytes) -> list[QdaCode]:
        if data[:4] == b"PK\x03\x04":
            raise RefiError(
                self.filename,
                "it is a zip archive (a .qdpx project?), not a .qdc codebook; "
                "import it as a project.",
            )
        root = self.parse(data, "the file")
        kind = _local(root)
        if kind == "Project":
            raise RefiError(
                self.filename, "it is a REFI-QDA project (<Project>), not a codebook (<CodeBook>)."
            )
        if kind != "CodeBook":
            raise RefiError(
                self.filename, f"its root element is <{kind}>, so it is not a REFI-QDA codebook."
            )
        self.check_namespace(root, CODEBOOK_NAMESPACE)
        holder = _child(root, "Codes")
        codes = [self.code(element) for element in _children(holder, "Code")]
        if not codes:
            raise RefiError(self.filename, "it holds no codes.")
        codes = self.nest_slash_names(codes)
        self.sets(root)
        if str(root.get("origin", "")).startswith("Taguette") and not any(
            code.description for code in walk_codes(codes)
        ):
            self.repair(
                f"{root.get('origin')} leaves tag descriptions out of its .qdc export; "
                "the codes were imported without descriptions (Taguette's codebook.csv has them)."
            )
        return codes

    def project(self, data: bytes) -> QdaProject:
        self.archive, qde = _open_archive(self, data)
        root = self.parse(qde, "project.qde")
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
        name = self.name_of(element, where, "(unnamed code)")
        written = (element.get("isCodable") or "").strip()
        if written in _BOOLEANS:
            is_codable = written in ("true", "1")
        else:
            is_codable = True
            self.repair(f"{where}: isCodable is {written or 'missing'}; made it codable.")
        children = [self.code(child) for child in _children(element, "Code")]
        self.memos_about(guid, element, where)
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
        name = self.name_of(element, where, "(unnamed variable)")
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
            written = _target(holder, "VariableRef")
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
        text = _text_of(self, self.archive, element, where, required=True)
        if text is None:
            self.skipped_sources.add(guid)
            return None
        path = element.get("plainTextPath") or ""
        name = self.name_of(
            element, where, posixpath.basename(path.replace("\\", "/")) or "(unnamed source)"
        )
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
        for selection, start, end in _byte_offsets_to_characters(self, text, spans, where):
            self.selection(selection, start, end, guid, text, where, codings)
        for coding in _children(element, "Coding"):
            # A coding of the source itself, not of a passage: the whole text is coded.
            found = self.coding(coding, guid, 0, len(text), None, None, where)
            if found is not None:
                codings.append(found)
                self.repair(f"{where}: a coding of the whole source; read it as all its text.")
        self.memos_about(guid, element, where)
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
        written = _target(element, "CodeRef")
        code_guid = self.guids.resolve("code", written)
        if code_guid is None:
            what = f"an unknown code {written}" if written else "no code"
            self.repair(f"{here}: refers to {what}; skipped it.")
            return None
        guid = self.guids.claim("coding", element.get("guid"), here)
        self.memos_about(guid, element, here)
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
        self.memos_about(guid, element, where)
        return QdaNote(
            guid=guid,
            name=(element.get("name") or "").strip(),
            text=_text_of(self, self.archive, element, where, required=False) or "",
            creator_guid=self.user(element.get("creatingUser"), where),
            created=self.when(element.get("creationDateTime"), where),
        )

    def memos_about(self, guid: str, element: Element, where: str) -> None:
        """The memos the element's <NoteRef>s name are about `guid` (resolved at the end)."""
        for reference in _children(element, "NoteRef"):
            self.note_refs.append((reference.get("targetGUID"), guid, where))

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

    def name_of(self, element: Element, where: str, unnamed: str) -> str:
        """The element's name, or `unnamed` (said) when it has none."""
        name = (element.get("name") or "").strip()
        if not name:
            name = unnamed
            self.repair(f"{where}: has no name; called it {name!r}.")
        return name

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
