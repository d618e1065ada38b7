"""`buoy bench --only web`: how fast the busiest pages answer, against a baseline.

Everything runs against a throw-away BUOY_HOME (SQLite), never the user's data: the database is
migrated and filled with the demo department in subprocesses, then `buoy serve` (the production
server) is started on a free local port and measured over HTTP from a few client threads.

What is measured, each with the same number of requests from the same client threads:

* ``GET /healthz``: a view that does nothing; the baseline for this machine and server;
* ``GET /cases/``: the caseload's first page (25 rows) as a supervisor who sees every case;
* ``GET /api/v1/cases/``: the API's first page (50 results) with an API token;
* ``GET /cases/<id>/`` (the case page with its timeline) and ``GET /cases/<id>/plan-section/``
  (the strengths–risk map, suggestions, plan with GAS, sessions and referrals the case page
  loads) for a *light* and a *heavy* case (:mod:`buoy.bench.casepage_setup`: one of each row
  against 60 coded passages, 40 sessions, 10 reviews and 8 referrals).

A page should cost in proportion to the page, not to the number of cases, so the figures that
matter are the ratios to the baseline, measured in the same run. See docs/performance.md.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

from buoy.bench.harness import (
    HOST,
    REQUEST_TIMEOUT_SECONDS,
    BenchError,
    Measurement,
    buoy_server,
    environment,
    get,
    machine,
    print_log_tail,
    run_buoy,
    run_child,
    throwaway_home,
    timestamp,
)

CLIENT_THREADS = 4
SUPERVISOR = "demo-supervisor"
CASELOAD_PAGE_SIZE = 25  # buoy.cases.views.PAGE_SIZE
API_PAGE_SIZE = 50  # REST_FRAMEWORK["PAGE_SIZE"]


@dataclass(frozen=True)
class Target:
    """One endpoint to measure: its path, headers, and a check of one sample response."""

    name: str
    path: str
    headers: dict[str, str]
    check: Callable[[bytes], str | None]


def run_web_benchmark(*, cases: int, requests: int) -> int:
    """Build a department of `cases` demo cases, measure `requests` requests per endpoint.

    Returns the exit status: 0, or 1 when setting up failed or any response was not a 200.
    """
    if cases < 1 or requests < 1:
        print("buoy bench: --cases and --requests must be at least 1", file=sys.stderr)
        return 2
    with throwaway_home("buoy-bench-") as home:
        try:
            return _measure_department(home, cases=cases, requests=requests)
        except BenchError as error:
            print(f"buoy bench: {error}", file=sys.stderr)
            print_log_tail(home / "server.log")
            return 1


def _measure_department(home: Path, *, cases: int, requests: int) -> int:
    env = environment(home)
    print(
        f"Buoy benchmark: {cases:,} demo cases, {requests:,} requests per measurement, "
        f"{CLIENT_THREADS} client threads"
    )
    print(f"temporary BUOY_HOME: {home} (deleted at the end)")
    run_buoy(["manage", "migrate", "--no-input", "--verbosity", "0"], env, "migrate")
    started = time.perf_counter()
    run_buoy(["demo", "--cases", str(cases)], env, "load the demo department")
    load_seconds = time.perf_counter() - started
    print(f"loaded {cases:,} demo cases in {load_seconds:.1f} s")

    made = run_child("casepage_setup", [], env)
    if made.returncode != 0:
        raise BenchError(f"giving two cases their casework failed:\n{made.stderr[-2000:]}")
    light, heavy = made.stdout.split()
    token = run_buoy(["user", "token", SUPERVISOR], env, "issue an API token").split()[-1]
    with buoy_server(env, home / "server.log") as port:
        session = _log_in(port, SUPERVISOR, _demo_password(home, SUPERVISOR))
        targets = [
            Target("GET /healthz (baseline)", "/healthz", {}, _check_health),
            Target(
                f"GET /cases/ ({min(cases, CASELOAD_PAGE_SIZE)} rows)",
                "/cases/",
                {"Cookie": session},
                _check_caseload(cases),
            ),
            Target(
                f"GET /api/v1/cases/ ({min(cases, API_PAGE_SIZE)} results)",
                "/api/v1/cases/",
                {"Authorization": f"Token {token}", "Accept": "application/json"},
                _check_api(cases),
            ),
            *_case_page_targets(session, light=light, heavy=heavy),
        ]
        results = [_measure(port, target, requests) for target in targets]
    _report(results, cases=cases, requests=requests, load_seconds=load_seconds)
    failed = sum(len(r.errors) for r in results)
    if failed:
        print(
            f"\nFAILED: {failed} of {requests * len(results)} responses were not a good "
            "200; the first ones:",
            file=sys.stderr,
        )
        for result in results:
            for error in result.errors[:3]:
                print(f"  {result.name}: {error}", file=sys.stderr)
        return 1
    return 0


def _case_page_targets(session: str, *, light: str, heavy: str) -> list[Target]:
    """The case page and its plans section, for the light and the heavy case."""
    targets = []
    for size, case_id in (("light", light), ("heavy", heavy)):
        targets.append(
            Target(
                f"GET case page ({size})",
                f"/cases/{case_id}/",
                {"Cookie": session},
                _check_contains(b'id="timeline"'),
            )
        )
        targets.append(
            Target(
                f"GET plans section ({size})",
                f"/cases/{case_id}/plan-section/",
                {"Cookie": session},
                _check_contains(b'id="plans"'),
            )
        )
    return targets


def _check_contains(marker: bytes) -> Callable[[bytes], str | None]:
    def check(body: bytes) -> str | None:
        return None if marker in body else f"the page has no {marker.decode()}"

    return check


def _demo_password(home: Path, username: str) -> str:
    for line in (home / "demo-passwords.txt").read_text().splitlines():
        name, _, password = line.partition(" ")
        if name == username:
            return password
    raise BenchError(f"no password for {username} in demo-passwords.txt")


def _log_in(port: int, username: str, password: str) -> str:
    """Log in through the login form; the Cookie header value that carries the session."""
    base = f"http://{HOST}:{port}"
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        with opener.open(f"{base}/accounts/login/", timeout=REQUEST_TIMEOUT_SECONDS) as page:
            html = page.read().decode("utf-8")
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if found is None:
            raise BenchError("the login page has no CSRF token")
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": found.group(1),
                "username": username,
                "password": password,
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
            f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/accounts/login/"}
        )
        with opener.open(request, timeout=REQUEST_TIMEOUT_SECONDS) as landed:
            landed.read()
            if landed.url.rstrip("/").endswith("/accounts/login"):
                raise BenchError(f"logging in as {username} was refused")
    except OSError as error:
        raise BenchError(f"logging in as {username} failed: {error}") from error
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise BenchError(f"logging in as {username} gave no session cookie")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def _check_health(body: bytes) -> str | None:
    return None if body.strip() == b"ok" else f"unexpected body {body[:40]!r}"


def _check_caseload(cases: int) -> Callable[[bytes], str | None]:
    expected = min(cases, CASELOAD_PAGE_SIZE)

    def check(body: bytes) -> str | None:
        rows = len(set(re.findall(rb'href="/cases/(\d+)/"', body)))
        return None if rows == expected else f"{rows} case rows, expected {expected}"

    return check


def _check_api(cases: int) -> Callable[[bytes], str | None]:
    expected = min(cases, API_PAGE_SIZE)

    def check(body: bytes) -> str | None:
        try:
            page = json.loads(body)
        except ValueError:
            return "the response is not JSON"
        if page.get("count") != cases or len(page.get("results", [])) != expected:
            return (
                f"count={page.get('count')} with {len(page.get('results', []))} results, "
                f"expected count={cases} with {expected}"
            )
        return None

    return check


def _measure(port: int, target: Target, requests: int) -> Measurement:
    """Warm up, check one response, then `requests` timed requests from the client threads."""
    try:
        for _ in range(min(requests, 2 * CLIENT_THREADS)):  # warm-up, not counted
            get(port, target.path, target.headers)
        status, body = get(port, target.path, target.headers)
    except OSError as error:
        raise BenchError(f"{target.name} failed: {error}") from error
    problem = f"status {status}" if status != 200 else target.check(body)
    if problem:
        raise BenchError(f"{target.name} does not answer as expected: {problem}")

    result = Measurement(target.name)
    lock = threading.Lock()
    remaining = [requests]

    def client() -> None:
        while True:
            with lock:
                if remaining[0] == 0:
                    return
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                status, _ = get(port, target.path, target.headers)
                error = None if status == 200 else f"status {status}"
            except OSError as failure:
                error = f"{type(failure).__name__}: {failure}"
            elapsed = time.perf_counter() - started
            with lock:
                if error is None:
                    result.latencies.append(elapsed)
                else:
                    result.errors.append(error)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENT_THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_seconds = time.perf_counter() - started
    return result


def _report(results: list[Measurement], *, cases: int, requests: int, load_seconds: float) -> None:
    baseline = results[0].throughput
    now = timestamp()
    print()
    print(f"date:    {now}")
    print(f"machine: {machine()}")
    print("server:  buoy serve (gunicorn gthread, 2 workers x 4 threads), SQLite, DEBUG off")
    print(f"data:    {cases:,} demo cases (loaded in {load_seconds:.1f} s)")
    print(
        f"load:    {requests:,} timed requests per row from {CLIENT_THREADS} client threads, "
        "one connection per request, after a short warm-up"
    )
    print()
    header = (
        f"{'request':<32} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'vs baseline':>12} "
        f"{'errors':>7}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        ratio = result.throughput / baseline if baseline else float("nan")
        print(
            f"{result.name:<32} {result.percentile_ms(0.50):>8.1f} "
            f"{result.percentile_ms(0.95):>8.1f} {result.throughput:>8.1f} "
            f"{ratio:>12.2f} {len(result.errors):>7}"
        )
    print()
    print("'vs baseline' is the throughput as a fraction of GET /healthz's in this run.")
