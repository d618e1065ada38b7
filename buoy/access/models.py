"""Accounts, wards (teams), ward memberships and API tokens."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
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
    # Raised to sign the user out everywhere: each session carries a hash of the password and
    # this number from when it signed in, and stops verifying once either changes (ADR 0012).
    session_generation = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def role_enum(self) -> Role:
        """The account's role as a `Role`: the one way Buoy asks what role someone has."""
        return Role(self.role)

    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()

    def get_session_auth_hash(self) -> str:
        """Django's session check: the password's HMAC, and since a sign-out, the generation."""
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=fallback_secret)

    def _session_hash(self, secret: str | bytes | None) -> str:
        if self.session_generation == 0:
            # Django's own value, so sessions made before this field existed stay signed in.
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        return salted_hmac(
            "buoy.access.models.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

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
