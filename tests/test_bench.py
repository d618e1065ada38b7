"""`buoy bench` end to end, small: it builds, serves, measures, stops and cleans up.

No timing is asserted: performance is measured by `buoy bench` (docs/performance.md), never in
unit tests. This runs in the normal suite (no marker); the whole file takes about half a minute.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from buoy.cli import main


def test_bench_runs_end_to_end_and_cleans_up(
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


def test_the_qda_benchmark_codes_and_exports_with_every_request_succeeding(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from buoy.bench.qda import run_qda_benchmark

    status = run_qda_benchmark(
        transcripts=2,
        words=300,
        segments=20,
        flat_segments=5,
        long_words=1_000,
        short_words=200,
        taguette=False,  # CI does not install Taguette
    )

    out = capsys.readouterr().out
    assert status == 0
    assert "Taguette: skipped (--no-taguette)" in out
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
