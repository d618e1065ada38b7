"""A source's or memo's text as read: its file or inline text, its encoding, byte positions."""

from __future__ import annotations

from buoy.coding.domain.refi.archive import _Archive
from buoy.coding.domain.refi.reading import (
    _UTF8_BOM,
    Element,
    _child,
    _RepairLog,
    _text,
)


def _text_of(
    log: _RepairLog, archive: _Archive, element: Element, where: str, *, required: bool
) -> str | None:
    """The text of a source or note: its file in the archive, or its PlainTextContent."""
    path = element.get("plainTextPath")
    inline = _child(element, "PlainTextContent")
    if path and path.strip():
        found = archive.find(path, where)
        if found is not None:
            member, data = found
            if inline is not None:
                log.repair(f"{where}: has both a text file and inline text; used the file.")
            return _decode(log, data, f"{where}: its text file {member!r}")
        if inline is None:
            if required:
                log.repair(
                    f"{where}: its text file {path!r} is not in the archive; "
                    "skipped the source and its codings."
                )
            else:
                log.repair(f"{where}: its text file {path!r} is not in the archive.")
            return None if required else ""
        log.repair(f"{where}: its text file {path!r} is not in the archive; used its inline text.")
    if inline is not None:
        text = _text(inline)
        if text.startswith("\ufeff"):
            text = text[1:]
            log.repair(
                f"{where}: its text began with a byte-order mark; removed it "
                "(positions count the text after it)."
            )
        if required and not path:
            log.repair(f"{where}: text read from its inline <PlainTextContent>.")
        return text
    if not required:
        return ""
    if element.get("richTextPath"):
        log.repair(
            f"{where}: has only a rich-text file (richTextPath) and no plain text; "
            "skipped the source and its codings."
        )
    else:
        log.repair(f"{where}: has no text; skipped the source and its codings.")
    return None


def _decode(log: _RepairLog, data: bytes, where: str) -> str:
    """A text file's bytes as text: UTF-8, or UTF-16 when it says so; what was odd, said."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
        log.repair(
            f"{where} began with a byte-order mark; removed it (positions count the text after it)."
        )
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        log.repair(f"{where} is UTF-16, not UTF-8; read it as UTF-16.")
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        log.repair(
            f"{where} is not valid UTF-8 (from byte {error.start}); unreadable bytes became "
            "U+FFFD, so positions after them may be off."
        )
        return data.decode("utf-8", errors="replace")


def _byte_offsets_to_characters(
    log: _RepairLog, text: str, spans: list[tuple[Element, int, int]], where: str
) -> list[tuple[Element, int, int]]:
    """Positions counted in UTF-8 bytes (as Taguette stores them) become code points.

    Only when the evidence is certain: some position lies past the last character (no
    character count can), and every position falls on a character boundary of the UTF-8
    text and inside it. Otherwise positions are left as written.
    """
    if not spans or all(end <= len(text) for _, _, end in spans):
        return spans
    characters: dict[int, int] = {}  # UTF-8 byte offset -> code point index
    offset = 0
    for index, character in enumerate(text):
        characters[offset] = index
        offset += len(character.encode("utf-8"))
    characters[offset] = len(text)
    if offset == len(text) or not all(
        start in characters and end in characters for _, start, end in spans
    ):
        return spans
    log.repair(
        f"{where}: its positions count UTF-8 bytes, not characters (one reaches "
        f"{max(end for _, _, end in spans)} in a text of {len(text)} characters, "
        f"{offset} bytes); converted its {len(spans)} selection(s) to characters."
    )
    return [(element, characters[start], characters[end]) for element, start, end in spans]
