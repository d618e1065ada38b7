"""Sign-in, the home redirect, and the administrator's pages: accounts, wards, audit trail.

The audit trail's pages live here, not in `audit`, because only this app knows roles.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from buoy.access import selectors, services
from buoy.access.decorators import role_allows
from buoy.access.domain.roles import (
    Role,
    can_manage_accounts,
    can_read_audit,
    can_see_identifiable_cases,
)
from buoy.access.forms import LoginForm, UserForm, WardForm
from buoy.access.models import User
from buoy.audit.forms import AuditFilterForm
from buoy.audit.selectors import audit_events, export_rows
from buoy.audit.services import record
from buoy.core.errors import InvalidInput, NotFound
from buoy.core.forms import add_service_errors


class LoginView(auth_views.LoginView):
    template_name = "access/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to the page it works from."""
    role = request.user.role_enum  # type: ignore[union-attr]
    if can_see_identifiable_cases(role):
        return redirect("cases:caseload")
    if can_manage_accounts(role):
        return redirect("access:users")
    return redirect("cases:overview")


@role_allows(can_manage_accounts)
def users(request: HttpRequest) -> HttpResponse:
    """Every account, its role, wards and state."""
    page = Paginator(selectors.users_for_administration(), 50).get_page(request.GET.get("page"))
    return render(request, "access/users.html", {"page": page})


def _user_form_values(form: UserForm) -> dict[str, object]:
    data = form.cleaned_data
    return {
        "role": Role(data["role"]),
        "ward_codes": [w.code for w in data["wards"]],
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "email": data["email"],
    }


@role_allows(can_manage_accounts)
def user_new(request: HttpRequest) -> HttpResponse:
    """Create an account."""
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.add_user(
                actor=request.user,  # type: ignore[arg-type]
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"] or None,
                **_user_form_values(form),  # type: ignore[arg-type]
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": user.username})
            return redirect("access:users")
    return render(request, "access/user_form.html", {"form": form, "creating": True})


@role_allows(can_manage_accounts)
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    """Change an account's role, wards, names, state or password."""
    account = get_object_or_404(User, pk=user_id)
    initial = {
        "username": account.username,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "role": account.role,
        "wards": list(account.wards.all()),
        "is_active": account.is_active,
    }
    form = UserForm(request.POST or None, initial=initial)
    form.fields["username"].disabled = True
    if request.method == "POST" and form.is_valid():
        actor: User = request.user  # type: ignore[assignment]
        try:
            services.update_user(
                actor=actor,
                user=account,
                is_active=form.cleaned_data["is_active"],
                **_user_form_values(form),  # type: ignore[arg-type]
            )
            if form.cleaned_data["password"]:
                services.set_password(
                    actor=actor, user=account, password=form.cleaned_data["password"]
                )
                if account.pk == actor.pk:
                    # An administrator changing their own password stays signed in here;
                    # their other sessions end.
                    update_session_auth_hash(request, account)
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Account %(name)s saved.") % {"name": account.username})
            if form.cleaned_data["password"] or account.is_active != initial["is_active"]:
                messages.info(
                    request,
                    _("%(name)s is signed out everywhere and their API tokens are revoked.")
                    % {"name": account.username},
                )
            return redirect("access:users")
    return render(
        request,
        "access/user_form.html",
        {
            "form": form,
            "account": account,
            "creating": False,
            "live_tokens": selectors.live_api_tokens_of(account).count(),
        },
    )


@require_POST
@role_allows(can_manage_accounts)
def user_tokens_revoke(request: HttpRequest, user_id: int) -> HttpResponse:
    """Revoke every API token of an account."""
    account = get_object_or_404(User, pk=user_id)
    count = services.revoke_api_tokens(actor=request.user, user=account)  # type: ignore[arg-type]
    messages.success(
        request,
        ngettext(
            "%(count)s API token of %(name)s revoked.",
            "%(count)s API tokens of %(name)s revoked.",
            count,
        )
        % {"count": count, "name": account.username},
    )
    return redirect("access:user_edit", user_id=account.pk)


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own live API tokens: prefix, made, last used; never the key."""
    owned = selectors.live_api_tokens_of(request.user)  # type: ignore[arg-type]
    return render(request, "access/tokens.html", {"tokens": owned})


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of one's own API tokens."""
    try:
        services.revoke_own_api_token(actor=request.user, token_id=token_id)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The API token is revoked. Programs that used it are shut out."))
    return redirect("access:tokens")


@require_POST
@role_allows(can_manage_accounts)
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    """Lift a lock-out."""
    account = get_object_or_404(User, pk=user_id)
    services.unlock_user(actor=request.user, user=account)  # type: ignore[arg-type]
    messages.success(request, _("Account %(name)s unlocked.") % {"name": account.username})
    return redirect("access:users")


@role_allows(can_manage_accounts)
def wards(request: HttpRequest) -> HttpResponse:
    """Every ward, and a form to add one."""
    form = WardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ward = services.add_ward(
                actor=request.user,  # type: ignore[arg-type]
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
            )
        except InvalidInput as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Ward %(name)s added.") % {"name": ward.name})
            return redirect("access:wards")
    return render(request, "access/wards.html", {"wards": selectors.all_wards(), "form": form})


@role_allows(can_read_audit)
def audit_trail(request: HttpRequest) -> HttpResponse:
    """The trail, newest first, filtered by user, action, record and dates."""
    form = AuditFilterForm(request.GET or None)
    page = Paginator(audit_events(form.to_filter()), 50).get_page(request.GET.get("page"))
    # The trail names staff and their addresses: reading it is itself recorded.
    record(actor=request.user, action="audit.trail.viewed", context={"page": page.number})
    query = request.GET.copy()
    query.pop("page", None)
    template = "audit/events.html#results" if request.htmx else "audit/events.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


class _Echo:
    def write(self, value: str) -> str:
        return value


@role_allows(can_read_audit)
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered trail as a CSV download (the export is itself audited)."""
    form = AuditFilterForm(request.GET or None)
    filters = form.to_filter()
    record(actor=request.user, action="audit.trail.exported", context={"channel": "web"})
    writer = csv.writer(_Echo())
    rows: Iterator[str] = (
        writer.writerow(row) for row in export_rows(audit_events(filters).iterator())
    )
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="buoy-audit-{stamp}.csv"'
    return response
