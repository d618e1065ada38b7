"""The GUIDs an import has seen: each claimed once, references resolved by kind."""

from __future__ import annotations

import uuid

from buoy.coding.domain.refi.reading import _RepairLog
from buoy.coding.domain.refi.values import _GUID, _key

_KINDS = ("note", "code", "source", "coding", "case", "user", "variable")


class _Guids:
    """The GUIDs seen so far, each kind resolving its references separately.

    GUIDs must be unique in the whole file (a memo's targets name no kind); a missing, invalid
    or repeated one is replaced by a new one, and references written as the old text still
    find the element they meant (the first one, for a repeat).
    """

    def __init__(self, reader: _RepairLog) -> None:
        self.reader = reader
        self.owner: dict[str, str] = {}  # key -> kind, for every GUID in use
        self.by_kind: dict[str, dict[str, str]] = {kind: {} for kind in _KINDS}

    def claim(self, kind: str, written: str | None, where: str) -> str:
        if written is None or not written.strip():
            guid = self.new(kind)
            self.reader.repair(f"{where}: has no guid; gave it a new one.")
            return guid
        written = written.strip()
        if not _GUID.fullmatch(written):
            guid = self.new(kind)
            self.by_kind[kind].setdefault(_key(written), guid)
            self.reader.repair(f"{where}: guid {written!r} is not a GUID; gave it a new one.")
            return guid
        key = _key(written)
        if key in self.owner:
            guid = self.new(kind)
            self.by_kind[kind].setdefault(key, guid)
            self.reader.repair(
                f"{where}: guid {written} is already used by a {self.owner[key]}; gave it a new "
                "one (references to that guid keep meaning the first)."
            )
            return guid
        self.owner[key] = kind
        self.by_kind[kind][key] = written
        return written

    def new(self, kind: str, guid: str | None = None) -> str:
        guid = guid or str(uuid.uuid4())
        self.owner[_key(guid)] = kind
        self.by_kind[kind][_key(guid)] = guid
        return guid

    def resolve(self, kind: str, written: str | None) -> str | None:
        if written is None:
            return None
        return self.by_kind[kind].get(_key(written))

    def resolve_any(self, written: str | None) -> tuple[str, str] | None:
        for kind in _KINDS:
            found = self.resolve(kind, written)
            if found is not None:
                return kind, found
        return None
