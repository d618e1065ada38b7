"""The casework process: intake → assessment → planning → intervention → evaluation → closed,
then follow-up (reference.md §6.1). Which moves are allowed is decided here, without a database.
"""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    """Where a case stands in the casework process."""

    INTAKE = "intake"
    ASSESSMENT = "assessment"
    PLANNING = "planning"
    INTERVENTION = "intervention"
    EVALUATION = "evaluation"
    CLOSED = "closed"
    FOLLOW_UP = "follow_up"


OPEN_PHASES = (
    Phase.INTAKE,
    Phase.ASSESSMENT,
    Phase.PLANNING,
    Phase.INTERVENTION,
    Phase.EVALUATION,
)


class PhaseMoveRefused(ValueError):
    """A phase change that the casework process does not allow."""


def is_open(phase: Phase) -> bool:
    """An open case is being worked on; closed and follow-up cases are not."""
    return phase in OPEN_PHASES


def allowed_moves(phase: Phase) -> tuple[Phase, ...]:
    """Phases a case may move to with a plain phase change (closing has its own step).

    Open phases move one step on, or one step back to correct a mistake; a closed case moves
    to follow-up; a closed or followed-up case may be reopened at assessment.
    """
    if phase in OPEN_PHASES:
        index = OPEN_PHASES.index(phase)
        moves = []
        if index + 1 < len(OPEN_PHASES):
            moves.append(OPEN_PHASES[index + 1])
        if index > 0:
            moves.append(OPEN_PHASES[index - 1])
        return tuple(moves)
    if phase is Phase.CLOSED:
        return (Phase.FOLLOW_UP, Phase.ASSESSMENT)
    return (Phase.ASSESSMENT,)


def check_move(current: Phase, target: Phase) -> None:
    """Raise PhaseMoveRefused unless `current` → `target` is an allowed plain move."""
    if target is Phase.CLOSED:
        raise PhaseMoveRefused("A case is closed with a closing reason, not by a phase change.")
    if target not in allowed_moves(current):
        raise PhaseMoveRefused(f"A case cannot move from {current} to {target}.")


def check_can_close(current: Phase) -> None:
    """Only an open case can be closed."""
    if not is_open(current):
        raise PhaseMoveRefused(f"A case in {current} is not open, so it cannot be closed.")
