"""The search benchmark's child: builds the corpus and times the queries, in its own database.

Run by :mod:`buoy.bench.search` as ``python -m buoy.bench.search_child CHARACTERS TRANSCRIPTS
QUERIES`` in a throw-away BUOY_HOME (or with DATABASE_URL naming a database made for the run);
sets Django up itself and prints the figures as one JSON line.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from buoy.bench.synthetic import SEED, ZH_CONTENT, chinese_text

RESEARCHER = "bench-researcher"


def search_queries(count: int, *, seed: int) -> list[tuple[str, str]]:
    """(kind, query) pairs: a quarter each of one common word, one rare word, two common
    words, and a common word with a rare one. Common: the 25 most frequent content words;
    rare: the 25 least frequent."""
    rng = random.Random(seed)  # noqa: S311 (made-up queries)
    common, rare = ZH_CONTENT[:25], ZH_CONTENT[-25:]
    makers: list[tuple[str, Callable[[], str]]] = [
        ("1 common word", lambda: rng.choice(common)),
        ("1 rare word", lambda: rng.choice(rare)),
        ("2 common words", lambda: " ".join(rng.sample(common, 2))),
        ("common + rare", lambda: f"{rng.choice(common)} {rng.choice(rare)}"),
    ]
    return [(kind, make()) for kind, make in itertools.islice(itertools.cycle(makers), count)]


def measure_search(characters: int, transcripts: int, queries: int) -> dict[str, Any]:
    """Build the corpus in this process's (throw-away) database, then time the queries."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buoy.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from buoy.access import services as access_services
    from buoy.access.domain.roles import Role
    from buoy.coding import selectors, services
    from buoy.coding.domain.words import fts5_match, search_terms

    call_command("migrate", interactive=False, verbosity=0)
    user = access_services.add_user(actor=None, username=RESEARCHER, role=Role.RESEARCHER)
    project = services.start_project(actor=user, name="Search benchmark", codebook=None)
    started = time.perf_counter()
    each = math.ceil(characters / transcripts)
    made = 0
    for number in range(transcripts):
        size = min(each, characters - made)
        if size <= 0:
            break
        services.import_transcript(
            actor=user,
            project=project,
            filename="",
            pasted=chinese_text(size, seed=SEED + 100 + number),
            title=f"Chinese interview {number + 1:03d}",
        )
        made += size
    import_seconds = time.perf_counter() - started
    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM coding_passage")
        passages = cursor.fetchone()[0]
        if vendor == "postgresql":
            # Autovacuum analyses a table within a minute or so of a bulk import; without
            # statistics the planner scans every passage instead of using the GIN index.
            cursor.execute("ANALYZE")
            cursor.execute("SHOW server_version")
            engine = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            engine = f"SQLite {cursor.fetchone()[0]}"

    if vendor == "sqlite":
        bare = "SELECT rowid FROM coding_passage_fts WHERE coding_passage_fts MATCH %s LIMIT 50"
        count_sql = "SELECT count(*) FROM coding_passage_fts WHERE coding_passage_fts MATCH %s"
    else:
        bare = (
            "SELECT id FROM coding_passage WHERE to_tsvector('simple', words) @@ "
            "plainto_tsquery('simple', %s) LIMIT 50"
        )
        count_sql = (
            "SELECT count(*) FROM coding_passage WHERE to_tsvector('simple', words) @@ "
            "plainto_tsquery('simple', %s)"
        )

    def argument(query: str) -> str:
        return fts5_match(query) if vendor == "sqlite" else " ".join(search_terms(query))

    def bare_query(query: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(bare, [argument(query)])
            cursor.fetchall()

    planned = search_queries(queries, seed=SEED + 7)
    for _kind, query in planned[:10]:  # warm-up: caches and jieba, not counted
        selectors.search_transcripts(user, query)
        bare_query(query)
    rows = []
    for kind, query in planned:
        started = time.perf_counter()
        hits = selectors.search_transcripts(user, query)
        searched = time.perf_counter() - started
        started = time.perf_counter()
        bare_query(query)
        baseline = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(count_sql, [argument(query)])
            matches = cursor.fetchone()[0]
        rows.append(
            {
                "kind": kind,
                "query": query,
                "ms": searched * 1000,
                "baseline_ms": baseline * 1000,
                "hits": len(hits),
                "matches": matches,
            }
        )
    return {
        "vendor": vendor,
        "engine": engine,
        "characters": made,
        "transcripts": min(transcripts, math.ceil(characters / each)),
        "passages": passages,
        "import_seconds": import_seconds,
        "queries": rows,
    }


def main(argv: list[str]) -> None:
    """`argv`: characters, transcripts, queries; print :func:`measure_search`'s figures."""
    print(json.dumps(measure_search(*map(int, argv))))


if __name__ == "__main__":
    main(sys.argv[1:])
