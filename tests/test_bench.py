"""`buoy bench` end to end, small: it builds, serves, measures, stops and cleans up.

No timing is asserted: performance is measured by `buoy bench` (docs/performance.md), never in
unit tests. This runs in the normal suite (no marker) and takes about ten seconds.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from buoy import bench


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

    assert bench.run_benchmarks(cases=30, requests=20, only="web") == 0

    out = capsys.readouterr().out
    for row in ("GET /healthz (baseline)", "GET /cases/ (25 rows)", "GET /api/v1/cases/"):
        assert row in out
    assert "SQLite" in out
    assert started, "no subprocess was started"
    assert all(process.poll() is not None for process in started), "a server is still running"
    assert list(tmp_path.iterdir()) == [], "the temporary BUOY_HOME was not deleted"


def test_the_links_benchmark_loses_nothing_with_a_few_caregivers() -> None:
    from buoy.bench_links import run_links_benchmark

    assert run_links_benchmark(links=5) == 0
