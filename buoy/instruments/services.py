"""Writes about instruments and assessments: access check, validation, save and audit in one
transaction. Pages, the API, the self-report link and the command line call these.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from buoy.access.domain.roles import can_manage_instruments, can_see_case
from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Caregiver, Case, Language
from buoy.cases.selectors import access_facts, require_case_access
from buoy.core.errors import Forbidden, InvalidInput, NotFound
from buoy.instruments.domain.alerts import (
    NOTE_MAX_LENGTH,
    HandlingProblem,
    handling_problems,
    is_overdue,
    tidy_actions,
)
from buoy.instruments.domain.definition import (
    LANGUAGE_CODE,
    DefinitionError,
    GroupProblem,
    Instrument,
    Item,
    ItemGroup,
    ScoringRule,
    instrument_from_dict,
    instrument_to_dict,
    item_group_problems,
    merge_wording,
    tidy_item_groups,
    with_item_groups,
)
from buoy.instruments.domain.library import BundledWording, bundled_instruments, bundled_wordings
from buoy.instruments.domain.replacement import Carried, carry_bundled_rules, own_id
from buoy.instruments.domain.scoring import INVALID, ScoreResult, check_answers, score
from buoy.instruments.models import (
    Answer,
    Assessment,
    AssessmentMode,
    AssessmentStatus,
    Correction,
    InstrumentVersion,
    InstrumentWording,
    SafetyAlert,
    Score,
    SelfReportLink,
    Timepoint,
    WordingOrigin,
)
from buoy.instruments.selectors import (
    current_answers,
    link_digest,
    score_if_completed,
    unanswered_items,
)

DEFAULT_TIMEPOINTS = [
    ("baseline", "Baseline", "基线", 0, None),
    ("mid", "Mid-intervention", "介入中期", 1, None),
    ("post", "Post-intervention", "介入后", 2, None),
    ("follow_up_3m", "Follow-up at 3 months", "3个月随访", 3, 3),
]
LINK_VALID_DAYS = 7


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


@transaction.atomic
def start_assessment(
    *,
    actor: User,
    case: Case,
    caregiver: Caregiver,
    instrument_version: InstrumentVersion,
    timepoint: Timepoint,
    mode: str = AssessmentMode.INTERVIEW,
    language: str | None = None,
) -> Assessment:
    """Begin an assessment of one caregiver of the case with the current instrument version.

    In self-report mode the instrument needs its wording in the assessment's language (the
    caregiver's, unless `language` is given): otherwise it is refused and nothing is saved.
    """
    require_case_access(actor, case)
    if caregiver.case_id != case.pk:
        raise InvalidInput({"caregiver": [_("Choose a caregiver of this case.")]})
    if mode not in AssessmentMode.values:
        raise InvalidInput({"mode": [_("Choose how the answers are collected.")]})
    language = language or caregiver.preferred_language
    if mode == AssessmentMode.SELF_REPORT:
        _require_wording(instrument_version, language, field="mode")
    assessment = Assessment.objects.create(
        case=case,
        caregiver=caregiver,
        instrument_version=instrument_version,
        timepoint=timepoint,
        mode=mode,
        language=language,
        created_by=actor,
    )
    record(
        actor=actor,
        action="instruments.assessment.started",
        subject=assessment,
        context={"case": case.pk, "instrument": instrument_version.instrument_id},
    )
    return assessment


def _checked(assessment: Assessment, answers: Mapping[str, Any]) -> dict[str, Any]:
    instrument = assessment.instrument_version.instrument()
    known = {item.id for item in instrument.items}
    errors: dict[str, list[str]] = {
        item_id: [_("This instrument has no item %(item)s.") % {"item": item_id}]
        for item_id in answers
        if item_id not in known
    }
    cleaned = {k: (None if v in ("", None) else v) for k, v in answers.items() if k in known}
    for item_id, message in check_answers(instrument, cleaned).items():
        errors.setdefault(item_id, []).append(message)
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _write_answers(
    assessment: Assessment, answers: Mapping[str, Any], *, actor: User | None, channel: str
) -> list[str]:
    """Store the answers that differ from the current ones; earlier rows are kept."""
    current = current_answers(assessment)
    changed = [k for k, v in answers.items() if current.get(k) != v]
    if changed:
        Answer.objects.filter(assessment=assessment, item_id__in=changed, superseded=False).update(
            superseded=True
        )
        now = timezone.now()
        Answer.objects.bulk_create(
            [
                Answer(
                    assessment=assessment,
                    item_id=item_id,
                    value=answers[item_id],
                    answered_at=now,
                    entered_by=actor,
                    channel=channel,
                )
                for item_id in changed
            ]
        )
    return changed


def _score(assessment: Assessment) -> Score:
    instrument = assessment.instrument_version.instrument()
    result = score(instrument, current_answers(assessment))
    assessment.scores.filter(is_current=True).update(is_current=False)
    stored = Score.objects.create(
        assessment=assessment,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        rule=result.rule,
        total=result.total,
        status=result.status,
        error=result.error or "",
        subscales=dict(result.subscales or {}),
        profiles=dict(result.profiles or {}),
        band=None if result.band is None else dict(result.band),
    )
    for alert in result.alerts:
        already = SafetyAlert.objects.filter(assessment=assessment, rule_id=alert.id).exists()
        if not already:
            raised = SafetyAlert.objects.create(
                assessment=assessment,
                case=assessment.case,
                rule_id=alert.id,
                item_id=alert.item,
                message=dict(alert.message),
            )
            record(
                actor=None,
                action="instruments.alert.raised",
                subject=raised,
                context={"case": assessment.case_id, "rule": alert.id},
            )
    return stored


class UnconfirmedInvalidScore(InvalidInput):
    """Completing now would lock an assessment whose score is invalid (too few items answered),
    and nobody confirmed it. Nothing was saved. `result` is the score it would get, `rule` the
    total's scoring rule, `unanswered` the items without an answer (domain `Item`s, scored or
    not). The errors name them for the API: ``confirm_invalid`` (the message) and
    ``unanswered`` (item ids)."""

    def __init__(
        self, *, result: ScoreResult, rule: ScoringRule, unanswered: Sequence[Item]
    ) -> None:
        message = _(
            "Completing now would lock an invalid score: %(answered)s of %(count)s items are "
            "answered and at least %(needed)s are needed. Unanswered: items %(items)s. Answer "
            "them, or confirm that the assessment is completed with an invalid score."
        ) % {
            "answered": result.answered,
            "count": len(rule.items),
            "needed": rule.min_answered,
            "items": ", ".join(str(item.number) for item in unanswered),
        }
        super().__init__(
            {"confirm_invalid": [message], "unanswered": [item.id for item in unanswered]}
        )
        self.result = result
        self.rule = rule
        self.unanswered = tuple(unanswered)


def _invalid_completion(
    assessment: Assessment, cleaned: Mapping[str, Any]
) -> UnconfirmedInvalidScore | None:
    """The refusal to give when completing now would lock an invalid score, else None. The
    scoring rules themselves decide (domain/scoring.py), on the answers as they would be."""
    result = score_if_completed(assessment, dict(cleaned))
    if result.status != INVALID:
        return None
    return UnconfirmedInvalidScore(
        result=result,
        rule=assessment.instrument_version.instrument().total,
        unanswered=unanswered_items(assessment, dict(cleaned)),
    )


@transaction.atomic
def record_answers(
    *,
    actor: User,
    assessment: Assessment,
    answers: Mapping[str, Any],
    complete: bool = False,
    confirm_invalid: bool = False,
) -> Assessment:
    """A worker enters answers (an interview); `complete=True` finishes and scores it.

    Completing an assessment whose score would be invalid (fewer items answered than its
    rule needs) is refused with `UnconfirmedInvalidScore`, which names the unanswered items,
    unless `confirm_invalid=True`: a completed assessment is locked, so the worker sees what
    is missing first. Nothing is saved when it is refused.
    """
    require_case_access(actor, assessment.case)
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status == AssessmentStatus.COMPLETED:
        raise InvalidInput({"": [_("This assessment is completed. Correct it with a reason.")]})
    cleaned = _checked(assessment, answers)
    refusal = _invalid_completion(assessment, cleaned) if complete else None
    if refusal is not None and not confirm_invalid:
        raise refusal
    changed = _write_answers(assessment, cleaned, actor=actor, channel=AssessmentMode.INTERVIEW)
    if complete:
        _complete(assessment)
    context: dict[str, Any] = {"case": assessment.case_id, "complete": complete}
    if refusal is not None:
        context["confirmed_invalid"] = True
    record(
        actor=actor,
        action="instruments.answers.recorded",
        subject=assessment,
        changed_fields=changed,
        context=context,
    )
    return assessment


def _complete(assessment: Assessment) -> None:
    assessment.status = AssessmentStatus.COMPLETED
    assessment.completed_at = timezone.now()
    assessment.save(update_fields=["status", "completed_at"])
    _score(assessment)


@transaction.atomic
def correct_assessment(
    *, actor: User, assessment: Assessment, answers: Mapping[str, Any], reason: str
) -> Assessment:
    """Change answers of a completed assessment; needs a reason, keeps the old answers and
    scores, and scores again."""
    require_case_access(actor, assessment.case)
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status != AssessmentStatus.COMPLETED:
        raise InvalidInput({"": [_("Only a completed assessment is corrected.")]})
    if not reason.strip():
        raise InvalidInput({"reason": [_("Say why the answers are being changed.")]})
    cleaned = _checked(assessment, answers)
    changed = _write_answers(assessment, cleaned, actor=actor, channel=AssessmentMode.INTERVIEW)
    if not changed:
        raise InvalidInput({"": [_("No answer was changed.")]})
    Correction.objects.create(
        assessment=assessment, corrected_by=actor, reason=reason.strip(), items=changed
    )
    _score(assessment)
    record(
        actor=actor,
        action="instruments.assessment.corrected",
        subject=assessment,
        changed_fields=changed,
        context={"case": assessment.case_id},
    )
    return assessment


@transaction.atomic
def create_self_report_link(
    *, actor: User, assessment: Assessment, valid_for: dt.timedelta | None = None
) -> str:
    """A one-time link key for the caregiver; shown once, stored only as a digest.

    Refused when the instrument has no wording in the assessment's language (a licensed
    instrument before the site imports its text; a free one never published in it).
    """
    require_case_access(actor, assessment.case)
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status == AssessmentStatus.COMPLETED:
        raise InvalidInput({"": [_("This assessment is already completed.")]})
    _require_wording(assessment.instrument_version, assessment.language, field="")
    key = secrets.token_urlsafe(24)
    expires = timezone.now() + (valid_for or dt.timedelta(days=LINK_VALID_DAYS))
    SelfReportLink.objects.filter(assessment=assessment).delete()
    link = SelfReportLink.objects.create(
        assessment=assessment, digest=link_digest(key), created_by=actor, expires_at=expires
    )
    if assessment.mode != AssessmentMode.SELF_REPORT:
        assessment.mode = AssessmentMode.SELF_REPORT
        assessment.save(update_fields=["mode"])
    wording = assessment.instrument_version.wordings.filter(language=assessment.language).first()
    record(
        actor=actor,
        action="instruments.link.created",
        subject=link,
        context={
            "case": assessment.case_id,
            "assessment": assessment.pk,
            # Which text the caregiver is shown: the definition's own, shipped, or imported.
            "wording": wording.origin if wording else "definition",
            "wording_verified": bool(wording and not wording.needs_verification),
        },
    )
    return key


@transaction.atomic
def save_self_report(
    *,
    link: SelfReportLink,
    answers: Mapping[str, Any],
    submit: bool,
    confirm_invalid: bool = False,
) -> None:
    """The caregiver saves progress or submits; submitting uses the link up.

    Submitting answers whose score would be invalid is refused with `UnconfirmedInvalidScore`
    (nothing saved) unless `confirm_invalid=True`: the caregiver sees the unanswered questions
    and sends them as they are only on purpose.
    """
    link = SelfReportLink.objects.select_for_update().get(pk=link.pk)
    if not link.is_usable():
        raise NotFound()
    assessment = link.assessment
    cleaned = _checked(assessment, answers)
    refusal = _invalid_completion(assessment, cleaned) if submit else None
    if refusal is not None and not confirm_invalid:
        raise refusal
    changed = _write_answers(assessment, cleaned, actor=None, channel=AssessmentMode.SELF_REPORT)
    now = timezone.now()
    link.last_saved_at = now
    fields = ["last_saved_at"]
    if submit:
        link.submitted_at = now
        fields.append("submitted_at")
        _complete(assessment)
    link.save(update_fields=fields)
    context: dict[str, Any] = {"case": assessment.case_id}
    if refusal is not None:
        context["confirmed_invalid"] = True
    record(
        actor=None,
        action="instruments.self_report.submitted" if submit else "instruments.self_report.saved",
        subject=assessment,
        changed_fields=changed,
        context=context,
    )


def _handling_message(problem: HandlingProblem) -> str:
    return {
        ("actions", "missing"): _("Tick at least one thing that was done."),
        ("actions", "unknown"): _("Choose what was done from the list."),
        ("handled_at", "future"): _("The time it was done cannot be in the future."),
        ("handled_at", "before_raised"): _(
            "The time it was done cannot be before the alert was raised."
        ),
        ("note", "required"): _("Say in the note what else was done."),
        ("note", "too_long"): _("Keep the note to %(max)s characters.") % {"max": NOTE_MAX_LENGTH},
        ("note", "control_characters"): _("The note holds characters that cannot be shown."),
    }[(problem.field, problem.kind)]


@transaction.atomic
def handle_alert(
    *,
    actor: User,
    alert: SafetyAlert,
    actions: Sequence[str],
    handled_at: dt.datetime | None = None,
    handled_by: User | None = None,
    note: str = "",
) -> SafetyAlert:
    """Record how a safety alert was handled: what was done, when, by whom, with a short note.

    `actions` are `HandlingAction` codes, at least one; "other" needs a note. `handled_at`
    (default now) is when it was done: never in the future, never before the alert was raised
    (a time to the minute in the minute it was raised is stored as the moment it was raised).
    `handled_by` (default the actor) must be a colleague who may see the case. The actor is
    recorded as the one who entered the record. An alert is handled once; a refusal names the
    field and changes nothing. The audit event holds ids only, never the note or the actions.
    """
    require_case_access(actor, alert.case)
    alert = SafetyAlert.objects.select_for_update().select_related("case").get(pk=alert.pk)
    if alert.handled_at is not None:
        handler = alert.handled_by.display_name() if alert.handled_by else _("a colleague")
        message = _("This alert was already handled by %(name)s on %(when)s.") % {
            "name": handler,
            "when": timezone.localtime(alert.handled_at).strftime("%Y-%m-%d %H:%M"),
        }
        raise InvalidInput({"": [message]})
    now = timezone.now()
    when = handled_at or now
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    who = handled_by or actor
    errors: dict[str, list[str]] = {}
    for problem in handling_problems(
        actions=actions, handled_at=when, raised_at=alert.raised_at, now=now, note=note
    ):
        errors.setdefault(problem.field, []).append(_handling_message(problem))
    if not who.is_active or not can_see_case(who.as_actor(), access_facts(alert.case)):
        errors["handled_by"] = [_("Choose a colleague who works on this case.")]
    if errors:
        raise InvalidInput(errors)
    alert.actions = list(tidy_actions(actions))
    alert.handled_at = max(when, alert.raised_at)
    alert.handled_by = who
    alert.handling_note = note.strip()
    alert.handling_recorded_by = actor
    alert.handling_recorded_at = now
    alert.save(
        update_fields=[
            "actions",
            "handled_at",
            "handled_by",
            "handling_note",
            "handling_recorded_by",
            "handling_recorded_at",
        ]
    )
    record(
        actor=actor,
        action="instruments.alert.handled",
        subject=alert,
        changed_fields=["actions", "handled_at", "handled_by", "handling_note"],
        context={
            "case": alert.case_id,
            "handled_by": who.pk,
            "late": is_overdue(
                raised_at=alert.raised_at,
                handled_at=None,
                now=alert.handled_at,
                hours=settings.BUOY_ALERT_OVERDUE_HOURS,
            ),
        },
    )
    return alert


@transaction.atomic
def import_assessments(
    *,
    actor: User,
    instrument_version: InstrumentVersion,
    rows: Sequence[tuple[Case, Timepoint, Mapping[str, Any], bool]],
    source: str,
) -> list[Assessment]:
    """Create one assessment of each case's primary caregiver per row, all or none.

    A row is (case, timepoint, answers, complete); answers are checked like any other, and an
    error names the row (1-based, in the order given) and the item.
    """
    created = []
    for number, (case, timepoint, answers, complete) in enumerate(rows, start=1):
        require_case_access(actor, case)
        caregiver = case.caregivers.order_by("-is_primary", "id").first()
        if caregiver is None:
            raise InvalidInput({"": [f"{source}, record {number}: the case has no caregiver"]})
        assessment = Assessment.objects.create(
            case=case,
            caregiver=caregiver,
            instrument_version=instrument_version,
            timepoint=timepoint,
            mode=AssessmentMode.IMPORT,
            created_by=actor,
            language=caregiver.preferred_language,
        )
        try:
            cleaned = _checked(assessment, answers)
        except InvalidInput as error:
            raise InvalidInput(
                {
                    item: [f"{source}, record {number}, item {item}: {' '.join(messages)}"]
                    for item, messages in error.errors.items()
                }
            ) from None
        _write_answers(assessment, cleaned, actor=actor, channel=AssessmentMode.IMPORT)
        if complete:
            _complete(assessment)
        created.append(assessment)
        record(
            actor=actor,
            action="instruments.assessment.imported",
            subject=assessment,
            context={"case": case.pk, "source": source},
        )
    return created


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
