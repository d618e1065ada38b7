"""The `buoy` command, run in-process against the test database (and once as a real server)."""

from __future__ import annotations

import csv
import io
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Case
from buoy.cli import main

pytestmark = pytest.mark.django_db


def test_user_add_reads_the_password_from_stdin(
    ward_a: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("a sturdy passphrase 42\n"))
    code = main(
        ["user", "add", "wendy", "--role", "worker", "--team", "ward-a", "--password-stdin"]
    )
    assert code == 0
    user = User.objects.get(username="wendy")
    assert user.check_password("a sturdy passphrase 42")
    assert list(user.wards.values_list("code", flat=True)) == ["ward-a"]
    assert AuditEvent.objects.get(action="access.user.created").channel == "cli"


def test_user_add_refuses_an_unknown_ward_and_creates_nothing(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["user", "add", "wendy", "--role", "worker", "--team", "nowhere"]) == 2
    assert "nowhere" in capsys.readouterr().err
    assert not User.objects.filter(username="wendy").exists()


def test_user_add_refuses_a_weak_password(
    db: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("123\n"))
    assert main(["user", "add", "wendy", "--role", "admin", "--password-stdin"]) == 2
    assert "password" in capsys.readouterr().err
    assert not User.objects.exists()


def test_user_token_prints_a_working_key_on_its_last_line(
    alice_worker: User, alice_case: Case, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["user", "token", "alice_worker"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/cases/")
    assert response.json()["count"] == 1


def test_audit_export_writes_every_event_as_csv(
    alice_worker: User, alice_case: Case, tmp_path: Path
) -> None:
    out = tmp_path / "audit.csv"
    assert main(["audit", "export", "-o", str(out), "--action", "cases."]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["action"] for r in rows} == {
        "cases.case.opened",
        "cases.child.created",
        "cases.caregiver.created",
    }
    assert all(r["actor"] == "alice_worker" for r in rows)
    assert AuditEvent.objects.filter(action="audit.trail.exported").exists()


def test_audit_export_refuses_a_bad_date(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "export", "--since", "yesterday"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_check_reports_the_database_and_migrations(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check"]) == 0
    assert "migrations: all applied" in capsys.readouterr().out


def test_django_management_commands_stay_reachable(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["manage", "showmigrations", "cases"]) == 0
    assert "0001_initial" in capsys.readouterr().out


def test_python_dash_m_buoy_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "buoy", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "serve" in result.stdout
    assert "bench" in result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_demo_migrates_loads_the_demo_and_serves_pages_and_static_files(
    tmp_path: Path,
) -> None:
    """The README's first command, end to end, on a fresh SQLite folder."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["BUOY_HOME"] = str(tmp_path / "home")
    server = subprocess.Popen(
        [sys.executable, "-m", "buoy", "serve", "--demo", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("buoy serve did not answer within 60 s")
        with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as page:
            html = page.read().decode()
        assert "/static/buoy/buoy." in html  # hashed name from the manifest
        css_path = html.split('href="', 2)[1].split('"')[0] if "stylesheet" in html else ""
        with urllib.request.urlopen(f"{base}{css_path}", timeout=5) as css:
            assert css.status == 200
            assert b"--accent" in css.read()
        home = tmp_path / "home"
        passwords = (home / "demo-passwords.txt").read_text()
        assert "demo-worker " in passwords
        assert "demo-admin " in passwords
        assert stat.S_IMODE((home / "demo-passwords.txt").stat().st_mode) == 0o600
        assert stat.S_IMODE((home / "secret_key").stat().st_mode) == 0o600
        with sqlite3.connect(home / "buoy.sqlite3") as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert db.execute("select count(*) from cases_case").fetchone()[0] == 40
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "demo-worker" in output
    assert f"http://127.0.0.1:{port}/" in output


@pytest.mark.parametrize(
    ("command", "made"),
    [(["migrate", "--plan"], "buoy.sqlite3"), (["collectstatic", "--noinput"], "static")],
)
def test_manage_makes_a_missing_data_folder_owner_only(
    command: list[str], made: str, tmp_path: Path
) -> None:
    """Importing settings makes no folder: the first database connection or collectstatic does."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env["BUOY_HOME"] = str(home)
    subprocess.run(
        [sys.executable, "-m", "buoy", "manage", *command, "-v0"],
        env=env,
        capture_output=True,
        check=True,
    )
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert (home / made).exists()


def test_a_command_on_a_database_not_yet_set_up_explains_what_to_do(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["BUOY_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "buoy", "user", "add", "x", "--role", "admin"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "buoy manage migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_a_one_line_error(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BUOY_HOME": str(tmp_path),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/nowhere",
    }
    result = subprocess.run(
        [sys.executable, "-m", "buoy", "audit", "export"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("buoy: the database could not be used")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
