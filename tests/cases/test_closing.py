"""Closing a case asks for a post-assessment or a recorded reason (ADR 0014): the registry of
closing checks, the refusal on its field, the reason kept on the case and out of the trail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases import services
from buoy.cases.closing import (
    missing_for_closing,
    register_closing_check,
    unregister_closing_check,
)
from buoy.cases.domain.phases import Phase
from buoy.cases.models import Case, PhaseChange
from buoy.core.errors import InvalidInput, NotFound
from tests.cases.closing_helpers import complete_cdrisc10
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

FIELD = "without_post_assessment_reason"
NO_POST = "This case has no CD-RISC-10 with a valid score completed"


@pytest.fixture
def failing_check() -> Iterator[str]:
    """A second closing check that no case passes, as a higher app might register."""
    register_closing_check("tests.never", lambda case: False, missing="No goodbye letter yet.")
    yield "No goodbye letter yet."
    unregister_closing_check("tests.never")


@pytest.fixture
def passing_check() -> Iterator[list[int]]:
    """A closing check every case passes; it notes the cases it was asked about."""
    asked: list[int] = []

    def passes(case: Case) -> bool:
        asked.append(case.pk)
        return True

    register_closing_check("tests.always", passes, missing="never shown")
    yield asked
    unregister_closing_check("tests.always")


def closed_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="cases.case.closed"))


def test_closing_without_post_assessment_or_reason_saves_nothing_and_says_why_on_the_field(
    alice_worker: User, alice_case: Case
) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.close_case(actor=alice_worker, case=alice_case, reason="goals_met")
    [message] = caught.value.errors[FIELD]
    assert message.startswith(NO_POST)
    assert "write why it closes without one" in message
    alice_case.refresh_from_db()
    assert alice_case.phase == "intake"
    assert alice_case.closed_on is None
    assert alice_case.closing_reason == ""
    assert not PhaseChange.objects.filter(case=alice_case, to_phase="closed").exists()
    assert closed_events() == []


def test_a_blank_reason_is_no_reason(alice_worker: User, alice_case: Case) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.close_case(
            actor=alice_worker,
            case=alice_case,
            reason="goals_met",
            without_post_assessment_reason="   \n ",
        )
    assert FIELD in caught.value.errors


def test_every_refusal_is_reported_at_once(alice_worker: User, alice_case: Case) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.close_case(actor=alice_worker, case=alice_case, reason="")
    assert {"reason", FIELD} <= set(caught.value.errors)


def test_a_reason_closes_the_case_and_stays_on_it_but_out_of_the_trail(
    alice_worker: User, alice_case: Case
) -> None:
    reason = "  The family moved back to Gansu before the post-assessment.  "
    case = services.close_case(
        actor=alice_worker,
        case=alice_case,
        reason="transferred",
        without_post_assessment_reason=reason,
    )
    case.refresh_from_db()
    assert case.phase == "closed"
    assert case.closed_without_post_reason == reason.strip()
    [event] = closed_events()
    assert "closed_without_post_reason" in event.changed_fields
    for event in AuditEvent.objects.all():
        assert "Gansu" not in str(event.context)
        assert "Gansu" not in str(event.changed_fields)


def test_a_reason_too_long_is_refused(alice_worker: User, alice_case: Case) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.close_case(
            actor=alice_worker,
            case=alice_case,
            reason="other",
            without_post_assessment_reason="x" * 2001,
        )
    assert caught.value.errors[FIELD] == ["Keep the reason to 2000 characters."]
    alice_case.refresh_from_db()
    assert alice_case.phase == "intake"


def test_with_the_post_assessment_no_reason_is_needed_and_none_is_kept(
    alice_worker: User, alice_case: Case
) -> None:
    complete_cdrisc10(alice_worker, alice_case, timepoint="baseline")
    complete_cdrisc10(alice_worker, alice_case, timepoint="post")
    assert missing_for_closing(alice_case) == []
    case = services.close_case(
        actor=alice_worker,
        case=alice_case,
        reason="goals_met",
        without_post_assessment_reason="not needed",
    )
    case.refresh_from_db()
    assert case.phase == "closed"
    assert case.closed_without_post_reason == ""
    [event] = closed_events()
    assert "closed_without_post_reason" not in event.changed_fields


def test_reopening_clears_the_reason(alice_worker: User, alice_case: Case) -> None:
    case = services.close_case(
        actor=alice_worker,
        case=alice_case,
        reason="lost_contact",
        without_post_assessment_reason="No answer.",
    )
    case = services.move_case_to_phase(actor=alice_worker, case=case, phase=Phase.ASSESSMENT)
    case.refresh_from_db()
    assert (case.closed_on, case.closing_reason, case.closed_without_post_reason) == (None, "", "")


def test_a_registered_check_that_fails_refuses_closing_with_its_own_words(
    alice_worker: User, alice_case: Case, failing_check: str
) -> None:
    complete_cdrisc10(alice_worker, alice_case, timepoint="post")
    assert missing_for_closing(alice_case) == [failing_check]
    with pytest.raises(InvalidInput) as caught:
        services.close_case(actor=alice_worker, case=alice_case, reason="goals_met")
    [message] = caught.value.errors[FIELD]
    assert message.startswith(failing_check)
    assert NO_POST not in message
    case = services.close_case(
        actor=alice_worker,
        case=alice_case,
        reason="goals_met",
        without_post_assessment_reason="Letter refused.",
    )
    assert case.closed_without_post_reason == "Letter refused."


def test_failed_checks_are_all_named_in_the_order_of_their_names(
    alice_case: Case, failing_check: str
) -> None:
    missing = missing_for_closing(alice_case)
    assert len(missing) == 2
    assert missing[0].startswith(NO_POST)  # "instruments.…" sorts before "tests.…"
    assert missing[1] == failing_check


def test_a_registered_check_that_passes_asks_for_nothing(
    alice_worker: User, alice_case: Case, passing_check: list[int]
) -> None:
    complete_cdrisc10(alice_worker, alice_case, timepoint="post")
    services.close_case(actor=alice_worker, case=alice_case, reason="goals_met")
    assert alice_case.pk in passing_check


def test_registering_a_name_again_replaces_the_check(alice_case: Case) -> None:
    register_closing_check("tests.twice", lambda case: False, missing="first")
    register_closing_check("tests.twice", lambda case: False, missing="second")
    try:
        assert [m for m in missing_for_closing(alice_case) if m in ("first", "second")] == [
            "second"
        ]
    finally:
        unregister_closing_check("tests.twice")
    unregister_closing_check("tests.never-registered")  # ignored


def test_only_people_who_may_change_the_case_can_close_it(
    alice_case: Case, bob_same_team: User, dan_other_ward: User, carol_supervisor: User
) -> None:
    for outsider in (bob_same_team, dan_other_ward):
        with pytest.raises(NotFound):
            services.close_case(
                actor=outsider, case=alice_case, reason="other", without_post_assessment_reason="x"
            )
    case = services.close_case(
        actor=carol_supervisor,
        case=alice_case,
        reason="other",
        without_post_assessment_reason="Ward closed.",
    )
    assert case.phase == "closed"


def test_the_close_page_says_what_is_missing_and_puts_the_refusal_on_the_field(
    alice_worker: User, alice_case: Case
) -> None:
    client = logged_in(alice_worker)
    url = reverse("cases:close", args=[alice_case.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="closing-missing"' in html
    assert NO_POST in html
    assert f'name="{FIELD}"' in html
    refused = client.post(url, {"reason": "goals_met", "closed_on": alice_case.opened_on})
    assert refused.status_code == 200
    assert refused.context["form"].errors[FIELD][0].startswith(NO_POST)
    alice_case.refresh_from_db()
    assert alice_case.phase == "intake"
    closed = client.post(
        url,
        {"reason": "goals_met", "closed_on": alice_case.opened_on, FIELD: "Declined the post."},
    )
    assert closed.status_code == 302
    detail = client.get(reverse("cases:detail", args=[alice_case.pk])).content.decode()
    assert "Declined the post." in detail


def test_the_close_page_asks_nothing_once_the_post_assessment_is_there(
    alice_worker: User, alice_case: Case
) -> None:
    complete_cdrisc10(alice_worker, alice_case, timepoint="post")
    page = logged_in(alice_worker).get(reverse("cases:close", args=[alice_case.pk]))
    assert 'id="closing-missing"' not in page.content.decode()
