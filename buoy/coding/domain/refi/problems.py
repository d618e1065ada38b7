"""Why a project or codebook cannot be exported as a valid file, in words, for a page to show."""

from __future__ import annotations

from collections.abc import Sequence

from buoy.coding.domain.refi.model import VARIABLE_TYPES, QdaCode, QdaProject, walk_codes
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
