"""Settings for the `buoy serve` that tests/access/test_lockout_under_load.py attacks.

Buoy's own settings, with one change: a password hasher that takes as long as a real Argon2
check (so simultaneous attempts overlap as they do in production) and writes one line to the
file named by `BUOY_TEST_PASSWORD_CHECKS` each time it checks a password. That file is how
the test counts the passwords the server really checked, independently of Buoy's audit trail.
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.contrib.auth.hashers import MD5PasswordHasher

from buoy.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["tests.access.lockout_server_settings.SlowCountingHasher"]
CHECK_SECONDS = 0.2


class SlowCountingHasher(MD5PasswordHasher):
    """MD5 (fast, tests only) made as slow as Argon2, counting every password it checks."""

    def verify(self, password: str, encoded: str) -> bool:
        with open(os.environ["BUOY_TEST_PASSWORD_CHECKS"], "a") as checks:
            checks.write("checked\n")  # one short append: atomic across processes
        time.sleep(CHECK_SECONDS)
        return super().verify(password, encoded)

    def encode(self, password: str, salt: str, *args: Any, **kwargs: Any) -> str:
        # Hashing without checking (a new password, the dummy work for an unknown username)
        # costs the same time, but is not a check.
        time.sleep(CHECK_SECONDS)
        return super().encode(password, salt)
