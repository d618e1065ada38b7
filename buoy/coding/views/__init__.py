"""Coding pages: projects, a project's transcripts and codebook, the coding screen, code
queries and tables (with CSV and XLSX downloads), search and inter-coder agreement.

The coding screen's script (`static/coding/coding.js`) posts a selection's code-point
positions; the views answer a script's request (header `HX-Request`) with the screen's
`workspace` fragment, and a plain form post with a redirect.

One module per page or group of pages, as `selectors/` and `services/` are cut: `projects`,
`screen` (the coding screen), `queries`, `tables`, `search`, `agreement`, `deidentify`,
`codebook`, `memos`, `autocoding`, `suggestions` and `cases` (the case page's interviews
section); `common` holds what they share. This `__init__` re-exports every view, so
`views.transcript` in `urls.py` keeps working.
"""

from buoy.coding.views.agreement import agreement
from buoy.coding.views.autocoding import autocode, autocode_apply, autocode_undo
from buoy.coding.views.cases import case_section
from buoy.coding.views.codebook import code_edit, codebook
from buoy.coding.views.deidentify import deidentify
from buoy.coding.views.memos import memos
from buoy.coding.views.projects import project, project_new, projects, transcript_import
from buoy.coding.views.queries import cooccurrence, query
from buoy.coding.views.screen import apply, memo_new, segment_remove, transcript, undo
from buoy.coding.views.search import search
from buoy.coding.views.suggestions import (
    suggestion_accept,
    suggestions,
    suggestions_train,
    transcript_suggestions,
)
from buoy.coding.views.tables import TABLES, table_download, tables

__all__ = [
    "TABLES",
    "agreement",
    "apply",
    "autocode",
    "autocode_apply",
    "autocode_undo",
    "case_section",
    "code_edit",
    "codebook",
    "cooccurrence",
    "deidentify",
    "memo_new",
    "memos",
    "project",
    "project_new",
    "projects",
    "query",
    "search",
    "segment_remove",
    "suggestion_accept",
    "suggestions",
    "suggestions_train",
    "table_download",
    "tables",
    "transcript",
    "transcript_import",
    "transcript_suggestions",
    "undo",
]
