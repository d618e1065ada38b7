"""The audit trail's filter form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from buoy.audit.selectors import AuditFilter


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("User"), required=False)
    action = forms.CharField(
        label=_("Action"), required=False, help_text=_("A dotted prefix, e.g. cases.case")
    )
    subject_type = forms.CharField(label=_("Record type"), required=False)
    subject_id = forms.CharField(label=_("Record id"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def to_filter(self) -> AuditFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return AuditFilter(
            actor=(data.get("actor") or "").strip(),
            action=(data.get("action") or "").strip(),
            subject_type=(data.get("subject_type") or "").strip(),
            subject_id=(data.get("subject_id") or "").strip(),
            since=data.get("since"),
            until=data.get("until"),
        )
