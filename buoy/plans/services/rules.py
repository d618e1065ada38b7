"""Saving a new version of the department's suggestion rules.

The department edits the rules as JSON text (docs/plans/rules.md). A new version is checked by
the strict loader of `domain/suggestions.py` against the technique library and the casework
codebook in the database, so a rule naming a technique or a factor code that does not exist
is refused, with the rule and field named; nothing is saved then. A saved version is never
changed: the next change is the next version.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from buoy.access.domain.roles import can_keep_suggestion_rules
from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.services import casework_project
from buoy.core.errors import Forbidden, InvalidInput
from buoy.plans.domain.suggestions import (
    SuggestionRuleError,
    load_suggestion_rules,
    suggestion_rules_to_dict,
)
from buoy.plans.models import SuggestionRuleSet, Technique
from buoy.plans.selectors.maps import codebook_factors
from buoy.plans.selectors.rules import (
    canonical_text,
    next_rules_version,
    suggestion_rule_version,
)
from buoy.plans.services._common import short_text

NOTE_LIMIT = 2000
TEXT_LIMIT = 500_000  # characters; the shipped rules are about 20,000


def _data(text: Any) -> Any:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput({"text": [_("Write the rules as JSON text.")]})
    if len(text) > TEXT_LIMIT:
        message = _("The rules are too long (at most %(limit)s characters).")
        raise InvalidInput({"text": [message % {"limit": TEXT_LIMIT}]})
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            {
                "text": [
                    _("This is not JSON: %(problem)s at line %(line)s, column %(column)s.")
                    % {"problem": error.msg, "line": error.lineno, "column": error.colno}
                ]
            }
        ) from None


@transaction.atomic
def save_suggestion_rules(*, actor: User, text: Any, note: Any = "") -> SuggestionRuleSet:
    """Save `text` (the rules as JSON) as the department's next version, which is then the
    rules in force. The text's ``version`` is set to the new number; the rest must pass the
    strict loader, with every technique id in the library and every factor code in the
    casework codebook.

    Forbidden unless the actor keeps the rules (`can_keep_suggestion_rules`). InvalidInput on
    ``text`` (not JSON, or the loader's error naming the rule and field, or the same rules as
    the version in force) or ``note`` (too long); nothing is saved then.
    """
    if not can_keep_suggestion_rules(actor.role_enum):
        raise Forbidden()
    errors: dict[str, list[str]] = {}
    note_text = short_text(note, field="note", errors=errors, limit=NOTE_LIMIT)
    if errors:
        raise InvalidInput(errors)
    data = _data(text)
    version = next_rules_version()
    if isinstance(data, dict):
        data["version"] = str(version)
    try:
        rules = load_suggestion_rules(
            data,
            known_factors=set(codebook_factors(casework_project())),
            known_techniques=set(Technique.objects.values_list("code", flat=True)),
        )
    except SuggestionRuleError as error:
        raise InvalidInput(
            {"text": [_("The rules were not saved: %(problem)s") % {"problem": error}]}
        ) from None
    in_force = suggestion_rule_version(actor)
    canonical = canonical_text(suggestion_rules_to_dict(rules))
    if _without_version(canonical) == _without_version(in_force.text):
        raise InvalidInput(
            {"text": [_("These are the rules in force already: change something first.")]}
        )
    try:
        with transaction.atomic():
            row = SuggestionRuleSet.objects.create(
                version=version,
                rules_id=rules.id,
                text=canonical,
                note=note_text,
                saved_by=actor,
            )
    except IntegrityError:  # someone saved a version at the same moment
        raise InvalidInput(
            {"text": [_("Someone saved another version just now: look at it, then try again.")]}
        ) from None
    record(
        actor=actor,
        action="plans.suggestion_rules.saved",
        subject=row,
        changed_fields=["text", *(["note"] if note_text else [])],
        context={"version": version, "previous": in_force.version, "rules": len(rules.rules)},
    )
    return row


def _without_version(text: str) -> Any:
    data = json.loads(text)
    if isinstance(data, dict):
        data.pop("version", None)
    return data
