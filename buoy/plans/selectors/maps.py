"""Strengths–risk maps: the one door to a map, a case's map versions, the factors of the
casework codebook, and two maps side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Caregiver, Case
from buoy.cases.selectors import cases_visible_to
from buoy.coding.models import Code, CodedSegment, Project
from buoy.coding.selectors import codes_of
from buoy.core.errors import InvalidInput, NotFound
from buoy.plans.domain.maps import (
    FactorShape,
    FactorValue,
    MapComparison,
    compare_maps,
    factor_shape,
    is_factor_code,
)
from buoy.plans.models import FactorEntry, FactorEvidence, FactorMap
from buoy.plans.selectors.listing import record_listed


def factor_maps_visible_to(user: User) -> QuerySet[FactorMap]:
    """Maps of the cases `user` may see (none for researchers and administrators)."""
    return FactorMap.objects.filter(case__in=cases_visible_to(user))


def _with_entries(maps: QuerySet[FactorMap]) -> QuerySet[FactorMap]:
    """Maps with their factors and each factor's evidence, in a fixed number of queries."""
    evidence = FactorEvidence.objects.select_related(
        "segment", "answer", "assessment__instrument_version", "case_note"
    ).order_by("pk")
    entries = (
        FactorEntry.objects.select_related("code")
        .prefetch_related(Prefetch("evidence", queryset=evidence))
        .order_by("kind", "code_label")
    )
    return maps.select_related("case", "caregiver", "made_by").prefetch_related(
        Prefetch("entries", queryset=entries)
    )


def get_factor_map_for(
    user: User, map_id: Any, *, audit_as: str | None = "plans.factor_map.viewed"
) -> FactorMap:
    """The map, with its factors and evidence, if `user` may see its case; the same NotFound
    for "missing" and "not yours". Opening a map is audited (`audit_as`); a caller about to
    change it passes `audit_as=None`, because the service records the change."""
    try:
        pk = int(map_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    found = _with_entries(factor_maps_visible_to(user)).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    if audit_as:
        record(actor=user, action=audit_as, subject=found, context={"case": found.case_id})
    return found


def factor_maps_of(user: User, case: Case, caregiver: Caregiver | None = None) -> list[FactorMap]:
    """The map versions of a case (of one caregiver, if given), newest first, each with its
    number of factors (`entry_count`) but not the factors themselves. The listing is audited
    (`plans.factor_map.listed`: the ids shown)."""
    maps = factor_maps_visible_to(user).filter(case=case)
    if caregiver is not None:
        maps = maps.filter(caregiver=caregiver)
    shown: list[FactorMap] = list(
        maps.select_related("caregiver", "made_by")
        .annotate(entry_count=Count("entries"))
        .order_by("caregiver_id", "-version")
    )
    record_listed(user=user, action="plans.factor_map.listed", subject=case, shown=shown)
    return shown


def latest_map(case: Case, caregiver: Caregiver, *, confirmed: bool = False) -> FactorMap | None:
    """The newest map version of a caregiver (the newest confirmed one, if asked), with its
    factors and evidence. Takes a case already fetched through the one door; not audited
    (the caller shows or uses it and records that)."""
    maps = FactorMap.objects.filter(case=case, caregiver=caregiver)
    if confirmed:
        maps = maps.filter(is_draft=False)
    return _with_entries(maps).order_by("-version").first()


@dataclass(frozen=True)
class CodebookFactor:
    """A factor of the casework codebook: its code row and what its label says."""

    code: Code
    shape: FactorShape

    @property
    def label(self) -> str:
        return self.code.label


def codebook_factors(project: Project) -> dict[str, CodebookFactor]:
    """The factors a map may hold, by label (``P-IND-01``): the casework codebook's codes that
    can be applied, are not merged into another, and have a factor code as their label. In
    codebook order."""
    return {
        code.label: CodebookFactor(code=code, shape=factor_shape(code.label))
        for code in codes_of(project)
        if code.codable and code.merged_into_id is None and is_factor_code(code.label)
    }


def factor_values(factor_map: FactorMap) -> list[FactorValue]:
    """A map's factors as plain values, for the pure comparison and suggestions."""
    return [
        FactorValue(code=entry.code_label, status=entry.status, rating=entry.rating)
        for entry in factor_map.entries.all()
    ]


def map_comparison(user: User, before_id: Any, after_id: Any) -> MapComparison:
    """Two versions of a caregiver's map side by side (`domain.maps.compare_maps`), e.g. at
    intake and at closure. Both come through the one door; InvalidInput on ``after`` when they
    are not maps of the same caregiver. Audited as one view of both (`plans.factor_map.compared`).
    """
    before = get_factor_map_for(user, before_id, audit_as=None)
    after = get_factor_map_for(user, after_id, audit_as=None)
    if (before.case_id, before.caregiver_id) != (after.case_id, after.caregiver_id):
        raise InvalidInput({"after": [_("Choose two maps of the same caregiver.")]})
    comparison = compare_maps(factor_values(before), factor_values(after))
    record(
        actor=user,
        action="plans.factor_map.compared",
        subject=after,
        context={"case": after.case_id, "ids": [before.pk, after.pk]},
    )
    return comparison


def latest_maps_of(user: User, case: Case) -> list[tuple[Caregiver, FactorMap | None]]:
    """Each caregiver of a case already through the one door (primary first) with the newest
    version of their map, draft or confirmed, with its factors (None before a first map), as
    the case page shows them. Audited as a listing of the maps shown
    (`plans.factor_map.listed`)."""
    caregivers = list(case.caregivers.order_by("-is_primary", "pk"))
    newest_ids: dict[int, int] = {}
    for caregiver_id, pk in (
        factor_maps_visible_to(user)
        .filter(case=case)
        .order_by("caregiver_id", "-version")
        .values_list("caregiver_id", "pk")
    ):
        newest_ids.setdefault(caregiver_id, pk)
    newest = {
        found.caregiver_id: found
        for found in _with_entries(FactorMap.objects.filter(pk__in=newest_ids.values()))
    }
    shown = [(caregiver, newest.get(caregiver.pk)) for caregiver in caregivers]
    record_listed(
        user=user,
        action="plans.factor_map.listed",
        subject=case,
        shown=[found for _caregiver, found in shown if found is not None],
    )
    return shown


@dataclass(frozen=True)
class Passage:
    """A coded passage cited as evidence: its text and where it stands in its transcript."""

    segment_id: int
    transcript_id: int
    transcript_title: str
    start: int
    end: int
    text: str
    removed: bool


def evidence_passages(factor_map: FactorMap) -> dict[int, Passage]:
    """The passages a map (fetched through the one door) cites, by segment id, in one query:
    only the cited stretch of each transcript's text is read (code points, as offsets count).
    A passage since removed from the coding is still shown, marked `removed`."""
    ids = {
        evidence.segment_id
        for entry in factor_map.entries.all()
        for evidence in entry.evidence.all()
        if evidence.segment_id is not None
    }
    if not ids:
        return {}
    rows = (
        CodedSegment.objects.filter(pk__in=ids, transcript__case_id=factor_map.case_id)
        .annotate(
            passage=Substr("transcript__text", F("start") + 1, F("end") - F("start")),
        )
        .values("pk", "transcript_id", "transcript__title", "start", "end", "passage", "removed_at")
    )
    return {
        row["pk"]: Passage(
            segment_id=row["pk"],
            transcript_id=row["transcript_id"],
            transcript_title=row["transcript__title"],
            start=row["start"],
            end=row["end"],
            text=row["passage"] or "",
            removed=row["removed_at"] is not None,
        )
        for row in rows
    }
