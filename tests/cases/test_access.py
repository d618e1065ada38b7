"""The one door: who sees which case, through `get_case_for` and `cases_visible_to`."""

from __future__ import annotations

import pytest

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases import services
from buoy.cases.models import Case
from buoy.cases.selectors import cases_visible_to, get_case_for
from buoy.core.errors import NotFound

pytestmark = pytest.mark.django_db


def test_alice_opens_the_case_assigned_to_her(alice_worker: User, alice_case: Case) -> None:
    assert get_case_for(alice_worker, alice_case.pk) == alice_case
    assert list(cases_visible_to(alice_worker)) == [alice_case]


def test_bob_of_the_same_team_gets_not_found(bob_same_team: User, alice_case: Case) -> None:
    with pytest.raises(NotFound):
        get_case_for(bob_same_team, alice_case.pk)
    assert not cases_visible_to(bob_same_team).exists()


def test_bob_sees_the_case_once_it_is_shared_with_him(
    bob_same_team: User, carol_supervisor: User, alice_worker: User, alice_case: Case
) -> None:
    services.reassign_case(
        actor=carol_supervisor, case=alice_case, worker=alice_worker, shared_with=[bob_same_team]
    )
    assert get_case_for(bob_same_team, alice_case.pk) == alice_case


def test_carol_supervises_every_case_of_her_ward(carol_supervisor: User, alice_case: Case) -> None:
    assert get_case_for(carol_supervisor, alice_case.pk) == alice_case


def test_dan_of_another_ward_gets_not_found(dan_other_ward: User, alice_case: Case) -> None:
    with pytest.raises(NotFound):
        get_case_for(dan_other_ward, alice_case.pk)


def test_rita_the_researcher_sees_no_identifiable_case(
    rita_researcher: User, alice_case: Case
) -> None:
    assert not cases_visible_to(rita_researcher).exists()
    with pytest.raises(NotFound):
        get_case_for(rita_researcher, alice_case.pk)


def test_missing_and_not_yours_raise_the_same_error(dan_other_ward: User, alice_case: Case) -> None:
    errors = []
    for case_id in (alice_case.pk, 999_999, "not-a-number"):
        with pytest.raises(NotFound) as caught:
            get_case_for(dan_other_ward, case_id)
        errors.append((type(caught.value), str(caught.value)))
    assert len(set(errors)) == 1


def test_opening_a_case_is_audited_and_a_refusal_leaves_no_view_event(
    alice_worker: User, dan_other_ward: User, alice_case: Case
) -> None:
    get_case_for(alice_worker, alice_case.pk)
    with pytest.raises(NotFound):
        get_case_for(dan_other_ward, alice_case.pk)
    views = AuditEvent.objects.filter(action="cases.case.viewed", subject_id=str(alice_case.pk))
    assert [e.actor_username for e in views] == ["alice_worker"]


def test_an_inactive_account_sees_nothing(alice_worker: User, alice_case: Case) -> None:
    alice_worker.is_active = False
    alice_worker.save()
    assert not cases_visible_to(alice_worker).exists()
