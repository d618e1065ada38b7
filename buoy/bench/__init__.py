"""`buoy bench`: how fast the busiest pages answer, and how fast batch scoring streams.

Five benchmarks, all by default; `buoy bench --only web` (or scoring, links, qda, search)
runs one. The web benchmark is described first; the scoring benchmark at
`run_scoring_benchmark`; self-report links in buoy/bench_links.py; interview coding against
Taguette, and search, in buoy/bench_qda.py.

Everything runs against a throw-away BUOY_HOME (SQLite), never the user's data: the database is
migrated and filled with the demo department in subprocesses, then `buoy serve` (the production
server) is started on a free local port and measured over HTTP from a few client threads.

What is measured, each with the same number of requests from the same client threads:

* ``GET /healthz``: a view that does nothing; the baseline for this machine and server;
* ``GET /cases/``: the caseload's first page (25 rows) as a supervisor who sees every case;
* ``GET /api/v1/cases/``: the API's first page (50 results) with an API token.

A page should cost in proportion to the page, not to the number of cases, so the figures that
matter are the ratios to the baseline, measured in the same run. See docs/performance.md.

This module deliberately imports no Django: the CLI runs it before Django is set up.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
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
    throwaway_home,
    timestamp,
)

CLIENT_THREADS = 4
SUPERVISOR = "demo-supervisor"
CASELOAD_PAGE_SIZE = 25  # buoy.cases.views.PAGE_SIZE
API_PAGE_SIZE = 50  # REST_FRAMEWORK["PAGE_SIZE"]
BENCHMARKS = ("web", "scoring", "links", "qda", "search")


@dataclass(frozen=True)
class Target:
    """One endpoint to measure: its path, headers, and a check of one sample response."""

    name: str
    path: str
    headers: dict[str, str]
    check: Callable[[bytes], str | None]


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

    qda and search live in buoy/bench_qda.py. Returns the exit status: 0, or 1 when a
    benchmark could not run or went wrong.
    """
    if only not in (None, *BENCHMARKS):
        print(f"buoy bench: unknown benchmark {only!r} ({', '.join(BENCHMARKS)})", file=sys.stderr)
        return 2
    status = 0
    if only in (None, "web"):
        status = max(status, run_web_benchmark(cases=cases, requests=requests))
    if only in (None, "scoring"):
        if only is None:
            print()
        status = max(status, run_scoring_benchmark(rows=rows))
    if only in (None, "links"):
        from buoy.bench_links import run_links_benchmark

        if only is None:
            print()
        status = max(status, run_links_benchmark(links=links))
    if only in (None, "qda"):
        from buoy.bench_qda import run_qda_benchmark

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
        from buoy.bench_qda import run_search_benchmark

        if only is None:
            print()
        status = max(
            status,
            run_search_benchmark(
                characters=search_chars, queries=queries, postgres_url=search_postgres
            ),
        )
    return status


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


# --- batch scoring -------------------------------------------------------------------------
#
# `buoy score cdrisc10 FILE.csv` on a generated file of `rows` CD-RISC-10 rows, against a
# floor measured in the same run on the same file: pandas reads the CSV and numpy sums the
# item columns of every row. Both run as subprocesses (`python -m buoy score …` and
# `python -c FLOOR`), each timed by os.wait4, which gives that one child's CPU time and peak
# memory (ru_maxrss). Each is run SCORING_REPEATS times and the best run counts (as timeit
# does): other work on a shared machine only ever makes a run slower.

SCORING_REPEATS = 3
SCORING_GOAL = 2.0  # `buoy score` within twice the floor

FLOOR = """
import json, sys, time
started = time.perf_counter(); cpu = time.process_time()
import numpy as np
import pandas as pd
imported = time.perf_counter(); imported_cpu = time.process_time()
frame = pd.read_csv(sys.argv[1])
items = [f"item{i}" for i in range(1, 11)]
totals = np.nansum(frame[items].to_numpy(dtype="float64"), axis=1)
done = time.perf_counter(); done_cpu = time.process_time()
print(json.dumps({"rows": int(len(totals)), "sum": float(totals.sum()),
                  "read_sum_seconds": done - imported, "read_sum_cpu": done_cpu - imported_cpu,
                  "import_seconds": imported - started}))
"""


@dataclass
class ChildRun:
    """One subprocess: wall time, CPU time (user + system) and peak resident memory."""

    wall: float
    cpu: float
    peak_mb: float
    stdout: str
    stderr: str
    status: int


def write_cdrisc10_csv(path: Path, rows: int, *, seed: int = 20261125) -> dict[str, int]:
    """A CD-RISC-10 answers file: id, item1 … item10, ward; returns how many rows of each kind.

    About 5 % of rows miss one to three answers (prorated), 1 % miss four or five (invalid),
    and 0.5 % have an answer out of range (invalid). Written in blocks to keep memory flat.
    """
    import random

    rng = random.Random(seed)  # noqa: S311 (made-up answers, not secrets)
    kinds = {"complete": 0, "prorated": 0, "too_few": 0, "out_of_range": 0}
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("id," + ",".join(f"item{i}" for i in range(1, 11)) + ",ward\n")
        block: list[str] = []
        for number in range(rows):
            answers = [str(rng.randrange(5)) for _ in range(10)]
            draw = rng.random()
            if draw < 0.05:
                for k in rng.sample(range(10), rng.randint(1, 3)):
                    answers[k] = ""
                kinds["prorated"] += 1
            elif draw < 0.06:
                for k in rng.sample(range(10), rng.randint(4, 5)):
                    answers[k] = ""
                kinds["too_few"] += 1
            elif draw < 0.065:
                # numbers only: a text answer would make pandas read that column as text,
                # which slows the floor down and so flatters the ratio
                answers[rng.randrange(10)] = rng.choice(["5", "7", "-1"])
                kinds["out_of_range"] += 1
            else:
                kinds["complete"] += 1
            block.append(f"cg{number:07d},{','.join(answers)},ward-{'ab'[number % 2]}\n")
            if len(block) == 10_000:
                handle.write("".join(block))
                block.clear()
        handle.write("".join(block))
    return kinds


def _run_child(args: list[str]) -> ChildRun:
    """Run one subprocess to completion; its own rusage comes from os.wait4."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            args, stdout=out, stderr=err, stdin=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            peak_mb=usage.ru_maxrss / 1024,  # KiB on Linux
            stdout=out.read(),
            stderr=err.read(),
            status=child.returncode,
        )


def _best(runs: list[ChildRun]) -> ChildRun:
    return min(runs, key=lambda run: run.cpu)


def run_scoring_benchmark(*, rows: int = 1_000_000) -> int:
    """Time `buoy score cdrisc10` on `rows` generated rows against the pandas/numpy floor."""
    if rows < 1:
        print("buoy bench: --rows must be at least 1", file=sys.stderr)
        return 2
    with throwaway_home("buoy-bench-scoring-") as folder:
        source = folder / "cdrisc10.csv"
        output = folder / "scored.csv"
        started = time.perf_counter()
        kinds = write_cdrisc10_csv(source, rows)
        size_mb = source.stat().st_size / 1e6
        print(
            f"Batch scoring benchmark: {rows:,} CD-RISC-10 rows ({size_mb:.1f} MB, written in "
            f"{time.perf_counter() - started:.1f} s); best of {SCORING_REPEATS} runs each"
        )
        print(
            f"rows: {kinds['complete']:,} complete, {kinds['prorated']:,} with 1-3 blanks, "
            f"{kinds['too_few']:,} with 4-5 blanks, {kinds['out_of_range']:,} with a refused "
            "answer"
        )
        score_args = [sys.executable, "-m", "buoy", "score", "cdrisc10", str(source)]
        score_args += ["-o", str(output)]
        scored = []
        for _ in range(SCORING_REPEATS):
            run = _run_child(score_args)
            if run.status != 0:
                print(f"buoy bench: `buoy score` failed: {run.stderr.strip()}", file=sys.stderr)
                return 1
            scored.append(run)
        with output.open(encoding="utf-8") as handle:
            written = sum(1 for _ in handle) - 1
        if written != rows:
            print(f"buoy bench: `buoy score` wrote {written:,} rows, not {rows:,}", file=sys.stderr)
            return 1
        summary = scored[-1].stderr.strip().splitlines()[-1]
        # The cost of starting: the same command on a file with the header only.
        empty = folder / "header-only.csv"
        with source.open(encoding="utf-8") as handle:
            empty.write_text(handle.readline(), encoding="utf-8")
        startup = _best(
            [
                _run_child([*score_args[:-3], str(empty), "-o", str(output)])
                for _ in range(SCORING_REPEATS)
            ]
        )
        floors = _floor_runs(source)
        _report_scoring(_best(scored), startup, floors, summary, rows=rows)
        return 0


def _floor_runs(source: Path) -> list[tuple[ChildRun, dict[str, float]]]:
    runs = []
    for _ in range(SCORING_REPEATS):
        run = _run_child([sys.executable, "-c", FLOOR, str(source)])
        if run.status != 0:
            reason = (run.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"floor: not measured ({reason}); pip install pandas to measure it")
            return []
        runs.append((run, json.loads(run.stdout)))
    return runs


def _report_scoring(
    score: ChildRun,
    startup: ChildRun,
    floors: list[tuple[ChildRun, dict[str, float]]],
    summary: str,
    *,
    rows: int,
) -> None:
    print(f"date:    {timestamp()}")
    print(f"machine: {machine()}")
    print(f"scored:  {summary.removeprefix('buoy score: ')}")
    print()
    header = f"{'run':<46} {'wall s':>7} {'CPU s':>7} {'peak MB':>8}"
    print(header)
    print("-" * len(header))
    work = max(score.cpu - startup.cpu, 1e-9)
    print(
        f"{'buoy score cdrisc10 (whole process)':<46} {score.wall:>7.2f} {score.cpu:>7.2f} "
        f"{score.peak_mb:>8.1f}"
    )
    print(
        f"{'  of which starting (header-only file)':<46} {startup.wall:>7.2f} {startup.cpu:>7.2f}"
    )
    print(f"{'  scoring work':<46} {'':>7} {work:>7.2f}   ({rows / work:,.0f} rows/s)")
    if not floors:
        return
    floor, figures = min(floors, key=lambda pair: pair[0].cpu)
    if figures["rows"] != rows:
        print(f"floor: read {figures['rows']:,} rows, not {rows:,}")
    read_sum_cpu = max(min(f["read_sum_cpu"] for _, f in floors), 1e-9)
    print(
        f"{'floor: pandas read_csv + numpy (whole process)':<46} {floor.wall:>7.2f} "
        f"{floor.cpu:>7.2f} {floor.peak_mb:>8.1f}"
    )
    print(
        f"{'  of which read + sum (imports excluded)':<46} {'':>7} {read_sum_cpu:>7.2f}   "
        f"({rows / read_sum_cpu:,.0f} rows/s)"
    )
    print()
    ratio = work / read_sum_cpu
    verdict = "within" if ratio <= SCORING_GOAL else "ABOVE"
    print(
        f"ratio, scoring work / floor's read + sum (CPU): {ratio:.2f}x "
        f"({verdict} the {SCORING_GOAL:g}x goal)"
    )
    print(f"ratio, whole processes (CPU): {score.cpu / floor.cpu:.2f}x")
    print(f"ratio, whole processes (wall): {score.wall / floor.wall:.2f}x")
    print(
        f"peak memory: buoy score {score.peak_mb:.0f} MB (streams: flat in the number of "
        f"rows); floor {floor.peak_mb:.0f} MB (pandas holds the whole file)"
    )
