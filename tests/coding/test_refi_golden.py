"""Golden checks: REFI-QDA exports and imports give exactly what they gave before issue 9.

The domain module was cut into a package and its long functions split (issue 9, a refactor):
the same project must still give the same bytes, the same problems and the same repairs. The
digests below were taken from the code before that change; a change that alters them changes
behaviour, which a refactor must not.
"""

import hashlib
import io
import re
import zipfile

import pytest

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
    write_codebook,
    write_project,
)
from tests.coding.test_refi import (
    CODEBOOK,
    TAGUETTE,
    ZH,
    caregiver_pilot,
    guid,
    project_xml,
    qdpx,
    selection,
    value,
)
from tests.shared_files import shared

# A GUID the reader made up (uuid4) differs from run to run; every other one is fixed.
_NEW_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def digest(data: bytes | str) -> str:
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode("utf-8")).hexdigest()


def written_text(data: bytes) -> str:
    """Everything the file holds, unzipped when it is an archive, for finding its GUIDs."""
    if data[:4] != b"PK\x03\x04":
        return data.decode("utf-8", errors="replace").lower()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [archive.read(info) for info in archive.infolist()]
    return "\n".join(member.decode("utf-8", errors="replace") for member in members).lower()


def stable(result: object, data: bytes) -> str:
    """The import's repr, with GUIDs the reader made up (not in the file) as NEW."""
    written = written_text(data)
    return _NEW_GUID.sub(
        lambda match: match.group(0) if match.group(0) in written else "NEW", repr(result)
    )


def test_the_pilot_project_exports_the_same_bytes():
    assert digest(write_project(caregiver_pilot())) == (
        "9e60bc1b640ab223edabee5189b0e5076f8da3f779861aa194ce01d2fe43bf6c"
    )


def test_the_pilot_codebook_exports_the_same_bytes():
    assert digest(write_codebook(caregiver_pilot().codes)) == (
        "1f1c4dc4891a4719b6bd9b9e6d3aacf12835dadcc5ea3da1d34b1bafa5a723e1"
    )


def test_an_export_of_a_reimported_project_is_the_same_archive_member_by_member():
    first = write_project(caregiver_pilot())
    again = write_project(read_project(first, "pilot.qdpx").project)

    assert again == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert [info.filename for info in archive.infolist()] == [
            "project.qde",
            f"sources/{guid(30)}.txt",
            f"sources/{guid(31)}.txt",
        ]


def broken_project() -> QdaProject:
    """Something wrong in every part, so that every problem export_problems knows is said."""
    return QdaProject(
        name="Bad \x01",
        description="also \x02",
        users=[QdaUser(guid(1), "A"), QdaUser("user-2", "B \x03")],
        codes=[
            QdaCode("not-a-guid", "risk"),
            QdaCode(guid(1), "again", color="red"),
            QdaCode(guid(2), "bell \x07", children=[QdaCode(guid(2), " ")]),
        ],
        variables=[
            QdaVariable(guid(3), "age", "Integer"),
            QdaVariable(guid(4), "x", "Colour"),
            QdaVariable(guid(11), "when", "Date"),
            QdaVariable(guid(12), "at", "DateTime"),
            QdaVariable(guid(13), "yes", "Boolean"),
            QdaVariable(guid(14), "much", "Float"),
            QdaVariable(guid(15), "said", "Text"),
        ],
        sources=[
            QdaSource(guid(5), "s", "short"),
            QdaSource(guid(16), "surrogate", "a\ud800b", creator_guid=guid(95)),
        ],
        cases=[
            QdaCase(
                guid(6),
                "c",
                values={
                    guid(3): "thirty",
                    guid(4): "blue",
                    guid(11): "2026-02-30",
                    guid(12): "2026-01-15 10:00",
                    guid(13): "yes",
                    guid(14): "1,5",
                    guid(15): "bell \x07",
                    guid(94): "x",
                },
                source_guids=[guid(99), guid(5)],
            )
        ],
        codings=[
            QdaCoding(guid(7), guid(5), 2, 40, guid(2)),
            QdaCoding(guid(8), guid(5), 0, 2, guid(98), coder_guid=guid(97)),
            QdaCoding(guid(17), guid(93), 0, 2, guid(2)),
            QdaCoding(guid(7), guid(5), 3, 3, guid(2)),
        ],
        notes=[
            QdaNote(guid(9), "n", "", target_guids=[guid(96), guid(6)]),
            QdaNote(guid(18), "m \x04", "", creator_guid=guid(92), target_guids=[guid(9)]),
        ],
    )


def test_an_invalid_project_gets_the_same_problems_in_the_same_order():
    problems = export_problems(broken_project())

    assert len(problems) == 31
    assert digest("\n".join(problems)) == (
        "cf1a1456b8fabaf43c9fbb17a4ab23ec0c3dce486480eeeedd20e58fdca15dcc"
    )
    with pytest.raises(ValueError, match="Cannot export the project") as refused:
        write_project(broken_project())
    assert str(refused.value) == "Cannot export the project: " + " ".join(problems)


def test_an_invalid_codebook_gets_the_same_problems():
    problems = codebook_problems(broken_project().codes)

    assert digest("\n".join(problems)) == (
        "5e80376b3a3cfa4bca19da266ec814dc80d5eb57566a9eaf54481275a2399983"
    )


def messy_project() -> bytes:
    """A project with many of the faults other programs' files have, in every part."""
    coded = (
        selection(10, 16)
        + selection(0, 2, code=guid(9), number=30)
        + selection(5, 500, number=40)
        + selection(4, 4, number=50)
        + f'<PlainTextSelection guid="{guid(60)}" startPosition="x" endPosition="3"/>'
        + f'<PlainTextSelection guid="{guid(70)}" startPosition="0" endPosition="3"/>'
        + f'<PlainTextSelection guid="{guid(80)}" startPosition="1" endPosition="5" '
        f'creatingUser="{guid(5)}" creationDateTime="2026-01-15">'
        f'<Description>a memo</Description><Coding guid="{guid(81)}" creatingUser="x">'
        f'<CodeRef targetGUID="{guid(1)}"/><NoteRef targetGUID="{guid(90)}"/></Coding>'
        f'<NoteRef targetGUID="{guid(91)}"/></PlainTextSelection>'
        f'<Coding guid="{guid(82)}"><CodeRef targetGUID="{guid(1)}"/></Coding>'
        f'<NoteRef targetGUID="{guid(90)}"/><NoteRef targetGUID="{guid(89)}"/>'
        f'<VariableValue><VariableRef targetGUID="{guid(100)}"/></VariableValue>'
    )
    body = (
        f'<Users><User guid="{guid(5)}" name="Rita"/><User guid="{guid(5)}" name="again"/>'
        "</Users>"
        "<CodeBook><Codes>"
        f'<Code guid="{guid(1)}" name="risk" isCodable="true" color="#abc">'
        f'<Description>money</Description><NoteRef targetGUID="{guid(90)}"/>'
        f'<Code guid="{{{guid(2).upper()}}}" name="" isCodable="1" color="2ECC71"/></Code>'
        f'<Code guid="{guid(3)}" name="x" isCodable="maybe" color="red"/>'
        "</Codes></CodeBook>"
        f'<Variables><Variable guid="{guid(100)}" name="age" typeOfVariable="Integer"/>'
        f'<Variable guid="{guid(101)}" name="" typeOfVariable="Memo"/>'
        f'<Variable guid="{guid(102)}" name="on" typeOfVariable="Date"/></Variables>'
        "<Sources>"
        f'<TextSource guid="{guid(10)}" name="interview" plainTextPath="internal://{guid(10)}.txt" '
        f'creatingUser="{guid(6)}" creationDateTime="yesterday">{coded}</TextSource>'
        f'<TextSource guid="{guid(11)}" plainTextPath="Sources\\Other.TXT"/>'
        f'<TextSource guid="{guid(12)}" name="gone" plainTextPath="internal://gone.txt"/>'
        f'<TextSource guid="{guid(13)}" name="rich" richTextPath="internal://r.docx"/>'
        f'<TextSource guid="{guid(14)}" name="both" plainTextPath="internal://{guid(14)}.txt">'
        "<PlainTextContent>\ufeffinline</PlainTextContent></TextSource>"
        f'<TextSource guid="{guid(15)}" name="inline only" plainTextPath="internal://none.txt">'
        "<PlainTextContent>\ufeffthe inline text</PlainTextContent></TextSource>"
        f'<PictureSource guid="{guid(16)}" name="photo"/>'
        "</Sources>"
        f'<Cases><Case guid="{guid(20)}" name=" A ">'
        + value(guid(100), "<TextValue> 34 </TextValue>")
        + value(guid(100), "<IntegerValue>old</IntegerValue>")
        + value(guid(109), "<TextValue>x</TextValue>")
        + value(guid(101), "<TextValue> kind </TextValue>")
        + value(guid(102), "<DateValue>2026-02-30</DateValue>")
        + f'<SourceRef targetGUID="{guid(10)}"/><SourceRef targetGUID="{guid(10)}"/>'
        f'<SourceRef targetGUID="{guid(16)}"/><SourceRef targetGUID="{guid(8)}"/>'
        f'<CodeRef targetGUID="{guid(1)}"/></Case></Cases>'
        f'<Notes><Note guid="{guid(90)}" name="m" creationDateTime="2026-02-01T08:00:00+08:00">'
        "<PlainTextContent>on the passage</PlainTextContent></Note>"
        f'<Note guid="{guid(91)}" plainTextPath="internal://missing-note.txt"/>'
        f'<Note guid="{guid(92)}" name="about a case"><PlainTextContent>case memo'
        "</PlainTextContent></Note></Notes>"
        f'<Links><Link guid="{guid(60)}" originGUID="{guid(1)}" targetGUID="{guid(10)}"/>'
        f'<Link guid="{guid(61)}" originGUID="{guid(92)}" targetGUID="{guid(20)}"/>'
        f'<Link guid="{guid(62)}" originGUID="{guid(20)}" targetGUID="{guid(90)}"/></Links>'
        f'<Sets/><Sets><Set guid="{guid(70)}" name="s"/></Sets><Graphs/>'
        "<Description>the project</Description>"
    )
    return qdpx(
        project_xml(body, name=""),
        {
            f"sources/{guid(10)}.txt": b"\xef\xbb\xbf" + ZH.encode(),
            "sources/other.txt": "Café au lait".encode("latin-1"),
            f"sources/{guid(14)}.txt": ZH.encode("utf-16"),
        },
    )


def taguette_style_project() -> bytes:
    """Taguette's flat codebook and positions counted in UTF-8 bytes, as a converter writes."""
    codebook = (
        (TAGUETTE / "codebook.qdc").read_text("utf-8").split("<Codes>")[1].split("</Codes>")[0]
    )
    economic = "55C31D73-425C-5810-B0EB-7E577CAB00C9"
    qde = project_xml(
        f"<CodeBook><Codes>{codebook}</Codes></CodeBook><Sources>"
        f'<TextSource guid="{guid(10)}" name="访谈" plainTextPath="internal://{guid(10)}.txt">'
        # Bytes 28..46 are the characters 10..16 (看病花钱很多), bytes 0..6 the first two.
        f"{selection(28, 46, code=economic)}{selection(0, 6, code=economic, number=30)}"
        "</TextSource></Sources>"
    )
    return qdpx(qde, {f"sources/{guid(10)}.txt": ZH.encode()})


PROJECTS = {
    "pilot": lambda: write_project(caregiver_pilot()),
    "example": lambda: shared("samples", "refi-qda", "example.qdpx").read_bytes(),
    "messy": messy_project,
    "taguette-style": taguette_style_project,
    "bare": lambda: project_xml(CODEBOOK + "<Sources/>").encode(),
}
CODEBOOKS = {
    "example": lambda: shared("samples", "refi-qda", "example.qdc").read_bytes(),
    "taguette": lambda: (TAGUETTE / "codebook.qdc").read_bytes(),
    "pilot": lambda: write_codebook(caregiver_pilot().codes),
}
PROJECT_DIGESTS = {
    "pilot": "84b7a5333658be924b58b6ef4c761e4bce76a85a09acc23ea6a7bf0fde5a8485",
    "example": "55691436a713cbffd1dabe179df6954fcdc664123d49401110de06d97e03f053",
    "messy": "06ff62837c2f2cdc22480fca7566eed9973e82dd1869b62747bf896a831f2133",
    "taguette-style": "5b367fa9eaa3a0b715a952b5449d9c31370aca1158702c9d70d76a55aedc104a",
    "bare": "7f1320add7a25f971e2802f7eca75343dcd7eee5626d8406d8db3c6f8c7e9794",
}
CODEBOOK_DIGESTS = {
    "example": "e657e58994eb14a7c11e411fbf7d8c179ede08965e86ef631fcb5b0bc0423549",
    "taguette": "78d1e047d1b29aafeb0cdde40ee3e84981ce98d1cef749ee778f1165320983c1",
    "pilot": "35c425969079848fd1d1d5b8f6cc3167540037803b63fb62097b30788838274b",
}


@pytest.mark.parametrize("name", PROJECTS)
def test_a_project_imports_with_the_same_result_and_repairs(name):
    data = PROJECTS[name]()

    assert digest(stable(read_project(data, f"{name}.qdpx"), data)) == PROJECT_DIGESTS[name]


@pytest.mark.parametrize("name", CODEBOOKS)
def test_a_codebook_imports_with_the_same_result_and_repairs(name):
    data = CODEBOOKS[name]()

    assert digest(stable(read_codebook(data, f"{name}.qdc"), data)) == CODEBOOK_DIGESTS[name]


REFUSED = [
    (
        b"",
        "p.qdpx",
        "it is not a .qdpx project: a .qdpx is a zip archive, and this file is not one "
        "(or it was cut short).",
    ),
    (
        qdpx(CODEBOOK),
        "p.qdpx",
        "it holds a codebook (<CodeBook>), not a project; import it as one.",
    ),
    (qdpx("<html/>"), "p.qdpx", "the root element of project.qde is <html>, not <Project>."),
    (
        qdpx("").replace(b"project.qde", b"notes.txt00"),
        "p.qdpx",
        "the archive holds no project.qde, so it is not a project.",
    ),
    (
        b"PK\x03\x04rest",
        "c.qdc",
        "it is a zip archive (a .qdpx project?), not a .qdc codebook; import it as a project.",
    ),
    (
        project_xml("").encode(),
        "c.qdc",
        "it is a REFI-QDA project (<Project>), not a codebook (<CodeBook>).",
    ),
    (b"<html/>", "c.qdc", "its root element is <html>, so it is not a REFI-QDA codebook."),
    (
        b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>',
        "c.qdc",
        "it holds no codes.",
    ),
]


@pytest.mark.parametrize(("data", "filename", "reason"), REFUSED)
def test_a_file_that_cannot_be_read_is_refused_with_the_same_sentence(data, filename, reason):
    read = read_codebook if filename.endswith(".qdc") else read_project
    with pytest.raises(RefiError) as refused:
        read(data, filename)

    assert refused.value.reason == reason
