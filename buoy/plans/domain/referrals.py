"""Referrals of a case to a resource of the department's directory, and how they move.

A referral is first **proposed** (talked over with the family), then **made** (the worker has
contacted the resource or sent the application); the resource **accepts** or the family or the
resource **declines**; an accepted referral is **completed** when the help has been given. A
proposal can also be declined before it is made. Declined and completed are final.

Each status has its day; a later status is never dated before an earlier one.
"""

from __future__ import annotations

PROPOSED, MADE, ACCEPTED, DECLINED, COMPLETED = (
    "proposed",
    "made",
    "accepted",
    "declined",
    "completed",
)
STATUSES = (PROPOSED, MADE, ACCEPTED, DECLINED, COMPLETED)

MOVES: dict[str, tuple[str, ...]] = {
    PROPOSED: (MADE, DECLINED),
    MADE: (ACCEPTED, DECLINED),
    ACCEPTED: (COMPLETED,),
    DECLINED: (),
    COMPLETED: (),
}
FINAL = tuple(status for status, onward in MOVES.items() if not onward)


class ReferralMoveRefused(ValueError):
    """A referral cannot move from its status to the one asked for."""

    def __init__(self, current: str, wanted: str) -> None:
        self.current = current
        self.wanted = wanted
        super().__init__(f"a {current} referral cannot become {wanted}")


def check_referral_move(current: str, wanted: str) -> None:
    """Refuse a move the referral's status does not allow (`MOVES`)."""
    if wanted not in MOVES.get(current, ()):
        raise ReferralMoveRefused(current, wanted)


def next_statuses(current: str) -> tuple[str, ...]:
    """Where a referral with this status can go next (none when it is final)."""
    return MOVES.get(current, ())
