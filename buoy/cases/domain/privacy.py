"""Rules that keep aggregate figures from identifying a family."""

from __future__ import annotations

SMALL_CELL_THRESHOLD = 5


def suppress_small_count(count: int, threshold: int = SMALL_CELL_THRESHOLD) -> str:
    """Show counts from 1 to threshold-1 as "<threshold": a small cell can identify a family."""
    if 0 < count < threshold:
        return f"<{threshold}"
    return str(count)
