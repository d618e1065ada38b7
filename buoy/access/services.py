"""Writes about accounts: each checks permission, validates, saves and audits in one transaction.

`actor=None` means the operating system account running the `buoy` command (an IT operator).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from buoy.access.domain.roles import Role, can_manage_accounts
from buoy.access.models import ApiToken, Membership, User, Ward, hash_token
from buoy.audit.services import record
from buoy.core.errors import Forbidden, InvalidInput


def _require_admin(actor: User | None) -> None:
    if actor is not None and not can_manage_accounts(actor.role_enum):
        raise Forbidden()


def note_login_succeeded(*, user: User) -> None:
    """A correct password resets the failure count."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        record(actor=user, action="access.login.succeeded", subject=user)


def note_login_failed(*, user: User) -> None:
    """Count a wrong password; lock the account once the limit is reached."""
    with transaction.atomic():
        if user.locked_until is not None and not user.is_locked():
            # The lock ran out: count afresh instead of re-locking on the next typo.
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        locked = user.failed_logins >= settings.BUOY_LOCKOUT_FAILURES
        if locked:
            until = timezone.now() + dt.timedelta(minutes=settings.BUOY_LOCKOUT_MINUTES)
            User.objects.filter(pk=user.pk).update(locked_until=until)
        record(
            actor=None,
            action="access.login.locked" if locked else "access.login.failed",
            subject=user,
            context={"failures": user.failed_logins},
        )


def note_login_refused(*, user: User) -> None:
    """A login attempt on a locked account, whatever the password."""
    with transaction.atomic():
        record(actor=None, action="access.login.refused_locked", subject=user)


def _wards_by_code(codes: Iterable[str]) -> list[Ward]:
    codes = [c for c in codes if c]
    wards = list(Ward.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {w.code for w in wards})
    if missing:
        raise InvalidInput({"wards": [_("No ward has the code %(code)s.") % {"code": missing[0]}]})
    return wards


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput({"password": list(error.messages)}) from error


def add_user(
    *,
    actor: User | None,
    username: str,
    role: Role,
    ward_codes: Iterable[str] = (),
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    check_password_strength: bool = True,
) -> User:
    """Create an account with a role and ward memberships. No password means none can log in."""
    _require_admin(actor)
    username = username.strip()
    if not username:
        raise InvalidInput({"username": [_("Enter a username.")]})
    if User.objects.filter(username=username).exists():
        raise InvalidInput({"username": [_("A user with that username already exists.")]})
    with transaction.atomic():
        wards = _wards_by_code(ward_codes)
        user = User(
            username=username,
            role=role.value,
            first_name=first_name,
            last_name=last_name,
            email=email,
            is_staff=False,
        )
        if password:
            if check_password_strength:
                _check_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise InvalidInput(
                {"username": [_("A user with that username already exists.")]}
            ) from None
        Membership.objects.bulk_create([Membership(user=user, ward=w) for w in wards])
        record(
            actor=actor,
            action="access.user.created",
            subject=user,
            changed_fields=["username", "role", "wards", "first_name", "last_name", "email"],
            context={"role": role.value},
        )
    return user


def update_user(
    *,
    actor: User | None,
    user: User,
    role: Role,
    ward_codes: Iterable[str],
    is_active: bool,
    first_name: str,
    last_name: str,
    email: str,
) -> User:
    """Change an account's role, wards, names or active state."""
    _require_admin(actor)
    if actor is not None and actor.pk == user.pk and (not is_active or role is not Role.ADMIN):
        raise InvalidInput({"": [_("You cannot remove your own administrator access.")]})
    with transaction.atomic():
        wards = _wards_by_code(ward_codes)
        before = {
            "role": user.role,
            "is_active": user.is_active,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
        }
        after = {
            "role": role.value,
            "is_active": is_active,
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
        }
        changed = [name for name in before if before[name] != after[name]]
        for name, value in after.items():
            setattr(user, name, value)
        user.save()
        old_ward_ids = set(user.memberships.values_list("ward_id", flat=True))
        new_ward_ids = {w.pk for w in wards}
        if old_ward_ids != new_ward_ids:
            changed.append("wards")
            user.memberships.exclude(ward_id__in=new_ward_ids).delete()
            Membership.objects.bulk_create(
                [Membership(user=user, ward=w) for w in wards if w.pk not in old_ward_ids]
            )
        if changed:
            record(actor=actor, action="access.user.updated", subject=user, changed_fields=changed)
    return user


def set_password(*, actor: User | None, user: User, password: str) -> None:
    """Set a new password (validated) and clear any lock-out."""
    _require_admin(actor)
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["password", "failed_logins", "locked_until"])
        record(
            actor=actor,
            action="access.user.password_set",
            subject=user,
            changed_fields=["password"],
        )


def unlock_user(*, actor: User | None, user: User) -> None:
    """Lift a lock-out before it expires."""
    _require_admin(actor)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        record(
            actor=actor,
            action="access.user.unlocked",
            subject=user,
            changed_fields=["locked_until"],
        )


def add_ward(*, actor: User | None, code: str, name: str) -> Ward:
    """Create a ward (team)."""
    _require_admin(actor)
    code = code.strip().lower()
    if not code or not name.strip():
        raise InvalidInput({"code": [_("Enter a code and a name for the ward.")]})
    if Ward.objects.filter(code=code).exists():
        raise InvalidInput({"code": [_("A ward with this code already exists.")]})
    with transaction.atomic():
        ward = Ward.objects.create(code=code, name=name.strip())
        record(
            actor=actor, action="access.ward.created", subject=ward, changed_fields=["code", "name"]
        )
    return ward


def issue_api_token(*, actor: User | None, user: User) -> str:
    """Make a new API key for `user`, revoking their older ones; the key is shown only once."""
    _require_admin(actor)
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        ApiToken.objects.create(user=user, digest=hash_token(key), prefix=key[:8])
        record(actor=actor, action="access.token.issued", subject=user)
    return key
