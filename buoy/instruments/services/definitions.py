"""Imported definitions (native, REDCap, FHIR) and edited item groups: each installs a version."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.core.errors import InvalidInput, NotFound
from buoy.instruments.domain.definition import (
    GroupProblem,
    Instrument,
    ItemGroup,
    instrument_from_dict,
    instrument_to_dict,
    item_group_problems,
    tidy_item_groups,
    with_item_groups,
)
from buoy.instruments.domain.library import bundled_instruments
from buoy.instruments.domain.replacement import Carried, carry_bundled_rules, own_id
from buoy.instruments.models import InstrumentVersion, InstrumentWording
from buoy.instruments.services.library import (
    _next_version,
    _require_instrument_keeper,
    _store_version,
)


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did with one instrument of a file.

    `action`: ``installed`` (a new instrument or version), ``unchanged`` (this exact
    definition was already installed) or ``replaced`` (it became the version in use of a
    bundled instrument, at the importer's request). `requested_id` is the id the file gave;
    when it was a bundled instrument's and no replacement was asked for, the import got its
    own id (`got_own_id`, `version.instrument_id`). A replacement lists the bundled safety
    rules and bands it kept and any it dropped (only with a reason, kept in
    `version.reason`).
    """

    version: InstrumentVersion
    requested_id: str
    action: str
    got_own_id: bool = False
    kept_rules: tuple[str, ...] = ()
    dropped_rules: tuple[str, ...] = ()
    kept_bands: tuple[str, ...] = ()
    dropped_bands: tuple[str, ...] = ()


def _drop_message(instrument_id: str, carried: Carried) -> str:
    lost = [_("safety rule %(rule)s") % {"rule": rule_id} for rule_id in carried.dropped_rules] + [
        _("band %(band)s") % {"band": band} for band in carried.dropped_bands
    ]
    return _(
        "%(id)s: this file cannot keep the bundled %(lost)s: it names an item or scale the "
        "file does not have, or one that cannot be answered above the rule's threshold. Change "
        "the file so it keeps the bundled item ids, or drop them on purpose with a reason."
    ) % {"id": instrument_id, "lost": ", ".join(lost)}


def _install(
    instrument: Instrument, *, origin: str, actor: User | None, reason: str = ""
) -> tuple[InstrumentVersion, str]:
    """Install one definition under its id: unchanged if this exact definition is installed,
    the next version for REDCap and FHIR (which carry no versions of their own), refused for a
    different native definition under an installed version number."""
    existing = InstrumentVersion.objects.filter(
        instrument_id=instrument.id, version=instrument.version
    ).first()
    if existing is None:
        return _store_version(instrument, origin=origin, actor=actor, reason=reason), "installed"
    if existing.definition == instrument_to_dict(instrument):
        return existing, "unchanged"
    if origin in ("redcap", "fhir"):
        # These formats carry no version of their own: a changed form is a new version.
        next_version = _next_version(instrument)
        return _store_version(next_version, origin=origin, actor=actor, reason=reason), "installed"
    message = _(
        "%(id)s version %(version)s is already installed with a different "
        "definition; give the new definition a new version."
    ) % {"id": instrument.id, "version": instrument.version}
    raise InvalidInput({"version": [message]})


@transaction.atomic
def import_instruments(
    *,
    actor: User | None,
    instruments: list[Instrument],
    origin: str,
    replace: bool = False,
    drop_reason: str = "",
) -> list[ImportOutcome]:
    """Install imported definitions, all or none, and say what was done with each.

    Re-importing a definition already installed changes nothing. An import whose id is a
    bundled instrument's (``phq9`` from a REDCap form, ``who5`` from a FHIR Questionnaire)
    never silently replaces it: it gets its own id, ``<id>_<origin>`` (`domain.replacement`),
    unless `replace` is asked for. A replacement keeps the bundled safety rules, bands, norms
    and licence; a rule or band it cannot keep (the file lacks its item or scale) is refused,
    unless `drop_reason` says why it may go, which is kept with the version and recorded.
    """
    drop_reason = drop_reason.strip()
    if drop_reason and not replace:
        message = _("A reason to drop bundled safety rules goes only with a replacement.")
        raise InvalidInput({"drop_reason": [message]})
    if len(drop_reason) > 2000:
        raise InvalidInput({"drop_reason": [_("Keep the reason to 2000 characters.")]})
    bundled = {instrument.id: instrument for instrument in bundled_instruments()}
    outcomes = []
    for imported in instruments:
        already = InstrumentVersion.objects.filter(
            instrument_id=imported.id, version=imported.version
        ).first()
        if already is not None and already.definition == instrument_to_dict(imported):
            outcomes.append(ImportOutcome(already, imported.id, "unchanged"))
            continue
        original = bundled.get(imported.id)
        if original is None:
            version, action = _install(imported, origin=origin, actor=actor)
            outcomes.append(ImportOutcome(version, imported.id, action))
            continue
        if not replace:
            renamed = dataclasses.replace(
                imported, id=own_id(imported.id, origin, frozenset(bundled))
            )
            version, action = _install(renamed, origin=origin, actor=actor)
            if action == "installed":
                record(
                    actor=actor,
                    action="instruments.import.own_id",
                    subject=version,
                    context={"requested": imported.id, "instrument": renamed.id},
                )
            outcomes.append(ImportOutcome(version, imported.id, action, got_own_id=True))
            continue
        carried = carry_bundled_rules(imported, original)
        if carried.drops_anything and not drop_reason:
            raise InvalidInput({"replace": [_drop_message(imported.id, carried)]})
        reason = drop_reason if carried.drops_anything else ""
        version, action = _install(carried.instrument, origin=origin, actor=actor, reason=reason)
        if action == "installed":
            action = "replaced"
            record(
                actor=actor,
                action="instruments.import.replaced_bundled",
                subject=version,
                context={
                    "instrument": imported.id,
                    "version": version.version,
                    "bundled_version": original.version,
                    "kept_safety_rules": list(carried.kept_rules),
                    "dropped_safety_rules": list(carried.dropped_rules),
                    "kept_bands": len(carried.kept_bands),
                    "dropped_bands": len(carried.dropped_bands),
                },
            )
        outcomes.append(
            ImportOutcome(
                version,
                imported.id,
                action,
                kept_rules=carried.kept_rules,
                dropped_rules=carried.dropped_rules if action == "replaced" else (),
                kept_bands=carried.kept_bands,
                dropped_bands=carried.dropped_bands if action == "replaced" else (),
            )
        )
    return outcomes


def _group_message(problem: GroupProblem) -> str:
    values = ", ".join(problem.values)
    if problem.field == "label.en":
        return _("Give the group a label in English.")
    if problem.field.startswith("label."):
        return _("Give the group a label in Chinese.")
    return {
        ("id", "missing"): _("Give the group an id."),
        ("id", "invalid"): _("Use letters, digits, - and _ only in the group id."),
        ("id", "duplicate"): _("Another group already has the id %(id)s.") % {"id": values},
        ("items", "empty"): _("Tick at least one item for the group."),
        ("items", "unknown"): _("This instrument has no scored item %(items)s.")
        % {"items": values},
    }[(problem.field, problem.kind)]


@transaction.atomic
def set_item_groups(
    *,
    actor: User | None,
    instrument_id: str,
    groups: Sequence[ItemGroup],
    reason: str,
    based_on: str | None = None,
) -> InstrumentVersion:
    """Install the next version of an instrument with new item groups; nothing else changes.

    Item groups are descriptive profiles (item means), never normed scores. The version in
    use stays as it is, and so does every score that names it; assessments started from now on
    use the new version. A site's imported wording is carried over, as the items are the same.
    `based_on` is the version the editor started from: if another version has been installed
    since, the change is refused rather than silently undoing it. Errors are keyed
    ``item_groups[<index>].<field>`` (`GroupProblem.field`), ``reason`` and ``""``.
    """
    _require_instrument_keeper(actor)
    current = (
        InstrumentVersion.objects.select_for_update()
        .filter(instrument_id=instrument_id, is_current=True)
        .first()
    )
    if current is None:
        raise NotFound()
    if based_on is not None and based_on != current.version:
        message = _(
            "Version %(version)s of this instrument was installed while you were editing. "
            "Reload the page and make your change again."
        ) % {"version": current.version}
        raise InvalidInput({"": [message]})
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("Say why the item groups are changing.")]
    # The stored definition, without the site's wording: wording stays in InstrumentWording.
    bare = instrument_from_dict(current.definition, source=str(current))
    for problem in item_group_problems(bare, groups):
        key = f"item_groups[{problem.index}].{problem.field}"
        errors.setdefault(key, []).append(_group_message(problem))
    if errors:
        raise InvalidInput(errors)
    edited = with_item_groups(bare, groups)
    if edited.item_groups == tidy_item_groups(bare, bare.item_groups):
        raise InvalidInput({"": [_("The item groups are unchanged; no version was installed.")]})
    installed = _store_version(
        _next_version(edited), origin="edited", actor=actor, reason=reason.strip()
    )
    languages = []
    for wording in current.wordings.order_by("language"):
        # A wording file may name the version it was written for; it now fits this one too.
        carried = dict(wording.wording)
        if "version" in carried:
            carried["version"] = installed.version
        InstrumentWording.objects.create(
            instrument_version=installed,
            language=wording.language,
            wording=carried,
            origin=wording.origin,
            provenance=wording.provenance,
            imported_by=wording.imported_by,
            verified_at=wording.verified_at,
            verified_by=wording.verified_by,
            verification_note=wording.verification_note,
        )
        languages.append(wording.language)
    record(
        actor=actor,
        action="instruments.item_groups.changed",
        subject=installed,
        changed_fields=["item_groups"],
        context={
            "instrument": instrument_id,
            "version": installed.version,
            "previous_version": current.version,
            "groups": [group.id for group in edited.item_groups],
            "wording_carried": languages,
        },
    )
    return installed
