"""Coding in a real browser: select text, apply a code from the tree, see it coloured, undo
with Ctrl+Z, and find the coded text again with a code query.

The transcript is Chinese with an emoji (one code point, two UTF-16 units) before the words
that are coded, so a position counted in UTF-16 units would be off by one and fail here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.coding import services
from buoy.coding.models import CodedSegment
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

INTERVIEW = "社工：最近怎么样？\n妈妈：😀我相信她会好起来，奶奶也来帮忙。\n社工：还有别的吗？\n"
WORDS = "我相信她会好起来"

SELECT_WORDS = """(words) => {
  const runs = [...document.querySelectorAll('#transcript-text [data-start]')];
  const run = runs.find((r) => r.textContent.includes(words));
  const node = run.firstChild;
  const at = node.data.indexOf(words);  // UTF-16 units, as the DOM counts them
  const range = document.createRange();
  range.setStart(node, at);
  range.setEnd(node, at + words.length);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  document.dispatchEvent(new Event('selectionchange'));
}"""


def log_in(page: Any, live_server: Any, user: User) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill('input[name="username"]', user.username)
    page.fill('input[name="password"]', PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))


def test_worker_codes_a_selection_sees_it_coloured_and_finds_it_by_query(
    live_server: Any,
    transactional_db: None,
    page: Any,
    alice_worker: User,
    alice_case: Case,
) -> None:
    project = services.casework_project()
    transcript = services.import_transcript(
        actor=alice_worker,
        project=project,
        filename="",
        pasted=INTERVIEW,
        case=alice_case,
        title="Home visit",
    )
    code = project.codes.get(label="P-IND-01")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # a failed request shows as a response below; the missing favicon is not Buoy's page
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )

    log_in(page, live_server, alice_worker)
    page.locator(".topbar").get_by_role("link", name="Coding").click()
    page.get_by_role("link", name=project.name).click()
    page.get_by_role("link", name="Home visit").click()
    expect(page.locator("#transcript-text")).to_contain_text(WORDS)

    # A precise selection of the words, then a click on the code in the tree.
    page.evaluate(SELECT_WORDS, WORDS)
    expect(page.locator("#selection-info")).to_contain_text(WORDS)
    page.locator(f'#code-tree button.code-apply[data-code="{code.pk}"]').click()

    coded = page.locator(f'#transcript-text .run[data-codes="{code.pk}"]')
    expect(coded).to_have_text(WORDS)
    background = coded.evaluate("(el) => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), background
    segment = CodedSegment.objects.get()
    start = transcript.text.index(WORDS)
    assert (segment.start, segment.end) == (start, start + len(WORDS))
    expect(page.locator("#segments")).to_contain_text(WORDS)
    expect(page.locator(f'#code-tree li[data-code="{code.pk}"] .counts')).to_have_text("1/1")

    # A selection made by dragging the mouse within one line, applied with a number key:
    # whatever the browser selected is exactly what is stored.
    third_turn = page.locator("#transcript-text .turn").nth(2).locator(".run").first
    box = third_turn.bounding_box()
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    selected = page.evaluate("window.getSelection().toString()")
    assert selected.strip(), "the drag selected nothing"
    page.keyboard.press("1")
    expect(page.locator("#segments li")).to_have_count(2)
    dragged = CodedSegment.objects.current().exclude(pk=segment.pk).get()
    assert transcript.text[dragged.start : dragged.end] == selected

    # Ctrl+Z takes the last code off again.
    page.locator("h1").click()
    page.keyboard.press("Control+z")
    expect(page.locator("#segments li")).to_have_count(1)
    assert CodedSegment.objects.current().count() == 1

    # The query page finds the coded words and links back to them.
    page.goto(f"{live_server.url}/coding/projects/{project.pk}/query/")
    page.fill('input[name="q"]', "P-IND-01")
    page.locator("main form button[type=submit]").click()
    hits = page.locator("#hits")
    expect(hits).to_contain_text(WORDS)
    hits.get_by_role("link", name="Home visit").click()
    expect(page.locator("#located")).to_contain_text(WORDS)
    assert errors == []
