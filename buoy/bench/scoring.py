"""`buoy bench --only scoring`: how fast batch scoring streams, against a pandas floor.

`buoy score cdrisc10 FILE.csv` on a generated file of `rows` CD-RISC-10 rows, against a
floor measured in the same run on the same file: pandas reads the CSV and numpy sums the
item columns of every row (:mod:`buoy.bench.scoring_floor`). Both run as subprocesses
(`python -m buoy score …` and `python -m buoy.bench.scoring_floor`), each timed by os.wait4,
which gives that one child's CPU time and peak memory (ru_maxrss). Each is run SCORING_REPEATS
times and the best run counts (as timeit does): other work on a shared machine only ever makes
a run slower.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from buoy.bench.harness import machine, throwaway_home, timestamp

SCORING_REPEATS = 3
SCORING_GOAL = 2.0  # `buoy score` within twice the floor


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
        run = _run_child([sys.executable, "-m", "buoy.bench.scoring_floor", str(source)])
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
