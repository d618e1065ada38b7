"""The descriptive item groups a department edits: checked, tidied and put in place."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from buoy.instruments.domain.definition.model import DefinitionError, Instrument, ItemGroup, Text

GROUP_ID = re.compile(r"^[A-Za-z0-9_-]+$")
GROUP_LABEL_LANGUAGES = ("en", "zh-hans")  # a department's groups are labelled in both


@dataclass(frozen=True)
class GroupProblem:
    """Why a proposed item group is refused, as data, so the caller words it for its reader.

    `index` is the group's place in the list given (from 0); `field` is ``id``, ``items`` or
    ``label.<language>``; `kind` is ``missing``, ``invalid``, ``duplicate``, ``empty`` or
    ``unknown``; `values` are the offending ids.
    """

    index: int
    field: str
    kind: str
    values: tuple[str, ...] = ()

    def describe(self) -> str:
        """The problem in English, for errors outside the pages (definition paths)."""
        subject = ", ".join(self.values)
        return {
            "missing": "is missing",
            "invalid": f"{subject!r}: use letters, digits, - and _ only",
            "duplicate": f"group id {subject!r} appears twice",
            "empty": "a group needs at least one item",
            "unknown": f"not a scored item of this instrument: {subject}",
        }[self.kind]


def item_group_problems(instrument: Instrument, groups: Sequence[ItemGroup]) -> list[GroupProblem]:
    """Every reason `groups` cannot be `instrument`'s item groups; empty when they can.

    Each group needs an id (letters, digits, - and _) that no earlier group has, a label in
    English and in Chinese, and at least one item, all of them scored items of the instrument.
    An empty list of groups is allowed: the instrument then shows no profiles.
    """
    scored = {item.id for item in instrument.scored_items}
    problems: list[GroupProblem] = []
    seen: set[str] = set()
    for index, group in enumerate(groups):
        group_id = group.id.strip()
        if not group_id:
            problems.append(GroupProblem(index, "id", "missing"))
        elif not GROUP_ID.match(group_id):
            problems.append(GroupProblem(index, "id", "invalid", (group_id,)))
        elif group_id in seen:
            problems.append(GroupProblem(index, "id", "duplicate", (group_id,)))
        seen.add(group_id)
        for language in GROUP_LABEL_LANGUAGES:
            if not group.label.get(language, "").strip():
                problems.append(GroupProblem(index, f"label.{language}", "missing"))
        unknown = tuple(dict.fromkeys(i for i in group.items if i not in scored))
        if not group.items:
            problems.append(GroupProblem(index, "items", "empty"))
        elif unknown:
            problems.append(GroupProblem(index, "items", "unknown", unknown))
    return problems


def tidy_item_groups(instrument: Instrument, groups: Sequence[ItemGroup]) -> tuple[ItemGroup, ...]:
    """`groups` as they are stored: ids and texts stripped, empty texts left out, and each
    group's items once, in the instrument's order (a group is a set of items)."""
    order = {item.id: index for index, item in enumerate(instrument.items)}

    def texts(text: Text) -> dict[str, str]:
        return {language: value.strip() for language, value in text.items() if value.strip()}

    return tuple(
        ItemGroup(
            id=group.id.strip(),
            items=tuple(sorted(set(group.items), key=lambda i: (order.get(i, len(order)), i))),
            label=texts(group.label),
            description=texts(group.description),
        )
        for group in groups
    )


def with_item_groups(instrument: Instrument, groups: Sequence[ItemGroup]) -> Instrument:
    """A copy of `instrument` whose item groups are `groups` (tidied); nothing else changes.

    Raises DefinitionError on the first problem `item_group_problems` finds. The copy keeps
    the version number: the caller gives it the next one.
    """
    for problem in item_group_problems(instrument, groups):
        raise DefinitionError(f"item_groups[{problem.index}].{problem.field}", problem.describe())
    return replace(instrument, item_groups=tidy_item_groups(instrument, groups))
