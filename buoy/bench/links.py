"""`buoy bench --only links`: many caregivers submitting self-report links at the same moment.

A throw-away SQLite department gets `links` K6 assessments, each with a one-time link. Then
`buoy serve` (the production server) is started and `links` client threads, released together
by a barrier, each open their link (GET, for the CSRF cookie) and submit every answer (POST).
Afterwards the database is read directly: every submission must be there, completed and scored
(0 lost), and every response a success (0 errors). p50, p95 and p99 of the POST are printed.

Like the rest of buoy/bench/, this module imports no Django; the set-up runs in subprocesses.
"""

from __future__ import annotations

import http.client
import re
import sqlite3
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from buoy.bench.harness import (
    HOST,
    BenchError,
    buoy_server,
    environment,
    percentile,
    print_log_tail,
    run_buoy,
    run_child,
    throwaway_home,
)

CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
K6_ITEMS = 6


def _submit(port: int, key: str) -> tuple[float, str]:
    """Open the link, then submit all answers; (seconds the POST took, error or "")."""
    path = f"/r/{key}/"
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        connection.request("GET", path)
        page = connection.getresponse()
        body = page.read()
        cookie = page.getheader("Set-Cookie", "").split(";")[0]
        token = CSRF_FIELD.search(body)
        if page.status != 200 or token is None or not cookie:
            return 0.0, f"GET {page.status}"
        fields = {f"item{i}": "3" for i in range(1, K6_ITEMS + 1)}
        fields.update(csrfmiddlewaretoken=token.group(1).decode(), submit="1")
        form = urllib.parse.urlencode(fields)
        started = time.perf_counter()
        connection.request(
            "POST",
            path,
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
                "Referer": f"http://{HOST}:{port}{path}",
                "Origin": f"http://{HOST}:{port}",
            },
        )
        answer = connection.getresponse()
        answer.read()
        elapsed = time.perf_counter() - started
        return elapsed, "" if answer.status == 200 else f"POST {answer.status}"
    except OSError as error:
        return 0.0, f"{type(error).__name__}: {error}"
    finally:
        connection.close()


def run_links_benchmark(*, links: int = 200) -> int:
    """Measure `links` simultaneous self-report submissions against SQLite; 0 when none was
    lost and none failed, else 1."""
    with throwaway_home("buoy-bench-links-") as home:
        try:
            return _submit_all(home, links=links)
        except BenchError as error:
            print(f"buoy bench: {error}", file=sys.stderr)
            print_log_tail(home / "server.log")
            return 1


def _submit_all(home: Path, *, links: int) -> int:
    env = environment(home)
    print(f"Self-report benchmark: {links} caregivers submitting at once (SQLite)")
    run_buoy(["demo"], env, "load the demo department")
    made = run_child("links_setup", [str(links)], env)
    if made.returncode != 0:
        raise BenchError(f"could not make the links:\n{made.stderr[-2000:]}")
    keys = made.stdout.split()
    with buoy_server(env, home / "server.log") as port:
        barrier = threading.Barrier(len(keys))
        results: list[tuple[float, str]] = [(0.0, "not run")] * len(keys)

        def caregiver(index: int) -> None:
            barrier.wait()
            results[index] = _submit(port, keys[index])

        threads = [threading.Thread(target=caregiver, args=(i,)) for i in range(len(keys))]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    with sqlite3.connect(home / "buoy.sqlite3") as db:
        # Only the linked assessments: the demo department has interview screenings too.
        completed = db.execute(
            "select count(*) from instruments_assessment a join instruments_score s "
            "on s.assessment_id = a.id and s.is_current "
            "where a.status = 'completed' and a.mode = 'self_report'"
        ).fetchone()[0]
    errors = [error for _, error in results if error]
    times = [seconds * 1000 for seconds, error in results if not error]
    lost = len(keys) - completed
    print(f"{len(keys)} submissions in {wall:.1f} s wall; errors {len(errors)}; lost {lost}")
    print(
        f"POST latency ms: p50 {percentile(times, 0.50):.0f}  "
        f"p95 {percentile(times, 0.95):.0f}  p99 {percentile(times, 0.99):.0f}  "
        f"max {max(times, default=float('nan')):.0f}"
    )
    for error in errors[:5]:
        print(f"  error: {error}", file=sys.stderr)
    return 0 if not errors and lost == 0 else 1
