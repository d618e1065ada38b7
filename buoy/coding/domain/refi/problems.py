"""Why a project or codebook cannot be exported as a valid file, in words, for a page to show."""

from __future__ import annotations

from collections.abc import Sequence

from buoy.coding.domain.refi.model import (
    VARIABLE_TYPES,
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
from buoy.coding.domain.refi.values import (
    _COLOUR,
    _GUID,
    _NOT_XML,
    _has_surrogates,
    _key,
    _valid_value,
)


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
    checker.users(project.users)
    checker.codes(project.codes)
    variables = checker.variables(project.variables)
    sources = checker.sources(project.sources)
    checker.cases(project.cases, variables, sources)
    checker.codings(project.codings, sources, {_key(c.guid) for c in walk_codes(project.codes)})
    checker.notes(project.notes)
    # References last: a note may be about anything claimed above, including another note.
    checker.creators(project)
    checker.note_targets(project.notes)
    return checker.problems


class _ExportChecker:
    """The problems found so far, in the order of the file, and every GUID claimed, by whom."""

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

    def item(self, what: str, guid: str, *texts: str) -> None:
        """A part of the project: its GUID is its own, its texts are ones XML can carry."""
        self.claim(guid, what)
        self.text(what, *texts)

    def users(self, users: Sequence[QdaUser]) -> None:
        for user in users:
            self.item(f'user "{user.name}"', user.guid, user.name)

    def codes(self, codes: Sequence[QdaCode]) -> None:
        for code in walk_codes(codes):
            what = f'code "{code.name}"'
            self.claim(code.guid, what)
            if not code.name.strip():
                self.problems.append(f"code {code.guid}: has no name.")
            if code.color is not None and not _COLOUR.fullmatch(code.color):
                self.problems.append(f"{what}: colour {code.color!r} is not #RRGGBB.")
            self.text(what, code.name, code.description)

    def variables(self, variables: Sequence[QdaVariable]) -> dict[str, QdaVariable]:
        """Checks the variables; returns them by GUID key, for the cases' values."""
        by_key = {}
        for variable in variables:
            what = f'variable "{variable.name}"'
            self.item(what, variable.guid, variable.name, variable.description)
            if variable.type_name not in VARIABLE_TYPES:
                self.problems.append(
                    f"{what}: type {variable.type_name!r} is not one of "
                    f"{', '.join(VARIABLE_TYPES)}."
                )
            by_key[_key(variable.guid)] = variable
        return by_key

    def sources(self, sources: Sequence[QdaSource]) -> dict[str, QdaSource]:
        """Checks the sources; returns them by GUID key, for what refers to them."""
        by_key = {}
        for source in sources:
            what = f'source "{source.name}"'
            self.item(what, source.guid, source.name, source.description)
            if _has_surrogates(source.text):
                self.problems.append(f"{what}: its text holds characters UTF-8 cannot encode.")
            by_key[_key(source.guid)] = source
        return by_key

    def cases(
        self,
        cases: Sequence[QdaCase],
        variables: dict[str, QdaVariable],
        sources: dict[str, QdaSource],
    ) -> None:
        for case in cases:
            what = f'case "{case.name}"'
            self.item(what, case.guid, case.name, case.description)
            for variable_guid, value in case.values.items():
                found = variables.get(_key(variable_guid))
                if found is None:
                    self.problems.append(
                        f"{what}: a value for an unknown variable {variable_guid}."
                    )
                elif found.type_name in VARIABLE_TYPES and not _valid_value(found.type_name, value):
                    self.problems.append(
                        f'{what}: {value!r} is not a valid {found.type_name} for "{found.name}".'
                    )
                self.text(what, value)
            for source_guid in case.source_guids:
                if _key(source_guid) not in sources:
                    self.problems.append(f"{what}: refers to an unknown source {source_guid}.")

    def codings(
        self, codings: Sequence[QdaCoding], sources: dict[str, QdaSource], codes: set[str]
    ) -> None:
        for coding in codings:
            what = f"coding {coding.guid}"
            self.claim(coding.guid, what)
            coded = sources.get(_key(coding.source_guid))
            if coded is None:
                self.problems.append(f"{what}: refers to an unknown source {coding.source_guid}.")
            elif not 0 <= coding.start < coding.end <= len(coded.text):
                self.problems.append(
                    f"{what}: characters {coding.start}..{coding.end} are not inside the "
                    f'{len(coded.text)} characters of "{coded.name}".'
                )
            if _key(coding.code_guid) not in codes:
                self.problems.append(f"{what}: refers to an unknown code {coding.code_guid}.")

    def notes(self, notes: Sequence[QdaNote]) -> None:
        for note in notes:
            self.item(f'note "{note.name}"', note.guid, note.name, note.text)

    def creators(self, project: QdaProject) -> None:
        """Whoever made a source, a coding or a note is one of the project's users."""
        users = {_key(user.guid) for user in project.users}
        creators: list[tuple[str, str | None]] = [
            *((f'source "{s.name}"', s.creator_guid) for s in project.sources),
            *((f"coding {c.guid}", c.coder_guid) for c in project.codings),
            *((f'note "{n.name}"', n.creator_guid) for n in project.notes),
        ]
        for what, user_guid in creators:
            if user_guid is not None and _key(user_guid) not in users:
                self.problems.append(f"{what}: its user {user_guid} is not in the project's users.")

    def note_targets(self, notes: Sequence[QdaNote]) -> None:
        for note in notes:
            for target in note.target_guids:
                if _key(target) not in self.seen:
                    self.problems.append(
                        f'note "{note.name}": is about an unknown object {target}.'
                    )
