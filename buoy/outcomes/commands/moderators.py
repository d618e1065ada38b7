"""`buoy stats moderators` (issue 11 part 6): change regressed on the baseline and moderators.

change = post − pre, regressed by OLS on pre and each `--moderator` column, with HC3 robust
standard errors (`buoy.outcomes.domain.moderators`). A column whose every value is a number is
numeric; any other is categorical, in treatment coding against the first level in sorted order
or the level `--reference COL=LEVEL` names. A row with an empty cell in pre, post or a
moderator is left out and counted; a pre or post that is not a number is refused with the row
named. `--json` prints ``{"n", "r2", "cov_type", "coefficients": {term: {"b", "se", "p",
"ci95"}}, "left_out", "warnings"}``; without it, a table to paste and the warnings in words.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from buoy.outcomes.commands.csvinput import InputError, Table, read_table
from buoy.outcomes.domain.moderators import ModeratorError, ModeratorFit, fit_moderators

NAME = "buoy stats moderators"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The action's arguments."""
    parser.add_argument("file", help="CSV file, one row per caregiver; - for standard input")
    parser.add_argument("--pre", required=True, metavar="COL", help="the baseline score")
    parser.add_argument("--post", required=True, metavar="COL", help="the score after")
    parser.add_argument("--id", metavar="COL", help="the caregiver's id column (checked unique)")
    parser.add_argument(
        "--moderator",
        action="append",
        required=True,
        metavar="COL",
        help="a moderator column; repeat for more",
    )
    parser.add_argument(
        "--reference",
        action="append",
        default=[],
        metavar="COL=LEVEL",
        help="the reference level of a categorical moderator (default: first in sorted order)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    """Read, fit, print; 2 with one line on standard error for bad input."""
    try:
        references = _references(args.reference)
        table = read_table(args.file)
        fit, left_out = fit_table(
            table,
            pre=args.pre,
            post=args.post,
            moderators=args.moderator,
            references=references,
            id_column=args.id,
        )
    except InputError as error:
        print(f"{NAME}: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(as_json(fit, left_out), ensure_ascii=False, indent=2))
    else:
        print(_text(fit, left_out), end="")
    return 0


def fit_table(
    table: Table,
    *,
    pre: str,
    post: str,
    moderators: list[str],
    references: dict[str, str],
    id_column: str | None = None,
) -> tuple[ModeratorFit, int]:
    """The fit over the complete rows of `table`, and how many rows were left out."""
    if len(set(moderators)) != len(moderators):
        raise InputError("--moderator: a column is named twice")
    for column in moderators:
        if column in (pre, post) or column == id_column:
            raise InputError(f"--moderator {column}: it is also --pre, --post or --id")
    table.require([*([id_column] if id_column else []), pre, post, *moderators])
    for column in references:
        if column not in moderators:
            raise InputError(f"--reference {column}=...: {column} is not a --moderator")
    ids: dict[str, int] = {}
    fitted_rows: list[int] = []  # the file's row number of each caregiver in the fit
    pre_values: list[float] = []
    post_values: list[float] = []
    columns: dict[str, list[object]] = {column: [] for column in moderators}
    left_out = 0
    for row, cells in table.rows:
        if id_column:
            caregiver = cells[id_column]
            if not caregiver:
                raise InputError(f"{table.where(row, id_column)}: the cell is empty")
            if caregiver in ids:
                raise InputError(
                    f"{table.where(row, id_column)}: caregiver {caregiver!r} is already on"
                    f" row {ids[caregiver]}"
                )
            ids[caregiver] = row
        if any(not cells[column] for column in (pre, post, *moderators)):
            left_out += 1
            continue
        fitted_rows.append(row)
        pre_values.append(_number(table, row, cells, pre))
        post_values.append(_number(table, row, cells, post))
        for column in moderators:
            columns[column].append(cells[column])
    try:
        fit = fit_moderators(
            pre=pre_values, post=post_values, moderators=columns, references=references
        )
    except ModeratorError as error:
        if error.positions:
            rows = ", ".join(str(fitted_rows[i]) for i in error.positions)
            message = error.message.split(" (leverage 1")[0]
            raise InputError(
                f"{table.name} row{'s' if len(error.positions) > 1 else ''} {rows}: {message}"
                " (leverage 1; often the only caregiver with a level); merge rare levels or"
                " leave the moderator out"
            ) from None
        raise InputError(_explain(table, error, pre, left_out)) from None
    return fit, left_out


def as_json(fit: ModeratorFit, left_out: int) -> dict[str, object]:
    """The fit as the JSON the command prints."""
    return {
        "n": fit.n,
        "r2": fit.r2,
        "cov_type": fit.cov_type,
        "coefficients": {
            c.term: {"b": c.b, "se": c.se, "p": c.p, "ci95": [c.ci_low, c.ci_high]}
            for c in fit.coefficients
        },
        "left_out": left_out,
        "warnings": list(fit.warnings),
    }


def _explain(table: Table, error: ModeratorError, pre: str, left_out: int) -> str:
    where = "--moderator" if error.field == "moderator" else error.field
    if error.field == "rows":
        where = table.name
        if left_out:
            return f"{where}: {error.message} ({_left_out(left_out)})"
    elif error.field == pre:
        where = f"{table.name} column {pre}"
    elif error.field != "moderator":
        where = f"{table.name} column {error.field}"
    return f"{where}: {error.message}"


def _left_out(count: int) -> str:
    return f"{count} incomplete row{'' if count == 1 else 's'} left out"


def _references(pairs: list[str]) -> dict[str, str]:
    references: dict[str, str] = {}
    for pair in pairs:
        column, equals, level = pair.partition("=")
        column, level = column.strip(), level.strip()
        if not equals or not column or not level:
            raise InputError(f"--reference {pair!r}: expected COL=LEVEL")
        if column in references:
            raise InputError(f"--reference {column}: named twice")
        references[column] = level
    return references


def _number(table: Table, row: int, cells: dict[str, str], column: str) -> float:
    text = cells[column]
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputError(f"{table.where(row, column)}: {text!r} is not a number")
    return value


def _text(fit: ModeratorFit, left_out: int) -> str:
    lines = [
        f"change = post - pre, regressed on pre and the moderators: OLS, {fit.cov_type}"
        " robust standard errors",
        f"n = {fit.n}" + (f" ({_left_out(left_out)})" if left_out else ""),
        f"R2 = {fit.r2:.3f}",
    ]
    for moderator in fit.moderators:
        if moderator.kind == "categorical":
            lines.append(
                f"{moderator.name}: categorical, compared with {moderator.reference!r}"
                f" (levels: {', '.join(moderator.levels)})"
            )
        else:
            lines.append(f"{moderator.name}: numeric (change per unit)")
    lines.append("")
    lines.append(fit.table_text().rstrip("\n"))
    lines.append("")
    for warning in fit.warnings:
        lines.append(f"warning: {warning}")
    lines.append(
        "note: observational; a coefficient says what goes with more change, not what causes it"
    )
    return "\n".join(lines) + "\n"
