"""Coding pages and API routes that show identifiable data leave an audit event naming what
they showed: the interviews on a case page, the codes × cases table (case numbers, for case
staff) on the page and in its download, and the API's list of transcripts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Case
from buoy.coding import services
from buoy.coding.models import Project, Transcript
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def interview(alice_worker: User, alice_case: Case, casework: Project) -> Transcript:
    transcript = services.import_transcript(
        actor=alice_worker,
        project=casework,
        filename="",
        pasted="妈妈：我们一家人互相支持。",
        case=alice_case,
        title="Interview with 测试母亲",
    )
    services.apply_codes(
        actor=alice_worker,
        transcript=transcript,
        code_ids=[casework.codes.get(label="P-FAM-01").pk],
        start=3,
        end=13,
    )
    return transcript


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_the_case_pages_interviews_section_records_the_transcripts_it_lists(
    alice_worker: User, alice_case: Case, interview: Transcript
) -> None:
    response = logged_in(alice_worker).get(reverse("coding:case_section", args=[alice_case.pk]))
    assert response.status_code == 200
    assert "Interview with 测试母亲" in response.content.decode()
    (event,) = events("coding.transcript.listed")
    assert event.actor == alice_worker
    assert (event.subject_type, event.subject_id) == ("cases.case", str(alice_case.pk))
    assert event.context == {"ids": [interview.pk], "count": 1}


def test_the_codes_by_case_table_records_the_cases_it_shows(
    alice_worker: User, alice_case: Case, interview: Transcript
) -> None:
    casework = interview.project
    response = logged_in(alice_worker).get(
        reverse("coding:tables", args=[casework.pk]), {"by": "case"}
    )
    assert response.status_code == 200
    assert alice_case.reference in response.content.decode()
    # one read of the table, though the page shows it twice (frequency by case, codes × cases)
    (event,) = events("coding.table.viewed")
    assert event.actor == alice_worker
    assert (event.subject_type, event.subject_id) == ("coding.project", str(casework.pk))
    assert event.context == {"table": "cases", "cases": [alice_case.pk]}


@pytest.mark.parametrize(("table", "fmt"), [("cases", "csv"), ("frequency", "xlsx")])
def test_downloading_the_table_by_case_records_the_cases_in_it(
    alice_worker: User, alice_case: Case, interview: Transcript, table: str, fmt: str
) -> None:
    casework = interview.project
    response = logged_in(alice_worker).get(
        reverse("coding:table_download", args=[casework.pk]),
        {"table": table, "format": fmt, "by": "case"},
    )
    assert response.status_code == 200
    (viewed,) = events("coding.table.viewed")
    assert viewed.context == {"table": "cases", "cases": [alice_case.pk]}
    (exported,) = events("coding.table.exported")
    assert exported.context["table"] == table


def test_other_tables_name_no_case_and_record_no_case_read(
    alice_worker: User, interview: Transcript
) -> None:
    response = logged_in(alice_worker).get(
        reverse("coding:table_download", args=[interview.project.pk]),
        {"table": "frequency", "format": "csv", "by": "phase"},
    )
    assert response.status_code == 200
    assert events("coding.table.viewed") == []


def test_the_apis_transcript_list_records_the_transcripts_on_the_page(
    alice_worker: User, bob_same_team: User, interview: Transcript
) -> None:
    response = logged_in(alice_worker).get(reverse("coding-transcript-list"))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [interview.pk]
    (event,) = events("coding.transcript.listed")
    assert event.actor == alice_worker
    assert event.context == {"ids": [interview.pk], "count": 1}
    # someone who may read none of them: the empty list is recorded too
    logged_in(bob_same_team).get(reverse("coding-transcript-list"))
    assert events("coding.transcript.listed")[-1].context == {"ids": [], "count": 0}


def test_the_code_page_records_the_transcripts_of_the_segments_it_lists(
    alice_worker: User, carol_supervisor: User, interview: Transcript
) -> None:
    code = interview.project.codes.get(label="P-FAM-01")
    # a worker may not change the department's codebook: no segments listed, nothing recorded
    logged_in(alice_worker).get(reverse("coding:code_edit", args=[code.pk]))
    assert events("coding.segment.listed") == []
    response = logged_in(carol_supervisor).get(reverse("coding:code_edit", args=[code.pk]))
    assert "Interview with 测试母亲" in response.content.decode()
    (event,) = events("coding.segment.listed")
    assert (event.subject_type, event.subject_id) == ("coding.code", str(code.pk))
    assert event.context == {"transcripts": [interview.pk], "count": 1}


def test_the_agreement_page_records_the_transcripts_whose_text_it_quotes(
    alice_worker: User, carol_supervisor: User, interview: Transcript
) -> None:
    services.apply_codes(
        actor=carol_supervisor,
        transcript=interview,
        code_ids=[interview.project.codes.get(label="P-FAM-01").pk],
        start=3,
        end=8,
    )
    response = logged_in(alice_worker).get(
        reverse("coding:agreement", args=[interview.project.pk]),
        {"first": alice_worker.username, "second": carol_supervisor.username},
    )
    assert "Interview with 测试母亲" in response.content.decode()
    (event,) = events("coding.agreement.viewed")
    assert event.context == {"transcripts": [interview.pk]}
