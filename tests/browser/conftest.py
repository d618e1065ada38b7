"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Never downloads a browser: Playwright is pointed at /usr/bin/chromium. When that is missing the
tests fail (they do not skip), so a missing browser cannot pass unnoticed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SETTLE_SECONDS = 15  # at most, for a page's last requests to finish after its test
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Playwright's sync API runs an asyncio event loop in the test thread; Django refuses ORM calls
# from a thread with a running loop unless told that this is safe (it is: the loop only drives
# the browser).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium per test module.

    Module scope, not session: while Playwright runs, the main thread has a running event loop,
    which other (non-browser) tests must not inherit.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
            "Run `apt-get install chromium` (never `playwright install`).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def settled_context(chromium: Any, **options: Any) -> Iterator[Any]:
    """A browser context that, when the test is done, waits for the requests its pages still
    have running (htmx sections, a search typed) before it closes: the test's database is
    emptied next, and a request still running then holds SQLite's lock (the flush fails, and
    every later test finds the last one's rows)."""
    context = chromium.new_context(**options)
    running: set[Any] = set()
    context.on("request", lambda request: running.add(request))
    context.on("requestfinished", lambda request: running.discard(request))
    context.on("requestfailed", lambda request: running.discard(request))
    try:
        yield context
    finally:
        deadline = time.monotonic() + SETTLE_SECONDS
        pages = context.pages
        while running and pages and time.monotonic() < deadline:
            pages[0].wait_for_timeout(50)
        if pages:
            pages[0].wait_for_timeout(200)  # the server's own end of the last request
        context.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page, desktop-sized, for one test."""
    with settled_context(chromium, viewport={"width": 1280, "height": 900}, locale="en-GB") as c:
        c.set_default_timeout(10_000)
        yield c.new_page()
