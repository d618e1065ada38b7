"""Accounts, wards (teams), ward memberships and API tokens."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buoy.access.domain.roles import Actor, Role


class Ward(models.Model):
    """A hospital ward and the social-work team that serves it. Holds no personal data."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ward")
        verbose_name_plural = _("wards")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff account. Personal data: name, username, email."""

    ROLE_CHOICES = [
        (Role.WORKER.value, _("Social worker")),
        (Role.SUPERVISOR.value, _("Supervisor")),
        (Role.RESEARCHER.value, _("Researcher")),
        (Role.ADMIN.value, _("Administrator")),
    ]

    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES, default=Role.WORKER)
    wards = models.ManyToManyField(
        Ward, through="Membership", related_name="members", blank=True, verbose_name=_("wards")
    )
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()

    def as_actor(self) -> Actor:
        """The plain facts the access rules need (one query for the wards, cached per object)."""
        cached: Actor | None = getattr(self, "_actor", None)
        if cached is None:
            ward_ids = frozenset(self.memberships.values_list("ward_id", flat=True))
            cached = Actor(user_id=self.pk, role=self.role_enum, ward_ids=ward_ids)
            self._actor = cached
        return cached


class Membership(models.Model):
    """A user belongs to a ward's team."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="memberships")
    since = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "ward"], name="one_membership_per_ward")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.ward}"


def hash_token(key: str) -> str:
    """Tokens are stored as SHA-256 digests, so a database leak reveals no usable key."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """An API key for one user. Only its digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
