"""The department's suggestion rules, version by version.

The shipped file (library/suggestion_rules_v<version>.json) is version 1 until the department
saves its own (`services.rules.save_suggestion_rules`); from then on the newest saved version
is the rules in force, which `selectors.suggestions` evaluates and every decision names. Every
version's text is kept in one canonical form (`suggestion_rules_to_dict`, indented JSON), so
two versions compare line by line. The rules name no family: reading them is not audited, but
only their keepers (supervisors, administrators) read the versions.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from dataclasses import dataclass
from typing import Any

from buoy.access.domain.roles import can_keep_suggestion_rules
from buoy.access.models import User
from buoy.core.errors import Forbidden, NotFound
from buoy.plans.domain import library_format as fmt
from buoy.plans.domain.suggestions import (
    FILE_NAME,
    SuggestionRuleError,
    SuggestionRules,
    bundled_suggestion_rules,
    load_suggestion_rules,
    suggestion_rules_to_dict,
)
from buoy.plans.models import SuggestionRuleSet


@dataclass(frozen=True)
class RulesVersion:
    """One version of the suggestion rules as the pages show it: its number, the rules id,
    the canonical JSON text, the note, who saved it and when (None for a shipped version),
    whether it is `shipped` with Buoy, and whether it is the one `in_force`."""

    version: int
    rules_id: str
    text: str
    note: str
    saved_by: User | None
    saved_at: dt.datetime | None
    shipped: bool
    in_force: bool = False

    def rules(self) -> SuggestionRules:
        """The rules of this version, read by the strict loader."""
        return load_suggestion_rules(json.loads(self.text), source=f"version {self.version}")


def canonical_text(data: Any) -> str:
    """Rules data (checked by the loader) as the text every version is kept in."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _shipped() -> dict[int, RulesVersion]:
    found = {}
    for version in fmt.bundled_versions(FILE_NAME):
        rules = bundled_suggestion_rules(version=version)
        found[int(version)] = RulesVersion(
            version=int(version),
            rules_id=rules.id,
            text=canonical_text(suggestion_rules_to_dict(rules)),
            note="",
            saved_by=None,
            saved_at=None,
            shipped=True,
        )
    return found


def _saved(row: SuggestionRuleSet) -> RulesVersion:
    return RulesVersion(
        version=row.version,
        rules_id=row.rules_id,
        text=row.text,
        note=row.note,
        saved_by=row.saved_by,
        saved_at=row.saved_at,
        shipped=False,
    )


def _all_versions() -> list[RulesVersion]:
    """Every version, newest first; a saved version shadows a shipped one of the same number.
    The newest saved version is in force, else the newest shipped one."""
    versions = _shipped()
    saved = {
        row.version: _saved(row) for row in SuggestionRuleSet.objects.select_related("saved_by")
    }
    versions.update(saved)
    in_force = max(saved) if saved else max(versions, default=None)
    return [
        RulesVersion(**{**vars(found), "in_force": number == in_force})
        for number, found in sorted(versions.items(), reverse=True)
    ]


def _require_keeper(user: User) -> None:
    if not can_keep_suggestion_rules(user.role_enum):
        raise Forbidden()


def suggestion_rule_versions(user: User) -> list[RulesVersion]:
    """Every version of the rules, newest first, for their keepers (Forbidden for others)."""
    _require_keeper(user)
    return _all_versions()


def suggestion_rule_version(user: User, version: Any = None) -> RulesVersion:
    """One version (the one in force when `version` is None); NotFound for a number there is
    no version of, or that is no number."""
    _require_keeper(user)
    versions = _all_versions()
    if version is None or version == "":
        found = [v for v in versions if v.in_force]
    else:
        try:
            number = int(version)
        except (TypeError, ValueError):
            raise NotFound() from None
        found = [v for v in versions if v.version == number]
    if not found:
        raise NotFound()
    return found[0]


def next_rules_version() -> int:
    """The number the department's next saved version gets: one more than any there is."""
    numbers = [int(v) for v in fmt.bundled_versions(FILE_NAME)]
    numbers.extend(SuggestionRuleSet.objects.values_list("version", flat=True))
    return max(numbers, default=0) + 1


def rules_in_force() -> SuggestionRules:
    """The suggestion rules in force: the department's newest saved version, else the
    shipped rules. A saved version was checked strictly when it was saved; should it no
    longer load (a newer Buoy reads the format differently), the shipped rules stand in."""
    row = SuggestionRuleSet.objects.order_by("-version").first()
    if row is None:
        return bundled_suggestion_rules()
    try:
        return load_suggestion_rules(json.loads(row.text), source=f"version {row.version}")
    except (SuggestionRuleError, json.JSONDecodeError):
        return bundled_suggestion_rules()


@dataclass(frozen=True)
class DiffLine:
    """A line of the comparison of two versions: `kind` is ``added``, ``removed``, ``same``
    or ``gap`` (the start of another stretch of changes, `text` says where)."""

    kind: str
    text: str


def rules_diff(older: RulesVersion, newer: RulesVersion) -> list[DiffLine]:
    """What changed from `older` to `newer`, line by line, with three lines around each
    change; empty when the texts are the same."""
    lines = []
    diff = difflib.unified_diff(older.text.splitlines(), newer.text.splitlines(), lineterm="", n=3)
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("gap", line))
        elif line.startswith("+"):
            lines.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("removed", line[1:]))
        else:
            lines.append(DiffLine("same", line[1:]))
    return lines
