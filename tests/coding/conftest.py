"""Fixtures of the coding tests: the casework project and Alice's intake interview in it.

The personas and Alice's case come from tests/conftest.py.
"""

from __future__ import annotations

import pytest

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.coding import services
from buoy.coding.models import Project, Transcript

INTERVIEW = (
    "社工：最近怎么样？\n"
    "妈妈：化疗期间我每天记下医生说的话，我相信她会好起来。\n"
    "社工：家里谁在帮忙？\n"
    "妈妈：奶奶来照顾小女儿，可是我们借了三十万，压力很大。\n"
)


@pytest.fixture
def casework(db: None) -> Project:
    """The department's casework project, where case staff code their families' interviews."""
    return services.casework_project()


@pytest.fixture
def interview_text() -> str:
    """What Alice's intake interview says; a module whose tests need other words overrides it."""
    return INTERVIEW


@pytest.fixture
def transcript(
    alice_worker: User, alice_case: Case, casework: Project, interview_text: str
) -> Transcript:
    """Alice's intake interview with the family of her case, pasted into the casework project."""
    return services.import_transcript(
        actor=alice_worker,
        project=casework,
        filename="",
        pasted=interview_text,
        case=alice_case,
        title="Intake interview",
    )
