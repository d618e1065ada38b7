"""Strengths–risk maps: a draft proposed from the case's coded interviews, a worker's map
saved as a new dated version, and a draft confirmed.

Every save makes a new version of the caregiver's map and keeps the earlier ones, so the map
at intake and the map at closure can be compared. A factor is a code of the department's
casework codebook (a code that can be applied, whose label is a factor code such as
``P-IND-01``); its evidence is a coded passage of the case's interviews, an answer or item of
one of the case's assessments, or one of the case's notes.

An entry, as the services take it::

    {"code": "P-FAM-04", "status": "present", "strength": 2, "note": "Grandma moved in",
     "evidence": [{"segment": 12}, {"answer": 40}, {"assessment": 3, "item": "item6"},
                  {"note": 9}]}

(`severity` instead of `strength` for a risk; ids or the rows themselves.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Caregiver, Case, CaseNote
from buoy.cases.selectors import notes_visible_to, require_case_access
from buoy.coding.models import CodedSegment, Project
from buoy.coding.selectors import filtered_segments
from buoy.coding.services import casework_project
from buoy.core.errors import InvalidInput
from buoy.instruments.models import Answer, Assessment, Timepoint
from buoy.instruments.selectors import assessments_visible_to
from buoy.plans.domain.maps import PRESENT, MapError, check_factor
from buoy.plans.models import FactorEntry, FactorEvidence, FactorMap
from buoy.plans.selectors.maps import CodebookFactor, codebook_factors
from buoy.plans.services._common import (
    lock_case,
    next_version,
    pk_of,
    require_caregiver_of,
    short_text,
)

NOTE_LIMIT = 500  # a factor's note is short: the evidence says the rest
EVIDENCE_KINDS = ("segment", "answer", "assessment", "note")


@dataclass
class _Evidence:
    """One piece of evidence, resolved to its row of the case."""

    segment: CodedSegment | None = None
    answer: Answer | None = None
    assessment: Assessment | None = None
    item_id: str = ""
    case_note: CaseNote | None = None


@dataclass
class _Entry:
    """One factor of a map, checked and ready to store."""

    factor: CodebookFactor
    status: str
    strength: int | None = None
    severity: int | None = None
    note: str = ""
    evidence: list[_Evidence] = field(default_factory=list)


def _segments_of_case(actor: User, project: Project, case: Case) -> models.QuerySet[CodedSegment]:
    """The current coded segments of the case's own interviews in the casework project that
    `actor` may read (coding's selectors decide which)."""
    return filtered_segments(actor, project).filter(
        transcript__case=case, transcript__is_deidentified=False
    )


# --- checking what a worker entered ---------------------------------------------------------


class _EvidenceFinder:
    """Looks up the evidence of all entries in one query per kind, within the case only."""

    def __init__(self, actor: User, project: Project, case: Case) -> None:
        self.actor, self.project, self.case = actor, project, case
        self.wanted: dict[str, set[int]] = {kind: set() for kind in EVIDENCE_KINDS}
        self.found: dict[str, dict[int, Any]] = {}

    def want(self, kind: str, pk: int) -> None:
        self.wanted[kind].add(pk)

    def fetch(self) -> None:
        ids = self.wanted
        assessments = assessments_visible_to(self.actor).filter(case=self.case)
        self.found = {
            "segment": _segments_of_case(self.actor, self.project, self.case).in_bulk(
                ids["segment"]
            ),
            "answer": Answer.objects.filter(assessment__in=assessments.values("pk")).in_bulk(
                ids["answer"]
            ),
            "assessment": assessments.in_bulk(ids["assessment"]),
            "note": notes_visible_to(self.actor).filter(case=self.case).in_bulk(ids["note"]),
        }

    def get(self, kind: str, pk: int) -> Any:
        return self.found[kind].get(pk)


_NOT_OF_CASE = {
    "segment": lambda: _("This passage is not from this case's coded interviews."),
    "answer": lambda: _("This answer is not from this case's assessments."),
    "assessment": lambda: _("This assessment is not one of this case's."),
    "note": lambda: _("This note is not one of this case's notes."),
}


def _evidence_spec(spec: Any) -> tuple[str, int | None, str] | None:
    """(kind, id, item) of one evidence entry, or None when it is not exactly one kind."""
    if isinstance(spec, CodedSegment):
        return "segment", spec.pk, ""
    if isinstance(spec, Answer):
        return "answer", spec.pk, ""
    if isinstance(spec, CaseNote):
        return "note", spec.pk, ""
    if not isinstance(spec, Mapping):
        return None
    kinds = [kind for kind in EVIDENCE_KINDS if spec.get(kind) is not None]
    if len(kinds) != 1 or set(spec) - {*EVIDENCE_KINDS, "item"}:
        return None
    kind = kinds[0]
    item = spec.get("item", "")
    if (kind == "assessment") != bool(item) or not isinstance(item, str):
        return None
    return kind, pk_of(spec[kind]), item


def _check_evidence(
    specs: Any, *, where: str, finder: _EvidenceFinder, errors: dict[str, list[str]]
) -> list[tuple[str, str, int | None, str]]:
    """Each evidence entry as (its field, kind, id, item); problems of shape go to `errors`."""
    if specs is None:
        return []
    if not isinstance(specs, list | tuple):
        errors[f"{where}.evidence"] = [_("Give the evidence as a list.")]
        return []
    parsed = []
    for index, spec in enumerate(specs):
        place = f"{where}.evidence[{index}]"
        found = _evidence_spec(spec)
        if found is None:
            errors[place] = [
                _(
                    "Cite exactly one of: a coded passage, an answer, an assessment item or "
                    "a case note."
                )
            ]
            continue
        kind, pk, item = found
        if pk is not None:
            finder.want(kind, pk)
        parsed.append((place, kind, pk, item))
    return parsed


def _resolve_evidence(
    place: str,
    kind: str,
    pk: int | None,
    item: str,
    *,
    finder: _EvidenceFinder,
    errors: dict[str, list[str]],
) -> _Evidence | None:
    row = finder.get(kind, pk) if pk is not None else None
    if row is None:
        errors[place] = [_NOT_OF_CASE[kind]()]
        return None
    if kind == "segment":
        return _Evidence(segment=row)
    if kind == "answer":
        return _Evidence(answer=row)
    if kind == "note":
        return _Evidence(case_note=row)
    items = {i.id for i in row.instrument_version.instrument().items}
    if item not in items:
        errors[place] = [_("This assessment has no item “%(item)s”.") % {"item": item}]
        return None
    return _Evidence(assessment=row, item_id=item)


def _factor_of(value: Any, factors: Mapping[str, CodebookFactor]) -> CodebookFactor | None:
    label = getattr(value, "label", value)
    if isinstance(value, models.Model):
        found = factors.get(label) if isinstance(label, str) else None
        return found if found is not None and found.code.pk == value.pk else None
    return factors.get(label) if isinstance(label, str) else None


def _check_entry(
    data: Any,
    *,
    where: str,
    factors: Mapping[str, CodebookFactor],
    errors: dict[str, list[str]],
) -> _Entry | None:
    if not isinstance(data, Mapping):
        errors[where] = [_("Give each factor as its code, status, rating, note and evidence.")]
        return None
    unknown = sorted(set(data) - {"code", "status", "strength", "severity", "note", "evidence"})
    for name in unknown:
        errors[f"{where}.{name}"] = [_("This field cannot be given here.")]
    factor = _factor_of(data.get("code"), factors)
    if factor is None:
        errors[f"{where}.code"] = [
            _("“%(code)s” is not a factor of the casework codebook.")
            % {"code": getattr(data.get("code"), "label", data.get("code"))}
        ]
        return None
    status = data.get("status", PRESENT)
    try:
        strength, severity = check_factor(
            kind=factor.shape.kind,
            status=status,
            strength=data.get("strength"),
            severity=data.get("severity"),
        )
    except MapError as error:
        errors[f"{where}.{error.field}"] = [_map_message(error.field)]
        return None
    note = short_text(data.get("note"), field=f"{where}.note", errors=errors, limit=NOTE_LIMIT)
    return _Entry(factor=factor, status=status, strength=strength, severity=severity, note=note)


def _map_message(field_name: str) -> str:
    """The worker's words for a refused status or rating."""
    if field_name == "status":
        return _("Choose present, absent or not known.")
    return _(
        "Rate a present factor from 1 to 3: strength for a protective factor, severity for a "
        "risk. An absent or unknown factor is not rated."
    )


def _checked_entries(
    actor: User, project: Project, case: Case, entries: Any
) -> tuple[list[_Entry], Mapping[str, CodebookFactor]]:
    """Every entry checked, its evidence found in the case; InvalidInput naming each field
    (``entries[2].code``, ``entries[0].evidence[1]``) when anything is refused."""
    errors: dict[str, list[str]] = {}
    if not isinstance(entries, list | tuple):
        raise InvalidInput({"entries": [_("Give the factors as a list.")]})
    factors = codebook_factors(project)
    finder = _EvidenceFinder(actor, project, case)
    checked: list[tuple[_Entry, list[tuple[str, str, int | None, str]]]] = []
    seen: dict[int, str] = {}
    for index, data in enumerate(entries):
        where = f"entries[{index}]"
        entry = _check_entry(data, where=where, factors=factors, errors=errors)
        if entry is None:
            continue
        if entry.factor.code.pk in seen:
            errors[f"{where}.code"] = [_("This factor is already listed above.")]
            continue
        seen[entry.factor.code.pk] = where
        specs = _check_evidence(data.get("evidence"), where=where, finder=finder, errors=errors)
        checked.append((entry, specs))
    finder.fetch()
    for entry, specs in checked:
        for place, kind, pk, item in specs:
            resolved = _resolve_evidence(place, kind, pk, item, finder=finder, errors=errors)
            if resolved is not None:
                entry.evidence.append(resolved)
    if errors:
        raise InvalidInput(errors)
    return [entry for entry, _specs in checked], factors


# --- storing a version ----------------------------------------------------------------------


def _store(
    *,
    actor: User,
    case: Case,
    caregiver: Caregiver,
    project: Project,
    entries: Sequence[_Entry],
    is_draft: bool,
    note: str,
    based_on: FactorMap | None,
) -> FactorMap:
    lock_case(case)
    factor_map = FactorMap.objects.create(
        case=case,
        caregiver=caregiver,
        version=next_version(FactorMap.objects.filter(case=case, caregiver=caregiver)),
        is_draft=is_draft,
        based_on=based_on,
        codebook_version=project.codebook_version,
        note=note,
        made_by=actor,
    )
    rows = FactorEntry.objects.bulk_create(
        [
            FactorEntry(
                factor_map=factor_map,
                code=entry.factor.code,
                code_label=entry.factor.label,
                kind=entry.factor.shape.kind,
                level=entry.factor.shape.level,
                status=entry.status,
                strength=entry.strength,
                severity=entry.severity,
                note=entry.note,
            )
            for entry in entries
        ]
    )
    FactorEvidence.objects.bulk_create(
        [
            FactorEvidence(
                entry=row,
                segment=evidence.segment,
                answer=evidence.answer,
                assessment=evidence.assessment,
                item_id=evidence.item_id,
                case_note=evidence.case_note,
            )
            for row, entry in zip(rows, entries, strict=True)
            for evidence in entry.evidence
        ]
    )
    return factor_map


def _audit(actor: User, action: str, factor_map: FactorMap, entries: Sequence[_Entry]) -> None:
    # Counts only: a factor's code says something clinical about the caregiver.
    record(
        actor=actor,
        action=action,
        subject=factor_map,
        changed_fields=["entries", "note"],
        context={
            "case": factor_map.case_id,
            "version": factor_map.version,
            "entries": len(entries),
            "evidence": sum(len(e.evidence) for e in entries),
        },
    )


def _latest(case: Case, caregiver: Caregiver) -> FactorMap | None:
    return FactorMap.objects.filter(case=case, caregiver=caregiver).order_by("-version").first()


# --- the services -------------------------------------------------------------------------


@transaction.atomic
def draft_factor_map(
    *, actor: User, case: Case, caregiver: Caregiver, timepoint: Timepoint | None = None
) -> FactorMap:
    """Propose a draft map from the case's coded interviews: each factor of the casework
    codebook coded in the caregiver's interviews (those naming this caregiver or no one) is
    proposed as present, unrated, with those passages as its evidence. With `timepoint`, only
    the interviews of that timepoint (the closure interview, say). A person confirms it
    (`confirm_factor_map`) or saves a corrected version (`save_factor_map`).
    """
    require_case_access(actor, case)
    require_caregiver_of(case, caregiver)
    project = casework_project()
    factors = {factor.code.pk: factor for factor in codebook_factors(project).values()}
    merged = project.codes.merge_targets()  # a merged code's passages count for its target
    segments = _segments_of_case(actor, project, case).filter(
        Q(transcript__caregiver=caregiver) | Q(transcript__caregiver__isnull=True)
    )
    if timepoint is not None:
        segments = segments.filter(transcript__timepoint=timepoint)
    passages: dict[int, list[CodedSegment]] = {}
    for segment in segments.order_by("transcript_id", "start", "pk"):
        code_id = merged.get(segment.code_id, segment.code_id)
        if code_id in factors:
            passages.setdefault(code_id, []).append(segment)
    entries = [
        _Entry(
            factor=factor,
            status=PRESENT,
            evidence=[_Evidence(segment=s) for s in passages[code_id]],
        )
        for code_id, factor in factors.items()
        if code_id in passages
    ]
    factor_map = _store(
        actor=actor,
        case=case,
        caregiver=caregiver,
        project=project,
        entries=entries,
        is_draft=True,
        note="",
        based_on=_latest(case, caregiver),
    )
    _audit(actor, "plans.factor_map.drafted", factor_map, entries)
    return factor_map


@transaction.atomic
def save_factor_map(
    *,
    actor: User,
    case: Case,
    caregiver: Caregiver,
    entries: Sequence[Mapping[str, Any]],
    note: str = "",
    confirmed: bool = True,
) -> FactorMap:
    """Save the caregiver's map as the worker assessed it, as a new dated version (confirmed,
    unless `confirmed=False` keeps it a draft). Earlier versions are kept.

    Refused with InvalidInput naming the field, and nothing saved, when a factor is not in the
    casework codebook or listed twice, a status is not present / absent / unknown, a rating is
    not 1–3 or does not fit the factor (a protective factor has a strength, a risk a severity,
    only when present), a note is too long, or evidence is not exactly one source or is not
    the case's own.
    """
    require_case_access(actor, case)
    require_caregiver_of(case, caregiver)
    project = casework_project()
    errors: dict[str, list[str]] = {}
    note = short_text(note, field="note", errors=errors)
    if errors:
        raise InvalidInput(errors)
    checked, _factors = _checked_entries(actor, project, case, entries)
    factor_map = _store(
        actor=actor,
        case=case,
        caregiver=caregiver,
        project=project,
        entries=checked,
        is_draft=not confirmed,
        note=note,
        based_on=_latest(case, caregiver),
    )
    action = "plans.factor_map.confirmed" if confirmed else "plans.factor_map.saved"
    _audit(actor, action, factor_map, checked)
    return factor_map


@transaction.atomic
def confirm_factor_map(*, actor: User, factor_map: FactorMap, note: str | None = None) -> FactorMap:
    """Confirm a draft as it is: a new, confirmed version with the draft's factors and
    evidence (the draft is kept). Only the newest version of the caregiver's map can be
    confirmed; a worker who changes something saves a corrected map with `save_factor_map`.
    """
    case = factor_map.case
    require_case_access(actor, case)
    lock_case(case)
    if not factor_map.is_draft:
        raise InvalidInput({"": [_("This map is confirmed already.")]})
    latest = _latest(case, factor_map.caregiver)
    if latest is not None and latest.pk != factor_map.pk:
        raise InvalidInput({"": [_("A newer version of this map exists: confirm that one.")]})
    errors: dict[str, list[str]] = {}
    text = factor_map.note if note is None else short_text(note, field="note", errors=errors)
    if errors:
        raise InvalidInput(errors)
    project = casework_project()
    by_pk = {factor.code.pk: factor for factor in codebook_factors(project).values()}
    entries = []
    for row in factor_map.entries.select_related("code").prefetch_related("evidence"):
        factor = by_pk.get(row.code_id)
        if factor is None:
            raise InvalidInput(
                {
                    "": [
                        _(
                            "“%(code)s” is no longer a factor of the casework codebook: save "
                            "a corrected map instead."
                        )
                        % {"code": row.code_label}
                    ]
                }
            )
        entries.append(
            _Entry(
                factor=factor,
                status=row.status,
                strength=row.strength,
                severity=row.severity,
                note=row.note,
                evidence=[
                    _Evidence(
                        segment=e.segment,
                        answer=e.answer,
                        assessment=e.assessment,
                        item_id=e.item_id,
                        case_note=e.case_note,
                    )
                    for e in row.evidence.all()
                ],
            )
        )
    confirmed = _store(
        actor=actor,
        case=case,
        caregiver=factor_map.caregiver,
        project=project,
        entries=entries,
        is_draft=False,
        note=text,
        based_on=factor_map,
    )
    _audit(actor, "plans.factor_map.confirmed", confirmed, entries)
    return confirmed
