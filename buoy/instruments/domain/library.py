"""The instrument definitions that ship with Buoy (buoy/instruments/library/*.json), and the
published wordings shipped beside them (library/wordings/<language>/<id>.json).

Each definition file is one native definition (docs/instruments/format.md), named by its id.
Each wording file is a wording file (what `merge_wording` reads) with its provenance, for a
free instrument only. They are read once per process and kept: they are frozen, so sharing
them is safe.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from buoy.instruments.domain.definition import (
    DefinitionError,
    Instrument,
    instrument_from_dict,
    merge_wording,
    read_json_file,
)

LIBRARY_PACKAGE = "buoy.instruments"  # package data: library/*.json (see pyproject.toml)


class UnknownInstrument(LookupError):
    """No bundled instrument has this id; the message lists the ones there are."""

    def __init__(self, instrument_id: str) -> None:
        self.instrument_id = instrument_id
        known = ", ".join(i.id for i in bundled_instruments())
        super().__init__(f"no bundled instrument {instrument_id!r} (bundled: {known})")


@functools.cache
def _library() -> tuple[Instrument, ...]:
    folder = resources.files(LIBRARY_PACKAGE).joinpath("library")
    instruments = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        with resources.as_file(entry) as path:
            instrument = instrument_from_dict(read_json_file(path), source=entry.name)
        if f"{instrument.id}.json" != entry.name:
            raise RuntimeError(f"{entry.name} defines {instrument.id!r}; a file is named by its id")
        instruments.append(instrument)
    return tuple(instruments)


def bundled_instruments() -> list[Instrument]:
    """Every bundled definition, ordered by id."""
    return list(_library())


def bundled_instrument(instrument_id: str) -> Instrument:
    """The bundled definition with this id; UnknownInstrument if there is none."""
    for instrument in _library():
        if instrument.id == instrument_id:
            return instrument
    raise UnknownInstrument(instrument_id)


# --- wording shipped beside the definitions ---------------------------------------------------

WORDINGS_FOLDER = "wordings"  # library/wordings/<language>/<instrument id>.json
ABSENT_FILE = "absent.json"  # library/wordings/absent.json: why a language has no wording
PROVENANCE_FIELDS = ("what", "confidence", "licence", "sources")


@dataclass(frozen=True)
class BundledWording:
    """A published wording of a free instrument in one language, copied from public copies.

    `wording` is a wording file's value (what `merge_wording` takes); `provenance` says where
    it was copied from, how sure its provenance is and the licence as found. None of these was
    checked against the rights holder's own text: a site marks it verified, or imports the
    official text over it (ADR 0010).
    """

    instrument: str
    language: str
    wording: Mapping[str, Any]
    provenance: Mapping[str, Any]


@functools.cache
def _wordings() -> tuple[BundledWording, ...]:
    folder = resources.files(LIBRARY_PACKAGE).joinpath("library", WORDINGS_FOLDER)
    found = []
    for language_folder in sorted(folder.iterdir(), key=lambda e: e.name):
        if not language_folder.is_dir():
            continue
        for entry in sorted(language_folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".json"):
                with resources.as_file(entry) as path:
                    found.append(
                        _checked_wording(read_json_file(path), entry.name, language_folder.name)
                    )
    return tuple(found)


def _checked_wording(data: Any, name: str, language: str) -> BundledWording:
    """A shipped wording file, refused (RuntimeError: a packaging mistake) unless it is for a
    bundled, unlicensed instrument, complete in its language, and says where it comes from."""
    where = f"{WORDINGS_FOLDER}/{language}/{name}"
    if not isinstance(data, dict) or not isinstance(data.get("provenance"), dict):
        raise RuntimeError(f"{where}: a shipped wording needs a provenance object")
    wording = {key: value for key, value in data.items() if key != "provenance"}
    provenance = data["provenance"]
    instrument = bundled_instrument(str(wording.get("instrument")))
    if f"{instrument.id}.json" != name or wording.get("language") != language:
        raise RuntimeError(f"{where}: a wording file is named by its instrument and language")
    if instrument.licence.status == "licensed":
        raise RuntimeError(f"{where}: a licensed instrument ships without wording")
    try:
        merged = merge_wording(instrument, wording, source=where)
    except DefinitionError as error:
        raise RuntimeError(str(error)) from None
    if not merged.has_wording(language):
        missing = ", ".join(merged.missing_wording(language))
        raise RuntimeError(f"{where}: no {language} text for {missing}")
    absent = [field for field in PROVENANCE_FIELDS if not provenance.get(field)]
    if absent:
        raise RuntimeError(f"{where}: provenance lacks {', '.join(absent)}")
    return BundledWording(instrument.id, language, wording, provenance)


@functools.cache
def _absences() -> Mapping[str, Mapping[str, Mapping[str, str]]]:
    entry = resources.files(LIBRARY_PACKAGE).joinpath("library", WORDINGS_FOLDER, ABSENT_FILE)
    with resources.as_file(entry) as path:
        data = read_json_file(path)
    for language, notes in data.items():
        for instrument_id in notes:
            if bundled_wording(instrument_id, language) is not None:
                raise RuntimeError(f"{ABSENT_FILE}: {instrument_id} does ship a {language} wording")
    return data


def absent_wording_note(instrument_id: str, language: str) -> Mapping[str, str]:
    """Why Buoy ships no wording of this instrument in this language, by the language the note
    is written in (``{"en": …, "zh-hans": …}``); empty when nothing is recorded."""
    return _absences().get(language, {}).get(instrument_id, {})


def bundled_wordings() -> list[BundledWording]:
    """Every wording shipped beside the definitions, by language and instrument id."""
    return list(_wordings())


def bundled_wording(instrument_id: str, language: str) -> BundledWording | None:
    """The wording shipped for this instrument and language, or None."""
    for wording in _wordings():
        if (wording.instrument, wording.language) == (instrument_id, language):
            return wording
    return None
