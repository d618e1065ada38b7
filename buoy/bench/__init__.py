"""`buoy bench`: the benchmarks, one module each, on one harness.

* :mod:`buoy.bench.harness`: what they share (timing, percentiles, a throw-away BUOY_HOME,
  `buoy serve` on a free port, machine facts);
* :mod:`buoy.bench.web`: the caseload pages; :mod:`buoy.bench.scoring`: batch scoring;
  :mod:`buoy.bench.links`: self-report links under load; :mod:`buoy.bench.qda`: interview
  coding against Taguette; :mod:`buoy.bench.search`: search over Chinese transcripts;
* :mod:`buoy.bench.synthetic` (made-up interviews and codes), :mod:`buoy.bench.qda_tools`
  (Buoy and Taguette behind one interface) and :mod:`buoy.bench.taguette` (Taguette run on
  loopback and driven through its HTTP API) serve the qda and search benchmarks.

No module here imports Django at the top: the CLI runs the benchmarks before Django is set up,
and each works in a throw-away BUOY_HOME of its own, never the user's data.
"""

from __future__ import annotations

import sys

BENCHMARKS = ("web", "scoring", "links", "qda", "search")


def run_benchmarks(
    *,
    cases: int,
    requests: int,
    only: str | None = None,
    rows: int = 1_000_000,
    links: int = 200,
    transcripts: int = 50,
    words: int = 20_000,
    segments: int = 5_000,
    taguette: bool = True,
    taguette_python: str | None = None,
    search_chars: int = 10_000_000,
    queries: int = 200,
    search_postgres: str | None = None,
) -> int:
    """Run one benchmark (`only`: web, scoring, links, qda or search), or (`only=None`) all.

    Returns the exit status: 0, or 1 when a benchmark could not run or went wrong.
    """
    if only not in (None, *BENCHMARKS):
        print(f"buoy bench: unknown benchmark {only!r} ({', '.join(BENCHMARKS)})", file=sys.stderr)
        return 2
    from buoy.bench.scoring import run_scoring_benchmark
    from buoy.bench.web import run_web_benchmark

    status = 0
    if only in (None, "web"):
        status = max(status, run_web_benchmark(cases=cases, requests=requests))
    if only in (None, "scoring"):
        if only is None:
            print()
        status = max(status, run_scoring_benchmark(rows=rows))
    if only in (None, "links"):
        from buoy.bench.links import run_links_benchmark

        if only is None:
            print()
        status = max(status, run_links_benchmark(links=links))
    if only in (None, "qda"):
        from buoy.bench.qda import run_qda_benchmark

        if only is None:
            print()
        status = max(
            status,
            run_qda_benchmark(
                transcripts=transcripts,
                words=words,
                segments=segments,
                taguette=taguette,
                taguette_python=taguette_python,
            ),
        )
    if only in (None, "search"):
        from buoy.bench.search import run_search_benchmark

        if only is None:
            print()
        status = max(
            status,
            run_search_benchmark(
                characters=search_chars, queries=queries, postgres_url=search_postgres
            ),
        )
    return status
