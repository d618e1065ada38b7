"""REFI-QDA exchange: strict exports (checked against the published schemas), tolerant imports
(every repair said), and the files real programs write: the shared examples and Taguette 1.5.2's
exports in fixtures/taguette/ (see its README.md).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import runpy
import sys
import types
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import xmlschema

from buoy.bench.taguette import LAUNCHER, taguette_text, utf8_offset
from buoy.coding.domain.refi import (
    QdaCase,
    QdaCode,
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaSource,
    QdaUser,
    QdaVariable,
    RefiError,
    codebook_problems,
    export_problems,
    read_codebook,
    read_project,
    walk_codes,
    write_codebook,
    write_project,
)
from tests.shared_files import shared

TAGUETTE = Path(__file__).parent / "fixtures" / "taguette"


def guid(number: int) -> str:
    return f"00000000-0000-4000-8000-{number:012d}"


@pytest.fixture(scope="module")
def project_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(shared("samples", "refi-qda", "Project.xsd")))


@pytest.fixture(scope="module")
def codebook_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(shared("samples", "refi-qda", "Codebook.xsd")))


def qde_of(archive: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return opened.read("project.qde")


def qdpx(qde: str, files: dict[str, bytes] | None = None) -> bytes:
    """A .qdpx written by hand, for the files other programs write."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", qde)
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def project_xml(body: str, name: str = "Pilot") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="{name}">{body}</Project>'
    )


CODEBOOK = (
    f'<CodeBook><Codes><Code guid="{guid(1)}" name="risk" isCodable="true"/></Codes></CodeBook>'
)
ZH = "社工：您好。\n妈妈：看病花钱很多，我们借了钱。加油💪！奶奶每天来帮忙。"


def one_source(
    selections: str, *, path: str = f"internal://{guid(10)}.txt", attributes: str = ""
) -> str:
    return project_xml(
        CODEBOOK + f'<Sources><TextSource guid="{guid(10)}" name="interview" plainTextPath="{path}"'
        f"{attributes}>{selections}</TextSource></Sources>"
    )


def selection(start: int, end: int, code: str = guid(1), number: int = 20) -> str:
    return (
        f'<PlainTextSelection guid="{guid(number)}" startPosition="{start}" endPosition="{end}">'
        f'<Coding guid="{guid(number + 1)}"><CodeRef targetGUID="{code}"/></Coding>'
        "</PlainTextSelection>"
    )


def coded_text(result_project: QdaProject) -> list[str]:
    texts = {source.guid: source.text for source in result_project.sources}
    return [texts[c.source_guid][c.start : c.end] for c in result_project.codings]


# --- a whole project, out and back ----------------------------------------------------------


def span(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def caregiver_pilot() -> QdaProject:
    """Chinese and English text, codes three deep, two coders, every variable type, memos on a
    coding, a code, a source, a case and on several things at once."""
    zh = (
        "社工：最近怎么样？\r\n"  # Windows line ends count as two characters
        "妈妈：化疗期间我每天记下医生说的话。加油💪！\r\n"
        "奶奶来照顾小女儿，可是我们借了三十万。"
    )
    en = "Father: The ward nurses explain everything twice, which helps."
    beijing = timezone(timedelta(hours=8))
    return QdaProject(
        name="照护者试点 Caregiver pilot",
        description="Synthetic interviews for the exchange tests.",
        users=[QdaUser(guid(1), "张社工"), QdaUser(guid(2), "Rita")],
        codes=[
            QdaCode(
                guid(10),
                "保护因素 protective",
                is_codable=False,
                description="Strengths that protect the family",
                children=[
                    QdaCode(
                        guid(11),
                        "家庭支持 family support",
                        color="#2ECC71",
                        children=[
                            QdaCode(
                                guid(12),
                                "祖父母 grandparents",
                                color="#abcdef",
                                description='Grandparents help; "quotes" & <angles>\nsecond line',
                            )
                        ],
                    )
                ],
            ),
            QdaCode(
                guid(13),
                "风险 risk",
                color="#E74C3C",
                children=[QdaCode(guid(14), "经济压力 financial strain")],
            ),
        ],
        variables=[
            QdaVariable(guid(20), "relationship", "Text", "Relationship to the child"),
            QdaVariable(guid(21), "age", "Integer"),
            QdaVariable(guid(22), "employed", "Boolean"),
            QdaVariable(guid(23), "debt (10k CNY)", "Float"),
            QdaVariable(guid(24), "diagnosed", "Date"),
            QdaVariable(guid(25), "interviewed", "DateTime"),
        ],
        sources=[
            QdaSource(
                guid(30),
                "访谈 A.txt",
                zh,
                creator_guid=guid(1),
                created=datetime(2026, 1, 15, 10, 30, 5, 250000, tzinfo=beijing),
                description="First interview",
            ),
            # Written without an offset (xsd:dateTime allows it): it must come back so.
            QdaSource(
                guid(31), "interview B", en, created=datetime.fromisoformat("2026-01-16T09:00")
            ),
        ],
        cases=[
            QdaCase(
                guid(40),
                "家庭 A",
                description="Mother and grandmother",
                values={
                    guid(20): "母亲 mother",
                    guid(21): "34",
                    guid(22): "false",
                    guid(23): "30.5",
                    guid(24): "2025-11-02",
                    guid(25): "2026-01-15T10:30:00+08:00",
                },
                source_guids=[guid(30)],
            ),
            QdaCase(guid(41), "Family B", values={guid(20): "father"}, source_guids=[guid(31)]),
        ],
        codings=[
            # Two coders on the same passage: one selection, two codings.
            QdaCoding(
                guid(50),
                guid(30),
                *span(zh, "我每天记下医生说的话"),
                guid(12),
                guid(1),
                datetime(2026, 1, 15, tzinfo=UTC),
            ),
            QdaCoding(guid(51), guid(30), *span(zh, "我每天记下医生说的话"), guid(11), guid(2)),
            QdaCoding(guid(52), guid(30), *span(zh, "加油💪"), guid(10), guid(1)),
            QdaCoding(guid(53), guid(30), *span(zh, "我们借了三十万"), guid(14), guid(2)),
            QdaCoding(guid(54), guid(31), *span(en, "ward nurses explain"), guid(11), guid(2)),
        ],
        notes=[
            QdaNote(guid(60), "On a coding", "Diary keeping as coping.", guid(1), None, [guid(50)]),
            QdaNote(
                guid(61), "On a code", "Includes great-grandparents.", guid(2), None, [guid(12)]
            ),
            QdaNote(guid(62), "On a source", "Recorded on the ward.", None, None, [guid(30)]),
            QdaNote(
                guid(63),
                "On a case",
                "债务：三十万。\r\n下一步：申请救助。",
                guid(1),
                datetime(2026, 2, 1, 8, 0, tzinfo=UTC),
                [guid(40)],
            ),
            QdaNote(
                guid(64),
                "On several",
                "Money and help.",
                None,
                None,
                [guid(14), guid(31), guid(53), guid(41)],
            ),
            QdaNote(guid(65), "Free memo", "", None, None, []),
        ],
    )


def test_a_project_comes_back_unchanged_from_its_own_export():
    project = caregiver_pilot()

    result = read_project(write_project(project), "pilot.qdpx")

    assert result.repairs == []
    assert result.project == project


def test_the_project_export_is_valid_against_the_schema(project_schema):
    project_schema.validate(qde_of(write_project(caregiver_pilot())).decode("utf-8"))


def test_each_source_text_is_a_utf8_file_in_sources_named_by_its_guid():
    archive = zipfile.ZipFile(io.BytesIO(write_project(caregiver_pilot())))

    assert sorted(archive.namelist()) == [
        "project.qde",
        f"sources/{guid(30)}.txt",
        f"sources/{guid(31)}.txt",
    ]
    assert (
        archive.read(f"sources/{guid(30)}.txt").decode("utf-8") == caregiver_pilot().sources[0].text
    )
    assert f'plainTextPath="internal://{guid(30)}.txt"'.encode() in archive.read("project.qde")


def test_codings_of_the_same_passage_share_one_selection():
    qde = qde_of(write_project(caregiver_pilot())).decode("utf-8")

    assert qde.count("<PlainTextSelection ") == 4
    assert qde.count("<Coding ") == 5


def test_a_memo_on_a_case_is_a_link_because_a_case_holds_no_noteref():
    qde = qde_of(write_project(caregiver_pilot())).decode("utf-8")

    assert f'originGUID="{guid(63)}" targetGUID="{guid(40)}"' in qde
    assert f'<NoteRef targetGUID="{guid(60)}"/>' in qde  # on the coding itself


def test_the_same_project_gives_the_same_bytes():
    assert write_project(caregiver_pilot()) == write_project(caregiver_pilot())


def test_empty_parts_of_a_project_are_left_out(project_schema):
    bare = QdaProject(name="Empty")
    one_text = QdaProject(name="One text", sources=[QdaSource(guid(1), "a", "Hello")])

    for project in (bare, one_text):
        qde = qde_of(write_project(project)).decode("utf-8")
        project_schema.validate(qde)
        for part in ("Users", "CodeBook", "Variables", "Cases", "Notes", "Links", "Sets"):
            assert f"<{part}" not in qde
    assert read_project(write_project(one_text), "one.qdpx").project == one_text


def test_an_invalid_project_is_refused_with_every_problem_named():
    project = QdaProject(
        name="Bad",
        users=[QdaUser(guid(1), "A")],
        codes=[
            QdaCode("not-a-guid", "risk"),
            QdaCode(guid(1), "again", color="red"),
            QdaCode(guid(2), "bell \x07"),
        ],
        variables=[QdaVariable(guid(3), "age", "Integer"), QdaVariable(guid(4), "x", "Colour")],
        sources=[QdaSource(guid(5), "s", "short")],
        cases=[QdaCase(guid(6), "c", values={guid(3): "thirty"}, source_guids=[guid(99)])],
        codings=[
            QdaCoding(guid(7), guid(5), 2, 40, guid(2)),
            QdaCoding(guid(8), guid(5), 0, 2, guid(98), coder_guid=guid(97)),
        ],
        notes=[QdaNote(guid(9), "n", "", target_guids=[guid(96)])],
    )

    problems = export_problems(project)

    expected = [
        "'not-a-guid' is not a GUID",
        f"its GUID {guid(1)} is also used by user",
        "colour 'red' is not #RRGGBB",
        "control characters",
        "type 'Colour'",
        "'thirty' is not a valid Integer",
        f"unknown source {guid(99)}",
        "characters 2..40 are not inside the 5 characters",
        f"unknown code {guid(98)}",
        f"its user {guid(97)} is not in the project's users",
        f"unknown object {guid(96)}",
    ]
    for words in expected:
        assert any(words in problem for problem in problems), words
    with pytest.raises(ValueError, match="Cannot export the project"):
        write_project(project)


# --- codebooks ------------------------------------------------------------------------------


def test_a_codebook_export_is_valid_and_comes_back_unchanged(codebook_schema):
    codes = caregiver_pilot().codes

    data = write_codebook(codes)

    codebook_schema.validate(data.decode("utf-8"))
    assert read_codebook(data, "codes.qdc") == type(read_codebook(data, "codes.qdc"))(codes, [])


def test_an_empty_codebook_is_refused():
    assert codebook_problems([]) == ["A codebook needs at least one code."]
    with pytest.raises(ValueError, match="at least one code"):
        write_codebook([])


def test_the_shared_example_codebook_reads_with_its_set_reported():
    result = read_codebook(shared("samples", "refi-qda", "example.qdc").read_bytes(), "example.qdc")

    assert [code.name for code in walk_codes(result.codes)] == [
        "protective",
        "family support",
        "risk",
        "financial burden",
    ]
    assert result.codes[0].is_codable is False
    assert result.codes[0].children[0].color == "#2ECC71"
    assert result.repairs == ["<Sets> (line 12): 1 set(s) not imported; Buoy has no sets."]


def test_a_slash_in_a_nested_codebook_stays_part_of_the_name():
    data = (
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        f'<Code guid="{guid(1)}" name="answers" isCodable="false">'
        f'<Code guid="{guid(2)}" name="yes/no" isCodable="true"/></Code></Codes></CodeBook>'
    ).encode()

    result = read_codebook(data, "nested.qdc")

    assert result.codes[0].children[0].name == "yes/no"
    assert result.repairs == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04rest", "zip archive"),
        (b"tag,description\nrisk,money\n", "not well-formed XML"),
        (project_xml("").encode(), "a REFI-QDA project"),
        (b"<html><body/></html>", "root element is <html>"),
        (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "holds no codes"),
    ],
)
def test_a_file_that_is_no_codebook_is_refused_with_a_reason(data, reason):
    with pytest.raises(RefiError, match=reason) as refused:
        read_codebook(data, "mine.qdc")

    assert refused.value.filename == "mine.qdc"
    assert str(refused.value).startswith("Cannot import mine.qdc: ")


# --- Taguette 1.5.2's real exports ----------------------------------------------------------


def test_taguettes_flat_codebook_becomes_a_hierarchy():
    result = read_codebook((TAGUETTE / "codebook.qdc").read_bytes(), "codebook.qdc")

    tree = {
        code.name: ([child.name for child in code.children], code.is_codable)
        for code in walk_codes(result.codes)
    }
    assert [code.name for code in result.codes] == ["interesting", "risk", "protective"]
    assert tree["risk"] == (["economic", "treatment"], True)  # a tag of its own stays codable
    assert tree["treatment"] == (["side effects"], False)  # made up to hold a sub-code
    assert tree["protective"] == (["family", "faith", "peer support"], False)
    # Taguette's GUIDs (upper case UUID5s of the tag path) are kept for the tags themselves.
    assert result.codes[1].children[0].guid == "55C31D73-425C-5810-B0EB-7E577CAB00C9"


def test_taguettes_codebook_repairs_are_all_reported():
    repairs = read_codebook((TAGUETTE / "codebook.qdc").read_bytes(), "codebook.qdc").repairs

    assert (
        'Code "risk/treatment/side effects": a Taguette-style "parent/child" name; placed '
        '"side effects" under "risk/treatment".'
    ) in repairs
    assert (
        '"protective" is not a code of its own; created it as a category (not codable) to hold '
        '"protective/family".'
    ) in repairs
    assert any("empty <Sets/>, which the schema does not allow" in r for r in repairs)
    assert any("Taguette 1.5.2 leaves tag descriptions out" in r for r in repairs)
    assert len(repairs) == 9


def test_taguettes_codebook_is_invalid_but_buoys_export_of_it_is_valid(codebook_schema):
    data = (TAGUETTE / "codebook.qdc").read_bytes()

    assert not codebook_schema.is_valid(data.decode("utf-8"))  # the empty <Sets/>
    codebook_schema.validate(write_codebook(read_codebook(data, "codebook.qdc").codes).decode())


def taguette_documents() -> list[dict]:
    return json.loads((TAGUETTE / "documents.json").read_text(encoding="utf-8"))["documents"]


def test_taguette_counts_highlight_offsets_in_utf8_bytes_of_the_html_text():
    exported = list(csv.DictReader(io.StringIO((TAGUETTE / "all_tags.csv").read_text("utf-8"))))
    contents = {row["id"]: row["content"] for row in exported}

    for document in taguette_documents():
        text = taguette_text(document["stored_html"])
        for asked, stored in zip(document["asked"], document["taguette_highlights"], strict=True):
            assert text[asked["start"] : asked["end"]] == asked["quote"]
            assert (stored["start_offset"], stored["end_offset"]) == (
                utf8_offset(text, asked["start"]),
                utf8_offset(text, asked["end"]),
            )
            assert contents[str(stored["id"])] == asked["quote"]
    chinese = taguette_documents()[1]["taguette_highlights"][0]
    assert (chinese["start_offset"], chinese["end_offset"]) == (109, 172)  # characters 37..58


def test_taguette_style_byte_offsets_in_a_project_are_converted_to_characters():
    # Taguette 1.5.2 writes no .qdpx; this is the project a converter would write if it copied
    # Taguette's stored offsets (UTF-8 bytes) unchanged, on Taguette's real Chinese document.
    document = taguette_documents()[1]
    text = taguette_text(document["stored_html"])
    codebook = (
        (TAGUETTE / "codebook.qdc").read_text("utf-8").split("<Codes>")[1].split("</Codes>")[0]
    )
    selections = "".join(
        f'<PlainTextSelection guid="{guid(100 + n)}" startPosition="{h["start_offset"]}" '
        f'endPosition="{h["end_offset"]}"><Coding guid="{guid(200 + n)}">'
        '<CodeRef targetGUID="55C31D73-425C-5810-B0EB-7E577CAB00C9"/></Coding>'
        "</PlainTextSelection>"
        for n, h in enumerate(document["taguette_highlights"])
    )
    qde = project_xml(
        f"<CodeBook><Codes>{codebook}</Codes></CodeBook><Sources>"
        f'<TextSource guid="{guid(1)}" name="访谈B" plainTextPath="internal://{guid(1)}.txt">'
        f"{selections}</TextSource></Sources>"
    )

    result = read_project(qdpx(qde, {f"sources/{guid(1)}.txt": text.encode()}), "t.qdpx")

    assert coded_text(result.project) == [asked["quote"] for asked in document["asked"]]
    assert (
        'source "访谈B": its positions count UTF-8 bytes, not characters (one reaches 447 in a '
        "text of 164 characters, 483 bytes); converted its 4 selection(s) to characters."
    ) in result.repairs


def test_positions_inside_the_text_are_taken_as_characters_even_in_chinese():
    result = read_project(
        qdpx(one_source(selection(10, 16)), {f"sources/{guid(10)}.txt": ZH.encode()}), "p.qdpx"
    )

    assert coded_text(result.project) == ["看病花钱很多"]
    assert result.repairs == []


# --- tolerant import of other programs' projects --------------------------------------------


def test_the_shared_example_project_codes_the_characters_it_says():
    data = shared("samples", "refi-qda", "example.qdpx").read_bytes()

    result = read_project(data, "example.qdpx")

    assert coded_text(result.project) == ["看病花钱报销很困难"]  # characters 10..19
    assert result.project.cases[0].values == {"c0000000-0000-4000-8000-000000000001": "father"}
    memo = result.project.notes[-1]
    assert (memo.text, memo.target_guids) == ("coding memo", [result.project.codings[0].guid])
    assert result.repairs == [
        '<PlainTextSelection guid="f0000000-0000-4000-8000-000000000001"> (line 23) in source '
        '"caregiver_B_zh.txt": its description became a memo on its coding(s).'
    ]


def test_a_byte_order_mark_is_removed_and_positions_count_the_text_after_it():
    data = qdpx(
        one_source(selection(10, 16)), {f"sources/{guid(10)}.txt": b"\xef\xbb\xbf" + ZH.encode()}
    )

    result = read_project(data, "bom.qdpx")

    assert result.project.sources[0].text == ZH
    assert coded_text(result.project) == ["看病花钱很多"]
    assert any("began with a byte-order mark; removed it" in r for r in result.repairs)


def test_text_written_inside_the_project_file_is_read():
    qde = one_source(f"<PlainTextContent>{ZH}</PlainTextContent>" + selection(10, 16), path="")
    qde = qde.replace(' plainTextPath=""', "")

    result = read_project(qdpx(qde), "inline.qdpx")

    assert coded_text(result.project) == ["看病花钱很多"]
    assert result.repairs == [
        '<TextSource name="interview"> (line 2): text read from its inline <PlainTextContent>.'
    ]


@pytest.mark.parametrize(
    ("path", "member", "said"),
    [
        (f"internal://{guid(10)}.txt", f"Sources/{guid(10)}.txt", "lower-case sources/ folder"),
        (f"internal://{guid(10)}.txt", f"{guid(10)}.txt", "lower-case sources/ folder"),
        ("relative://interview.txt", "interview.txt", "points outside the archive"),
        ("Sources\\Interview.TXT", "sources/interview.txt", "has no internal:// prefix"),
        (f"internal://{guid(10)}.txt", f"sources/{guid(10)}.txt", None),
        (
            "file:///C:/Users/me/interview.txt",
            "sources/interview.txt",
            "points outside the archive",
        ),
        ("internal://missing.txt", "elsewhere/missing.txt", "was found at 'elsewhere/missing.txt'"),
    ],
)
def test_source_files_are_found_where_other_programs_put_them(path, member, said):
    result = read_project(
        qdpx(one_source(selection(10, 16), path=path), {member: ZH.encode()}), "p.qdpx"
    )

    assert coded_text(result.project) == ["看病花钱很多"]
    if said is None:
        assert result.repairs == []
    else:
        assert any(said in repair for repair in result.repairs), result.repairs


def test_a_source_whose_file_is_missing_is_skipped_with_its_codings():
    result = read_project(qdpx(one_source(selection(10, 16))), "p.qdpx")

    assert result.project.sources == []
    assert result.project.codings == []
    assert result.repairs == [
        f"<TextSource name=\"interview\"> (line 2): its text file 'internal://{guid(10)}.txt' is "
        "not in the archive; skipped the source and its codings."
    ]


def test_utf16_and_broken_utf8_source_files_are_read_and_reported():
    utf16 = read_project(
        qdpx(one_source(selection(10, 16)), {f"sources/{guid(10)}.txt": ZH.encode("utf-16")}), "a"
    )
    latin = read_project(
        qdpx(
            one_source(selection(0, 3)),
            {f"sources/{guid(10)}.txt": "Café au lait".encode("latin-1")},
        ),
        "b",
    )

    assert coded_text(utf16.project) == ["看病花钱很多"]
    assert any("is UTF-16, not UTF-8" in r for r in utf16.repairs)
    assert latin.project.sources[0].text == "Caf\ufffd au lait"
    assert any("is not valid UTF-8 (from byte 3)" in r for r in latin.repairs)


def test_missing_invalid_and_repeated_guids_get_new_ones_and_references_still_resolve():
    qde = project_xml(
        "<CodeBook><Codes>"
        '<Code name="no guid" isCodable="true"/>'
        f'<Code guid="{guid(1)}" name="first" isCodable="true"/>'
        f'<Code guid="{guid(1).upper()}" name="repeat" isCodable="true"/>'
        '<Code guid="code-7" name="invalid" isCodable="true"/>'
        "</Codes></CodeBook>"
        f'<Sources><TextSource guid="{guid(10)}" name="s"><PlainTextContent>{ZH}</PlainTextContent>'
        f"{selection(7, 13, code=guid(1))}{selection(0, 2, code='code-7', number=30)}"
        "</TextSource></Sources>"
    )

    result = read_project(qdpx(qde), "g.qdpx")

    codes = {code.name: code.guid for code in result.project.codes}
    assert codes["first"] == guid(1)
    assert len(set(codes.values())) == 4
    assert [c.code_guid for c in result.project.codings] == [codes["invalid"], guid(1)]
    assert '<Code name="no guid"> (line 2): has no guid; gave it a new one.' in result.repairs
    assert any("already used by a code; gave it a new one" in r for r in result.repairs)
    assert any("guid 'code-7' is not a GUID" in r for r in result.repairs)


def test_colours_are_kept_expanded_or_dropped():
    data = (
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        f'<Code guid="{guid(1)}" name="a" isCodable="true" color="#abc"/>'
        f'<Code guid="{guid(2)}" name="b" isCodable="true" color="2ECC71"/>'
        f'<Code guid="{guid(3)}" name="c" isCodable="true" color="red"/>'
        f'<Code guid="{guid(4)}" name="d" isCodable="maybe" color="#E74C3C"/>'
        "</Codes></CodeBook>"
    ).encode()

    result = read_codebook(data, "c.qdc")

    assert [(c.color, c.is_codable) for c in result.codes] == [
        ("#aabbcc", True),
        ("#2ECC71", True),
        (None, True),
        ("#E74C3C", True),
    ]
    assert len(result.repairs) == 4


def test_codings_of_unknown_codes_and_selections_outside_the_text_are_skipped():
    selections = (
        selection(10, 16)
        + selection(0, 2, code=guid(9), number=30)
        + selection(5, 500, number=40)
        + selection(4, 4, number=50)
        + f'<PlainTextSelection guid="{guid(60)}" startPosition="x" endPosition="3"/>'
        + f'<PlainTextSelection guid="{guid(70)}" startPosition="0" endPosition="3"/>'
    )

    result = read_project(
        qdpx(one_source(selections), {f"sources/{guid(10)}.txt": ZH.encode()}), "p"
    )

    assert coded_text(result.project) == ["看病花钱很多"]
    said = "\n".join(result.repairs)
    assert f"refers to an unknown code {guid(9)}; skipped it." in said
    assert "(5..500) is not inside its 35 characters; skipped it and its 1 coding(s)." in said
    assert "is empty; skipped it" in said
    assert "not whole numbers; skipped it." in said
    assert "a passage with no coding; skipped it." in said


def test_a_coder_missing_from_users_is_added_so_that_who_coded_what_is_kept():
    coding = (
        f'<PlainTextSelection guid="{guid(20)}" startPosition="10" endPosition="16" '
        f'creatingUser="{guid(5)}"><Coding guid="{guid(21)}"><CodeRef targetGUID="{guid(1)}"/>'
        "</Coding></PlainTextSelection>"
    )

    result = read_project(qdpx(one_source(coding), {f"sources/{guid(10)}.txt": ZH.encode()}), "p")

    assert result.project.users == [QdaUser(guid(5), "")]
    assert result.project.codings[0].coder_guid == guid(5)
    assert any(f"user {guid(5)} is not in <Users>" in r for r in result.repairs)


def value(variable: str, element: str) -> str:
    return f'<VariableValue><VariableRef targetGUID="{variable}"/>{element}</VariableValue>'


def test_case_values_that_do_not_fit_their_variable_are_skipped():
    qde = project_xml(
        f'<Variables><Variable guid="{guid(1)}" name="age" typeOfVariable="Integer"/>'
        f'<Variable guid="{guid(2)}" name="note" typeOfVariable="Memo"/></Variables>'
        f'<Cases><Case guid="{guid(3)}" name="A">'
        + value(guid(1), "<TextValue> 34 </TextValue>")
        + value(guid(1), "<IntegerValue>old</IntegerValue>")
        + value(guid(9), "<TextValue>x</TextValue>")
        + value(guid(2), "<TextValue>kind</TextValue>")
        + f'<SourceRef targetGUID="{guid(8)}"/></Case></Cases>'
    )

    result = read_project(qdpx(qde), "cases.qdpx")

    assert result.project.variables[1].type_name == "Text"
    assert result.project.cases[0].values == {guid(1): "34", guid(2): "kind"}
    assert result.project.cases[0].source_guids == []
    said = "\n".join(result.repairs)
    assert "type Memo; read it as Text." in said
    assert "'old' is not a valid Integer for \"age\"; skipped it." in said
    assert f"a value for an unknown variable {guid(9)}; skipped it." in said
    assert f"refers to an unknown source {guid(8)}; skipped it." in said


def test_memos_attached_to_a_passage_move_to_its_codings_and_other_links_are_skipped():
    coded = (
        f'<PlainTextSelection guid="{guid(20)}" startPosition="10" endPosition="16">'
        f'<Coding guid="{guid(21)}"><CodeRef targetGUID="{guid(1)}"/></Coding>'
        f'<NoteRef targetGUID="{guid(50)}"/></PlainTextSelection>'
        f'<NoteRef targetGUID="{guid(51)}"/>'
    )
    qde = one_source(coded).replace(
        "</Project>",
        f'<Notes><Note guid="{guid(50)}" name="m">'
        "<PlainTextContent>on the passage</PlainTextContent></Note></Notes>"
        f'<Links><Link guid="{guid(60)}" originGUID="{guid(1)}" '
        f'targetGUID="{guid(10)}"/></Links><Sets/><Graphs><Graph guid="{guid(70)}"/></Graphs>'
        "</Project>",
    )

    result = read_project(qdpx(qde, {f"sources/{guid(10)}.txt": ZH.encode()}), "memo.qdpx")

    assert result.project.notes[0].target_guids == [guid(21)]
    said = "\n".join(result.repairs)
    assert "memos attached to the passage were attached to its coding(s)." in said
    assert f"refers to a memo {guid(51)} that is not in <Notes>; skipped." in said
    assert "only links between a memo and what it is about are imported" in said
    assert "empty <Sets/>" in said
    assert "graphs are not imported." in said


def test_a_project_file_with_another_name_or_in_a_folder_is_found():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Pilot/Pilot.qde", one_source(selection(10, 16)))
        archive.writestr(f"Pilot/sources/{guid(10)}.txt", ZH.encode())

    result = read_project(buffer.getvalue(), "folder.qdpx")

    assert coded_text(result.project) == ["看病花钱很多"]
    assert result.repairs == ["The project file is 'Pilot/Pilot.qde', not project.qde; read it."]


def test_a_bare_project_file_is_read_with_its_inline_texts():
    qde = project_xml(
        CODEBOOK + f'<Sources><TextSource guid="{guid(10)}" name="s"><PlainTextContent>{ZH}'
        f"</PlainTextContent>{selection(10, 16)}</TextSource></Sources>"
    )

    result = read_project(qde.encode(), "project.qde")

    assert coded_text(result.project) == ["看病花钱很多"]
    assert any("bare project.qde" in r for r in result.repairs)


def damaged(archive: bytes) -> bytes:
    """The archive with one byte of project.qde's compressed data changed (CRC mismatch)."""
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        info = opened.getinfo("project.qde")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    return archive[:start] + bytes([archive[start] ^ 0xFF]) + archive[start + 1 :]


GOOD = write_project(QdaProject(name="Good", sources=[QdaSource(guid(1), "a", "Hello")]))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a .qdpx project"),
        (b"Just some text", "not a .qdpx project"),
        (GOOD[: len(GOOD) // 2], "not a .qdpx project"),
        (damaged(GOOD), "damaged|cannot be"),
        (qdpx("").replace(b"project.qde", b"notes.txt00"), "holds no project.qde"),
        (qdpx("<Project name='x'"), "project.qde is not well-formed XML"),
        (qdpx("not xml at all"), "project.qde is not well-formed XML"),
        (qdpx(CODEBOOK), "holds a codebook"),
        (qdpx("<html/>"), "root element of project.qde is <html>"),
    ],
)
def test_a_file_that_is_no_project_is_refused_with_a_reason_and_nothing_else(data, reason):
    with pytest.raises(RefiError, match=reason) as refused:
        read_project(data, "family.qdpx")

    assert refused.value.filename == "family.qdpx"
    assert "Traceback" not in str(refused.value)


def test_the_taguette_launcher_disables_the_update_check_before_taguette_starts(monkeypatch):
    # Fake Taguette modules: the launcher must patch Application, then run main() with the
    # arguments it was given; the real Taguette lives in its own environment, not Buoy's.
    class Application:
        def check_messages(self):
            raise AssertionError("the launcher left the network fetch in place")

    started = []
    base = types.ModuleType("taguette.web.base")
    base.Application = Application  # type: ignore[attr-defined]
    main = types.ModuleType("taguette.main")
    main.main = lambda: started.append(list(sys.argv))  # type: ignore[attr-defined]
    package, web = types.ModuleType("taguette"), types.ModuleType("taguette.web")
    package.web, package.main, web.base = web, main, base  # type: ignore[attr-defined]
    for module in (package, web, base, main):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(sys, "argv", ["-c", "--no-browser", "--bind", "127.0.0.1"])

    runpy.run_path(str(LAUNCHER), run_name="__main__")

    app = Application()
    app.messages_event = asyncio.Event()  # type: ignore[attr-defined]
    app.check_messages()
    assert app.messages_event.is_set()  # type: ignore[attr-defined]
    assert started == [["taguette", "--no-browser", "--bind", "127.0.0.1"]]
