"""What a batch run tells its caller: a one-line error, or how many rows of each status."""

from __future__ import annotations

from dataclasses import dataclass


class BatchError(Exception):
    """The input cannot be read as this instrument; the message is one line for the user."""


@dataclass
class BatchSummary:
    """How many rows were read, by status."""

    rows: int = 0
    valid: int = 0
    prorated: int = 0
    invalid: int = 0

    def line(self) -> str:
        return (
            f"scored {self.rows:,} rows: {self.valid:,} valid, {self.prorated:,} prorated, "
            f"{self.invalid:,} invalid"
        )
