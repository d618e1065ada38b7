"""The Simplified Chinese catalogue is complete, matches the code, and is compiled.

When a test here fails, run `scripts/translations`, translate the new entries in
buoy/locale/zh_Hans/LC_MESSAGES/django.po, run the script again, and commit both files.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

import buoy

PACKAGE_DIR = Path(buoy.__file__).resolve().parent
MESSAGES_DIR = PACKAGE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = MESSAGES_DIR / "django.po"
MO_FILE = MESSAGES_DIR / "django.mo"
FIX = "run scripts/translations to update the catalogue, then translate the new entries"

# What makemessages reads: keep in step with the options in scripts/translations.
NOT_SCANNED = ("__pycache__", "*.pyc", "locale", "migrations", "static")

Key = tuple[str | None, str]
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdfr%]")


def key(entry: polib.POEntry | polib.MOEntry) -> Key:
    return entry.msgctxt, entry.msgid


def describe(keys: set[Key]) -> str:
    return "\n".join(
        f"  {msgid!r}" + (f" (context {ctxt!r})" if ctxt else "")
        for ctxt, msgid in sorted(keys, key=lambda k: (k[0] or "", k[1]))
    )


def live_entries(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalogue if not entry.obsolete]


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    assert PO_FILE.is_file(), f"{PO_FILE} is missing: {FIX}"
    return polib.pofile(str(PO_FILE))


def test_header_declares_simplified_chinese(po: polib.POFile) -> None:
    assert po.metadata.get("Language") == "zh_Hans"
    assert po.metadata.get("Plural-Forms", "").startswith("nplurals=1; plural=0")
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")


def test_every_entry_is_translated_and_none_is_fuzzy(po: polib.POFile) -> None:
    fuzzy = {key(entry) for entry in live_entries(po) if "fuzzy" in entry.flags}
    untranslated = {key(entry) for entry in po.untranslated_entries()}
    # A plural entry is only done when every form is filled in.
    untranslated |= {
        key(entry)
        for entry in live_entries(po)
        if entry.msgid_plural and not all(entry.msgstr_plural.values())
    }
    problems = []
    if untranslated:
        problems.append(f"Untranslated entries in {PO_FILE.name}:\n{describe(untranslated)}")
    if fuzzy:
        problems.append(
            f"Fuzzy entries in {PO_FILE.name} (check each translation, then delete its "
            f"'#, fuzzy' flag):\n{describe(fuzzy)}"
        )
    assert not problems, "\n".join(problems)


def test_translations_keep_the_placeholders(po: polib.POFile) -> None:
    wrong = []
    for entry in live_entries(po):
        if "python-format" not in entry.flags:
            continue
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            if text and sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"  {entry.msgid!r} -> {text!r}")
    assert not wrong, "Translations that lose or add a placeholder:\n" + "\n".join(wrong)


def test_catalogue_has_every_string_marked_in_the_code(
    po: polib.POFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Extract the msgids afresh from a copy of the package and compare."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.fail("GNU gettext is not installed (apt-get install gettext)", pytrace=False)
    source = tmp_path / "buoy"
    shutil.copytree(PACKAGE_DIR, source, ignore=shutil.ignore_patterns(*NOT_SCANNED))
    locale_dir = source / "locale"
    locale_dir.mkdir()
    monkeypatch.chdir(source)
    # The copy's own locale folder: makemessages must never write the committed catalogue.
    with override_settings(LOCALE_PATHS=[str(locale_dir)]):
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            ignore_patterns=["migrations/*"],
            no_location=True,
            verbosity=0,
        )
    fresh = polib.pofile(str(locale_dir / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    in_code = {key(entry) for entry in live_entries(fresh)}
    in_catalogue = {key(entry) for entry in live_entries(po)}
    missing = in_code - in_catalogue
    assert in_code, "makemessages found no strings at all: is the copy of the package empty?"
    assert not missing, (
        f"Strings marked for translation in the code but missing from {PO_FILE.name}; "
        f"{FIX}:\n{describe(missing)}"
    )


def test_compiled_catalogue_matches_the_po_file(po: polib.POFile) -> None:
    assert MO_FILE.is_file(), f"{MO_FILE} is missing: {FIX}"
    mo = polib.mofile(str(MO_FILE))

    def translations(catalogue: polib.POFile | polib.MOFile) -> dict[Key, object]:
        found: dict[Key, object] = {}
        for entry in catalogue:
            if entry.obsolete or "fuzzy" in entry.flags:
                continue  # msgfmt leaves these out of the .mo
            if entry.msgid_plural:
                forms = {int(n): text for n, text in entry.msgstr_plural.items()}
                if any(forms.values()):
                    found[key(entry)] = (entry.msgid_plural, forms)
            elif entry.msgstr:
                found[key(entry)] = entry.msgstr
        return found

    in_po, in_mo = translations(po), translations(mo)
    stale = {k for k in in_po.keys() | in_mo.keys() if in_po.get(k) != in_mo.get(k)}
    assert not stale, f"{MO_FILE.name} is older than {PO_FILE.name}; {FIX}:\n{describe(stale)}"


def served(entry: polib.POEntry) -> str:
    """What Django's translation machinery answers for this entry (plural: the n=2 form)."""
    if entry.msgid_plural:
        if entry.msgctxt:
            return translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 2)
        return translation.ngettext(entry.msgid, entry.msgid_plural, 2)
    if entry.msgctxt:
        return translation.pgettext(entry.msgctxt, entry.msgid)
    return translation.gettext(entry.msgid)


def test_django_serves_the_chinese_catalogue(po: polib.POFile) -> None:
    with translation.override("zh-hans"):
        caseload = translation.gettext("Caseload")
        assert caseload != "Caseload"
        assert re.search(r"[\u4e00-\u9fff]", caseload), caseload
        # Ours win over Django's and DRF's own catalogues wherever a msgid is in both.
        differing = []
        for entry in live_entries(po):
            want = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
            got = served(entry)
            if want and got != want:
                differing.append(f"  {entry.msgid!r}: {got!r} instead of {want!r}")
    assert not differing, "Django does not serve these translations:\n" + "\n".join(differing)
    with translation.override("en"):
        assert translation.gettext("Caseload") == "Caseload"
