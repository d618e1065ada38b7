"""A case from intake to closure through the intervention model, in Chinese, in Chromium.

After the intake interview (coded) and the baseline CD-RISC-10, the worker drafts the
strengths–risk map from the coded interview and confirms it, accepts two suggested goals and
three suggested techniques, makes the plan from them with each goal's five GAS levels, records
a session, reviews the goals, and closes the case after the post-assessment. Button and message
texts are looked up in the catalogue the server uses (`label`), so the test follows the
translations as they are written; the page must be in Chinese for them to match.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.plans.models import CasePlan, GoalReview, Session, SuggestionDecision
from tests.browser.conftest import settled_context
from tests.browser.test_case_flow import PHONE, label, no_horizontal_overflow
from tests.conftest import PASSWORD
from tests.plans.conftest import INTAKE, cdrisc10, code_passage, interview

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZH = "zh-hans"
LEVELS = ["比以前更乱", "还是老样子", "能按计划做一件事", "能按计划做两件事", "每件事都按计划做"]
# Items of ability B (overcoming difficulties) scored low: the rules suggest goals for it.
WEAK_OVERCOMING = {"item6": 1, "item8": 1, "item9": 1}


def zh(message: str) -> str:
    return label(ZH, message)


@pytest.fixture
def after_intake(alice_worker: User, alice_case: Case) -> Case:
    """Alice's case opened a month ago, its intake interview coded and a baseline CD-RISC-10
    with ability B weak: where a worker starts planning."""
    Case.objects.filter(pk=alice_case.pk).update(
        opened_on=timezone.localdate() - dt.timedelta(days=30)
    )
    alice_case.refresh_from_db()
    mother = alice_case.caregivers.get()
    transcript = interview(alice_worker, alice_case, INTAKE, caregiver=mother)
    code_passage(alice_worker, transcript, "P-IND-01", "我每天记下医生说的话")
    code_passage(alice_worker, transcript, "P-FAM-04", "奶奶来照顾小女儿")
    code_passage(alice_worker, transcript, "R-ECO-01", "我们借了三十万")
    cdrisc10(alice_worker, alice_case, WEAK_OVERCOMING)
    return alice_case


@pytest.fixture
def chinese_page(chromium: Any) -> Iterator[Any]:
    """A page of a browser that asks for Chinese, desktop-sized."""
    with settled_context(
        chromium,
        viewport={"width": 1280, "height": 900},
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-Hans,zh;q=0.9"},
    ) as context:
        context.set_default_timeout(15_000)
        yield context.new_page()


def accept(page: Any, item: Any) -> None:
    item.get_by_role("button", name=zh("Accept"), exact=True).click()
    expect(item).to_have_class(re.compile(r"\baccepted\b"))


def test_a_worker_takes_a_case_from_intake_to_closure_in_chinese(
    live_server: Any, chinese_page: Any, alice_worker: User, after_intake: Case
) -> None:
    case = after_intake
    mother = case.caregivers.get()
    page = chinese_page
    url = live_server.url
    page.goto(f"{url}/accounts/login/")
    page.fill('input[name="username"]', alice_worker.username)
    page.fill('input[name="password"]', PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", ZH)

    # The map: a draft from the coded interview, confirmed.
    page.goto(url + reverse("plans:map", args=[case.pk, mother.pk]))
    page.get_by_role("button", name=zh("Propose a draft")).click()
    expect(page.locator("main")).to_contain_text("R-ECO-01")
    page.get_by_role("button", name=zh("Confirm this draft")).click()
    expect(page.locator("main")).to_contain_text(zh("The map was confirmed."))

    # Suggestions: two goals and three techniques accepted (htmx redraws each one).
    page.goto(url + reverse("plans:suggestions", args=[case.pk, mother.pk]))
    goals = page.locator('li.suggestion[data-key^="goal:"]')
    techniques = page.locator('li.suggestion[data-key^="technique:"]')
    assert goals.count() >= 2
    assert techniques.count() >= 3
    for index in range(2):
        accept(page, goals.nth(index))
    for index in range(3):
        accept(page, techniques.nth(index))
    assert SuggestionDecision.objects.filter(case=case, accepted=True).count() == 5

    # The plan, its goals written from the accepted suggestions.
    page.goto(url + reverse("plans:plan_new", args=[case.pk, mother.pk]))
    suggested = page.get_by_text(zh("Written from a suggestion you accepted."))
    expect(suggested).to_have_count(2)
    for goal in range(2):
        assert page.locator(f'[name="goals-{goal}-text"]').input_value() != ""
        for field, text in zip(
            ["level_m2", "level_m1", "level_0", "level_p1", "level_p2"], LEVELS, strict=True
        ):
            page.fill(f'[name="goals-{goal}-{field}"]', text)
    page.fill('[name="planned_sessions"]', "6")
    page.set_viewport_size(PHONE)
    assert no_horizontal_overflow(page), "the plan form scrolls sideways on a phone"
    page.get_by_role("button", name=zh("Save the plan")).click()
    expect(page.locator("main")).to_contain_text(zh("The plan was saved."))
    plan = CasePlan.objects.get(case=case)
    assert plan.goals.count() == 2
    assert all(goal.suggestion_key.startswith("goal:") for goal in plan.goals.all())
    expect(page.locator("main")).to_contain_text(zh("GAS T-score"))

    # A session with the accepted techniques, the goals addressed and distress before/after.
    page.goto(url + reverse("plans:session_new", args=[case.pk]))
    page.fill('[name="minutes"]', "45")
    page.select_option('[name="mode"]', "bedside")
    for index in range(2):
        page.locator('[name="techniques"]').nth(index).check()
    page.locator('[name="goals"]').first.check()
    page.fill('[name="distress_before"]', "7")
    page.fill('[name="distress_after"]', "4")
    assert no_horizontal_overflow(page), "the session form scrolls sideways on a phone"
    page.get_by_role("button", name=zh("Record the session")).click()
    expect(page.locator("main")).to_contain_text(zh("The session was recorded."))
    session = Session.objects.get(case=case)
    assert (session.distress_before, session.distress_after) == (7, 4)
    assert session.techniques.count() == 2
    page.set_viewport_size({"width": 1280, "height": 900})

    # The goals reviewed: one reached +1, the other as expected (0).
    page.goto(url + reverse("plans:plan_review", args=[plan.pk]))
    first, second = plan.goals.order_by("order", "pk")
    page.select_option(f'[name="level_{first.pk}"]', "1")
    page.select_option(f'[name="level_{second.pk}"]', "0")
    page.get_by_role("button", name=zh("Save the review")).click()
    expect(page.locator("main")).to_contain_text(zh("The review was saved."))
    review = GoalReview.objects.get(plan=plan)
    assert sorted(review.levels.values_list("level", flat=True)) == [0, 1]
    # Both goals started at −1: T rises from below 50 to above it (§2A's formula).
    expect(page.locator("main")).to_contain_text("T = ")

    # The post-assessment, then the case closes without a reason being asked for.
    cdrisc10(alice_worker, case, {"item6": 3, "item8": 3, "item9": 3}, timepoint="post")
    page.goto(url + reverse("cases:close", args=[case.pk]))
    expect(page.locator("#closing-missing")).to_have_count(0)
    page.select_option('[name="reason"]', "goals_met")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    case.refresh_from_db()
    assert case.phase == "closed"
    assert case.closed_without_post_reason == ""
