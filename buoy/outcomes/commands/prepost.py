"""`buoy stats prepost FILE.csv --pre COL --post COL [--id COL] [--reference ...] [--json]`
(issue 11 part 6): the cohort's pre/post statistics and each row's reliable change index.

Rows with a missing or non-numeric value are left out, counted and reported on standard
error. Bad input (no such file or column, a repeated id, fewer than two complete pairs) ends
with exit status 2 and one line naming the file, row and field; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from typing import IO, Any

from buoy.outcomes.commands.csvinput import InputError, read_table
from buoy.outcomes.domain.change import (
    CN_CAREGIVERS,
    PUBLISHED_REFERENCES,
    SAMPLE_KEY,
    Direction,
    Reference,
    StatisticsError,
    sample_reference,
)
from buoy.outcomes.domain.cohort import PrePost, prepost

PROGRAM = "buoy stats prepost"
REFERENCE_CHOICES = [*PUBLISHED_REFERENCES, SAMPLE_KEY]
# The keys of --json, exactly and in this order (issue 11 part 6).
JSON_KEYS = (
    "n",
    "mean_pre",
    "sd_pre",
    "mean_post",
    "sd_post",
    "mean_diff",
    "sd_diff",
    "t",
    "df",
    "p_t",
    "ci95_diff",
    "d_z",
    "d_av",
    "g_av",
    "wilcoxon_stat",
    "p_wilcoxon",
    "rci_sd",
    "rci_reliability",
    "rci",
    "reliable_improved",
    "reliable_deteriorated",
)
LISTED_SKIPS = 5


@dataclass(frozen=True)
class Pair:
    row: int
    label: str
    pre: float
    post: float


@dataclass(frozen=True)
class Skipped:
    row: int
    field: str
    reason: str

    def words(self) -> str:
        return f"row {self.row}, field '{self.field}': {self.reason}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The action's arguments."""
    parser.add_argument("file", help="CSV file with a header row; - for standard input")
    parser.add_argument("--pre", required=True, metavar="COL", help="the column of pre scores")
    parser.add_argument("--post", required=True, metavar="COL", help="the column of post scores")
    parser.add_argument("--id", metavar="COL", help="a column naming each row (caregiver)")
    parser.add_argument(
        "--reference",
        choices=REFERENCE_CHOICES,
        default=CN_CAREGIVERS.key,
        help=(
            "the SD and reliability of the reliable change index: cn-caregivers (Chinese "
            "parents of children with cancer, SD 5.7, r .78; the default), us-community "
            "(SD 5.4, alpha .85), or sample (the SD of these pre scores, with r .78)"
        ),
    )
    parser.add_argument(
        "--lower-is-better",
        action="store_true",
        help="a symptom scale (PHQ-9, GAD-7): a fall is an improvement",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(
    args: argparse.Namespace, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None
) -> int:
    """Read the CSV, print the statistics; 0, or 2 with one line on standard error."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    try:
        pairs, skipped = _read(args.file, args.pre, args.post, args.id)
        if len(pairs) < 2:
            why = f"; {skipped[0].words()}" if skipped else ""
            raise InputError(
                f"{args.file}: fewer than two complete pairs ({len(pairs)}) of "
                f"'{args.pre}' and '{args.post}'{why}"
            )
        pre = [p.pre for p in pairs]
        post = [p.post for p in pairs]
        reference = _reference(args.reference, pre)
        direction = (
            Direction.LOWER_IS_BETTER if args.lower_is_better else Direction.HIGHER_IS_BETTER
        )
        result = prepost(pre, post, reference=reference, direction=direction)
    except InputError as error:
        print(f"{PROGRAM}: {error}", file=err)
        return 2
    except StatisticsError as error:
        print(f"{PROGRAM}: {args.file}: {error}", file=err)
        return 2
    if skipped:
        print(f"{PROGRAM}: {_skipped_line(skipped)}", file=err)
    if args.json:
        print(json.dumps(as_json(result), allow_nan=False), file=out)
    else:
        out.write(as_text(result, pairs, skipped, pre_column=args.pre, post_column=args.post))
    return 0


def as_json(result: PrePost) -> dict[str, Any]:
    """The --json object: exactly JSON_KEYS, `null` for what these data leave undefined."""
    values: dict[str, Any] = {
        "n": result.n,
        "mean_pre": result.mean_pre,
        "sd_pre": result.sd_pre,
        "mean_post": result.mean_post,
        "sd_post": result.sd_post,
        "mean_diff": result.mean_diff,
        "sd_diff": result.sd_diff,
        "t": result.t,
        "df": result.df,
        "p_t": result.p_t,
        "ci95_diff": list(result.ci95_diff),
        "d_z": result.d_z,
        "d_av": result.d_av,
        "g_av": result.g_av,
        "wilcoxon_stat": result.wilcoxon_stat,
        "p_wilcoxon": result.p_wilcoxon,
        "rci_sd": result.reference.sd,
        "rci_reliability": result.reference.reliability,
        "rci": list(result.rci),
        "reliable_improved": result.improved,
        "reliable_deteriorated": result.deteriorated,
    }
    return {key: values[key] for key in JSON_KEYS}


def as_text(
    result: PrePost,
    pairs: list[Pair],
    skipped: list[Skipped],
    *,
    pre_column: str,
    post_column: str,
) -> str:
    """A report a person reads: the cohort, the reference, each row, the cautions."""
    ref = result.reference
    lines = [
        f"Pre/post: '{pre_column}' -> '{post_column}', {result.n} complete pairs"
        + (
            f" ({len(skipped)} {'row' if len(skipped) == 1 else 'rows'} left out)"
            if skipped
            else ""
        ),
        f"  pre   mean {result.mean_pre:.2f}  SD {result.sd_pre:.2f}",
        f"  post  mean {result.mean_post:.2f}  SD {result.sd_post:.2f}",
        f"  change (post - pre) mean {result.mean_diff:+.2f}  SD {result.sd_diff:.2f}  "
        f"95% CI [{result.ci95_diff[0]:+.2f}, {result.ci95_diff[1]:+.2f}]",
        f"  paired t({result.df}) = {_num(result.t)}, p = {_num(result.p_t, 4)}",
        f"  Wilcoxon signed-rank (scipy defaults): statistic = {_num(result.wilcoxon_stat, 1)}, "
        f"p = {_num(result.p_wilcoxon, 4)}",
        f"  d_z = {_num(result.d_z)}"
        + (
            f" (95% CI {result.d_z_ci95[0]:.2f} to {result.d_z_ci95[1]:.2f})"
            if result.d_z_ci95
            else ""
        )
        + f", d_av = {_num(result.d_av)}, g_av = {_num(result.g_av)}",
        "",
        f"Reliable change (Jacobson-Truax), reference: {ref.name}, SD {ref.sd:.2f}, "
        f"{ref.reliability_kind} {ref.reliability:.2f} ({ref.source})",
        f"  a change of more than {ref.reliable_change:.2f} points is reliable; "
        + (
            "higher is better"
            if result.direction is Direction.HIGHER_IS_BETTER
            else "lower is better"
        ),
        f"  reliably improved {result.improved}, no reliable change {result.unchanged}, "
        f"reliably deteriorated {result.deteriorated}",
    ]
    for pair, index, change_class in zip(pairs, result.rci, result.classes, strict=True):
        words = change_class.value.replace("_", " ")
        lines.append(
            f"  {pair.label}: {_plain(pair.pre)} -> {_plain(pair.post)}  RCI {index:+.2f}  {words}"
        )
    lines.append("")
    lines.append("Cautions:")
    lines.extend(f"  - {warning.text}" for warning in result.warnings)
    if ref.key == SAMPLE_KEY:
        lines.append(
            f"  - The sample reference uses this sample's SD with the reliability "
            f"{ref.reliability:.2f} of the default reference (Ye 2017): a file of totals "
            "carries no items to compute the sample's own alpha from."
        )
    return "\n".join(lines) + "\n"


def _reference(key: str, pre: list[float]) -> Reference:
    if key == SAMPLE_KEY:
        return sample_reference(pre, CN_CAREGIVERS.reliability, kind=CN_CAREGIVERS.reliability_kind)
    return PUBLISHED_REFERENCES[key]


def _read(
    path: str, pre_column: str, post_column: str, id_column: str | None
) -> tuple[list[Pair], list[Skipped]]:
    table = read_table(path)
    table.require([pre_column, post_column, *([id_column] if id_column else [])])
    pairs: list[Pair] = []
    skipped: list[Skipped] = []
    seen: dict[str, int] = {}
    for row, record in table.rows:
        label = f"row {row}"
        if id_column:
            label = record[id_column]
            if not label:
                raise InputError(f"{path}: row {row}, field '{id_column}': empty id")
            if label in seen:
                raise InputError(
                    f"{path}: row {row}, field '{id_column}': '{label}' repeats row {seen[label]}"
                )
            seen[label] = row
        values: list[float] = []
        for column in (pre_column, post_column):
            value, problem = _number(record[column])
            if problem:
                skipped.append(Skipped(row, column, problem))
                break
            values.append(value)
        else:
            pairs.append(Pair(row, label, values[0], values[1]))
    return pairs, skipped


def _number(text: str) -> tuple[float, str | None]:
    stripped = text.strip()
    if not stripped:
        return 0.0, "empty"
    try:
        value = float(stripped)
    except ValueError:
        return 0.0, f"'{stripped}' is not a number"
    if not math.isfinite(value):
        return 0.0, f"'{stripped}' is not a finite number"
    return value, None


def _skipped_line(skipped: list[Skipped]) -> str:
    listed = "; ".join(s.words() for s in skipped[:LISTED_SKIPS])
    more = f"; and {len(skipped) - LISTED_SKIPS} more" if len(skipped) > LISTED_SKIPS else ""
    noun = "row" if len(skipped) == 1 else "rows"
    return f"left out {len(skipped)} {noun} with a missing or non-numeric value: {listed}{more}"


def _num(value: float | None, places: int = 2) -> str:
    return "undefined" if value is None else f"{value:.{places}f}"


def _plain(value: float) -> str:
    return f"{value:g}"
