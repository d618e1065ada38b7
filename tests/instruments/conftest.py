from __future__ import annotations

import pytest

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.instruments import services
from buoy.instruments.models import Assessment, InstrumentVersion, Timepoint
from buoy.instruments.selectors import current_instrument


@pytest.fixture
def cdrisc10(db: None) -> InstrumentVersion:
    return current_instrument("cdrisc10")


@pytest.fixture
def phq9(db: None) -> InstrumentVersion:
    return current_instrument("phq9")


@pytest.fixture
def baseline(db: None) -> Timepoint:
    return Timepoint.objects.get(code="baseline")


@pytest.fixture
def post(db: None) -> Timepoint:
    return Timepoint.objects.get(code="post")


@pytest.fixture
def alice_assessment(
    alice_worker: User, alice_case: Case, cdrisc10: InstrumentVersion, baseline: Timepoint
) -> Assessment:
    return services.start_assessment(
        actor=alice_worker,
        case=alice_case,
        caregiver=alice_case.caregivers.get(),
        instrument_version=cdrisc10,
        timepoint=baseline,
    )


def cdrisc_answers(*values: int | None) -> dict[str, int | None]:
    return {f"item{i}": v for i, v in enumerate(values, start=1)}
