"""A caregiver fills in a one-time link on a phone-sized screen, in Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.instruments import services
from buoy.instruments.models import Score, Timepoint
from buoy.instruments.selectors import current_instrument

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_a_caregiver_answers_the_brs_on_a_phone_in_chinese(
    chromium: Any, live_server: Any, alice_worker: User, alice_case: Case, tmp_path: Path
) -> None:
    brs = current_instrument("brs")
    assessment = services.start_assessment(
        actor=alice_worker,
        case=alice_case,
        caregiver=alice_case.caregivers.get(),
        instrument_version=brs,
        timepoint=Timepoint.objects.get(code="baseline"),
    )
    key = services.create_self_report_link(actor=alice_worker, assessment=assessment)
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/r/{key}/")
        assert page.get_attribute("html", "lang") == "zh-hans"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        body = page.inner_text("body")
        assert alice_case.child.full_name not in body  # nothing of the case record
        # Answer the first three items, save, come back with the same link.
        radios = page.locator("input[type=radio]")
        per_item = len(
            brs.instrument().response_sets[brs.instrument().items[0].response_set or ""].options
        )
        for item_index in range(3):
            radios.nth(item_index * per_item + 3).check()
        page.get_by_role("button", name="保存，稍后继续").click()
        assert "您的答案已保存" in page.inner_text("body")
        page.goto(f"{live_server.url}/r/{key}/")
        assert page.locator("input[type=radio]:checked").count() == 3
        for item_index in range(3, len(brs.instrument().items)):
            radios = page.locator("input[type=radio]")
            radios.nth(item_index * per_item + 1).check()
        page.screenshot(path=str(tmp_path / "self-report-phone.png"), full_page=True)
        page.get_by_role("button", name="提交我的答案").click()
        assert "谢谢您" in page.inner_text("body")
        score = Score.objects.get(assessment=assessment)
        assert score.status == "valid"
        # Used once: the link now says it cannot be used.
        page.goto(f"{live_server.url}/r/{key}/")
        assert "此链接无法使用" in page.inner_text("body")
    finally:
        context.close()
