"""The case timeline's entries, and the registry through which higher apps add their own.

`cases` draws the timeline on the case page: phase changes, notes, consents and cost records.
Apps above `cases` (instruments now; plans and sessions next) have events that belong on it
too, such as a safety alert handled, but `cases` must never import them (ARCHITECTURE.md,
"Dependency order"; ADR 0009). So the higher app registers a *source* once, from its
`AppConfig.ready()`:

    from buoy.cases.timeline import register_timeline_source
    register_timeline_source("instruments.alerts", alert_timeline_entries)

A source is a function of one case that returns `TimelineEntry` values about that case only.
The case it gets has already come through the one door (`get_case_for`), so a source checks no
access itself and must not read any other case. Each contributed entry names the template
that draws its body (`template`); the timeline draws the time and the person above it.

Entries sort by when things happened (`moment`), newest first, whichever app they come from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from buoy.cases.models import Case


@dataclass(frozen=True)
class TimelineEntry:
    """One dated event in a case's history, for the case page.

    `at` is when it happened: a time, or a day for records that carry only a day (consents,
    cost records). `kind` names the event for styling (`entry-<kind>`); `actor` is the person
    shown beside the time ("" for none); `subject` is the row the body is drawn from.
    `template` is the template that draws the body of an entry another app contributes;
    the timeline's own kinds leave it empty.
    """

    at: dt.datetime | dt.date
    kind: str
    actor: str
    subject: Any
    template: str = ""

    @property
    def has_time(self) -> bool:
        """Consents and cost records carry a day, not a time."""
        return isinstance(self.at, dt.datetime)

    @property
    def moment(self) -> dt.datetime:
        """The point in time the entry sorts by.

        A day without a time counts as the end of that day in the site's time zone
        (`TIME_ZONE`), the zone in which workers enter days: a consent given on 3 March sorts
        after everything timed on 3 March local time, and before anything on 4 March.
        """
        if isinstance(self.at, dt.datetime):
            return self.at
        return dt.datetime.combine(self.at, dt.time.max, tzinfo=timezone.get_default_timezone())


TimelineSource = Callable[["Case"], Iterable[TimelineEntry]]

_sources: dict[str, TimelineSource] = {}


def register_timeline_source(name: str, source: TimelineSource) -> None:
    """Add a source of timeline entries under `name` (e.g. "instruments.alerts").

    Registering the same name again replaces the earlier source, so an app's `ready()` may run
    more than once (as it does in some test set-ups) without doubling its entries.
    """
    _sources[name] = source


def unregister_timeline_source(name: str) -> None:
    """Remove a source; a name that was never registered is ignored. For tests."""
    _sources.pop(name, None)


def timeline_sources() -> list[TimelineSource]:
    """The registered sources, in the order of their names (the order does not matter for the
    timeline itself, which sorts by time; a fixed order keeps ties stable)."""
    return [_sources[name] for name in sorted(_sources)]


def newest_first(entries: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    """Entries by the time they happened, newest first; ties keep the order they came in."""
    return sorted(entries, key=lambda entry: entry.moment, reverse=True)
