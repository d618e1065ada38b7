"""Instruments in use, assessments of caregivers, their answers, scores and safety alerts.

Definitions are stored as native JSON (see `domain/definition.py`); a score names the
instrument version and the rule that produced it and is never rewritten.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from buoy.instruments.domain.alerts import is_overdue
from buoy.instruments.domain.definition import Instrument, instrument_from_dict


class InstrumentVersion(models.Model):
    """One version of an instrument definition. Holds no personal data.

    Licensed wording is never in `definition` as shipped; a site's imported wording is kept in
    `InstrumentWording` and merged when the instrument is shown.
    """

    instrument_id = models.SlugField(max_length=60)
    version = models.CharField(max_length=30)
    name = models.JSONField(default=dict)
    definition = models.JSONField()
    # bundled | native | redcap | fhir | edited (item groups changed on the instruments page)
    origin = models.CharField(max_length=20, default="bundled")
    # Why an administrator made this version (edited item groups); empty for the others.
    # About the definition, never about a family.
    reason = models.TextField(blank=True, default="")
    is_current = models.BooleanField(default=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["instrument_id", "-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["instrument_id", "version"], name="one_row_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} v{self.version}"

    def instrument(self) -> Instrument:
        """The definition as domain objects, with any imported wording merged in."""
        cached: Instrument | None = getattr(self, "_instrument", None)
        if cached is None:
            from buoy.instruments.domain.definition import merge_wording

            cached = instrument_from_dict(self.definition, source=str(self))
            for wording in self.wordings.all():
                cached = merge_wording(cached, wording.wording, source=f"{self} wording")
            self._instrument = cached
        return cached

    def display_name(self, language: str) -> str:
        names: dict[str, Any] = self.name or {}
        key = "zh-hans" if language.lower().startswith("zh") else "en"
        return str(names.get(key) or names.get("en") or self.instrument_id)


class WordingOrigin(models.TextChoices):
    BUNDLED = "bundled", _("Shipped with Buoy")
    IMPORTED = "imported", _("Imported by this site")


# How sure a shipped wording's provenance is, as its sources say (provenance["confidence"]).
CONFIDENCE_LABELS = {
    "low–medium": _("low–medium"),
    "medium–high": _("medium–high"),
    "fairly high": _("fairly high"),
}


class InstrumentWording(models.Model):
    """The item wording of one instrument version in one language. Holds no personal data.

    Either shipped with Buoy (`bundled`: a published wording of a free instrument, copied from
    public copies, with its `provenance`; not checked against the rights holder's text until
    an administrator marks it verified), or imported by the site (`imported`: licensed or
    official text, kept out of the repository). An import replaces the row for its language.
    """

    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.CASCADE, related_name="wordings"
    )
    language = models.CharField(max_length=10)
    wording = models.JSONField()
    origin = models.CharField(
        max_length=20, choices=WordingOrigin.choices, default=WordingOrigin.IMPORTED
    )
    # Where the text comes from: for a shipped wording its sources, how sure their provenance
    # is and the licence as found; for an import the file it came from.
    provenance = models.JSONField(default=dict, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # An administrator compared a shipped wording with the rights holder's text.
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verification_note = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instrument_version", "language"], name="one_wording_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_version} wording ({self.language})"

    @property
    def confidence(self) -> str:
        """How sure the provenance is, in the reader's language where it is a known value."""
        value = str(self.provenance.get("confidence", ""))
        return str(CONFIDENCE_LABELS.get(value, value))

    @property
    def needs_verification(self) -> bool:
        """Shipped with Buoy and not yet compared with the rights holder's text."""
        return self.origin == WordingOrigin.BUNDLED and self.verified_at is None


class Timepoint(models.Model):
    """When in the casework an assessment is taken: baseline, mid, post, follow-up at N months."""

    code = models.SlugField(max_length=30, unique=True)
    label_en = models.CharField(max_length=80)
    label_zh = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField(default=0)
    months_after_end = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.code

    def label(self, language: str) -> str:
        return self.label_zh if language.lower().startswith("zh") else self.label_en


class AssessmentMode(models.TextChoices):
    INTERVIEW = "interview", _("Entered by the worker in an interview")
    SELF_REPORT = "self_report", _("Filled in by the caregiver through a link")
    IMPORT = "import", _("Imported from a file")


class AssessmentStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class Assessment(models.Model):
    """One administration of an instrument to one caregiver of a case. Personal health data."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="assessments")
    caregiver = models.ForeignKey(
        "cases.Caregiver", on_delete=models.PROTECT, related_name="assessments"
    )
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="assessments"
    )
    timepoint = models.ForeignKey(Timepoint, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=20, choices=AssessmentMode.choices)
    status = models.CharField(
        max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.IN_PROGRESS
    )
    language = models.CharField(max_length=10, default="zh-hans")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"assessment {self.pk} ({self.instrument_version})"


class Answer(models.Model):
    """The caregiver's answer to one item; the latest row per item is the one that counts."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    item_id = models.CharField(max_length=100)
    value = models.JSONField(null=True)
    answered_at = models.DateTimeField(default=timezone.now)
    # Who entered it: a worker, or nobody (the caregiver through a link, or an import).
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(max_length=20, choices=AssessmentMode.choices)
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["assessment_id", "item_id", "-answered_at", "-id"]
        indexes = [models.Index(fields=["assessment", "superseded"])]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.item_id}"


class Correction(models.Model):
    """A change to a completed assessment, with the reason; the earlier answers are kept."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="corrections")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    items = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"correction {self.pk} of assessment {self.assessment_id}"


class Score(models.Model):
    """A score as computed at one moment, by a named instrument version and rule."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    instrument_id = models.CharField(max_length=60)
    instrument_version = models.CharField(max_length=30)
    rule = models.CharField(max_length=200)
    total = models.FloatField(null=True)
    status = models.CharField(max_length=10)  # valid | prorated | invalid
    error = models.TextField(blank=True)
    subscales = models.JSONField(default=dict)
    profiles = models.JSONField(default=dict)
    band = models.JSONField(null=True)
    scored_at = models.DateTimeField(default=timezone.now)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-scored_at", "-id"]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.total} ({self.status})"


class HandlingAction(models.TextChoices):
    """What a worker did about a safety alert (one or more)."""

    CAREGIVER_CONTACTED = "caregiver_contacted", _("Caregiver contacted")
    SAFETY_PLAN_MADE = "safety_plan_made", _("Safety plan made")
    REFERRED = "referred_mental_health", _("Referred to psychiatry or psychology")
    EMERGENCY_SERVICES = "emergency_services", _("Emergency services")
    OTHER = "other", _("Other")


class SafetyAlert(models.Model):
    """An answer that needs the worker's attention now (e.g. PHQ-9 item 9 above 0), and, once
    handled, the record of what was done. Personal health data.

    An alert is open while `handled_at` is empty. Handling it (`services.handle_alert`) records
    what was done (`actions`, codes of `HandlingAction`), when it was done (`handled_at`, which
    may be earlier than when it was recorded), by whom (`handled_by`, a colleague who may see
    the case), a short note, and who entered the record and when. Handled alerts are kept: they
    are the case's alert history. Alerts handled before Buoy asked what was done have no
    actions and no recorder.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="alerts")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="safety_alerts")
    rule_id = models.CharField(max_length=60)
    item_id = models.CharField(max_length=100)
    message = models.JSONField(default=dict)
    raised_at = models.DateTimeField(default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    actions = models.JSONField(default=list, blank=True)
    # Free text about a family's safety: shown to case staff only, never put in the audit trail.
    handling_note = models.TextField(blank=True, default="")
    handling_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handling_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["case", "handled_at"])]

    def __str__(self) -> str:
        return f"alert {self.rule_id} on assessment {self.assessment_id}"

    @property
    def is_handled(self) -> bool:
        return self.handled_at is not None

    @property
    def is_overdue(self) -> bool:
        """Still open after BUOY_ALERT_OVERDUE_HOURS: the ward's supervisors must see it."""
        return is_overdue(
            raised_at=self.raised_at,
            handled_at=self.handled_at,
            now=timezone.now(),
            hours=settings.BUOY_ALERT_OVERDUE_HOURS,
        )

    def action_labels(self) -> list[str]:
        """What was done, in the reader's language, in the order of `HandlingAction`."""
        labels = dict(HandlingAction.choices)
        return [str(labels[code]) for code in HandlingAction.values if code in self.actions]

    def action_summary(self) -> str:
        """What was done as one line ("Caregiver contacted, Safety plan made")."""
        return pgettext("separator between items of a list", ", ").join(self.action_labels())


class SelfReportLink(models.Model):
    """A one-time link a caregiver uses without an account. Only the key's digest is stored."""

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="self_report_link"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_saved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"link for assessment {self.assessment_id}"

    def is_usable(self) -> bool:
        now = timezone.now()
        return self.submitted_at is None and self.revoked_at is None and self.expires_at > now
