"""The administrator's pages for the department's instruments: the list in use, each one's
wording per language, its item groups, and the timepoints."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from buoy.core.errors import InvalidInput, NotFound
from buoy.core.forms import add_service_errors
from buoy.instruments import selectors, services
from buoy.instruments.domain.definition import Instrument
from buoy.instruments.forms import (
    ItemGroupForm,
    ItemGroupFormSet,
    ItemGroupsChangeForm,
    TimepointForm,
    WordingImportForm,
    WordingVerifyForm,
    item_label,
    text_in,
)
from buoy.instruments.views.shared import _language, _language_name, _user, instrument_keeping


def _licence_label(status: str) -> str:
    return {
        "public_domain": _("Public domain"),
        "free": _("Free to use"),
        "licensed": _("Licensed"),
    }.get(status, status)


def _origin_label(origin: str) -> str:
    return {
        "bundled": _("Bundled with Buoy"),
        "native": _("Imported definition"),
        "redcap": _("Imported from REDCap"),
        "fhir": _("Imported from FHIR"),
        "edited": _("Item groups edited"),
    }.get(origin, origin)


def _item_numbers(instrument: Instrument, item_ids: tuple[str, ...]) -> str:
    return ", ".join(str(instrument.item(item_id).number) for item_id in item_ids)


def _wording_cell(
    row: selectors.InstrumentInUse, wording: selectors.WordingInLanguage
) -> dict[str, Any]:
    return {
        "code": wording.language,
        "language": _language_name(wording.language),
        "wording": wording,
        "licensed": row.instrument.licence.status == "licensed",
        "confidence": wording.row.confidence if wording.row else "",
    }


@instrument_keeping
def instrument_list(request: HttpRequest) -> HttpResponse:
    """The instruments in use: version, licence, wording (and whose it is), item groups."""
    language = _language()
    rows = [
        {
            "id": row.version.instrument_id,
            "name": row.version.display_name(language),
            "version": row.version.version,
            "licence": _licence_label(row.instrument.licence.status),
            "licensed": row.instrument.licence.status == "licensed",
            "wording": [_language_name(code) for code in row.wording],
            "imported": [_language_name(code) for code in row.imported_wording],
            "wordings": [_wording_cell(row, wording) for wording in row.wordings],
            "groups": [
                {
                    "id": group.id,
                    "label": text_in(group.label, language) or group.id,
                    "items": _item_numbers(row.instrument, group.items),
                }
                for group in row.instrument.item_groups
            ],
        }
        for row in selectors.instruments_in_use()
    ]
    return render(request, "instruments/instrument_list.html", {"rows": rows})


def _text_rows(instrument: Instrument, language: str) -> list[dict[str, Any]]:
    """Each item with its answers, in English beside `language`, for comparing with the
    rights holder's text."""
    rows = []
    for item in instrument.items:
        response_set = instrument.response_set_of(item)
        rows.append(
            {
                "number": item.number,
                "id": item.id,
                "english": item.text.get("en", ""),
                "text": item.text.get(language, ""),
                "options": [
                    {
                        "value": option.value,
                        "english": option.label.get("en", ""),
                        "text": option.label.get(language, ""),
                    }
                    for option in (response_set.options if response_set else ())
                ],
            }
        )
    return rows


@instrument_keeping
def wording(request: HttpRequest, instrument_id: str, language: str) -> HttpResponse:
    """One instrument's wording in one language: where it comes from, its text beside the
    English, marking a shipped wording verified, and importing the official text over it."""
    if language not in selectors.WORDING_LANGUAGES:
        raise Http404(_("No such language."))
    try:
        version = selectors.current_instrument(instrument_id)
    except NotFound:
        raise Http404(_("No such instrument.")) from None
    found = selectors.wording_in(version, language)
    verify_form = WordingVerifyForm(request.POST if "verify" in request.POST else None)
    import_form = WordingImportForm(
        request.POST if "import" in request.POST else None,
        request.FILES if "import" in request.POST else None,
    )
    if request.method == "POST":
        try:
            if "verify" in request.POST and found.row is not None and verify_form.is_valid():
                services.verify_wording(
                    actor=_user(request), wording=found.row, note=verify_form.cleaned_data["note"]
                )
                messages.success(request, _("The wording is marked as verified."))
                return redirect(
                    "instruments:wording", instrument_id=instrument_id, language=language
                )
            if "import" in request.POST and import_form.is_valid():
                services.import_wording(
                    actor=_user(request),
                    version=version,
                    language=language,
                    wording=import_form.cleaned_data["file"],
                    source=import_form.file_name,
                )
                messages.success(request, _("The wording was imported."))
                return redirect(
                    "instruments:wording", instrument_id=instrument_id, language=language
                )
        except InvalidInput as error:
            add_service_errors(verify_form if "verify" in request.POST else import_form, error)
    instrument = version.instrument()
    provenance = found.row.provenance if found.row else {}
    return render(
        request,
        "instruments/wording.html",
        {
            "version": version,
            "name": version.display_name(_language()),
            "language": language,
            "language_name": _language_name(language),
            "wording": found,
            "licensed": instrument.licence.status == "licensed",
            "provenance": provenance,
            "instructions": instrument.instructions.get(language, ""),
            "instructions_en": instrument.instructions.get("en", ""),
            "texts": _text_rows(instrument, language),
            "verify_form": verify_form,
            "import_form": import_form,
        },
    )


@instrument_keeping
def item_groups(request: HttpRequest, instrument_id: str) -> HttpResponse:
    """Edit an instrument's item groups; saving installs its next version."""
    try:
        version = selectors.current_instrument(instrument_id)
    except NotFound:
        raise Http404(_("No such instrument.")) from None
    # Items show their wording only where the site installed it; otherwise "Item 3".
    instrument = version.instrument()
    choices = [(item.id, item_label(item, _language())) for item in instrument.scored_items]
    if request.method == "POST":
        data = request.POST.copy()
        if "add_group" in data:
            # Another blank group, without saving (works without JavaScript).
            total = data.get("group-TOTAL_FORMS", "")
            data["group-TOTAL_FORMS"] = str(int(total) + 1) if total.isdigit() else total
        formset = ItemGroupFormSet(data, prefix="group", form_kwargs={"item_choices": choices})
        change = ItemGroupsChangeForm(data)
        if "add_group" not in data and formset.is_valid() and change.is_valid():
            groups, places = formset.groups()
            try:
                installed = services.set_item_groups(
                    actor=_user(request),
                    instrument_id=version.instrument_id,
                    groups=groups,
                    reason=change.cleaned_data["reason"],
                    based_on=change.cleaned_data["based_on"] or None,
                )
            except InvalidInput as error:
                formset.show_service_errors(error, places, change)
            else:
                messages.success(
                    request,
                    _("Version %(version)s of %(name)s is installed with the new item groups.")
                    % {"version": installed.version, "name": installed.display_name(_language())},
                )
                return redirect("instruments:instrument_list")
    else:
        formset = ItemGroupFormSet(
            prefix="group",
            initial=[ItemGroupForm.initial_for(group) for group in instrument.item_groups],
            form_kwargs={"item_choices": choices},
        )
        change = ItemGroupsChangeForm(initial={"based_on": version.version})
    return render(
        request,
        "instruments/item_groups.html",
        {
            "version": version,
            "name": version.display_name(_language()),
            "formset": formset,
            "change": change,
            "versions": [
                {
                    "version": v.version,
                    "in_use": v.is_current,
                    "installed": v.imported_at,
                    "by": v.imported_by.display_name() if v.imported_by else "",
                    "origin": _origin_label(v.origin),
                    "reason": v.reason,
                }
                for v in selectors.versions_of(version.instrument_id)
            ],
            "licensed_without_wording": instrument.licence.status == "licensed"
            and not instrument.has_wording(_language()),
        },
    )


@instrument_keeping
def timepoints(request: HttpRequest) -> HttpResponse:
    """The department's timepoints, and a form to add one."""
    form = TimepointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.set_timepoint(actor=_user(request), new=True, **form.cleaned_data)
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Timepoint %(label)s added.") % {"label": added.label(_language())}
            )
            return redirect("instruments:timepoints")
    return render(
        request,
        "instruments/timepoints.html",
        {"timepoints": selectors.timepoints(), "form": form, "language": _language()},
    )


@instrument_keeping
def timepoint_edit(request: HttpRequest, timepoint: str) -> HttpResponse:
    """Relabel a timepoint, or change its order or months; its code stays."""
    try:
        found = selectors.timepoint_with_code(timepoint)
    except NotFound:
        raise Http404(_("No such timepoint.")) from None
    initial = {
        "code": found.code,
        "label_en": found.label_en,
        "label_zh": found.label_zh,
        "order": found.order,
        "months_after_end": found.months_after_end,
    }
    form = TimepointForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.set_timepoint(actor=_user(request), **form.cleaned_data)
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Timepoint %(code)s saved.") % {"code": found.code})
            return redirect("instruments:timepoints")
    return render(request, "instruments/timepoint_form.html", {"form": form, "timepoint": found})
