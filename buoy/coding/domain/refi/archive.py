"""The ``.qdpx`` zip: written the same each time, opened with limits, members found leniently."""

from __future__ import annotations

import io
import posixpath
import re
import urllib.parse
import zipfile
import zlib

from buoy.coding.domain.refi.model import RefiError
from buoy.coding.domain.refi.reading import _UTF8_BOM, _RepairLog

# An archive larger than this is refused before anything is decompressed (zip bombs).
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024
MAX_MEMBER_BYTES = 256 * 1024 * 1024


def _pack(members: list[tuple[str, bytes]]) -> bytes:
    """A zip archive of these members, in this order; the same members give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            # A fixed timestamp, so that the same project gives the same bytes.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _open_archive(log: _RepairLog, data: bytes) -> tuple[_Archive, bytes]:
    """The archive (for the sources) and its project.qde's bytes; a bare project.qde is both."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        if data.lstrip(_UTF8_BOM + b" \t\r\n")[:1] == b"<":
            log.repair(
                "The file is a bare project.qde, not a .qdpx zip archive: "
                "only texts written inside it (PlainTextContent) can be read."
            )
            return _Archive(log, None), data
        raise RefiError(
            log.filename,
            "it is not a .qdpx project: a .qdpx is a zip archive, and this file is not one "
            "(or it was cut short).",
        ) from None
    except (OSError, EOFError, ValueError) as error:
        raise RefiError(log.filename, f"the archive is damaged ({error}).") from None
    infos = archive.infolist()
    if sum(info.file_size for info in infos) > MAX_ARCHIVE_BYTES or any(
        info.file_size > MAX_MEMBER_BYTES for info in infos
    ):
        raise RefiError(log.filename, "the archive unpacks to more than Buoy accepts.")
    opened = _Archive(log, archive)
    qde = opened.members.get("project.qde")
    if qde is None:
        # Some tools name the file after the project, or zip the project's folder.
        found = sorted(
            (info for key, info in opened.members.items() if key.endswith(".qde")),
            key=lambda info: (info.filename.count("/"), info.filename),
        )
        if not found:
            raise RefiError(
                log.filename, "the archive holds no project.qde, so it is not a project."
            )
        qde = found[0]
        log.repair(f"The project file is {qde.filename!r}, not project.qde; read it.")
        folder = posixpath.dirname(qde.filename.replace("\\", "/"))
        opened.base = _member_key(folder + "/") if folder else ""
    return opened, opened.read(qde)


class _Archive:
    """The members of a .qdpx (or none, for a bare project.qde), found case-insensitively."""

    def __init__(self, reader: _RepairLog, archive: zipfile.ZipFile | None) -> None:
        self.reader = reader
        self.archive = archive
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.base = ""  # the folder project.qde is in, when it is not at the top
        if archive is not None:
            for info in archive.infolist():
                if not info.is_dir():
                    self.members[_member_key(info.filename)] = info

    def read(self, info: zipfile.ZipInfo) -> bytes:
        assert self.archive is not None
        try:
            return self.archive.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise RefiError(
                self.reader.filename,
                f"the archive is damaged: {info.filename} cannot be read ({error}).",
            ) from None
        except (NotImplementedError, RuntimeError) as error:
            # Unsupported compression methods and encrypted members.
            raise RefiError(
                self.reader.filename, f"{info.filename} cannot be unpacked ({error})."
            ) from None

    def find(self, path: str, where: str) -> tuple[str, bytes] | None:
        """The member a plainTextPath names, and its bytes; None when the archive lacks it."""
        written = path.strip().replace("\\", "/")
        lowered = written.lower()
        # How the path was written, when it is not the standard internal://<file>.
        unusual = "points outside the archive"
        if lowered.startswith("internal://"):
            rest = written[len("internal://") :]
            candidates = [f"sources/{rest}", rest]
            unusual = ""
        elif lowered.startswith("relative://"):
            rest = written[len("relative://") :]
            candidates = [rest, f"sources/{rest}"]
        elif "://" in written or written.startswith("/") or re.match(r"[A-Za-z]:/", written):
            rest = posixpath.basename(written)
            candidates = [f"sources/{rest}", rest]
        else:
            rest = written
            candidates = [written, f"sources/{written}"]
            unusual = "has no internal:// prefix"
        candidates += [urllib.parse.unquote(candidate) for candidate in candidates]
        for candidate in candidates:
            for prefix in dict.fromkeys([self.base, ""]):
                info = self.members.get(_member_key(prefix + candidate))
                if info is not None:
                    self._say_how(info, written, where, unusual)
                    return info.filename, self.read(info)
        # Last resort: a member with the same file name anywhere in the archive.
        name = posixpath.basename(urllib.parse.unquote(rest)).lower()
        matches = [info for key, info in self.members.items() if posixpath.basename(key) == name]
        if name and len(matches) == 1:
            self.reader.repair(
                f"{where}: its text file {written!r} was found at {matches[0].filename!r} instead."
            )
            return matches[0].filename, self.read(matches[0])
        return None

    def _say_how(self, info: zipfile.ZipInfo, written: str, where: str, unusual: str) -> None:
        if unusual:
            self.reader.repair(
                f"{where}: its text file {written!r} {unusual}; used {info.filename!r} from "
                "inside the archive."
            )
            return
        inside = info.filename.replace("\\", "/").lstrip("/")[len(self.base) :]
        if posixpath.dirname(inside) != "sources":
            self.reader.repair(
                f"{where}: its text file is {info.filename!r}; the standard place is the "
                "lower-case sources/ folder."
            )


def _member_key(name: str) -> str:
    key = name.replace("\\", "/").lstrip("/")
    while key.startswith("./"):
        key = key[2:]
    return key.lower()
