"""Codebooks: a versioned tree of categories and codes, read from plain data.

A codebook is JSON (documented in docs/codebooks/strengths.md): top-level fields and a list of
root nodes, each node with children to any depth. Categories (``codable: false``) group codes;
codes (the default) are what a coder applies to an excerpt. `load_codebook` turns the data into
frozen dataclasses and refuses a malformed codebook with the path of the offending value, e.g.
``roots[0].children[2].colour: expected "#RRGGBB", got 'green'``; `codebook_to_dict` is its
inverse (values equal to the defaults are left out). `bundled_codebook` reads a codebook that
ships with Buoy (buoy/coding/codebooks/<id>_v<version>.json).

The tree helpers (`rollup_counts`, `descendants`, `can_move`) work on a plain
``{id: parent id or None}`` map, so the same rules serve the bundled codebook and a department's
edited copy stored in the database.

Nothing here imports Django. Trees are walked with explicit stacks, so depth is not limited by
Python's recursion limit.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

FORMAT_VERSION = 1
VALENCES = ("protective", "risk")
LEVELS = ("individual", "family", "social", "medical", "economic", "cultural")
MODERATORS = ("initiative", "disease_condition", "culture")
WALSH_PROCESSES = ("belief_systems", "organisation", "communication")

CODEBOOKS_PACKAGE = "buoy.coding"  # package data: codebooks/*.json (see pyproject.toml)
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")  # "en", "zh-hans", lower case
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
BUNDLED_FILE = re.compile(r"^(?P<id>.+)_v(?P<version>[0-9]+)\.json$")

Text = Mapping[str, str]  # language code ("en", "zh-hans") -> text

_TOP_KEYS = ("format", "id", "version", "name", "source", "licence", "roots")
_NODE_KEYS = (
    "id",
    "name",
    "definition",
    "example",
    "inclusion",
    "exclusion",
    "colour",
    "codable",
    "valence",
    "level",
    "moderator",
    "walsh",
    "children",
)
_TEXT_FIELDS = ("definition", "example", "inclusion", "exclusion")
_CHOICES: dict[str, tuple[str, ...]] = {
    "valence": VALENCES,
    "level": LEVELS,
    "moderator": MODERATORS,
    "walsh": WALSH_PROCESSES,
}


class CodebookError(ValueError):
    """A codebook that cannot be used; `path` says where (``roots[0].children[2].colour``)."""

    def __init__(self, path: str, message: str, *, source: str = "") -> None:
        self.path = path
        self.message = message
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{path}: {message}" if path else f"{where}{message}")


class UnknownCodebook(LookupError):
    """No bundled codebook has this id (and version); the message lists the ones there are."""

    def __init__(self, codebook_id: str, version: str | None = None) -> None:
        self.codebook_id = codebook_id
        self.version = version
        wanted = codebook_id if version is None else f"{codebook_id} version {version}"
        known = ", ".join(f"{i} version {v}" for i, v in sorted(_bundled_files())) or "none"
        super().__init__(f"no bundled codebook {wanted!r} (bundled: {known})")


@dataclass(frozen=True)
class CodebookNode:
    """A category (``codable=False``) or a code, with its children in document order.

    `valence`, `level`, `moderator` and `walsh` are optional labels the analysis reads:
    protective or risk; the ecological level; which of the thesis's three moderators the code
    feeds (initiative, disease condition, culture); and Walsh's family-resilience process.
    """

    id: str
    name: Text
    definition: Text = field(default_factory=dict)
    example: Text = field(default_factory=dict)
    inclusion: Text = field(default_factory=dict)
    exclusion: Text = field(default_factory=dict)
    colour: str | None = None
    codable: bool = True
    valence: str | None = None
    level: str | None = None
    moderator: str | None = None
    walsh: str | None = None
    children: tuple[CodebookNode, ...] = ()


@dataclass(frozen=True)
class CodebookDefinition:
    """One version of a codebook: what it is called, where it comes from, and its tree."""

    id: str
    version: str
    name: Text
    source: str = ""
    licence: str = ""
    roots: tuple[CodebookNode, ...] = ()

    def node(self, node_id: str) -> CodebookNode:
        """The node with this id; KeyError if there is none."""
        for node, _parent, _depth in walk(self):
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def codes(self) -> list[CodebookNode]:
        """The codable nodes, in document order."""
        return [node for node, _parent, _depth in walk(self) if node.codable]


# --- reading -----------------------------------------------------------------------------


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _unknown_keys(data: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise CodebookError(
            path or "",
            f"unknown key{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)} "
            f"(allowed: {', '.join(allowed)})",
        )


def _text(
    data: Mapping[str, Any], key: str, path: str, *, required: bool = False
) -> dict[str, str]:
    where = _at(path, key)
    value = data.get(key)
    if value is None:
        if required:
            raise CodebookError(where, "is missing")
        return {}
    if not isinstance(value, Mapping):
        raise CodebookError(where, 'expected a map of language to text, e.g. {"en": "…"}')
    text: dict[str, str] = {}
    for language, words in value.items():
        if not isinstance(language, str) or not LANGUAGE_CODE.fullmatch(language):
            raise CodebookError(where, f"{language!r} is not a lower-case language code")
        if not isinstance(words, str):
            raise CodebookError(f"{where}.{language}", "expected text")
        if not words.strip():
            raise CodebookError(f"{where}.{language}", "is empty; leave the language out instead")
        text[language] = words
    if required and "en" not in text:
        raise CodebookError(where, "has no English ('en') text")
    return text


def _identifier(data: Mapping[str, Any], path: str) -> str:
    where = _at(path, "id")
    if "id" not in data:
        raise CodebookError(where, "is missing")
    value = data["id"]
    if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
        raise CodebookError(
            where,
            f"{value!r} is not an id: up to 64 letters, digits, '.', '_', ':' or '-', "
            "starting with a letter or digit",
        )
    return value


def _optional_string(data: Mapping[str, Any], key: str, path: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise CodebookError(_at(path, key), "expected text")
    return value


def _choice(data: Mapping[str, Any], key: str, path: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    choices = _CHOICES[key]
    if value not in choices:
        raise CodebookError(_at(path, key), f"{value!r} is not one of: {', '.join(choices)}")
    return str(value)


def _children(data: Mapping[str, Any], key: str, path: str) -> list[Mapping[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise CodebookError(_at(path, key), "expected a list of nodes")
    for index, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise CodebookError(f"{_at(path, key)}[{index}]", "expected an object")
    return value


@dataclass
class _Pending:
    """A node whose own fields are checked, waiting for its children to be built."""

    fields: dict[str, Any]
    children: list[CodebookNode] = field(default_factory=list)


def _node_fields(data: Mapping[str, Any], path: str) -> dict[str, Any]:
    _unknown_keys(data, _NODE_KEYS, path)
    fields: dict[str, Any] = {
        "id": _identifier(data, path),
        "name": _text(data, "name", path, required=True),
    }
    for key in _TEXT_FIELDS:
        fields[key] = _text(data, key, path)
    colour = data.get("colour")
    if colour is not None and (not isinstance(colour, str) or not COLOUR.fullmatch(colour)):
        raise CodebookError(_at(path, "colour"), f'expected "#RRGGBB", got {colour!r}')
    fields["colour"] = colour
    codable = data.get("codable", True)
    if not isinstance(codable, bool):
        raise CodebookError(_at(path, "codable"), "expected true or false")
    fields["codable"] = codable
    for key in _CHOICES:
        fields[key] = _choice(data, key, path)
    return fields


def _definition(data: Mapping[str, Any]) -> CodebookDefinition:
    if not isinstance(data, Mapping):
        raise CodebookError("", "expected a JSON object")
    _unknown_keys(data, _TOP_KEYS, "")
    codebook_format = data.get("format")
    if codebook_format != FORMAT_VERSION or isinstance(codebook_format, bool):
        raise CodebookError("format", f"expected {FORMAT_VERSION}, got {codebook_format!r}")
    codebook_id = _identifier(data, "")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise CodebookError("version", 'expected non-empty text, e.g. "1"')
    name = _text(data, "name", "", required=True)
    source = _optional_string(data, "source", "")
    licence = _optional_string(data, "licence", "")
    roots_data = _children(data, "roots", "")

    # Depth-first, without recursion: check each node's own fields in document order, then
    # build a node once all its children are built.
    first_seen: dict[str, str] = {}
    top = _Pending(fields={})
    # Each stack entry: a node being built and its children still to read, last first.
    stack: list[tuple[_Pending, list[tuple[Mapping[str, Any], str]]]] = [
        (top, [(entry, f"roots[{i}]") for i, entry in reversed(list(enumerate(roots_data)))])
    ]
    while stack:
        pending, queue = stack[-1]
        if not queue:
            stack.pop()
            if stack:
                stack[-1][0].children.append(
                    CodebookNode(**pending.fields, children=tuple(pending.children))
                )
            continue
        entry, path = queue.pop()
        fields = _node_fields(entry, path)
        node_id = fields["id"]
        if node_id in first_seen:
            raise CodebookError(
                _at(path, "id"), f"duplicate id {node_id!r} (first at {first_seen[node_id]})"
            )
        first_seen[node_id] = _at(path, "id")
        children = _children(entry, "children", path)
        queue_of_children = [
            (child, f"{path}.children[{i}]") for i, child in reversed(list(enumerate(children)))
        ]
        stack.append((_Pending(fields=fields), queue_of_children))
    return CodebookDefinition(
        id=codebook_id,
        version=version,
        name=name,
        source=source,
        licence=licence,
        roots=tuple(top.children),
    )


def load_codebook(data: Mapping[str, Any], *, source: str = "") -> CodebookDefinition:
    """Check codebook data (parsed JSON) and return the definition.

    Raises CodebookError naming the path of the first problem and why: an unknown key, a
    missing or empty name, a name without English, a duplicate id, a colour that is not
    ``#RRGGBB``, a value outside the allowed labels. `source` (a file name) prefixes the
    message.
    """
    try:
        return _definition(data)
    except CodebookError as error:
        if not source:
            raise
        raise CodebookError(error.path, error.message, source=source) from None


# --- writing -----------------------------------------------------------------------------


def _node_dict(node: CodebookNode) -> dict[str, Any]:
    data: dict[str, Any] = {"id": node.id, "name": dict(node.name)}
    for key in _TEXT_FIELDS:
        text = getattr(node, key)
        if text:
            data[key] = dict(text)
    if node.colour is not None:
        data["colour"] = node.colour
    if not node.codable:
        data["codable"] = False
    for key in _CHOICES:
        value = getattr(node, key)
        if value is not None:
            data[key] = value
    return data


def codebook_to_dict(defn: CodebookDefinition) -> dict[str, Any]:
    """The plain data for a definition; `load_codebook` of the result gives it back.

    Defaults (no colour, codable, no labels, no children, empty text) are left out, so the
    bundled file is exactly what this writes.
    """
    roots: list[dict[str, Any]] = []
    stack: list[tuple[CodebookNode, list[dict[str, Any]]]] = [
        (node, roots) for node in reversed(defn.roots)
    ]
    while stack:
        node, siblings = stack.pop()
        data = _node_dict(node)
        siblings.append(data)
        if node.children:
            children: list[dict[str, Any]] = []
            data["children"] = children
            stack.extend((child, children) for child in reversed(node.children))
    result: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "id": defn.id,
        "version": defn.version,
        "name": dict(defn.name),
    }
    if defn.source:
        result["source"] = defn.source
    if defn.licence:
        result["licence"] = defn.licence
    result["roots"] = roots
    return result


# --- the bundled codebooks -----------------------------------------------------------------


def _bundled_files() -> dict[tuple[str, str], str]:
    """(id, version) -> file name of every bundled codebook."""
    folder = resources.files(CODEBOOKS_PACKAGE).joinpath("codebooks")
    files = {}
    for entry in folder.iterdir():
        match = BUNDLED_FILE.fullmatch(entry.name)
        if match:
            files[(match["id"], match["version"])] = entry.name
    return files


@functools.cache
def _read_bundled(file_name: str) -> CodebookDefinition:
    entry = resources.files(CODEBOOKS_PACKAGE).joinpath("codebooks", file_name)
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise CodebookError("", str(error), source=file_name) from None
    return load_codebook(data, source=file_name)


def bundled_codebook(id: str = "strengths", *, version: str | None = None) -> CodebookDefinition:
    """A codebook that ships with Buoy: the latest version, or the one asked for.

    The file is ``buoy/coding/codebooks/<id>_v<version>.json`` and must say the same id and
    version inside. Raises UnknownCodebook when there is no such file.
    """
    files = _bundled_files()
    versions = sorted((int(v) for i, v in files if i == id), reverse=True)
    if version is not None:
        versions = [v for v in versions if str(v) == version]
    if not versions:
        raise UnknownCodebook(id, version)
    file_name = files[(id, str(versions[0]))]
    defn = _read_bundled(file_name)
    if (defn.id, defn.version) != (id, str(versions[0])):
        raise CodebookError(
            "",
            f"defines {defn.id!r} version {defn.version!r}; the file name must match",
            source=file_name,
        )
    return defn


# --- walking and tree rules ----------------------------------------------------------------


def walk(defn: CodebookDefinition) -> Iterator[tuple[CodebookNode, str | None, int]]:
    """Every node as (node, parent id or None, depth from 0 at the roots), in document order."""
    stack: list[tuple[CodebookNode, str | None, int]] = [
        (node, None, 0) for node in reversed(defn.roots)
    ]
    while stack:
        node, parent_id, depth = stack.pop()
        yield node, parent_id, depth
        stack.extend((child, node.id, depth + 1) for child in reversed(node.children))


def parents(defn: CodebookDefinition) -> dict[str, str | None]:
    """The ``{id: parent id or None}`` map that `rollup_counts`, `descendants` and
    `can_move` take."""
    return {node.id: parent_id for node, parent_id, _depth in walk(defn)}


def _check_tree(parent_of: Mapping[str, str | None]) -> None:
    """ValueError when a parent is unknown or the parent links form a cycle."""
    settled: set[str] = set()  # nodes known to reach a root
    for start in parent_of:
        path: list[str] = []
        on_path: set[str] = set()
        current: str | None = start
        while current is not None and current not in settled:
            if current in on_path:
                cycle = [*path[path.index(current) :], current]
                raise ValueError(f"the parent links form a cycle: {' -> '.join(cycle)}")
            if current not in parent_of:
                raise ValueError(f"{path[-1]!r} has an unknown parent {current!r}")
            path.append(current)
            on_path.add(current)
            current = parent_of[current]
        settled.update(path)


def rollup_counts(
    parent_of: Mapping[str, str | None], own_counts: Mapping[str, int]
) -> dict[str, int]:
    """Each node's own count plus the counts of all its descendants.

    `parent_of` maps every node id to its parent id (None for a root); `own_counts` gives the
    count applied directly to a node (missing means 0). The result has every node of
    `parent_of`. ValueError for a cycle, an unknown parent, or a count for an unknown node.
    """
    _check_tree(parent_of)
    unknown = sorted(set(own_counts) - set(parent_of))
    if unknown:
        raise ValueError(f"counts for nodes not in the tree: {', '.join(unknown)}")
    rolled = dict.fromkeys(parent_of, 0)
    for node_id, count in own_counts.items():
        current: str | None = node_id
        while current is not None:
            rolled[current] += count
            current = parent_of[current]
    return rolled


def descendants(parent_of: Mapping[str, str | None], code_id: str) -> set[str]:
    """The ids below `code_id` at any depth (not itself). ValueError for an unknown id or a
    cycle."""
    _check_tree(parent_of)
    if code_id not in parent_of:
        raise ValueError(f"no node {code_id!r}")
    children: dict[str, list[str]] = {}
    for node_id, parent_id in parent_of.items():
        if parent_id is not None:
            children.setdefault(parent_id, []).append(node_id)
    found: set[str] = set()
    stack = list(children.get(code_id, ()))
    while stack:
        node_id = stack.pop()
        found.add(node_id)
        stack.extend(children.get(node_id, ()))
    return found


def can_move(parent_of: Mapping[str, str | None], code: str, new_parent: str | None) -> bool:
    """Whether `code` may be moved under `new_parent` (None: to the top level).

    False when the new parent is the node itself or one of its descendants (the move would
    make a cycle). ValueError for an unknown id.
    """
    if new_parent is None:
        if code not in parent_of:
            raise ValueError(f"no node {code!r}")
        return True
    if new_parent not in parent_of:
        raise ValueError(f"no node {new_parent!r}")
    return new_parent != code and new_parent not in descendants(parent_of, code)
