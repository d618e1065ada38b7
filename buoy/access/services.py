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
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from buoy.access.domain.roles import Role, can_manage_accounts
from buoy.access.models import ApiToken, Membership, User, Ward, hash_token
from buoy.audit.services import record
from buoy.core.errors import Forbidden, InvalidInput, NotFound


def _require_admin(actor: User | None) -> None:
    if actor is not None and not can_manage_accounts(actor.role_enum):
        raise Forbidden()


def reserve_login_attempt(*, user: User) -> int | None:
    """Take the account's next login attempt before its password is checked; None if locked.

    Returns the attempt's number in the current run of attempts (1 for the first since the
    last success, unlock or lock-out). The count goes up *before* the check, in one
    conditional UPDATE, so attempts that arrive together cannot all read "not locked yet":
    the database hands the attempts out one at a time, and the one that takes the last
    (`BUOY_LOCKOUT_FAILURES`) locks the account in the same transaction. At most that many
    passwords are checked, however many requests arrive at once; the rest are refused
    unchecked, the right password too. A lock that has run out starts a fresh count.
    The password is checked after this transaction, so no lock is held during the slow hash.
    """
    now = timezone.now()
    lock_ran_out = Q(locked_until__isnull=False, locked_until__lte=now)
    with transaction.atomic():
        taken = (
            User.objects.filter(pk=user.pk)
            .filter(Q(locked_until__isnull=True) | lock_ran_out)
            .update(
                failed_logins=Case(
                    When(lock_ran_out, then=Value(1)), default=F("failed_logins") + 1
                ),
                locked_until=None,
            )
        )
        if not taken:
            return None
        # Read inside the same transaction: on PostgreSQL this row stays locked until commit;
        # on SQLite the transaction holds the database's write lock (BEGIN IMMEDIATE).
        attempt: int = User.objects.values_list("failed_logins", flat=True).get(pk=user.pk)
        if attempt >= settings.BUOY_LOCKOUT_FAILURES:
            User.objects.filter(pk=user.pk).update(
                locked_until=now + dt.timedelta(minutes=settings.BUOY_LOCKOUT_MINUTES)
            )
    return attempt


def note_login_succeeded(*, user: User, attempt: int) -> None:
    """The right password: the attempts up to this one are forgiven; record the login.

    Attempts that other requests reserved after this one still count. If this attempt was the
    one that locked the account, the lock is lifted.
    """
    changes: dict[str, object] = {"failed_logins": Greatest(F("failed_logins") - attempt, 0)}
    if attempt >= settings.BUOY_LOCKOUT_FAILURES:
        changes["locked_until"] = None
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(**changes)
        record(actor=user, action="access.login.succeeded", subject=user)


def note_login_failed(*, user: User, attempt: int) -> None:
    """A wrong password on a reserved attempt; the last permitted one has locked the account."""
    locked = attempt >= settings.BUOY_LOCKOUT_FAILURES
    with transaction.atomic():
        record(
            actor=None,
            action="access.login.locked" if locked else "access.login.failed",
            subject=user,
            context={"failures": attempt},
        )


def note_login_refused(*, user: User) -> None:
    """A login attempt on a locked account, whatever the password (which is not checked)."""
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
        # Only these fields: a full save of a stale object could undo a lock-out count or a
        # sign-out that another request wrote meanwhile.
        user.save(update_fields=list(after))
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
        if before["is_active"] != is_active:
            # Both ways: a deactivated account loses its keys and sessions, and a reactivated
            # one starts without any that survived from before (or were made while inactive).
            _sign_out_everywhere(
                actor=actor, user=user, because="reactivated" if is_active else "deactivated"
            )
    return user


def set_password(*, actor: User | None, user: User, password: str) -> int:
    """Set a new password (validated), clear any lock-out, and sign the user out everywhere.

    Every session of the user ends and every API token is revoked: whoever knew the old
    password, or a token made with it, is shut out. Returns the number of tokens revoked.
    A page that changes the signed-in user's own password keeps that one session with
    `django.contrib.auth.update_session_auth_hash`.
    """
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
        return _sign_out_everywhere(actor=actor, user=user, because="password_set")


def _sign_out_everywhere(*, actor: User | None, user: User, because: str) -> int:
    """End every session of `user` and revoke every live API token; the number revoked.

    Sessions end by raising `session_generation`, which changes the hash every session
    carries (see `User.get_session_auth_hash`); nothing has to find the sessions.
    """
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    record(actor=actor, action="access.user.signed_out", subject=user, context={"because": because})
    return _revoke_tokens(actor=actor, user=user, tokens=user.api_tokens.all(), because=because)


def _revoke_tokens(
    *, actor: User | None, user: User, tokens: QuerySet[ApiToken], because: str
) -> int:
    live = list(tokens.filter(revoked_at__isnull=True).values_list("pk", flat=True))
    if live:
        ApiToken.objects.filter(pk__in=live).update(revoked_at=timezone.now())
        record(
            actor=actor,
            action="access.token.revoked",
            subject=user,
            context={"tokens": live, "count": len(live), "because": because},
        )
    return len(live)


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
    if not user.is_active:
        raise InvalidInput({"user": [_("This account is not active.")]})
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        _revoke_tokens(actor=actor, user=user, tokens=user.api_tokens.all(), because="replaced")
        ApiToken.objects.create(user=user, digest=hash_token(key), prefix=key[:8])
        record(actor=actor, action="access.token.issued", subject=user)
    return key


def revoke_api_tokens(*, actor: User | None, user: User) -> int:
    """Revoke every live API key of `user` (an administrator or the operator); how many."""
    _require_admin(actor)
    with transaction.atomic():
        return _revoke_tokens(
            actor=actor, user=user, tokens=user.api_tokens.all(), because="revoked"
        )


def revoke_own_api_token(*, actor: User, token_id: int) -> None:
    """The signed-in user revokes one of their own live API keys.

    A key that is not theirs, or is already revoked, is `NotFound`, the same answer as for
    one that does not exist.
    """
    with transaction.atomic():
        tokens = actor.api_tokens.filter(pk=token_id, revoked_at__isnull=True)
        if not tokens.exists():
            raise NotFound()
        _revoke_tokens(actor=actor, user=actor, tokens=tokens, because="revoked_by_owner")
