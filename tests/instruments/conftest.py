from __future__ import annotations

import pytest

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.instruments import services
from buoy.instruments.models import Assessment, InstrumentVersion, InstrumentWording, Timepoint
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


# A made-up wording, as a licensed site's import of CD-RISC-10 would look: never its real text.
TEST_WORDING = {
    "instrument": "cdrisc10",
    "language": "zh-hans",
    "instructions": "（测试用说明）",
    "items": {f"item{i}": f"（测试用第{i}题）" for i in range(1, 11)},
    "options": {"cdrisc_0_4": {str(v): f"（测试用选项{v}）" for v in range(5)}},
}


@pytest.fixture
def cdrisc10_test_wording(cdrisc10: InstrumentVersion) -> InstrumentWording:
    """CD-RISC-10 with a synthetic zh-hans wording imported, so that links may be sent."""
    return services.import_wording(
        actor=None, version=cdrisc10, language="zh-hans", wording=TEST_WORDING, source="test.json"
    )
