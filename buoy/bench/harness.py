"""What every benchmark of `buoy bench` shares: timing, percentiles, a throw-away home, a server.

* :class:`Measurement` and :func:`percentile`: latencies and the figures printed from them;
* :func:`throwaway_home` and :func:`environment`: a new BUOY_HOME (SQLite) for one benchmark,
  never the user's data, and the production-like environment its subprocesses run in;
* :func:`run_buoy` and :func:`run_child`: ``python -m buoy …`` and the child scripts,
  ``python -m buoy.bench.<child>``, in that environment;
* :func:`buoy_server`: `buoy serve` (the production server) on a free loopback port
  (:func:`free_port`), stopped with its workers afterwards;
* :func:`machine` and :func:`timestamp`: the facts every report starts with.

Imports no Django: the CLI runs the benchmarks before Django is set up.
"""

from __future__ import annotations

import datetime as dt
import http.client
import math
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
SERVER_START_SECONDS = 90
REQUEST_TIMEOUT_SECONDS = 60


class BenchError(Exception):
    """Setting up the benchmark failed; the message says where."""


@dataclass
class Measurement:
    """One endpoint's latencies (seconds) and the wall time they took together."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    @property
    def throughput(self) -> float:
        """Successful requests per second of wall time."""
        return len(self.latencies) / self.wall_seconds if self.wall_seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        """Nearest-rank percentile, in milliseconds."""
        return percentile(self.latencies, fraction) * 1000


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of `values` (NaN when there are none)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered), max(1, math.ceil(fraction * len(ordered)))) - 1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment of asking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def throwaway_home(prefix: str) -> Iterator[Path]:
    """A new empty folder (a benchmark's BUOY_HOME and scratch files), deleted afterwards."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def environment(home: Path) -> dict[str, str]:
    """The subprocesses' environment: a fresh SQLite home and production-like settings."""
    env = dict(os.environ)
    for name in ("DATABASE_URL", "SECRET_KEY", "BUOY_HTTPS", "CSRF_TRUSTED_ORIGINS"):
        env.pop(name, None)
    env.update(
        BUOY_HOME=str(home),
        DEBUG="false",
        ALLOWED_HOSTS=f"{HOST},localhost",
        PYTHONUNBUFFERED="1",
    )
    return env


def run_buoy(args: list[str], env: dict[str, str], what: str) -> str:
    """Run `python -m buoy ARGS`; its standard output, or BenchError when it fails."""
    completed = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-m", "buoy", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if completed.returncode != 0:
        raise BenchError(
            f"could not {what} (`buoy {' '.join(args)}` exited {completed.returncode}):\n"
            f"{completed.stderr.strip()[-2000:]}"
        )
    return completed.stdout


def run_child(
    module: str, args: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run the child script `python -m buoy.bench.MODULE ARGS` in `env` to completion.

    Its output is captured (text); the caller reads it and says what a failure means.
    """
    return subprocess.run(  # noqa: S603 (our own interpreter, our own module)
        [sys.executable, "-m", f"buoy.bench.{module}", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One GET on a new connection to 127.0.0.1:`port`; the status and body."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request("GET", path, headers={"Connection": "close", **headers})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextmanager
def buoy_server(env: dict[str, str], log: Path) -> Iterator[int]:
    """`buoy serve` in `env` on a free loopback port, once it answers /healthz; yields the port.

    The server runs in its own process group and is stopped with its workers on leaving; its
    output goes to `log` (:func:`print_log_tail` shows the end of it when something failed).
    """
    port = free_port()
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            [sys.executable, "-m", "buoy", "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped together with workers
        )
    try:
        _wait_until_healthy(server, port)
        yield port
    finally:
        stop_process_group(server)


def _wait_until_healthy(server: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"`buoy serve` exited with status {server.returncode}")
        try:
            status, _ = get(port, "/healthz", {})
        except OSError:
            status = 0
        if status == 200:
            return
        time.sleep(0.2)
    raise BenchError(f"`buoy serve` did not answer /healthz within {SERVER_START_SECONDS} s")


def stop_process_group(process: subprocess.Popen[bytes], *, timeout: float = 30) -> None:
    """Stop a server started in its own process group (with its workers): TERM, then KILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def print_log_tail(log: Path) -> None:
    """The server log's last 30 lines on standard error, when there is a log."""
    if log.exists() and log.stat().st_size:
        tail = log.read_text(errors="replace").splitlines()[-30:]
        print("last lines of the server's log:", *tail, sep="\n  ", file=sys.stderr)


def machine() -> str:
    """Cores and CPU model, operating system, Python and SQLite versions, on one line."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = f" ({found.group(1).strip()})" if found else ""
    return (
        f"{os.cpu_count()} cores{model}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}"
    )


def timestamp() -> str:
    """Now, to the minute, in UTC: the date line of every report."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
