"""The instrument definitions that ship with Buoy (buoy/instruments/library/*.json).

Each file is one native definition (docs/instruments/format.md), named by its id. They are read
once per process and kept: definitions are frozen, so sharing them is safe.
"""

from __future__ import annotations

import functools
from importlib import resources

from buoy.instruments.domain.definition import Instrument, instrument_from_dict, read_json_file

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
