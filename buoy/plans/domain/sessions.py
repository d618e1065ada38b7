"""What a session record holds besides its free text: how it was held, who took part, how long
it lasted and the caregiver's distress before and after (0 none … 10 the worst imaginable,
the usual distress thermometer)."""

from __future__ import annotations

MODES = ("bedside", "office", "phone", "video", "group")
FAMILY_ROLES = (
    "child",  # the ill child
    "sibling",
    "mother",
    "father",
    "grandparent",
    "other_relative",
)
DISTRESS_LOWEST, DISTRESS_HIGHEST = 0, 10
LONGEST_MINUTES = 600  # a session or group meeting longer than ten hours is a typing error


class SessionError(ValueError):
    """A session value that cannot be recorded; `field` says which."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def check_minutes(value: object, *, field: str = "minutes") -> int:
    """How long a session lasted: a whole number of minutes, 1 to `LONGEST_MINUTES`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= LONGEST_MINUTES:
        raise SessionError(
            field, f"{value!r} is not a length: expected 1 to {LONGEST_MINUTES} minutes"
        )
    return value


def check_distress(value: object, *, field: str) -> int | None:
    """A distress rating, 0–10, or None when it was not asked."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not DISTRESS_LOWEST <= value <= DISTRESS_HIGHEST
    ):
        raise SessionError(field, f"{value!r} is not a distress rating: expected 0 to 10")
    return value


def check_family_roles(values: object, *, field: str = "family_members") -> tuple[str, ...]:
    """The other family members who took part, by role: distinct roles of `FAMILY_ROLES`."""
    if not isinstance(values, list | tuple):
        raise SessionError(field, "expected a list of roles")
    seen: list[str] = []
    for value in values:
        if value not in FAMILY_ROLES:
            raise SessionError(field, f"{value!r} is not one of: {', '.join(FAMILY_ROLES)}")
        if value not in seen:
            seen.append(value)
    return tuple(seen)
