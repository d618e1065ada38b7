"""Pages of the strengths–risk map: a caregiver's map (the latest version drawn, its factors
and evidence, the dated versions), one version, a draft from the coded interviews, the
worker's map saved as a new version, a draft confirmed, two versions side by side, and a
version as an SVG file. Parse, call one selector or service, render."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buoy.access.models import User
from buoy.cases.models import Caregiver, Case
from buoy.coding.services import casework_project
from buoy.core.errors import InvalidInput, NotFound
from buoy.core.forms import add_service_errors
from buoy.plans import selectors, services
from buoy.plans.domain.map_svg import DrawnFactor, MapLabels, draw_map, svg_document
from buoy.plans.domain.maps import BETTER, LEVELS, PRESENT, PROTECTIVE, RISK, WORSE, factor_shape
from buoy.plans.domain.maps import is_factor_code as _is_factor_code
from buoy.plans.forms.maps import CompareForm, DraftForm, FactorFormSet, MapNoteForm
from buoy.plans.models import FactorEntry, FactorKind, FactorLevel, FactorMap, FactorStatus
from buoy.plans.views.shared import case_of, casework, page_language, user_of

# --- what the pages share -------------------------------------------------------------------


def caregiver_of(case: Case, caregiver_id: int) -> Caregiver:
    """A caregiver of the case; 404 for anyone else's."""
    found = case.caregivers.filter(pk=caregiver_id).first()
    if found is None:
        raise Http404(_("No such caregiver in this case."))
    return found


def _map_for(request: HttpRequest, map_id: int, *, audit_as: str | None) -> FactorMap:
    try:
        return selectors.get_factor_map_for(user_of(request), map_id, audit_as=audit_as)
    except NotFound:
        raise Http404(_("No such map.")) from None


def map_labels() -> MapLabels:
    """The drawing's words in the page's language."""
    return MapLabels(
        title=_("Strengths–risk map"),
        protective=_("Protective factors"),
        risk=_("Risk factors"),
        levels={level.value: str(level.label) for level in FactorLevel},
        nothing=_("none recorded"),
        strength=_("present, strength %(rating)s of 3"),
        severity=_("present, severity %(rating)s of 3"),
        unrated=_("present, not rated yet"),
        unknown=_("not known"),
    )


def _version_line(factor_map: FactorMap) -> str:
    state = _("draft") if factor_map.is_draft else _("confirmed")
    return _("version %(version)s · %(state)s · %(day)s") % {
        "version": factor_map.version,
        "state": state,
        "day": factor_map.made_at.date().isoformat(),
    }


def drawn(factor_map: FactorMap, *, language: str) -> SafeString:
    """The map version drawn as inline SVG."""
    svg = draw_map(
        [
            DrawnFactor(
                code=entry.code_label,
                name=entry.code.name_in(language),
                kind=entry.kind,
                level=entry.level,
                status=entry.status,
                rating=entry.rating,
            )
            for entry in factor_map.entries.all()
        ],
        labels=map_labels(),
        subtitle=_version_line(factor_map),
        element_id=f"factor-map-{factor_map.pk}",
    )
    return mark_safe(svg)  # noqa: S308 - every text in it is escaped by the builder


def _passage_link(passage: selectors.Passage) -> str:
    base = reverse("coding:transcript", kwargs={"transcript_id": passage.transcript_id})
    return f"{base}?{urlencode({'at': passage.start, 'to': passage.end})}#located"


def _evidence_rows(
    entry: FactorEntry, passages: Mapping[int, selectors.Passage]
) -> list[dict[str, Any]]:
    """Each piece of a factor's evidence as the page shows it: what it is, its words, where
    it opens."""
    rows: list[dict[str, Any]] = []
    for evidence in entry.evidence.all():
        if evidence.segment_id is not None:
            passage = passages.get(evidence.segment_id)
            if passage is None:
                continue
            rows.append(
                {
                    "kind": _("Interview passage"),
                    "text": passage.text,
                    "where": passage.transcript_title,
                    "link": _passage_link(passage),
                    "removed": passage.removed,
                }
            )
        elif evidence.answer_id is not None and evidence.answer is not None:
            rows.append(
                {
                    "kind": _("Assessment answer"),
                    "text": _("%(item)s answered %(value)s")
                    % {"item": evidence.answer.item_id, "value": evidence.answer.value},
                    "where": "",
                    "link": "",
                }
            )
        elif evidence.assessment is not None:
            assessment = evidence.assessment
            rows.append(
                {
                    "kind": _("Assessment item"),
                    "text": f"{assessment.instrument_version.display_name(page_language())} · "
                    f"{evidence.item_id}",
                    "where": "",
                    "link": reverse(
                        "instruments:assessment",
                        kwargs={
                            "case_id": entry.factor_map.case_id,
                            "assessment_id": assessment.pk,
                        },
                    ),
                }
            )
        elif evidence.case_note is not None:
            note = evidence.case_note
            rows.append(
                {
                    "kind": _("Case note"),
                    "text": note.body if len(note.body) <= 300 else note.body[:300] + "…",
                    "where": note.written_at.date().isoformat(),
                    "link": "",
                }
            )
    return rows


def _rating_text(entry: FactorEntry) -> str:
    if entry.status != PRESENT:
        return ""
    if entry.rating is None:
        return _("not rated yet")
    if entry.kind == PROTECTIVE:
        return _("strength %(rating)s of 3") % {"rating": entry.rating}
    return _("severity %(rating)s of 3") % {"rating": entry.rating}


def factor_groups(factor_map: FactorMap, *, language: str) -> list[dict[str, Any]]:
    """The map's factors as a readable list: protective, then risk; by level; each with its
    status, rating, note and evidence."""
    passages = selectors.evidence_passages(factor_map)
    groups = []
    entries = list(factor_map.entries.all())
    for kind in (PROTECTIVE, RISK):
        levels = []
        for level in LEVELS:
            rows = [
                {
                    "entry": entry,
                    "name": entry.code.name_in(language),
                    "status": FactorStatus(entry.status).label,
                    "rating": _rating_text(entry),
                    "evidence": _evidence_rows(entry, passages),
                }
                for entry in entries
                if entry.kind == kind and entry.level == level
            ]
            if rows:
                levels.append({"level": FactorLevel(level).label, "rows": rows})
        groups.append({"kind": kind, "label": FactorKind(kind).label, "levels": levels})
    return groups


def _page(
    request: HttpRequest,
    case: Case,
    caregiver: Caregiver,
    shown: FactorMap | None,
    *,
    errors: Iterable[str] = (),
    draft_form: DraftForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The map page of a caregiver, showing `shown` (the latest version, or one chosen)."""
    user = user_of(request)
    language = page_language()
    versions = selectors.factor_maps_of(user, case, caregiver)
    latest = versions[0] if versions else None
    context = {
        "case": case,
        "caregiver": caregiver,
        "factor_map": shown,
        "is_latest": shown is not None and latest is not None and shown.pk == latest.pk,
        "latest": latest,
        "versions": versions,
        "svg": drawn(shown, language=language) if shown is not None else "",
        "groups": factor_groups(shown, language=language) if shown is not None else [],
        "draft_form": draft_form or DraftForm(),
        "compare_form": _compare_form(None, versions) if len(versions) > 1 else None,
        "errors": list(errors),
    }
    return render(request, "plans/map_page.html", context, status=status)


def _compare_form(data: Any, versions: list[FactorMap]) -> CompareForm:
    choices = [(v.pk, _version_line(v)) for v in versions]
    initial = {"before": versions[-1].pk, "after": versions[0].pk} if versions else {}
    return CompareForm(data, versions=choices, initial=initial)


def map_url(case_id: int, caregiver_id: int) -> str:
    return reverse("plans:map", kwargs={"case_id": case_id, "caregiver_id": caregiver_id})


# --- the pages ------------------------------------------------------------------------------


@casework
def map_page(request: HttpRequest, case_id: int, caregiver_id: int) -> HttpResponse:
    """A caregiver's map: the latest version drawn and listed, the dated versions."""
    case = case_of(request, case_id)
    caregiver = caregiver_of(case, caregiver_id)
    newest = (
        FactorMap.objects.filter(case=case, caregiver=caregiver)
        .order_by("-version")
        .values_list("pk", flat=True)
        .first()
    )
    shown = (
        None if newest is None else _map_for(request, newest, audit_as="plans.factor_map.viewed")
    )
    return _page(request, case, caregiver, shown)


@casework
def map_version(request: HttpRequest, map_id: int) -> HttpResponse:
    """One dated version of a caregiver's map."""
    shown = _map_for(request, map_id, audit_as="plans.factor_map.viewed")
    case = case_of(request, shown.case_id)
    return _page(request, case, shown.caregiver, shown)


@require_POST
@casework
def map_draft(request: HttpRequest, case_id: int, caregiver_id: int) -> HttpResponse:
    """Propose a draft from the coded interviews (of one timepoint, if chosen)."""
    case = case_of(request, case_id)
    caregiver = caregiver_of(case, caregiver_id)
    form = DraftForm(request.POST)
    if form.is_valid():
        try:
            draft = services.draft_factor_map(
                actor=user_of(request),
                case=case,
                caregiver=caregiver,
                timepoint=form.cleaned_data["timepoint"],
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            count = draft.entries.count()
            messages.success(
                request,
                _("A draft was proposed from the coded interviews: %(count)s factors.")
                % {"count": count},
            )
            return redirect(map_url(case.pk, caregiver.pk))
    latest = FactorMap.objects.filter(case=case, caregiver=caregiver).order_by("-version").first()
    shown = None if latest is None else _map_for(request, latest.pk, audit_as=None)
    return _page(request, case, caregiver, shown, draft_form=form, status=400)


@require_POST
@casework
def map_confirm(request: HttpRequest, map_id: int) -> HttpResponse:
    """Confirm a draft as it is (a new, confirmed version)."""
    draft = _map_for(request, map_id, audit_as=None)
    case = case_of(request, draft.case_id)
    try:
        services.confirm_factor_map(actor=user_of(request), factor_map=draft)
    except InvalidInput as error:
        problems = [m for found in error.errors.values() for m in found]
        return _page(request, case, draft.caregiver, draft, errors=problems, status=400)
    messages.success(request, _("The map was confirmed."))
    return redirect(map_url(case.pk, draft.caregiver_id))


# --- the worker's map ------------------------------------------------------------------------

_ENTRY_FIELD = re.compile(r"^entries\[(\d+)\](?:\.(\w+))?")
_FORM_FIELD = {
    "status": "status",
    "strength": "rating",
    "severity": "rating",
    "note": "note",
    "evidence": "evidence",
}


def _evidence_token(evidence: Any) -> str:
    if evidence.segment_id is not None:
        return f"segment:{evidence.segment_id}"
    if evidence.answer_id is not None:
        return f"answer:{evidence.answer_id}"
    if evidence.assessment_id is not None:
        return f"item:{evidence.assessment_id}:{evidence.item_id}"
    return f"note:{evidence.case_note_id}"


def _evidence_spec(token: str) -> dict[str, Any]:
    """A kept evidence choice as the service takes it (the form has checked the token)."""
    kind, _sep, rest = token.partition(":")
    if kind == "item":
        assessment, _sep, item = rest.partition(":")
        return {"assessment": int(assessment), "item": item}
    return {kind: int(rest)}


def _evidence_choices(
    factor_map: FactorMap | None, language: str
) -> dict[str, list[tuple[str, str]]]:
    """Per factor code, the evidence it has in `factor_map`, as (token, what it is)."""
    if factor_map is None:
        return {}
    passages = selectors.evidence_passages(factor_map)
    choices: dict[str, list[tuple[str, str]]] = {}
    for entry in factor_map.entries.all():
        shown = _evidence_rows(entry, passages)
        tokens = [
            _evidence_token(e)
            for e in entry.evidence.all()
            if e.segment_id is None or e.segment_id in passages
        ]
        choices[entry.code_label] = [
            (token, f"{row['kind']}: {row['text']}")
            for token, row in zip(tokens, shown, strict=False)
        ]
    return choices


def _initial_rows(
    factors: Mapping[str, selectors.CodebookFactor],
    base: FactorMap | None,
    evidence: Mapping[str, list[tuple[str, str]]],
) -> list[dict[str, Any]]:
    entries = {} if base is None else {e.code_label: e for e in base.entries.all()}
    rows: list[dict[str, Any]] = []
    for label in factors:
        entry = entries.get(label)
        if entry is None:
            rows.append({"code": label, "status": "unknown"})
        else:
            rows.append(
                {
                    "code": label,
                    "status": entry.status,
                    "rating": entry.rating,
                    "note": entry.note,
                    "evidence": [token for token, _text in evidence.get(label, [])],
                }
            )
    return rows


def _entries_of(formset: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """The rows the worker filled in, as the service takes them, and each one's form index.
    A factor left unknown with no note and no evidence is left out (a map that does not list
    a factor counts it as unknown)."""
    entries, index_of = [], []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        code = data["code"]
        kept = [_evidence_spec(token) for token in data.get("evidence") or []]
        if data["status"] == "unknown" and not data["note"] and not kept and data["rating"] is None:
            continue
        entry: dict[str, Any] = {"code": code, "status": data["status"], "note": data["note"]}
        if data["rating"] is not None:
            kind = factor_shape(code).kind if _is_factor_code(code) else PROTECTIVE
            entry["strength" if kind == PROTECTIVE else "severity"] = data["rating"]
        entry["evidence"] = kept
        entries.append(entry)
        index_of.append(index)
    return entries, index_of


def _show_errors(
    error: InvalidInput, formset: Any, note_form: MapNoteForm, index_of: list[int]
) -> list[str]:
    """Put each refusal beside the row and field it names; what names no row is returned."""
    left: list[str] = []
    for key, found in error.errors.items():
        match = _ENTRY_FIELD.match(key)
        if match and int(match[1]) < len(index_of):
            form = formset.forms[index_of[int(match[1])]]
            field = _FORM_FIELD.get(match[2] or "")
            for message in found:
                form.add_error(field, message)
        elif key == "note":
            for message in found:
                note_form.add_error("note", message)
        else:
            left.extend(found)
    return left


def _row_groups(
    formset: Any, factors: Mapping[str, selectors.CodebookFactor], language: str
) -> list[dict[str, Any]]:
    """The form's rows grouped as the map is: protective then risk, by level; a row whose
    code is not a factor of the codebook (sent by hand) comes last, on its own."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    stray = []
    for form in formset.forms:
        code = form["code"].value() or ""
        factor = factors.get(code)
        row = {
            "form": form,
            "code": code,
            "name": factor.code.name_in(language) if factor else "",
            "kind": factor.shape.kind if factor else "",
        }
        if factor is None:
            stray.append(row)
        else:
            grouped.setdefault((factor.shape.kind, factor.shape.level), []).append(row)
    groups = [
        {
            "kind": kind,
            "label": f"{FactorKind(kind).label} · {FactorLevel(level).label}",
            "rows": grouped[(kind, level)],
        }
        for kind in (PROTECTIVE, RISK)
        for level in LEVELS
        if (kind, level) in grouped
    ]
    if stray:
        groups.append({"kind": "", "label": _("Not in the codebook"), "rows": stray})
    return groups


@casework
def map_edit(request: HttpRequest, case_id: int, caregiver_id: int) -> HttpResponse:
    """The worker's map over every factor of the casework codebook, starting from the latest
    version; saving makes a new version (confirmed, or kept a draft)."""
    user: User = user_of(request)
    case = case_of(request, case_id)
    caregiver = caregiver_of(case, caregiver_id)
    language = page_language()
    factors = selectors.codebook_factors(casework_project())
    newest = (
        FactorMap.objects.filter(case=case, caregiver=caregiver)
        .order_by("-version")
        .values_list("pk", flat=True)
        .first()
    )
    base = (
        None
        if newest is None
        else _map_for(
            request, newest, audit_as="plans.factor_map.viewed" if request.method == "GET" else None
        )
    )
    evidence = _evidence_choices(base, language)
    status = 200
    errors: list[str] = []
    if request.method == "POST":
        formset = FactorFormSet(request.POST, prefix="f", evidence_by_code=evidence)
        note_form = MapNoteForm(request.POST)
        if formset.is_valid() and note_form.is_valid():
            entries, index_of = _entries_of(formset)
            confirmed = request.POST.get("save") != "draft"
            try:
                saved = services.save_factor_map(
                    actor=user,
                    case=case,
                    caregiver=caregiver,
                    entries=entries,
                    note=note_form.cleaned_data["note"],
                    confirmed=confirmed,
                )
            except InvalidInput as error:
                errors = _show_errors(error, formset, note_form, index_of)
            else:
                messages.success(
                    request,
                    _("Version %(version)s of the map was saved.") % {"version": saved.version},
                )
                return redirect(map_url(case.pk, caregiver.pk))
        errors.extend(str(message) for message in formset.non_form_errors())
        status = 400
    else:
        formset = FactorFormSet(
            prefix="f",
            initial=_initial_rows(factors, base, evidence),
            evidence_by_code=evidence,
        )
        note_form = MapNoteForm()
    return render(
        request,
        "plans/map_edit.html",
        {
            "case": case,
            "caregiver": caregiver,
            "base": base,
            "formset": formset,
            "note_form": note_form,
            "groups": _row_groups(formset, factors, language),
            "errors": errors,
            "has_errors": status == 400,
        },
        status=status,
    )


# --- two versions side by side, and the SVG file --------------------------------------------


@casework
def map_compare(request: HttpRequest, case_id: int, caregiver_id: int) -> HttpResponse:
    """Two versions of a caregiver's map side by side (intake and closure, say)."""
    user = user_of(request)
    case = case_of(request, case_id)
    caregiver = caregiver_of(case, caregiver_id)
    language = page_language()
    versions = selectors.factor_maps_of(user, case, caregiver)
    form = _compare_form(request.GET if "before" in request.GET else None, versions)
    context: dict[str, Any] = {"case": case, "caregiver": caregiver, "form": form}
    status = 200
    if form.is_bound and form.is_valid():
        before_id, after_id = form.cleaned_data["before"], form.cleaned_data["after"]
        try:
            comparison = selectors.map_comparison(user, before_id, after_id)
        except (InvalidInput, NotFound) as error:
            if isinstance(error, InvalidInput):
                add_service_errors(form, error)
            else:
                form.add_error("after", _("Choose a version of this caregiver's map."))
            status = 400
        else:
            before = _map_for(request, before_id, audit_as=None)
            after = _map_for(request, after_id, audit_as=None)
            names = {e.code_label: e.code.name_in(language) for e in before.entries.all()}
            names.update({e.code_label: e.code.name_in(language) for e in after.entries.all()})
            context.update(
                {
                    "comparison": comparison,
                    "before": before,
                    "after": after,
                    "before_svg": drawn(before, language=language),
                    "after_svg": drawn(after, language=language),
                    "rows": [
                        {
                            "row": row,
                            "name": names.get(row.code, ""),
                            "kind": FactorKind(row.kind).label,
                            "level": FactorLevel(row.level).label,
                            "before": _value_text(row.kind, row.before),
                            "after": _value_text(row.kind, row.after),
                            "direction": _DIRECTIONS[row.direction](),
                            "better": row.direction == BETTER,
                            "worse": row.direction == WORSE,
                        }
                        for row in comparison.rows
                    ],
                }
            )
    elif form.is_bound:
        status = 400
    return render(request, "plans/map_compare.html", context, status=status)


_DIRECTIONS = {
    "better": lambda: _("better"),
    "worse": lambda: _("worse"),
    "same": lambda: _("the same"),
    "unclear": lambda: _("unclear"),
}


def _value_text(kind: str, value: Any) -> str:
    status = str(FactorStatus(value.status).label)
    if value.status != PRESENT or value.rating is None:
        return status
    if kind == PROTECTIVE:
        return _("%(status)s, strength %(rating)s") % {"status": status, "rating": value.rating}
    return _("%(status)s, severity %(rating)s") % {"status": status, "rating": value.rating}


@casework
def map_svg(request: HttpRequest, map_id: int) -> HttpResponse:
    """A map version as an SVG file, for a report or a printout; audited as a download."""
    shown = _map_for(request, map_id, audit_as="plans.factor_map.downloaded")
    response = HttpResponse(
        svg_document(str(drawn(shown, language=page_language()))),
        content_type="image/svg+xml; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="strengths-risk-map-{shown.pk}-v{shown.version}.svg"'
    )
    return response


# --- the case page's section ----------------------------------------------------------------


def section_context(user: User, case: Case) -> dict[str, Any]:
    """What the case page's plans section shows of maps (plans/section/maps.html): each
    caregiver's latest map, drawn, with its date, who made it and whether it is confirmed."""
    language = page_language()
    rows = []
    for caregiver, latest in selectors.latest_maps_of(user, case):
        present = [] if latest is None else [e for e in latest.entries.all() if e.status == PRESENT]
        rows.append(
            {
                "caregiver": caregiver,
                "map": latest,
                "svg": drawn(latest, language=language) if latest is not None else "",
                "protective": sum(1 for e in present if e.kind == PROTECTIVE),
                "risk": sum(1 for e in present if e.kind == RISK),
                "link": map_url(case.pk, caregiver.pk),
            }
        )
    return {"map_rows": rows}
