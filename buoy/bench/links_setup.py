"""The links benchmark's set-up: `count` K6 assessments, each with a one-time self-report link.

Run by :mod:`buoy.bench.links` as ``python -m buoy.bench.links_setup COUNT`` inside its
throw-away BUOY_HOME (the demo department loaded); prints one link key a line.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    """Make `argv[0]` assessments on the demo cases, round-robin; print their link keys."""
    # The benchmark's own settings, whatever the parent process was set up with.
    os.environ["DJANGO_SETTINGS_MODULE"] = "buoy.config.settings"
    import django

    django.setup()
    from buoy.cases.models import Case
    from buoy.instruments import services
    from buoy.instruments.models import Timepoint
    from buoy.instruments.selectors import current_instrument

    k6 = current_instrument("k6")  # six items, with wording in English and Chinese
    baseline = Timepoint.objects.get(code="baseline")
    cases = list(Case.objects.select_related("assigned_worker").order_by("id"))
    for number in range(int(argv[0])):
        case = cases[number % len(cases)]
        worker = case.assigned_worker
        caregiver = case.caregivers.first()
        assert caregiver is not None  # every demo case has one
        assessment = services.start_assessment(
            actor=worker,
            case=case,
            caregiver=caregiver,
            instrument_version=k6,
            timepoint=baseline,
        )
        print(services.create_self_report_link(actor=worker, assessment=assessment))


if __name__ == "__main__":
    main(sys.argv[1:])
