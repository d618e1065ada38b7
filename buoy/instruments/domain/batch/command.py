"""The `buoy score` command: the instrument by name or file, the input and output files."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from buoy.instruments.domain.batch.results import BatchError, BatchSummary
from buoy.instruments.domain.batch.stream import score_csv
from buoy.instruments.domain.definition import DefinitionError, Instrument, load_instrument_file
from buoy.instruments.domain.library import UnknownInstrument, bundled_instrument

SNIFF_BYTES = 8192


def resolve_instrument(name: str) -> Instrument:
    """A bundled id (``cdrisc10``) or the path of a native .json definition."""
    if name.endswith(".json") or os.sep in name or Path(name).is_file():
        try:
            return load_instrument_file(name)
        except DefinitionError as error:
            raise BatchError(f"instrument definition {error}") from None
    try:
        return bundled_instrument(name)
    except UnknownInstrument as error:
        raise BatchError(str(error)) from None


def run(
    instrument: str,
    input_path: str,
    output_path: str | None = None,
    *,
    fmt: str = "csv",
    id_column: str | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """The `buoy score` command: 0 when the file was read, 2 with a reason on stderr if not."""
    err = stderr if stderr is not None else sys.stderr
    try:
        definition = resolve_instrument(instrument)
        if input_path == "-":
            summary = _score_to(definition, sys.stdin, output_path, fmt, id_column, stdout)
        else:
            _refuse_binary(input_path)
            with _open_text(input_path) as source:
                summary = _score_to(definition, source, output_path, fmt, id_column, stdout)
    except BatchError as error:
        print(f"buoy score: {error}", file=err)
        return 2
    print(f"buoy score: {summary.line()}", file=err)
    return 0


def _score_to(
    instrument: Instrument,
    source: IO[str],
    output_path: str | None,
    fmt: str,
    id_column: str | None,
    stdout: IO[str] | None,
) -> BatchSummary:
    if output_path is None or output_path == "-":
        sink = stdout if stdout is not None else sys.stdout
        return score_csv(instrument, source, sink, fmt=fmt, id_column=id_column)
    target = Path(output_path)
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (moved into place below)
            "w",
            encoding="utf-8",
            newline="",
            dir=target.parent,
            prefix=f".{target.name}.",
            suffix=".part",
            delete=False,
        )
    except OSError as error:
        raise BatchError(f"cannot write {output_path}: {error.strerror or error}") from None
    try:
        with handle:
            summary = score_csv(instrument, source, handle, fmt=fmt, id_column=id_column)
        os.replace(handle.name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise
    return summary


def _refuse_binary(path: str) -> None:
    try:
        with open(path, "rb") as probe:
            head = probe.read(SNIFF_BYTES)
    except OSError as error:
        raise BatchError(f"cannot read {path}: {error.strerror or error}") from None
    if b"\x00" in head:
        raise BatchError(f"{path} is not a CSV file (it looks binary)")


@contextlib.contextmanager
def _open_text(path: str) -> Iterator[IO[str]]:
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as error:
        raise BatchError(f"cannot read {path}: {error.strerror or error}") from None
    with handle:
        yield handle
