"""Buoy and Taguette behind one interface, :class:`Tool`, for the qda benchmark.

Both are driven over HTTP the way their own front ends are: Buoy through its REST API with an
API token (:class:`BuoyTool`), Taguette through the API its JavaScript calls
(:class:`TaguetteTool`, over :mod:`buoy.bench.taguette`). Both get the same text, the same
codes and the same selections; Taguette counts positions in UTF-8 bytes of its stored HTML's
text, so :meth:`Tool.prepare` translates each selection before the timed requests, not during
them.
"""

from __future__ import annotations

import bisect
import csv
import html
import http.client
import io
import json
from collections.abc import Callable
from typing import Any

from buoy.bench.harness import HOST, REQUEST_TIMEOUT_SECONDS, BenchError
from buoy.bench.synthetic import CODES, Selection
from buoy.bench.taguette import (
    TAGUETTE_VERSION,
    TaguetteClient,
    TaguetteError,
    TaguetteServer,
    taguette_text,
)


class Tool:
    """What the workload needs from a tool; Buoy and Taguette each implement it over HTTP."""

    name = ""

    def start_project(self, name: str) -> None:
        raise NotImplementedError

    def add_codes(self) -> None:
        raise NotImplementedError

    def add_document(self, title: str, text: str) -> int:
        """Import a transcript; its index in this tool's document list."""
        raise NotImplementedError

    def prepare(self, selection: Selection) -> Any:
        """What `code` sends for `selection`, worked out before the clock starts."""
        raise NotImplementedError

    def code(self, prepared: Any) -> None:
        """One coding request; raises on anything but success."""
        raise NotImplementedError

    def ping(self) -> None:
        """The tool's health check: the baseline, a request that does nothing."""
        raise NotImplementedError

    def concurrent_copy(self) -> Tool:
        """A tool for one more concurrent client (its own login where the tool needs one)."""
        return self

    def exports(
        self, segments: int
    ) -> list[tuple[str, Callable[[], bytes], Callable[[bytes], str | None]]]:
        """(name, download, check) for the codebook and for the `segments` coded so far."""
        raise NotImplementedError


class RequestFailed(Exception):
    """A coding request did not succeed; the message says how."""


class BuoyTool(Tool):
    """Buoy's REST API, with an API token, one connection per request."""

    name = "Buoy"

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {
            "Authorization": f"Token {token}",
            "Accept": "application/json",
            "Connection": "close",
        }
        self.project = 0
        self.code_ids: list[int] = []
        self.documents: list[int] = []

    def _request(self, method: str, path: str, payload: object = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT_SECONDS)
        try:
            body = None
            headers = dict(self.headers)
            if payload is not None:
                body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                headers["Content-Type"] = "application/json; charset=utf-8"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def _created(self, path: str, payload: object) -> dict[str, Any]:
        status, body = self._request("POST", path, payload)
        if status != 201:
            raise BenchError(f"Buoy: POST {path} answered {status}: {body[:300]!r}")
        answer: dict[str, Any] = json.loads(body)
        return answer

    def start_project(self, name: str) -> None:
        # `codebook: ""` starts it empty, so both tools get exactly CODES.
        self.project = int(
            self._created("/api/v1/coding/projects/", {"name": name, "codebook": ""})["id"]
        )

    def add_codes(self) -> None:
        path = f"/api/v1/coding/projects/{self.project}/codes/"
        self.code_ids = [
            int(self._created(path, {"label": label, "name_en": en, "name_zh": zh})["id"])
            for label, en, zh in CODES
        ]

    def add_document(self, title: str, text: str) -> int:
        made = self._created(
            f"/api/v1/coding/projects/{self.project}/transcripts/", {"title": title, "text": text}
        )
        if made["length"] != len(text):
            raise BenchError(f"Buoy stored {made['length']} characters of {title}, not {len(text)}")
        self.documents.append(int(made["id"]))
        return len(self.documents) - 1

    def prepare(self, selection: Selection) -> tuple[str, dict[str, object]]:
        return (
            f"/api/v1/coding/transcripts/{self.documents[selection.document]}/segments/",
            {
                "codes": [self.code_ids[selection.code]],
                "start": selection.start,
                "end": selection.end,
            },
        )

    def code(self, prepared: tuple[str, dict[str, object]]) -> None:
        status, body = self._request("POST", *prepared)
        if status != 201:
            raise RequestFailed(f"status {status}: {body[:200]!r}")

    def ping(self) -> None:
        status, _body = self._request("GET", "/healthz")
        if status != 200:
            raise RequestFailed(f"GET /healthz: status {status}")

    def exports(
        self, segments: int
    ) -> list[tuple[str, Callable[[], bytes], Callable[[bytes], str | None]]]:
        def download(fmt: str) -> Callable[[], bytes]:
            def get() -> bytes:
                path = f"/api/v1/coding/projects/{self.project}/export/?format={fmt}"
                status, body = self._request("GET", path)
                if status != 200:
                    raise RequestFailed(f"GET {path}: status {status}")
                return body

            return get

        return [
            ("codebook (.qdc)", download("qdc"), _check_qdc(len(CODES))),
            ("segments (.csv)", download("csv"), _check_csv_rows(segments)),
        ]


class TaguetteTool(Tool):
    """Taguette's HTTP API through :class:`buoy.bench.taguette.TaguetteClient`."""

    name = f"Taguette {TAGUETTE_VERSION}"

    def __init__(self, server: TaguetteServer) -> None:
        self.server = server
        self.client = TaguetteClient(server)
        self.project = 0
        self.tag_ids: list[int] = []
        self.documents: list[int] = []
        # per document: Buoy's line starts (code points), the lines, Taguette's line starts (bytes)
        self.maps: list[tuple[list[int], list[str], list[int]]] = []

    def start_project(self, name: str) -> None:
        self.project = self.client.create_project(name)

    def add_codes(self) -> None:
        self.tag_ids = [self.client.add_tag(self.project, en) for _label, en, _zh in CODES]

    def add_document(self, title: str, text: str) -> int:
        lines = text.split("\n")
        page = "".join(f"<p>{html.escape(line, quote=False)}</p>\n" for line in lines)
        number = len(self.documents)
        document = self.client.add_document(
            self.project, title, page, filename=f"transcript-{number}.html"
        )
        self.documents.append(document)
        self.maps.append(self._offset_map(document, lines))
        return number

    def _offset_map(
        self, document: int, lines: list[str]
    ) -> tuple[list[int], list[str], list[int]]:
        """Where each line starts in Buoy's text and in Taguette's (UTF-8 bytes of its HTML's
        text): Taguette keeps the text but may change what lies between the paragraphs."""
        stored = taguette_text(self.client.document_html(self.project, document))
        ours, theirs = [], []
        at = ours_at = 0
        for line in lines:
            found = stored.find(line, at)
            if found < 0:
                raise BenchError(f"Taguette's stored document {document} lost a line: {line!r}")
            ours.append(ours_at)
            theirs.append(found)
            at = found + len(line)
            ours_at += len(line) + 1
        # code points to bytes, once per line start, in one pass over the stored text
        byte_starts = []
        done_chars = done_bytes = 0
        for start in theirs:
            done_bytes += len(stored[done_chars:start].encode("utf-8"))
            done_chars = start
            byte_starts.append(done_bytes)
        return ours, lines, byte_starts

    def _byte_offset(self, document: int, position: int) -> int:
        ours, lines, byte_starts = self.maps[document]
        line = bisect.bisect_right(ours, position) - 1
        column = position - ours[line]
        return byte_starts[line] + len(lines[line][:column].encode("utf-8"))

    def prepare(self, selection: Selection) -> tuple[int, int, int, int]:
        return (
            self.documents[selection.document],
            self._byte_offset(selection.document, selection.start),
            self._byte_offset(selection.document, selection.end),
            self.tag_ids[selection.code],
        )

    def code(self, prepared: tuple[int, int, int, int]) -> None:
        document, start, end, tag = prepared
        try:
            self.client.add_highlight(self.project, document, start, end, [tag])
        except (TaguetteError, OSError) as error:
            raise RequestFailed(str(error)[:200]) from None

    def ping(self) -> None:
        try:
            self.client.health()
        except (TaguetteError, OSError) as error:
            raise RequestFailed(str(error)[:200]) from None

    def concurrent_copy(self) -> TaguetteTool:
        copy = TaguetteTool.__new__(TaguetteTool)
        copy.__dict__.update(self.__dict__)
        copy.client = TaguetteClient(self.server)  # its own login and cookies
        return copy

    def exports(
        self, segments: int
    ) -> list[tuple[str, Callable[[], bytes], Callable[[bytes], str | None]]]:
        def download(what: str) -> Callable[[], bytes]:
            def get() -> bytes:
                try:
                    return self.client.export(self.project, what)
                except TaguetteError as error:
                    raise RequestFailed(str(error)[:200]) from None

            return get

        return [
            # Taguette adds its own "interesting" tag to every new project
            ("codebook (.qdc)", download("codebook.qdc"), _check_qdc(len(CODES) + 1)),
            ("segments (.csv)", download("highlights/.csv"), _check_csv_rows(segments)),
        ]


def _check_qdc(codes: int) -> Callable[[bytes], str | None]:
    def check(body: bytes) -> str | None:
        found = body.count(b"<Code ")
        return None if found == codes else f"{found} codes in the codebook, expected {codes}"

    return check


def _check_csv_rows(expected: int) -> Callable[[bytes], str | None]:
    def check(body: bytes) -> str | None:
        rows = sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8-sig")))) - 1
        return None if rows == expected else f"{rows} rows, expected {expected}"

    return check
