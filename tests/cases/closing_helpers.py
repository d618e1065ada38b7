"""A completed CD-RISC-10 for closing tests: the post-assessment closing a case expects."""

from __future__ import annotations

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.instruments import services as instrument_services
from buoy.instruments.models import Assessment, Timepoint
from buoy.instruments.selectors import current_instrument


def complete_cdrisc10(
    worker: User, case: Case, *, timepoint: str, answer: int = 2, answered: int = 10
) -> Assessment:
    """The case's primary caregiver's CD-RISC-10 at `timepoint`, `answered` items answered
    `answer`, completed (an invalid score is confirmed when too few are answered)."""
    cdrisc = current_instrument("cdrisc10")
    assessment = instrument_services.start_assessment(
        actor=worker,
        case=case,
        caregiver=case.caregivers.get(is_primary=True),
        instrument_version=cdrisc,
        timepoint=Timepoint.objects.get(code=timepoint),
    )
    items = cdrisc.instrument().scored_items[:answered]
    return instrument_services.record_answers(
        actor=worker,
        assessment=assessment,
        answers={item.id: answer for item in items},
        complete=True,
        confirm_invalid=answered < 10,
    )
