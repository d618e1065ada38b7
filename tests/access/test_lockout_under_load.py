"""The lock-out holds when many wrong passwords arrive at once, on SQLite and on PostgreSQL.

A real `buoy serve` (gunicorn, 2 processes x 4 threads) on its own database of the engine the
suite runs on (a fresh SQLite file, or a fresh PostgreSQL database next to the test database),
attacked with simultaneous logins over HTTP. Its password hasher (lockout_server_settings.py)
is as slow as Argon2 and writes a line per password it checks, so the test counts what the
server did, not what it says it did.
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from buoy.bench.harness import HOST, buoy_server

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 5  # BUOY_LOCKOUT_FAILURES, set for the server below
BURST = 40
PASSWORD = "a-correct-horse-battery"


@dataclass
class Server:
    port: int
    checks_file: Path

    def checks(self) -> int:
        """How many passwords the server has checked so far."""
        if not self.checks_file.exists():
            return 0
        return self.checks_file.read_text().count("checked\n")


def _postgres_database(url: str) -> tuple[str, str]:
    """A new empty database on the suite's PostgreSQL server: (its URL, its name)."""
    parsed = urllib.parse.urlsplit(url)
    name = f"buoy_lockout_{uuid.uuid4().hex[:10]}"
    return urllib.parse.urlunsplit(parsed._replace(path=f"/{name}")), name


def _maintenance(url: str, sql: str) -> None:
    import psycopg

    parsed = urllib.parse.urlsplit(url)
    admin_url = urllib.parse.urlunsplit(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("lockout-home")
    env = {
        **os.environ,
        "BUOY_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "tests.access.lockout_server_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "BUOY_TEST_PASSWORD_CHECKS": str(home / "password-checks.txt"),
        "BUOY_LOCKOUT_FAILURES": str(LIMIT),
        "BUOY_LOCKOUT_MINUTES": "15",
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    suite_database = os.environ.get("DATABASE_URL", "").strip()
    database_name = None
    if suite_database.startswith("postgres"):
        env["DATABASE_URL"], database_name = _postgres_database(suite_database)
        _maintenance(suite_database, f'CREATE DATABASE "{database_name}"')
    else:
        env.pop("DATABASE_URL", None)
    try:
        buoy = [sys.executable, "-m", "buoy"]
        subprocess.run([*buoy, "manage", "migrate", "-v0"], env=env, check=True)
        for username in ("burst_after", "burst_inside", "calm"):
            subprocess.run(
                [*buoy, "user", "add", username, "--role", "worker", "--password-stdin"],
                env=env,
                input=PASSWORD + "\n",
                text=True,
                check=True,
                capture_output=True,
            )
        with buoy_server(env, home / "server.log") as port:
            yield Server(port=port, checks_file=home / "password-checks.txt")
    finally:
        if database_name is not None:
            _maintenance(suite_database, f'DROP DATABASE IF EXISTS "{database_name}"')


class Attempt:
    """One browser's login: the form first (its CSRF cookie and token), then the POST."""

    def __init__(self, port: int, username: str, password: str) -> None:
        self.port, self.username, self.password = port, username, password
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        connection.request("GET", "/accounts/login/")
        page = connection.getresponse()
        html = page.read().decode()
        connection.close()
        cookie = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie") or "")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert cookie, "the login page set no CSRF cookie"
        assert token, "the login page has no CSRF token"
        self.cookie, self.token = cookie.group(1), token.group(1)
        self.status = 0

    def post(self) -> None:
        form = {"csrfmiddlewaretoken": self.token, "username": self.username}
        body = urllib.parse.urlencode({**form, "password": self.password})
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        connection.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={self.cookie}",
            },
        )
        answer = connection.getresponse()
        answer.read()
        connection.close()
        self.status = answer.status  # 302: signed in; 200: the form again


def all_at_once(attempts: list[Attempt]) -> None:
    """Send every attempt's POST at the same moment, one thread each; wait for the answers."""
    start = threading.Barrier(len(attempts))

    def send(attempt: Attempt) -> None:
        start.wait()
        attempt.post()

    threads = [threading.Thread(target=send, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def test_simultaneous_wrong_passwords_check_no_more_than_the_limit_and_then_lock(
    server: Server,
) -> None:
    before = server.checks()
    burst = [Attempt(server.port, "burst_after", f"wrong-{n}") for n in range(BURST)]
    all_at_once(burst)
    assert [a.status for a in burst] == [200] * BURST  # every one refused, none failed
    assert server.checks() - before <= LIMIT
    # The right password after the burst is refused without being checked: the account is
    # locked for BUOY_LOCKOUT_MINUTES.
    checked = server.checks()
    right = Attempt(server.port, "burst_after", PASSWORD)
    right.post()
    assert right.status == 200
    assert server.checks() == checked


def test_the_right_password_inside_a_burst_is_refused_once_the_limit_is_reached(
    server: Server,
) -> None:
    before = server.checks()
    burst = [Attempt(server.port, "burst_inside", f"wrong-{n}") for n in range(BURST)]
    right = Attempt(server.port, "burst_inside", PASSWORD)
    sender = threading.Thread(target=all_at_once, args=(burst,))
    sender.start()
    deadline = time.monotonic() + 60
    while server.checks() - before < LIMIT and time.monotonic() < deadline:
        time.sleep(0.01)
    right.post()  # while the rest of the burst is still arriving
    sender.join(timeout=120)
    assert right.status == 200
    assert server.checks() - before <= LIMIT


def test_an_account_nobody_attacks_still_logs_in(server: Server) -> None:
    attempt = Attempt(server.port, "calm", PASSWORD)
    attempt.post()
    assert attempt.status == 302
