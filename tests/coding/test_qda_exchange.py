"""REFI-QDA export validates against the published schemas and re-imports with nothing lost;
Taguette's real exports import; `buoy qda` prints what the issue asks for.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import xmlschema

from buoy.cli import main
from buoy.coding import selectors, services
from buoy.coding.models import CodedSegment, Memo, Project, Transcript
from buoy.core.errors import InvalidInput
from tests.shared_files import shared

pytestmark = pytest.mark.django_db
TAGUETTE = Path(__file__).parent / "fixtures" / "taguette"


@pytest.fixture
def coded_study(rita_researcher, bob_same_team):
    study = services.start_project(actor=rita_researcher, name="Study A")
    services.add_member(actor=rita_researcher, project=study, user=bob_same_team)
    first = services.import_transcript(
        actor=rita_researcher,
        project=study,
        filename="",
        pasted="访谈者：最近怎么样？😀\n母亲：我们借了三十万，但奶奶来帮忙。\ncafé au lait",
        title="访谈一",
    )
    debt = study.codes.get(label="R-ECO-01")
    family = study.codes.get(label="P-FAM-04")
    start = first.text.index("我们借了三十万")
    (segment,) = services.apply_codes(
        actor=rita_researcher, transcript=first, code_ids=[debt.pk], start=start, end=start + 7
    )
    grandma = first.text.index("奶奶来帮忙")
    services.apply_codes(
        actor=bob_same_team, transcript=first, code_ids=[family.pk], start=grandma, end=grandma + 5
    )
    services.apply_codes(
        actor=bob_same_team, transcript=first, code_ids=[debt.pk], start=start, end=start + 4
    )
    services.write_memo(actor=rita_researcher, project=study, text="债务很重", segment=segment)
    services.write_memo(actor=rita_researcher, project=study, text="about the code", code=debt)
    services.write_memo(actor=rita_researcher, project=study, text="whole study")
    return study


def test_qdpx_and_qdc_exports_validate_against_the_refi_schemas(coded_study) -> None:
    data, content_type, name = selectors.export_for(None, coded_study, "qdpx")
    assert name == "Study_A.qdpx"
    assert content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        project_xml = archive.read("project.qde")
        assert any(n.startswith("sources/") for n in archive.namelist())
    xmlschema.XMLSchema(shared("samples/refi-qda/Project.xsd")).validate(project_xml)
    codebook, _type, _name = selectors.export_for(None, coded_study, "qdc")
    xmlschema.XMLSchema(shared("samples/refi-qda/Codebook.xsd")).validate(codebook)


def test_our_export_reimports_with_nothing_lost(coded_study) -> None:
    data, _type, _name = selectors.export_for(None, coded_study, "qdpx")
    result = services.import_refi(actor=None, filename="a.qdpx", data=data, project_name="Copy")
    copy = result.project
    assert selectors.project_stats(copy) == selectors.project_stats(coded_study)
    original = Transcript.objects.get(project=coded_study)
    again = Transcript.objects.get(project=copy)
    assert again.text == original.text

    def pairs(project):
        return sorted(
            (s.code.name_en, s.coder.username, s.start, s.end, s.transcript.text[s.start : s.end])
            for s in CodedSegment.objects.current().filter(transcript__project=project)
        )

    def parents(project):
        return sorted(
            (c.name_en, c.parent.name_en if c.parent else "", c.codable, c.colour.upper())
            for c in project.codes.all()
        )

    def memo_targets(project):
        return sorted(
            (m.text, bool(m.segment_id), bool(m.code_id))
            for m in Memo.objects.filter(project=project)
        )

    assert pairs(copy) == pairs(coded_study)
    assert parents(copy) == parents(coded_study)
    assert memo_targets(copy) == memo_targets(coded_study)


def test_a_corrupt_qdpx_changes_nothing(rita_researcher) -> None:
    before = (Transcript.objects.count(), CodedSegment.objects.count())
    with pytest.raises(InvalidInput, match=r"broken\.qdpx"):
        services.import_refi(actor=None, filename="broken.qdpx", data=b"PK\x03\x04garbage")
    assert (Transcript.objects.count(), CodedSegment.objects.count()) == before
    assert not Project.objects.filter(name="broken").exists()


def test_taguettes_codebook_export_imports_as_a_hierarchy() -> None:
    result = services.import_refi(
        actor=None, filename="codebook.qdc", data=(TAGUETTE / "codebook.qdc").read_bytes()
    )
    codes = {c.name_en: c for c in result.project.codes.all()}
    # "risk/treatment/side effects": two levels below "risk", which was a tag of its own
    assert codes["side effects"].parent == codes["treatment"]
    assert codes["treatment"].parent == codes["risk"]
    assert codes["risk"].codable
    # "protective" was never a tag: created as a category to hold its children
    assert not codes["protective"].codable
    assert not codes["treatment"].codable
    assert codes["family"].parent == codes["protective"]
    assert any("created it as a category" in r for r in result.repairs)
    assert any("<Sets>" in r for r in result.repairs)


def test_cli_stats_agreement_export_and_import(coded_study, tmp_path, capsys) -> None:
    assert main(["qda", "stats", "Study A", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats == {"documents": 1, "codes": 60, "coded_segments": 3, "memos": 3, "users": 2}
    assert (
        main(
            [
                "qda",
                "agreement",
                "Study A",
                "--coders",
                "rita_researcher",
                "bob_same_team",
                "--json",
            ]
        )
        == 0
    )
    agreement = json.loads(capsys.readouterr().out)
    assert set(agreement) == {"overall", "codes"}
    assert set(agreement["overall"]) == {"percent_agreement", "kappa"}
    debt = agreement["codes"]["Catastrophic costs / debt"]
    transcript = Transcript.objects.get(project=coded_study)
    # rita coded 7 characters, bob 4 of them: 3 disagree out of the transcript's length
    assert debt["percent_agreement"] == pytest.approx((transcript.length - 3) / transcript.length)
    out = tmp_path / "study.qdpx"
    assert main(["qda", "export", "Study A", "--format", "qdpx", "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["qda", "import", str(out), "--project", "Study B"]) == 0
    assert "3 coded segments" in capsys.readouterr().out
    for fmt in ("csv", "xlsx", "qdc"):
        assert (
            main(["qda", "export", "Study A", "--format", fmt, "-o", str(tmp_path / f"x.{fmt}")])
            == 0
        )
    assert "我们借了三十万" in (tmp_path / "x.csv").read_text("utf-8-sig")
    assert main(["qda", "stats", "No such project"]) == 2
    assert "no project called" in capsys.readouterr().err
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"not a zip")
    assert main(["qda", "import", str(bad)]) == 2
    assert "bad.qdpx" in capsys.readouterr().err


def test_case_transcripts_export_as_cases_with_variables_and_no_names(
    alice_worker, alice_case, casework
) -> None:
    services.import_transcript(
        actor=alice_worker, project=casework, filename="", pasted="妈妈：还好。", case=alice_case
    )
    data, _type, _name = selectors.export_for(None, casework, "qdpx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        project_xml = archive.read("project.qde")
    xmlschema.XMLSchema(shared("samples/refi-qda/Project.xsd")).validate(project_xml)
    text = project_xml.decode()
    assert 'name="case-1"' in text
    assert alice_case.reference not in text
    assert alice_case.child.full_name not in text
    assert "C91.0" in text
    assert 'name="diagnosis"' in text


def test_the_casework_project_leaves_only_when_asked_in_so_many_words(
    alice_worker, alice_case, casework, tmp_path, capsys
) -> None:
    services.import_transcript(
        actor=alice_worker, project=casework, filename="", pasted="妈妈：还好。", case=alice_case
    )
    out = tmp_path / "casework.qdpx"
    assert main(["qda", "export", casework.name, "--format", "qdpx", "-o", str(out)]) == 2
    assert "identifiable" in capsys.readouterr().err
    assert not out.exists()
    assert main(["qda", "export", casework.name, "--format", "qdc", "-o", str(out)]) == 0
    command = ["qda", "export", casework.name, "--format", "qdpx", "-o", str(out)]
    assert main([*command, "--include-identifiable"]) == 0
