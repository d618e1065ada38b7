"""A strengths–risk map drawn as SVG: protective factors against risk factors, by level.

The drawing takes plain values (`DrawnFactor`: code, name, kind, level, status, rating) and
the words to write (`MapLabels`, already in the reader's language), so the map page, its SVG
download and the reports draw the same picture. Nothing here imports Django.

Layout, top to bottom: the title, the two column heads (protective on the left, risk on the
right), then one band per level in the order of `domain.maps.LEVELS` (individual, family,
social, medical, economic, cultural) with the level's name in the middle. Each factor is a
chip in its column: a present factor filled, darker the stronger (protective) or the more
severe (risk) it is, with three dots of which its rating fills as many (an unrated present
factor has three empty dots); an unknown factor is an outlined chip with a question mark.
Absent factors are not drawn (the page's table lists them). Every chip carries a `<title>`
with the factor's full name and what the map says of it, for a pointer or a screen reader.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from buoy.plans.domain.maps import ABSENT, LEVELS, PRESENT, PROTECTIVE, RATINGS, RISK, UNKNOWN

WIDTH = 720
MARGIN = 8
MIDDLE = 120  # the level names' column
CHIP_HEIGHT = 24
CHIP_GAP = 4
BAND_PADDING = 6
HEAD_HEIGHT = 58
FONT_SIZE = 12
FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif'

# Fill by rating (None: present, not yet rated); text colour; the dots' colour.
_FILLS = {
    PROTECTIVE: {None: "#eef8f2", 1: "#d3eedf", 2: "#9fd8b8", 3: "#5cb88a"},
    RISK: {None: "#fdf0ee", 1: "#f8d9d4", 2: "#f0ab9f", 3: "#e0705f"},
}
_INK = {PROTECTIVE: "#134e33", RISK: "#7a1c12"}
_HEAD = {PROTECTIVE: "#1e7d4f", RISK: "#b3261e"}
_MUTED = "#5b6b76"
_LINE = "#d5dde3"


@dataclass(frozen=True)
class DrawnFactor:
    """One factor as the drawing needs it: `name` in the reader's language."""

    code: str
    name: str
    kind: str
    level: str
    status: str = UNKNOWN
    rating: int | None = None


def _default_levels() -> dict[str, str]:
    return {level: level.title() for level in LEVELS}


@dataclass(frozen=True)
class MapLabels:
    """The words on the drawing. `strength`, `severity` and `unrated` describe a present
    factor in its chip's title (``%(rating)s`` is replaced by the rating)."""

    title: str = "Strengths–risk map"
    protective: str = "Protective factors"
    risk: str = "Risk factors"
    levels: Mapping[str, str] = field(default_factory=_default_levels)
    nothing: str = "none recorded"
    strength: str = "present, strength %(rating)s of 3"
    severity: str = "present, severity %(rating)s of 3"
    unrated: str = "present, not rated yet"
    unknown: str = "not known"


def _char_width(char: str) -> float:
    """Rough width of a character at FONT_SIZE: wide (CJK) characters take a full em."""
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return FONT_SIZE
    return FONT_SIZE * 0.58


def fit_text(text: str, width: float) -> str:
    """`text` shortened with an ellipsis so that it fits in `width` pixels (roughly)."""
    total = sum(_char_width(c) for c in text)
    if total <= width:
        return text
    kept, used = [], _char_width("…")
    for char in text:
        used += _char_width(char)
        if used > width:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


def describe(factor: DrawnFactor, labels: MapLabels) -> str:
    """What the map says of one factor, in words (the chip's title)."""
    if factor.status == UNKNOWN:
        state = labels.unknown
    elif factor.rating is None:
        state = labels.unrated
    else:
        template = labels.strength if factor.kind == PROTECTIVE else labels.severity
        state = template % {"rating": factor.rating}
    return f"{factor.code} {factor.name}: {state}"


def _check(factor: DrawnFactor) -> None:
    if factor.kind not in (PROTECTIVE, RISK):
        raise ValueError(f"{factor.code}: {factor.kind!r} is not protective or risk")
    if factor.level not in LEVELS:
        raise ValueError(f"{factor.code}: {factor.level!r} is not a level")
    if factor.status not in (PRESENT, ABSENT, UNKNOWN):
        raise ValueError(f"{factor.code}: {factor.status!r} is not a status")
    if factor.rating is not None and factor.rating not in RATINGS:
        raise ValueError(f"{factor.code}: {factor.rating!r} is not a rating 1–3")


def _chip(factor: DrawnFactor, x: float, y: float, width: float, labels: MapLabels) -> list[str]:
    known = factor.status == PRESENT
    fill = _FILLS[factor.kind][factor.rating] if known else "#ffffff"
    stroke = _HEAD[factor.kind] if known else _MUTED
    dash = "" if known and factor.rating is not None else ' stroke-dasharray="4 3"'
    ink = _INK[factor.kind] if known else _MUTED
    marks = 3 * 12 + 6  # three dots, or the question mark, at the chip's end
    text = fit_text(f"{factor.code} {factor.name}", width - marks - 10)
    parts = [
        f'<g class="factor {factor.kind} {factor.status}" data-code={quoteattr(factor.code)}>',
        f"<title>{escape(describe(factor, labels))}</title>",
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{CHIP_HEIGHT}" rx="4" '
        f'fill="{fill}" stroke="{stroke}"{dash}/>',
        f'<text x="{x + 6:.1f}" y="{y + 16:.1f}" fill="{ink}">{escape(text)}</text>',
    ]
    if known:
        for n in RATINGS:
            cx = x + width - marks + 6 + (n - 1) * 12
            filled = factor.rating is not None and n <= factor.rating
            parts.append(
                f'<circle class="{"dot filled" if filled else "dot"}" cx="{cx:.1f}" '
                f'cy="{y + CHIP_HEIGHT / 2:.1f}" r="4" stroke="{stroke}" '
                f'fill="{stroke if filled else "#ffffff"}"/>'
            )
    else:
        parts.append(
            f'<text x="{x + width - 14:.1f}" y="{y + 16:.1f}" fill="{_MUTED}" '
            f'font-weight="700">?</text>'
        )
    parts.append("</g>")
    return parts


def draw_map(
    factors: Iterable[DrawnFactor],
    *,
    labels: MapLabels | None = None,
    subtitle: str = "",
    element_id: str = "factor-map",
) -> str:
    """The map as one `<svg>` element (also a complete SVG file). `subtitle` (the version,
    its date) is written under the title; `element_id` makes the title's id unique when a
    page holds several maps. ValueError on a factor of an unknown kind, level, status or
    rating."""
    labels = labels or MapLabels()
    bands: dict[str, dict[str, list[DrawnFactor]]] = {
        level: {PROTECTIVE: [], RISK: []} for level in LEVELS
    }
    for factor in factors:
        _check(factor)
        if factor.status != ABSENT:
            bands[factor.level][factor.kind].append(factor)
    for band in bands.values():
        for side in band.values():
            side.sort(key=lambda f: (f.status != PRESENT, -(f.rating or 0), f.code))

    column = (WIDTH - 2 * MARGIN - MIDDLE) / 2
    left, right = MARGIN, MARGIN + column + MIDDLE
    body: list[str] = []
    y = HEAD_HEIGHT
    for level in LEVELS:
        band = bands[level]
        rows = max(1, len(band[PROTECTIVE]), len(band[RISK]))
        height = rows * (CHIP_HEIGHT + CHIP_GAP) - CHIP_GAP + 2 * BAND_PADDING
        body.append(f'<g class="level" data-level="{level}">')
        body.append(
            f'<line x1="{MARGIN}" y1="{y:.1f}" x2="{WIDTH - MARGIN}" y2="{y:.1f}" '
            f'stroke="{_LINE}"/>'
        )
        name = fit_text(labels.levels.get(level, level), MIDDLE - 8)
        body.append(
            f'<text class="level-name" x="{WIDTH / 2:.1f}" y="{y + height / 2 + 4:.1f}" '
            f'text-anchor="middle" fill="{_MUTED}" font-weight="600">{escape(name)}</text>'
        )
        for kind, x in ((PROTECTIVE, left), (RISK, right)):
            chip_y = y + BAND_PADDING
            if not band[kind]:
                body.append(
                    f'<text class="nothing" x="{x + 6:.1f}" y="{chip_y + 16:.1f}" '
                    f'fill="{_MUTED}" font-style="italic">{escape(labels.nothing)}</text>'
                )
            for factor in band[kind]:
                body.extend(_chip(factor, x, chip_y, column, labels))
                chip_y += CHIP_HEIGHT + CHIP_GAP
        body.append("</g>")
        y += height
    body.append(
        f'<line x1="{MARGIN}" y1="{y:.1f}" x2="{WIDTH - MARGIN}" y2="{y:.1f}" stroke="{_LINE}"/>'
    )
    total = y + MARGIN
    title_id = f"{element_id}-title"
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id={quoteattr(element_id)} class="factor-map" '
        f'viewBox="0 0 {WIDTH} {total:.0f}" width="{WIDTH}" height="{total:.0f}" '
        f'role="img" aria-labelledby={quoteattr(title_id)} font-family={quoteattr(FONT)} '
        f'font-size="{FONT_SIZE}">',
        f"<title id={quoteattr(title_id)}>"
        f"{escape(labels.title + (' · ' + subtitle if subtitle else ''))}</title>",
        f'<rect width="{WIDTH}" height="{total:.0f}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="20" font-size="15" font-weight="700" fill="#1d2a33">'
        f"{escape(labels.title)}</text>",
    ]
    if subtitle:
        head.append(
            f'<text x="{WIDTH - MARGIN}" y="20" text-anchor="end" fill="{_MUTED}">'
            f"{escape(subtitle)}</text>"
        )
    head += [
        f'<text class="head protective" x="{left + 6:.1f}" y="{HEAD_HEIGHT - 10}" '
        f'font-weight="700" fill="{_HEAD[PROTECTIVE]}">{escape(labels.protective)}</text>',
        f'<text class="head risk" x="{right + 6:.1f}" y="{HEAD_HEIGHT - 10}" '
        f'font-weight="700" fill="{_HEAD[RISK]}">{escape(labels.risk)}</text>',
    ]
    return "\n".join([*head, *body, "</svg>"]) + "\n"


def svg_document(svg: str) -> str:
    """The drawing as a file of its own (an XML declaration before the element)."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg
