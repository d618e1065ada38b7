"""Writes about instruments and assessments: access check, validation, save and audit in one
transaction. Pages, the API, the self-report link and the command line call these.

The package's modules, by topic: :mod:`.library` (the bundled library, installed versions,
who may change them), :mod:`.definitions` (imported definitions and edited item groups),
:mod:`.wordings` (a site's wording in one language), :mod:`.timepoints`, :mod:`.assessments`
(start, answer, complete, correct, import records), :mod:`.self_report` (the caregiver's
one-time link) and :mod:`.alerts` (handling a safety alert). What this ``__init__`` exports is
the package's interface; names with a leading underscore are shared between its modules only.
"""

from buoy.instruments.services.alerts import handle_alert
from buoy.instruments.services.assessments import (
    UnconfirmedInvalidScore,
    correct_assessment,
    import_assessments,
    record_answers,
    start_assessment,
)
from buoy.instruments.services.definitions import ImportOutcome, import_instruments, set_item_groups
from buoy.instruments.services.library import DEFAULT_TIMEPOINTS, ensure_bundled_instruments
from buoy.instruments.services.self_report import (
    LINK_VALID_DAYS,
    create_self_report_link,
    save_self_report,
)
from buoy.instruments.services.timepoints import set_timepoint
from buoy.instruments.services.wordings import import_wording, verify_wording

__all__ = [
    "DEFAULT_TIMEPOINTS",
    "LINK_VALID_DAYS",
    "ImportOutcome",
    "UnconfirmedInvalidScore",
    "correct_assessment",
    "create_self_report_link",
    "ensure_bundled_instruments",
    "handle_alert",
    "import_assessments",
    "import_instruments",
    "import_wording",
    "record_answers",
    "save_self_report",
    "set_item_groups",
    "set_timepoint",
    "start_assessment",
    "verify_wording",
]
