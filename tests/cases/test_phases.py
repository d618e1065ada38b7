"""The casework process rules, without a database."""

from __future__ import annotations

import itertools

import pytest

from buoy.cases.domain.phases import (
    OPEN_PHASES,
    Phase,
    PhaseMoveRefused,
    allowed_moves,
    check_can_close,
    check_move,
    is_open,
)


def test_open_phases_follow_the_casework_process_in_order() -> None:
    assert [p.value for p in OPEN_PHASES] == [
        "intake",
        "assessment",
        "planning",
        "intervention",
        "evaluation",
    ]


@pytest.mark.parametrize(("current", "target"), list(itertools.pairwise(OPEN_PHASES)))
def test_a_case_moves_one_step_forward(current: Phase, target: Phase) -> None:
    check_move(current, target)


def test_a_case_moves_one_step_back_to_correct_a_mistake() -> None:
    check_move(Phase.PLANNING, Phase.ASSESSMENT)


def test_a_case_cannot_skip_a_phase() -> None:
    with pytest.raises(PhaseMoveRefused):
        check_move(Phase.INTAKE, Phase.PLANNING)


def test_closing_is_not_a_plain_phase_change() -> None:
    with pytest.raises(PhaseMoveRefused):
        check_move(Phase.EVALUATION, Phase.CLOSED)


def test_a_closed_case_moves_to_follow_up_or_reopens_at_assessment() -> None:
    assert set(allowed_moves(Phase.CLOSED)) == {Phase.FOLLOW_UP, Phase.ASSESSMENT}
    check_move(Phase.CLOSED, Phase.FOLLOW_UP)
    with pytest.raises(PhaseMoveRefused):
        check_move(Phase.CLOSED, Phase.INTERVENTION)


def test_follow_up_only_reopens() -> None:
    assert allowed_moves(Phase.FOLLOW_UP) == (Phase.ASSESSMENT,)


def test_only_open_cases_close() -> None:
    check_can_close(Phase.INTERVENTION)
    with pytest.raises(PhaseMoveRefused):
        check_can_close(Phase.CLOSED)
    assert is_open(Phase.INTAKE)
    assert not is_open(Phase.FOLLOW_UP)
