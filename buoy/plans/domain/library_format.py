"""What the plans library files share: strict reading of plain data, and finding a bundled file.

The technique library and the suggestion rules are JSON files that ship with Buoy
(buoy/plans/library/<name>_v<version>.json, documented in docs/plans/rules.md) and that a
department edits. Both are read strictly: unknown keys are refused, ids are checked, every text
is given in English and Simplified Chinese, and every error names the file, the entry (a
technique or a rule) and the field, and says why (`LibraryError`).

Nothing here imports Django, and nothing imports the coding app (a sibling of plans): factor
codes are checked for their shape here; the caller passes the codebook's codes to check that
they exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

FORMAT_VERSION = 1
LIBRARY_PACKAGE = "buoy.plans"  # package data: library/*.json (see pyproject.toml)
REQUIRED_LANGUAGES = ("en", "zh-hans")  # the library is bilingual
STABLE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")  # "eco-map": lower case, hyphens
STABLE_ID_LENGTH = 64
FACTOR_CODE = re.compile(r"^[PR]-(IND|FAM|SOC|MED|ECO|CUL)-[0-9]{2}$")  # "R-ECO-01"
BUNDLED_FILE = re.compile(r"^(?P<name>[a-z_]+)_v(?P<version>[0-9]+)\.json$")

Text = Mapping[str, str]  # language code ("en", "zh-hans") -> text
Entry = TypeVar("Entry")


class LibraryError(ValueError):
    """A library file that cannot be used.

    `source` is the file, `entry` the technique or rule (``technique 'eco-map'``, or
    ``techniques[3]`` when its id is unusable), `field` the value (``abilities[1]``), `message`
    why. Any of the first three may be empty.
    """

    def __init__(self, field: str, message: str, *, entry: str = "", source: str = "") -> None:
        self.field = field
        self.message = message
        self.entry = entry
        self.source = source
        where = [part for part in (source, entry, field) if part]
        super().__init__(": ".join([*where, message]))


@dataclass(frozen=True)
class Reference:
    """Which version of another library or codebook a file's codes refer to."""

    id: str
    version: str


def at(path: str, key: str | int) -> str:
    """``path.key`` or ``path[index]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def check_keys(
    data: object, *, allowed: tuple[str, ...], required: tuple[str, ...], path: str
) -> Mapping[str, Any]:
    """`data` as an object with only `allowed` keys and every `required` one."""
    if not isinstance(data, Mapping):
        raise LibraryError(path, "expected an object")
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise LibraryError(
            path,
            f"unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)} "
            f"(allowed: {', '.join(allowed)})",
        )
    for key in required:
        if key not in data:
            raise LibraryError(at(path, key), "is missing")
    return data


def text(data: Mapping[str, Any], key: str, path: str = "") -> dict[str, str]:
    """A bilingual text: English and Simplified Chinese, both non-empty, nothing else."""
    where = at(path, key)
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise LibraryError(where, 'expected {"en": "…", "zh-hans": "…"}')
    for language in value:
        if language not in REQUIRED_LANGUAGES:
            raise LibraryError(
                where, f"{language!r} is not a language of the library (en, zh-hans)"
            )
    words: dict[str, str] = {}
    for language in REQUIRED_LANGUAGES:
        entry = value.get(language)
        if entry is None:
            raise LibraryError(at(where, language), "is missing: the library is bilingual")
        if not isinstance(entry, str) or not entry.strip():
            raise LibraryError(at(where, language), "expected non-empty text")
        words[language] = entry
    return words


def plain_text(data: Mapping[str, Any], key: str, path: str = "") -> str:
    """A non-empty string."""
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LibraryError(at(path, key), "expected non-empty text")
    return value


def stable_id(value: object, path: str) -> str:
    """A stable id: lower-case letters and digits in words joined by single hyphens."""
    if (
        not isinstance(value, str)
        or len(value) > STABLE_ID_LENGTH
        or not STABLE_ID.fullmatch(value)
    ):
        raise LibraryError(
            path,
            f"{value!r} is not an id: lower-case letters and digits joined by hyphens "
            f"(e.g. 'eco-map'), up to {STABLE_ID_LENGTH} characters",
        )
    return value


def version(data: Mapping[str, Any]) -> str:
    """The file's version: whole-number text ("1")."""
    value = data.get("version")
    if not isinstance(value, str) or not value.isdigit() or value != str(int(value)):
        raise LibraryError("version", f'expected a whole number as text, e.g. "1", got {value!r}')
    return value


def file_format(data: Mapping[str, Any]) -> None:
    """The format number this reader knows."""
    value = data.get("format")
    if value != FORMAT_VERSION or isinstance(value, bool):
        raise LibraryError("format", f"expected {FORMAT_VERSION}, got {value!r}")


def boolean(data: Mapping[str, Any], key: str, path: str = "") -> bool:
    """true or false."""
    value = data.get(key)
    if not isinstance(value, bool):
        raise LibraryError(at(path, key), f"expected true or false, got {value!r}")
    return value


def number(data: Mapping[str, Any], key: str, path: str = "") -> float:
    """A number (not true or false)."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LibraryError(at(path, key), f"expected a number, got {value!r}")
    return float(value)


def entries(data: Mapping[str, Any], key: str, path: str = "") -> list[Any]:
    """A list (its items are checked by the caller)."""
    value = data.get(key)
    if not isinstance(value, list):
        raise LibraryError(at(path, key), "expected a list")
    return value


def choices(
    data: Mapping[str, Any],
    key: str,
    allowed: Collection[str],
    path: str = "",
    *,
    non_empty: bool = True,
) -> tuple[str, ...]:
    """A list of distinct values, each one of `allowed`."""
    where = at(path, key)
    values = entries(data, key, path)
    if non_empty and not values:
        raise LibraryError(where, "expected at least one")
    seen: list[str] = []
    for index, value in enumerate(values):
        if value not in allowed:
            raise LibraryError(
                at(where, index), f"{value!r} is not one of: {', '.join(sorted(allowed))}"
            )
        if value in seen:
            raise LibraryError(at(where, index), f"{value!r} is listed twice")
        seen.append(value)
    return tuple(seen)


def factor_code(
    value: object, path: str, *, known: Collection[str] | None, valence: str | None = None
) -> str:
    """A codebook factor code (``R-ECO-01``); `valence` ``P``/``R`` narrows it to protective or
    risk; `known` (the codebook's codes), when given, must hold it."""
    if not isinstance(value, str) or not FACTOR_CODE.fullmatch(value):
        raise LibraryError(path, f"{value!r} is not a factor code like 'P-IND-01' or 'R-ECO-02'")
    if valence is not None and not value.startswith(f"{valence}-"):
        kind = "protective (P-…)" if valence == "P" else "risk (R-…)"
        raise LibraryError(path, f"{value!r} is not a {kind} factor")
    if known is not None and value not in known:
        raise LibraryError(path, f"{value!r} is not a code of the codebook")
    return value


def factor_codes(
    data: Mapping[str, Any], key: str, path: str = "", *, known: Collection[str] | None
) -> tuple[str, ...]:
    """A list of distinct factor codes (may be empty)."""
    where = at(path, key)
    codes: list[str] = []
    for index, value in enumerate(entries(data, key, path)):
        code = factor_code(value, at(where, index), known=known)
        if code in codes:
            raise LibraryError(at(where, index), f"{code!r} is listed twice")
        codes.append(code)
    return tuple(codes)


def reference(data: Mapping[str, Any], key: str) -> Reference:
    """``{"id": "strengths", "version": "1"}``: which file the codes refer to."""
    value = check_keys(
        data.get(key), allowed=("id", "version"), required=("id", "version"), path=key
    )
    ref_id = value["id"]
    ref_version = value["version"]
    if not isinstance(ref_id, str) or not ref_id.strip():
        raise LibraryError(at(key, "id"), "expected non-empty text")
    if not isinstance(ref_version, str) or not ref_version.isdigit():
        raise LibraryError(at(key, "version"), 'expected a whole number as text, e.g. "1"')
    return Reference(id=ref_id, version=ref_version)


def read_entries(
    top: Mapping[str, Any],
    key: str,
    noun: str,
    build: Callable[[Mapping[str, Any]], Entry],
) -> tuple[Entry, ...]:
    """The list `key` of entries with stable, unique ids, each built by `build`; an error in
    an entry names it (``technique 'eco-map'``, or ``techniques[3]`` when its id is unusable)."""
    first_at: dict[str, int] = {}
    built = []
    for index, entry in enumerate(entries(top, key)):
        where = at(key, index)
        if not isinstance(entry, Mapping):
            raise LibraryError("", "expected an object", entry=where)
        try:
            entry_id = stable_id(entry.get("id"), "id")
        except LibraryError as error:
            raise LibraryError(error.field, error.message, entry=where) from None
        name = f"{noun} {entry_id!r}"
        if entry_id in first_at:
            raise LibraryError(
                "id", f"appears twice (first at {key}[{first_at[entry_id]}])", entry=name
            )
        first_at[entry_id] = index
        try:
            built.append(build(entry))
        except LibraryError as error:
            raise LibraryError(error.field, error.message, entry=name) from None
    return tuple(built)


# --- bundled files -------------------------------------------------------------------------


def bundled_versions(name: str) -> dict[str, str]:
    """version -> file name of every bundled ``<name>_v<version>.json``."""
    folder = resources.files(LIBRARY_PACKAGE).joinpath("library")
    found = {}
    for entry in folder.iterdir():
        match = BUNDLED_FILE.fullmatch(entry.name)
        if match and match["name"] == name:
            found[match["version"]] = entry.name
    return found


def bundled_file_name(name: str, version_wanted: str | None) -> str:
    """The file of the latest bundled version of `name`, or of the version asked for;
    LookupError naming the versions there are."""
    found = bundled_versions(name)
    if version_wanted is None and found:
        return found[max(found, key=int)]
    if version_wanted in found:
        return found[version_wanted]
    there = ", ".join(sorted(found, key=int)) or "none"
    wanted = "any version" if version_wanted is None else f"version {version_wanted}"
    raise LookupError(f"no bundled {name} file, {wanted} (bundled versions: {there})")


def read_bundled_json(file_name: str) -> Any:
    """The parsed JSON of a bundled library file (the loaders keep what they build from it)."""
    entry = resources.files(LIBRARY_PACKAGE).joinpath("library", file_name)
    try:
        return json.loads(entry.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise LibraryError("", f"not JSON: {error}", source=file_name) from None
