"""`buoy stats ...`: evaluation statistics on a CSV, without a database (issue 11 part 6).

Each action is a module with `add_arguments(parser)` and `run(args) -> int`. Bad input ends
with exit status 2 and one line naming the file, row and field, never a traceback.
"""

from __future__ import annotations

import argparse
from typing import Any

from buoy.outcomes.commands import gas, moderators, prepost

ACTIONS = {
    "prepost": (prepost, "pre/post change of a cohort: paired t, Wilcoxon, effect sizes, RCI"),
    "gas": (gas, "GAS T-scores per caregiver from one row per goal"),
    "moderators": (moderators, "change regressed on the baseline and moderators (OLS, HC3)"),
}


def add_parser(commands: Any) -> None:
    """Register `buoy stats ...` on the main parser's subcommands."""
    parser = commands.add_parser("stats", help="evaluation statistics on a CSV, no database")
    actions = parser.add_subparsers(dest="stats_command", required=True, metavar="ACTION")
    for name, (module, help_text) in ACTIONS.items():
        module.add_arguments(actions.add_parser(name, help=help_text))


def run(args: argparse.Namespace) -> int:
    """Run the action `args.stats_command` names; its exit status."""
    module, _help = ACTIONS[args.stats_command]
    return int(module.run(args))
