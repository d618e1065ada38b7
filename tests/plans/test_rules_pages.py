"""The department's suggestion rules: versions kept in the database, checked by the strict
loader, audited, edited as JSON text on pages for supervisors and administrators, and the
newest version in force for the suggestions (and named by each decision)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from buoy.access.domain.roles import Role, can_keep_suggestion_rules, can_see_overdue_in_wards
from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Case
from buoy.core.errors import Forbidden, InvalidInput
from buoy.plans import selectors, services
from buoy.plans.models import SuggestionRuleSet, Technique
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def test_only_supervisors_and_administrators_keep_the_rules() -> None:
    assert {role for role in Role if can_keep_suggestion_rules(role)} == {
        Role.SUPERVISOR,
        Role.ADMIN,
    }


def test_only_supervisors_see_what_is_overdue_in_their_wards() -> None:
    assert {role for role in Role if can_see_overdue_in_wards(role)} == {Role.SUPERVISOR}


def shipped(carol: User) -> dict[str, Any]:
    return json.loads(selectors.suggestion_rule_version(carol).text)


def save(client: Client, data: Any, note: str = "") -> Any:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return client.post(reverse("plans:rules_edit"), {"text": text, "note": note})


def test_the_shipped_rules_are_version_1_until_the_department_saves_its_own(
    carol_supervisor: User,
) -> None:
    response = logged_in(carol_supervisor).get(reverse("plans:rules"))
    assert response.status_code == 200
    [only] = response.context["versions"]
    assert (only.version, only.shipped, only.in_force) == (1, True, True)
    assert selectors.rules_in_force().version == "1"


def test_a_saved_version_is_the_next_one_in_force_and_audited(carol_supervisor: User) -> None:
    data = shipped(carol_supervisor)
    data["rules"][0]["note"]["en"] = "Our department's own words for this rule."
    response = save(logged_in(carol_supervisor), data, note="Clearer note for weak A")
    row = SuggestionRuleSet.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('plans:rules_version')}?version=2"
    assert (row.version, row.saved_by, row.note) == (2, carol_supervisor, "Clearer note for weak A")
    assert json.loads(row.text)["version"] == "2"
    rules = selectors.rules_in_force()
    assert rules.version == "2"
    assert rules.rules[0].note["en"] == "Our department's own words for this rule."
    event = AuditEvent.objects.get(action="plans.suggestion_rules.saved")
    assert event.context == {"version": 2, "previous": 1, "rules": len(data["rules"])}
    page = logged_in(carol_supervisor).get(reverse("plans:rules"))
    assert [(v.version, v.in_force) for v in page.context["versions"]] == [(2, True), (1, False)]


def test_the_suggestions_follow_the_departments_latest_rules_and_decisions_name_them(
    alice_worker: User, carol_supervisor: User, alice_case: Case
) -> None:
    caregiver = alice_case.caregivers.get()
    services.save_factor_map(
        actor=alice_worker,
        case=alice_case,
        caregiver=caregiver,
        entries=[{"code": "R-ECO-01", "status": "present", "severity": 2}],
    )
    before = set(selectors.current_suggestions(alice_worker, alice_case, caregiver).by_key())
    extra = next(
        t.code for t in Technique.objects.filter(active=True) if f"technique:{t.code}" not in before
    )
    data = shipped(carol_supervisor)
    data["rules"].append(
        {
            "id": "debt-and-more",
            "when": [{"risk": "R-ECO-01"}],
            "techniques": [extra],
            "note": {"en": "Debt: try this too.", "zh-hans": "债务：也试试这个。"},
        }
    )
    services.save_suggestion_rules(actor=carol_supervisor, text=json.dumps(data))
    found = selectors.current_suggestions(alice_worker, alice_case, caregiver)
    assert f"technique:{extra}" in found.by_key()
    assert found.by_key()[f"technique:{extra}"].suggestion.rules == ("debt-and-more",)
    decision = services.decide_suggestion(
        actor=alice_worker, case=alice_case, key=f"technique:{extra}", accepted=True
    )
    assert (decision.rules_id, decision.rules_version) == ("suggestion-rules", "2")


def refused(response: Any) -> str:
    assert response.status_code == 400
    assert SuggestionRuleSet.objects.count() == 0
    [message] = response.context["form"].errors["text"]
    return str(message)


def test_a_rule_naming_a_technique_that_does_not_exist_is_refused_and_the_text_kept(
    carol_supervisor: User,
) -> None:
    data = shipped(carol_supervisor)
    data["rules"][1]["techniques"] = ["no-such-technique"]
    text = json.dumps(data, ensure_ascii=False, indent=1)
    response = save(logged_in(carol_supervisor), text)
    message = refused(response)
    assert f"rule '{data['rules'][1]['id']}'" in message
    assert "techniques[0]" in message
    assert "no-such-technique" in message
    assert response.context["form"]["text"].value() == text
    assert not AuditEvent.objects.filter(action="plans.suggestion_rules.saved").exists()


def test_a_rule_naming_a_factor_code_not_in_the_codebook_is_refused(
    carol_supervisor: User,
) -> None:
    data = shipped(carol_supervisor)
    data["rules"].append(
        {
            "id": "made-up",
            "when": [{"risk": "R-ECO-09"}],
            "techniques": ["eco-map"],
            "note": {"en": "x", "zh-hans": "x"},
        }
    )
    message = refused(save(logged_in(carol_supervisor), data))
    assert "rule 'made-up'" in message
    assert "when[0]" in message
    assert "'R-ECO-09' is not a code of the codebook" in message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"format": 1,', "This is not JSON"),
        ("   ", "Write the rules as JSON text."),
        ("[1, 2]", "expected an object"),
    ],
)
def test_text_that_is_no_rules_is_refused_on_the_text(
    carol_supervisor: User, text: str, says: str
) -> None:
    assert says in refused(save(logged_in(carol_supervisor), text))


def test_the_same_rules_again_are_refused(carol_supervisor: User) -> None:
    message = refused(save(logged_in(carol_supervisor), shipped(carol_supervisor)))
    assert "rules in force already" in message


def test_a_worker_may_not_save_rules_by_page_or_service(
    alice_worker: User, carol_supervisor: User
) -> None:
    data = shipped(carol_supervisor)
    data["weak_ability_at_most"] = 1.5
    assert save(logged_in(alice_worker), data).status_code == 403
    with pytest.raises(Forbidden):
        services.save_suggestion_rules(actor=alice_worker, text=json.dumps(data))
    assert SuggestionRuleSet.objects.count() == 0


def test_a_note_too_long_is_refused_on_the_note(carol_supervisor: User) -> None:
    data = shipped(carol_supervisor)
    data["weak_ability_at_most"] = 1.5
    with pytest.raises(InvalidInput) as caught:
        services.save_suggestion_rules(
            actor=carol_supervisor, text=json.dumps(data), note="x" * 2001
        )
    assert set(caught.value.errors) == {"note"}


def test_the_edit_page_starts_from_the_version_in_force(carol_supervisor: User) -> None:
    response = logged_in(carol_supervisor).get(reverse("plans:rules_edit"))
    assert response.status_code == 200
    assert json.loads(response.context["form"]["text"].value())["version"] == "1"


def test_the_diff_shows_what_changed_between_two_versions(carol_supervisor: User) -> None:
    data = shipped(carol_supervisor)
    data["weak_ability_at_most"] = 1.5
    services.save_suggestion_rules(actor=carol_supervisor, text=json.dumps(data))
    response = logged_in(carol_supervisor).get(reverse("plans:rules_diff"))
    assert response.status_code == 200
    changed = [(line.kind, line.text.strip()) for line in response.context["lines"]]
    assert ("removed", '"weak_ability_at_most": 2.0,') in changed
    assert ("added", '"weak_ability_at_most": 1.5,') in changed
    assert ("removed", '"version": "1",') in changed
    assert len([kind for kind, _ in changed if kind in ("added", "removed")]) == 4
    assert "1.5" in response.content.decode()


def test_the_diff_of_a_single_version_says_there_is_nothing_to_compare(
    carol_supervisor: User,
) -> None:
    response = logged_in(carol_supervisor).get(reverse("plans:rules_diff"))
    assert response.status_code == 200
    assert response.context["older"] is None
    assert "no earlier version" in response.content.decode()


def test_one_version_shows_its_rules(carol_supervisor: User, adam_admin: User) -> None:
    response = logged_in(adam_admin).get(reverse("plans:rules_version"), {"version": "1"})
    assert response.status_code == 200
    assert response.context["rules"].rules[0].id == "weak-adapting"
    assert "weak-adapting" in response.content.decode()


@pytest.mark.parametrize("version", ["abc", "99", "-1", "2.5"])
def test_an_unknown_version_is_not_found(carol_supervisor: User, version: str) -> None:
    client = logged_in(carol_supervisor)
    assert client.get(reverse("plans:rules_version"), {"version": version}).status_code == 404
    assert client.get(reverse("plans:rules_edit"), {"from": version}).status_code == 404
    assert client.get(reverse("plans:rules_diff"), {"to": version}).status_code == 404
