"""Suggestion rules: every shipped rule names existing techniques and codebook codes, the
evaluator says what triggered each suggestion, and the loader refuses bad rules by file, rule
and field."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from buoy.coding.domain.codebook import bundled_codebook
from buoy.plans.domain.abilities import AbilityProfile, ability_items, ability_profile
from buoy.plans.domain.resources import RESOURCE_KINDS
from buoy.plans.domain.suggestions import (
    ABILITY,
    ITEM,
    PROTECTIVE,
    RISK,
    Suggestion,
    SuggestionRuleError,
    SuggestionRules,
    Trigger,
    bundled_suggestion_rules,
    load_suggestion_rules,
    suggest,
    suggestion_rules_to_dict,
)
from buoy.plans.domain.techniques import bundled_techniques, load_techniques


def shipped_data() -> dict[str, Any]:
    entry = resources.files("buoy.plans").joinpath("library", "suggestion_rules_v1.json")
    return json.loads(entry.read_text(encoding="utf-8"))


def codebook_codes(rules: SuggestionRules | None = None) -> set[str]:
    ref = (rules or bundled_suggestion_rules()).codebook
    return {node.id for node in bundled_codebook(ref.id, version=ref.version).codes()}


def profile(**scores: object) -> AbilityProfile:
    """A profile with every item at 3 but those given."""
    answers: dict[str, object] = {f"item{n}": 3 for n in range(1, 11)}
    answers.update(scores)
    return ability_profile(answers)


def by_key(suggestions: tuple[Suggestion, ...]) -> dict[str, Suggestion]:
    return {s.key: s for s in suggestions}


def load_error(data: Any, **kwargs: Any) -> SuggestionRuleError:
    with pytest.raises(SuggestionRuleError) as raised:
        load_suggestion_rules(data, source="suggestion_rules_v1.json", **kwargs)
    return raised.value


# --- the shipped rules name what exists ---------------------------------------------------


def test_every_shipped_rule_names_existing_techniques_and_codebook_codes() -> None:
    rules = bundled_suggestion_rules()
    library = bundled_techniques(version=rules.techniques.version)
    assert rules.techniques.id == library.id
    codebook = bundled_codebook(rules.codebook.id, version=rules.codebook.version)
    codes = {node.id for node in codebook.codes()}
    for rule in rules.rules:
        assert set(rule.techniques) <= set(library.ids), rule.id
        assert all(library.technique(t).active for t in rule.techniques), rule.id
        for condition in rule.conditions:
            if condition.kind in (RISK, PROTECTIVE):
                assert condition.subject in codes, rule.id
        for goal in rule.goals:
            assert goal.ability is not None or goal.factor in codes, rule.id
        assert set(rule.referrals) <= set(RESOURCE_KINDS), rule.id
    # The strict loader agrees, given the codebook's codes and the library's ids.
    reloaded = load_suggestion_rules(
        shipped_data(), known_factors=codes, known_techniques=library.ids
    )
    assert reloaded == rules


def test_a_rule_suggests_techniques_that_aim_at_what_triggered_it() -> None:
    rules = bundled_suggestion_rules()
    library = bundled_techniques(version=rules.techniques.version)
    ability_of_item = {item: a for a, items in ability_items().items() for item in items}
    for rule in rules.rules:
        for technique_id in rule.techniques:
            technique = library.technique(technique_id)
            aims = set(technique.abilities) | set(technique.factors)
            wanted = {
                ability_of_item[c.subject] if c.kind == ITEM else c.subject for c in rule.conditions
            }
            assert aims & wanted, (rule.id, technique_id)


def test_a_rules_goals_aim_at_what_triggered_the_rule() -> None:
    for rule in bundled_suggestion_rules().rules:
        subjects = {c.subject for c in rule.conditions}
        for goal in rule.goals:
            assert (goal.ability or goal.factor) in subjects, rule.id


def test_every_ability_and_every_risk_factor_has_a_rule() -> None:
    rules = bundled_suggestion_rules()
    single = {
        (rule.conditions[0].kind, rule.conditions[0].subject)
        for rule in rules.rules
        if len(rule.conditions) == 1
    }
    assert {(ABILITY, a) for a in "ABC"} <= single
    risks = {code for code in codebook_codes(rules) if code.startswith("R-")}
    assert {(RISK, code) for code in risks} <= single


def test_every_shipped_technique_is_suggested_by_some_rule() -> None:
    rules = bundled_suggestion_rules()
    used = {t for rule in rules.rules for t in rule.techniques}
    assert used == set(bundled_techniques(version=rules.techniques.version).ids)


def test_the_shipped_file_is_exactly_what_the_writer_writes() -> None:
    assert suggestion_rules_to_dict(bundled_suggestion_rules()) == shipped_data()


def test_an_unknown_version_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        bundled_suggestion_rules(version="2")


# --- evaluating ---------------------------------------------------------------------------


def test_a_weak_ability_suggests_its_goal_and_techniques_and_names_the_low_items() -> None:
    rules = bundled_suggestion_rules()
    found = suggest(rules, profile=profile(item1=1, item2=3, item5=1))  # A: 5 / 3 ≤ 2
    keys = [s.key for s in found]
    assert keys == [
        "goal:weak-adapting:0",
        "technique:disease-roadmap",
        "technique:routine-roles",
        "technique:small-steps",
        "technique:eco-map",
    ]
    goal = found[0]
    assert goal.kind == "goal"
    assert goal.goal is not None
    assert goal.goal.ability == "A"
    assert "next phase of treatment" in goal.goal.text["en"]
    (trigger,) = goal.triggers
    assert (trigger.kind, trigger.subject, trigger.at_most) == (ABILITY, "A", 2.0)
    assert trigger.value == pytest.approx(5 / 3)
    assert trigger.items == (("item1", 1.0), ("item5", 1.0))
    assert trigger.describe() == "ability A: item mean 1.67 ≤ 2; low items: item1 = 1, item5 = 1"
    assert found[1].technique == "disease-roadmap"
    assert found[1].rules == ("weak-adapting",)


def test_an_item_rule_triggers_on_that_item_alone() -> None:
    found = by_key(suggest(bundled_suggestion_rules(), profile=profile(item10=1)))
    assert set(found) == {"technique:emotion-labelling", "technique:mood-screening-referral"}
    (trigger,) = found["technique:mood-screening-referral"].triggers
    assert trigger == Trigger(ITEM, "item10", value=1.0, at_most=1.0)
    assert trigger.describe() == "item10 scored 1 ≤ 1"


def test_a_present_risk_suggests_goals_techniques_and_referrals() -> None:
    found = suggest(bundled_suggestion_rules(), profile=None, risks={"R-ECO-01"})
    assert [s.key for s in found] == [
        "goal:catastrophic-costs:0",
        "technique:resource-linking",
        "technique:advocacy",
        "referral:medical_assistance",
        "referral:charity_fund",
        "referral:insurance_office",
    ]
    assert found[0].goal is not None
    assert found[0].goal.factor == "R-ECO-01"
    assert found[-1].referral == "insurance_office"
    assert found[-1].triggers == (Trigger(RISK, "R-ECO-01"),)
    assert found[-1].triggers[0].describe() == "risk factor R-ECO-01 in the map"


def test_a_technique_named_by_several_rules_is_suggested_once_with_every_trigger() -> None:
    found = by_key(
        suggest(
            bundled_suggestion_rules(),
            profile=profile(item3=1, item4=1, item7=2, item10=2),  # C: 1.5
            risks={"R-IND-03"},
        )
    )
    reframing = found["technique:cognitive-reframing"]
    assert reframing.rules == ("weak-feelings", "stress-strengthens-item", "self-blame")
    assert [(t.kind, t.subject) for t in reframing.triggers] == [
        (ABILITY, "C"),
        (ITEM, "item4"),
        (RISK, "R-IND-03"),
    ]
    assert len([s for s in found.values() if s.technique == "cognitive-reframing"]) == 1


def test_a_rule_with_two_conditions_needs_both() -> None:
    rules = bundled_suggestion_rules()
    only_debt = by_key(suggest(rules, profile=None, risks={"R-ECO-01"}))
    assert "referral:crowdfunding_guidance" not in only_debt
    both = by_key(suggest(rules, profile=None, risks={"R-ECO-01", "R-CUL-01"}))
    crowdfunding = both["referral:crowdfunding_guidance"]
    assert crowdfunding.rules == ("costs-and-face",)
    assert crowdfunding.triggers == (Trigger(RISK, "R-ECO-01"), Trigger(RISK, "R-CUL-01"))


def test_an_available_protective_factor_is_mobilised() -> None:
    found = by_key(suggest(bundled_suggestion_rules(), profile=None, protections={"P-SOC-01"}))
    assert set(found) == {
        "goal:mobilise-peers:0",
        "technique:peer-mentors",
        "technique:support-groups",
        "referral:peer_group",
    }
    assert found["referral:peer_group"].triggers == (Trigger(PROTECTIVE, "P-SOC-01"),)


def test_a_risk_code_among_the_protections_triggers_nothing() -> None:
    assert suggest(bundled_suggestion_rules(), profile=None, protections={"R-ECO-01"}) == ()


def test_without_a_profile_only_the_map_triggers() -> None:
    assert suggest(bundled_suggestion_rules(), profile=None) == ()


def test_a_resilient_profile_and_an_empty_map_suggest_nothing() -> None:
    assert suggest(bundled_suggestion_rules(), profile=profile()) == ()


def test_an_ability_with_no_answered_item_triggers_nothing() -> None:
    weak_b_unanswered_a = profile(item1=None, item2=None, item5=None)
    assert suggest(bundled_suggestion_rules(), profile=weak_b_unanswered_a) == ()


def test_the_weak_threshold_is_the_rules_own() -> None:
    data = shipped_data()
    data["weak_ability_at_most"] = 1.5
    rules = load_suggestion_rules(data)
    assert suggest(rules, profile=profile(item1=1, item2=3, item5=1)) == ()  # 1.67 > 1.5
    assert suggest(rules, profile=profile(item1=1, item2=2, item5=1))  # 1.33 ≤ 1.5


def test_an_inactive_technique_is_left_out() -> None:
    library_data = json.loads(
        resources.files("buoy.plans")
        .joinpath("library", "techniques_v1.json")
        .read_text(encoding="utf-8")
    )
    for technique in library_data["techniques"]:
        if technique["id"] == "eco-map":
            technique["active"] = False
    library = load_techniques(library_data)
    found = by_key(
        suggest(bundled_suggestion_rules(), profile=profile(item1=0), techniques=library)
    )
    assert "technique:eco-map" not in found
    assert "technique:disease-roadmap" in found


def test_a_technique_the_library_does_not_have_is_an_error() -> None:
    data = shipped_data()
    data["rules"][0]["techniques"].append("hypnosis")
    rules = load_suggestion_rules(data)  # no library given: only the id's form is checked
    with pytest.raises(SuggestionRuleError) as raised:
        suggest(rules, profile=profile(item1=0), techniques=bundled_techniques())
    assert (raised.value.entry, raised.value.field) == ("rule 'weak-adapting'", "techniques")
    assert "'hypnosis'" in raised.value.message


def test_suggestion_keys_are_unique_when_everything_triggers() -> None:
    rules = bundled_suggestion_rules()
    codes = codebook_codes(rules)
    everything = suggest(
        rules,
        profile=profile(**{f"item{n}": 0 for n in range(1, 11)}),
        risks={c for c in codes if c.startswith("R-")},
        protections={c for c in codes if c.startswith("P-")},
    )
    keys = [s.key for s in everything]
    assert len(keys) == len(set(keys))
    kinds = [s.kind for s in everything]
    assert kinds == sorted(kinds, key=["goal", "technique", "referral"].index)
    assert {s.technique for s in everything if s.technique} == set(bundled_techniques().ids)
    assert all(s.triggers and s.rules for s in everything)


# --- the loader refuses bad rules, naming file, rule and field ----------------------------


def _rule_changed(index: int, **changes: Any) -> dict[str, Any]:
    data = shipped_data()
    rule = data["rules"][index]
    for key, value in changes.items():
        if value is ...:
            del rule[key]
        else:
            rule[key] = value
    return data


def test_the_error_names_the_file_the_rule_and_the_field() -> None:
    error = load_error(_rule_changed(0, when=[{"weak_ability": "D"}]))
    assert (error.source, error.entry, error.field) == (
        "suggestion_rules_v1.json",
        "rule 'weak-adapting'",
        "when[0].weak_ability",
    )
    assert str(error) == (
        "suggestion_rules_v1.json: rule 'weak-adapting': when[0].weak_ability: "
        "'D' is not one of: A, B, C"
    )


GOAL_TEXT = {"en": "x", "zh-hans": "某"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"when": []}, "when", "at least one condition"),
        ({"when": ...}, "when", "is missing"),
        ({"when": [{}]}, "when[0]", "exactly one of"),
        ({"when": [{"weak_ability": "A", "risk": "R-IND-01"}]}, "when[0]", "exactly one of"),
        ({"when": [{"weak_ability": "A", "at_most": 1}]}, "when[0]", "unknown field: at_most"),
        ({"when": [{"item": "item11", "at_most": 1}]}, "when[0].item", "not a CD-RISC-10 item"),
        ({"when": [{"item": "item1"}]}, "when[0].at_most", "is missing"),
        ({"when": [{"item": "item1", "at_most": 5}]}, "when[0].at_most", "0 to 4"),
        ({"when": [{"item": "item1", "at_most": "1"}]}, "when[0].at_most", "expected a number"),
        ({"when": [{"risk": "P-SOC-01"}]}, "when[0].risk", "not a risk (R-…) factor"),
        ({"when": [{"protective": "R-SOC-01"}]}, "when[0].protective", "not a protective"),
        ({"when": [{"risk": "R-ECO"}]}, "when[0].risk", "not a factor code"),
        ({"when": "A"}, "when", "expected a list"),
        ({"goals": [{"text": GOAL_TEXT}]}, "goals[0]", "exactly one: an ability or a factor"),
        (
            {"goals": [{"ability": "A", "factor": "R-IND-01", "text": GOAL_TEXT}]},
            "goals[0]",
            "exactly one",
        ),
        ({"goals": [{"ability": "E", "text": GOAL_TEXT}]}, "goals[0].ability", "not one of"),
        ({"goals": [{"factor": "X-1", "text": GOAL_TEXT}]}, "goals[0].factor", "factor code"),
        ({"goals": [{"ability": "A", "text": {"en": "x"}}]}, "goals[0].text.zh-hans", "missing"),
        ({"goals": [{"ability": "A"}]}, "goals[0].text", "is missing"),
        ({"techniques": ["Eco map"]}, "techniques[0]", "is not an id"),
        ({"techniques": ["eco-map", "eco-map"]}, "techniques[1]", "listed twice"),
        ({"referrals": ["bank"]}, "referrals[0]", "'bank' is not one of"),
        ({"referrals": ["lodging", "lodging"]}, "referrals[1]", "listed twice"),
        ({"note": ...}, "note", "is missing"),
        ({"note": {"en": "why"}}, "note.zh-hans", "bilingual"),
        ({"priority": 1}, "", "unknown field: priority"),
        ({"goals": [], "techniques": [], "referrals": []}, "", "suggests nothing"),
    ],
)
def test_a_bad_rule_is_refused(changes: dict[str, Any], field: str, message: str) -> None:
    error = load_error(_rule_changed(0, **changes))
    assert error.entry == "rule 'weak-adapting'"
    assert error.field == field
    assert message in error.message


def test_unknown_codes_and_techniques_are_refused_when_the_known_ones_are_given() -> None:
    data = _rule_changed(0, when=[{"risk": "R-ECO-09"}])
    error = load_error(data, known_factors=codebook_codes())
    assert (error.field, error.message) == (
        "when[0].risk",
        "'R-ECO-09' is not a code of the codebook",
    )
    data = _rule_changed(0, goals=[{"factor": "P-ECO-09", "text": GOAL_TEXT}])
    assert load_error(data, known_factors=codebook_codes()).field == "goals[0].factor"
    data = _rule_changed(0, techniques=["hypnosis"])
    error = load_error(data, known_techniques=bundled_techniques().ids)
    assert (error.field, error.message) == (
        "techniques[0]",
        "'hypnosis' is not a technique of the library",
    )


def test_a_duplicate_or_unusable_rule_id_is_refused() -> None:
    data = shipped_data()
    data["rules"].append(copy.deepcopy(data["rules"][2]))
    error = load_error(data)
    assert (error.entry, error.field) == ("rule 'weak-feelings'", "id")
    assert "appears twice (first at rules[2])" in error.message
    data = shipped_data()
    data["rules"][4]["id"] = "Weak C"
    error = load_error(data)
    assert (error.entry, error.field) == ("rules[4]", "id")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("weak_ability_at_most", 4.5, "0 to 4"),
        ("weak_ability_at_most", "2", "expected a number"),
        ("techniques", {"id": "techniques"}, "is missing"),
        ("format", 0, "expected 1"),
        ("rules", None, "expected a list"),
        ("extra", True, "unknown field: extra"),
    ],
)
def test_a_bad_top_level_field_is_refused(key: str, value: Any, message: str) -> None:
    data = shipped_data()
    data[key] = value
    error = load_error(data)
    assert error.entry == ""
    assert message in error.message
