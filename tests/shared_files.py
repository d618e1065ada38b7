"""Where the tests find the repository's own files and the `shared/` folder beside it.

`shared/` holds public samples (REDCap, FHIR, REFI-QDA) and the worked statistics example; it
is never copied into the repository. Tests that need it fail, with this message, when it is
missing: a skipped test would hide that nothing was checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
SHARED = REPOSITORY.parent / "shared"
LIBRARY = REPOSITORY / "buoy" / "instruments" / "library"


def shared(*parts: str) -> Path:
    """A path inside `shared/`; fails the test when the folder is not there."""
    if not SHARED.is_dir():
        pytest.fail(
            f"These tests read the shared samples; {SHARED} (the shared/ folder beside the "
            "repository) is missing.",
            pytrace=False,
        )
    return SHARED.joinpath(*parts)
