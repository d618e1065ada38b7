"""The intervention model: a caregiver's strengths–risk map, case plans with Goal Attainment
Scaling, the technique library, sessions, support groups, the resource directory, referrals
and the worker's choices about suggestions.

Everything tied to a case (maps, plans, goals, reviews, sessions, attendance, referrals,
decisions) is personal health data of a family: read it through `selectors` (which go through
the case's one door) and change it through `services`. The technique library and the resource
directory name no one. Rows are never edited where the history matters: a map or a plan is
changed by making a new version, which keeps the old.

Foreign keys to the apps below use string references (ADR 0013).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from buoy.plans.domain import maps, referrals, sessions
from buoy.plans.domain.abilities import ABILITIES
from buoy.plans.domain.gas import LEVELS as GAS_LEVELS
from buoy.plans.domain.gas import START_LEVELS

# --- choices -------------------------------------------------------------------------------


class FactorKind(models.TextChoices):
    PROTECTIVE = maps.PROTECTIVE, _("Protective factor")
    RISK = maps.RISK, _("Risk factor")


class FactorLevel(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    FAMILY = "family", _("Family")
    SOCIAL = "social", _("Social and community")
    MEDICAL = "medical", _("Medical and institutional")
    ECONOMIC = "economic", _("Economic")
    CULTURAL = "cultural", _("Cultural")


class FactorStatus(models.TextChoices):
    PRESENT = maps.PRESENT, _("Present")
    ABSENT = maps.ABSENT, _("Absent")
    UNKNOWN = maps.UNKNOWN, _("Not known")


class Ability(models.TextChoices):
    ADAPTING = "A", _("A. Adapting to life changes")
    OVERCOMING = "B", _("B. Overcoming difficulties")
    FEELINGS = "C", _("C. Dealing with unpleasant feelings")


class SessionMode(models.TextChoices):
    BEDSIDE = "bedside", _("At the bedside")
    OFFICE = "office", _("In the office")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("By video")
    GROUP = "group", _("In a group")


class FamilyRole(models.TextChoices):
    CHILD = "child", _("The ill child")
    SIBLING = "sibling", _("A brother or sister")
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    GRANDPARENT = "grandparent", _("A grandparent")
    OTHER_RELATIVE = "other_relative", _("Another relative")


class ResourceKind(models.TextChoices):
    CHARITY_FUND = "charity_fund", _("Charity or foundation fund")
    MEDICAL_ASSISTANCE = "medical_assistance", _("Medical assistance scheme")
    INSURANCE_OFFICE = "insurance_office", _("Insurance office")
    CROWDFUNDING_GUIDANCE = "crowdfunding_guidance", _("Guidance on safe crowdfunding")
    LODGING = "lodging", _("Lodging near the hospital")
    HOSPITAL_SCHOOL = "hospital_school", _("Hospital school")
    PEER_GROUP = "peer_group", _("Peer group of parents")
    PSYCHOLOGY = "psychology", _("Psychology or counselling")
    PSYCHIATRY = "psychiatry", _("Psychiatry")


class ReferralStatus(models.TextChoices):
    # A context: "Made" and "Accepted" name other things elsewhere (a plan made, a suggestion).
    PROPOSED = referrals.PROPOSED, pgettext_lazy("referral status", "Proposed")
    MADE = referrals.MADE, pgettext_lazy("referral status", "Made")
    ACCEPTED = referrals.ACCEPTED, pgettext_lazy("referral status", "Accepted")
    DECLINED = referrals.DECLINED, pgettext_lazy("referral status", "Declined")
    COMPLETED = referrals.COMPLETED, pgettext_lazy("referral status", "Completed")


class SuggestionKind(models.TextChoices):
    GOAL = "goal", _("Goal")
    TECHNIQUE = "technique", _("Technique")
    REFERRAL = "referral", _("Referral")


class TechniqueOrigin(models.TextChoices):
    BUNDLED = "bundled", _("As shipped with Buoy")
    EDITED = "edited", _("Edited by the department")


def _between(field: str, low: int, high: int) -> Q:
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def _null_or_between(field: str, low: int, high: int) -> Q:
    return Q(**{f"{field}__isnull": True}) | _between(field, low, high)


# --- the strengths–risk map -----------------------------------------------------------------


class FactorMap(models.Model):
    """One dated version of one caregiver's strengths–risk map in a case.

    A draft is proposed from the case's coded interviews; a worker confirms or corrects it,
    which makes a new, confirmed version. Versions are never changed, so the map at intake and
    the map at closure can be set side by side. Personal health data.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="factor_maps")
    caregiver = models.ForeignKey(
        "cases.Caregiver",
        on_delete=models.PROTECT,
        related_name="factor_maps",
        verbose_name=_("caregiver"),
    )
    version = models.PositiveIntegerField(_("version"))
    is_draft = models.BooleanField(_("draft"), default=True)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("based on version"),
    )
    # The casework codebook's version when the map was made: its factors are that codebook's.
    codebook_version = models.PositiveIntegerField(_("codebook version"))
    note = models.TextField(_("note"), blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)

    class Meta:
        ordering = ["case", "caregiver", "-version"]
        verbose_name = _("strengths–risk map")
        verbose_name_plural = _("strengths–risk maps")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "caregiver", "version"], name="plans_map_version_once"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="plans_map_version_from_1"),
        ]

    def __str__(self) -> str:
        return f"map v{self.version} of caregiver {self.caregiver_id}"

    @property
    def is_confirmed(self) -> bool:
        return not self.is_draft


class FactorEntry(models.Model):
    """One factor of the casework codebook as one map version assesses it: present, absent or
    not known, with its strength (a protective factor) or severity (a risk) from 1 to 3 and a
    short note. Personal health data.

    `code_label` is the code's stable string (``R-ECO-01``), kept beside the foreign key so a
    map still says which factor it meant if the codebook is later reorganised; `kind` and
    `level` follow from it.
    """

    factor_map = models.ForeignKey(FactorMap, on_delete=models.CASCADE, related_name="entries")
    code = models.ForeignKey("coding.Code", on_delete=models.PROTECT, related_name="+")
    code_label = models.CharField(_("factor"), max_length=40)
    kind = models.CharField(_("kind"), max_length=12, choices=FactorKind.choices)
    level = models.CharField(_("level"), max_length=12, choices=FactorLevel.choices)
    status = models.CharField(_("status"), max_length=10, choices=FactorStatus.choices)
    strength = models.PositiveSmallIntegerField(_("strength"), null=True, blank=True)
    severity = models.PositiveSmallIntegerField(_("severity"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["factor_map", "kind", "code_label"]
        verbose_name = _("factor")
        verbose_name_plural = _("factors")
        constraints = [
            models.UniqueConstraint(fields=["factor_map", "code"], name="plans_factor_once"),
            models.CheckConstraint(
                condition=Q(kind__in=FactorKind.values), name="plans_factor_kind"
            ),
            models.CheckConstraint(
                condition=Q(level__in=FactorLevel.values), name="plans_factor_level"
            ),
            models.CheckConstraint(
                condition=Q(status__in=FactorStatus.values), name="plans_factor_status"
            ),
            models.CheckConstraint(
                condition=_null_or_between("strength", 1, 3), name="plans_strength_1_3"
            ),
            models.CheckConstraint(
                condition=_null_or_between("severity", 1, 3), name="plans_severity_1_3"
            ),
            # A protective factor has a strength, a risk a severity; only when present.
            models.CheckConstraint(
                condition=(
                    Q(strength__isnull=True)
                    | Q(kind=FactorKind.PROTECTIVE, status=FactorStatus.PRESENT)
                )
                & (Q(severity__isnull=True) | Q(kind=FactorKind.RISK, status=FactorStatus.PRESENT)),
                name="plans_factor_rating_fits_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code_label} {self.status}"

    @property
    def rating(self) -> int | None:
        """The strength of a protective factor or the severity of a risk."""
        return self.strength if self.kind == FactorKind.PROTECTIVE else self.severity


class FactorEvidence(models.Model):
    """What a factor of a map rests on: exactly one of a coded passage of the case's
    interviews, an answer of an assessment (or an item of one), or a case note, all of the
    same case. Personal health data (it points at them).
    """

    entry = models.ForeignKey(FactorEntry, on_delete=models.CASCADE, related_name="evidence")
    segment = models.ForeignKey(
        "coding.CodedSegment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer = models.ForeignKey(
        "instruments.Answer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessment = models.ForeignKey(
        "instruments.Assessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    item_id = models.CharField(_("item"), max_length=100, blank=True)
    case_note = models.ForeignKey(
        "cases.CaseNote", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["entry", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        segment__isnull=False,
                        answer__isnull=True,
                        assessment__isnull=True,
                        case_note__isnull=True,
                    )
                    | Q(
                        segment__isnull=True,
                        answer__isnull=False,
                        assessment__isnull=True,
                        case_note__isnull=True,
                    )
                    | Q(
                        segment__isnull=True,
                        answer__isnull=True,
                        assessment__isnull=False,
                        case_note__isnull=True,
                    )
                    | Q(
                        segment__isnull=True,
                        answer__isnull=True,
                        assessment__isnull=True,
                        case_note__isnull=False,
                    )
                ),
                name="plans_evidence_one_source",
            ),
            # An assessment is cited by one of its items; nothing else carries an item.
            models.CheckConstraint(
                condition=(Q(assessment__isnull=True) & Q(item_id=""))
                | (Q(assessment__isnull=False) & ~Q(item_id="")),
                name="plans_evidence_item_with_assessment",
            ),
        ]

    def __str__(self) -> str:
        return f"evidence {self.pk} of {self.entry_id}"

    @property
    def source_kind(self) -> str:
        """segment, answer, item or note."""
        if self.segment_id is not None:
            return "segment"
        if self.answer_id is not None:
            return "answer"
        if self.assessment_id is not None:
            return "item"
        return "note"


# --- case plans and Goal Attainment Scaling -----------------------------------------------


class CasePlan(models.Model):
    """One version of the plan agreed with one caregiver of a case: the planned number of
    sessions, the day it was agreed with the caregiver, and its goals. Every change makes a
    new version that `replaces` the previous one, which is kept. Personal health data.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="plans")
    caregiver = models.ForeignKey(
        "cases.Caregiver",
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("caregiver"),
    )
    version = models.PositiveIntegerField(_("version"))
    planned_sessions = models.PositiveSmallIntegerField(
        _("planned sessions"), null=True, blank=True
    )
    agreed_on = models.DateField(_("agreed with the caregiver on"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces version"),
    )
    note = models.TextField(_("note"), blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)

    class Meta:
        ordering = ["case", "caregiver", "-version"]
        verbose_name = _("case plan")
        verbose_name_plural = _("case plans")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "caregiver", "version"], name="plans_plan_version_once"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="plans_plan_version_from_1"),
            models.CheckConstraint(
                condition=Q(planned_sessions__isnull=True) | Q(planned_sessions__gte=1),
                name="plans_planned_sessions_from_1",
            ),
        ]

    def __str__(self) -> str:
        return f"plan v{self.version} of caregiver {self.caregiver_id}"


class Goal(models.Model):
    """A goal of one plan version, in the caregiver's own words, aimed at one ability (A, B or
    C) or at one factor of the map (a risk to reduce, a protection to mobilise), with its five
    GAS levels written out, its weight and its level at the start (−1, or −2 when nothing can
    be worse). A revised plan's goal names the goal it carries on (`carried_from`), so its
    reviewed levels follow it. Personal health data.
    """

    plan = models.ForeignKey(CasePlan, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField(_("goal, in the caregiver's words"))
    ability = models.CharField(_("ability"), max_length=1, choices=Ability.choices, blank=True)
    factor = models.ForeignKey(
        FactorEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("factor"),
    )
    level_much_less = models.TextField(_("−2: much less than expected"))
    level_less = models.TextField(_("−1: somewhat less than expected"))
    level_expected = models.TextField(_("0: the expected outcome"))
    level_more = models.TextField(_("+1: somewhat more than expected"))
    level_much_more = models.TextField(_("+2: much more than expected"))
    weight = models.FloatField(_("weight"), default=1.0)
    start_level = models.SmallIntegerField(_("level at the start"), default=-1)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    carried_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="carried_to"
    )
    # The suggestion this goal was written from ("goal:weak-adapting:0"), if any.
    suggestion_key = models.CharField(max_length=120, blank=True)

    LEVEL_FIELDS = (
        "level_much_less",
        "level_less",
        "level_expected",
        "level_more",
        "level_much_more",
    )

    class Meta:
        ordering = ["plan", "order", "pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="plans_goal_weight_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(start_level__in=START_LEVELS), name="plans_goal_start_level"
            ),
            models.CheckConstraint(
                condition=(Q(ability__in=ABILITIES) & Q(factor__isnull=True))
                | (Q(ability="") & Q(factor__isnull=False)),
                name="plans_goal_one_aim",
            ),
        ]

    def __str__(self) -> str:
        return f"goal {self.pk} of plan {self.plan_id}"

    @property
    def levels(self) -> tuple[str, str, str, str, str]:
        """The five level texts, −2 … +2."""
        a, b, c, d, e = (getattr(self, name) for name in self.LEVEL_FIELDS)
        return a, b, c, d, e


class GoalReview(models.Model):
    """A dated review of a plan's goals with the caregiver: who reviewed, a note, and the level
    attained of each goal scored (`GoalLevelAttained`). Personal health data."""

    plan = models.ForeignKey(CasePlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField(_("reviewed on"), default=timezone.localdate)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "reviewed_on", "recorded_at", "pk"]
        verbose_name = _("goal review")
        verbose_name_plural = _("goal reviews")

    def __str__(self) -> str:
        return f"review {self.pk} of plan {self.plan_id}"


class GoalLevelAttained(models.Model):
    """The level one goal had reached at one review, −2 … +2."""

    review = models.ForeignKey(GoalReview, on_delete=models.CASCADE, related_name="levels")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="levels_attained")
    level = models.SmallIntegerField(_("level attained"))

    class Meta:
        ordering = ["review", "goal"]
        constraints = [
            models.UniqueConstraint(fields=["review", "goal"], name="plans_goal_level_once"),
            models.CheckConstraint(
                condition=Q(level__in=GAS_LEVELS), name="plans_goal_level_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"goal {self.goal_id} at {self.level:+d}"


# --- the technique library ----------------------------------------------------------------


class Technique(models.Model):
    """A casework technique a worker chooses from, installed from the shipped library
    (library/techniques_v<version>.json) and kept by supervisors and administrators: its
    names and descriptions in English and Chinese, the abilities and factors it addresses, an
    evidence note and its sources, and whether it is still offered. Names no one.

    `code` is the library's stable id (``eco-map``); `library_version` the shipped version the
    row was last installed from. A technique the department has edited (`origin`) is never
    overwritten by a later shipped version.
    """

    code = models.SlugField(_("id"), max_length=64, unique=True)
    library_version = models.CharField(_("library version"), max_length=10)
    origin = models.CharField(
        max_length=10, choices=TechniqueOrigin.choices, default=TechniqueOrigin.BUNDLED
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    description_en = models.TextField(_("description (English)"))
    description_zh = models.TextField(_("description (Chinese)"))
    abilities = models.JSONField(_("abilities"), default=list)
    factors = models.JSONField(_("factors"), default=list)
    evidence_en = models.TextField(_("evidence (English)"))
    evidence_zh = models.TextField(_("evidence (Chinese)"))
    sources = models.JSONField(_("sources"), default=list)
    active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("technique")
        verbose_name_plural = _("techniques")

    def __str__(self) -> str:
        return self.code

    def name_in(self, language: str) -> str:
        """The name in `language` ("zh-hans" or English)."""
        return self.name_zh if language.lower().startswith("zh") else self.name_en

    def description_in(self, language: str) -> str:
        return self.description_zh if language.lower().startswith("zh") else self.description_en

    def evidence_in(self, language: str) -> str:
        return self.evidence_zh if language.lower().startswith("zh") else self.evidence_en


# --- sessions ---------------------------------------------------------------------------------


class Session(models.Model):
    """One session of casework with a family: when, how long, how it was held, who took part
    (caregivers of the case, other family members by role), the techniques used and goals
    addressed, notes, homework, the caregiver's distress before and after (0–10) and the next
    steps. Personal health data; the notes are free text.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(_("length (minutes)"))
    mode = models.CharField(_("how"), max_length=10, choices=SessionMode.choices)
    caregivers = models.ManyToManyField(
        "cases.Caregiver", related_name="+", verbose_name=_("caregivers who took part")
    )
    family_members = models.JSONField(_("other family members"), default=list, blank=True)
    techniques = models.ManyToManyField(
        Technique, related_name="+", blank=True, verbose_name=_("techniques used")
    )
    goals = models.ManyToManyField(
        Goal, related_name="sessions", blank=True, verbose_name=_("goals addressed")
    )
    notes = models.TextField(_("notes"), blank=True)
    homework = models.TextField(_("homework"), blank=True)
    distress_before = models.PositiveSmallIntegerField(
        _("distress before (0–10)"), null=True, blank=True
    )
    distress_after = models.PositiveSmallIntegerField(
        _("distress after (0–10)"), null=True, blank=True
    )
    next_steps = models.TextField(_("next steps"), blank=True)
    # The day the next session is planned for (the worker's today page); not before this one.
    next_session_on = models.DateField(_("next session planned on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "-held_on", "-pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=_between("minutes", 1, sessions.LONGEST_MINUTES),
                name="plans_session_minutes",
            ),
            models.CheckConstraint(
                condition=Q(mode__in=SessionMode.values), name="plans_session_mode"
            ),
            models.CheckConstraint(
                condition=_null_or_between("distress_before", 0, 10),
                name="plans_distress_before_0_10",
            ),
            models.CheckConstraint(
                condition=_null_or_between("distress_after", 0, 10),
                name="plans_distress_after_0_10",
            ),
            models.CheckConstraint(
                condition=Q(next_session_on__isnull=True)
                | Q(next_session_on__gte=models.F("held_on")),
                name="plans_next_session_not_before_session",
            ),
        ]

    def __str__(self) -> str:
        return f"session {self.pk} of case {self.case_id}"


class GroupSession(models.Model):
    """A meeting of a support group that caregivers of several cases attend: when, how long,
    the techniques used, who facilitated, a short topic. The group itself names no family;
    who attended is recorded case by case (`GroupAttendance`)."""

    held_on = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(_("length (minutes)"))
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    techniques = models.ManyToManyField(
        Technique, related_name="+", blank=True, verbose_name=_("techniques used")
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("facilitator"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("support group meeting")
        verbose_name_plural = _("support group meetings")
        constraints = [
            models.CheckConstraint(
                condition=_between("minutes", 1, sessions.LONGEST_MINUTES),
                name="plans_group_minutes",
            ),
        ]

    def __str__(self) -> str:
        return f"group session {self.pk} on {self.held_on}"


class GroupAttendance(models.Model):
    """Whether one caregiver of one case attended a support group meeting, recorded by the
    case's staff; a worker sees the attendance of the cases she may see only. Personal data."""

    group_session = models.ForeignKey(
        GroupSession, on_delete=models.CASCADE, related_name="attendance"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="group_attendance"
    )
    caregiver = models.ForeignKey("cases.Caregiver", on_delete=models.PROTECT, related_name="+")
    attended = models.BooleanField(_("attended"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["group_session", "case", "caregiver"]
        verbose_name = _("group attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["group_session", "caregiver"], name="plans_attendance_once"
            ),
        ]

    def __str__(self) -> str:
        return f"caregiver {self.caregiver_id} at group session {self.group_session_id}"


# --- resources and referrals -------------------------------------------------------------


class Resource(models.Model):
    """An entry of the department's directory of resources a family can be referred to
    (funds, insurance offices, lodging, the hospital school, peer groups, psychology): what it
    is, how to reach it, who is eligible, the languages it serves, and whether it is still
    offered. Kept by supervisors and administrators; names no family."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=ResourceKind.choices)
    contact = models.TextField(_("contact"), blank=True)
    eligibility = models.TextField(_("who is eligible"), blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    active = models.BooleanField(_("offered"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind", "name", "pk"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ResourceKind.values), name="plans_resource_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Referral(models.Model):
    """A case referred to a resource of the directory, with its status (proposed, made,
    accepted, declined, completed), the day of each status it has had, and the outcome.
    Personal health data (the outcome note is free text)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referrals")
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("resource")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReferralStatus.choices,
        default=ReferralStatus.PROPOSED,
    )
    proposed_on = models.DateField(_("proposed on"))
    made_on = models.DateField(_("made on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    declined_on = models.DateField(_("declined on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    DATE_OF_STATUS: dict[str, str] = {
        ReferralStatus.PROPOSED.value: "proposed_on",
        ReferralStatus.MADE.value: "made_on",
        ReferralStatus.ACCEPTED.value: "accepted_on",
        ReferralStatus.DECLINED.value: "declined_on",
        ReferralStatus.COMPLETED.value: "completed_on",
    }

    class Meta:
        ordering = ["case", "-proposed_on", "-pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="plans_referral_status"
            ),
            # The day of the status the referral is in is always there.
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.MADE) | Q(made_on__isnull=False),
                name="plans_referral_made_dated",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.ACCEPTED) | Q(accepted_on__isnull=False),
                name="plans_referral_accepted_dated",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.DECLINED) | Q(declined_on__isnull=False),
                name="plans_referral_declined_dated",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.COMPLETED) | Q(completed_on__isnull=False),
                name="plans_referral_completed_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} of case {self.case_id}"


# --- suggestions ----------------------------------------------------------------------------


class SuggestionDecision(models.Model):
    """A worker accepted or dismissed one suggestion (a goal, a technique, a referral) for one
    caregiver of a case, under a named version of the suggestion rules: what practice
    learning will count. The latest decision on a key is the one that stands. Personal data
    of the family (it says what their profile and map suggested)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="suggestion_decisions"
    )
    caregiver = models.ForeignKey("cases.Caregiver", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(_("suggestion"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=SuggestionKind.choices)
    accepted = models.BooleanField(_("accepted"))
    rules_id = models.CharField(max_length=64)
    rules_version = models.CharField(max_length=10)
    # Which rules brought it up (their ids): the rules themselves are versioned data.
    rule_ids = models.JSONField(default=list)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "caregiver", "key", "-decided_at", "-pk"]
        verbose_name = _("decision on a suggestion")
        verbose_name_plural = _("decisions on suggestions")
        indexes = [models.Index(fields=["case", "caregiver", "key"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SuggestionKind.values), name="plans_decision_kind"
            ),
        ]

    def __str__(self) -> str:
        verb = "accepted" if self.accepted else "dismissed"
        return f"{self.key} {verb} for caregiver {self.caregiver_id}"


# --- the department's suggestion rules (issue 10, part 6) -------------------------------------


class SuggestionRuleSet(models.Model):
    """One version of the department's suggestion rules, saved by a supervisor or an
    administrator: the JSON text (the format of docs/plans/rules.md, checked by
    `domain.suggestions.load_suggestion_rules` before it is saved), who saved it, when, and a
    note on what changed. The shipped file library/suggestion_rules_v1.json is version 1 until
    the department saves its own; the newest row is then the rules in force. Never changed: a
    change is a new version. Names no family."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    rules_id = models.CharField(_("rules id"), max_length=64)
    text = models.TextField(_("rules (JSON)"))
    note = models.TextField(_("note"), blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(_("saved at"), default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("suggestion rules version")
        verbose_name_plural = _("suggestion rules versions")

    def __str__(self) -> str:
        return f"suggestion rules {self.rules_id} v{self.version}"
