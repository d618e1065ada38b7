"""`buoy manage changepassword USERNAME`: Django's command, through Buoy's audited service.

Django's own command saves the new hash directly. This one calls
`access.services.set_password`, like the Users page and `buoy user password`, so the change is
validated, audited, and ends the user's sessions and revokes their API tokens. It replaces
Django's command because `buoy.access` comes before `django.contrib.auth` in `INSTALLED_APPS`.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from buoy.access import services
from buoy.access.models import User
from buoy.audit.context import acting_from
from buoy.core.errors import InvalidInput

TRIES = 3


class Command(BaseCommand):
    help = (
        "Change a user's password. Signs the user out everywhere and revokes their API "
        "tokens (the same as `buoy user password`)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the account whose password changes")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        for _ in range(TRIES):
            password = getpass.getpass(f"New password for {user.username}: ")
            if getpass.getpass("The same again: ") != password:
                self.stderr.write("The two passwords differ. Try again.")
                continue
            try:
                with acting_from(None, "cli"):
                    revoked = services.set_password(actor=None, user=user, password=password)
            except InvalidInput as error:
                self.stderr.write(" ".join(m for ms in error.errors.values() for m in ms))
                continue
            self.stdout.write(
                f"Password set for {user.username}: signed out everywhere, "
                f"{revoked} API token(s) revoked."
            )
            return
        raise CommandError(f"too many tries; the password of {user.username} is unchanged")
