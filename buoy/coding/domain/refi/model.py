"""The exchanged project in plain values: users, codes, variables, cases, sources, codings."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"
CODEBOOK_NAMESPACE = "urn:QDA-XML:codebook:1.0"
ORIGIN = "Buoy"
VARIABLE_TYPES = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")


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
