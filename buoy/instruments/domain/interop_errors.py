"""The one error an import raises, and reading a file's bytes as text.

An import from REDCap or FHIR either returns everything it read or raises a single
`InteropError` that says where the problem is in words a spreadsheet user can act on:

    dictionary.csv, row 14, field "choices": cannot read "1 Never | 2, Often" as "code, label" pairs
    phq9.json, item[3].answerOption[1]: no code or value

Rows count the way a spreadsheet shows them (the header is row 1, a label that spans several
lines inside quotes is still one row). JSON problems name a path (`item[0].item[2]`) or a line
and column when the JSON itself cannot be read.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile(r"[\udc80-\udcff]")


class InteropError(ValueError):
    """A file that cannot be imported; nothing from it was kept."""

    def __init__(
        self,
        source: str,
        row: int | None,
        field: str | None,
        reason: str,
        *,
        path: str | None = None,
    ) -> None:
        self.source = source
        self.row = row
        self.field = field
        self.reason = reason
        self.path = path
        super().__init__(self._message())

    def _message(self) -> str:
        where = [self.source or "input"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f'field "{self.field}"')
        if self.path:
            where.append(self.path)
        return f"{', '.join(where)}: {self.reason}"


def decode_text(data: str | bytes, source: str) -> str:
    """Return the text of a file, without a byte-order mark.

    Bytes that are not UTF-8 are kept as lone surrogates (``surrogateescape``) so the CSV
    reader can say which row and column hold them; `undecodable_byte` finds them. A file
    that is plainly binary (a NUL byte, a zip or old Office signature) is refused here.
    """
    if isinstance(data, bytes):
        if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
            raise InteropError(
                source,
                None,
                None,
                "is a zip or Office file (e.g. an Excel workbook), not text; "
                "save or export it as CSV (UTF-8) or JSON first",
            )
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                data = data.decode("utf-16").encode("utf-8")
            except UnicodeDecodeError:
                raise InteropError(
                    source, None, None, "starts like UTF-16 text but cannot be read as such"
                ) from None
        if b"\x00" in data[:65536]:
            offset = data.index(b"\x00")
            raise InteropError(
                source,
                None,
                None,
                f"is a binary file, not text (a NUL byte at offset {offset}); "
                "export it as CSV (UTF-8) or JSON",
            )
        text = data.decode("utf-8", errors="surrogateescape")
    else:
        text = data
        if "\x00" in text[:65536]:
            raise InteropError(source, None, None, "is a binary file, not text (a NUL character)")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InteropError(source, None, None, "is empty")
    return text


def undecodable_byte(text: str) -> str | None:
    """The first byte that was not UTF-8, as ``0xe9``, or None."""
    match = _SURROGATE.search(text)
    if match is None:
        return None
    return f"0x{ord(match.group()) - 0xDC00:02x}"


def not_utf8_reason(byte: str) -> str:
    return (
        f"is not UTF-8 text (byte {byte}); save the file as UTF-8 "
        '(Excel: "CSV UTF-8 (Comma delimited)") and import it again'
    )
