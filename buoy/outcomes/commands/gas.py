"""`buoy stats gas` (issue 11 part 6): GAS T-scores per caregiver from one row per goal.

The file is long: one row per goal, with the caregiver's id (the column `--id` names) and the
columns ``goal``, ``weight``, ``baseline`` (the level at the start) and ``attained`` (the level
at the review). Without a ``weight`` column every goal weighs 1. Per caregiver it prints T at
the start, T attained and the change, computed by `buoy.plans.domain.gas` (the same formula as
the plan pages; ρ 0.3 unless `--rho`). Levels outside −2…+2, a weight below 0, an empty cell,
a goal listed twice for one caregiver are refused with the row named; exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from buoy.outcomes.commands.csvinput import InputError, Table, read_table
from buoy.plans.domain.gas import (
    DEFAULT_RHO,
    GasError,
    GoalLevel,
    check_level,
    check_rho,
    check_weight,
    t_change,
    t_score,
)

NAME = "buoy stats gas"
LEVEL_COLUMNS = ("baseline", "attained")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The action's arguments."""
    parser.add_argument("file", help="CSV file, one row per goal; - for standard input")
    parser.add_argument("--id", required=True, metavar="COL", help="the caregiver's id column")
    parser.add_argument(
        "--rho",
        type=float,
        default=DEFAULT_RHO,
        help=f"assumed correlation between goal scores (default {DEFAULT_RHO})",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    """Read, score, print; 2 with one line on standard error for bad input."""
    try:
        rho = _rho(args.rho)
        result = gas_by_caregiver(read_table(args.file), id_column=args.id, rho=rho)
    except InputError as error:
        print(f"{NAME}: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(_text(result), end="")
    return 0


def gas_by_caregiver(table: Table, *, id_column: str, rho: float) -> dict[str, object]:
    """``{"rho", "caregivers": {id: {"goals", "t_baseline", "t_attained", "change"}}}``, the
    caregivers in the order they first appear; InputError naming the row for bad input."""
    has_weight = "weight" in table.header
    table.require([id_column, "goal", *(("weight",) if has_weight else ()), *LEVEL_COLUMNS])
    goals: dict[str, dict[str, int]] = {}  # caregiver → goal → row
    at_start: dict[str, list[GoalLevel]] = {}
    at_review: dict[str, list[GoalLevel]] = {}
    for row, cells in table.rows:
        caregiver = _cell(table, row, cells, id_column)
        goal = _cell(table, row, cells, "goal")
        seen = goals.setdefault(caregiver, {})
        if goal in seen:
            raise InputError(
                f"{table.where(row, 'goal')}: goal {goal!r} of caregiver {caregiver!r} is"
                f" already on row {seen[goal]}"
            )
        seen[goal] = row
        weight = _weight(table, row, cells) if has_weight else 1.0
        baseline, attained = (_level(table, row, cells, column) for column in LEVEL_COLUMNS)
        at_start.setdefault(caregiver, []).append(GoalLevel(weight=weight, level=baseline))
        at_review.setdefault(caregiver, []).append(GoalLevel(weight=weight, level=attained))
    caregivers: dict[str, dict[str, object]] = {}
    for caregiver in goals:
        try:
            start = t_score(at_start[caregiver], rho=rho)
            review = t_score(at_review[caregiver], rho=rho)
        except GasError as error:
            rows = ", ".join(str(r) for r in goals[caregiver].values())
            raise InputError(
                f"{table.name} rows {rows} (caregiver {caregiver!r}): {error.message}"
            ) from None
        caregivers[caregiver] = {
            "goals": review.goals_scored,
            "t_baseline": start.t,
            "t_attained": review.t,
            "change": t_change(start, review),
        }
    return {"rho": rho, "caregivers": caregivers}


def _rho(value: float) -> float:
    try:
        return check_rho(value)
    except GasError as error:
        raise InputError(f"--rho {error.message}") from None


def _cell(table: Table, row: int, cells: dict[str, str], column: str) -> str:
    value = cells[column]
    if not value:
        raise InputError(f"{table.where(row, column)}: the cell is empty")
    return value


def _weight(table: Table, row: int, cells: dict[str, str], column: str = "weight") -> float:
    text = _cell(table, row, cells, column)
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"{table.where(row, column)}: {text!r} is not a weight: expected a number, 0 or more"
        ) from None
    try:
        return check_weight(value)
    except GasError as error:
        raise InputError(f"{table.where(row, column)}: {error.message}") from None


def _level(table: Table, row: int, cells: dict[str, str], column: str) -> int:
    text = _cell(table, row, cells, column)
    try:
        value: object = int(text)
    except ValueError:
        value = text
    try:
        return check_level(value)
    except GasError as error:
        raise InputError(f"{table.where(row, column)}: {error.message}") from None


def _text(result: dict[str, object]) -> str:
    caregivers = result["caregivers"]
    assert isinstance(caregivers, dict)
    width = max([len("caregiver"), *(len(c) for c in caregivers)])
    lines = [
        f"GAS T-scores, rho {result['rho']}: T = 50 when every goal is met as expected (SD 10);"
        " T compares a caregiver with the expectations set for them, not caregivers with"
        " each other.",
        f"{'caregiver':<{width}}  goals  T start  T attained  change",
    ]
    for caregiver, gas in caregivers.items():
        lines.append(
            f"{caregiver:<{width}}  {gas['goals']:>5}  {gas['t_baseline']:>7.2f}"
            f"  {gas['t_attained']:>10.2f}  {gas['change']:>+6.2f}"
        )
    return "\n".join(lines) + "\n"
