"""The technique library: the casework techniques a worker chooses from, as versioned data.

The library ships as buoy/plans/library/techniques_v<version>.json (the format is in
docs/plans/rules.md). Each technique has a stable id, a name and a description in English
and Simplified Chinese (the department's own text), the abilities it aims at (A adapting to
life changes, B overcoming difficulties, C dealing with unpleasant feelings; domain reference
§6.2), the codebook factors it addresses (codes of the strengths codebook the file names), an
evidence note with its sources, and whether it is active (an inactive technique stays in the
file, so past sessions that used it still name it, but is no longer offered).

`load_techniques` checks the data strictly and raises `TechniqueError` naming the file, the
technique and the field, and why; `technique_library_to_dict` is its inverse;
`bundled_techniques` reads the shipped file.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from buoy.plans.domain import library_format as fmt
from buoy.plans.domain.abilities import ABILITIES

FILE_NAME = "techniques"  # library/techniques_v<version>.json

_TOP_KEYS = ("format", "id", "version", "name", "source", "licence", "codebook", "techniques")
_TECHNIQUE_KEYS = (
    "id",
    "name",
    "description",
    "abilities",
    "factors",
    "evidence",
    "sources",
    "active",
)


class TechniqueError(fmt.LibraryError):
    """A technique library that cannot be used; says the file, technique, field and why."""


@dataclass(frozen=True)
class Technique:
    """One technique: what it is called and is, what it aims at, and why we use it."""

    id: str
    name: fmt.Text
    description: fmt.Text
    abilities: tuple[str, ...]
    factors: tuple[str, ...]
    evidence: fmt.Text
    sources: tuple[str, ...]
    active: bool = True


@dataclass(frozen=True)
class TechniqueLibrary:
    """One version of the technique library; `codebook` is the codebook its factor codes are
    codes of."""

    id: str
    version: str
    name: fmt.Text
    source: str
    licence: str
    codebook: fmt.Reference
    techniques: tuple[Technique, ...]

    def technique(self, technique_id: str) -> Technique:
        """The technique with this id; KeyError if there is none."""
        for technique in self.techniques:
            if technique.id == technique_id:
                return technique
        raise KeyError(technique_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every technique id, active or not, in file order."""
        return tuple(t.id for t in self.techniques)

    def active(self) -> tuple[Technique, ...]:
        """The techniques a worker may choose today, in file order."""
        return tuple(t for t in self.techniques if t.active)


def _sources(data: Mapping[str, Any]) -> tuple[str, ...]:
    values = fmt.entries(data, "sources")
    if not values:
        raise fmt.LibraryError("sources", "expected at least one source")
    for index, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise fmt.LibraryError(fmt.at("sources", index), "expected non-empty text")
    return tuple(values)


def _technique(data: Mapping[str, Any], known_factors: Collection[str] | None) -> Technique:
    fmt.check_keys(data, allowed=_TECHNIQUE_KEYS, required=_TECHNIQUE_KEYS, path="")
    return Technique(
        id=data["id"],
        name=fmt.text(data, "name"),
        description=fmt.text(data, "description"),
        abilities=fmt.choices(data, "abilities", ABILITIES),
        factors=fmt.factor_codes(data, "factors", known=known_factors),
        evidence=fmt.text(data, "evidence"),
        sources=_sources(data),
        active=fmt.boolean(data, "active"),
    )


def _library(data: object, known_factors: Collection[str] | None) -> TechniqueLibrary:
    top = fmt.check_keys(data, allowed=_TOP_KEYS, required=_TOP_KEYS, path="")
    fmt.file_format(top)
    return TechniqueLibrary(
        id=fmt.stable_id(top["id"], "id"),
        version=fmt.version(top),
        name=fmt.text(top, "name"),
        source=fmt.plain_text(top, "source"),
        licence=fmt.plain_text(top, "licence"),
        codebook=fmt.reference(top, "codebook"),
        techniques=fmt.read_entries(
            top, "techniques", "technique", lambda entry: _technique(entry, known_factors)
        ),
    )


def load_techniques(
    data: object, *, source: str = "", known_factors: Collection[str] | None = None
) -> TechniqueLibrary:
    """Check technique library data (parsed JSON) and return the library.

    Raises TechniqueError naming `source` (the file), the technique and the field of the first
    problem, and why: an unknown or missing field, an id that is not a stable id or appears
    twice, a text without English or Chinese, an ability other than A, B or C, a factor that
    is not a codebook code (of `known_factors`, when the caller passes the codebook's codes),
    no source, ``active`` not true or false.
    """
    try:
        return _library(data, known_factors)
    except fmt.LibraryError as error:
        raise TechniqueError(error.field, error.message, entry=error.entry, source=source) from None


def technique_library_to_dict(library: TechniqueLibrary) -> dict[str, Any]:
    """The plain data for a library; `load_techniques` of the result gives it back."""
    return {
        "format": fmt.FORMAT_VERSION,
        "id": library.id,
        "version": library.version,
        "name": dict(library.name),
        "source": library.source,
        "licence": library.licence,
        "codebook": {"id": library.codebook.id, "version": library.codebook.version},
        "techniques": [
            {
                "id": t.id,
                "name": dict(t.name),
                "description": dict(t.description),
                "abilities": list(t.abilities),
                "factors": list(t.factors),
                "evidence": dict(t.evidence),
                "sources": list(t.sources),
                "active": t.active,
            }
            for t in library.techniques
        ],
    }


@functools.cache
def _read_bundled(file_name: str) -> TechniqueLibrary:
    return load_techniques(fmt.read_bundled_json(file_name), source=file_name)


def bundled_techniques(*, version: str | None = None) -> TechniqueLibrary:
    """The technique library that ships with Buoy: the latest version, or the one asked for.

    LookupError when there is no such file; TechniqueError when the file is malformed or says
    another version inside than its name.
    """
    file_name = fmt.bundled_file_name(FILE_NAME, version)
    library = _read_bundled(file_name)
    if file_name != f"{FILE_NAME}_v{library.version}.json":
        raise TechniqueError(
            "version", f"says {library.version!r}; the file name must match", source=file_name
        )
    return library
