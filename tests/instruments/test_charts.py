"""The score-history SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from buoy.instruments.domain.charts import ChartPoint, score_history_svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314


def test_each_valid_score_is_a_point_at_its_height() -> None:
    root = parse(
        score_history_svg(
            [ChartPoint("pre", 0), ChartPoint("post", 40)], low=0, high=40, height=160
        )
    )
    circles = root.findall(f"{SVG}circle")
    assert len(circles) == 2
    # top margin 12, bottom margin 28: 0 sits at 132, 40 at 12.
    assert [float(c.get("cy", "")) for c in circles] == [132.0, 12.0]


def test_an_invalid_score_is_a_gap_not_a_zero() -> None:
    root = parse(
        score_history_svg(
            [ChartPoint("a", 20), ChartPoint("b", None), ChartPoint("c", 25)], low=0, high=40
        )
    )
    assert len(root.findall(f"{SVG}circle")) == 2
    assert root.findall(f"{SVG}polyline") == []  # no line drawn across the gap


def test_the_reference_line_and_labels_are_escaped_text() -> None:
    svg = score_history_svg(
        [ChartPoint("<b>", 10)],
        low=0,
        high=40,
        reference=23.0,
        reference_label="mean 23",
        title="CD-RISC & me",
    )
    root = parse(svg)
    assert root.get("aria-label") == "CD-RISC & me"
    assert "<b>" not in svg
    assert any(line.get("stroke-dasharray") for line in root.findall(f"{SVG}line"))


def test_a_range_without_width_is_refused() -> None:
    with pytest.raises(ValueError, match="high"):
        score_history_svg([], low=5, high=5)
