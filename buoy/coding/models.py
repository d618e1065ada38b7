"""Interviews and their coding: projects, transcripts, the codebook, coded segments, memos.

Positions (`start`, `end`) everywhere count Unicode code points of the transcript's stored
NFC text, half-open [start, end): ADR 0008.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProjectKind(models.TextChoices):
    CASEWORK = "casework", _("Casework")
    RESEARCH = "research", _("Research")


class Project(models.Model):
    """A body of coding work with its own codebook: the department's casework, or a study.

    Holds no personal data itself; its transcripts do.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ProjectKind.choices)
    description = models.TextField(_("description"), blank=True)
    codebook_source = models.CharField(
        _("codebook started from"), max_length=80, blank=True, help_text="e.g. strengths v1"
    )
    # Every change to the codebook makes a new version; exports and tables name it.
    codebook_version = models.PositiveIntegerField(_("codebook version"), default=1)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ProjectMember", related_name="coding_projects"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProjectMember(models.Model):
    """A person who codes in a project (researchers see only de-identified transcripts)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="coding_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.project_id}"


class Transcript(models.Model):
    """An interview's text. Personal health data: identifiable unless `is_deidentified`.

    The text is never edited after import (coded offsets point into it); a de-identified copy
    is a new transcript that names its original.
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="transcripts")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="transcripts"
    )
    caregiver = models.ForeignKey(
        "cases.Caregiver",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caregiver interviewed"),
    )
    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField()
    length = models.PositiveIntegerField(help_text="code points of `text`")
    source_format = models.CharField(max_length=10)
    source_encoding = models.CharField(max_length=20, blank=True)
    source_filename = models.CharField(max_length=255, blank=True)
    interview_date = models.DateField(_("interview date"), null=True, blank=True)
    interviewer = models.CharField(_("interviewer"), max_length=120, blank=True)
    timepoint = models.ForeignKey(
        "instruments.Timepoint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("timepoint"),
    )
    consent_recorded = models.BooleanField(_("consent to record and analyse"), default=False)
    is_deidentified = models.BooleanField(default=False)
    deidentified_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="deidentified_copies"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project", "title", "pk"]

    def __str__(self) -> str:
        return self.title


class SpeakerTurn(models.Model):
    """One speaker's turn in a transcript, found at import."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="turns")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    speaker = models.CharField(max_length=60)

    class Meta:
        ordering = ["transcript", "start"]

    def __str__(self) -> str:
        return f"{self.speaker} {self.start}–{self.end}"


class Passage(models.Model):
    """A sentence-sized stretch of a transcript with its words for the full-text index."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="passages")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    words = models.TextField(help_text="space-separated words (Chinese segmented)")

    class Meta:
        ordering = ["transcript", "start"]
        indexes = [models.Index(fields=["transcript", "start"])]

    def __str__(self) -> str:
        return f"passage {self.start}–{self.end}"


class CodeQuerySet(models.QuerySet["Code"]):
    def active(self) -> CodeQuerySet:
        return self.filter(merged_into__isnull=True)

    def merge_targets(self) -> dict[int, int]:
        """Merged code id → the code it was merged into (its segments count for that one)."""
        return {
            pk: target
            for pk, target in self.filter(merged_into__isnull=False).values_list(
                "pk", "merged_into"
            )
            if target is not None
        }


class Code(models.Model):
    """A node of a project's codebook, to any depth; categories are not `codable`."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="codes")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    guid = models.UUIDField(default=uuid.uuid4, editable=False)
    label = models.CharField(_("label"), max_length=40, blank=True, help_text="e.g. P-IND-01")
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    definition_en = models.TextField(_("definition (English)"), blank=True)
    definition_zh = models.TextField(_("definition (Chinese)"), blank=True)
    inclusion = models.TextField(_("include when"), blank=True)
    exclusion = models.TextField(_("exclude when"), blank=True)
    example = models.TextField(_("example"), blank=True)
    colour = models.CharField(_("colour"), max_length=7, blank=True)
    codable = models.BooleanField(_("can be applied"), default=True)
    position = models.PositiveIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_codes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CodeQuerySet.as_manager()

    class Meta:
        ordering = ["project", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "guid"], name="coding_code_guid_once"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.name_en}".strip()

    def name_in(self, language: str) -> str:
        """The code's name in `language` ("zh-hans" or English), falling back to English."""
        if language.lower().startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name_en


class CodedSegmentQuerySet(models.QuerySet["CodedSegment"]):
    def current(self) -> CodedSegmentQuerySet:
        """Segments not removed (removal keeps the row: nothing a coder did is lost)."""
        return self.filter(removed_at__isnull=True)


class CodedSegment(models.Model):
    """One code applied by one coder to [start, end) of a transcript."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="segments")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    origin = models.CharField(max_length=20, default="manual")  # manual, auto, suggestion, import
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CodedSegmentQuerySet.as_manager()

    class Meta:
        ordering = ["transcript", "start", "end", "pk"]
        indexes = [
            models.Index(fields=["transcript", "start"]),
            models.Index(fields=["code"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="coding_span"),
        ]

    def __str__(self) -> str:
        return f"code {self.code_id} on {self.start}–{self.end}"


class Memo(models.Model):
    """A researcher's or worker's note on a coding, code, transcript, case or the project.

    May hold personal data (free text about a family). Edits keep the earlier text.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memos")
    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("memo"))
    segment = models.ForeignKey(
        CodedSegment, on_delete=models.CASCADE, null=True, blank=True, related_name="memos"
    )
    code = models.ForeignKey(
        Code, on_delete=models.CASCADE, null=True, blank=True, related_name="memos"
    )
    transcript = models.ForeignKey(
        Transcript, on_delete=models.CASCADE, null=True, blank=True, related_name="memos"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )

    class Meta:
        ordering = ["project", "created_at", "pk"]
        constraints = [
            # at most one target; none means a memo on the project
            models.CheckConstraint(
                condition=(
                    Q(segment__isnull=True, code__isnull=True, transcript__isnull=True)
                    | Q(segment__isnull=True, code__isnull=True, case__isnull=True)
                    | Q(segment__isnull=True, transcript__isnull=True, case__isnull=True)
                    | Q(code__isnull=True, transcript__isnull=True, case__isnull=True)
                ),
                name="coding_memo_one_target",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"memo {self.pk}"


class CodingAction(models.Model):
    """What a coder did, newest last, so the coder can undo it (undo is itself an action)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="actions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30)  # applied, removed, auto_applied
    segment_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.segment_ids}"


# --- learned suggestions -------------------------------------------------------------------


class SuggestionModelRecord(models.Model):
    """A code-suggestion model trained on a project's coded segments (`domain/suggestions.py`).

    Personal data: the stored model's vocabulary holds words and character pairs of the
    coded text it learned from, which may include names from identifiable transcripts. It is
    never shown; only the newest record of a project keeps its `data`, older ones keep their
    quality figures for the history.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="suggestion_models")
    trained_at = models.DateTimeField(default=timezone.now)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    n_examples = models.PositiveIntegerField(help_text="coded segments and uncoded sentences")
    # code id → {"precision", "recall", "support"} (cross-validated; None when too few)
    quality = models.JSONField(default=dict)
    # code id → coded segments, for codes with too few examples to learn
    skipped = models.JSONField(default=dict)
    data = models.BinaryField(help_text="SuggestionModel.to_bytes(); empty once superseded")

    class Meta:
        ordering = ["project", "-trained_at", "-pk"]

    def __str__(self) -> str:
        return f"suggestion model {self.pk} of project {self.project_id}"
