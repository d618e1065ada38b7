"""A caregiver fills in a one-time link on a phone-sized screen, in Chinese.

The PHQ-9 shows its shipped Simplified Chinese wording (questions, answers, and the stem with
its time frame above them), nothing about where that wording comes from, and asks before
sending answers too few to score.
"""

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
STEM = "在过去两个星期，有多少时候您受到以下任何问题所困扰？"


def phq9_link(worker: User, case: Case) -> tuple[str, Any]:
    assessment = services.start_assessment(
        actor=worker,
        case=case,
        caregiver=case.caregivers.get(),
        instrument_version=current_instrument("phq9"),
        timepoint=Timepoint.objects.get(code="baseline"),
    )
    return services.create_self_report_link(actor=worker, assessment=assessment), assessment


def phone(chromium: Any) -> Any:
    return chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)


def answer(page: Any, item: int, option: int) -> None:
    page.locator(f"#field-item{item} input[type=radio]").nth(option).check()


def test_a_caregiver_answers_the_phq9_on_a_phone_in_chinese(
    chromium: Any, live_server: Any, alice_worker: User, alice_case: Case, tmp_path: Path
) -> None:
    key, assessment = phq9_link(alice_worker, alice_case)
    context = phone(chromium)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/r/{key}/")
        assert page.get_attribute("html", "lang") == "zh-hans"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        body = page.inner_text("body")
        assert alice_case.child.full_name not in body  # nothing of the case record
        # Chinese questions and answers, the stem with its time frame above the first item.
        assert STEM in body
        assert body.index(STEM) < body.index("做事时提不起劲或没有兴趣")
        assert "有不如死掉或用某种方式伤害自己的念头" in body
        options = [text.strip() for text in page.locator("#field-item1 li").all_inner_texts()]
        assert options == ["完全不会", "好几天", "一半以上的天数", "几乎每天"]
        assert "Little interest" not in body
        assert "Nearly every day" not in body
        # No word of provenance for the caregiver.
        for hint in ("核对", "版权", "来源", "verified"):
            assert hint not in body
        # Three answers, save, come back with the same link.
        for item in (1, 2, 3):
            answer(page, item, 1)
        page.get_by_role("button", name="保存，稍后继续").click()
        assert "您的答案已保存" in page.inner_text("body")
        page.goto(f"{live_server.url}/r/{key}/")
        assert page.locator("input[type=radio]:checked").count() == 3
        # Sending 3 of 10: the page says which questions are missing, and sends nothing yet.
        page.get_by_role("button", name="提交我的答案", exact=True).click()
        confirm = page.locator("#confirm-invalid")
        assert "7 个问题尚未回答" in confirm.inner_text()
        assert "第4题" in confirm.inner_text()
        assert "感觉疲倦或没有活力" in confirm.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.screenshot(path=str(tmp_path / "self-report-confirm.png"), full_page=True)
        assert not Score.objects.filter(assessment=assessment).exists()
        # Answer the rest and send.
        for item in range(4, 11):
            answer(page, item, 0)
        page.screenshot(path=str(tmp_path / "self-report-phone.png"), full_page=True)
        page.get_by_role("button", name="提交我的答案", exact=True).click()
        assert "谢谢您" in page.inner_text("body")
        score = Score.objects.get(assessment=assessment)
        assert (score.status, score.total) == ("valid", 3)
        # Used once: the link now says it cannot be used.
        page.goto(f"{live_server.url}/r/{key}/")
        assert "此链接无法使用" in page.inner_text("body")
    finally:
        context.close()


def test_a_caregiver_may_send_three_answers_of_ten_after_confirming(
    chromium: Any, live_server: Any, alice_worker: User, alice_case: Case
) -> None:
    key, assessment = phq9_link(alice_worker, alice_case)
    context = phone(chromium)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/r/{key}/")
        for item in (1, 2, 3):
            answer(page, item, 2)
        page.get_by_role("button", name="提交我的答案", exact=True).click()
        assert page.locator("input[type=radio]:checked").count() == 3  # kept on the page
        page.get_by_role("button", name="按现在的样子提交我的答案").click()
        assert "谢谢您" in page.inner_text("body")
        assert Score.objects.get(assessment=assessment).status == "invalid"
    finally:
        context.close()
