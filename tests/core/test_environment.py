"""Settings read from the environment."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from buoy.config.environment import env_flag, env_list, secret_key


def test_the_secret_key_is_made_once_private_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = secret_key(tmp_path)
    assert len(first) >= 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert secret_key(tmp_path) == first


def test_a_secret_key_in_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert secret_key(tmp_path) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("raw", "value"), [("true", True), ("0", False), ("", False), ("Yes", True)]
)
def test_yes_no_settings(raw: str, value: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUOY_X", raw)
    assert env_flag("BUOY_X", default=False) is value


def test_an_unclear_yes_no_setting_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_flag("DEBUG", default=False)


def test_list_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", "buoy.example.org, 10.0.0.5 ,")
    assert env_list("ALLOWED_HOSTS", []) == ["buoy.example.org", "10.0.0.5"]


def test_debug_is_off_by_default() -> None:
    from django.conf import settings

    assert settings.DEBUG is False


def test_whole_number_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from buoy.config.environment import env_whole_number

    monkeypatch.delenv("BUOY_X", raising=False)
    assert env_whole_number("BUOY_X", 24) == 24
    monkeypatch.setenv("BUOY_X", " 6 ")
    assert env_whole_number("BUOY_X", 24) == 6


@pytest.mark.parametrize(("raw", "reason"), [("2.5", "whole number"), ("0", "at least 1")])
def test_a_bad_whole_number_setting_is_refused_by_name(
    raw: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from buoy.config.environment import env_whole_number

    monkeypatch.setenv("BUOY_ALERT_OVERDUE_HOURS", raw)
    with pytest.raises(ImproperlyConfigured, match=f"BUOY_ALERT_OVERDUE_HOURS.*{reason}"):
        env_whole_number("BUOY_ALERT_OVERDUE_HOURS", 24)


def import_settings(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """Import Buoy's settings in a fresh interpreter with these environment variables."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update({"BUOY_HOME": str(tmp_path / "home"), **variables})
    return subprocess.run(
        [sys.executable, "-c", "import buoy.config.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("DEBUG", "maybe"),
        ("BUOY_HTTPS", "2"),
        ("ALLOWED_HOSTS", "https://buoy.example.org"),
        ("CSRF_TRUSTED_ORIGINS", "buoy.example.org"),
        ("BUOY_TRUSTED_PROXIES", "10.0.0.0/8"),
        ("DATABASE_URL", "mysql://buoy@localhost/buoy"),
        ("DATABASE_URL", "/var/lib/buoy/buoy.sqlite3"),
        ("DATABASE_URL", "postgres://buoy@localhost:port/buoy"),
        ("BUOY_LOCKOUT_FAILURES", "five"),
        ("BUOY_LOCKOUT_MINUTES", "0"),
        ("BUOY_SESSION_MINUTES", "1.5"),
        ("BUOY_ALERT_OVERDUE_HOURS", "-1"),
        ("TIME_ZONE", "Mars/Olympus_Mons"),
        ("BUOY_LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_setting_stops_the_import_naming_the_variable(
    name: str, bad: str, tmp_path: Path
) -> None:
    result = import_settings(tmp_path, **{name: bad})
    assert result.returncode != 0
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert name in error
    assert "use " in error  # the values allowed


def test_a_bad_buoy_home_stops_the_import_naming_the_variable(tmp_path: Path) -> None:
    (tmp_path / "home").write_text("a file, not a folder")
    result = import_settings(tmp_path)
    assert result.returncode != 0
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("django.core.exceptions.ImproperlyConfigured: BUOY_HOME=")


def test_an_empty_secret_key_file_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(ImproperlyConfigured, match=r"SECRET_KEY .*secret_key is empty"):
        secret_key(tmp_path, environ={})


def test_a_database_url_refused_does_not_show_its_password(tmp_path: Path) -> None:
    result = import_settings(tmp_path, DATABASE_URL="mysql://buoy:s3cret-pw@localhost/buoy")
    assert "ImproperlyConfigured" in result.stderr
    assert "s3cret-pw" not in result.stderr


def test_importing_settings_creates_no_folder(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import buoy.config.settings; import django; django.setup()"],
        env={
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")},
            "BUOY_HOME": str(tmp_path / "home"),
            "DJANGO_SETTINGS_MODULE": "buoy.config.settings",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "home").exists()


def test_the_data_folder_is_made_private_when_first_needed(tmp_path: Path) -> None:
    home = tmp_path / "new" / "home"
    first = secret_key(home, environ={})
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert secret_key(home, environ={}) == first
    assert sorted(path.name for path in home.iterdir()) == ["secret_key"]
