"""The department's timepoints (baseline, mid, post, follow-up...)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.core.errors import InvalidInput
from buoy.instruments.models import Timepoint
from buoy.instruments.services.library import _require_instrument_keeper


@transaction.atomic
def set_timepoint(
    *,
    actor: User | None,
    code: str,
    label_en: str,
    label_zh: str,
    order: int,
    months_after_end: int | None = None,
    new: bool = False,
) -> Timepoint:
    """Add or relabel one of the department's timepoints (baseline, mid, post, follow-up…).

    The code names the timepoint and is not changed; an existing code's labels, order and
    months are updated, unless `new` asks for a new timepoint only. An update that changes
    nothing is not recorded.
    """
    from django.utils.text import slugify

    _require_instrument_keeper(actor)
    if not code or len(code) > 30 or slugify(code).replace("-", "_") != code:
        raise InvalidInput({"code": [_("Use lower-case letters, digits and _ for the code.")]})
    errors: dict[str, list[str]] = {}
    for field, label in (("label_en", label_en), ("label_zh", label_zh)):
        if not label.strip():
            errors[field] = [_("Give the timepoint a label in both languages.")]
        elif len(label.strip()) > 80:
            errors[field] = [_("Keep each label to 80 characters.")]
    for field, number in (("order", order), ("months_after_end", months_after_end)):
        if number is not None and not 0 <= number <= 32767:
            errors[field] = [_("Use a whole number from 0 to 32767.")]
    if errors:
        raise InvalidInput(errors)
    values = {
        "label_en": label_en.strip(),
        "label_zh": label_zh.strip(),
        "order": order,
        "months_after_end": months_after_end,
    }
    timepoint = Timepoint.objects.select_for_update().filter(code=code).first()
    if timepoint is not None and new:
        message = _("This code is already in use: edit that timepoint instead.")
        raise InvalidInput({"code": [message]})
    if timepoint is None:
        timepoint = Timepoint.objects.create(code=code, **values)
        record(actor=actor, action="instruments.timepoint.created", subject=timepoint)
        return timepoint
    changed = [name for name, value in values.items() if getattr(timepoint, name) != value]
    if changed:
        for name in changed:
            setattr(timepoint, name, values[name])
        timepoint.save(update_fields=changed)
        record(
            actor=actor,
            action="instruments.timepoint.updated",
            subject=timepoint,
            changed_fields=changed,
        )
    return timepoint
