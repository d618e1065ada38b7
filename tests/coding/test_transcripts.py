"""Transcript import: every format, encoding detection, normalisation, speaker turns, refusals.

The dialogue is invented: a mother of a child with leukaemia talking to a hospital social
worker. Every fixture file is built here, in memory.
"""

from __future__ import annotations

import io
import random
import zipfile

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from buoy.coding.domain.transcripts import (
    ParsedTranscript,
    SpeakerTurn,
    TranscriptError,
    find_speaker_labels,
    find_speaker_turns,
    normalise_text,
    read_pasted_text,
    read_transcript,
)

ENGLISH = (
    "Social worker: How have the last two weeks been?\n"
    "Mother: Hard. The second round of chemo made him so tired.\n"
    "Social worker: Who has been helping you at home?\n"
    "Mother: My sister comes on Tuesdays."
)
CHINESE = (
    "访谈者：孩子确诊以后，家里最难的是什么？\n"
    "妈妈：最难的是晚上，他发烧的时候我一个人守着。\n"
    "访谈者：那时候谁能帮您？\n"
    "妈妈：我妹妹周二会过来。"
)


def spoken(parsed: ParsedTranscript) -> list[tuple[str, str]]:
    """(speaker, text of the turn) pairs, so a test reads like the dialogue."""
    return [(turn.speaker, parsed.text[turn.start : turn.end]) for turn in parsed.turns]


def refusal(filename: str, data: bytes) -> TranscriptError:
    with pytest.raises(TranscriptError) as caught:
        read_transcript(filename, data)
    return caught.value


# ---------------------------------------------------------------------------------------------
# Normalisation and positions


def test_normalise_composes_combining_accents_and_makes_every_newline_lf() -> None:
    assert normalise_text("Rene\u0301e\r\nline two\rthree\u2028four") == (
        "Renée\nline two\nthree\nfour"
    )


def test_normalise_removes_byte_order_marks_nul_and_controls_but_keeps_tabs() -> None:
    assert normalise_text("\ufeffMother:\tyes\x00\x07 no\x1b\x7f\x9b.") == "Mother:\tyes no."


def test_normalise_turns_form_feed_into_a_newline_and_a_lone_surrogate_into_a_replacement() -> None:
    assert normalise_text("page one\x0cpage two \udc9f") == "page one\npage two \ufffd"


def test_positions_count_code_points_after_composition_and_emoji_count_as_one() -> None:
    # "Je\u0301ro\u0302me" is 9 code points pasted, 7 stored; 😊 is one code point (two in UTF-16).
    parsed = read_pasted_text("I: Je\u0301ro\u0302me 😊\r\nM: ok")
    assert parsed.text == "I: Jérôme 😊\nM: ok"
    assert parsed.turns == (
        SpeakerTurn(start=0, end=11, speaker="I"),
        SpeakerTurn(start=12, end=17, speaker="M"),
    )


def test_chinese_turn_offsets_are_string_indices_of_the_stored_text() -> None:
    parsed = read_pasted_text(CHINESE)
    assert [turn.speaker for turn in parsed.turns] == ["访谈者", "妈妈", "访谈者", "妈妈"]
    assert parsed.turns[1].start == CHINESE.index("妈妈") == 21
    assert parsed.text[parsed.turns[3].start : parsed.turns[3].end] == "妈妈：我妹妹周二会过来。"


# ---------------------------------------------------------------------------------------------
# Speaker turns


def test_a_turn_runs_over_several_lines_until_the_next_speaker() -> None:
    text = (
        "Interview 3, ward 5 (synthetic)\n\n"
        "Social worker: What helps?\n"
        "Mother: Walking in the garden.\n"
        "And calling my mum every night.\n\n"
        "Social worker: Thank you."
    )
    parsed = read_pasted_text(text)
    assert spoken(parsed) == [
        ("Social worker", "Social worker: What helps?"),
        ("Mother", "Mother: Walking in the garden.\nAnd calling my mum every night."),
        ("Social worker", "Social worker: Thank you."),
    ]


@pytest.mark.parametrize(
    ("line", "speaker"),
    [
        ("Interviewer: hello", "Interviewer"),
        ("I: hello", "I"),
        ("P1: hello", "P1"),
        ("Mother:hello", "Mother"),
        ("访谈者：您好", "访谈者"),
        ("妈妈：嗯", "妈妈"),
        ("受访者 A：嗯", "受访者 A"),
        ("问：孩子几岁？", "问"),
        ("Dr. Li: the counts are up", "Dr. Li"),
        ("Mother (M): yes", "Mother (M)"),
        ("  Social   worker : yes", "Social worker"),
        ("[00:01:23] Mother: yes", "Mother"),
        ("- Mother: yes", "Mother"),
        ("Mère: oui", "Mère"),
    ],
)
def test_these_line_starts_are_speaker_labels(line: str, speaker: str) -> None:
    turns = find_speaker_turns(line)
    assert [turn.speaker for turn in turns] == [speaker]
    assert turns[0].start == len(line) - len(line.lstrip())


@pytest.mark.parametrize(
    "line",
    [
        "10:30 we saw the consultant",
        "下午3:30 查房",
        "http://example.org is the leaflet",
        "What I mean is: we are tired",
        "I said. Then: nothing",
        "好的，那么：我们开始",
        "She said: be brave",
        "医生说：要做腰穿",
        "A very long label that is not a name: text",
        '"Quoted": text',
        ": nothing before the colon",
    ],
)
def test_these_line_starts_are_not_speaker_labels(line: str) -> None:
    assert find_speaker_turns(line) == ()


def test_a_colon_later_in_a_line_does_not_start_a_turn() -> None:
    assert find_speaker_turns("We talked about the plan: rest, then school.") == ()


def test_text_with_no_labels_has_no_turns() -> None:
    assert read_pasted_text("Just notes from the ward round.\nNo dialogue.").turns == ()


# ---------------------------------------------------------------------------------------------
# Plain text in each encoding


@pytest.mark.parametrize(
    ("codec", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16-le"),  # Python writes a little-endian BOM
        ("utf-32", "utf-32-le"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
        ("gb2312", "gb18030"),
    ],
)
def test_chinese_text_is_read_in_each_common_encoding(codec: str, detected: str) -> None:
    parsed = read_transcript("访谈.txt", CHINESE.replace("\n", "\r\n").encode(codec))
    assert parsed.text == CHINESE
    assert parsed.encoding == detected
    assert parsed.format == "txt"
    assert len(parsed.turns) == 4


def test_utf16_big_endian_with_a_byte_order_mark_is_read() -> None:
    parsed = read_transcript("a.txt", "\ufeff".encode("utf-16-be") + ENGLISH.encode("utf-16-be"))
    assert (parsed.text, parsed.encoding) == (ENGLISH, "utf-16-be")
    assert parsed.notes == ("decoded as UTF-16 BE (byte-order mark)",)


@pytest.mark.parametrize(("codec", "text"), [("utf-16-le", CHINESE), ("utf-16-be", ENGLISH)])
def test_utf16_without_a_byte_order_mark_is_detected_from_its_nul_bytes(
    codec: str, text: str
) -> None:
    parsed = read_transcript("a.txt", text.encode(codec))
    assert parsed.text == text
    assert parsed.encoding == codec
    assert "no byte-order mark" in parsed.notes[0]


def test_utf16_chinese_indented_with_ideographic_spaces_is_detected_without_a_mark() -> None:
    # U+3000 puts NULs on the other side of each pair than the newlines do.
    text = "\u3000\u3000" + CHINESE.replace("\n", "\n\u3000\u3000")
    for codec in ("utf-16-le", "utf-16-be"):
        data = text.replace("\n", "\r\n").encode(codec)
        assert data[0::2].count(0) > 0
        assert data[1::2].count(0) > 0
        parsed = read_transcript("a.txt", data)
        assert (parsed.text, parsed.encoding) == (text, codec)


def test_a_few_stray_nul_bytes_do_not_make_utf8_look_like_utf16() -> None:
    data = ENGLISH.encode()
    data = data[:40] + b"\x00" + data[40:100] + b"\x00" + data[100:]
    parsed = read_transcript("a.txt", data)
    assert (parsed.text, parsed.encoding) == (ENGLISH, "utf-8")


def test_gb18030_is_named_in_the_notes() -> None:
    parsed = read_transcript("a.txt", CHINESE.encode("gbk"))
    assert parsed.notes == ("decoded as GB18030 (covers GBK and GB2312)",)


def test_a_utf8_file_needs_no_note() -> None:
    assert read_transcript("a.txt", ENGLISH.encode()).notes == ()


def test_latin1_that_gb18030_cannot_decode_is_an_unknown_encoding_with_its_place() -> None:
    data = "Interview\nMother: déjà vu, ça va.".encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb18030")  # "à" then a space is not GB18030
    error = refusal("notes.txt", data)
    assert error.filename == "notes.txt"
    assert error.line == 2
    assert error.reason.startswith("unknown encoding: not UTF-8, UTF-16 or GB18030")
    assert "byte offset 19, 0xE9" in error.reason
    assert str(error).startswith("notes.txt, line 2: unknown encoding")


def test_latin1_that_gb18030_decodes_into_nonsense_is_still_refused() -> None:
    data = "Notes\nMutter: Größe Übung schön, Straße.".encode("latin-1")
    assert data.decode("gb18030")  # the trap: it does decode
    error = refusal("notes.txt", data)
    assert "unknown encoding" in error.reason
    assert error.line == 2


def test_nul_bytes_in_a_utf8_file_are_removed_and_counted() -> None:
    parsed = read_transcript("a.txt", b"Mother: yes\x00 and\x00 no")
    assert parsed.text == "Mother: yes and no"
    assert parsed.notes == ("2 control characters removed (NUL and the like)",)


@pytest.mark.parametrize("data", [b"", b"  \r\n\t ", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n\x00"])
def test_an_empty_file_is_refused(data: bytes) -> None:
    assert refusal("blank.txt", data).reason == "the file is empty"


def test_a_word_file_saved_as_txt_is_recognised_and_explained() -> None:
    error = refusal("interview.txt", _docx_bytes(["Mother: yes"]))
    assert "zip archive" in error.reason
    assert ".docx" in error.reason


# ---------------------------------------------------------------------------------------------
# Word


def _docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for text in paragraphs[:1]:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    for text in paragraphs[1:]:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_word_document_is_read_paragraph_by_paragraph_with_tables_in_place() -> None:
    data = _docx_bytes(
        ["访谈者：您好。", "妈妈：谢谢您来看我们。"],
        table=[["日期", "2024-03-01"], ["病房", "血液科"]],
    )
    parsed = read_transcript("Interview.DOCX", data)
    assert parsed.text == "访谈者：您好。\n日期\n2024-03-01\n病房\n血液科\n妈妈：谢谢您来看我们。"
    assert (parsed.format, parsed.encoding) == ("docx", None)
    assert [turn.speaker for turn in parsed.turns] == ["访谈者", "妈妈"]


def test_a_merged_table_cell_is_read_once() -> None:
    document = docx.Document()
    grid = document.add_table(rows=1, cols=3)
    grid.cell(0, 0).merge(grid.cell(0, 1)).text = "Mother: merged"
    grid.cell(0, 2).text = "end"
    buffer = io.BytesIO()
    document.save(buffer)
    assert read_transcript("a.docx", buffer.getvalue()).text == "Mother: merged\nend"


def test_a_truncated_word_document_is_refused_as_damaged() -> None:
    data = _docx_bytes([ENGLISH])
    error = refusal("interview.docx", data[: len(data) // 2])
    assert str(error) == "interview.docx: not a Word document (the zip archive is damaged)"


def test_a_zip_that_is_not_a_word_document_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "Mother: yes")
    assert refusal("a.docx", buffer.getvalue()).reason.startswith("not a Word document")


def test_an_old_doc_file_renamed_docx_says_to_save_as_docx() -> None:
    error = refusal("a.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    assert "Word 97–2003 .doc" in error.reason


def test_random_bytes_named_docx_are_not_a_word_document() -> None:
    error = refusal("a.docx", random.Random(4).randbytes(400))
    assert error.reason == "not a Word document (it is not a zip archive)"


# ---------------------------------------------------------------------------------------------
# PDF


def _pdf_bytes(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF whose pages show the given lines in Helvetica (ASCII only)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, lines in enumerate(pages):
        shown = " ".join(f"({line}) Tj T*" for line in lines)
        stream = f"BT /F1 12 Tf 72 720 Td 14 TL {shown} ET".encode()
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


PDF_PAGES = [
    ["Social worker: How are you sleeping?", "Mother: Badly, since the diagnosis."],
    ["Social worker: Thank you for telling me."],
]


def test_a_pdf_text_layer_is_read_page_by_page() -> None:
    parsed = read_transcript("interview.pdf", _pdf_bytes(PDF_PAGES))
    assert parsed.text == (
        "Social worker: How are you sleeping?\n"
        "Mother: Badly, since the diagnosis.\n"
        "Social worker: Thank you for telling me."
    )
    assert (parsed.format, parsed.encoding, parsed.notes) == ("pdf", None, ())
    assert [turn.speaker for turn in parsed.turns] == ["Social worker", "Mother", "Social worker"]


def test_a_pdf_without_a_text_layer_is_refused_as_needing_ocr() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    error = refusal("scan.pdf", buffer.getvalue())
    assert "no text layer" in error.reason
    assert "OCR" in error.reason


def test_a_page_without_text_is_named_in_the_notes() -> None:
    parsed = read_transcript("a.pdf", _pdf_bytes([["Mother: yes"], []]))
    assert parsed.text == "Mother: yes\n"
    assert parsed.notes == ("no text on page 2 (a scanned page is skipped)",)


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf_bytes(PDF_PAGES))))
    writer.encrypt(user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_pdf_that_needs_a_password_is_refused() -> None:
    assert "protected by a password" in refusal("a.pdf", _encrypted("secret")).reason


def test_a_pdf_encrypted_without_a_user_password_is_read_with_a_note() -> None:
    parsed = read_transcript("a.pdf", _encrypted(""))
    assert parsed.text.startswith("Social worker: How are you sleeping?")
    assert parsed.notes == ("the PDF is encrypted but opens without a password",)


def test_random_bytes_named_pdf_are_not_a_pdf() -> None:
    error = refusal("a.pdf", random.Random(5).randbytes(400))
    assert error.reason == "not a PDF file (it does not start with %PDF)"


def test_a_damaged_pdf_is_refused_without_a_traceback() -> None:
    error = refusal("a.pdf", b"%PDF-1.4\n" + random.Random(6).randbytes(400))
    assert error.reason.startswith("not a readable PDF")


# ---------------------------------------------------------------------------------------------
# HTML and Markdown


def test_html_blocks_become_lines_and_scripts_styles_and_entities_are_handled() -> None:
    page = (
        "<!doctype html><html><head><title>Interview 3</title>"
        "<style>p { color: red }</style><script>var x = '<p>no</p>';</script></head>"
        "<body><h1>Interview&nbsp;3</h1>\n"
        "<p><b>Social worker:</b>   How is   Sam?</p>\n"
        "<p>Mother: Better &amp; eating.<br>He asked for noodles &lt;3</p>"
        "<ul><li>Mother: one</li><li>two</li></ul></body></html>"
    )
    parsed = read_transcript("a.html", page.encode())
    assert parsed.text == (
        "Interview\u00a03\n"
        "Social worker: How is Sam?\n"
        "Mother: Better & eating.\n"
        "He asked for noodles <3\n"
        "Mother: one\n"
        "two"
    )
    assert [turn.speaker for turn in parsed.turns] == ["Social worker", "Mother", "Mother"]
    assert parsed.format == "html"


def test_an_html_pages_declared_charset_is_used_when_it_is_not_utf8() -> None:
    page = '<meta charset="windows-1252"><p>Mother: \u201cwe manage\u201d</p>'
    parsed = read_transcript("a.htm", page.encode("cp1252"))
    assert parsed.text == "Mother: \u201cwe manage\u201d"
    assert parsed.encoding == "cp1252"


def test_chinese_html_in_gbk_is_detected() -> None:
    parsed = read_transcript("a.html", f"<p>{CHINESE}</p>".encode("gbk"))
    assert parsed.encoding == "gb18030"
    assert parsed.text == CHINESE.replace("\n", " ")


def test_markdown_syntax_is_removed_lightly() -> None:
    source = (
        "# Interview 3 #\n"
        "\n"
        "**Social worker:** What did the *consultant* say?\n"
        "> Mother: That the [bone marrow](https://example.org/bm) results are `good`.\n"
        "- a list item stays, snake_case_word stays, 2 \\* 3 stays\n"
        "---\n"
        "```\n"
        "**kept as written**\n"
        "```\n"
        "__Mother__: thank you"
    )
    parsed = read_transcript("a.md", source.encode())
    assert parsed.text == (
        "Interview 3\n"
        "\n"
        "Social worker: What did the consultant say?\n"
        "Mother: That the bone marrow results are good.\n"
        "- a list item stays, snake_case_word stays, 2 * 3 stays\n"
        "**kept as written**\n"
        "Mother: thank you"
    )
    assert [turn.speaker for turn in parsed.turns] == ["Social worker", "Mother", "Mother"]
    assert parsed.notes == ("Markdown formatting removed (headings, emphasis, links)",)


# ---------------------------------------------------------------------------------------------
# Subtitles

SRT = (
    "1\r\n00:00:01,000 --> 00:00:03,500\r\nSocial worker: How are you?\r\n\r\n"
    "2\r\n00:00:04,000 --> 00:00:06,000\r\n<i>Mother:</i> Tired.\r\nBut OK.\r\n\r\n"
    "3\r\n00:00:06,500 --> 00:00:08,000 X1:40 X2:600\r\n{\\an8}Social worker: Good.\r\n"
)


def test_srt_keeps_cue_text_and_drops_numbers_timestamps_and_tags() -> None:
    parsed = read_transcript("session.srt", SRT.encode("utf-8-sig"))
    assert (
        parsed.text == "Social worker: How are you?\nMother: Tired.\nBut OK.\nSocial worker: Good."
    )
    assert [turn.speaker for turn in parsed.turns] == ["Social worker", "Mother", "Social worker"]
    assert parsed.notes[-1] == "3 subtitle timestamps removed, with cue numbers and settings"
    assert parsed.format == "srt"


def test_vtt_voice_tags_become_speaker_labels_once_per_change_of_speaker() -> None:
    source = (
        "WEBVTT - session 3\nKind: captions\n\n"
        "NOTE written by the transcriber,\nnot spoken\n\n"
        "STYLE\n::cue { color: yellow }\n\n"
        "intro\n00:00:01.000 --> 00:00:03.000 align:start position:10%\n"
        "<v Social worker>How are you?</v>\n\n"
        "00:00:04.000 --> 00:00:06.000\n<v.loud Mother>Tired &amp; worried.\n\n"
        "00:00:06.000 --> 00:00:08.000\n<v Mother>He <i>hates</i> the <00:00:07.000>needles.\n\n"
        "00:00:09.000 --> 00:00:10.000\n<v 社工>我明白。\n"
    )
    parsed = read_transcript("session.VTT", source.encode())
    assert parsed.text == (
        "Social worker: How are you?\n"
        "Mother: Tired & worried.\n"
        "He hates the needles.\n"
        "社工: 我明白。"
    )
    assert spoken(parsed)[1] == ("Mother", "Mother: Tired & worried.\nHe hates the needles.")
    assert [turn.speaker for turn in parsed.turns] == ["Social worker", "Mother", "社工"]
    assert parsed.format == "vtt"


def test_a_vtt_cue_glued_to_the_header_is_still_read() -> None:
    source = b"WEBVTT\n00:00:01.000 --> 00:00:02.000\nMother: yes\n"
    assert read_transcript("a.vtt", source).text == "Mother: yes"


def test_a_subtitle_file_without_timings_is_refused() -> None:
    error = refusal("a.srt", b"Mother: this is just text\n")
    assert "no timing lines" in error.reason


# ---------------------------------------------------------------------------------------------
# Choosing the format, pasting, and never a traceback


def test_an_unknown_extension_is_refused_with_the_accepted_list() -> None:
    error = refusal("interview.rtf", b"{\\rtf1 Mother: yes}")
    assert error.reason.startswith(".rtf files cannot be imported (save it as .docx or .txt)")
    assert ".txt, .text, .docx, .pdf, .html, .htm, .md, .markdown, .srt, .vtt" in error.reason


def test_a_file_name_without_an_extension_is_refused() -> None:
    assert "no extension" in refusal("C:\\Users\\sw\\interview.d\\notes", b"x").reason


def test_the_extension_is_read_case_insensitively_from_the_last_path_part() -> None:
    assert read_transcript("exports/2024.03/INTERVIEW.Txt", b"Mother: yes").format == "txt"


def test_the_error_is_a_value_error_naming_file_reason_and_line() -> None:
    error = TranscriptError("a.txt", "broken", 3)
    assert isinstance(error, ValueError)
    assert (error.filename, error.reason, error.line) == ("a.txt", "broken", 3)
    assert str(error) == "a.txt, line 3: broken"


def test_pasted_text_is_normalised_and_has_no_encoding() -> None:
    parsed = read_pasted_text("\ufeff" + ENGLISH.replace("\n", "\r\n"))
    assert parsed == ParsedTranscript(
        text=ENGLISH,
        format="paste",
        encoding=None,
        turns=find_speaker_turns(ENGLISH),
        notes=(),
    )
    assert len(parsed.turns) == 4


def test_an_empty_paste_is_refused() -> None:
    with pytest.raises(TranscriptError, match=r"^pasted text: nothing was pasted$"):
        read_pasted_text(" \r\n\x00 ")


@pytest.mark.parametrize("extension", ["txt", "docx", "pdf", "html", "md", "srt", "vtt"])
def test_random_and_damaged_files_give_a_transcript_error_or_a_result(extension: str) -> None:
    rng = random.Random(extension)
    valid = {"docx": _docx_bytes([ENGLISH]), "pdf": _pdf_bytes(PDF_PAGES)}.get(
        extension, SRT.encode()
    )
    samples = [rng.randbytes(rng.randint(1, 600)) for _ in range(40)]
    for _ in range(60):
        damaged = bytearray(valid)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.getrandbits(8)
        samples.append(bytes(damaged))
    refusals: list[str] = []
    for data in samples:
        try:
            parsed = read_transcript(f"f.{extension}", data)
        except TranscriptError as error:  # any other exception fails the test
            refusals.append(str(error))
        else:
            assert parsed.text == normalise_text(parsed.text)
    assert refusals
    assert all(message.startswith(f"f.{extension}") for message in refusals)


def test_each_turns_label_is_found_where_it_stands_without_bullet_timestamp_or_colon() -> None:
    text = "Intro line.\n- Helen  Walker: hello\n[00:01:23] 张淑华：你好\n  I: fine"
    labels = find_speaker_labels(text)
    turns = find_speaker_turns(text)
    assert [text[start:end] for start, end in labels] == ["Helen  Walker", "张淑华", "I"]
    assert len(labels) == len(turns)
    assert [turn.speaker for turn in turns] == ["Helen Walker", "张淑华", "I"]
