"""Read Buoy's configuration from the environment, with safe defaults.

Kept free of Django so the CLI can resolve paths before Django starts.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def buoy_home() -> Path:
    """The data folder (database, secret key, demo passwords, collected static files)."""
    home = Path(os.environ.get("BUOY_HOME", "./var")).expanduser().resolve()
    # 0700: the database, secret key and demo passwords are for this account alone.
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return home


def env_flag(name: str, *, default: bool) -> bool:
    """A yes/no setting: 1/true/yes/on mean yes, 0/false/no/off mean no."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name}={raw!r} is not a yes/no value (use true or false)")


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list setting."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_whole_number(name: str, default: int, *, minimum: int = 1) -> int:
    """A whole-number setting, at least `minimum`; anything else stops Buoy with the reason."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ValueError(f"{name}={raw!r} must be at least {minimum}")
    return value


def secret_key(home: Path) -> str:
    """SECRET_KEY from the environment, else from BUOY_HOME/secret_key, created on first run."""
    from_env = os.environ.get("SECRET_KEY", "").strip()
    if from_env:
        return from_env
    key_file = home / "secret_key"
    if not key_file.exists():
        # Created with 0600 so other local users cannot forge sessions.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()
