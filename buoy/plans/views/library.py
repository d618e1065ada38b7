"""Pages of the department's technique library and resource directory (and, later, its
suggestion rules). Neither names a family: every role reads the library, case staff and its
keepers the directory; supervisors and administrators keep both. Parse, call, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from buoy.access.decorators import role_allows
from buoy.access.domain.roles import (
    can_keep_resource_directory,
    can_keep_technique_library,
    can_read_resource_directory,
    can_read_technique_library,
)
from buoy.coding.services import casework_project
from buoy.core.errors import InvalidInput, NotFound
from buoy.core.forms import add_service_errors
from buoy.plans import selectors, services
from buoy.plans.forms.library import ResourceFilterForm, ResourceForm, TechniqueForm
from buoy.plans.models import Ability, Resource, Technique
from buoy.plans.views.shared import page_language, user_of

technique_readers = role_allows(can_read_technique_library)
technique_keepers = role_allows(can_keep_technique_library)
directory_readers = role_allows(can_read_resource_directory)
directory_keepers = role_allows(can_keep_resource_directory)


# --- the technique library -------------------------------------------------------------------


def _factor_names(language: str) -> dict[str, str]:
    """The casework codebook's factors by label (``R-ECO-01``), named in `language`."""
    chinese = language.lower().startswith("zh")
    return {
        label: (factor.code.name_zh if chinese and factor.code.name_zh else factor.code.name_en)
        for label, factor in selectors.codebook_factors(casework_project()).items()
    }


def _technique_row(technique: Technique, language: str, factors: dict[str, str]) -> dict[str, Any]:
    abilities = dict(Ability.choices)
    return {
        "technique": technique,
        "name": technique.name_in(language),
        "description": technique.description_in(language),
        "evidence": technique.evidence_in(language),
        "abilities": [str(abilities.get(a, a)) for a in technique.abilities],
        "factors": [(label, factors.get(label, "")) for label in technique.factors],
    }


@technique_readers
def technique_list(request: HttpRequest) -> HttpResponse:
    """The library in the page's language: what each technique is, the abilities and factors
    it addresses, its evidence and sources, whether it is offered."""
    user = user_of(request)
    language = page_language()
    factors = _factor_names(language)
    rows = [_technique_row(t, language, factors) for t in selectors.techniques_visible_to(user)]
    return render(
        request,
        "plans/technique_list.html",
        {"rows": rows, "can_keep": can_keep_technique_library(user.role_enum)},
    )


def _factor_choices(language: str) -> list[tuple[Any, str]]:
    return [(label, f"{label} {name}") for label, name in _factor_names(language).items()]


def _technique_of(request: HttpRequest, technique_id: int) -> Technique:
    try:
        return selectors.get_technique_for(user_of(request), technique_id)
    except NotFound:
        raise Http404(_("No such technique.")) from None


@technique_keepers
def technique_new(request: HttpRequest) -> HttpResponse:
    """Add a technique of the department's own."""
    form = TechniqueForm(
        request.POST or None, factors=_factor_choices(page_language()), adding=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            technique = services.add_technique(
                actor=user_of(request), code=form.cleaned_data["code"], fields=form.values()
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The technique %(code)s was added.") % {"code": technique.code}
            )
            return redirect("plans:technique_list")
    return render(request, "plans/technique_form.html", {"form": form, "technique": None})


@technique_keepers
def technique_edit(request: HttpRequest, technique_id: int) -> HttpResponse:
    """Change a technique's texts, aims, evidence, or whether it is offered."""
    technique = _technique_of(request, technique_id)
    initial = {
        name: getattr(technique, name)
        for name in (
            "name_en",
            "name_zh",
            "description_en",
            "description_zh",
            "abilities",
            "factors",
            "evidence_en",
            "evidence_zh",
            "active",
        )
    }
    initial["sources"] = "\n".join(technique.sources)
    form = TechniqueForm(
        request.POST or None,
        factors=_factor_choices(page_language()),
        adding=False,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_technique(
                actor=user_of(request), technique=technique, changes=form.values()
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The technique was saved."))
            return redirect("plans:technique_list")
    return render(request, "plans/technique_form.html", {"form": form, "technique": technique})


@require_POST
@technique_keepers
def technique_offer(request: HttpRequest, technique_id: int) -> HttpResponse:
    """Withdraw a technique (``active=false``) or offer it again (``active=true``); sessions
    that used a withdrawn technique keep naming it."""
    technique = _technique_of(request, technique_id)
    wanted = request.POST.get("active", "")
    if wanted not in ("true", "false"):
        messages.error(request, _("Say whether the technique is offered."))
    else:
        services.update_technique(
            actor=user_of(request), technique=technique, changes={"active": wanted == "true"}
        )
        if wanted == "true":
            messages.success(request, _("The technique is offered again."))
        else:
            messages.success(request, _("The technique is no longer offered."))
    return redirect("plans:technique_list")


# --- the resource directory --------------------------------------------------------------------


@directory_readers
def resource_list(request: HttpRequest) -> HttpResponse:
    """The department's directory: name, kind, contact, eligibility, languages, offered."""
    user = user_of(request)
    form = ResourceFilterForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    return render(
        request,
        "plans/resource_list.html",
        {
            "form": form,
            "resources": selectors.resources_visible_to(user, kind=kind),
            "can_keep": can_keep_resource_directory(user.role_enum),
        },
    )


def _resource_of(request: HttpRequest, resource_id: int) -> Resource:
    try:
        return selectors.get_resource_for(user_of(request), resource_id)
    except NotFound:
        raise Http404(_("No such resource.")) from None


@directory_keepers
def resource_new(request: HttpRequest) -> HttpResponse:
    """Add an entry to the directory."""
    form = ResourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_resource(actor=user_of(request), **form.values())
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The resource was added."))
            return redirect("plans:resource_list")
    return render(request, "plans/resource_form.html", {"form": form, "resource": None})


@directory_keepers
def resource_edit(request: HttpRequest, resource_id: int) -> HttpResponse:
    """Change an entry of the directory, or stop offering it."""
    resource = _resource_of(request, resource_id)
    initial = {
        "name": resource.name,
        "kind": resource.kind,
        "contact": resource.contact,
        "eligibility": resource.eligibility,
        "languages": ", ".join(resource.languages),
        "active": resource.active,
    }
    form = ResourceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_resource(
                actor=user_of(request), resource=resource, changes=form.values()
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The resource was saved."))
            return redirect("plans:resource_list")
    return render(request, "plans/resource_form.html", {"form": form, "resource": resource})
