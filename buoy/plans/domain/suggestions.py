"""Rule-based suggestions: goals, techniques and referrals from the ability profile and the map.

The rules are data the department edits, shipped as buoy/plans/library/
suggestion_rules_v<version>.json (the format is in docs/plans/rules.md). A rule says *when*
(conditions that must all hold) and *what* (draft goals, technique ids, referral kinds). The
conditions are:

================================== ==============================================================
``{"weak_ability": "A"}``          ability A's item mean is at or below ``weak_ability_at_most``
``{"item": "item10", "at_most": 1}`` one CD-RISC-10 item scored at or below ``at_most``
``{"risk": "R-ECO-01"}``           the risk factor is present in the strengths–risk map
``{"protective": "P-SOC-01"}``     the protective factor is available (present) in the map
================================== ==============================================================

`suggest` evaluates the rules and returns one `Suggestion` per thing a worker accepts or
dismisses: a draft goal, a technique, a referral kind. Each says which rules and which
triggers (the ability and its low items, the item, the factor) brought it up. A technique or
referral named by several rules is suggested once, with all their triggers. A person always
decides; nothing here writes anything.

`load_suggestion_rules` checks the data strictly (`SuggestionRuleError` names the file, the
rule and the field, and why); it checks technique ids and factor codes against the ones the
caller passes (the technique library, the codebook's codes). Nothing here imports the coding
app, a sibling of plans: the caller passes the codebook's codes.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from buoy.plans.domain import library_format as fmt
from buoy.plans.domain.abilities import (
    ABILITIES,
    AbilityProfile,
    ability_items,
    check_threshold,
)
from buoy.plans.domain.resources import RESOURCE_KINDS
from buoy.plans.domain.techniques import TechniqueLibrary, bundled_techniques

FILE_NAME = "suggestion_rules"  # library/suggestion_rules_v<version>.json

GOAL, TECHNIQUE, REFERRAL = "goal", "technique", "referral"
ABILITY, ITEM, RISK, PROTECTIVE = "ability", "item", "risk", "protective"
_CONDITION_KEYS = {"weak_ability": ABILITY, "item": ITEM, "risk": RISK, "protective": PROTECTIVE}

_TOP_KEYS = (
    "format",
    "id",
    "version",
    "name",
    "source",
    "licence",
    "codebook",
    "techniques",
    "weak_ability_at_most",
    "rules",
)
_RULE_KEYS = ("id", "when", "goals", "techniques", "referrals", "note")
_RULE_REQUIRED = ("id", "when", "note")


class SuggestionRuleError(fmt.LibraryError):
    """Suggestion rules that cannot be used; says the file, rule, field and why."""


@dataclass(frozen=True)
class Condition:
    """One condition of a rule: `kind` ability / item / risk / protective, and its subject
    (``A``, ``item10``, ``R-ECO-01``); `at_most` for an item."""

    kind: str
    subject: str
    at_most: float | None = None


@dataclass(frozen=True)
class GoalDraft:
    """A draft goal aimed at one ability or one map factor, for the worker to rewrite in the
    caregiver's own words."""

    text: fmt.Text
    ability: str | None = None
    factor: str | None = None


@dataclass(frozen=True)
class Rule:
    """When all `conditions` hold, suggest `goals`, `techniques` (ids) and `referrals`
    (resource kinds); `note` says why, for the worker."""

    id: str
    conditions: tuple[Condition, ...]
    note: fmt.Text
    goals: tuple[GoalDraft, ...] = ()
    techniques: tuple[str, ...] = ()
    referrals: tuple[str, ...] = ()


@dataclass(frozen=True)
class SuggestionRules:
    """One version of the rules, naming the codebook and technique library they refer to."""

    id: str
    version: str
    name: fmt.Text
    source: str
    licence: str
    codebook: fmt.Reference
    techniques: fmt.Reference
    weak_ability_at_most: float
    rules: tuple[Rule, ...]

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; KeyError if there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


@dataclass(frozen=True)
class Trigger:
    """What made a condition hold.

    For an ability: `value` is its item mean, `at_most` the threshold, `items` its answered
    items scored at or below the threshold, with their scores. For an item: `value` is its
    score. For a factor: the code alone.
    """

    kind: str
    subject: str
    value: float | None = None
    at_most: float | None = None
    items: tuple[tuple[str, float], ...] = ()

    def describe(self) -> str:
        """The trigger in a line of English, for logs and errors (pages word their own)."""
        if self.kind == ABILITY:
            items = ", ".join(f"{item} = {score:g}" for item, score in self.items)
            low = f"; low items: {items}" if items else ""
            return f"ability {self.subject}: item mean {self.value:.2f} ≤ {self.at_most:g}{low}"
        if self.kind == ITEM:
            return f"{self.subject} scored {self.value:g} ≤ {self.at_most:g}"
        return f"{self.kind} factor {self.subject} in the map"


@dataclass(frozen=True)
class Suggestion:
    """One thing to accept or dismiss: a goal, a technique or a referral kind.

    `key` is stable across evaluations (``technique:eco-map``, ``referral:lodging``,
    ``goal:<rule id>:<index>``), so a recorded choice can be matched to the next evaluation.
    `rules` and `triggers` say what brought it up.
    """

    kind: str
    key: str
    rules: tuple[str, ...]
    triggers: tuple[Trigger, ...]
    goal: GoalDraft | None = None
    technique: str | None = None
    referral: str | None = None


# --- evaluating -----------------------------------------------------------------------------


def _trigger(
    condition: Condition,
    *,
    profile: AbilityProfile | None,
    at_most: float,
    risks: Collection[str],
    protections: Collection[str],
) -> Trigger | None:
    """The trigger if the condition holds, else None."""
    if condition.kind == ABILITY:
        if profile is None or profile.abilities[condition.subject].is_weak(at_most) is not True:
            return None
        ability = profile.abilities[condition.subject]
        return Trigger(
            kind=ABILITY,
            subject=condition.subject,
            value=ability.mean,
            at_most=at_most,
            items=tuple((item, ability.scores[item]) for item in ability.low_items(at_most)),
        )
    if condition.kind == ITEM:
        assert condition.at_most is not None  # the loader requires it for an item
        score = None if profile is None else profile.item_scores.get(condition.subject)
        if score is None or score > condition.at_most:
            return None
        return Trigger(ITEM, condition.subject, value=score, at_most=condition.at_most)
    present = risks if condition.kind == RISK else protections
    return Trigger(condition.kind, condition.subject) if condition.subject in present else None


def _rule_triggers(
    rule: Rule,
    *,
    profile: AbilityProfile | None,
    at_most: float,
    risks: Collection[str],
    protections: Collection[str],
) -> tuple[Trigger, ...] | None:
    """Every condition's trigger when all hold, else None."""
    triggers = []
    for condition in rule.conditions:
        trigger = _trigger(
            condition, profile=profile, at_most=at_most, risks=risks, protections=protections
        )
        if trigger is None:
            return None
        triggers.append(trigger)
    return tuple(triggers)


@dataclass
class _Gathered:
    """A technique or referral suggestion being gathered across rules."""

    rules: list[str]
    triggers: list[Trigger]

    def add(self, rule_id: str, triggers: Sequence[Trigger]) -> None:
        if rule_id not in self.rules:
            self.rules.append(rule_id)
        self.triggers.extend(t for t in triggers if t not in self.triggers)


def suggest(
    rules: SuggestionRules,
    *,
    profile: AbilityProfile | None,
    risks: Collection[str] = (),
    protections: Collection[str] = (),
    techniques: TechniqueLibrary | None = None,
) -> tuple[Suggestion, ...]:
    """The suggestions of every rule whose conditions all hold: goals first, then techniques,
    then referrals, each in the order of the rules that first name them.

    `profile` is the latest CD-RISC-10 ability profile (None before an assessment: ability and
    item conditions then do not hold); `risks` the risk factor codes present in the map,
    `protections` the protective factor codes available. With `techniques` (the department's
    library), inactive techniques are left out, and a technique the library does not have is
    a SuggestionRuleError.
    """
    at_most = rules.weak_ability_at_most
    goals: list[Suggestion] = []
    gathered: dict[tuple[str, str], _Gathered] = {}
    for rule in rules.rules:
        triggers = _rule_triggers(
            rule, profile=profile, at_most=at_most, risks=risks, protections=protections
        )
        if triggers is None:
            continue
        for index, goal in enumerate(rule.goals):
            goals.append(
                Suggestion(
                    kind=GOAL,
                    key=f"{GOAL}:{rule.id}:{index}",
                    rules=(rule.id,),
                    triggers=triggers,
                    goal=goal,
                )
            )
        for technique_id in rule.techniques:
            if techniques is not None and not _offered(techniques, technique_id, rule.id):
                continue
            gathered.setdefault((TECHNIQUE, technique_id), _Gathered([], [])).add(rule.id, triggers)
        for kind in rule.referrals:
            gathered.setdefault((REFERRAL, kind), _Gathered([], [])).add(rule.id, triggers)
    others = [
        Suggestion(
            kind=kind,
            key=f"{kind}:{subject}",
            rules=tuple(found.rules),
            triggers=tuple(found.triggers),
            technique=subject if kind == TECHNIQUE else None,
            referral=subject if kind == REFERRAL else None,
        )
        for (kind, subject), found in gathered.items()
    ]
    order = {TECHNIQUE: 0, REFERRAL: 1}
    return (*goals, *sorted(others, key=lambda s: order[s.kind]))  # sorted() is stable


def _offered(library: TechniqueLibrary, technique_id: str, rule_id: str) -> bool:
    try:
        return library.technique(technique_id).active
    except KeyError:
        raise SuggestionRuleError(
            "techniques",
            f"{technique_id!r} is not a technique of library {library.id} "
            f"version {library.version}",
            entry=f"rule {rule_id!r}",
        ) from None


# --- reading --------------------------------------------------------------------------------


def _condition(
    data: object, path: str, known_factors: Collection[str] | None, items: Collection[str]
) -> Condition:
    if not isinstance(data, Mapping):
        raise fmt.LibraryError(path, "expected an object")
    kinds = [key for key in data if key in _CONDITION_KEYS]
    if len(kinds) != 1:
        raise fmt.LibraryError(
            path, f"expected exactly one of: {', '.join(_CONDITION_KEYS)}, got {sorted(data)}"
        )
    key = kinds[0]
    allowed = ("item", "at_most") if key == "item" else (key,)
    fmt.check_keys(data, allowed=allowed, required=allowed, path=path)
    subject = data[key]
    where = fmt.at(path, key)
    if key == "weak_ability":
        if subject not in ABILITIES:
            raise fmt.LibraryError(where, f"{subject!r} is not one of: {', '.join(ABILITIES)}")
        return Condition(ABILITY, subject)
    if key == "item":
        if subject not in items:
            raise fmt.LibraryError(where, f"{subject!r} is not a CD-RISC-10 item (item1…item10)")
        at_most = fmt.number(data, "at_most", path)
        try:
            check_threshold(at_most)
        except ValueError:
            raise fmt.LibraryError(
                fmt.at(path, "at_most"), f"{data['at_most']!r} is not an item score: 0 to 4"
            ) from None
        return Condition(ITEM, subject, at_most=at_most)
    valence = "R" if key == "risk" else "P"
    code = fmt.factor_code(subject, where, known=known_factors, valence=valence)
    return Condition(_CONDITION_KEYS[key], code)


def _goal(data: object, path: str, known_factors: Collection[str] | None) -> GoalDraft:
    if not isinstance(data, Mapping):
        raise fmt.LibraryError(path, "expected an object")
    aims = [key for key in ("ability", "factor") if key in data]
    if len(aims) != 1:
        raise fmt.LibraryError(path, "a goal aims at exactly one: an ability or a factor")
    fmt.check_keys(data, allowed=(aims[0], "text"), required=(aims[0], "text"), path=path)
    text = fmt.text(data, "text", path)
    if aims[0] == "ability":
        if data["ability"] not in ABILITIES:
            raise fmt.LibraryError(
                fmt.at(path, "ability"), f"{data['ability']!r} is not one of: A, B, C"
            )
        return GoalDraft(text=text, ability=data["ability"])
    code = fmt.factor_code(data["factor"], fmt.at(path, "factor"), known=known_factors)
    return GoalDraft(text=text, factor=code)


def _technique_ids(data: Mapping[str, Any], known: Collection[str] | None) -> tuple[str, ...]:
    ids: list[str] = []
    for index, value in enumerate(fmt.entries(data, "techniques") if "techniques" in data else []):
        where = fmt.at("techniques", index)
        technique_id = fmt.stable_id(value, where)
        if known is not None and technique_id not in known:
            raise fmt.LibraryError(where, f"{technique_id!r} is not a technique of the library")
        if technique_id in ids:
            raise fmt.LibraryError(where, f"{technique_id!r} is listed twice")
        ids.append(technique_id)
    return tuple(ids)


def _rule(
    data: Mapping[str, Any],
    *,
    known_factors: Collection[str] | None,
    known_techniques: Collection[str] | None,
    items: Collection[str],
) -> Rule:
    fmt.check_keys(data, allowed=_RULE_KEYS, required=_RULE_REQUIRED, path="")
    when = fmt.entries(data, "when")
    if not when:
        raise fmt.LibraryError("when", "expected at least one condition")
    conditions = tuple(
        _condition(entry, fmt.at("when", i), known_factors, items) for i, entry in enumerate(when)
    )
    goals = tuple(
        _goal(entry, fmt.at("goals", i), known_factors)
        for i, entry in enumerate(fmt.entries(data, "goals") if "goals" in data else [])
    )
    referrals = (
        fmt.choices(data, "referrals", RESOURCE_KINDS, non_empty=False)
        if "referrals" in data
        else ()
    )
    rule = Rule(
        id=data["id"],
        conditions=conditions,
        note=fmt.text(data, "note"),
        goals=goals,
        techniques=_technique_ids(data, known_techniques),
        referrals=referrals,
    )
    if not (rule.goals or rule.techniques or rule.referrals):
        raise fmt.LibraryError("", "suggests nothing: give goals, techniques or referrals")
    return rule


def _rules(
    top: Mapping[str, Any],
    known_factors: Collection[str] | None,
    known_techniques: Collection[str] | None,
) -> tuple[Rule, ...]:
    items = {item for group in ability_items().values() for item in group}
    return fmt.read_entries(
        top,
        "rules",
        "rule",
        lambda entry: _rule(
            entry, known_factors=known_factors, known_techniques=known_techniques, items=items
        ),
    )


def _suggestion_rules(
    data: object,
    known_factors: Collection[str] | None,
    known_techniques: Collection[str] | None,
) -> SuggestionRules:
    top = fmt.check_keys(data, allowed=_TOP_KEYS, required=_TOP_KEYS, path="")
    fmt.file_format(top)
    at_most = fmt.number(top, "weak_ability_at_most")
    try:
        check_threshold(at_most)
    except ValueError:
        raise fmt.LibraryError(
            "weak_ability_at_most", f"{at_most!r} is not an item mean: expected 0 to 4"
        ) from None
    return SuggestionRules(
        id=fmt.stable_id(top["id"], "id"),
        version=fmt.version(top),
        name=fmt.text(top, "name"),
        source=fmt.plain_text(top, "source"),
        licence=fmt.plain_text(top, "licence"),
        codebook=fmt.reference(top, "codebook"),
        techniques=fmt.reference(top, "techniques"),
        weak_ability_at_most=at_most,
        rules=_rules(top, known_factors, known_techniques),
    )


def load_suggestion_rules(
    data: object,
    *,
    source: str = "",
    known_factors: Collection[str] | None = None,
    known_techniques: Collection[str] | None = None,
) -> SuggestionRules:
    """Check suggestion rules data (parsed JSON) and return the rules.

    Raises SuggestionRuleError naming `source` (the file), the rule and the field of the first
    problem, and why: an unknown or missing field, a rule id that is not a stable id or
    appears twice, a rule with no condition or that suggests nothing, a condition that is not
    exactly one of the four kinds, an ability other than A, B or C, an item that is not a
    CD-RISC-10 item or a threshold outside 0–4, a risk condition on a protective code (or the
    reverse), a factor not in `known_factors` or a technique not in `known_techniques` (when
    given), a referral kind not in RESOURCE_KINDS, a text without English or Chinese.
    """
    try:
        return _suggestion_rules(data, known_factors, known_techniques)
    except fmt.LibraryError as error:
        raise SuggestionRuleError(
            error.field, error.message, entry=error.entry, source=source
        ) from None


def suggestion_rules_to_dict(rules: SuggestionRules) -> dict[str, Any]:
    """The plain data for the rules; `load_suggestion_rules` of the result gives them back.
    Empty lists of goals, techniques and referrals are left out."""
    return {
        "format": fmt.FORMAT_VERSION,
        "id": rules.id,
        "version": rules.version,
        "name": dict(rules.name),
        "source": rules.source,
        "licence": rules.licence,
        "codebook": {"id": rules.codebook.id, "version": rules.codebook.version},
        "techniques": {"id": rules.techniques.id, "version": rules.techniques.version},
        "weak_ability_at_most": rules.weak_ability_at_most,
        "rules": [_rule_dict(rule) for rule in rules.rules],
    }


def _condition_dict(condition: Condition) -> dict[str, Any]:
    if condition.kind == ITEM:
        return {"item": condition.subject, "at_most": condition.at_most}
    key = {ABILITY: "weak_ability", RISK: "risk", PROTECTIVE: "protective"}[condition.kind]
    return {key: condition.subject}


def _rule_dict(rule: Rule) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": rule.id,
        "when": [_condition_dict(c) for c in rule.conditions],
    }
    if rule.goals:
        data["goals"] = [
            {"ability": g.ability, "text": dict(g.text)}
            if g.ability is not None
            else {"factor": g.factor, "text": dict(g.text)}
            for g in rule.goals
        ]
    if rule.techniques:
        data["techniques"] = list(rule.techniques)
    if rule.referrals:
        data["referrals"] = list(rule.referrals)
    data["note"] = dict(rule.note)
    return data


@functools.cache
def _read_bundled(file_name: str) -> SuggestionRules:
    data = fmt.read_bundled_json(file_name)
    # The techniques the rules name are checked against the library version they name.
    wanted = data.get("techniques") if isinstance(data, Mapping) else None
    version = wanted.get("version") if isinstance(wanted, Mapping) else None
    library = bundled_techniques(version=version if isinstance(version, str) else None)
    return load_suggestion_rules(data, source=file_name, known_techniques=library.ids)


def bundled_suggestion_rules(*, version: str | None = None) -> SuggestionRules:
    """The suggestion rules that ship with Buoy: the latest version, or the one asked for.

    Their technique ids are checked against the bundled technique library they name; their
    factor codes can only be checked by a caller that has the codebook (the plans services,
    the tests). LookupError when there is no such file.
    """
    file_name = fmt.bundled_file_name(FILE_NAME, version)
    rules = _read_bundled(file_name)
    if file_name != f"{FILE_NAME}_v{rules.version}.json":
        raise SuggestionRuleError(
            "version", f"says {rules.version!r}; the file name must match", source=file_name
        )
    return rules
