"""Transcripts in: a file's bytes or pasted text out as normalised text with speaker turns.

`read_transcript(filename, data)` picks the format by the file's extension (case-insensitive):
.txt, .text, .docx, .pdf, .html, .htm, .md, .markdown, .srt, .vtt. `read_pasted_text(text)`
takes what was pasted into a form. Both return a `ParsedTranscript` or raise one
`TranscriptError` that names the file and says why, in words a person can act on; nothing is
half-read. How each format is read, and how the encoding of a text file is detected, is in
`transcript_formats`.

The stored text is normalised once, here, the same way for every format (`normalise_text`):
NFC, every newline as ``\\n``, no byte-order mark, no control characters except ``\\n`` and
``\\t``. All positions — `SpeakerTurn.start` and `end`, and later coded segments — count
Unicode code points of that text (Python string indices), so "e" + combining acute becomes
one "é" before anything is counted, and an emoji counts as one.

Speaker turns (`find_speaker_turns`): a line that starts with a short label and a colon,
ASCII ``:`` or full-width ``：``, starts a turn that runs to the next turn's start.

- Taken as speakers: ``Interviewer:``, ``I:``, ``P1:``, ``Social worker:``, ``访谈者：``,
  ``妈妈：``, ``受访者 A：``, ``Mother (M):``, ``Dr. Li:`` (a title abbreviation is the only
  full stop allowed), and the same after a list bullet (``- Mother:``) or a timestamp
  (``[00:01:23] Mother:``).
- Not taken: a label of more than 20 characters or more than three words (``What I mean
  is:``); one with sentence punctuation or quotes (``I said. Then:``, ``好的，那么：``); one
  with no letter (``10:30``); a colon followed by a digit (``下午3:30``) or a slash
  (``http://``); a label ending in a verb of saying (``She said:``, ``医生说：``), which
  introduces a quotation, not a turn.

A turn's span starts at the line's first non-blank character (its bullet or timestamp, if
any) and ends after the turn's last non-blank character; text before the first turn belongs
to no turn. `speaker` is the label with its spaces trimmed and runs of spaces made one. A
line like ``She said: ...`` in prose is a false turn this rule cannot avoid.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from buoy.coding.domain import transcript_formats as formats

PASTED = "pasted text"
MAX_LABEL_CHARS = 20
MAX_LABEL_WORDS = 3

_READERS: dict[str, tuple[str, Callable[[bytes], formats.Extracted]]] = {
    "txt": ("txt", formats.decode_bytes),
    "text": ("txt", formats.decode_bytes),
    "docx": ("docx", formats.docx_text),
    "pdf": ("pdf", formats.pdf_text),
    "html": ("html", formats.html_text),
    "htm": ("html", formats.html_text),
    "md": ("md", formats.markdown_text),
    "markdown": ("md", formats.markdown_text),
    "srt": ("srt", formats.srt_text),
    "vtt": ("vtt", formats.vtt_text),
}
ACCEPTED_EXTENSIONS = tuple(f".{extension}" for extension in _READERS)

_SAVE_AS = {
    "doc": "save it as .docx",
    "rtf": "save it as .docx or .txt",
    "odt": "save it as .docx",
    "pages": "export it as .docx",
    "xlsx": "copy the text into a .txt file",
}


@dataclass(frozen=True)
class SpeakerTurn:
    """One speaker's turn: code-point offsets [start, end) into `ParsedTranscript.text`."""

    start: int
    end: int
    speaker: str


@dataclass(frozen=True)
class ParsedTranscript:
    """A transcript read from a file or a paste, ready to store.

    `text` is normalised (see `normalise_text`); `format` is one of txt, docx, pdf, html, md,
    srt, vtt, paste; `encoding` is the detected encoding of a text format ("utf-8",
    "utf-8-sig", "utf-16-le", "gb18030", ...) and None for docx, pdf and paste; `notes` say
    what was done that a person should know ("decoded as GB18030 ...").
    """

    text: str
    format: str
    encoding: str | None
    turns: tuple[SpeakerTurn, ...]
    notes: tuple[str, ...]


class TranscriptError(ValueError):
    """A transcript that cannot be imported; nothing from it was kept.

    The message reads "interview.docx: not a Word document (the zip archive is damaged)", or
    "notes.txt, line 4: unknown encoding ..." when the problem has a line.
    """

    def __init__(self, filename: str, reason: str, line: int | None = None) -> None:
        self.filename = filename
        self.reason = reason
        self.line = line
        where = filename if line is None else f"{filename}, line {line}"
        super().__init__(f"{where}: {reason}")


def read_transcript(filename: str, data: bytes) -> ParsedTranscript:
    """Read an uploaded transcript file, choosing the format by its extension.

    Raises `TranscriptError` for an extension not accepted (the message lists those that
    are), an empty file, a damaged or password-protected file, a PDF without a text layer or
    text in an encoding that cannot be detected.
    """
    extension = _extension(filename)
    if extension not in _READERS:
        raise TranscriptError(filename, _refusal(extension))
    kind, reader = _READERS[extension]
    if not data.strip():
        raise TranscriptError(filename, "the file is empty")
    try:
        extracted = reader(data)
    except formats.FormatError as exc:
        raise TranscriptError(filename, exc.reason, exc.line) from None
    return _parsed(filename, extracted, kind)


def read_pasted_text(text: str) -> ParsedTranscript:
    """Read text pasted into a form (format "paste", no encoding)."""
    return _parsed(PASTED, formats.Extracted(text), "paste")


def normalise_text(text: str) -> str:
    """Return `text` as stored: NFC, newlines as ``\\n``, no BOM, no control characters.

    CRLF, CR, NEL (U+0085) and the Unicode line and paragraph separators become ``\\n``;
    form feed and vertical tab too (PDF page breaks). Every U+FEFF (byte-order mark) goes,
    and every C0 and C1 control character except ``\\n`` and ``\\t``, and DEL. A lone
    surrogate, which no database can store, becomes U+FFFD.
    """
    return _normalise(text)[0]


_NEWLINES = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _normalise(text: str) -> tuple[str, int]:
    """The normalised text and how many control characters were removed."""
    text = _NEWLINES.sub("\n", text).replace("\ufeff", "")
    text, removed = _CONTROLS.subn("", text)
    text = _SURROGATE.sub("\ufffd", text)
    return unicodedata.normalize("NFC", text), removed


def _parsed(filename: str, extracted: formats.Extracted, kind: str) -> ParsedTranscript:
    text, removed = _normalise(extracted.text)
    if not text.strip():
        empty = "nothing was pasted" if kind == "paste" else "the file is empty"
        raise TranscriptError(filename, empty)
    notes = extracted.notes
    if removed:
        notes += (f"{removed} control characters removed (NUL and the like)",)
    return ParsedTranscript(
        text=text,
        format=kind,
        encoding=extracted.encoding,
        turns=find_speaker_turns(text),
        notes=notes,
    )


def _extension(filename: str) -> str:
    name = re.split(r"[\\/]", filename)[-1]
    return name.rpartition(".")[2].lower() if "." in name else ""


def _refusal(extension: str) -> str:
    accepted = ", ".join(ACCEPTED_EXTENSIONS)
    if not extension:
        return f"the file name has no extension; accepted: {accepted}"
    advice = f" ({_SAVE_AS[extension]})" if extension in _SAVE_AS else ""
    return f".{extension} files cannot be imported{advice}; accepted: {accepted}"


# ---------------------------------------------------------------------------------------------
# Speaker turns

_TURN_START = re.compile(
    r"^[ \t]*(?P<lead>"
    r"(?:[-*•–][ \t]+)?"  # a list bullet
    r"(?:[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]?[ \t]+)?"  # a timestamp
    r")(?P<label>[^:：\n]+?)[ \t]*(?P<colon>[:：])",
    re.MULTILINE,
)
# Not 问: "问：" and "答：" are the usual question and answer labels in Chinese transcripts.
_SAYING = ("said", "says", "asked", "asks", "说", "說", "讲", "講")
_TITLES = frozenset({"Dr.", "Mr.", "Mrs.", "Ms.", "Mx.", "Prof.", "Sr.", "Jr.", "St."})
_LABEL_PUNCTUATION = frozenset(" \t-'’·・()（）_&/#")


def find_speaker_turns(text: str) -> tuple[SpeakerTurn, ...]:
    """Speaker turns in normalised text, in order (the rule is in the module docstring)."""
    starts = _turn_starts(text)
    turns = []
    for i, (start, _label_start, _label_end, speaker) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        while end > start and text[end - 1].isspace():
            end -= 1
        turns.append(SpeakerTurn(start=start, end=end, speaker=speaker))
    return tuple(turns)


def find_speaker_labels(text: str) -> tuple[tuple[int, int], ...]:
    """Where each turn's speaker label stands in `text`: [start, end) of the label itself
    (no bullet, timestamp or colon), one for each turn of `find_speaker_turns`, in order.

    A de-identified copy redacts names inside these stretches, so a label that names a
    person does not survive into the copy's turns.
    """
    return tuple(
        (label_start, label_end) for _start, label_start, label_end, _ in _turn_starts(text)
    )


def _turn_starts(text: str) -> list[tuple[int, int, int, str]]:
    """(turn start, label start, label end, speaker) for each line that starts a turn."""
    starts: list[tuple[int, int, int, str]] = []
    for match in _TURN_START.finditer(text):
        after = text[match.end() : match.end() + 1]
        if after.isdigit() or after in ("/", "\\"):
            continue
        label = match.group("label")
        if _is_label(label):
            starts.append(
                (
                    match.start("lead"),
                    match.start("label"),
                    match.end("label"),
                    " ".join(label.split()),
                )
            )
    return starts


def _is_label(label: str) -> bool:
    label = label.strip()
    words = label.split()
    if not 0 < len(label) <= MAX_LABEL_CHARS or len(words) > MAX_LABEL_WORDS:
        return False
    if not label[0].isalnum() or not any(ch.isalpha() for ch in label):
        return False
    if label.lower().endswith(_SAYING):
        return False
    for i, word in enumerate(words):
        if "." in word and not (word in _TITLES and i < len(words) - 1):
            return False
        for ch in word:
            if ch.isalnum() or ch == "." or ch in _LABEL_PUNCTUATION:
                continue
            if not unicodedata.category(ch).startswith("M"):  # combining marks are part of letters
                return False
    return True
