"""The coding app's doors to one segment and one code, its one codebook-editor rule and its
one transcript read rule, for every persona: each answers as the list it stands beside."""

from __future__ import annotations

import pytest

from buoy.access.domain.roles import Role, transcript_access
from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.coding import selectors, services
from buoy.coding.models import Code, CodedSegment, Project, Transcript
from buoy.core.errors import NotFound


@pytest.fixture
def segment(alice_worker: User, transcript: Transcript, casework: Project) -> CodedSegment:
    code = next(c for c in selectors.codes_of(casework) if c.codable)
    (made,) = services.apply_codes(
        actor=alice_worker, transcript=transcript, code_ids=[code.pk], start=0, end=5
    )
    return made


@pytest.fixture
def study(rita_researcher: User) -> Project:
    return services.start_project(actor=rita_researcher, name="Resilience study")


def test_a_segment_opens_for_exactly_those_who_may_read_its_transcript(
    personas: dict[str, User], segment: CodedSegment
) -> None:
    for name, user in personas.items():
        may_read = selectors.may_read_transcript(user, segment.transcript)
        if may_read:
            assert selectors.get_segment_for(user, segment.pk) == segment, name
        else:
            with pytest.raises(NotFound):
                selectors.get_segment_for(user, segment.pk)
    readers = {
        n for n, u in personas.items() if selectors.may_read_transcript(u, segment.transcript)
    }
    assert readers == {"alice_worker", "carol_supervisor"}  # assigned worker, ward supervisor


def test_a_missing_segment_and_a_malformed_id_answer_as_a_forbidden_one(
    alice_worker: User, dan_other_ward: User, segment: CodedSegment
) -> None:
    answers = []
    for user, segment_id in [
        (alice_worker, segment.pk + 1000),
        (alice_worker, "x1"),
        (dan_other_ward, segment.pk),
    ]:
        with pytest.raises(NotFound) as refused:
            selectors.get_segment_for(user, segment_id)
        answers.append(str(refused.value))
    assert len(set(answers)) == 1


def test_opening_a_segment_is_audited_unless_the_caller_audits_the_change(
    alice_worker: User, segment: CodedSegment
) -> None:
    viewed = AuditEvent.objects.filter(action="coding.segment.viewed", actor=alice_worker)
    selectors.get_segment_for(alice_worker, segment.pk)
    assert viewed.filter(subject_id=str(segment.pk)).count() == 1
    selectors.get_segment_for(alice_worker, segment.pk, audit_as=None)
    assert viewed.count() == 1


def test_a_code_opens_for_those_who_may_read_its_codebook(
    personas: dict[str, User], casework: Project, study: Project
) -> None:
    for project in (casework, study):
        code: Code = next(iter(selectors.codes_of(project)))
        for name, user in personas.items():
            try:
                selectors.get_codebook_project_for(user, project.pk)
            except NotFound:
                with pytest.raises(NotFound):
                    selectors.get_code_for(user, code.pk)
            else:
                assert selectors.get_code_for(user, code.pk) == code, (name, project.name)
    study_code = next(iter(selectors.codes_of(study)))
    with pytest.raises(NotFound):
        selectors.get_code_for(personas["dan_other_ward"], study_code.pk)
    assert selectors.get_code_for(personas["rita_researcher"], study_code.pk) == study_code
    with pytest.raises(NotFound):
        selectors.get_code_for(personas["alice_worker"], "not-a-number")


def test_one_codebook_editor_rule_and_a_new_member_is_seen_at_once(
    personas: dict[str, User], casework: Project, study: Project
) -> None:
    editors = {n for n, u in personas.items() if selectors.may_edit_codebook(u, casework)}
    assert editors == {"carol_supervisor", "adam_admin"}
    carol = personas["carol_supervisor"]
    assert selectors.may_edit_codebook(personas["rita_researcher"], study)
    assert not selectors.may_edit_codebook(carol, study)  # remembered: not a member
    services.add_member(actor=personas["rita_researcher"], project=study, user=carol)
    assert selectors.may_edit_codebook(carol, study)


def test_the_transcript_read_rule_by_role() -> None:
    rule = {role: transcript_access(role) for role in Role}
    assert {r for r, a in rule.items() if a.through_cases} == {Role.WORKER, Role.SUPERVISOR}
    assert {r for r, a in rule.items() if a.through_projects} == {
        Role.WORKER,
        Role.SUPERVISOR,
        Role.RESEARCHER,
    }
