"""A worker's day in a real browser: log in, (switch language), open a case, find it again.

Runs in English and in Simplified Chinese. Labels are looked up through Django's own translation
machinery (the catalogue the server uses), so the test follows the translations as they are
written instead of hard-coding Chinese words.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect

from buoy.access.models import User, Ward
from buoy.cases import services as case_services
from buoy.cases.models import Case
from tests.conftest import PASSWORD, caregiver_details, child_details

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHILD_NAME = "Harriet Quillfeather"
CAREGIVER_NAME = "Marguerite Quillfeather"
# Labels on the caseload page that come from Buoy's own catalogue.
CASELOAD_LABELS = ["Caseload", "New case", "Search", "Log out"]


def label(language: str, message: str) -> str:
    """`message` as the server renders it in `language`, from the installed catalogues."""
    with translation.override(language):
        return translation.gettext(message)


def translated_in_po(message: str) -> str:
    """The zh-hans translation of `message` in Buoy's .po file, or "" when not written yet."""
    po_path = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po"
    if not po_path.exists():
        return ""
    entry = polib.pofile(str(po_path)).find(message)
    if entry is None or entry.obsolete or "fuzzy" in entry.flags:
        return ""
    return entry.msgstr


def no_horizontal_overflow(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def shoot(page: Any, directory: Path, name: str) -> None:
    """Screenshots at phone and desktop width; at phone width nothing may scroll sideways."""
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(directory / f"{name}-phone.png"), full_page=True)
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert no_horizontal_overflow(page), (
        f"{name} scrolls sideways at phone width (scrollWidth, innerWidth) = {width}"
    )
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(directory / f"{name}-desktop.png"), full_page=True)


@pytest.fixture
def unrelated_case(alice_worker: User, ward_a: Ward) -> Case:
    """Another family on Alice's caseload, which a search for the new family must not show."""
    return case_services.open_case(
        actor=alice_worker,
        ward=ward_a,
        referral_source="doctor",
        child=child_details(full_name="Oliver Brambleton"),
        caregiver=caregiver_details(full_name="Rosalind Brambleton"),
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_worker_opens_a_case_and_finds_it(
    language: str,
    live_server: Any,
    transactional_db: None,
    page: Any,
    alice_worker: User,
    ward_a: Ward,
    unrelated_case: Case,
    tmp_path: Path,
) -> None:
    shots = tmp_path / language
    shots.mkdir()
    # Defects that do not stop the flow are collected and reported together at the end.
    problems: list[str] = []

    # Log in; a worker lands on the caseload.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill('input[name="username"]', alice_worker.username)
    page.fill('input[name="password"]', PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main h1")).to_have_text("Caseload")

    if language != "en":
        # The language button in the top bar.
        page.locator(".topbar").get_by_role("button", name="中文").click()
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page).to_have_url(re.compile(r"/cases/$"))
        expect(page.locator(".topbar").get_by_role("button", name="English")).to_be_visible()
        for message in CASELOAD_LABELS:
            written = translated_in_po(message)
            if written:
                # Translated in the .po: the page must show it (fails if not compiled to .mo).
                assert label(language, message) == written, (
                    f"{message!r} is translated in django.po but not in the compiled "
                    "catalogue: run `buoy manage compilemessages`"
                )
        expect(page.locator("main h1")).to_have_text(label(language, "Caseload"))

    # Both families are on the caseload before searching.
    results = page.locator("#results").first
    expect(results).to_contain_text(unrelated_case.reference)

    # New case. An empty form first: every required field says so, in the page's language
    # (Django's own catalogue, which has Chinese; so this text changes from English).
    page.locator("main").get_by_role("link", name=label(language, "New case")).click()
    expect(page).to_have_url(re.compile(r"/cases/new/$"))
    page.locator("main form button[type=submit]").click()
    required = label(language, "This field is required.")
    if language != "en":
        assert required != "This field is required.", "Django's zh-hans catalogue is missing"
    expect(page.locator(".field.has-error").first).to_contain_text(required)
    expect(page.locator("html")).to_have_attribute("lang", language)

    page.select_option('select[name="case-ward"]', str(ward_a.pk))
    page.select_option('select[name="case-referral_source"]', "doctor")
    page.fill('input[name="case-opened_on"]', "2026-11-20")
    page.fill('input[name="child-full_name"]', CHILD_NAME)
    page.select_option('select[name="child-sex"]', "female")
    page.fill('input[name="child-date_of_birth"]', "2019-04-12")
    page.fill('input[name="child-diagnosis_code"]', "C91.0")
    page.fill('input[name="child-diagnosed_on"]', "2026-10-01")
    page.fill('input[name="caregiver-full_name"]', CAREGIVER_NAME)
    page.select_option('select[name="caregiver-sex"]', "female")
    page.select_option('select[name="caregiver-relationship"]', "mother")
    page.fill('input[name="caregiver-birth_year"]', "1989")
    page.fill('input[name="caregiver-province"]', "江苏")
    page.locator("main form button[type=submit]").click()

    # The case page shows the new case number and the child's name.
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(child__full_name=CHILD_NAME)
    heading = page.locator("main h1")
    expect(heading).to_contain_text(case.reference)
    expect(heading).to_contain_text(CHILD_NAME)
    expect(page.locator("main")).to_contain_text(CAREGIVER_NAME)
    expect(page.locator("html")).to_have_attribute("lang", language)
    # The caregiver entered under "Primary caregiver" is the family's primary caregiver.
    caregiver = page.locator(".caregiver", has_text=CAREGIVER_NAME)
    if label(language, "primary caregiver") not in caregiver.inner_text():
        problems.append(
            "the caregiver registered in the 'Primary caregiver' part of the new-case form is "
            "not the primary caregiver (the form's unchecked is_primary box overrides it)"
        )
    shoot(page, shots, "case")

    # Back to the caseload: both families, then a search finds only the new one.
    page.locator(".topbar nav").get_by_role("link", name=label(language, "Caseload")).click()
    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(results).to_contain_text(case.reference)
    expect(results).to_contain_text(unrelated_case.reference)
    shoot(page, shots, "caseload")

    page.locator("#id_q").press_sequentially("Margu", delay=30)  # caregiver's name
    expect(page).to_have_url(re.compile(r"[?&]q=Margu"))  # htmx pushed the search URL
    expect(results).not_to_contain_text(unrelated_case.reference)
    expect(results).to_contain_text(case.reference)
    expect(results).to_contain_text(CHILD_NAME)
    # htmx must replace the results, not nest a second #results inside the first.
    if page.locator("#results").count() != 1:
        problems.append(
            "the htmx search nested a second <div id=results> inside the first "
            "(hx-target=#results with the default innerHTML swap of a partial that has the div)"
        )
    shoot(page, shots, "caseload-search")

    assert not problems, "\n".join(problems)
