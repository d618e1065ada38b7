"""The case record: a family's case, its child, caregivers, costs, notes and consents.

Everything here except the choice lists is personal health data of a minor and their family:
read it through `selectors.get_case_for` / `cases_visible_to`, change it through `services`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from buoy.cases.domain.diagnoses import is_valid_icd10, known_diagnosis, normalise_icd10
from buoy.cases.domain.phases import OPEN_PHASES, Phase


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not recorded")


class PhaseChoice(models.TextChoices):
    INTAKE = Phase.INTAKE.value, _("Intake")
    ASSESSMENT = Phase.ASSESSMENT.value, _("Assessment")
    PLANNING = Phase.PLANNING.value, _("Planning")
    INTERVENTION = Phase.INTERVENTION.value, _("Intervention")
    EVALUATION = Phase.EVALUATION.value, _("Evaluation")
    CLOSED = Phase.CLOSED.value, _("Closed")
    FOLLOW_UP = Phase.FOLLOW_UP.value, _("Follow-up")


class ReferralSource(models.TextChoices):
    DOCTOR = "doctor", _("Doctor")
    NURSE = "nurse", _("Nurse")
    SELF = "self", _("Self-referral")
    SCREENING = "screening", _("Screening")
    OTHER_SERVICE = "other_service", _("Another service or NGO")
    OTHER = "other", _("Other")


class ClosingReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    TREATMENT_ENDED = "treatment_ended", _("Treatment ended or child discharged")
    TRANSFERRED = "transferred", _("Transferred to another hospital or service")
    CAREGIVER_DECLINED = "caregiver_declined", _("Caregiver declined further support")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    CHILD_DIED = "child_died", _("Child died (bereavement support offered)")
    OTHER = "other", _("Other")


class Relationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    GRANDMOTHER = "grandmother", _("Grandmother")
    GRANDFATHER = "grandfather", _("Grandfather")
    AUNT_UNCLE = "aunt_uncle", _("Aunt or uncle")
    SIBLING = "sibling", _("Adult sibling")
    GUARDIAN = "guardian", _("Other guardian")


class Education(models.TextChoices):
    NONE = "none", _("No formal schooling")
    PRIMARY = "primary", _("Primary school")
    JUNIOR_SECONDARY = "junior_secondary", _("Junior secondary")
    SENIOR_SECONDARY = "senior_secondary", _("Senior secondary or vocational")
    COLLEGE = "college", _("College or university")
    POSTGRADUATE = "postgraduate", _("Postgraduate")
    UNKNOWN = "unknown", _("Not recorded")


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("Employed full-time")
    PART_TIME = "part_time", _("Employed part-time")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    FARMING = "farming", _("Farming")
    UNEMPLOYED = "unemployed", _("Not working")
    HOMEMAKER = "homemaker", _("Homemaker")
    RETIRED = "retired", _("Retired")
    UNKNOWN = "unknown", _("Not recorded")


class EmploymentChange(models.TextChoices):
    NONE = "none", _("No change")
    REDUCED = "reduced", _("Reduced hours")
    LEAVE = "leave", _("On leave")
    STOPPED = "stopped", _("Stopped working to give care")
    LOST = "lost", _("Lost job")
    STARTED = "started", _("Started work")
    UNKNOWN = "unknown", _("Not recorded")


class IncomeBand(models.TextChoices):
    UNDER_2K = "under_2k", _("Under ¥2,000 a month")
    FROM_2K = "2k_5k", _("¥2,000–4,999 a month")
    FROM_5K = "5k_10k", _("¥5,000–9,999 a month")
    FROM_10K = "10k_20k", _("¥10,000–19,999 a month")
    OVER_20K = "20k_plus", _("¥20,000 or more a month")
    UNKNOWN = "unknown", _("Not recorded")


class InsuranceScheme(models.TextChoices):
    URBAN_EMPLOYEE = "urban_employee", _("Urban employee basic medical insurance")
    RESIDENT = "resident", _("Urban and rural resident basic medical insurance")
    CRITICAL_ILLNESS = "critical_illness", _("Critical illness insurance")
    MEDICAL_ASSISTANCE = "medical_assistance", _("Medical assistance")
    COMMERCIAL = "commercial", _("Commercial health insurance")
    CHARITY = "charity", _("Charity or foundation support")
    NONE = "none", _("None")


class Residence(models.TextChoices):
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")
    UNKNOWN = "unknown", _("Not recorded")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class TreatmentPhase(models.TextChoices):
    DIAGNOSTIC = "diagnostic", _("Diagnostic work-up")
    INDUCTION = "induction", _("Induction or intensive treatment")
    CONSOLIDATION = "consolidation", _("Consolidation")
    MAINTENANCE = "maintenance", _("Maintenance")
    SURGERY = "surgery", _("Surgery or procedure")
    DIALYSIS = "dialysis", _("Dialysis")
    TRANSFUSION = "transfusion", _("Regular transfusion")
    TRANSPLANT = "transplant", _("Transplant")
    RELAPSE = "relapse", _("Relapse treatment")
    OFF_TREATMENT = "off_treatment", _("Off treatment, monitoring")
    PALLIATIVE = "palliative", _("Palliative care")


class Prognosis(models.TextChoices):
    GOOD = "good", _("Good")
    GUARDED = "guarded", _("Guarded")
    POOR = "poor", _("Poor")
    UNCERTAIN = "uncertain", _("Uncertain")


class ConsentScope(models.TextChoices):
    CASEWORK = "casework", _("Casework and record keeping")
    RESEARCH = "research", _("Use of de-identified data in research")
    RECORDING = "recording", _("Audio recording of interviews")
    SHARING = "sharing", _("Sharing information with named services")


# Fields a worker edits through the services (the rest are set by the services themselves).
CHILD_FIELDS = (
    "full_name",
    "sex",
    "date_of_birth",
    "diagnosis_code",
    "diagnosis_label",
    "diagnosed_on",
    "treatment_phase",
    "expected_treatment_months",
    "prognosis",
)
CAREGIVER_FIELDS = (
    "full_name",
    "sex",
    "birth_year",
    "relationship",
    "is_primary",
    "education",
    "employment",
    "employment_change",
    "income_band",
    "insurance_schemes",
    "province",
    "residence",
    "relocated_for_treatment",
    "phone",
    "preferred_language",
)
COST_FIELDS = (
    "out_of_pocket_to_date",
    "monthly_out_of_pocket",
    "reimbursed_to_date",
    "debt",
    "fundraising",
)


class CaseQuerySet(models.QuerySet["Case"]):
    def open(self) -> CaseQuerySet:
        """Cases still being worked on (not closed, not in follow-up)."""
        return self.filter(phase__in=[p.value for p in OPEN_PHASES])


class Case(models.Model):
    """A family's casework: one seriously ill child and the caregivers Buoy supports."""

    reference = models.CharField(_("case number"), max_length=20, unique=True)
    ward = models.ForeignKey(
        "access.Ward", on_delete=models.PROTECT, related_name="cases", verbose_name=_("ward")
    )
    assigned_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        verbose_name=_("assigned worker"),
    )
    shared_with = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CaseShare",
        related_name="shared_cases",
        blank=True,
        verbose_name=_("shared with"),
    )
    referral_source = models.CharField(
        _("referral source"), max_length=20, choices=ReferralSource.choices
    )
    phase = models.CharField(
        _("phase"),
        max_length=20,
        choices=PhaseChoice.choices,
        default=PhaseChoice.INTAKE,
        db_index=True,
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_reason = models.CharField(
        _("closing reason"), max_length=30, choices=ClosingReason.choices, blank=True
    )
    # Why the case closed without what closing expects (a post-assessment; ADR 0014). Free
    # text, so it may hold family information: never put into the audit trail.
    closed_without_post_reason = models.TextField(
        _("reason for closing without a post-assessment"), blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["ward", "phase"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(phase="closed") | ~models.Q(closing_reason=""),
                name="closed_case_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def phase_enum(self) -> Phase:
        return Phase(self.phase)


class CaseShare(models.Model):
    """A colleague who works on a case beside its assigned worker."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    shared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_share_per_user")]

    def __str__(self) -> str:
        return f"{self.case_id} shared with {self.user_id}"


class Child(models.Model):
    """The ill child at the centre of the case. Personal health data of a minor."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="child")
    full_name = models.CharField(_("name"), max_length=120)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    diagnosis_code = models.CharField(_("diagnosis (ICD-10 code)"), max_length=10, db_index=True)
    diagnosis_label = models.CharField(_("diagnosis"), max_length=200, blank=True)
    diagnosed_on = models.DateField(_("date of diagnosis"), null=True, blank=True)
    treatment_phase = models.CharField(
        _("treatment phase"), max_length=20, choices=TreatmentPhase.choices, blank=True
    )
    expected_treatment_months = models.PositiveSmallIntegerField(
        _("expected treatment length (months)"), null=True, blank=True
    )
    prognosis = models.CharField(
        _("prognosis (team's assessment)"), max_length=20, choices=Prognosis.choices, blank=True
    )
    ward = models.ForeignKey(
        "access.Ward", on_delete=models.PROTECT, related_name="+", verbose_name=_("ward")
    )

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        """ICD-10 shape, a label for common codes, and dates in a possible order."""
        errors: dict[str, Any] = {}
        self.diagnosis_code = normalise_icd10(self.diagnosis_code or "")
        if not self.diagnosis_code:
            pass  # the field's own "required" message says it
        elif not is_valid_icd10(self.diagnosis_code):
            errors["diagnosis_code"] = _(
                "Enter an ICD-10 code such as C91.0: a letter, two digits, then an optional "
                "dot and subdivision."
            )
        elif not self.diagnosis_label:
            known = known_diagnosis(self.diagnosis_code)
            if known is not None:
                self.diagnosis_label = known.label_in(get_language() or "en")
            else:
                errors["diagnosis_label"] = _("Enter the diagnosis for this code.")
        today = timezone.localdate()
        if self.date_of_birth and self.date_of_birth > today:
            errors["date_of_birth"] = _("The date of birth cannot be in the future.")
        if self.diagnosed_on:
            if self.diagnosed_on > today:
                errors["diagnosed_on"] = _("The date of diagnosis cannot be in the future.")
            elif self.date_of_birth and self.diagnosed_on < self.date_of_birth:
                errors["diagnosed_on"] = _("The date of diagnosis is before the date of birth.")
        if errors:
            raise ValidationError(errors)


class Caregiver(models.Model):
    """A family member who cares for the child and whom the casework supports.

    Personal data: name, phone, birth year, household and economic situation.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="caregivers")
    full_name = models.CharField(_("name"), max_length=120)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    relationship = models.CharField(
        _("relationship to the child"), max_length=20, choices=Relationship.choices
    )
    is_primary = models.BooleanField(_("primary caregiver"), default=False)
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, default=Education.UNKNOWN
    )
    employment = models.CharField(
        _("employment"), max_length=20, choices=Employment.choices, default=Employment.UNKNOWN
    )
    employment_change = models.CharField(
        _("change in employment since diagnosis"),
        max_length=20,
        choices=EmploymentChange.choices,
        default=EmploymentChange.UNKNOWN,
    )
    income_band = models.CharField(
        _("household income"),
        max_length=20,
        choices=IncomeBand.choices,
        default=IncomeBand.UNKNOWN,
    )
    insurance_schemes = models.JSONField(_("insurance schemes"), default=list, blank=True)
    province = models.CharField(_("province of residence"), max_length=40, blank=True)
    residence = models.CharField(
        _("urban or rural"), max_length=10, choices=Residence.choices, default=Residence.UNKNOWN
    )
    relocated_for_treatment = models.BooleanField(_("relocated for treatment"), default=False)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=Language.choices,
        default=Language.ZH_HANS,
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = _("caregiver")
        verbose_name_plural = _("caregivers")

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        """A plausible birth year for an adult carer; insurance schemes from the list."""
        errors: dict[str, Any] = {}
        year = timezone.localdate().year
        if self.birth_year is not None and not (year - 100 <= self.birth_year <= year - 12):
            errors["birth_year"] = _("Enter a birth year between %(low)s and %(high)s.") % {
                "low": year - 100,
                "high": year - 12,
            }
        schemes = self.insurance_schemes
        if not isinstance(schemes, list) or any(s not in InsuranceScheme.values for s in schemes):
            errors["insurance_schemes"] = _("Choose insurance schemes from the list.")
        if errors:
            raise ValidationError(errors)


class CostRecord(models.Model):
    """The family's economic burden as recorded on one day; later records never overwrite it.

    Amounts are in yuan (CNY).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="cost_records")
    recorded_on = models.DateField(_("recorded on"), default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    out_of_pocket_to_date = models.DecimalField(
        _("out-of-pocket costs to date"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    monthly_out_of_pocket = models.DecimalField(
        _("monthly out-of-pocket costs"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reimbursed_to_date = models.DecimalField(
        _("reimbursed to date"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    debt = models.DecimalField(_("debt"), max_digits=12, decimal_places=2, null=True, blank=True)
    fundraising = models.DecimalField(
        _("raised by fundraising"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_on", "-id"]
        verbose_name = _("cost record")

    def __str__(self) -> str:
        return f"costs of case {self.case_id} on {self.recorded_on}"


class PhaseChange(models.Model):
    """One move of a case through the casework process, for the timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(max_length=20, choices=PhaseChoice.choices, blank=True)
    to_phase = models.CharField(max_length=20, choices=PhaseChoice.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"case {self.case_id}: {self.from_phase or '-'} → {self.to_phase}"


class CaseNote(models.Model):
    """A worker's note on the case. Notes are never edited: a correction is a new note.

    Free text: may hold any health or family information.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    body = models.TextField(_("note"))
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        verbose_name=_("corrects note"),
    )

    class Meta:
        ordering = ["-written_at", "-id"]
        verbose_name = _("case note")

    def __str__(self) -> str:
        return f"note {self.pk} on case {self.case_id}"


class ConsentRecord(models.Model):
    """What a caregiver agreed to, when, who recorded it, and when it was withdrawn."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    caregiver = models.ForeignKey(
        Caregiver, on_delete=models.PROTECT, related_name="consents", verbose_name=_("caregiver")
    )
    scope = models.CharField(_("consent to"), max_length=20, choices=ConsentScope.choices)
    given_on = models.DateField(_("given on"), default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("consent record")

    def __str__(self) -> str:
        return f"{self.scope} consent {self.pk} on case {self.case_id}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class FollowUpMonths(models.IntegerChoices):
    """The follow-ups of `domain.followups.FOLLOW_UP_MONTHS` (a test keeps them in step)."""

    ONE = 1, _("1-month follow-up")
    THREE = 3, _("3-month follow-up")


class FollowUpContact(models.Model):
    """A follow-up contact made with the family after the case closed (at 1 or 3 months).

    It belongs to one closing (`closed_on`): a case reopened and closed again is followed up
    afresh.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_up_contacts")
    closed_on = models.DateField(_("closing it follows"))
    months = models.PositiveSmallIntegerField(_("follow-up"), choices=FollowUpMonths.choices)
    contacted_on = models.DateField(_("contacted on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case_id", "closed_on", "months"]
        verbose_name = _("follow-up contact")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "closed_on", "months"], name="one_contact_per_follow_up"
            )
        ]

    def __str__(self) -> str:
        return f"{self.months}-month follow-up of case {self.case_id}"
