"""Forms for the case pages. They check the shape of input; services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from buoy.access.models import User, Ward
from buoy.cases.domain.diagnoses import COMMON_DIAGNOSES
from buoy.cases.models import (
    CAREGIVER_FIELDS,
    CHILD_FIELDS,
    COST_FIELDS,
    Caregiver,
    Child,
    ClosingReason,
    ConsentScope,
    CostRecord,
    FollowUpMonths,
    InsuranceScheme,
    PhaseChoice,
    ReferralSource,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _person_choices(users: Any) -> list[tuple[int, str]]:
    return [(u.pk, u.display_name()) for u in users]


class CaseloadFilterForm(forms.Form):
    """The caseload's search and filters."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Case number, child's or caregiver's name, or diagnosis"),
    )
    phase = forms.ChoiceField(
        label=_("Phase"), required=False, choices=[("", _("Any phase")), *PhaseChoice.choices]
    )
    worker = forms.TypedChoiceField(label=_("Worker"), required=False, coerce=int, empty_value=None)
    diagnosis = forms.ChoiceField(label=_("Diagnosis"), required=False)
    ward = forms.TypedChoiceField(label=_("Ward"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, workers: Any, wards: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        worker_field: forms.TypedChoiceField = self.fields["worker"]  # type: ignore[assignment]
        worker_field.choices = [("", _("Any worker")), *_person_choices(workers)]
        ward_field: forms.TypedChoiceField = self.fields["ward"]  # type: ignore[assignment]
        ward_field.choices = [("", _("Any ward")), *((w.pk, w.name) for w in wards)]
        diagnosis_field: forms.ChoiceField = self.fields["diagnosis"]  # type: ignore[assignment]
        diagnosis_field.choices = [
            ("", _("Any diagnosis")),
            *((d.code, f"{d.code} {d.label_in(get_language())}") for d in COMMON_DIAGNOSES),
        ]


class CaseOpenForm(forms.Form):
    """The case part of registering a new family."""

    ward = forms.ModelChoiceField(label=_("Ward"), queryset=Ward.objects.none())
    assigned_worker = forms.ModelChoiceField(
        label=_("Assigned worker"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Leave empty to take the case yourself."),
    )
    referral_source = forms.ChoiceField(label=_("Referred by"), choices=ReferralSource.choices)
    opened_on = forms.DateField(
        label=_("Opened on"), initial=timezone.localdate, widget=DateInput()
    )

    def __init__(self, *args: Any, wards: Any, colleagues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ward"].queryset = wards  # type: ignore[attr-defined]
        self.fields["assigned_worker"].queryset = colleagues  # type: ignore[attr-defined]
        self.fields["assigned_worker"].label_from_instance = (  # type: ignore[attr-defined]
            lambda user: user.display_name()
        )
        if len(wards) == 1:
            self.fields["ward"].initial = wards[0]


class ChildForm(forms.ModelForm):
    """The child's details, diagnosis and treatment."""

    class Meta:
        model = Child
        fields = CHILD_FIELDS
        widgets = {
            "date_of_birth": DateInput(),
            "diagnosed_on": DateInput(),
            "diagnosis_code": forms.TextInput({"list": "icd10-common", "autocomplete": "off"}),
        }
        help_texts = {
            "diagnosis_code": _("ICD-10, e.g. C91.0 for acute lymphoblastic leukaemia."),
            "diagnosis_label": _("Filled in from the code when left empty for a common code."),
        }


class CaregiverForm(forms.ModelForm):
    """A caregiver's details and family situation."""

    insurance_schemes = forms.MultipleChoiceField(
        label=_("Insurance schemes"),
        choices=InsuranceScheme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Caregiver
        fields = CAREGIVER_FIELDS


class FirstCaregiverForm(CaregiverForm):
    """The caregiver registered with a new case: always the primary one."""

    class Meta(CaregiverForm.Meta):
        fields = [f for f in CAREGIVER_FIELDS if f != "is_primary"]  # type: ignore[assignment]


class CostForm(forms.Form):
    """The family's costs as they stand on one day, in yuan."""

    recorded_on = forms.DateField(label=_("As of"), initial=timezone.localdate, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in COST_FIELDS:
            model_field = CostRecord._meta.get_field(name)
            self.fields[name] = forms.DecimalField(
                label=getattr(model_field, "verbose_name", name),
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=2,
            )


class CloseForm(forms.Form):
    """Closing a case."""

    reason = forms.ChoiceField(label=_("Closing reason"), choices=ClosingReason.choices)
    closed_on = forms.DateField(
        label=_("Closed on"), initial=timezone.localdate, widget=DateInput()
    )
    without_post_assessment_reason = forms.CharField(
        label=_("Why the case closes without a post-assessment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 3}),
        help_text=_(
            "Needed only when the post-assessment is missing, for example when the family "
            "moved away or declined it."
        ),
    )


class FollowUpForm(forms.Form):
    """Recording a follow-up contact made with the family."""

    months = forms.TypedChoiceField(
        label=_("Follow-up"), choices=FollowUpMonths.choices, coerce=int
    )
    contacted_on = forms.DateField(
        label=_("Contacted on"), initial=timezone.localdate, widget=DateInput()
    )


class NoteForm(forms.Form):
    """A new note."""

    body = forms.CharField(label=_("Note"), widget=forms.Textarea({"rows": 4}), max_length=20000)


class ConsentForm(forms.Form):
    """Recording a consent."""

    caregiver = forms.ModelChoiceField(label=_("Caregiver"), queryset=Caregiver.objects.none())
    scope = forms.ChoiceField(label=_("Consent to"), choices=ConsentScope.choices)
    given_on = forms.DateField(label=_("Given on"), initial=timezone.localdate, widget=DateInput())

    def __init__(self, *args: Any, caregivers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caregiver"].queryset = caregivers  # type: ignore[attr-defined]


class ReassignForm(forms.Form):
    """A supervisor's reassignment of a case."""

    worker = forms.ModelChoiceField(label=_("Assigned worker"), queryset=User.objects.none())
    shared_with = forms.ModelMultipleChoiceField(
        label=_("Shared with"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, colleagues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("worker", "shared_with"):
            field = self.fields[name]
            field.queryset = colleagues  # type: ignore[attr-defined]
            field.label_from_instance = lambda user: user.display_name()  # type: ignore[attr-defined]
