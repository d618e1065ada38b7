"""The referral pages, through the real URLs and database: proposing a referral to a resource
of the directory, moving it step by step, bad input refused on its field with nothing saved,
the case page's section, access by case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Case
from buoy.plans.models import Referral, Resource
from buoy.plans.services import add_resource, move_referral, refer_case, update_resource
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def fund(carol_supervisor: User) -> Resource:
    return add_resource(
        actor=carol_supervisor,
        name="儿童白血病救助基金",
        kind="charity_fund",
        contact="010-12345678",
        languages=["普通话"],
    )


def new_url(case: Case) -> str:
    return reverse("plans:referral_new", args=[case.pk])


def detail_url(referral: Referral) -> str:
    return reverse("plans:referral_detail", args=[referral.case_id, referral.pk])


def test_a_worker_proposes_a_referral_and_moves_it_to_completed(
    alice_worker: User, month_old_case: Case, fund: Resource
) -> None:
    client = logged_in(alice_worker)
    proposed_on = TODAY() - dt.timedelta(days=10)
    response = client.post(
        new_url(month_old_case),
        {"resource": fund.pk, "proposed_on": proposed_on.isoformat(), "outcome": "Talked over."},
    )
    referral = Referral.objects.get()
    assert response["Location"] == detail_url(referral)
    assert referral.status == "proposed"
    assert referral.proposed_on == proposed_on
    page = client.get(detail_url(referral))
    # only the moves a proposed referral allows are offered
    assert [s for s, _label in page.context["form"].fields["status"].choices] == [
        "made",
        "declined",
    ]
    for status, days_ago in (("made", 8), ("accepted", 5), ("completed", 1)):
        day = (TODAY() - dt.timedelta(days=days_ago)).isoformat()
        moved = client.post(
            detail_url(referral), {"status": status, "on": day, "outcome": f"now {status}"}
        )
        assert moved.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "completed"
    assert referral.made_on == TODAY() - dt.timedelta(days=8)
    assert referral.completed_on == TODAY() - dt.timedelta(days=1)
    assert referral.outcome == "now completed"
    html = client.get(detail_url(referral)).content.decode()
    assert "儿童白血病救助基金" in html
    assert (TODAY() - dt.timedelta(days=5)).isoformat() in html
    assert "now completed" in html
    assert 'id="referral-move"' not in html  # a completed referral does not move on


def test_the_form_offers_only_resources_still_offered(
    alice_worker: User, carol_supervisor: User, month_old_case: Case, fund: Resource
) -> None:
    gone = add_resource(actor=carol_supervisor, name="Closed lodging", kind="lodging")
    update_resource(actor=carol_supervisor, resource=gone, changes={"active": False})
    form = logged_in(alice_worker).get(new_url(month_old_case)).context["form"]
    offered = [pk for pk, _label in form.fields["resource"].choices if pk]
    assert offered == [fund.pk]


@pytest.mark.parametrize(
    ("resource", "proposed_on", "field", "message"),
    [
        ("inactive", None, "resource", "This resource is no longer offered"),
        ("999999", None, "resource", "Choose a resource of the directory."),
        ("", None, "resource", "This field is required."),
        ("fund", "2999-01-01", "proposed_on", "The date cannot be in the future."),
        ("fund", "2000-01-01", "proposed_on", "The date is before the case was opened."),
    ],
)
def test_a_bad_referral_is_refused_on_its_field_and_nothing_is_saved(
    alice_worker: User,
    carol_supervisor: User,
    month_old_case: Case,
    fund: Resource,
    resource: str,
    proposed_on: str | None,
    field: str,
    message: str,
) -> None:
    gone = add_resource(actor=carol_supervisor, name="Closed lodging", kind="lodging")
    update_resource(actor=carol_supervisor, resource=gone, changes={"active": False})
    chosen = {"inactive": str(gone.pk), "fund": str(fund.pk)}.get(resource, resource)
    response = logged_in(alice_worker).post(
        new_url(month_old_case),
        {
            "resource": chosen,
            "proposed_on": proposed_on or TODAY().isoformat(),
            "outcome": "家长同意申请",
        },
    )
    assert response.status_code == 200
    assert not Referral.objects.exists()
    assert any(message in e for e in response.context["form"].errors[field])
    assert "家长同意申请" in response.content.decode()


def test_a_move_its_status_does_not_allow_is_refused_and_changes_nothing(
    alice_worker: User, month_old_case: Case, fund: Resource
) -> None:
    referral = refer_case(
        actor=alice_worker,
        case=month_old_case,
        resource=fund,
        proposed_on=TODAY() - dt.timedelta(days=5),
    )
    client = logged_in(alice_worker)
    for status in ("completed", "accepted", "proposed", "lost"):
        response = client.post(
            detail_url(referral), {"status": status, "on": TODAY().isoformat(), "outcome": "x"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["status"] == [
            "A referral in this state cannot move there."
        ]
    early = client.post(
        detail_url(referral),
        {"status": "made", "on": (TODAY() - dt.timedelta(days=6)).isoformat()},
    )
    assert early.context["form"].errors["on"] == [
        "This step cannot be dated before the referral's previous one."
    ]
    referral.refresh_from_db()
    assert referral.status == "proposed"
    assert referral.made_on is None
    assert referral.outcome == ""


def test_a_final_referral_refuses_any_move(
    alice_worker: User, month_old_case: Case, fund: Resource
) -> None:
    referral = refer_case(actor=alice_worker, case=month_old_case, resource=fund)
    move_referral(actor=alice_worker, referral=referral, status="declined")
    response = logged_in(alice_worker).post(
        detail_url(referral), {"status": "made", "on": TODAY().isoformat()}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["status"]
    referral.refresh_from_db()
    assert referral.status == "declined"


def test_the_section_and_the_list_show_the_cases_referrals_with_status(
    alice_worker: User, month_old_case: Case, fund: Resource
) -> None:
    referral = refer_case(actor=alice_worker, case=month_old_case, resource=fund)
    move_referral(actor=alice_worker, referral=referral, status="made")
    client = logged_in(alice_worker)
    section = client.get(reverse("plans:case_section", args=[month_old_case.pk]))
    assert section.context["case_referrals"] == [referral]
    html = section.content.decode()
    assert "儿童白血病救助基金" in html
    assert "Made" in html
    assert detail_url(referral) in html
    listing = client.get(reverse("plans:referral_list", args=[month_old_case.pk]))
    assert listing.context["case_referrals"] == [referral]
    assert AuditEvent.objects.filter(action="plans.referral.listed").count() == 2


def test_another_wards_worker_finds_no_referral_and_cannot_refer_the_case(
    alice_worker: User,
    dan_other_ward: User,
    rita_researcher: User,
    month_old_case: Case,
    dan_case: Case,
    fund: Resource,
) -> None:
    referral = refer_case(actor=alice_worker, case=month_old_case, resource=fund)
    dan = logged_in(dan_other_ward)
    assert dan.get(detail_url(referral)).status_code == 404
    assert dan.get(reverse("plans:referral_list", args=[month_old_case.pk])).status_code == 404
    refused = dan.post(new_url(month_old_case), {"resource": fund.pk})
    assert refused.status_code == 404
    moved = dan.post(detail_url(referral), {"status": "made", "on": TODAY().isoformat()})
    assert moved.status_code == 404
    # Alice's referral through Dan's own case is not found either
    wrong_case = reverse("plans:referral_detail", args=[dan_case.pk, referral.pk])
    assert dan.get(wrong_case).status_code == 404
    assert (
        logged_in(alice_worker)
        .get(reverse("plans:referral_detail", args=[dan_case.pk, referral.pk]))
        .status_code
        == 404
    )
    assert logged_in(rita_researcher).get(detail_url(referral)).status_code == 403
    referral.refresh_from_db()
    assert referral.status == "proposed"
    assert Referral.objects.count() == 1


def test_opening_a_referral_is_audited(
    alice_worker: User, month_old_case: Case, fund: Resource
) -> None:
    referral = refer_case(actor=alice_worker, case=month_old_case, resource=fund)
    logged_in(alice_worker).get(detail_url(referral))
    assert AuditEvent.objects.filter(
        action="plans.referral.viewed", subject_id=str(referral.pk)
    ).exists()
