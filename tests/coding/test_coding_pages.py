"""The coding pages through the Django test client, on the real database, with the personas."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.coding import services
from buoy.coding.models import CodedSegment, Memo, Project, Transcript
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

WORDS = "我相信她会好起来"


@pytest.fixture
def interview_text() -> str:
    """An emoji (one code point, two UTF-16 units) before the words that will be coded."""
    return "社工：最近怎么样？\n妈妈：😀我相信她会好起来，奶奶也来帮忙。\n"


@pytest.fixture
def alice(alice_worker: User) -> Client:
    return logged_in(alice_worker)


def code_id(project: Project, label: str) -> int:
    return project.codes.get(label=label).pk


def apply(client: Client, transcript: Transcript, code: int, start: int, end: int, **headers):
    return client.post(
        reverse("coding:apply", args=[transcript.pk]),
        {"code": code, "start": start, "end": end},
        **headers,
    )


def test_the_coding_pages_render_for_the_assigned_worker(
    alice: Client, casework: Project, transcript: Transcript
) -> None:
    pages = [
        reverse("coding:projects"),
        reverse("coding:project", args=[casework.pk]),
        reverse("coding:transcript", args=[transcript.pk]),
        reverse("coding:query", args=[casework.pk]),
        reverse("coding:tables", args=[casework.pk]),
        reverse("coding:search"),
        reverse("coding:agreement", args=[casework.pk]),
    ]
    for url in pages:
        assert alice.get(url).status_code == 200, url
    screen = alice.get(reverse("coding:transcript", args=[transcript.pk])).content.decode()
    assert 'id="transcript-text"' in screen
    assert "coding/coding.js" in screen
    assert (
        "Intake interview"
        in alice.get(reverse("coding:project", args=[casework.pk])).content.decode()
    )


def test_applying_stores_code_points_when_an_emoji_comes_before_the_selection(
    alice: Client, casework: Project, transcript: Transcript
) -> None:
    start = transcript.text.index(WORDS)  # code points: the emoji counts as one
    assert transcript.text[start - 1] == "😀"
    response = apply(alice, transcript, code_id(casework, "P-IND-01"), start, start + len(WORDS))
    assert response.status_code == 302
    segment = CodedSegment.objects.get()
    assert transcript.text[segment.start : segment.end] == WORDS
    assert (segment.start, segment.end) == (start, start + 8)


def test_a_fragment_request_gets_the_workspace_with_the_coded_run(
    alice: Client, casework: Project, transcript: Transcript
) -> None:
    start = transcript.text.index(WORDS)
    code = code_id(casework, "P-IND-01")
    response = apply(alice, transcript, code, start, start + len(WORDS), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="workspace"')
    assert "<html" not in html
    run = f'data-start="{start}" data-end="{start + len(WORDS)}" data-codes="{code}"'
    assert run in html


def test_a_selection_outside_the_text_is_refused_with_a_message_and_400(
    alice: Client, casework: Project, transcript: Transcript
) -> None:
    response = apply(
        alice, transcript, code_id(casework, "P-IND-01"), 5, 10_000, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert CodedSegment.objects.count() == 0


def test_undo_takes_the_last_code_off_again(
    alice: Client, casework: Project, transcript: Transcript
) -> None:
    apply(alice, transcript, code_id(casework, "P-IND-01"), 0, 2)
    assert CodedSegment.objects.current().count() == 1
    response = alice.post(reverse("coding:undo", args=[transcript.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert CodedSegment.objects.current().count() == 0
    nothing_left = alice.post(reverse("coding:undo", args=[transcript.pk]), HTTP_HX_REQUEST="true")
    assert nothing_left.status_code == 400


def test_removing_a_segment_and_writing_memos(
    alice: Client, casework: Project, transcript: Transcript
) -> None:
    apply(alice, transcript, code_id(casework, "P-IND-01"), 0, 2)
    segment = CodedSegment.objects.get()
    alice.post(
        reverse("coding:memo_new", args=[transcript.pk]), {"text": "hopeful", "segment": segment.pk}
    )
    alice.post(reverse("coding:memo_new", args=[transcript.pk]), {"text": "whole interview"})
    assert Memo.objects.get(segment=segment).text == "hopeful"
    assert Memo.objects.get(transcript=transcript).text == "whole interview"
    response = alice.post(reverse("coding:segment_remove", args=[segment.pk]))
    assert response.status_code == 302
    assert CodedSegment.objects.current().count() == 0


def test_another_worker_gets_404_for_alices_transcript(
    bob_same_team: User, casework: Project, transcript: Transcript
) -> None:
    bob = logged_in(bob_same_team)
    assert bob.get(reverse("coding:transcript", args=[transcript.pk])).status_code == 404
    assert apply(bob, transcript, code_id(casework, "P-IND-01"), 0, 2).status_code == 404
    assert CodedSegment.objects.count() == 0


def test_importing_pasted_text_on_a_case_by_its_number(
    alice: Client, alice_case: Case, casework: Project
) -> None:
    response = alice.post(
        reverse("coding:transcript_import", args=[casework.pk]),
        {"title": "Second visit", "pasted": "妈妈：还好。", "case": alice_case.reference},
    )
    transcript = Transcript.objects.get(title="Second visit")
    assert response.status_code == 302
    assert transcript.case == alice_case


def test_query_finds_the_coded_text_and_tables_download_as_csv_and_xlsx(
    alice: Client, casework: Project, transcript: Transcript
) -> None:
    start = transcript.text.index(WORDS)
    apply(alice, transcript, code_id(casework, "P-IND-01"), start, start + len(WORDS))
    page = alice.get(reverse("coding:query", args=[casework.pk]), {"q": "P-IND-01"})
    assert WORDS in page.content.decode()
    bad = alice.get(reverse("coding:query", args=[casework.pk]), {"q": "P-IND-01 AND ("})
    assert bad.status_code == 400
    hits_csv = alice.get(
        reverse("coding:query", args=[casework.pk]), {"q": "P-IND-01", "format": "csv"}
    )
    hit_rows = list(csv.reader(io.StringIO(hits_csv.content.decode("utf-8-sig"))))
    assert hit_rows[0] == ["Transcript", "Case", "Start", "End", "Text"]
    assert hit_rows[1][2:] == [str(start), str(start + len(WORDS)), WORDS]
    hits_xlsx = alice.get(
        reverse("coding:query", args=[casework.pk]), {"q": "P-IND-01", "format": "xlsx"}
    )
    assert load_workbook(io.BytesIO(hits_xlsx.content)).active.cell(2, 5).value == WORDS

    url = reverse("coding:table_download", args=[casework.pk])
    for table in ("frequency", "cooccurrence", "cases"):
        response = alice.get(url, {"table": table, "format": "csv"})
        assert response["Content-Disposition"].startswith("attachment;")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][0] == "Code"
        if table != "cooccurrence":
            line = next(row for row in rows if row[0].startswith("P-IND-01 "))
            assert line[-1] == "1"
        xlsx = alice.get(url, {"table": table, "format": "xlsx"})
        assert xlsx["Content-Disposition"].endswith('.xlsx"')
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet.cell(1, 1).value == "Code"


def test_search_marks_the_words_and_escapes_the_text(
    alice: Client, alice_worker: User, alice_case: Case, casework: Project
) -> None:
    services.import_transcript(
        actor=alice_worker,
        project=casework,
        filename="",
        pasted="妈妈：<b>奶奶</b>来照顾小女儿。",
        case=alice_case,
        title="Grandmother",
    )
    html = alice.get(reverse("coding:search"), {"q": "奶奶"}).content.decode()
    assert "<mark>奶奶</mark>" in html
    assert "&lt;b&gt;" in html
    assert "<b>" not in html


def test_the_agreement_page_shows_kappa_for_two_coders(
    alice_worker: User, carol_supervisor: User, casework: Project, transcript: Transcript
) -> None:
    start = transcript.text.index(WORDS)
    code = code_id(casework, "P-IND-01")
    services.apply_codes(
        actor=alice_worker, transcript=transcript, code_ids=[code], start=start, end=start + 8
    )
    services.apply_codes(
        actor=carol_supervisor, transcript=transcript, code_ids=[code], start=start, end=start + 4
    )
    carol = logged_in(carol_supervisor)
    response = carol.get(
        reverse("coding:agreement", args=[casework.pk]),
        {"first": alice_worker.username, "second": carol_supervisor.username},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kappa" in html
    # 31 characters: both 4, Alice only 4, neither 23; po = 27/31, pe = 8*4/961 + 23*27/961
    assert "<td>0.871</td><td>0.597</td>" in html
    assert "好起来" in html  # the stretch only Alice coded
    # segment level: [s, s+8) and [s, s+4) overlap by 50 % < 90 %: two units, each coded by
    # one coder only, so agreement 0 and kappa (0 - 0.5) / (1 - 0.5) = -1
    assert "Segment level" in html
    assert "<td>0.000</td><td>-1.000</td>" in html


def test_memo_report_lists_memos_and_downloads_as_csv(alice_worker, alice_case, casework):
    import csv
    import io

    from django.test import Client
    from django.urls import reverse

    from buoy.coding import services

    transcript = services.import_transcript(
        actor=alice_worker, project=casework, filename="", pasted="妈妈：还好。", case=alice_case
    )
    services.write_memo(
        actor=alice_worker, project=casework, text="关于转录稿", transcript=transcript
    )
    client = Client()
    client.force_login(alice_worker)
    url = reverse("coding:memos", args=[casework.pk])
    saved = client.post(
        url, {"text": "about hope", "code": casework.codes.get(label="P-IND-02").pk}
    )
    assert saved.status_code == 302
    page = client.get(url)
    assert "关于转录稿" in page.content.decode()
    assert "about hope" in page.content.decode()
    rows = list(
        csv.reader(io.StringIO(client.get(url, {"format": "csv"}).content.decode("utf-8-sig")))
    )
    assert [row[3] for row in rows[1:]] == ["关于转录稿", "about hope"]
    assert rows[2][0] == "code"
    refused = client.post(url, {"text": ""})
    assert refused.status_code == 400
    about_case = client.post(url, {"text": "家访安排", "case": alice_case.pk})
    assert about_case.status_code == 302
    case_rows = list(
        csv.reader(io.StringIO(client.get(url, {"format": "csv"}).content.decode("utf-8-sig")))
    )
    assert case_rows[-1][:4] == ["case", alice_case.reference, "", "家访安排"]


def test_the_case_page_lists_the_cases_interviews(
    alice_worker, bob_same_team, alice_case, casework
):
    from django.test import Client
    from django.urls import reverse

    from buoy.coding import services

    transcript = services.import_transcript(
        actor=alice_worker,
        project=casework,
        filename="",
        pasted="妈妈：还好。",
        case=alice_case,
        title="First interview",
    )
    client = Client()
    client.force_login(alice_worker)
    case_page = client.get(reverse("cases:detail", args=[alice_case.pk])).content.decode()
    assert reverse("coding:case_section", args=[alice_case.pk]) in case_page
    section = client.get(reverse("coding:case_section", args=[alice_case.pk]))
    assert "First interview" in section.content.decode()
    assert reverse("coding:transcript", args=[transcript.pk]) in section.content.decode()
    other = Client()
    other.force_login(bob_same_team)
    assert other.get(reverse("coding:case_section", args=[alice_case.pk])).status_code == 404


def test_import_records_the_interviews_date_interviewer_timepoint_and_caregiver(
    alice_worker, alice_case, casework
):
    import datetime as dt

    from django.test import Client
    from django.urls import reverse

    from buoy.coding.models import Transcript

    client = Client()
    client.force_login(alice_worker)
    response = client.post(
        reverse("coding:transcript_import", args=[casework.pk]),
        {
            "title": "Baseline interview",
            "pasted": "社工：您好。\n妈妈：您好。",
            "case": alice_case.reference,
            "interview_date": "2026-11-20",
            "interviewer": "Alice",
            "timepoint": "baseline",
            "consent_recorded": "on",
        },
    )
    assert response.status_code == 302
    transcript = Transcript.objects.get(title="Baseline interview")
    assert transcript.interview_date == dt.date(2026, 11, 20)
    assert transcript.interviewer == "Alice"
    assert transcript.timepoint is not None
    assert transcript.timepoint.code == "baseline"
    assert transcript.consent_recorded
    assert transcript.caregiver == alice_case.caregivers.get(is_primary=True)
    bad = client.post(
        reverse("coding:transcript_import", args=[casework.pk]),
        {"pasted": "x", "timepoint": "no-such-timepoint"},
    )
    assert bad.status_code == 400
    assert Transcript.objects.count() == 1
