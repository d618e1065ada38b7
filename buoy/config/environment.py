"""Read Buoy's configuration from the environment, with safe defaults.

One reader per kind of setting (yes/no, whole number, list, choice, ...). Each is a small
function of the environment it is given (`os.environ` unless a test passes another), creates
nothing, and refuses a bad value with `ImproperlyConfigured` naming the variable and the values
allowed. Apart from that exception nothing here needs Django, so the CLI can use it before
Django starts.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import zoneinfo
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from buoy.core.domain.data_folder import ensure_data_folder

Environ = Mapping[str, str]

YES = ("1", "true", "yes", "on")
NO = ("0", "false", "no", "off")
# The databases Buoy's migrations and search are written for (ADR 0005): SQLite and PostgreSQL.
DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql", "pgsql")
LOG_LEVELS = tuple(logging.getLevelNamesMapping())


def _given(name: str, environ: Environ) -> str | None:
    """The variable's value, stripped; None when it is unset or blank (then the default holds)."""
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    return raw.strip()


def buoy_home(environ: Environ = os.environ) -> Path:
    """The data folder (database, secret key, demo passwords, collected static files).

    Only the path: the folder is made where something is first written into it
    (`ensure_data_folder`), so importing settings creates nothing.
    """
    home = Path(_given("BUOY_HOME", environ) or "./var").expanduser().resolve()
    if home.exists() and not home.is_dir():
        raise ImproperlyConfigured(
            f"BUOY_HOME={str(home)!r} is not a folder: use the path of a folder, "
            "or of one that Buoy may create"
        )
    return home


def env_flag(name: str, *, default: bool, environ: Environ = os.environ) -> bool:
    """A yes/no setting: 1/true/yes/on mean yes, 0/false/no/off mean no."""
    raw = _given(name, environ)
    if raw is None:
        return default
    if raw.lower() in YES:
        return True
    if raw.lower() in NO:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value: use one of {', '.join(YES + NO)}"
    )


def env_whole_number(
    name: str, default: int, *, minimum: int = 1, environ: Environ = os.environ
) -> int:
    """A whole-number setting, at least `minimum`; anything else stops Buoy with the reason."""
    raw = _given(name, environ)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a whole number: use a whole number of at least {minimum}"
        ) from None
    if value < minimum:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is too small: use a whole number of at least {minimum}"
        )
    return value


def env_choice(
    name: str, default: str, choices: Collection[str], *, environ: Environ = os.environ
) -> str:
    """A setting that is one of a few names, written exactly as listed."""
    raw = _given(name, environ)
    if raw is None:
        return default
    if raw not in choices:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not allowed: use one of {', '.join(choices)}"
        )
    return raw


class Entries(NamedTuple):
    """What each entry of a list setting must be: a check, and the words that describe it."""

    allows: Callable[[str], bool]
    described: str


def env_list(
    name: str,
    default: list[str],
    *,
    each: Entries | None = None,
    environ: Environ = os.environ,
) -> list[str]:
    """A comma-separated list setting, each entry checked against `each` when given."""
    raw = _given(name, environ)
    if raw is None:
        return default
    entries = [part.strip() for part in raw.split(",") if part.strip()]
    for entry in entries:
        if each is not None and not each.allows(entry):
            raise ImproperlyConfigured(f"{name}: {entry!r} is not allowed: use {each.described}")
    return entries


def is_host_name(entry: str) -> bool:
    """An ALLOWED_HOSTS entry: a name or address (`*`, `.example.org` too), never a URL."""
    return "/" not in entry


def is_origin(entry: str) -> bool:
    """A CSRF_TRUSTED_ORIGINS entry: an origin with its scheme, as Django requires."""
    return "://" in entry


def is_ip_address(entry: str) -> bool:
    """A BUOY_TRUSTED_PROXIES entry: one address, compared as text with REMOTE_ADDR."""
    try:
        ipaddress.ip_address(entry)
    except ValueError:
        return False
    return True


HOST_NAMES = Entries(is_host_name, "host names such as buoy.example.org, without scheme or path")
ORIGINS = Entries(is_origin, "origins with their scheme, such as https://buoy.example.org")
IP_ADDRESSES = Entries(is_ip_address, "IP addresses such as 127.0.0.1 (no ranges or masks)")


def time_zone(default: str, *, environ: Environ = os.environ) -> str:
    """TIME_ZONE: a name in the time zone database, such as Asia/Shanghai."""
    raw = _given("TIME_ZONE", environ)
    if raw is None:
        return default
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"TIME_ZONE={raw!r} is not a time zone: use a name of the time zone database, "
            "such as Asia/Shanghai or UTC"
        ) from None
    return raw


def database(home: Path, *, environ: Environ = os.environ) -> dict[str, Any]:
    """DATABASE_URL parsed (SQLite or PostgreSQL); unset, SQLite at BUOY_HOME/buoy.sqlite3."""
    url = _given("DATABASE_URL", environ) or f"sqlite:///{home / 'buoy.sqlite3'}"
    allowed = f"a URL starting with {' or '.join(scheme + '://' for scheme in DATABASE_SCHEMES)}"
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in DATABASE_SCHEMES:
        # The scheme only: the rest of the URL may hold a password.
        raise ImproperlyConfigured(
            f"DATABASE_URL with scheme {scheme!r} is not allowed: use {allowed}"
        )
    try:
        # Connections outlive a request (one per server thread); a health check replaces a
        # broken one.
        return dict(dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True))
    except ValueError:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: use {allowed}") from None


def secret_key(home: Path, *, environ: Environ = os.environ) -> str:
    """SECRET_KEY from the environment, else from BUOY_HOME/secret_key, made on first use."""
    from_env = _given("SECRET_KEY", environ)
    if from_env:
        return from_env
    key_file = home / "secret_key"
    if not key_file.exists():
        _write_new_key(ensure_data_folder(home), key_file)
    key = key_file.read_text().strip()
    if not key:
        raise ImproperlyConfigured(
            f"SECRET_KEY is not set and {key_file} is empty: set SECRET_KEY, "
            "or delete the empty file so that Buoy makes a new key"
        )
    return key


def _write_new_key(home: Path, key_file: Path) -> None:
    """Write a new key whole, then link it in: processes starting at once all get one key."""
    draft = home / f".secret_key.{secrets.token_hex(8)}"
    # Created with 0600 so other local users cannot forge sessions.
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
    try:
        os.link(draft, key_file)
    except FileExistsError:
        pass  # another process made it first: its key is the one
    finally:
        draft.unlink()


def prepare_data_folder(home: Path, *, environ: Environ = os.environ) -> None:
    """At start (`buoy serve`, the WSGI application): the data folder and the secret key."""
    ensure_data_folder(home)
    secret_key(home, environ=environ)
