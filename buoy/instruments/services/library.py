"""The bundled library and the installed versions: what Buoy ships is installed once, each
installed definition is a version that past scores keep naming, and who may change the library."""

from __future__ import annotations

import dataclasses

from django.db import transaction

from buoy.access.domain.roles import can_manage_instruments
from buoy.access.models import User
from buoy.audit.services import record
from buoy.core.errors import Forbidden
from buoy.instruments.domain.definition import (
    DefinitionError,
    Instrument,
    instrument_from_dict,
    instrument_to_dict,
    merge_wording,
)
from buoy.instruments.domain.library import BundledWording, bundled_instruments, bundled_wordings
from buoy.instruments.models import InstrumentVersion, InstrumentWording, Timepoint, WordingOrigin

DEFAULT_TIMEPOINTS = [
    ("baseline", "Baseline", "基线", 0, None),
    ("mid", "Mid-intervention", "介入中期", 1, None),
    ("post", "Post-intervention", "介入后", 2, None),
    ("follow_up_3m", "Follow-up at 3 months", "3个月随访", 3, 3),
]


def _require_instrument_keeper(actor: User | None) -> None:
    """Administrators edit item groups and timepoints; `None` is the `buoy` command."""
    if actor is not None and not can_manage_instruments(actor.role_enum):
        raise Forbidden()


def ensure_bundled_instruments() -> int:
    """Install the bundled library's versions that the database lacks; returns how many.

    A bundled definition whose version is already installed is left alone: a new version
    of a definition never rewrites the one that past scores name. The wordings shipped beside
    the definitions (library/wordings/) are installed on every bundled or edited version
    that has no wording in that language yet; a wording already there (shipped, verified or
    imported by the site) is never replaced.
    """
    added = 0
    with transaction.atomic():
        for instrument in bundled_instruments():
            exists = InstrumentVersion.objects.filter(
                instrument_id=instrument.id, version=instrument.version
            ).exists()
            if not exists:
                _store_version(instrument, origin="bundled", actor=None)
                added += 1
        for shipped in bundled_wordings():
            _install_bundled_wording(shipped)
        for code, label_en, label_zh, order, months in DEFAULT_TIMEPOINTS:
            Timepoint.objects.get_or_create(
                code=code,
                defaults={
                    "label_en": label_en,
                    "label_zh": label_zh,
                    "order": order,
                    "months_after_end": months,
                },
            )
    return added


def _install_bundled_wording(shipped: BundledWording) -> None:
    versions = (
        InstrumentVersion.objects.filter(
            instrument_id=shipped.instrument, origin__in=("bundled", "edited")
        )
        .exclude(wordings__language=shipped.language)
        .order_by("id")
    )
    for version in versions:
        bare = instrument_from_dict(version.definition, source=str(version))
        try:
            merge_wording(bare, shipped.wording)
        except DefinitionError:
            continue  # an edited version whose items no longer fit: leave it without
        InstrumentWording.objects.create(
            instrument_version=version,
            language=shipped.language,
            wording=dict(shipped.wording),
            origin=WordingOrigin.BUNDLED,
            provenance=dict(shipped.provenance),
        )
        record(
            actor=None,
            action="instruments.wording.installed",
            subject=version,
            context={"language": shipped.language, "origin": WordingOrigin.BUNDLED.value},
        )


def _store_version(
    instrument: Instrument, *, origin: str, actor: User | None, reason: str = ""
) -> InstrumentVersion:
    InstrumentVersion.objects.filter(instrument_id=instrument.id).update(is_current=False)
    version = InstrumentVersion.objects.create(
        instrument_id=instrument.id,
        version=instrument.version,
        name=dict(instrument.name),
        definition=instrument_to_dict(instrument),
        origin=origin,
        reason=reason,
        imported_by=actor,
        is_current=True,
    )
    record(
        actor=actor,
        action="instruments.version.installed",
        subject=version,
        context={"instrument": instrument.id, "version": instrument.version, "origin": origin},
    )
    return version


def _next_version(instrument: Instrument) -> Instrument:
    """The same definition under the next free whole-number version."""
    taken = set(
        InstrumentVersion.objects.filter(instrument_id=instrument.id).values_list(
            "version", flat=True
        )
    )
    number = len(taken) + 1
    while str(number) in taken:
        number += 1
    return dataclasses.replace(instrument, version=str(number))
