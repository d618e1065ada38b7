"""Coding exactly what the mouse selected: a real drag from the first character of a passage to
its last, a code applied, and the stored segment holding exactly that passage.

Issue 8, part 12: a status line appeared above the transcript as a drag started and pushed the
text down, so the drag ended on the line above and the wrong text was coded. Here the mouse is
moved by Playwright's real mouse (down, moves in steps, up), the transcript's place on the page
is checked at every step, and the stored offsets are compared with the passage's own, counted
in code points (ADR 0008): the Chinese interview has an emoji, one code point but two UTF-16
units, before the passage, so a position counted in UTF-16 units would be off by one.

The passages are on the second and fourth turns, not the first line, and the long ones wrap
over two lines on a 390 px phone-width screen (dragged with a mouse, as a tablet with a mouse
or a narrow window would be).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.coding import services
from buoy.coding.models import CodedSegment, Transcript
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

ENGLISH = (
    "Worker: How have the last two weeks been?\n"
    "Mother: Some nights I cannot sleep at all because I keep thinking about the next scan, "
    "and my sister has been taking the other children to school so that I can stay on the "
    "ward with him.\n"
    "Worker: Who else helps you?\n"
    "Mother: My neighbour brings food on Sundays.\n"
)
CHINESE = (
    "社工：最近两周怎么样？\n"
    "妈妈：😀有好几个晚上我根本睡不着，一直在想下一次检查的结果，"
    "我妹妹每天送另外两个孩子上学，这样我才能留在病房陪他。\n"
    "社工：还有谁帮您？\n"
    "妈妈：邻居每个星期天都送饭来。\n"
)
PASSAGES = {
    "en": (
        ENGLISH,
        "my sister has been taking the other children to school",
        "brings food on Sundays",
    ),
    "zh": (CHINESE, "我妹妹每天送另外两个孩子上学", "每个星期天都送饭来"),
}
BROWSER_LOCALE = {"en": "en-GB", "zh": "zh-CN"}
PAGE_LANGUAGE = {"en": "en", "zh": "zh-hans"}

# Where the first and last characters of a passage are on the screen (after scrolling it into
# view). The DOM counts UTF-16 units, which is right here: this only finds the glyphs.
CHARACTER_BOXES = """(passage) => {
  const runs = [...document.querySelectorAll('#transcript-text [data-start]')];
  const run = runs.find((r) => r.textContent.includes(passage));
  if (!run) { return null; }
  run.scrollIntoView({block: 'center'});
  const node = run.firstChild;
  const at = node.data.indexOf(passage);
  const box = (i) => {
    const range = document.createRange();
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    const r = range.getBoundingClientRect();
    return {x: r.x, y: r.y, width: r.width, height: r.height};
  };
  return {first: box(at), last: box(at + passage.length - 1)};
}"""

# The transcript's box in page coordinates (not moved by scrolling, only by layout).
TRANSCRIPT_BOX = """() => {
  const r = document.querySelector('#transcript-text').getBoundingClientRect();
  return [r.x + window.scrollX, r.y + window.scrollY, r.width, r.height];
}"""


def log_in(page: Any, live_server: Any, user: User) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill('input[name="username"]', user.username)
    page.fill('input[name="password"]', PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))


def drag_across(page: Any, passage: str) -> list[list[float]]:
    """Press the mouse on the passage's first character, move in steps to its last, release.

    Returns the transcript's box before the press, after it, after every step and after the
    release, so that a caller can check that nothing moved the text during the selection.
    """
    boxes = page.evaluate(CHARACTER_BOXES, passage)
    assert boxes is not None, f"{passage!r} is not in one run of the transcript"
    first, last = boxes["first"], boxes["last"]
    # The left part of the first character puts the caret before it; the right part of the
    # last character puts it after.
    start_x, start_y = first["x"] + first["width"] * 0.2, first["y"] + first["height"] / 2
    end_x, end_y = last["x"] + last["width"] * 0.8, last["y"] + last["height"] / 2
    seen = [page.evaluate(TRANSCRIPT_BOX)]
    page.mouse.move(start_x, start_y)
    page.mouse.down()
    seen.append(page.evaluate(TRANSCRIPT_BOX))
    steps = 12
    for step in range(1, steps + 1):
        page.mouse.move(
            start_x + (end_x - start_x) * step / steps,
            start_y + (end_y - start_y) * step / steps,
        )
        seen.append(page.evaluate(TRANSCRIPT_BOX))
    page.mouse.up()
    seen.append(page.evaluate(TRANSCRIPT_BOX))
    return seen


def code_it(page: Any, code_pk: int, coded_before: int) -> None:
    """Click the code in the tree and wait for the screen to show the new segment."""
    page.locator(f'#code-tree button.code-apply[data-code="{code_pk}"]').click()
    expect(page.locator("#segments li[id^=segment-]")).to_have_count(coded_before + 1)


@pytest.mark.parametrize(
    ("language", "viewport"),
    [("en", DESKTOP), ("zh", DESKTOP), ("en", PHONE), ("zh", PHONE)],
    ids=["english-desktop", "chinese-desktop", "english-phone", "chinese-phone"],
)
def test_a_mouse_drag_codes_exactly_the_passage_dragged_across(
    chromium: Any,
    live_server: Any,
    alice_worker: User,
    alice_case: Case,
    language: str,
    viewport: dict[str, int],
) -> None:
    text, passage, later_passage = PASSAGES[language]
    project = services.casework_project()
    transcript = services.import_transcript(
        actor=alice_worker,
        project=project,
        filename="",
        pasted=text,
        case=alice_case,
        title="Home visit",
    )
    stored = Transcript.objects.get(pk=transcript.pk).text
    code = project.codes.get(label="P-IND-01")
    other_code = project.codes.get(label="P-IND-02")

    context = chromium.new_context(viewport=viewport, locale=BROWSER_LOCALE[language])
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, live_server, alice_worker)
        page.goto(f"{live_server.url}/coding/transcripts/{transcript.pk}/")
        assert page.get_attribute("html", "lang") == PAGE_LANGUAGE[language]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

        for number, (dragged, applied) in enumerate(((passage, code), (later_passage, other_code))):
            if viewport == PHONE and number == 0:
                ends = page.evaluate(CHARACTER_BOXES, dragged)
                assert ends["last"]["y"] > ends["first"]["y"], "meant to be a drag over two lines"
            boxes = drag_across(page, dragged)
            assert all(box == boxes[0] for box in boxes), (
                f"the transcript moved during the selection of {dragged!r}: {boxes}"
            )
            assert page.evaluate("window.getSelection().toString()") == dragged
            expect(page.locator("#selection-info")).to_contain_text(dragged)
            code_it(page, applied.pk, number)
            # the message that the code was applied does not move the text either
            assert page.evaluate(TRANSCRIPT_BOX) == boxes[0]

            segment = CodedSegment.objects.current().get(code=applied)
            start = stored.index(dragged)  # a Python index: code points
            assert (segment.start, segment.end) == (start, start + len(dragged))
            assert stored[segment.start : segment.end] == dragged
            expect(page.locator(f'#transcript-text .run[data-codes="{applied.pk}"]')).to_have_text(
                dragged
            )
        assert errors == []
    finally:
        context.close()


def test_an_answer_from_the_server_during_a_drag_waits_until_the_mouse_is_released(
    chromium: Any, live_server: Any, alice_worker: User, alice_case: Case
) -> None:
    """Undo answered mid-drag: the text is not replaced under the mouse; when the button is
    released the fresh screen comes in with the new selection still highlighted and applied."""
    text, passage, later_passage = PASSAGES["en"]
    project = services.casework_project()
    transcript = services.import_transcript(
        actor=alice_worker,
        project=project,
        filename="",
        pasted=text,
        case=alice_case,
        title="Home visit",
    )
    stored = Transcript.objects.get(pk=transcript.pk).text
    code = project.codes.get(label="P-IND-01")
    context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, live_server, alice_worker)
        page.goto(f"{live_server.url}/coding/transcripts/{transcript.pk}/")
        drag_across(page, passage)
        code_it(page, code.pk, 0)
        first_coded = page.locator(f'#transcript-text .run[data-codes="{code.pk}"]')
        expect(first_coded).to_have_text(passage)

        boxes = page.evaluate(CHARACTER_BOXES, later_passage)
        first, last = boxes["first"], boxes["last"]
        before = page.evaluate(TRANSCRIPT_BOX)
        page.mouse.move(first["x"] + first["width"] * 0.2, first["y"] + first["height"] / 2)
        page.mouse.down()
        page.mouse.move(first["x"] + first["width"] * 3, first["y"] + first["height"] / 2, steps=3)
        with page.expect_response(re.compile(r"/undo/$")):
            page.evaluate("document.querySelector('#undo-form').requestSubmit()")
        page.wait_for_timeout(300)  # time for the answer to be swapped in, were it not held
        expect(first_coded).to_have_text(passage)  # still the screen the drag started on
        page.mouse.move(last["x"] + last["width"] * 0.8, last["y"] + last["height"] / 2, steps=5)
        assert page.evaluate(TRANSCRIPT_BOX) == before
        page.mouse.up()

        expect(first_coded).to_have_count(0)  # the undo is shown now
        assert CodedSegment.objects.current().count() == 0
        assert page.evaluate("window.getSelection().toString()") == later_passage
        expect(page.locator("#selection-info")).to_contain_text(later_passage)
        code_it(page, code.pk, 0)
        segment = CodedSegment.objects.current().get()
        start = stored.index(later_passage)
        assert (segment.start, segment.end) == (start, start + len(later_passage))
    finally:
        context.close()
