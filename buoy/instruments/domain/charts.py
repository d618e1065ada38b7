"""Score history as a small server-rendered SVG (no JavaScript, no external assets)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class ChartPoint:
    """One score on the time axis: its label (a date or timepoint) and value (None = invalid)."""

    label: str
    value: float | None


def score_history_svg(
    points: Sequence[ChartPoint],
    *,
    low: float,
    high: float,
    reference: float | None = None,
    reference_label: str = "",
    title: str = "",
    width: int = 360,
    height: int = 160,
) -> str:
    """An accessible line chart of scores between `low` and `high`, with a dashed reference
    line (a norm mean) when given. Invalid scores are shown as gaps, never as zero."""
    if high <= low:
        raise ValueError("high must be above low")
    left, right, top, bottom = 36, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(value: float) -> float:
        clamped = min(max(value, low), high)
        return top + plot_h * (1 - (clamped - low) / (high - low))

    def x(index: int) -> float:
        if len(points) == 1:
            return left + plot_w / 2
        return left + plot_w * index / (len(points) - 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="score-chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#9aa9b3"/>',
        f'<text x="{left - 6}" y="{y(high) + 4:.1f}" text-anchor="end" font-size="10">'
        f"{high:g}</text>",
        f'<text x="{left - 6}" y="{y(low) + 4:.1f}" text-anchor="end" font-size="10">'
        f"{low:g}</text>",
    ]
    if reference is not None:
        ry = y(reference)
        parts.append(
            f'<line x1="{left}" y1="{ry:.1f}" x2="{left + plot_w}" y2="{ry:.1f}" '
            'stroke="#b07d2b" stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{left + plot_w}" y="{ry - 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="#8a6020">{escape(reference_label)}</text>'
        )
    segment: list[str] = []
    for index, point in enumerate(points):
        if point.value is None:
            if len(segment) > 1:
                parts.append(_polyline(segment))
            segment = []
            continue
        segment.append(f"{x(index):.1f},{y(point.value):.1f}")
    if len(segment) > 1:
        parts.append(_polyline(segment))
    for index, point in enumerate(points):
        # The end labels hug the plot's edges so that they are not cut off.
        anchor = "middle"
        if len(points) > 1 and index == 0:
            anchor = "start"
        elif len(points) > 1 and index == len(points) - 1:
            anchor = "end"
        parts.append(
            f'<text x="{x(index):.1f}" y="{height - 8}" text-anchor="{anchor}" font-size="10">'
            f"{escape(point.label)}</text>"
        )
        if point.value is not None:
            parts.append(
                f'<circle cx="{x(index):.1f}" cy="{y(point.value):.1f}" r="3.5" fill="#1f6f8b">'
                f"<title>{escape(point.label)}: {point.value:.1f}</title></circle>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _polyline(points: list[str]) -> str:
    return f'<polyline fill="none" stroke="#1f6f8b" stroke-width="2" points="{" ".join(points)}"/>'
