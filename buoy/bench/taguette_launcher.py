"""Taguette with its update check disabled: run by Taguette's own Python, never Buoy's.

:func:`buoy.bench.taguette.start_taguette` runs ``<taguette python> <this file> <taguette
arguments>``: by path, not with ``-m``, because Taguette lives in its own virtual environment,
where Buoy is not installed. This file imports nothing of Buoy's.

Taguette's ``Application.__init__`` calls ``check_messages()``, which fetches update messages
from msg.taguette.org; the replacement fetches nothing. It still sets ``messages_event``,
because Taguette's /messages.js handler waits on that event and would otherwise never answer.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def _no_messages(self: Any) -> None:
    self.messages = []
    self.messages_event.set()


def main() -> None:
    """Patch Taguette's update check away, then run Taguette's own main with our arguments."""
    import taguette.web.base  # type: ignore[import-not-found]  # Taguette's environment only

    taguette.web.base.Application.check_messages = _no_messages
    from taguette.main import main as taguette_main  # type: ignore[import-not-found]

    sys.argv = ["taguette", *sys.argv[1:]]
    taguette_main()


if __name__ == "__main__":
    # Run by path, this file's folder comes first on sys.path, where buoy/bench/taguette.py
    # would be found instead of the real Taguette package.
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    main()
