"""`buoy bench`: the harness's pieces, the table of benchmarks, and each benchmark, small.

No timing is asserted: performance is measured by `buoy bench` (docs/performance.md), never in
unit tests. This runs in the normal suite (no marker); the whole file takes a minute or two, most
of it the benchmarks run end to end at a tiny size.
"""

from __future__ import annotations

import argparse
import ast
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from buoy.bench import commands, harness, qda, scoring
from buoy.bench.harness import HOST, BenchError, Measurement, percentile
from buoy.cli import main

BENCH = Path(harness.__file__).parent

# --- the harness -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 3, 7, 10, 20, 99, 100, 1001])
def test_percentile_is_the_nearest_rank_as_numpy_and_statistics_compute_it(size: int) -> None:
    rng = random.Random(size)
    values = [rng.uniform(0, 100) for _ in range(size)]

    for fraction in (0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0):
        # numpy's "inverted_cdf" is the nearest-rank definition (Hyndman and Fan's type 1)
        assert percentile(values, fraction) == np.quantile(
            values, fraction, method="inverted_cdf"
        ), fraction
    assert percentile(values, 0.5) == statistics.median_low(values)
    assert percentile(values, 1.0) == max(values)
    assert percentile(values, 0.0) == min(values)


def test_percentile_of_nothing_is_nan_and_order_does_not_matter() -> None:
    assert np.isnan(percentile([], 0.5))
    assert percentile([3.0, 1.0, 2.0], 0.5) == percentile([1.0, 2.0, 3.0], 0.5) == 2.0


def test_a_measurement_gives_throughput_and_percentiles_in_milliseconds() -> None:
    measured = Measurement("m", latencies=[0.001, 0.002, 0.003, 0.004], wall_seconds=2.0)

    assert measured.throughput == 2.0
    assert measured.percentile_ms(0.5) == pytest.approx(2.0)
    assert measured.percentile_ms(1.0) == pytest.approx(4.0)
    assert Measurement("nothing yet").throughput == 0.0


def test_a_free_port_is_on_loopback_and_can_be_bound() -> None:
    port = harness.free_port()

    assert 1024 <= port <= 65535
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind((HOST, port))  # nothing listens there: binding succeeds


def test_a_throwaway_home_is_deleted_afterwards_even_when_the_benchmark_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made: list[Path] = []

    def failing_benchmark() -> None:
        with harness.throwaway_home("buoy-bench-test-") as home:
            made.append(home)
            (home / "file").write_text("x")
            raise BenchError("went wrong")

    with pytest.raises(BenchError, match="went wrong"):
        failing_benchmark()

    assert made[0].parent == tmp_path
    assert list(tmp_path.iterdir()) == []


def test_the_environment_points_at_the_throwaway_home_never_the_users_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db/production")
    monkeypatch.setenv("SECRET_KEY", "the-users-secret")

    env = harness.environment(tmp_path)

    assert env["BUOY_HOME"] == str(tmp_path)
    assert "DATABASE_URL" not in env
    assert "SECRET_KEY" not in env
    assert env["DEBUG"] == "false"
    assert env["ALLOWED_HOSTS"].startswith(HOST)


def test_buoy_server_starts_a_real_server_on_loopback_and_stops_it(tmp_path: Path) -> None:
    env = harness.environment(tmp_path)

    with harness.buoy_server(env, tmp_path / "server.log") as port:
        status, body = harness.get(port, "/healthz", {})
        assert (status, body.strip()) == (200, b"ok")

    with pytest.raises(ConnectionRefusedError):  # nothing answers on the port any more
        harness.get(port, "/healthz", {})
    assert (tmp_path / "buoy.sqlite3").exists(), "the server did not use the throw-away home"


def test_buoy_server_says_so_when_the_server_exits_instead_of_answering(tmp_path: Path) -> None:
    env = {**harness.environment(tmp_path), "DJANGO_SETTINGS_MODULE": "no.such.settings"}

    with (
        pytest.raises(BenchError, match="`buoy serve` exited with status"),
        harness.buoy_server(env, tmp_path / "server.log"),
    ):
        pass  # pragma: no cover - never reached
    assert "No module named" in (tmp_path / "server.log").read_text()


def test_a_child_script_runs_as_a_module_of_the_bench_package(tmp_path: Path) -> None:
    source = tmp_path / "answers.csv"
    scoring.write_cdrisc10_csv(source, 50)

    done = harness.run_child("scoring_floor", [str(source)], harness.environment(tmp_path))

    assert done.returncode == 0, done.stderr
    assert '"rows": 50' in done.stdout


def test_machine_facts_and_the_date_line() -> None:
    assert "cores" in harness.machine()
    assert "SQLite" in harness.machine()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", harness.timestamp())


def test_no_benchmark_imports_another_benchmarks_names_or_anything_private() -> None:
    benchmarks = {"web", "scoring", "links", "qda", "search"}
    support = {"harness", "synthetic", "qda_tools", "taguette"}
    for path in sorted(BENCH.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("buoy.bench"):
                imported = (node.module or "").removeprefix("buoy.bench.")
                if path.stem in benchmarks or path.stem in support:
                    assert imported in support, f"{path.name} imports buoy.bench.{imported}"
                private = [alias.name for alias in node.names if alias.name.startswith("_")]
                assert not private, f"{path.name} imports {private} from {node.module}"


# --- the table of benchmarks -------------------------------------------------------------------


def test_the_table_names_every_benchmark_the_cli_offers_in_the_order_it_runs_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # one line per option in argparse's help

    with pytest.raises(SystemExit):
        main(["bench", "--help"])

    shown = capsys.readouterr().out
    assert list(commands.BENCHMARKS) == ["web", "scoring", "links", "qda", "search"]
    assert "--only {web,scoring,links,qda,search}" in shown
    assert (
        "run one benchmark: web (caseload pages), scoring (batch scoring), links (200 caregivers "
        "submitting at once), qda (interview coding against Taguette 1.5.2) or search (10 "
        "million characters of Chinese); default all"
    ) in shown


def test_without_only_every_benchmark_runs_in_turn_and_the_worst_status_counts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[str] = []

    def fake(name: str, status: int) -> commands.Benchmark:
        def run(args: argparse.Namespace) -> int:
            ran.append(name)
            # A benchmark reports by printing; the blank lines between reports are checked.
            print(name)  # noqa: T201
            return status

        return commands.Benchmark(name, run)

    monkeypatch.setattr(
        commands, "BENCHMARKS", {"a": fake("a", 0), "b": fake("b", 1), "c": fake("c", 0)}
    )

    assert commands.run(argparse.Namespace(only=None)) == 1
    assert ran == ["a", "b", "c"]
    assert capsys.readouterr().out == "a\n\nb\n\nc\n"  # a blank line between two reports
    assert commands.run(argparse.Namespace(only="c")) == 0
    assert ran[-1] == "c"


# --- Taguette: only the interpreter we are given ------------------------------------------------


def test_without_a_taguette_python_taguette_is_skipped_with_how_to_give_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BUOY_TAGUETTE_PYTHON", raising=False)

    python, why = qda.find_taguette(None)

    assert python is None
    assert "--taguette-python PATH" in why
    assert "BUOY_TAGUETTE_PYTHON" in why


def test_a_python_without_taguette_is_refused_whether_by_option_or_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Buoy's own Python: Taguette never lives there.
    monkeypatch.setenv("BUOY_TAGUETTE_PYTHON", sys.executable)
    assert qda.find_taguette(None) == (None, f"{sys.executable} has no Taguette, not 1.5.2")
    assert qda.find_taguette("/no/such/python") == (
        None,
        "/no/such/python has no Taguette, not 1.5.2",
    )


def test_the_option_wins_over_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[Path] = []

    def version(python: Path) -> str:
        asked.append(python)
        return "1.5.2"

    monkeypatch.setattr(qda, "_taguette_version", version)
    monkeypatch.setenv("BUOY_TAGUETTE_PYTHON", "/from/the/environment/python")

    assert qda.find_taguette("/from/the/option/python") == (
        Path("/from/the/option/python"),
        "from /from/the/option/python",
    )
    assert qda.find_taguette(None)[0] == Path("/from/the/environment/python")
    assert asked == [Path("/from/the/option/python"), Path("/from/the/environment/python")]


# --- each benchmark, end to end at a tiny size --------------------------------------------------


def test_the_web_benchmark_runs_end_to_end_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where its BUOY_HOME is made
    monkeypatch.setenv("BUOY_HOME", str(tmp_path / "users-home"))  # must stay untouched
    started: list[subprocess.Popen[Any]] = []
    real_popen = subprocess.Popen

    class RecordingPopen(real_popen):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(subprocess, "Popen", RecordingPopen)

    assert main(["bench", "--only", "web", "--cases", "30", "--requests", "20"]) == 0

    out = capsys.readouterr().out
    for row in ("GET /healthz (baseline)", "GET /cases/ (25 rows)", "GET /api/v1/cases/"):
        assert row in out
    assert "SQLite" in out
    assert started, "no subprocess was started"
    assert all(process.poll() is not None for process in started), "a server is still running"
    assert list(tmp_path.iterdir()) == [], "the temporary BUOY_HOME was not deleted"


def test_the_scoring_benchmark_runs_from_the_cli_against_its_floor(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(scoring, "SCORING_REPEATS", 1)

    assert main(["bench", "--only", "scoring", "--rows", "500"]) == 0

    out = capsys.readouterr().out
    assert "scored 500 rows" in out
    assert "floor: pandas read_csv + numpy (whole process)" in out
    assert "ratio, scoring work / floor's read + sum (CPU)" in out


def test_the_links_benchmark_loses_nothing_with_a_few_caregivers() -> None:
    from buoy.bench.links import run_links_benchmark

    assert run_links_benchmark(links=5) == 0


def test_synthetic_transcripts_are_the_same_every_time_with_exactly_the_words_asked() -> None:
    from buoy.bench.synthetic import chinese_text, synthetic_transcript

    first, again = synthetic_transcript(300, seed=7), synthetic_transcript(300, seed=7)
    assert first == again
    assert first.words == 300
    assert all(0 <= start < end <= len(first.text) for start, end in first.sentences)
    assert len(chinese_text(5_000, seed=7)) == 5_000


def test_the_qda_benchmark_codes_and_exports_and_skips_taguette_when_none_is_given(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BUOY_TAGUETTE_PYTHON", raising=False)  # CI does not install Taguette

    status = qda.run_qda_benchmark(
        transcripts=2,
        words=300,
        segments=20,
        flat_segments=5,
        long_words=1_000,
        short_words=200,
    )

    out = capsys.readouterr().out
    assert status == 0
    assert (
        "  Taguette skipped: no Taguette 1.5.2 given: pass --taguette-python PATH or set "
        "BUOY_TAGUETTE_PYTHON to the Python of a virtual environment with taguette==1.5.2"
    ) in out
    assert "Taguette: skipped: no Taguette 1.5.2 given" in out
    assert "throughput against Taguette: not measured (Taguette skipped)" in out
    for row in (
        "segments, 1 client: segments/s",
        "segments, 4 clients: segments/s",
        "1,000-word transcript: p50 / p95 ms",
        "200-word transcript: p50 / p95 ms",
        "p95 long / short",
        "export codebook (.qdc)",
        "export segments (.csv)",
        "flat in length: Buoy's p95",
    ):
        assert row in out
    assert re.search(r"^failed requests\s+0$", out, re.MULTILINE)


def test_the_search_benchmark_times_every_query(capsys: pytest.CaptureFixture[str]) -> None:
    from buoy.bench.search import run_search_benchmark

    assert run_search_benchmark(characters=20_000, transcripts=2, queries=8) == 0

    out = capsys.readouterr().out
    assert "20,000 characters of Chinese in 2 transcripts" in out
    assert re.search(r"^all\s+8\s", out, re.MULTILINE)
    assert "search p95" in out
