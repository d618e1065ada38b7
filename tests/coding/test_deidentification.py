"""De-identified copies: a person confirms what to replace; researchers see only the copy."""

from __future__ import annotations

import pytest

from buoy.audit.models import AuditEvent
from buoy.cases import services as case_services
from buoy.coding import selectors, services
from buoy.coding.domain.redaction import Replacement
from buoy.coding.models import CodedSegment, Transcript
from buoy.core.errors import InvalidInput, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def interview(alice_worker, alice_case, casework):
    child = alice_case.child.full_name
    text = (
        f"社工：{child}最近怎么样？\n"
        f"妈妈：{child}化疗后好多了。我的电话是13912345678，我们住在北京市朝阳区。\n"
    )
    return services.import_transcript(
        actor=alice_worker, project=casework, filename="", pasted=text, case=alice_case
    )


@pytest.fixture
def study(rita_researcher, alice_worker):
    project = services.start_project(actor=rita_researcher, name="Study")
    services.add_member(actor=rita_researcher, project=project, user=alice_worker)
    return project


@pytest.fixture
def research_consent(alice_worker, alice_case):
    return case_services.record_consent(
        actor=alice_worker,
        case=alice_case,
        caregiver=alice_case.caregivers.get(),
        scope="research",
        given_on=alice_case.opened_on,
    )


def test_suggestions_find_the_childs_name_phone_and_place(alice_worker, alice_case, interview):
    found = selectors.redaction_suggestions(alice_worker, interview)
    texts = {(s.kind, s.text) for s in found}
    assert ("name", alice_case.child.full_name) in texts
    assert ("phone", "13912345678") in texts
    assert any(kind == "place" and "北京" in text for kind, text in texts)
    assert AuditEvent.objects.filter(action="coding.transcript.redaction_suggested").exists()


def test_the_copy_replaces_what_was_confirmed_and_carries_codings(
    alice_worker, rita_researcher, alice_case, interview, study, research_consent
):
    casework = interview.project
    better = interview.text.index("化疗后好多了")
    services.apply_codes(
        actor=alice_worker,
        transcript=interview,
        code_ids=[casework.codes.get(label="P-MED-02").pk],
        start=better,
        end=better + 6,
    )
    accepted = selectors.redaction_suggestions(alice_worker, interview)
    copy = services.make_deidentified_copy(
        actor=alice_worker,
        transcript=interview,
        project=study,
        accepted=accepted,
        carry_codings=True,
    )
    assert alice_case.child.full_name not in copy.text
    assert "13912345678" not in copy.text
    assert "[姓名]" in copy.text
    assert copy.is_deidentified
    assert copy.deidentified_from == interview
    interview.refresh_from_db()
    assert alice_case.child.full_name in interview.text  # the original is never changed
    (carried,) = CodedSegment.objects.filter(transcript=copy)
    assert carried.code.project == study
    assert carried.code.label == "P-MED-02"
    assert copy.text[carried.start : carried.end] == "化疗后好多了"
    # researchers see the copy, never the original
    visible = set(selectors.transcripts_visible_to(rita_researcher))
    assert visible == {copy}
    with pytest.raises(NotFound):
        selectors.get_transcript_for(rita_researcher, interview.pk)
    event = AuditEvent.objects.get(action="coding.transcript.deidentified")
    assert event.context["original"] == interview.pk


def test_no_copy_without_research_consent(alice_worker, interview, study):
    with pytest.raises(InvalidInput, match="research consent"):
        services.make_deidentified_copy(
            actor=alice_worker, transcript=interview, project=study, accepted=[]
        )
    assert Transcript.objects.filter(project=study).count() == 0


def test_a_withdrawn_consent_stops_new_copies(alice_worker, interview, study, research_consent):
    case_services.withdraw_consent(
        actor=alice_worker, consent=research_consent, withdrawn_on=research_consent.given_on
    )
    with pytest.raises(InvalidInput, match="research consent"):
        services.make_deidentified_copy(
            actor=alice_worker, transcript=interview, project=study, accepted=[]
        )


def test_only_members_copy_and_only_people_who_read_the_case(
    bob_same_team, dan_other_ward, interview, study, research_consent
):
    with pytest.raises(NotFound):
        services.make_deidentified_copy(
            actor=bob_same_team, transcript=interview, project=study, accepted=[]
        )
    services.add_member(actor=None, project=study, user=dan_other_ward)
    with pytest.raises(NotFound):
        services.make_deidentified_copy(
            actor=dan_other_ward, transcript=interview, project=study, accepted=[]
        )


def test_overlapping_or_stale_redactions_are_refused(
    alice_worker, interview, study, research_consent
):
    with pytest.raises(InvalidInput, match="overlaps"):
        services.make_deidentified_copy(
            actor=alice_worker,
            transcript=interview,
            project=study,
            accepted=[Replacement(0, 5, "[X]"), Replacement(3, 8, "[Y]")],
        )
    assert Transcript.objects.filter(project=study).count() == 0


def test_the_page_lists_suggestions_and_makes_the_copy(
    alice_worker, alice_case, interview, study, research_consent
):
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(alice_worker)
    url = reverse("coding:deidentify", args=[interview.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "13912345678" in page.content.decode()
    keys = [s for s in page.context["rows"] if s["suggestion"].kind in ("name", "phone")]
    response = client.post(
        url,
        {
            "accept": [row["key"] for row in keys],
            "extra": "朝阳区",
            "project": study.pk,
            "carry": "on",
        },
    )
    copy = Transcript.objects.get(project=study)
    assert response.status_code == 302
    assert response["Location"] == reverse("coding:transcript", args=[copy.pk])
    assert alice_case.child.full_name not in copy.text
    assert "朝阳区" not in copy.text
    assert "[removed]" in copy.text or "[已删除]" in copy.text


def test_the_page_refuses_without_a_project_and_saves_nothing(alice_worker, interview):
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(alice_worker)
    response = client.post(reverse("coding:deidentify", args=[interview.pk]), {"accept": []})
    assert response.status_code == 400
    assert Transcript.objects.filter(is_deidentified=True).count() == 0


def test_a_copys_title_names_the_cases_pseudonym_and_its_interview_never_the_original(
    alice_worker, alice_case, interview, study, research_consent
):
    interview.title = f"Interview with {alice_case.caregivers.get().full_name}"
    interview.save()
    first = services.make_deidentified_copy(
        actor=alice_worker, transcript=interview, project=study, accepted=[]
    )
    again = services.make_deidentified_copy(
        actor=alice_worker, transcript=interview, project=study, accepted=[]
    )
    assert first.title == "case-1 · interview (de-identified)"
    assert again.title == "case-1 · interview 2 (de-identified)"


def test_a_case_keeps_its_pseudonym_when_a_case_with_a_smaller_id_comes_later(
    alice_worker, alice_case, ward_a, interview, study, research_consent
):
    from tests.conftest import caregiver_details, child_details

    later = case_services.open_case(
        actor=alice_worker,
        ward=ward_a,
        referral_source="doctor",
        child=child_details(full_name="李小明"),
        caregiver=caregiver_details(full_name="李母亲"),
    )
    case_services.record_consent(
        actor=alice_worker,
        case=later,
        caregiver=later.caregivers.get(),
        scope="research",
        given_on=later.opened_on,
    )
    other = services.import_transcript(
        actor=alice_worker,
        project=interview.project,
        filename="",
        pasted="妈妈：还好。",
        case=later,
    )
    # the later case (higher id) is copied first: it is case-1, and stays case-1
    first = services.make_deidentified_copy(
        actor=alice_worker, transcript=other, project=study, accepted=[]
    )
    second = services.make_deidentified_copy(
        actor=alice_worker, transcript=interview, project=study, accepted=[]
    )
    assert later.pk > alice_case.pk
    assert first.title.startswith("case-1 ")
    assert second.title.startswith("case-2 ")
    assert selectors.case_pseudonyms(study.transcripts.all()) == {
        later.pk: "case-1",
        alice_case.pk: "case-2",
    }


def test_a_copy_leaves_date_interviewer_file_name_and_memos_behind(
    alice_worker, alice_case, casework, study, research_consent
):
    from buoy.instruments.models import Timepoint

    original = services.import_transcript(
        actor=alice_worker,
        project=casework,
        filename="测试母亲.txt",
        data="测试母亲：我们很好。\n".encode("gb18030"),
        case=alice_case,
        interview_date=alice_case.opened_on,
        interviewer="测试社工",
        timepoint=Timepoint.objects.get(code="post"),
    )
    services.write_memo(
        actor=alice_worker, project=original.project, transcript=original, text="测试母亲"
    )
    copy = services.make_deidentified_copy(
        actor=alice_worker, transcript=original, project=study, accepted=[]
    )
    assert (copy.interview_date, copy.interviewer, copy.source_filename) == (None, "", "")
    assert (copy.source_encoding, copy.source_format) == ("", "redacted")
    assert copy.timepoint is not None
    assert copy.timepoint.code == "post"
    assert copy.title == "case-1 · interview · Post-intervention (de-identified)"
    assert not copy.memos.exists()
    # the speaker was the caregiver's name, redacted though no one confirmed it
    assert list(copy.turns.values_list("speaker", flat=True)) == ["[姓名]"]
    assert copy.text == "[姓名]：我们很好。\n"


def test_copies_made_before_the_fix_are_retitled_by_migration(
    alice_worker, alice_case, interview, study, research_consent
):
    import importlib

    from django.apps import apps

    retitle = importlib.import_module(
        "buoy.coding.migrations.0005_retitle_deidentified_copies"
    ).retitle
    copy = services.make_deidentified_copy(
        actor=alice_worker, transcript=interview, project=study, accepted=[]
    )
    again = services.make_deidentified_copy(
        actor=alice_worker, transcript=interview, project=study, accepted=[]
    )
    old = f"Interview with {alice_case.child.full_name} (de-identified)"
    Transcript.objects.filter(pk__in=[copy.pk, again.pk]).update(title=old, interviewer="x")
    retitle(apps, None)
    copy.refresh_from_db()
    again.refresh_from_db()
    assert copy.title == "case-1 · interview (de-identified)"
    assert again.title == "case-1 · interview 2 (de-identified)"
    assert copy.interviewer == ""
    interview.refresh_from_db()
    assert interview.title != copy.title  # originals are left as they are


def test_the_title_is_in_the_language_of_the_person_who_makes_the_copy(
    alice_worker, interview, study, research_consent
):
    from django.utils import translation

    from buoy.instruments.models import Timepoint

    interview.timepoint = Timepoint.objects.get(code="baseline")
    interview.save()
    with translation.override("zh-hans"):
        copy = services.make_deidentified_copy(
            actor=alice_worker, transcript=interview, project=study, accepted=[]
        )
        again = services.make_deidentified_copy(
            actor=alice_worker, transcript=interview, project=study, accepted=[]
        )
    assert copy.title == "case-1 · 访谈 · 基线（去标识化）"
    assert again.title == "case-1 · 第2次访谈 · 基线（去标识化）"
