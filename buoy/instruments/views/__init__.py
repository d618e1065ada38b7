"""Assessment pages: the case's assessment section, entry, correction, self-report links,
safety alerts and how they were handled, and the caregiver's own link page (no login); and
the administrator's pages for the department's instruments: item groups and timepoints.

The package's modules, by page: :mod:`.assessments` (the case's section, starting, entering
and correcting an assessment, its link), :mod:`.alerts`, :mod:`.self_report` (the caregiver's
page) and :mod:`.library` (the administrator's pages); :mod:`.shared` holds what they share.
This ``__init__`` exports every view `urls.py` and `config/urls.py` name.
"""

from buoy.instruments.views.alerts import alert_handle, alerts, alerts_banner
from buoy.instruments.views.assessments import assessment, assessment_new, case_section, link_new
from buoy.instruments.views.library import (
    instrument_list,
    item_groups,
    timepoint_edit,
    timepoints,
    wording,
)
from buoy.instruments.views.self_report import self_report

__all__ = [
    "alert_handle",
    "alerts",
    "alerts_banner",
    "assessment",
    "assessment_new",
    "case_section",
    "instrument_list",
    "item_groups",
    "link_new",
    "self_report",
    "timepoint_edit",
    "timepoints",
    "wording",
]
