"""What closing a case expects, and the registry through which higher apps say so.

Closing a case (`services.close_case`) is a judgement: the casework process expects a
post-assessment before closure (reference.md §6.1, "Evaluation: post CD-RISC-10"), so that
the family's change can be measured. Those records live in apps above `cases` (the
CD-RISC-10 in `instruments`), and `cases` must never import them (ADR 0001, ADR 0009). So the
higher app registers a *closing check* once, from its `AppConfig.ready()`:

    from buoy.cases.closing import register_closing_check
    register_closing_check(
        "instruments.post_assessment", has_post_assessment, missing=_("No post CD-RISC-10 …")
    )

A check is a function of one case that answers whether the case has what closing expects.
The case it gets has already come through the one door (`get_case_for`) or a service's access
check, so a check verifies no access itself and must read nothing of any other case. When a
check fails, `close_case` refuses unless the worker records why the case closes without it
(ADR 0014).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise

if TYPE_CHECKING:
    from buoy.cases.models import Case


@dataclass(frozen=True)
class ClosingCheck:
    """One thing closing expects: `passes(case)` says whether the case has it; `missing` is
    the sentence that tells the worker what is missing (translatable, shown on the close form
    and in the refusal)."""

    name: str
    passes: Callable[[Case], bool]
    missing: str | Promise


_checks: dict[str, ClosingCheck] = {}


def register_closing_check(
    name: str, passes: Callable[[Case], bool], *, missing: str | Promise
) -> None:
    """Add a closing check under `name` (e.g. "instruments.post_assessment").

    Registering the same name again replaces the earlier check, so an app's `ready()` may run
    more than once without doubling it. `missing` should be a lazy translation
    (`gettext_lazy`), so it is shown in the reader's language.
    """
    _checks[name] = ClosingCheck(name=name, passes=passes, missing=missing)


def unregister_closing_check(name: str) -> None:
    """Remove a check; a name that was never registered is ignored. For tests."""
    _checks.pop(name, None)


def closing_checks() -> list[ClosingCheck]:
    """The registered checks, in the order of their names (so messages come in a fixed order)."""
    return [_checks[name] for name in sorted(_checks)]


def missing_for_closing(case: Case) -> list[str]:
    """What the case lacks of what closing expects: the `missing` sentence of every registered
    check that fails, in the order of the checks' names; empty when nothing is missing.

    Takes a case that has already come through the one door or a service's access check.
    """
    return [str(check.missing) for check in closing_checks() if not check.passes(case)]
