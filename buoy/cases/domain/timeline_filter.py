"""Which timeline entries a worker asked to see: the case timeline's filter.

An entry's `kind` (``note``, ``phase``, ``alert-raised``, ``factor-map``, ``referral-made``, …)
falls into one group of the filter by its first words. `cases` names the kinds of the apps
above it only as text here, never by importing them (ADR 0009): a source that registers a
kind of a new shape lands in ``other`` until it is named below. Pure Python.
"""

from __future__ import annotations

from collections.abc import Iterable

# group -> the kinds it holds: a kind is in a group when it is one of these words or starts
# with one followed by a hyphen ("referral" holds "referral-proposed", "referral-made", …).
GROUPS: dict[str, tuple[str, ...]] = {
    "assessments": ("assessment", "score", "alert"),
    "interviews": ("interview", "transcript", "coding", "segment", "memo"),
    "maps": ("factor-map",),
    "plans": ("plan", "goal-review"),
    "sessions": ("session", "group-session"),
    "referrals": ("referral",),
    "notes": ("note",),
    "phases": ("phase",),
    "record": ("consent", "costs", "follow-up"),
}
OTHER = "other"
GROUP_NAMES = (*GROUPS, OTHER)


def group_of(kind: str) -> str:
    """The filter group of an entry kind; ``other`` for a kind no group names."""
    for group, words in GROUPS.items():
        if any(kind == word or kind.startswith(f"{word}-") for word in words):
            return group
    return OTHER


def chosen_groups(values: Iterable[str]) -> tuple[str, ...]:
    """The groups asked for, from ``?kinds=notes&kinds=plans`` or ``?kinds=notes,plans``:
    known names only, each once, in the filter's order. Nothing known: an empty tuple, which
    means every entry."""
    asked = {
        part.strip().lower()
        for value in values
        if isinstance(value, str)
        for part in value.split(",")
    }
    return tuple(group for group in GROUP_NAMES if group in asked)


def shows(kind: str, groups: tuple[str, ...]) -> bool:
    """Whether an entry of `kind` is shown when `groups` are chosen (all when none are)."""
    return not groups or group_of(kind) in groups
