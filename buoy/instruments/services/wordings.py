"""A site's wording of an instrument in one language: imported, verified, and required before a
caregiver answers alone."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from buoy.access.domain.roles import can_manage_instruments
from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Language
from buoy.core.errors import Forbidden, InvalidInput
from buoy.instruments.domain.definition import (
    LANGUAGE_CODE,
    DefinitionError,
    instrument_from_dict,
    merge_wording,
)
from buoy.instruments.models import InstrumentVersion, InstrumentWording, WordingOrigin
from buoy.instruments.services.library import _require_instrument_keeper


@transaction.atomic
def import_wording(
    *,
    actor: User | None,
    version: InstrumentVersion,
    language: str,
    wording: dict[str, Any],
    source: str = "",
) -> InstrumentWording:
    """Keep a site's item wording for one language (checked against the definition).

    The site's text, licensed or official, replaces whatever wording the version had in that
    language, including one shipped with Buoy, and records its own provenance: `source` (the
    file it came from), who imported it and when, and the file's own ``provenance`` object if
    it has one (e.g. the rights holder's document it was copied from). Administrators only
    (`None` is the `buoy` command).
    """
    _require_instrument_keeper(actor)
    if not isinstance(language, str) or not LANGUAGE_CODE.match(language):
        raise InvalidInput({"language": [_("Use a lower-case language code such as zh-hans.")]})
    file_provenance: Any = {}
    if isinstance(wording, dict) and "provenance" in wording:
        wording = dict(wording)
        file_provenance = wording.pop("provenance")
        if not isinstance(file_provenance, dict):
            message = _("The file's provenance must be a JSON object.")
            raise InvalidInput({"wording": [message]})
    if isinstance(wording, dict) and wording.get("language", language) != language:
        message = _("The file is a wording in %(file)s, not in %(language)s.") % {
            "file": wording.get("language"),
            "language": language,
        }
        raise InvalidInput({"wording": [message]})
    try:
        merge_wording(
            instrument_from_dict(version.definition, source=str(version)),
            wording,
            source=source or "wording file",
        )
    except DefinitionError as error:
        raise InvalidInput({"wording": [str(error)]}) from None
    previous = InstrumentWording.objects.filter(
        instrument_version=version, language=language
    ).first()
    stored, _created = InstrumentWording.objects.update_or_create(
        instrument_version=version,
        language=language,
        defaults={
            "wording": wording,
            "origin": WordingOrigin.IMPORTED,
            "provenance": {**file_provenance, **({"source": source} if source else {})},
            "imported_by": actor,
            "imported_at": timezone.now(),
            "verified_at": None,
            "verified_by": None,
            "verification_note": "",
        },
    )
    # The version object the caller holds caches its merged instrument and its wordings.
    version.__dict__.pop("_instrument", None)
    getattr(version, "_prefetched_objects_cache", {}).pop("wordings", None)
    record(
        actor=actor,
        action="instruments.wording.imported",
        subject=version,
        context={
            "language": language,
            "replaced": previous.origin if previous else None,
            "complete": version.instrument().has_wording(language),
        },
    )
    return stored


@transaction.atomic
def verify_wording(*, actor: User, wording: InstrumentWording, note: str) -> InstrumentWording:
    """An administrator has compared a wording shipped with Buoy with the rights holder's
    text and found it the same; `note` says what it was compared with. Audited."""
    if not can_manage_instruments(actor.role_enum):
        raise Forbidden()
    wording = InstrumentWording.objects.select_for_update().get(pk=wording.pk)
    if wording.origin != WordingOrigin.BUNDLED:
        message = _("This wording was imported by your site: it is the site's own text.")
        raise InvalidInput({"": [message]})
    if wording.verified_at is not None:
        raise InvalidInput({"": [_("This wording is already marked as verified.")]})
    note = note.strip()
    if not note:
        message = _(
            "Say which text you compared it with, e.g. the rights holder's PDF and its date."
        )
        raise InvalidInput({"note": [message]})
    if len(note) > 2000:
        raise InvalidInput({"note": [_("Keep the note to 2000 characters.")]})
    wording.verified_at = timezone.now()
    wording.verified_by = actor
    wording.verification_note = note
    wording.save(update_fields=["verified_at", "verified_by", "verification_note"])
    record(
        actor=actor,
        action="instruments.wording.verified",
        subject=wording.instrument_version,
        context={"language": wording.language, "version": wording.instrument_version.version},
    )
    return wording


def _language_label(code: str) -> str:
    return str(dict(Language.choices).get(code, code))


def _require_wording(version: InstrumentVersion, language: str, *, field: str) -> None:
    """A caregiver answers alone: refuse a link when an item or answer has no text in the
    caregiver's language (they would see "第1题" and bare numbers, or another language)."""
    instrument = version.instrument()
    if instrument.has_wording(language):
        return
    values = {
        "name": version.display_name(get_language() or "en"),
        "language": _language_label(language),
    }
    if instrument.licence.status == "licensed":
        message = _(
            "%(name)s is licensed and your site has not imported its wording in %(language)s: "
            "the caregiver would see item numbers and bare answer numbers only. An "
            "administrator must import the licensed wording before a link can be sent; until "
            "then, enter the answers in an interview."
        )
    else:
        message = _(
            "%(name)s has no wording in %(language)s, the caregiver's language: the caregiver "
            "would see questions they may not read. Enter the answers in an interview, or ask "
            "an administrator to import a wording in %(language)s."
        )
    raise InvalidInput({field: [message % values]})
