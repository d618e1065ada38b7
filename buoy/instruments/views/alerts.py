"""Safety alerts: the open alerts page, its caseload banner, and recording how one was handled."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from buoy.cases.selectors import staff_on_case
from buoy.core.errors import InvalidInput, NotFound
from buoy.core.forms import add_service_errors
from buoy.instruments import selectors, services
from buoy.instruments.forms import AlertHandlingForm
from buoy.instruments.views.shared import _case, _language, _user, casework

ALERTS_SHOWN = 100


@casework
def alerts(request: HttpRequest) -> HttpResponse:
    """Open safety alerts on the cases the user sees, the longest waiting first, overdue ones
    marked (the worker's and the supervisor's to-do list)."""
    user = _user(request)
    found = selectors.open_alerts_visible_to(user)
    shown = list(found[:ALERTS_SHOWN])
    selectors.record_alerts_shown(user, shown)
    return render(
        request,
        "instruments/alerts.html",
        {
            "alerts": shown,
            "total": found.count() if len(shown) == ALERTS_SHOWN else len(shown),
            "overdue_hours": selectors.alert_overdue_hours(),
            "language": _language(),
        },
    )


@casework
def alerts_banner(request: HttpRequest) -> HttpResponse:
    """A one-line count of open safety alerts, and of the overdue ones, loaded into the
    caseload by htmx. Counts only: it names no family, so it records no read."""
    found = selectors.open_alerts_visible_to(_user(request))
    return render(
        request,
        "instruments/alerts_banner.html",
        {
            "count": found.count(),
            "overdue": selectors.only_overdue(found).count(),
            "overdue_hours": selectors.alert_overdue_hours(),
        },
    )


def _same_site_next(request: HttpRequest) -> str:
    """The `next` address the form came with, if it stays on this site; else empty.

    Anything else (another host, another scheme, `//evil.example`) is dropped, so the form
    cannot be used to send a worker off to another site.
    """
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return ""


@casework
def alert_handle(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Record what was done about a safety alert (what, when, by whom, a note); for an alert
    already handled, show that record."""
    user = _user(request)
    try:
        alert = selectors.get_alert_for(user, alert_id)
    except NotFound:
        raise Http404(_("No such alert.")) from None
    # Through the one door: a GET records the view (the page shows the family and the answer).
    case = _case(request, alert.case_id)
    back = _same_site_next(request)
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = AlertHandlingForm(
        request.POST or None,
        staff=staff_on_case(case),
        initial={"handled_by": user.pk, "handled_at": now, "next": back},
    )
    form.fields["handled_at"].widget.attrs.update(
        {
            "min": timezone.localtime(alert.raised_at).strftime("%Y-%m-%dT%H:%M"),
            "max": now.strftime("%Y-%m-%dT%H:%M"),
        }
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.handle_alert(
                    actor=user,
                    alert=alert,
                    actions=form.cleaned_data["actions"],
                    handled_at=form.cleaned_data["handled_at"],
                    handled_by=form.cleaned_data["handled_by"],
                    note=form.cleaned_data["note"],
                )
            except InvalidInput as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("What was done about the alert is recorded."))
                return redirect(back or "instruments:alerts")
        status = 400
    return render(
        request,
        "instruments/alert_handle.html",
        {
            "case": case,
            "alert": alert,
            "form": form,
            "back": back or reverse("instruments:alerts"),
            "overdue_hours": selectors.alert_overdue_hours(),
        },
        status=status,
    )
