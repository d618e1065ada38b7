"""The suggestion pages through the real URLs: each caregiver's suggested goals, techniques
and referrals with what triggered them; accept and dismiss by htmx (the one suggestion
redrawn) and by a plain POST (redirected back); a key that is not current refused with
nothing saved; the accepted suggestions the plan form prefills from; who may."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Caregiver, Case
from buoy.coding.models import Project
from buoy.plans.models import FactorMap, SuggestionDecision
from buoy.plans.selectors import accepted_suggestions, suggestions_for
from buoy.plans.services import decide_suggestion, save_factor_map
from buoy.plans.views.suggestions import SECTION_SUGGESTIONS
from tests.conftest import logged_in
from tests.plans.conftest import cdrisc10

pytestmark = pytest.mark.django_db

GOAL = "goal:catastrophic-costs:0"


def url(case: Case, caregiver: Caregiver, name: str = "suggestions") -> str:
    return reverse(f"plans:{name}", kwargs={"case_id": case.pk, "caregiver_id": caregiver.pk})


@pytest.fixture
def debt_map(
    alice_worker: User, alice_case: Case, mother: Caregiver, casework: Project
) -> FactorMap:
    """A confirmed map with catastrophic costs or debt present."""
    return save_factor_map(
        actor=alice_worker,
        case=alice_case,
        caregiver=mother,
        entries=[{"code": "R-ECO-01", "status": "present", "severity": 3}],
    )


@pytest.fixture
def alice(alice_worker: User) -> Client:
    return logged_in(alice_worker)


def test_the_page_lists_goals_techniques_and_referrals_with_their_trigger(
    alice: Client, alice_case: Case, mother: Caregiver, debt_map: FactorMap
) -> None:
    response = alice.get(url(alice_case, mother))
    assert response.status_code == 200
    groups = {g["kind"]: g["items"] for g in response.context["groups"]}
    assert [i["key"] for i in groups["goal"]] == [GOAL]
    techniques = {i["key"] for i in groups["technique"]}
    assert {"technique:resource-linking", "technique:advocacy"} <= techniques
    assert "referral:charity_fund" in {i["key"] for i in groups["referral"]}
    text = response.content.decode()
    assert "Risk factor R-ECO-01" in text
    assert "present in the map" in text
    assert "catastrophic-costs" in text  # the rule that raised it
    event = AuditEvent.objects.get(action="plans.suggestions.viewed")
    assert event.context["map"] == debt_map.pk


def test_a_weak_ability_is_the_trigger_with_its_mean_and_low_items(
    alice: Client, alice_worker: User, alice_case: Case, mother: Caregiver, casework: Project
) -> None:
    cdrisc10(alice_worker, alice_case, {f"item{n}": 1 for n in range(1, 11)})
    response = alice.get(url(alice_case, mother))
    text = response.content.decode()
    assert "item mean 1, at or below 2" in text
    assert "low items: item" in text
    assert response.context["basis"]["assessment"] is not None
    assert all(a["weak"] for a in response.context["basis"]["abilities"])


def test_without_assessment_or_map_the_page_says_there_is_nothing_to_suggest(
    alice: Client, alice_case: Case, mother: Caregiver, casework: Project
) -> None:
    response = alice.get(url(alice_case, mother))
    assert response.status_code == 200
    assert response.context["groups"] == []
    assert "No suggestions" in response.content.decode()


def test_accepting_with_htmx_records_it_and_redraws_just_that_suggestion(
    alice: Client, alice_case: Case, mother: Caregiver, debt_map: FactorMap
) -> None:
    response = alice.post(
        url(alice_case, mother, "suggestion_decide"),
        {"key": GOAL, "decision": "accept"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert text.strip().startswith('<li class="suggestion accepted"')
    assert text.count('<li class="suggestion') == 1
    assert "Accepted" in text
    decision = SuggestionDecision.objects.get()
    assert (decision.key, decision.kind, decision.accepted) == (GOAL, "goal", True)
    assert decision.caregiver_id == mother.pk


def test_dismissing_with_a_plain_post_redirects_back_and_the_page_shows_the_decision(
    alice: Client, alice_case: Case, mother: Caregiver, debt_map: FactorMap
) -> None:
    response = alice.post(
        url(alice_case, mother, "suggestion_decide"),
        {"key": "technique:advocacy", "decision": "dismiss"},
    )
    assert response.status_code == 302
    assert response["Location"] == url(alice_case, mother)
    assert SuggestionDecision.objects.get().accepted is False
    page = alice.get(url(alice_case, mother))
    items = {i["key"]: i for g in page.context["groups"] for i in g["items"]}
    assert items["technique:advocacy"]["decision"].accepted is False
    assert 'class="suggestion dismissed"' in page.content.decode()


def test_a_plain_post_from_the_case_page_goes_back_to_the_case_page(
    alice: Client, alice_case: Case, mother: Caregiver, debt_map: FactorMap
) -> None:
    case_page = reverse("cases:detail", kwargs={"case_id": alice_case.pk})
    response = alice.post(
        url(alice_case, mother, "suggestion_decide"),
        {"key": GOAL, "decision": "accept", "next": case_page},
    )
    assert response["Location"] == case_page
    elsewhere = alice.post(
        url(alice_case, mother, "suggestion_decide"),
        {"key": GOAL, "decision": "accept", "next": "https://elsewhere.example/"},
    )
    assert elsewhere["Location"] == url(alice_case, mother)


def test_a_key_that_is_not_current_is_refused_on_its_field_with_nothing_saved(
    alice: Client, alice_case: Case, mother: Caregiver, debt_map: FactorMap
) -> None:
    response = alice.post(
        url(alice_case, mother, "suggestion_decide"),
        {"key": "technique:eco-map", "decision": "accept"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["key"] == [
        "This is not one of the suggestions for this caregiver now."
    ]
    assert "This is not one of the suggestions" in response.content.decode()
    assert SuggestionDecision.objects.count() == 0
    assert not AuditEvent.objects.filter(action="plans.suggestion.decided").exists()


def test_a_refusal_to_htmx_is_drawn_in_place_and_saves_nothing(
    alice: Client, alice_case: Case, mother: Caregiver, debt_map: FactorMap
) -> None:
    response = alice.post(
        url(alice_case, mother, "suggestion_decide"),
        {"key": GOAL, "decision": "maybe"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200  # htmx swaps only a 2xx answer
    text = response.content.decode()
    assert 'role="alert"' in text
    assert 'data-key="goal:catastrophic-costs:0"' in text
    gone = alice.post(
        url(alice_case, mother, "suggestion_decide"),
        {"key": "referral:nowhere", "decision": "accept"},
        HTTP_HX_REQUEST="true",
    )
    assert "This is not one of the suggestions" in gone.content.decode()
    assert SuggestionDecision.objects.count() == 0


def test_the_case_section_shows_the_current_suggestions_with_their_triggers(
    alice: Client, alice_case: Case, debt_map: FactorMap
) -> None:
    response = alice.get(reverse("plans:case_section", kwargs={"case_id": alice_case.pk}))
    text = response.content.decode()
    assert 'data-key="goal:catastrophic-costs:0"' in text
    assert "Risk factor R-ECO-01" in text
    case_page = reverse("cases:detail", kwargs={"case_id": alice_case.pk})
    assert f'name="next" value="{case_page}"' in text


def test_the_case_section_shows_only_a_few_undecided_suggestions_briefly(
    alice: Client, alice_worker: User, alice_case: Case, mother: Caregiver, debt_map: FactorMap
) -> None:
    section = reverse("plans:case_section", kwargs={"case_id": alice_case.pk})
    every = suggestions_for(alice_worker, alice_case, mother).suggestions
    assert len(every) > SECTION_SUGGESTIONS  # debt raises more than the section shows
    decide_suggestion(
        actor=alice_worker, case=alice_case, key=every[0].key, accepted=True, caregiver=mother
    )
    text = alice.get(section).content.decode()
    shown = re.findall(r'data-key="([^"]+)"', text)
    assert every[0].key not in shown  # decided: it is on the suggestions page, not here
    assert shown == [s.key for s in every[1:]][:SECTION_SUGGESTIONS]
    assert f"{len(every) - 1} suggestions await a decision; 1 decided." in text
    assert '<details class="rule">' not in text  # the rules are on the suggestions page
    page = alice.get(url(alice_case, mother, "suggestions")).content.decode()
    assert '<details class="rule">' in page


def test_accepted_suggestions_are_those_whose_latest_decision_is_accept(
    alice_worker: User, alice_case: Case, mother: Caregiver, debt_map: FactorMap
) -> None:
    def decide(key: str, accepted: bool) -> None:
        decide_suggestion(
            actor=alice_worker, case=alice_case, key=key, accepted=accepted, caregiver=mother
        )

    decide(GOAL, True)
    decide("technique:advocacy", True)
    decide("technique:resource-linking", True)
    decide("technique:resource-linking", False)  # changed her mind
    decide("referral:charity_fund", False)
    every = accepted_suggestions(alice_worker, alice_case, mother)
    assert [s.key for s in every] == [GOAL, "technique:advocacy"]
    goals = accepted_suggestions(alice_worker, alice_case, mother, kind="goal")
    assert [s.key for s in goals] == [GOAL]
    goal = goals[0].suggestion.goal
    assert goal is not None
    assert goal.factor == "R-ECO-01"
    assert goal.text["zh-hans"]
    assert AuditEvent.objects.filter(action="plans.suggestions.viewed").count() == 2


# --- who may ------------------------------------------------------------------------------


def test_another_wards_worker_gets_404_and_decides_nothing(
    dan_other_ward: User, alice_case: Case, mother: Caregiver, debt_map: FactorMap
) -> None:
    dan = logged_in(dan_other_ward)
    assert dan.get(url(alice_case, mother)).status_code == 404
    response = dan.post(
        url(alice_case, mother, "suggestion_decide"), {"key": GOAL, "decision": "accept"}
    )
    assert response.status_code == 404
    assert SuggestionDecision.objects.count() == 0


@pytest.mark.parametrize("persona", ["rita_researcher", "adam_admin"])
def test_researchers_and_administrators_are_refused(
    persona: str,
    personas: dict[str, User],
    alice_case: Case,
    mother: Caregiver,
    debt_map: FactorMap,
) -> None:
    client = logged_in(personas[persona])
    assert client.get(url(alice_case, mother)).status_code == 403
    response = client.post(
        url(alice_case, mother, "suggestion_decide"), {"key": GOAL, "decision": "accept"}
    )
    assert response.status_code == 403
    assert SuggestionDecision.objects.count() == 0
