"""`buoy bench --only qda`: interview coding on Buoy and on Taguette, the same workload.

The same workload on Buoy and on Taguette 1.5.2, on this machine, in one run:

1. a project with :data:`~buoy.bench.synthetic.CODES` (20 codes; Taguette calls them tags),
   then `transcripts` synthetic transcripts of `words` words each, imported over HTTP;
2. `segments` coded segments, one HTTP request each, sequentially from one client (as one
   person's clicks would come), then a fifth as many again from :data:`CLIENTS` concurrent
   clients;
3. 200 segments on a 100,000-word transcript and 200 on a 2,000-word one, the two
   interleaved request by request, so that whatever else the machine does falls on both
   alike: coding should cost the same whatever the transcript's length;
4. the codebook (REFI-QDA ``.qdc``) and the coded segments (CSV) exported.

Buoy runs as its production server (`buoy serve`) against a throw-away BUOY_HOME (SQLite),
driven through its REST API with an API token; Taguette runs from its own virtual environment
(never Buoy's: ``--taguette-python`` or BUOY_TAGUETTE_PYTHON names its Python; without
either, Taguette is skipped and Buoy measured alone) on loopback, driven through the HTTP
API its own front end uses (:mod:`buoy.bench.qda_tools`, :mod:`buoy.bench.taguette`). The text
is made up (:mod:`buoy.bench.synthetic`); the report also gives the characters, and jieba's
precise-mode token count of one transcript, for comparison.

Like the rest of buoy/bench/, this module imports no Django: it only starts servers and sends
requests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buoy.bench.harness import (
    BenchError,
    Measurement,
    buoy_server,
    environment,
    machine,
    print_log_tail,
    run_buoy,
    throwaway_home,
    timestamp,
)
from buoy.bench.qda_tools import BuoyTool, RequestFailed, TaguetteTool, Tool
from buoy.bench.synthetic import SEED, Selection, Synthetic, selections, synthetic_transcript
from buoy.bench.taguette import TAGUETTE_VERSION, TaguetteError, start_taguette

# Names the Python of Taguette's own virtual environment when --taguette-python does not.
TAGUETTE_PYTHON_VARIABLE = "BUOY_TAGUETTE_PYTHON"
RESEARCHER = "bench-researcher"
CLIENTS = 4
LONG_WORDS = 100_000
SHORT_WORDS = 2_000
FLAT_SEGMENTS = 200
BASELINE_REQUESTS = 200  # health checks from one client, before the coding
THROUGHPUT_GOAL = 5.0  # Buoy's segments per second at least 5x Taguette's
FLAT_GOAL = 1.25  # p95 on the long transcript within 25 % of the short one's: "flat"

# --- the workload --------------------------------------------------------------------------


@dataclass
class ToolResult:
    """One tool's figures for the whole workload."""

    name: str
    setup_seconds: float = 0.0
    import_seconds: float = 0.0
    documents: int = 0
    baseline: Measurement = field(default_factory=lambda: Measurement("baseline"))
    sequential: Measurement = field(default_factory=lambda: Measurement("sequential"))
    concurrent: Measurement = field(default_factory=lambda: Measurement("concurrent"))
    short: Measurement = field(default_factory=lambda: Measurement("short"))
    long: Measurement = field(default_factory=lambda: Measurement("long"))
    exports: list[tuple[str, float, int, str | None]] = field(default_factory=list)
    skipped: str = ""

    @property
    def errors(self) -> int:
        measured = (self.baseline, self.sequential, self.concurrent, self.short, self.long)
        return sum(len(m.errors) for m in measured) + sum(1 for *_, e in self.exports if e)


@dataclass(frozen=True)
class Workload:
    """The texts and the coding plan, identical for both tools."""

    texts: list[Synthetic]
    long: Synthetic
    short: Synthetic
    sequential: list[Selection]
    concurrent: list[Selection]
    flat: list[Selection]  # alternating: long, short, long, short …


def make_workload(
    *,
    transcripts: int,
    words: int,
    segments: int,
    flat_segments: int = FLAT_SEGMENTS,
    long_words: int = LONG_WORDS,
    short_words: int = SHORT_WORDS,
) -> Workload:
    """The deterministic texts and selections (the same on every run and for both tools)."""
    texts = [synthetic_transcript(words, seed=SEED + n) for n in range(transcripts)]
    long = synthetic_transcript(long_words, seed=SEED - 1)
    short = synthetic_transcript(short_words, seed=SEED - 2)
    everything = [*texts, long, short]
    long_index, short_index = transcripts, transcripts + 1
    flat = selections(
        everything, 2 * flat_segments, seed=SEED + 3, documents=[long_index, short_index]
    )
    return Workload(
        texts=texts,
        long=long,
        short=short,
        sequential=selections(texts, segments, seed=SEED + 1),
        concurrent=selections(texts, max(CLIENTS, segments // 5), seed=SEED + 2),
        flat=flat,
    )


def _timed(
    tools: Sequence[Tool],
    prepared: Sequence[Any],
    into: Measurement,
    send: Callable[[Tool, Any], None] = lambda tool, item: tool.code(item),
) -> None:
    """Send `prepared` requests, one client thread per tool; latencies and errors into `into`."""
    lock = threading.Lock()
    queue = iter(prepared)

    def client(tool: Tool) -> None:
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                return
            started = time.perf_counter()
            try:
                send(tool, item)
                error = None
            except (RequestFailed, OSError) as failure:
                error = f"{type(failure).__name__}: {failure}"
            elapsed = time.perf_counter() - started
            with lock:
                if error is None:
                    into.latencies.append(elapsed)
                else:
                    into.errors.append(error)

    started = time.perf_counter()
    if len(tools) == 1:
        client(tools[0])  # one person: no thread needed
    else:
        threads = [threading.Thread(target=client, args=(t,), daemon=True) for t in tools]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    into.wall_seconds = time.perf_counter() - started


def run_workload(tool: Tool, workload: Workload, *, progress: bool = True) -> ToolResult:
    """The whole workload on one tool; set-up failures raise BenchError."""
    result = ToolResult(tool.name)
    say = print if progress else (lambda *_a, **_k: None)
    started = time.perf_counter()
    tool.start_project("QDA benchmark")
    tool.add_codes()
    result.setup_seconds = time.perf_counter() - started

    started = time.perf_counter()
    for number, text in enumerate(workload.texts):
        tool.add_document(f"Interview {number + 1:03d}", text.text)
    result.import_seconds = time.perf_counter() - started
    result.documents = len(workload.texts)
    long_index = tool.add_document("Long interview", workload.long.text)
    short_index = tool.add_document("Short interview", workload.short.text)
    if (long_index, short_index) != (len(workload.texts), len(workload.texts) + 1):
        raise BenchError(f"{tool.name} numbered the long and short transcripts unexpectedly")
    say(
        f"  {tool.name}: {len(workload.texts)} transcripts imported in {result.import_seconds:.1f}s"
    )

    _timed([tool], range(BASELINE_REQUESTS), result.baseline, lambda t, _item: t.ping())
    prepared = [tool.prepare(s) for s in workload.sequential]
    _timed([tool], prepared, result.sequential)
    say(
        f"  {tool.name}: {len(prepared):,} segments, one client, in "
        f"{result.sequential.wall_seconds:.1f} s"
    )

    prepared = [tool.prepare(s) for s in workload.concurrent]
    _timed([tool.concurrent_copy() for _ in range(CLIENTS)], prepared, result.concurrent)
    say(
        f"  {tool.name}: {len(prepared):,} segments, {CLIENTS} clients, in "
        f"{result.concurrent.wall_seconds:.1f} s"
    )

    # Long and short interleaved one by one, so that any slow spell hits both alike.
    for selection in workload.flat:
        into = result.long if selection.document == long_index else result.short
        single = Measurement(into.name)
        _timed([tool], [tool.prepare(selection)], single)
        into.latencies += single.latencies
        into.errors += single.errors
        into.wall_seconds += single.wall_seconds

    # One code per request: every request that succeeded made one segment.
    coded = sum(len(m.latencies) for m in (result.sequential, result.concurrent))
    coded += len(result.long.latencies) + len(result.short.latencies)
    for name, download, check in tool.exports(coded):
        started = time.perf_counter()
        try:
            body = download()
            problem = check(body)
        except (RequestFailed, OSError, ValueError) as error:  # ValueError: not UTF-8, not CSV
            body, problem = b"", f"{type(error).__name__}: {error}"
        result.exports.append((name, time.perf_counter() - started, len(body), problem))
    return result


# --- Buoy and Taguette servers -------------------------------------------------------------


@contextmanager
def buoy_tool() -> Iterator[BuoyTool]:
    """`buoy serve` on a throw-away BUOY_HOME with a researcher and an API token."""
    with throwaway_home("buoy-bench-qda-") as home:
        env = environment(home)
        run_buoy(["manage", "migrate", "--no-input", "--verbosity", "0"], env, "migrate")
        run_buoy(["user", "add", RESEARCHER, "--role", "researcher"], env, "add the researcher")
        token = run_buoy(["user", "token", RESEARCHER], env, "issue an API token").split()[-1]
        log = home / "server.log"
        with buoy_server(env, log) as port:
            try:
                yield BuoyTool(port, token)
            except BenchError:
                print_log_tail(log)
                raise


def _taguette_version(python: Path) -> str | None:
    """The Taguette version installed for `python`, or None when it has none."""
    try:
        found = subprocess.run(  # noqa: S603 (a Python we were told to use, fixed script)
            [str(python), "-c", "import importlib.metadata as m; print(m.version('taguette'))"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return found.stdout.strip() if found.returncode == 0 else None


def find_taguette(given: str | None) -> tuple[Path | None, str]:
    """The Python with Taguette 1.5.2 to use: `given` (--taguette-python), else the one
    BUOY_TAGUETTE_PYTHON names; never a guess.

    Returns (python, where it came from), or (None, why Taguette is skipped).
    """
    given = given or os.environ.get(TAGUETTE_PYTHON_VARIABLE, "").strip() or None
    if not given:
        return None, (
            f"no Taguette {TAGUETTE_VERSION} given: pass --taguette-python PATH or set "
            f"{TAGUETTE_PYTHON_VARIABLE} to the Python of a virtual environment with "
            f"taguette=={TAGUETTE_VERSION}"
        )
    python = Path(given)
    version = _taguette_version(python)
    if version != TAGUETTE_VERSION:
        found = f"Taguette {version}" if version else "no Taguette"
        return None, f"{python} has {found}, not {TAGUETTE_VERSION}"
    return python, f"from {python}"


@contextmanager
def taguette_server(python: Path, scratch: Path) -> Iterator[TaguetteTool]:
    """Taguette on loopback from `python`, with a throw-away database in `scratch`."""
    try:
        server = start_taguette(python, scratch / "taguette.sqlite3")
    except TaguetteError as error:
        raise BenchError(f"Taguette did not start: {error}") from None
    with server:
        try:
            yield TaguetteTool(server)
        except TaguetteError as error:
            raise BenchError(f"Taguette refused a set-up request: {error}") from None


# --- report --------------------------------------------------------------------------------


def _ms(measurement: Measurement, fraction: float) -> str:
    return f"{measurement.percentile_ms(fraction):,.1f}" if measurement.latencies else "–"


def _rate(measurement: Measurement) -> str:
    return f"{measurement.throughput:,.1f}" if measurement.latencies else "–"


def report_qda(results: list[ToolResult], workload: Workload, *, taguette_note: str) -> None:
    """Print the side-by-side table and the verdict on both goals."""
    texts = workload.texts
    characters = sum(len(t.text) for t in texts)
    print()
    print(f"date:     {timestamp()}")
    print(f"machine:  {machine()}; load average {os.getloadavg()[0]:.2f} at the end")
    print(
        f"text:     {len(texts)} transcripts x {texts[0].words:,} words ({characters:,} characters"
        f" in all); long {workload.long.words:,} words, short {workload.short.words:,} words"
    )
    print(
        "          a word = one drawn word-list item (English word or Chinese dictionary word);"
        f" jieba precise-mode tokens of transcript 1: {_jieba_tokens(texts[0].text)}"
    )
    print(
        f"coding:   {len(workload.sequential):,} segments from 1 client, then "
        f"{len(workload.concurrent):,} from {CLIENTS} clients; one code and one new connection "
        "per request"
    )
    print("Buoy:     buoy serve (gunicorn gthread, 2 workers x 4 threads), SQLite, DEBUG off")
    print(f"Taguette: {taguette_note}")
    print()
    columns = [r.name for r in results]
    width = 44
    header = f"{'':<{width}}" + "".join(f"{c:>26}" for c in columns)
    print(header)
    print("-" * len(header))

    def row(label: str, cells: Sequence[str]) -> None:
        print(f"{label:<{width}}" + "".join(f"{c:>26}" for c in cells))

    row("set-up: project and 20 codes (s)", [f"{r.setup_seconds:.2f}" for r in results])
    row(
        f"import {len(texts)} transcripts (s)",
        [f"{r.import_seconds:.1f}" for r in results],
    )
    row(
        "baseline: health check, 1 client: req/s",
        [_rate(r.baseline) for r in results],
    )
    row(
        "  p50 / p95 / max ms",
        [
            f"{_ms(r.baseline, 0.5)} / {_ms(r.baseline, 0.95)} / {_ms(r.baseline, 1.0)}"
            for r in results
        ],
    )
    for label, pick in (
        ("1 client", lambda r: r.sequential),
        (f"{CLIENTS} clients", lambda r: r.concurrent),
    ):
        row(f"segments, {label}: segments/s", [_rate(pick(r)) for r in results])
        row(
            "  p50 / p95 / max ms",
            [f"{_ms(pick(r), 0.5)} / {_ms(pick(r), 0.95)} / {_ms(pick(r), 1.0)}" for r in results],
        )
    row(
        f"{workload.short.words:,}-word transcript: p50 / p95 ms",
        [f"{_ms(r.short, 0.5)} / {_ms(r.short, 0.95)}" for r in results],
    )
    row(
        f"{workload.long.words:,}-word transcript: p50 / p95 ms",
        [f"{_ms(r.long, 0.5)} / {_ms(r.long, 0.95)}" for r in results],
    )
    row("  p95 long / short", [_flatness(r) for r in results])
    for index, (name, *_rest) in enumerate(results[0].exports):
        row(
            f"export {name}: ms (KB)",
            [
                f"{r.exports[index][1] * 1000:,.0f} ({r.exports[index][2] / 1000:,.0f})"
                if len(r.exports) > index
                else "–"
                for r in results
            ],
        )
    row("failed requests", [str(r.errors) for r in results])
    print()
    buoy = results[0]
    if len(results) > 1 and results[1].sequential.throughput:
        ratio = buoy.sequential.throughput / results[1].sequential.throughput
        met = "met" if ratio >= THROUGHPUT_GOAL else "NOT met"
        print(
            f"throughput, 1 client: Buoy {buoy.sequential.throughput:,.1f} segments/s = "
            f"{ratio:.2f}x Taguette's (goal >= {THROUGHPUT_GOAL:g}x: {met})"
        )
        if results[1].concurrent.throughput:
            print(
                f"throughput, {CLIENTS} clients: "
                f"{buoy.concurrent.throughput / results[1].concurrent.throughput:.2f}x Taguette's"
            )
    else:
        print("throughput against Taguette: not measured (Taguette skipped)")
    flat = _flat_ratio(buoy)
    verdict = "met" if flat <= FLAT_GOAL else "NOT met"
    print(
        f"flat in length: Buoy's p95 on {workload.long.words:,} words is {flat:.2f}x its p95 on "
        f"{workload.short.words:,} (goal <= {FLAT_GOAL:g}x: {verdict})"
    )
    for result in results:
        for measurement in (
            result.baseline,
            result.sequential,
            result.concurrent,
            result.short,
            result.long,
        ):
            for error in measurement.errors[:3]:
                print(f"  {result.name} error: {error}", file=sys.stderr)
        for name, _s, _n, problem in result.exports:
            if problem:
                print(f"  {result.name} export {name}: {problem}", file=sys.stderr)


def _flat_ratio(result: ToolResult) -> float:
    short = result.short.percentile_ms(0.95)
    return result.long.percentile_ms(0.95) / short if short else float("nan")


def _flatness(result: ToolResult) -> str:
    return f"{_flat_ratio(result):.2f}x" if result.short.latencies else "–"


def _jieba_tokens(text: str) -> str:
    try:
        from buoy.coding.domain.words import words
    except ImportError:  # pragma: no cover - jieba is a dependency; say so if it is missing
        return "(jieba not available)"
    return f"{len(words(text, search=False)):,}"


def run_qda_benchmark(
    *,
    transcripts: int = 50,
    words: int = 20_000,
    segments: int = 5_000,
    taguette: bool = True,
    taguette_python: str | None = None,
    flat_segments: int = FLAT_SEGMENTS,
    long_words: int = LONG_WORDS,
    short_words: int = SHORT_WORDS,
) -> int:
    """Run the coding workload on Buoy and (unless `taguette` is False) on Taguette 1.5.2.

    Returns 0, or 1 when setting up failed or any request did not succeed. The smaller
    arguments (`flat_segments`, `long_words`, `short_words`) are for the tests.
    """
    if min(transcripts, segments, flat_segments) < 1 or min(words, long_words, short_words) < 20:
        print(
            "buoy bench: --transcripts, --segments must be at least 1 and --words at least 20",
            file=sys.stderr,
        )
        return 2
    print(
        f"QDA benchmark: {transcripts} transcripts x {words:,} words, {segments:,} coded "
        f"segments one request each, on Buoy and Taguette {TAGUETTE_VERSION}"
    )
    started = time.perf_counter()
    workload = make_workload(
        transcripts=transcripts,
        words=words,
        segments=segments,
        flat_segments=flat_segments,
        long_words=long_words,
        short_words=short_words,
    )
    print(f"  synthetic text made in {time.perf_counter() - started:.1f} s")
    results: list[ToolResult] = []
    with throwaway_home("buoy-bench-taguette-") as scratch:
        try:
            with buoy_tool() as buoy:
                results.append(run_workload(buoy, workload))
            if not taguette:
                note = "skipped (--no-taguette)"
            else:
                python, note = find_taguette(taguette_python)
                if python is None:
                    note = f"skipped: {note}"
                else:
                    with taguette_server(python, scratch) as tool:
                        results.append(run_workload(tool, workload))
                    note = f"Taguette {TAGUETTE_VERSION} {note}, single-user mode, SQLite"
            if len(results) == 1:
                print(f"  Taguette {note}")
            report_qda(results, workload, taguette_note=note)
        except BenchError as error:
            print(f"buoy bench: {error}", file=sys.stderr)
            return 1
    return 1 if any(r.errors for r in results) else 0
