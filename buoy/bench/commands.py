"""`buoy bench`: its options, and the table of the benchmarks it runs (see docs/performance.md).

Each benchmark is one module of this package; :data:`BENCHMARKS` names it, says in a few words
what it measures (for ``--only``'s help) and runs it with the options that concern it. Nothing
is imported before a benchmark runs, so building the `buoy` command's parser stays cheap.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Benchmark:
    """One benchmark: what it measures, in a few words, and how to run it from the options."""

    description: str
    run: Callable[[argparse.Namespace], int]


def _web(args: argparse.Namespace) -> int:
    from buoy.bench.web import run_web_benchmark

    return run_web_benchmark(cases=args.cases, requests=args.requests)


def _scoring(args: argparse.Namespace) -> int:
    from buoy.bench.scoring import run_scoring_benchmark

    return run_scoring_benchmark(rows=args.rows)


def _links(args: argparse.Namespace) -> int:
    from buoy.bench.links import run_links_benchmark

    return run_links_benchmark(links=args.links)


def _qda(args: argparse.Namespace) -> int:
    from buoy.bench.qda import run_qda_benchmark

    return run_qda_benchmark(
        transcripts=args.transcripts,
        words=args.words,
        segments=args.segments,
        taguette=not args.no_taguette,
        taguette_python=args.taguette_python,
    )


def _search(args: argparse.Namespace) -> int:
    from buoy.bench.search import run_search_benchmark

    return run_search_benchmark(
        characters=args.search_chars, queries=args.queries, postgres_url=args.search_postgres
    )


# In the order `buoy bench` runs them when no --only is given.
BENCHMARKS: dict[str, Benchmark] = {
    "web": Benchmark("caseload pages", _web),
    "scoring": Benchmark("batch scoring", _scoring),
    "links": Benchmark("200 caregivers submitting at once", _links),
    "qda": Benchmark("interview coding against Taguette 1.5.2", _qda),
    "search": Benchmark("10 million characters of Chinese", _search),
}


def _only_help() -> str:
    listed = [f"{name} ({benchmark.description})" for name, benchmark in BENCHMARKS.items()]
    return f"run one benchmark: {', '.join(listed[:-1])} or {listed[-1]}; default all"


def add_parser(commands: Any) -> None:
    """Add `buoy bench` and its options to the `buoy` command's subparsers."""
    bench = commands.add_parser("bench", help="run the benchmarks (see docs/performance.md)")
    bench.add_argument("--cases", type=int, default=10_000)
    bench.add_argument("--requests", type=int, default=400)
    bench.add_argument("--only", choices=list(BENCHMARKS), help=_only_help())
    bench.add_argument("--rows", type=int, default=1_000_000, help="rows for the scoring benchmark")
    bench.add_argument(
        "--links", type=int, default=200, help="simultaneous caregivers for the links benchmark"
    )
    qda = bench.add_argument_group("qda benchmark")
    qda.add_argument("--transcripts", type=int, default=50, help="transcripts to import")
    qda.add_argument("--words", type=int, default=20_000, help="words per transcript")
    qda.add_argument("--segments", type=int, default=5_000, help="coded segments, one request each")
    qda.add_argument(
        "--taguette-python",
        metavar="PATH",
        help="the Python of a virtual environment with Taguette 1.5.2 (default: "
        "$BUOY_TAGUETTE_PYTHON; with neither, Taguette is skipped and Buoy measured alone)",
    )
    qda.add_argument(
        "--no-taguette", action="store_true", help="measure Buoy only (Taguette is skipped)"
    )
    search = bench.add_argument_group("search benchmark")
    search.add_argument(
        "--search-chars",
        type=int,
        default=10_000_000,
        help="characters of Chinese text to search",
    )
    search.add_argument("--queries", type=int, default=200, help="queries to time")
    search.add_argument(
        "--search-postgres",
        metavar="URL",
        help="also on PostgreSQL: a database made for the run on this server, dropped after",
    )


def run(args: argparse.Namespace) -> int:
    """Run the benchmark `--only` names, or all of them in turn; the worst exit status.

    0 when all went well, 1 when a benchmark could not run or went wrong, 2 for a bad option.
    """
    chosen = [args.only] if args.only else list(BENCHMARKS)
    status = 0
    for number, name in enumerate(chosen):
        if number:
            print()  # a blank line between two benchmarks' reports
        status = max(status, BENCHMARKS[name].run(args))
    return status
