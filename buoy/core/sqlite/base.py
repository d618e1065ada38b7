"""SQLite whose database file is in BUOY_HOME: the folder is made just before it is opened.

Importing settings creates no folder, so the first connection is where a fresh BUOY_HOME
appears (`buoy manage migrate`, `buoy serve`, `buoy demo`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.backends.sqlite3 import base

from buoy.core.domain.data_folder import ensure_data_folder


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's SQLite backend; its one addition is making the data folder on first use."""

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        """Make BUOY_HOME (0700) when the database file lives there, then connect as Django does."""
        home = settings.BUOY_HOME
        if not self.is_in_memory_db() and Path(self.settings_dict["NAME"]).parent == home:
            ensure_data_folder(home)
        return super().get_new_connection(conn_params)
