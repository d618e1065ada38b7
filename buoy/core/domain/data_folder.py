"""The data folder (BUOY_HOME): made when something is first written into it, never on import."""

from __future__ import annotations

from pathlib import Path


def ensure_data_folder(home: Path) -> Path:
    """Make `home` if it is missing (0700) and return it; a folder that exists keeps its mode."""
    # 0700: the database, secret key and demo passwords are for this account alone. Parent
    # folders made on the way get the usual mode (umask), as docs/deployment.md says.
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return home
