"""Referrals of a case to the department's resources: each step dated, moves the status does
not allow refused, a resource that does not exist or is no longer offered refused, who may."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Case
from buoy.core.errors import InvalidInput, NotFound
from buoy.plans.domain.referrals import FINAL, next_statuses
from buoy.plans.models import Referral, Resource
from buoy.plans.selectors import get_referral_for, referrals_of
from buoy.plans.services import add_resource, move_referral, refer_case, update_resource

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture
def fund(carol_supervisor: User) -> Resource:
    return add_resource(actor=carol_supervisor, name="儿童大病救助基金", kind="charity_fund")


def test_the_referral_moves_are_those_of_the_domain() -> None:
    assert next_statuses("proposed") == ("made", "declined")
    assert next_statuses("made") == ("accepted", "declined")
    assert next_statuses("accepted") == ("completed",)
    assert FINAL == ("declined", "completed")


def test_a_referral_is_proposed_made_accepted_and_completed_each_on_its_day(
    alice_worker: User, month_old_case: Case, fund: Resource
) -> None:
    referral = refer_case(
        actor=alice_worker, case=month_old_case, resource=fund.pk, proposed_on=days_ago(20)
    )
    move_referral(actor=alice_worker, referral=referral, status="made", on=days_ago(18))
    move_referral(actor=alice_worker, referral=referral, status="accepted", on=days_ago(10))
    done = move_referral(
        actor=alice_worker, referral=referral, status="completed", outcome="¥20,000 granted."
    )
    assert (done.status, done.proposed_on, done.made_on, done.accepted_on, done.completed_on) == (
        "completed",
        days_ago(20),
        days_ago(18),
        days_ago(10),
        timezone.localdate(),
    )
    assert done.outcome == "¥20,000 granted."
    moved = AuditEvent.objects.filter(action="plans.referral.moved").order_by("pk")
    assert [e.context["status"] for e in moved] == ["made", "accepted", "completed"]
    assert moved.last().changed_fields == ["completed_on", "outcome", "status"]  # type: ignore[union-attr]
    proposed = AuditEvent.objects.get(action="plans.referral.proposed")
    assert proposed.context == {
        "case": month_old_case.pk,
        "resource": fund.pk,
        "status": "proposed",
    }


def test_a_resource_that_does_not_exist_or_is_no_longer_offered_is_refused(
    alice_worker: User, carol_supervisor: User, alice_case: Case, fund: Resource
) -> None:
    update_resource(actor=carol_supervisor, resource=fund, changes={"active": False})
    for resource in (999_999, "fund", fund):
        with pytest.raises(InvalidInput) as refusal:
            refer_case(actor=alice_worker, case=alice_case, resource=resource)
        assert list(refusal.value.errors) == ["resource"]
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("status", "on", "field"),
    [
        ("completed", None, "status"),  # not made and accepted yet
        ("proposed", None, "status"),
        ("nonsense", None, "status"),
        ("made", days_ago(-1), "on"),  # tomorrow
        ("made", days_ago(25), "on"),  # before it was proposed
        ("made", days_ago(40), "on"),  # before the case opened
    ],
)
def test_a_move_the_referral_does_not_allow_is_refused_on_its_field(
    alice_worker: User,
    month_old_case: Case,
    fund: Resource,
    status: str,
    on: dt.date | None,
    field: str,
) -> None:
    referral = refer_case(
        actor=alice_worker, case=month_old_case, resource=fund, proposed_on=days_ago(20)
    )
    with pytest.raises(InvalidInput) as refusal:
        move_referral(actor=alice_worker, referral=referral, status=status, on=on)
    assert list(refusal.value.errors) == [field]
    assert Referral.objects.get().status == "proposed"


def test_a_declined_referral_moves_no_further(
    alice_worker: User, alice_case: Case, fund: Resource
) -> None:
    referral = refer_case(actor=alice_worker, case=alice_case, resource=fund)
    move_referral(actor=alice_worker, referral=referral, status="declined")
    with pytest.raises(InvalidInput):
        move_referral(actor=alice_worker, referral=referral, status="made")


def test_a_proposal_dated_before_the_case_opened_is_refused(
    alice_worker: User, alice_case: Case, fund: Resource
) -> None:
    with pytest.raises(InvalidInput) as refusal:
        refer_case(actor=alice_worker, case=alice_case, resource=fund, proposed_on=days_ago(1))
    assert list(refusal.value.errors) == ["proposed_on"]


@pytest.mark.parametrize(
    "persona", ["bob_same_team", "dan_other_ward", "rita_researcher", "adam_admin"]
)
def test_only_staff_who_may_see_the_case_refer_it_and_read_its_referrals(
    personas: dict[str, User], alice_case: Case, fund: Resource, persona: str
) -> None:
    referral = refer_case(actor=personas["alice_worker"], case=alice_case, resource=fund)
    user = personas[persona]
    with pytest.raises(NotFound):
        refer_case(actor=user, case=alice_case, resource=fund)
    with pytest.raises(NotFound):
        move_referral(actor=user, referral=referral, status="made")
    with pytest.raises(NotFound):
        get_referral_for(user, referral.pk)
    assert referrals_of(user, alice_case) == []


def test_reading_referrals_is_audited(
    carol_supervisor: User, alice_worker: User, alice_case: Case, fund: Resource
) -> None:
    referral = refer_case(actor=alice_worker, case=alice_case, resource=fund)
    assert referrals_of(carol_supervisor, alice_case) == [referral]
    assert get_referral_for(carol_supervisor, referral.pk) == referral
    listed = AuditEvent.objects.get(action="plans.referral.listed")
    assert listed.context == {"ids": [referral.pk], "count": 1}
    assert AuditEvent.objects.get(action="plans.referral.viewed").context == {"case": alice_case.pk}
