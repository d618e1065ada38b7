"""Reading each transcript file format into plain text, before normalisation and turn finding.

`transcripts.read_transcript` chooses one of the readers here by the file's extension; each takes
the file's bytes and returns an `Extracted` (text, detected encoding, notes for the person) or
raises `FormatError` with a reason a person can act on. None of them normalises the text or
finds speaker turns: `transcripts` does that once, the same way for every format.

Text formats (.txt, .md, .srt, .vtt, .html) go through `decode_bytes`, which detects the
encoding rather than assuming it, in this order:

1. a byte-order mark: UTF-8, UTF-16 LE/BE, UTF-32 LE/BE;
2. UTF-16 without a mark, recognised by its NUL bytes (ASCII letters, digits and newlines in
   UTF-16 each carry a 0x00 byte), the byte order being the one that decodes to plausible
   text or, when both do, the side that holds the NULs;
3. strict UTF-8 (plain ASCII is UTF-8);
4. strict GB18030, which also covers GBK and GB2312 — accepted only when the result reads as
   Chinese, because Latin-1 text (German "Größe", Portuguese "ação") often decodes as
   GB18030 into rare ideographs wedged between Latin letters;
5. otherwise "unknown encoding", naming the first byte that is not UTF-8. Big5, Shift-JIS,
   Windows-1252 and Latin-1 are not guessed: they cannot be told apart from each other
   reliably, and a wrong guess would store garbled text silently. The exception is HTML,
   whose own ``<meta charset>`` is honoured when the bytes decode with it.

Markdown is kept as text with its syntax removed lightly: heading marks (``#``), emphasis
(``**``, ``__``, ``*``, ``_`` around words), inline code backticks, link and image syntax
(the visible text stays), blockquote marks (``>``), code fences and horizontal rules. List
bullets stay, since they are part of what was written. So ``**Interviewer:** ...`` reads as
``Interviewer: ...`` and is found as a speaker turn.

Subtitles (.srt, .vtt) keep each cue's text lines, one per line, and drop cue numbers and
identifiers, timing lines (with VTT cue settings), the WEBVTT header and NOTE, STYLE and
REGION blocks, and formatting tags. A VTT voice tag (``<v Mother>``) becomes ``Mother: `` at
the start of the line, written once per change of speaker, so the turn runs across cues.
"""

from __future__ import annotations

import codecs
import html
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any


class FormatError(ValueError):
    """A file that cannot be read as its format; `transcripts` adds the file name."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class Extracted:
    """The text read from a file, before normalisation, with what a person should know."""

    text: str
    encoding: str | None = None
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# Encodings

_BOMS = (
    # UTF-32 LE first: its mark begins with the UTF-16 LE mark.
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)

_SIGNATURES = (
    (b"PK\x03\x04", "it is a zip archive, perhaps a Word (.docx) file: give it its real extension"),
    (b"%PDF-", "it is a PDF file: give it the .pdf extension"),
    (
        b"\xd0\xcf\x11\xe0",
        "it is an old Microsoft Office file (such as a Word 97–2003 .doc): "
        "save it as .docx or .txt first",
    ),
    (b"\x89PNG", "it is an image (PNG); reading text from images (OCR) is not supported"),
    (b"\xff\xd8\xff", "it is an image (JPEG); reading text from images (OCR) is not supported"),
    (b"GIF8", "it is an image (GIF); reading text from images (OCR) is not supported"),
)


def decode_bytes(data: bytes, declared: str | None = None) -> Extracted:
    """Decode a text file's bytes, detecting the encoding (see the module docstring).

    `declared` is an encoding the file names itself (HTML's meta charset); it is tried after
    UTF-8 and before GB18030, and skipped when it is unknown or the bytes do not decode with
    it strictly. The byte-order mark, if any, is not part of the returned text. Raises
    `FormatError` for a binary file or an encoding that is not UTF-8, UTF-16, UTF-32,
    GB18030 or the declared one.
    """
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                text = body.decode("utf-8" if codec == "utf-8-sig" else codec)
            except UnicodeDecodeError as exc:
                raise FormatError(
                    f"the file starts with a {label} byte-order mark, but byte offset "
                    f"{exc.start + len(bom)} is not valid {label}",
                    line=_line_of(body, exc.start, codec),
                ) from None
            return Extracted(text, codec, (f"decoded as {label} (byte-order mark)",))
    for signature, reason in _SIGNATURES:
        if data.startswith(signature):
            raise FormatError(f"not a text file: {reason}")
    utf16 = _utf16_by_nul_bytes(data)
    if utf16 is not None:
        codec, text = utf16
        label = "UTF-16 LE" if codec == "utf-16-le" else "UTF-16 BE"
        return Extracted(text, codec, (f"decoded as {label} (no byte-order mark)",))
    try:
        return Extracted(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if declared is not None:
        found = _decode_declared(data, declared)
        if found is not None:
            return found
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        if looks_chinese(text):
            return Extracted(text, "gb18030", ("decoded as GB18030 (covers GBK and GB2312)",))
    raise FormatError(
        "unknown encoding: not UTF-8, UTF-16 or GB18030 (byte offset "
        f"{first_bad}, 0x{data[first_bad]:02X}, is not UTF-8); save the file as UTF-8 "
        "and try again",
        line=_line_of(data, first_bad, "utf-8"),
    )


def _decode_declared(data: bytes, charset: str) -> Extracted | None:
    """Decode with an encoding the file declares, or None when unknown or it does not fit."""
    try:
        info = codecs.lookup(charset)
        text = data.decode(info.name)
    except (LookupError, UnicodeDecodeError):
        return None
    return Extracted(text, info.name, (f"decoded as {info.name.upper()} (declared in the file)",))


def _line_of(data: bytes, offset: int, codec: str) -> int:
    """The 1-based line that byte `offset` falls on; the bytes before it decode cleanly."""
    return data[:offset].decode(codec, errors="replace").count("\n") + 1


def _utf16_by_nul_bytes(data: bytes) -> tuple[str, str] | None:
    """(codec, text) when NUL bytes show UTF-16 without a byte-order mark, else None.

    Text in UTF-8 has no NUL bytes; text in UTF-16 has one in every ASCII character (a
    newline, a space, a digit). The byte order is the one whose decoding is plausible text;
    when both are (pure ASCII reads as CJK ideographs the wrong way round), the side that
    holds most NULs. A few stray NULs in valid UTF-8 do not make it UTF-16.
    """
    nuls = data.count(0)
    if len(data) % 2 or nuls < 2:
        return None
    if nuls < 0.05 * len(data) and _is_utf8(data):
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    le, be = _plausible_utf16(data, "utf-16-le"), _plausible_utf16(data, "utf-16-be")
    # In little-endian the NUL of an ASCII character is its second (odd) byte.
    if le is not None and (be is None or odd >= 2 * even):
        return "utf-16-le", le
    if be is not None and (le is None or even >= 2 * odd):
        return "utf-16-be", be
    return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _plausible_utf16(data: bytes, codec: str) -> str | None:
    """The text if `data` decodes strictly and 95% of it is in everyday scripts, else None."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    everyday = sum(1 for ch in text if _is_everyday(ch))
    return text if everyday >= 0.95 * len(text) and _mostly_printable(text) else None


def _is_everyday(ch: str) -> bool:
    """Latin, Greek, Cyrillic, general punctuation, CJK, Hangul, full-width forms, emoji."""
    code = ord(ch)
    return (
        code <= 0x052F
        or 0x2000 <= code <= 0x206F
        or 0x2E80 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
        or code >= 0x1F000
    )


def _mostly_printable(text: str) -> bool:
    """True when at most 2% of characters are controls, unassigned or private-use."""
    odd = sum(
        1 for ch in text if ch not in "\n\r\t" and unicodedata.category(ch) in {"Cc", "Cn", "Co"}
    )
    return odd <= len(text) * 0.02


def _is_ideograph(ch: str) -> bool:
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def _is_chinese_text_char(ch: str) -> bool:
    """An ideograph, CJK or full-width punctuation, or the quotes and dashes Chinese uses."""
    code = ord(ch)
    return (
        _is_ideograph(ch)
        or 0x3000 <= code <= 0x303F  # CJK punctuation: 。、「」
        or 0xFF00 <= code <= 0xFFEF  # full-width forms: ，：！
        or 0x2010 <= code <= 0x206F  # “”‘’…—
        or 0x3100 <= code <= 0x312F  # bopomofo
        or code in (0x00B7, 0x00D7)  # · ×
    )


def looks_chinese(text: str) -> bool:
    """Whether text decoded as GB18030 plausibly is Chinese rather than misread Latin-1.

    Three tests, all needed: at least 90% of non-ASCII characters are Chinese text
    characters; at most 10% of ideographs sit between two ASCII letters (in real Chinese,
    "a中b" almost never happens; in Latin-1 read as GB18030, "Gr鲞e" is typical); and either
    most ideographs are common (in GB2312) or they come in runs (Chinese words; misread
    Latin-1 gives one ideograph per accented letter).
    """
    non_ascii = [ch for ch in text if ord(ch) > 0x7F]
    if not non_ascii:
        return True
    if sum(map(_is_chinese_text_char, non_ascii)) < 0.9 * len(non_ascii):
        return False
    ideographs = 0
    wedged = 0
    common = 0
    runs = 0
    for i, ch in enumerate(text):
        if not _is_ideograph(ch):
            continue
        ideographs += 1
        before = text[i - 1] if i > 0 else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if _ascii_letter(before) and _ascii_letter(after):
            wedged += 1
        if not (before and _is_ideograph(before)):
            runs += 1
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            pass
        else:
            common += 1
    if ideographs == 0:
        return True
    if wedged > 0.1 * ideographs:
        return False
    return common >= 0.8 * ideographs or ideographs >= 2 * runs


def _ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _lines(text: str) -> list[str]:
    """Split on any newline convention; formats below work line by line."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


# ---------------------------------------------------------------------------------------------
# Word (.docx)


def docx_text(data: bytes) -> Extracted:
    """The body of a Word document: each paragraph on its own line, tables cell by cell.

    Paragraphs and tables come in document order; a table's cells are read row by row, a
    merged cell once, nested tables inside it in place. Headers, footers, footnotes, comments
    and text boxes are not read.
    """
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FormatError(
            "not a .docx file: it is an old Word 97–2003 .doc file or a password-protected "
            "document; save it as .docx, without a password, and try again"
        )
    if not data.startswith(b"PK"):
        raise FormatError("not a Word document (it is not a zip archive)")
    # Imported here so the text formats work without python-docx's import cost.
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_block_lines(document))
    except zipfile.BadZipFile:
        raise FormatError("not a Word document (the zip archive is damaged)") from None
    except (KeyError, PackageNotFoundError):
        raise FormatError("not a Word document (a part it needs is missing)") from None
    except etree.XMLSyntaxError:
        raise FormatError("the Word document is damaged (its XML cannot be read)") from None
    except ValueError as exc:
        # python-docx says "… is not a Word file, content type is …" for .xlsx and the like.
        if "content type" in str(exc):
            raise FormatError("not a Word document (it is another kind of Office file)") from None
        raise FormatError(f"the Word document could not be read ({exc})") from None
    except Exception as exc:  # a damaged file must give a message, never a traceback
        raise FormatError(f"the Word document could not be read ({type(exc).__name__})") from None
    return Extracted("\n".join(lines))


def _docx_block_lines(container: Any) -> Iterator[str]:
    """Lines of a document or table cell: paragraphs, and tables' cells in reading order."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                seen: set[int] = set()
                for cell in row.cells:
                    # A merged cell is returned once per grid column it spans.
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    yield from _docx_block_lines(cell)
        else:
            yield block.text


# ---------------------------------------------------------------------------------------------
# PDF


def pdf_text(data: bytes) -> Extracted:
    """The text layer of each page, pages joined with a newline.

    A PDF that opens without a password (encrypted only to restrict printing or copying) is
    read; one that needs a password is refused, as is one with no text on any page (a scan:
    OCR is not supported).
    """
    if b"%PDF-" not in data[:1024]:
        raise FormatError("not a PDF file (it does not start with %PDF)")
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    notes: list[str] = []
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))
            except PyPdfError:
                opened = False  # e.g. AES without the `cryptography` package
            if not opened:
                raise FormatError(
                    "the PDF is protected by a password; remove the password and try again"
                )
            notes.append("the PDF is encrypted but opens without a password")
        pages = [(page.extract_text() or "").rstrip() for page in reader.pages]
    except FormatError:
        raise
    except Exception as exc:  # pypdf raises many kinds on a damaged file; never a traceback
        raise FormatError(
            f"not a readable PDF (the file is damaged: {type(exc).__name__})"
        ) from None
    if not pages:
        raise FormatError("the PDF has no pages")
    empty = [str(number) for number, text in enumerate(pages, 1) if not text.strip()]
    if len(empty) == len(pages):
        raise FormatError(
            "the PDF has no text layer (it may be a scan); reading text from images (OCR) is "
            "not supported"
        )
    if empty:
        notes.append(f"no text on page {', '.join(empty)} (a scanned page is skipped)")
    return Extracted("\n".join(pages), None, tuple(notes))


# ---------------------------------------------------------------------------------------------
# HTML

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def html_text(data: bytes) -> Extracted:
    """Visible text of an HTML page: one line per block element or ``<br>``.

    Scripts, styles and the title are dropped, entities unescaped, runs of spaces collapsed
    (kept inside ``<pre>``) and blank lines removed.
    """
    meta = _META_CHARSET.search(data[:4096])
    decoded = decode_bytes(data, meta.group(1).decode("ascii") if meta else None)
    parser = _HtmlText()
    try:
        parser.feed(decoded.text)
        parser.close()
    except Exception as exc:  # html.parser is lenient; this guards the rare assertion
        raise FormatError(f"the HTML cannot be read ({type(exc).__name__})") from None
    lines = [line.strip(" \t") for line in "".join(parser.parts).split("\n")]
    return Extracted("\n".join(line for line in lines if line), decoded.encoding, decoded.notes)


class _HtmlText(HTMLParser):
    _BLOCK = frozenset(
        [
            "address",
            "article",
            "aside",
            "blockquote",
            "caption",
            "dd",
            "details",
            "dialog",
            "div",
            "dl",
            "dt",
            "fieldset",
            "figcaption",
            "figure",
            "footer",
            "form",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "header",
            "hr",
            "li",
            "main",
            "nav",
            "ol",
            "p",
            "pre",
            "section",
            "summary",
            "table",
            "tbody",
            "td",
            "tfoot",
            "th",
            "thead",
            "tr",
            "ul",
        ]
    )
    _SKIP = frozenset({"script", "style", "title", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._pre = 0

    def _break(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._skip = 0  # an unclosed <title> must not hide the whole page
        elif tag in self._SKIP:
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self._BLOCK:
            self._break()
            if tag == "pre":
                self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            self._break()
            if tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre:
            self.parts.append(data.replace("\r\n", "\n"))
        else:
            # HTML white space only: a no-break space (&nbsp;) is kept, as a browser does.
            self.parts.append(re.sub(r"[ \t\n\r\f]+", " ", data))


# ---------------------------------------------------------------------------------------------
# Markdown

_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MD_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_MD_RULE = re.compile(r"^\s{0,3}([-*_=])(\s*\1){2,}\s*$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}(?:\s+|$)")
_MD_HEADING_CLOSE = re.compile(r"\s+#+\s*$")
_MD_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_CODE = re.compile(r"`+([^`]+)`+")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_MD_EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")
# Escaped characters are parked in a private-use plane so the patterns above skip them.
_PARK = 0xF0000


def markdown_text(data: bytes) -> Extracted:
    """Markdown with its syntax lightly removed (see the module docstring for what goes)."""
    decoded = decode_bytes(data)
    out: list[str] = []
    in_code = False
    for line in _lines(decoded.text):
        if _MD_FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            out.append(line)
            continue
        if _MD_RULE.match(line):
            continue
        out.append(_markdown_inline(line))
    text = "\n".join(out)
    notes = decoded.notes
    if text != "\n".join(_lines(decoded.text)):
        notes += ("Markdown formatting removed (headings, emphasis, links)",)
    return Extracted(text, decoded.encoding, notes)


def _markdown_inline(line: str) -> str:
    line = _MD_ESCAPE.sub(lambda m: chr(_PARK + ord(m.group(1))), line)
    if _MD_HEADING.match(line):
        line = _MD_HEADING_CLOSE.sub("", _MD_HEADING.sub("", line))
    line = _MD_QUOTE.sub("", line)
    line = _MD_IMAGE.sub(r"\1", line)
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_CODE.sub(r"\1", line)
    line = _MD_STRONG.sub(r"\2", line)
    line = _MD_EM_STAR.sub(r"\1", line)
    line = _MD_EM_UNDERSCORE.sub(r"\1", line)
    return re.sub("[\U000f0021-\U000f007e]", lambda m: chr(ord(m.group()) - _PARK), line)


# ---------------------------------------------------------------------------------------------
# Subtitles (.srt, .vtt)

_VOICE = re.compile(r"<v(?:\.[^\s>]*)?[ \t]+([^>]*)>")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")  # HTML-like tags, and SRT's {\an8} positioning
_VTT_BLOCKS = ("NOTE", "STYLE", "REGION")


def srt_text(data: bytes) -> Extracted:
    """Cue text of a SubRip file, one subtitle line per line."""
    return _subtitles(data, vtt=False)


def vtt_text(data: bytes) -> Extracted:
    """Cue text of a WebVTT file; voice tags become ``Speaker: `` labels."""
    return _subtitles(data, vtt=True)


def _subtitles(data: bytes, *, vtt: bool) -> Extracted:
    decoded = decode_bytes(data)
    blocks: list[list[str]] = [[]]
    for line in _lines(decoded.text):
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    out: list[str] = []
    timings = 0
    speaker: str | None = None
    for number, block in enumerate(b for b in blocks if b):
        if vtt and number == 0 and block[0].lstrip("\ufeff").startswith("WEBVTT"):
            # The header and its metadata lines go; a first cue glued to it without a blank
            # line is still read (its lines before the timing are dropped like an identifier).
            if not any("-->" in line for line in block):
                continue
            block = block[1:]
        timing_at = next((i for i, line in enumerate(block) if "-->" in line), None)
        if timing_at is None:
            if vtt and block[0].split(" ", 1)[0].split("\t", 1)[0] in _VTT_BLOCKS:
                continue
            payload = block  # text a blank line split off its cue: keep it
        else:
            payload = [line for line in block[timing_at + 1 :] if "-->" not in line]
            timings += len(block) - len(payload) - timing_at
        for line in payload:
            text, speaker = _cue_line(line, speaker) if vtt else (_cue_plain(line), speaker)
            if text:
                out.append(text)
    if timings == 0:
        kind = "WebVTT" if vtt else "SubRip"
        raise FormatError(
            f"not a {kind} subtitle file: no timing lines (00:00:01,000 --> 00:00:04,000)"
        )
    notes = (
        *decoded.notes,
        f"{timings} subtitle timestamps removed, with cue numbers and settings",
    )
    return Extracted("\n".join(out), decoded.encoding, notes)


def _cue_plain(line: str) -> str:
    return html.unescape(_TAG.sub("", line)).strip()


def _cue_line(line: str, speaker: str | None) -> tuple[str, str | None]:
    """A VTT payload line without tags, led by ``Name: `` when its voice changes speaker."""
    voice = _VOICE.match(line.strip())
    text = _cue_plain(line)
    if voice is None:
        return text, speaker
    name = html.unescape(voice.group(1)).strip()
    if name and name != speaker:
        return f"{name}: {text}", name
    return text, speaker
