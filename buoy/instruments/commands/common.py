"""What every `buoy instruments` command shares: the one-line failure and reading a text file."""

from __future__ import annotations

import sys
from pathlib import Path


def _fail(message: str) -> int:
    print(f"buoy: {' '.join(message.split())}", file=sys.stderr)
    return 2


def _read_text(path: str) -> str:
    raw = Path(path).read_bytes()
    if b"\x00" in raw[:4096]:
        raise ValueError(f"{path}: this is a binary file, not a text definition")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text (byte {error.start})") from None
