"""What in a case transcript may identify someone, for a person to confirm."""

from __future__ import annotations

from typing import Any

from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.domain.redaction import ID_NUMBER, PHONE, RedactionSuggestion, suggest_redactions
from buoy.coding.models import Transcript


def names_in_case(case: Any) -> list[str]:
    """The names a case records (child, caregivers), with Chinese given names alone too."""
    names: list[str] = []
    people = [getattr(case, "child", None), *case.caregivers.all()]
    for person in people:
        full = (getattr(person, "full_name", "") or "").strip()
        if not full:
            continue
        names.append(full)
        if len(full) >= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in full):
            names.append(full[1:])  # the given name, as family members say it
        elif " " in full:
            names.extend(part for part in full.split() if len(part) > 1)
    return list(dict.fromkeys(names))


def identifiers_in_case(case: Any) -> list[tuple[str, str]]:
    """What else a case records that identifies the family, as (redaction kind, text): its
    case number and the caregivers' phone numbers."""
    found = [(ID_NUMBER, case.reference)]
    found += [(PHONE, caregiver.phone) for caregiver in case.caregivers.all() if caregiver.phone]
    return [(kind, text) for kind, text in found if text and text.strip()]


def redaction_suggestions(user: User, transcript: Transcript) -> list[RedactionSuggestion]:
    """What in a transcript may identify someone, for a person to confirm (audited)."""
    case = transcript.case
    suggestions = suggest_redactions(
        transcript.text,
        names_in_case(case) if case is not None else [],
        known_identifiers=identifiers_in_case(case) if case is not None else [],
    )
    record(
        actor=user,
        action="coding.transcript.redaction_suggested",
        subject=transcript,
        context={"suggestions": len(suggestions)},
    )
    return suggestions
