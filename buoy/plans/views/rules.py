"""Pages of the department's suggestion rules: versions, editing, what changed."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from buoy.access.decorators import role_allows
from buoy.access.domain.roles import can_keep_suggestion_rules
from buoy.core.errors import InvalidInput, NotFound
from buoy.core.forms import add_service_errors
from buoy.plans.domain.suggestions import SuggestionRuleError
from buoy.plans.forms.rules import RulesForm
from buoy.plans.selectors import (
    RulesVersion,
    rules_diff,
    suggestion_rule_version,
    suggestion_rule_versions,
)
from buoy.plans.services import save_suggestion_rules
from buoy.plans.views.shared import page_language, user_of

keepers = role_allows(can_keep_suggestion_rules)


def _version(request: HttpRequest, value: object) -> RulesVersion:
    try:
        return suggestion_rule_version(user_of(request), value)
    except NotFound:
        raise Http404(_("No such version of the suggestion rules.")) from None


@keepers
def rules_list(request: HttpRequest) -> HttpResponse:
    """Every version of the rules, newest first, with who saved it and why."""
    versions = suggestion_rule_versions(user_of(request))
    return render(request, "plans/rules_list.html", {"versions": versions})


@keepers
def rules_version(request: HttpRequest) -> HttpResponse:
    """One version (``?version=N``; the one in force without it): its rules and its text."""
    found = _version(request, request.GET.get("version"))
    try:
        rules = found.rules()
    except SuggestionRuleError:  # a version kept from an older format: show its text only
        rules = None
    return render(
        request,
        "plans/rules_version.html",
        {"found": found, "rules": rules, "language": page_language()},
    )


@keepers
def rules_edit(request: HttpRequest) -> HttpResponse:
    """Edit the rules as JSON text, starting from the version in force (or ``?from=N``).
    A refusal shows the loader's error on the text, keeps the text and saves nothing."""
    user = user_of(request)
    start = _version(request, request.GET.get("from"))
    form = RulesForm(request.POST or None, initial={"text": start.text})
    if request.method == "POST" and form.is_valid():
        try:
            row = save_suggestion_rules(
                actor=user, text=form.cleaned_data["text"], note=form.cleaned_data["note"]
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Version %(version)s of the suggestion rules is now in force.")
                % {"version": row.version},
            )
            return redirect(f"{reverse('plans:rules_version')}?version={row.version}")
    status = 400 if request.method == "POST" else 200
    return render(request, "plans/rules_edit.html", {"form": form, "start": start}, status=status)


@keepers
def rules_diff_page(request: HttpRequest) -> HttpResponse:
    """What changed between two versions (``?from=N&to=M``); by default, the version in force
    against the one before it."""
    user = user_of(request)
    versions = suggestion_rule_versions(user)
    newer = _version(request, request.GET.get("to"))
    wanted_from = request.GET.get("from")
    if wanted_from:
        older: RulesVersion | None = _version(request, wanted_from)
    else:
        older = next((v for v in versions if v.version < newer.version), None)
    lines = rules_diff(older, newer) if older is not None else []
    return render(
        request,
        "plans/rules_diff.html",
        {"older": older, "newer": newer, "lines": lines, "versions": versions},
    )
