"""Proportions: the Wilson score interval of one proportion and Newcombe's hybrid score
interval for the difference of two independent proportions (Newcombe 1998, method 10).

Pure: no Django. docs/statistics.md ("Proportions") gives the formulas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from buoy.outcomes.domain.change import StatisticsError

Z_95 = 1.959963984540054  # the .975 quantile of the standard normal


@dataclass(frozen=True)
class Difference:
    """p1 − p2 with its Newcombe interval, and each proportion with its Wilson interval."""

    p1: float
    p2: float
    difference: float
    ci95: tuple[float, float]
    ci95_p1: tuple[float, float]
    ci95_p2: tuple[float, float]


def wilson(successes: int, n: int, *, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of successes/n (95 % by default):
    (p + z²/2n ± z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n)."""
    _check(successes, n)
    p = successes / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    denominator = 1 + z2 / n
    low = 0.0 if successes == 0 else (centre - half) / denominator
    high = 1.0 if successes == n else (centre + half) / denominator
    return low, high


def newcombe_difference(
    successes1: int, n1: int, successes2: int, n2: int, *, z: float = Z_95
) -> Difference:
    """p1 − p2 with Newcombe's hybrid score interval from the two Wilson intervals:
    [d − √((p1 − l1)² + (u2 − p2)²), d + √((u1 − p1)² + (p2 − l2)²)]."""
    l1, u1 = wilson(successes1, n1, z=z)
    l2, u2 = wilson(successes2, n2, z=z)
    p1, p2 = successes1 / n1, successes2 / n2
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Difference(p1, p2, d, (low, high), (l1, u1), (l2, u2))


def _check(successes: int, n: int) -> None:
    for name, value in (("successes", successes), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise StatisticsError(f"{name} must be a whole number, not {value!r}")
    if n <= 0:
        raise StatisticsError(f"a proportion needs at least one caregiver, not n = {n}")
    if not 0 <= successes <= n:
        raise StatisticsError(f"successes must be between 0 and n = {n}, not {successes}")
