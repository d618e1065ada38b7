"""Run Taguette as a peer on loopback and drive it through its own HTTP API.

Buoy is compared with Taguette (a free qualitative-coding tool) on the same machine: the same
documents, tags and highlights, timed through Taguette's HTTP API the way its own front end
calls it. This module holds the reusable part, for `buoy bench` and for remaking the test
fixtures in ``tests/coding/fixtures/taguette/``:

* :func:`start_taguette` starts Taguette from a given Python executable (Taguette lives in its
  own virtual environment, never in Buoy's) on a free loopback port, with its update-message
  fetch disabled, and waits until it answers;
* :class:`TaguetteClient` logs in with the single-user token and creates projects, documents,
  tags and highlights, and downloads Taguette's exports;
* :func:`taguette_text` and :func:`utf8_offset` translate between Buoy's positions (code points
  of the text) and Taguette's (UTF-8 bytes of the document's HTML text content).

Nothing leaves the machine: Taguette binds to 127.0.0.1 only, is started with ``--no-browser``,
and :data:`LAUNCHER` (:mod:`buoy.bench.taguette_launcher`) replaces
``taguette.web.base.Application.check_messages`` (which would fetch
https://msg.taguette.org/<version> at start-up and every 24 hours) before Taguette runs.

Written against Taguette 1.5.2. Like the rest of buoy/bench/, this module imports
no Django, so the CLI can run it before Django is set up.
"""

from __future__ import annotations

import html.parser
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from types import TracebackType
from typing import Any

from buoy.bench.harness import HOST, free_port, stop_process_group

TAGUETTE_VERSION = "1.5.2"  # what this module is written against, and what the benchmark asks
START_SECONDS = 120  # the first start creates and migrates Taguette's SQLite database
REQUEST_TIMEOUT_SECONDS = 60

# Run by the Taguette environment's Python, by path: Taguette without its update check.
LAUNCHER = Path(__file__).with_name("taguette_launcher.py")


class TaguetteError(Exception):
    """Taguette could not be started or refused a request; the message says which and why."""


@dataclass
class TaguetteServer:
    """A running Taguette: its process, its base URL and the single-user login token.

    Use it as a context manager, or call :meth:`stop`; its output (Taguette logs to stderr,
    merged here) is kept in :attr:`output` for error messages.
    """

    process: subprocess.Popen[bytes]
    port: int
    token: str
    output: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        return f"http://{HOST}:{self.port}"

    def stop(self) -> None:
        """Stop Taguette (its own process group): TERM, then KILL after 20 seconds."""
        stop_process_group(self.process, timeout=20)

    def __enter__(self) -> TaguetteServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_taguette(
    python: str | Path,
    database: Path,
    *,
    port: int | None = None,
    timeout: float = START_SECONDS,
) -> TaguetteServer:
    """Start Taguette from `python` (its own environment) on loopback; return once it answers.

    `database` is Taguette's SQLite file (created and migrated when missing). The server runs
    in its own process group so that :meth:`TaguetteServer.stop` stops all of it. Raises
    :class:`TaguetteError`, with Taguette's last output lines, when it exits or does not answer
    ``/health`` within `timeout` seconds.
    """
    port = port or free_port()
    arguments = [
        str(python),
        str(LAUNCHER),
        "--no-browser",
        "--bind",
        HOST,
        "--port",
        str(port),
        "--database",
        str(database),
    ]
    # LANG=C.UTF-8: Taguette calls locale.setlocale(LC_ALL, "") and picks its interface
    # language from it; a fixed locale keeps its default tag name ("interesting") in English.
    environment = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    try:
        process = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
            arguments,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environment,
            start_new_session=True,
        )
    except OSError as error:
        raise TaguetteError(f"cannot run {python}: {error}") from None
    server = TaguetteServer(process=process, port=port, token="")
    found = threading.Event()

    def read_output() -> None:
        # Keep draining the pipe for the server's whole life, or Taguette would block on a
        # full pipe; the token is on the line that prints the "?token=" link.
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip()
            server.output.append(line)
            if "?token=" in line and not server.token:
                server.token = line.split("?token=", 1)[1].split()[0]
                found.set()

    threading.Thread(target=read_output, daemon=True).start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise TaguetteError(_failure(server, f"Taguette exited with {process.returncode}"))
            if found.is_set() and _answers(port):
                return server
            time.sleep(0.2)
        raise TaguetteError(_failure(server, f"Taguette did not answer within {timeout:g} s"))
    except BaseException:
        server.stop()
        raise


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _failure(server: TaguetteServer, what: str) -> str:
    tail = "\n  ".join(server.output[-30:])
    return f"{what}; its last output lines:\n  {tail}" if tail else what


class TaguetteClient:
    """Taguette's HTTP API as its own front end calls it, logged in as Taguette's single user.

    Taguette checks an ``_xsrf`` cookie on every POST; like its JavaScript, the client echoes
    the cookie's value as the ``_xsrf`` query argument.
    """

    def __init__(self, server: TaguetteServer) -> None:
        """Log in with the server's token (Taguette then sets its session cookie)."""
        self.server = server
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self._request("GET", "/?token=" + urllib.parse.quote(server.token))
        # /project/new renders a form, which makes Taguette set the _xsrf cookie.
        self._request("GET", "/project/new")
        if not self._xsrf():
            raise TaguetteError("Taguette set no _xsrf cookie after logging in")

    def create_project(self, name: str, description: str = "") -> int:
        """Create a project; its id. Taguette adds a default tag, "interesting", to it."""
        final_url, _ = self._request(
            "POST",
            "/project/new",
            body=urllib.parse.urlencode({"name": name, "description": description}).encode(),
            content_type="application/x-www-form-urlencoded",
        )
        # Taguette answers with a redirect to /project/<id>, which urllib follows.
        last = urllib.parse.urlsplit(final_url).path.rstrip("/").rsplit("/", 1)[-1]
        if not last.isdigit():
            raise TaguetteError(f"creating project {name!r} did not lead to a project page")
        return int(last)

    def add_document(
        self,
        project_id: int,
        name: str,
        html: str,
        *,
        description: str = "",
        filename: str = "document.html",
    ) -> int:
        """Upload an HTML document; its id.

        HTML because Taguette converts every other format (even .txt) with Calibre, which a
        benchmark machine need not have; HTML it only sanitises.
        """
        boundary = uuid.uuid4().hex
        fields = {"name": name, "description": description, "text_direction": "LEFT_TO_RIGHT"}
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            for key, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: text/html\r\n\r\n{html}\r\n'
            f"--{boundary}--\r\n"
        )
        answer = self._json(
            f"/api/project/{project_id}/document/new",
            body="".join(parts).encode("utf-8"),
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        return int(answer["created"])

    def add_tag(self, project_id: int, path: str, description: str = "") -> int:
        """Create a tag (Taguette's word for a code); its id. `path` may hold "/" separators."""
        answer = self._json(
            f"/api/project/{project_id}/tag/new", {"path": path, "description": description}
        )
        return int(answer["id"])

    def add_highlight(
        self, project_id: int, document_id: int, start: int, end: int, tag_ids: Sequence[int]
    ) -> int:
        """Highlight bytes `start`..`end` (Taguette's offsets, see :func:`utf8_offset`); its id."""
        answer = self._json(
            f"/api/project/{project_id}/document/{document_id}/highlight/new",
            {"start_offset": start, "end_offset": end, "tags": list(tag_ids)},
        )
        return int(answer["id"])

    def document_html(self, project_id: int, document_id: int) -> str:
        """The document as Taguette stores it: sanitised HTML."""
        _, body = self._request("GET", f"/api/project/{project_id}/document/{document_id}/contents")
        return "".join(part["contents"] for part in json.loads(body)["contents"])

    def highlights(self, project_id: int, document_id: int) -> list[dict[str, object]]:
        """The document's highlights: ``id``, ``start_offset``, ``end_offset``, ``tags`` (ids)."""
        _, body = self._request("GET", f"/api/project/{project_id}/document/{document_id}")
        highlights: list[dict[str, object]] = json.loads(body)["highlights"]
        return highlights

    def health(self) -> None:
        """Taguette's health check (``/health``), a request that does nothing."""
        self._request("GET", "/health")

    def export(self, project_id: int, what: str) -> bytes:
        """One of Taguette's downloads, e.g. ``codebook.qdc``, ``codebook.csv``,
        ``highlights/.csv`` (all highlights), ``highlights/<tag path>.csv``, ``project.sqlite3``.
        """
        _, body = self._request("GET", f"/project/{project_id}/export/{what}")
        return body

    def _xsrf(self) -> str:
        return next((cookie.value or "" for cookie in self.cookies if cookie.name == "_xsrf"), "")

    def _json(
        self,
        path: str,
        payload: dict[str, object] | None = None,
        *,
        body: bytes | None = None,
        content_type: str = "application/json; charset=utf-8",
    ) -> dict[str, Any]:
        if payload is not None:
            body = json.dumps(payload).encode("utf-8")
        _, answer = self._request("POST", path, body=body, content_type=content_type)
        result: dict[str, Any] = json.loads(answer)
        return result

    def _request(
        self, method: str, path: str, *, body: bytes | None = None, content_type: str = ""
    ) -> tuple[str, bytes]:
        """One request; the final URL (after redirects) and the body. Non-2xx raises."""
        url = self.server.base_url + path
        if method == "POST":
            separator = "&" if "?" in url else "?"
            url += f"{separator}_xsrf={urllib.parse.quote(self._xsrf())}"
        request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - loopback
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                return response.geturl(), response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", errors="replace")[:500]
            raise TaguetteError(f"{method} {path} answered {error.code}: {detail}") from None


class _TextContent(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def taguette_text(document_html: str) -> str:
    """The text Taguette counts its offsets in: every text node of the HTML, concatenated.

    That is the browser's ``textContent``: tags count nothing, whitespace between tags counts,
    and paragraphs are not separated by anything else.
    """
    parser = _TextContent()
    parser.feed(document_html)
    parser.close()
    return "".join(parser.parts)


def utf8_offset(text: str, index: int) -> int:
    """Taguette's offset for code point `index` of `text`: the UTF-8 length of what precedes it.

    Taguette counts highlight offsets in UTF-8 bytes (its extract.py and taguette.js), Buoy in
    code points; for ASCII text they agree, for Chinese a character is 3 bytes.
    """
    return len(text[:index].encode("utf-8"))
