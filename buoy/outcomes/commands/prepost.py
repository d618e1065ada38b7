"""`buoy stats prepost` (issue 11 part 6)."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The action's arguments."""
    parser.add_argument("file", help="CSV file; - for standard input")


def run(args: argparse.Namespace) -> int:
    """Not built yet: says so and exits 2."""
    print("buoy stats prepost: not built yet", file=sys.stderr)
    return 2
