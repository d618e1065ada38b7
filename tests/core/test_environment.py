"""Settings read from the environment."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

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
    with pytest.raises(ValueError, match="DEBUG"):
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
    with pytest.raises(ValueError, match=f"BUOY_ALERT_OVERDUE_HOURS.*{reason}"):
        env_whole_number("BUOY_ALERT_OVERDUE_HOURS", 24)
