"""`buoy bench --only search`: search over Chinese transcripts, against the bare index.

:data:`SEARCH_CHARACTERS` characters of synthetic Chinese text (:mod:`buoy.bench.synthetic`)
imported into Buoy (through the services, in a subprocess with its own throw-away database:
set-up, not measured), then ~200 queries of one or two common or rare words through
``buoy.coding.selectors.search_transcripts``, against a bare FTS5 ``MATCH … LIMIT 50`` on the
same index as the baseline.

Like the rest of buoy/bench/, this module imports no Django at the top: the search child sets
Django up itself.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from buoy.bench.harness import (
    BenchError,
    environment,
    machine,
    percentile,
    run_child,
    throwaway_home,
    timestamp,
)

SEARCH_CHARACTERS = 10_000_000
SEARCH_TRANSCRIPTS = 100
SEARCH_QUERIES = 200
SEARCH_GOAL_MS = 50.0


def report_search(figures: dict[str, Any]) -> None:
    """Print the search figures: per kind of query and in all, against the goal."""
    rows = figures["queries"]
    print()
    print(f"date:     {timestamp()}")
    print(f"machine:  {machine()}; load average {os.getloadavg()[0]:.2f} at the end")
    print(
        f"corpus:   {figures['characters']:,} characters of Chinese in {figures['transcripts']} "
        f"transcripts, {figures['passages']:,} passages indexed ({figures['engine']}); "
        f"imported through the services in {figures['import_seconds']:.1f} s"
    )
    print(
        "query:    buoy.coding.selectors.search_transcripts(researcher, q): 50 passages, "
        "permission-scoped, ranked, highlighted, audited; in-process"
    )
    if figures["vendor"] == "sqlite":
        print("baseline: the bare FTS5 MATCH of the same words, LIMIT 50: no rank, no scope")
    else:
        print(
            "baseline: the bare tsvector @@ tsquery of the same words, LIMIT 50: no order, no scope"
        )
    print()
    header = (
        f"{'queries':<16} {'n':>4} {'matches p50':>12} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8} {'base p50':>9} {'base p95':>9}"
    )
    print(header)
    print("-" * len(header))
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    for kind in [*kinds, "all"]:
        chosen = [r for r in rows if kind in ("all", r["kind"])]
        times = [r["ms"] for r in chosen]
        base = [r["baseline_ms"] for r in chosen]
        print(
            f"{kind:<16} {len(chosen):>4} {percentile([r['matches'] for r in chosen], 0.5):>12,} "
            f"{percentile(times, 0.5):>8.1f} {percentile(times, 0.95):>8.1f} "
            f"{max(times):>8.1f} {percentile(base, 0.5):>9.2f} {percentile(base, 0.95):>9.2f}"
        )
    p95 = percentile([r["ms"] for r in rows], 0.95)
    verdict = "met" if p95 <= SEARCH_GOAL_MS else "NOT met"
    print()
    print(f"search p95 {p95:.1f} ms (goal <= {SEARCH_GOAL_MS:g} ms: {verdict})")
    base95 = percentile([r["baseline_ms"] for r in rows], 0.95)
    if base95:
        print(f"p95 against the baseline's p95: {p95 / base95:.1f}x")


def run_search_benchmark(
    *,
    characters: int = SEARCH_CHARACTERS,
    transcripts: int = SEARCH_TRANSCRIPTS,
    queries: int = SEARCH_QUERIES,
    postgres_url: str | None = None,
) -> int:
    """Build the Chinese corpus in a throw-away database and time the queries; 0 or 1.

    SQLite in a temporary BUOY_HOME; then, when `postgres_url` names a PostgreSQL server, the
    same again in a database made for the run on that server and dropped afterwards.
    """
    if characters < 1 or transcripts < 1 or queries < 1:
        print("buoy bench: --search-chars and --queries must be at least 1", file=sys.stderr)
        return 2
    print(
        f"Search benchmark: {characters:,} characters of Chinese in {transcripts} transcripts, "
        f"{queries} queries"
    )
    arguments = [str(characters), str(transcripts), str(queries)]
    status = _search_run(arguments, database_url=None)
    if postgres_url:
        print()
        try:
            with _throwaway_postgres(postgres_url) as url:
                status = max(status, _search_run(arguments, database_url=url))
        except BenchError as error:
            print(f"buoy bench: PostgreSQL: {error}", file=sys.stderr)
            status = 1
    return status


def _search_run(arguments: list[str], *, database_url: str | None) -> int:
    with throwaway_home("buoy-bench-search-") as home:
        env = environment(home)  # SQLite in `home` unless a database URL is given
        if database_url:
            env["DATABASE_URL"] = database_url
        done = run_child("search_child", arguments, env)
        if done.returncode != 0:
            print(
                f"buoy bench: the search benchmark failed:\n{done.stderr[-3000:]}", file=sys.stderr
            )
            return 1
        report_search(json.loads(done.stdout.strip().splitlines()[-1]))
        return 0


@contextmanager
def _throwaway_postgres(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of `server_url`, dropped afterwards; its URL.

    Never the database the URL names: the benchmark writes millions of rows and must not
    touch anyone's data. The role needs the right to create databases (as the tests' does).
    """
    try:
        import psycopg
    except ImportError:
        raise BenchError("psycopg is not installed") from None
    parts = urllib.parse.urlsplit(server_url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise BenchError(f"{parts.scheme or 'the URL'}: not a postgres:// URL")
    name = f"buoy_bench_search_{os.getpid()}_{int(time.time())}"
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        raise BenchError(f"could not create a database for the run: {error}") from None
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
