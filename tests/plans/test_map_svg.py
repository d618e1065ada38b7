"""The map drawn as SVG from plain values: protective on the left against risk on the right,
one band per level in order, ratings as filled dots, unknown factors outlined, absent ones
left out, text escaped and shortened to fit. No database."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from buoy.plans.domain.map_svg import (
    DrawnFactor,
    MapLabels,
    describe,
    draw_map,
    fit_text,
    svg_document,
)
from buoy.plans.domain.maps import LEVELS

NS = {"svg": "http://www.w3.org/2000/svg"}

FACTORS = [
    DrawnFactor("P-IND-01", "Active initiative", "protective", "individual", "present", 3),
    DrawnFactor("P-FAM-04", "Grandparents' care", "protective", "family", "present", None),
    DrawnFactor("R-ECO-01", "Catastrophic costs or debt", "risk", "economic", "present", 2),
    DrawnFactor("R-IND-02", "Exhaustion", "risk", "individual", "unknown"),
    DrawnFactor("R-SOC-01", "Isolation", "risk", "social", "absent"),
]


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - the drawing under test, made here


def child(element: ET.Element, tag: str) -> ET.Element:
    """The first child `tag` (``rect``, ``title``) of an element; fails when there is none."""
    found = element.find(f"svg:{tag}", NS)
    assert found is not None, f"no {tag} in {element.attrib}"
    return found


def chips(root: ET.Element) -> dict[str, ET.Element]:
    return {
        g.get("data-code", ""): g
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("data-code")
    }


def test_the_drawing_is_well_formed_svg_with_a_title_for_screen_readers() -> None:
    root = parsed(draw_map(FACTORS, subtitle="v3 · 2025-06-01", element_id="map-7"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "map-7-title"
    title = root.find("svg:title", NS)
    assert title is not None
    assert title.get("id") == "map-7-title"
    assert title.text == "Strengths–risk map · v3 · 2025-06-01"


def test_protective_factors_stand_left_of_the_risks() -> None:
    found = chips(parsed(draw_map(FACTORS)))
    x_of = {code: float(child(g, "rect").get("x", "nan")) for code, g in found.items()}
    assert x_of["P-IND-01"] < 360 < x_of["R-ECO-01"]
    assert x_of["P-IND-01"] == x_of["P-FAM-04"]
    assert x_of["R-ECO-01"] == x_of["R-IND-02"]


def test_the_levels_come_in_the_order_of_the_map_each_once() -> None:
    root = parsed(draw_map(FACTORS))
    levels = [
        g.get("data-level")
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("data-level")
    ]
    assert levels == list(LEVELS)


def test_a_factor_is_drawn_in_the_band_of_its_level() -> None:
    root = parsed(draw_map(FACTORS))
    band_of = {}
    for band in root.iter("{http://www.w3.org/2000/svg}g"):
        for chip in band.findall("svg:g", NS):
            band_of[chip.get("data-code")] = band.get("data-level")
    assert band_of == {
        "P-IND-01": "individual",
        "R-IND-02": "individual",
        "P-FAM-04": "family",
        "R-ECO-01": "economic",
    }


def test_absent_factors_are_not_drawn() -> None:
    assert "R-SOC-01" not in chips(parsed(draw_map(FACTORS)))


def test_a_rating_fills_as_many_of_the_three_dots() -> None:
    found = chips(parsed(draw_map(FACTORS)))

    def dots(code: str) -> list[str]:
        return [c.get("class", "") for c in found[code].findall("svg:circle", NS)]

    assert dots("P-IND-01") == ["dot filled"] * 3
    assert dots("R-ECO-01") == ["dot filled", "dot filled", "dot"]
    assert dots("P-FAM-04") == ["dot"] * 3  # present, not rated yet
    assert dots("R-IND-02") == []  # unknown: a question mark instead


def test_an_unknown_or_unrated_factor_is_outlined_dashed_a_rated_one_solid() -> None:
    found = chips(parsed(draw_map(FACTORS)))
    dash = {code: child(g, "rect").get("stroke-dasharray") for code, g in found.items()}
    assert dash == {"P-IND-01": None, "P-FAM-04": "4 3", "R-ECO-01": None, "R-IND-02": "4 3"}
    assert found["R-IND-02"].get("class") == "factor risk unknown"


def test_each_chip_says_in_words_what_the_map_records() -> None:
    found = chips(parsed(draw_map(FACTORS)))
    titles = {code: child(g, "title").text for code, g in found.items()}
    assert titles["R-ECO-01"] == "R-ECO-01 Catastrophic costs or debt: present, severity 2 of 3"
    assert titles["P-IND-01"] == "P-IND-01 Active initiative: present, strength 3 of 3"
    assert titles["P-FAM-04"] == "P-FAM-04 Grandparents' care: present, not rated yet"
    assert titles["R-IND-02"] == "R-IND-02 Exhaustion: not known"


def test_the_words_come_from_the_labels_given_in_the_readers_language() -> None:
    labels = MapLabels(
        title="优势–风险图",
        protective="保护性因素",
        risk="风险因素",
        levels={
            "individual": "个人",
            "family": "家庭",
            "social": "社会",
            "medical": "医疗",
            "economic": "经济",
            "cultural": "文化",
        },
        nothing="无",
        strength="存在，强度 %(rating)s/3",
        severity="存在，严重程度 %(rating)s/3",
        unrated="存在，尚未评分",
        unknown="不清楚",
    )
    svg = draw_map(
        [DrawnFactor("R-ECO-01", "灾难性医疗支出或负债", "risk", "economic", "present", 3)],
        labels=labels,
    )
    root = parsed(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"优势–风险图", "保护性因素", "风险因素", "个人", "文化", "无"} <= set(texts)
    assert "R-ECO-01 灾难性医疗支出或负债: 存在，严重程度 3/3" in svg
    assert "Protective" not in svg


def test_an_empty_map_draws_every_band_saying_none_recorded() -> None:
    root = parsed(draw_map([]))
    nothing = [
        t for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "nothing"
    ]
    assert len(nothing) == 2 * len(LEVELS)
    assert chips(root) == {}


def test_a_fuller_band_makes_the_drawing_taller() -> None:
    few = parsed(draw_map(FACTORS[:1]))
    many = parsed(
        draw_map(
            [
                DrawnFactor(f"P-IND-0{n}", "x", "protective", "individual", "present", 1)
                for n in range(1, 6)
            ]
        )
    )
    assert float(many.get("height", 0)) > float(few.get("height", 0))


def test_names_are_escaped() -> None:
    svg = draw_map(
        [DrawnFactor("P-SOC-01", 'Peers <&> "friends"', "protective", "social", "present", 1)]
    )
    root = parsed(svg)  # would fail on a raw < or &
    assert "<&>" not in svg
    title = child(chips(root)["P-SOC-01"], "title").text
    assert str(title).startswith('P-SOC-01 Peers <&> "friends"')


def test_long_names_are_shortened_with_an_ellipsis_wide_characters_counted_wider() -> None:
    assert fit_text("short", 200) == "short"
    latin = fit_text("a" * 100, 120)
    chinese = fit_text("字" * 100, 120)
    assert latin.endswith("…")
    assert chinese.endswith("…")
    assert len(chinese) < len(latin)
    long = DrawnFactor("R-MED-01", "very long name " * 10, "risk", "medical", "present", 1)
    text = [t.text for t in chips(parsed(draw_map([long])))["R-MED-01"].findall("svg:text", NS)]
    assert str(text[0]).endswith("…")


@pytest.mark.parametrize(
    "factor",
    [
        DrawnFactor("P-IND-01", "x", "neutral", "individual", "present", 1),
        DrawnFactor("P-IND-01", "x", "protective", "spiritual", "present", 1),
        DrawnFactor("P-IND-01", "x", "protective", "individual", "maybe", 1),
        DrawnFactor("P-IND-01", "x", "protective", "individual", "present", 4),
    ],
)
def test_a_factor_of_an_unknown_kind_level_status_or_rating_is_refused(
    factor: DrawnFactor,
) -> None:
    with pytest.raises(ValueError, match="P-IND-01"):
        draw_map([factor])


def test_the_file_form_starts_with_an_xml_declaration() -> None:
    document = svg_document(draw_map(FACTORS))
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    assert parsed(document).tag.endswith("svg")


def test_describe_without_labels_is_english() -> None:
    assert describe(FACTORS[0], MapLabels()) == (
        "P-IND-01 Active initiative: present, strength 3 of 3"
    )
