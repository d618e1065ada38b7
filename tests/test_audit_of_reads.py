"""Every page or API answer that shows a family's identifiers leaves an audit event.

The authorization matrix names every route; this walks the same table as each user it allows
(answers 200 or 201), plants the family's identifiers in the record first, and fails where a
response shows one of them while the request wrote no audit event.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Case
from buoy.coding.models import Transcript
from tests.test_authorization_matrix import EXPECTED, PERSONAS, url_for, walk, world

pytestmark = pytest.mark.django_db

__all__ = ["world"]  # the matrix's fixture, used here as it is there

# Planted by tests/conftest.py's child_details and caregiver_details.
CHILD_NAME = "测试儿童"
CAREGIVER_NAME = "测试母亲"
PHONE = "13800000000"


# Answers the matrix's one request per route does not reach: other views of the same route.
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("coding:tables", {"by": "case"}),
    ("coding:table_download", {"table": "frequency", "by": "case", "format": "csv"}),
    ("coding:table_download", {"table": "cases", "format": "csv"}),
    ("coding-project-export", {"format": "csv"}),
]


def planted_identifiers(case: Case) -> list[str]:
    """What identifies Alice's family in any answer: names, phone and case reference."""
    return [CHILD_NAME, CAREGIVER_NAME, PHONE, case.reference]


def body_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    text = raw.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        # JSON escapes non-ASCII text; compare with the characters themselves.
        with contextlib.suppress(ValueError):
            text += json.dumps(json.loads(raw), ensure_ascii=False)
    return text


def test_the_planted_identifiers_are_in_the_record(alice_case: Case) -> None:
    caregiver = alice_case.caregivers.get()
    assert alice_case.child.full_name == CHILD_NAME
    assert caregiver.full_name == CAREGIVER_NAME
    assert caregiver.phone == PHONE


@pytest.fixture
def planted(world: dict[str, Any]) -> dict[str, Any]:
    """The matrix's world, with the family named in the interview's title as staff write it."""
    Transcript.objects.filter(pk=world["transcript_id"]).update(
        title=f"Interview with {CAREGIVER_NAME} about {CHILD_NAME}"
    )
    return world


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_every_answer_that_shows_an_identifier_is_audited(
    persona: str, personas: dict[str, User], planted: dict[str, Any], alice_case: Case
) -> None:
    patterns = dict(walk(get_resolver().url_patterns))
    identifiers = planted_identifiers(alice_case)
    unaudited = []
    shown = 0
    requests = [(name, data) for name, (method, data, _) in sorted(EXPECTED.items())]
    for name, data in requests + VARIANTS:
        method, _data, expected = EXPECTED[name]
        if expected[persona] not in (200, 201):
            continue
        client = Client()
        client.force_login(personas[persona])
        url = url_for(name, patterns[name], planted)
        before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = getattr(client, method)(url, data)
        assert response.status_code == expected[persona], (
            f"{url} ({name}) answered {response.status_code}"
        )
        found = [value for value in identifiers if value in body_of(response)]
        if not found:
            continue
        shown += 1
        audited = AuditEvent.objects.filter(id__gt=before, actor=personas[persona]).exists()
        if not audited:
            unaudited.append(f"{method.upper()} {url} ({name}) shows {found} with no audit event")
    assert unaudited == [], "\n".join(unaudited)
    if persona in ("alice_worker", "carol_supervisor"):
        # The walk is only a check if it reaches pages that show the family.
        assert shown >= 10
