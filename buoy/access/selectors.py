"""Reads about accounts and wards."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from buoy.access.models import ApiToken, User, Ward, hash_token

LAST_USED_PRECISION = dt.timedelta(minutes=1)


def user_for_api_key(key: str) -> User | None:
    """The active user whose live token has this key, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=hash_token(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # "Last used" to the minute is enough to spot a forgotten token; a write per request is not.
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def live_api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's API tokens that still work, newest first (prefix and dates only)."""
    return user.api_tokens.filter(revoked_at__isnull=True).order_by("-created_at", "-id")


def users_for_administration() -> QuerySet[User]:
    """Every account with its wards, for the administrator's list."""
    return User.objects.prefetch_related("wards").order_by("username")


def all_wards() -> QuerySet[Ward]:
    """Every ward, by name."""
    return Ward.objects.order_by("name")


def colleagues_in_wards(ward_ids: frozenset[int] | set[int]) -> QuerySet[User]:
    """Active workers and supervisors of the given wards: who a case can be assigned to."""
    return (
        User.objects.filter(
            is_active=True, role__in=["worker", "supervisor"], memberships__ward_id__in=ward_ids
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
