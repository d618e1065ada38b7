"""`buoy instruments ...`: list, import (native, REDCap dictionary, FHIR Questionnaire),
export, site wording, and answer records. Every import is all or nothing, in one transaction,
and a bad file ends with one line naming the file, row or path, field and reason.

This package is the command-line interface of the app, beside `views` and `api`: the parser
and the dispatch here, the definitions' commands in :mod:`.definitions`, the answer records'
import in :mod:`.records`, and what they share in :mod:`.common`. Nothing here loads Django's
models until a command runs: `buoy` builds its parser before Django is set up.
"""

from __future__ import annotations

import argparse
from typing import Any

from buoy.core.errors import InvalidInput, NotFound
from buoy.instruments.commands.common import _fail
from buoy.instruments.commands.definitions import (
    _export,
    _import,
    _import_wording,
    _list,
    _timepoint,
)

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    """Register `buoy instruments ...` on the main parser's subcommands."""
    parser = commands.add_parser("instruments", help="instrument library: list, import, export")
    actions = parser.add_subparsers(dest="instruments_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the instruments in use")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    imported = actions.add_parser(
        "import",
        help="import a native .json, a FHIR Questionnaire .json or a REDCap data dictionary .csv",
    )
    imported.add_argument("file")
    imported.add_argument(
        "--replace",
        action="store_true",
        help=(
            "install a form whose id is a bundled instrument's (e.g. phq9) as that "
            "instrument's next version, keeping its safety rules, bands, norms and licence; "
            "without this it gets its own id (phq9_redcap)"
        ),
    )
    imported.add_argument(
        "--drop-bundled-rules",
        metavar="REASON",
        default="",
        dest="drop_reason",
        help=(
            "with --replace: why the bundled safety rules or bands the file cannot keep may be "
            "dropped (kept with the version and in the audit trail)"
        ),
    )
    wording = actions.add_parser("import-wording", help="import a licensed site's item wording")
    wording.add_argument("file")
    exported = actions.add_parser("export", help="export an instrument definition")
    exported.add_argument("id")
    exported.add_argument("--format", choices=["native", "fhir", "redcap"], default="native")
    exported.add_argument("--fhir-version", choices=["R4", "R5"], default="R4")
    exported.add_argument("-o", "--output")
    timepoint = actions.add_parser(
        "timepoint", help="add or change one of the department's assessment timepoints"
    )
    timepoint.add_argument("code", help="e.g. follow_up_6m")
    timepoint.add_argument("--label-en", required=True)
    timepoint.add_argument("--label-zh", required=True)
    timepoint.add_argument("--order", type=int, default=10)
    timepoint.add_argument("--months", type=int, help="months after the end of the casework")
    records = actions.add_parser(
        "import-records",
        help="import REDCap records (flat or EAV) or FHIR QuestionnaireResponses as assessments",
    )
    records.add_argument("file")
    records.add_argument("--instrument", required=True, help="instrument id, e.g. cdrisc10")
    records.add_argument(
        "--map",
        required=True,
        dest="mapping",
        help="CSV with columns record_id,case (case number or id)",
    )
    records.add_argument("--timepoint", default="baseline")
    records.add_argument(
        "--as-user", required=True, help="the worker or supervisor the import acts as"
    )
    records.add_argument(
        "--skip-unmapped",
        action="store_true",
        help="leave out records the mapping does not name (they are counted)",
    )


def run(args: argparse.Namespace) -> int:
    """Dispatch `buoy instruments ACTION`."""
    try:
        handler = {
            "list": _list,
            "import": _import,
            "import-wording": _import_wording,
            "export": _export,
            "import-records": _import_records,
            "timepoint": _timepoint,
        }[args.instruments_command]
        return handler(args)
    except FileNotFoundError as error:
        return _fail(f"{error.filename}: no such file")
    except (ValueError, InvalidInput) as error:
        return _fail(str(error))
    except NotFound:
        return _fail("no such instrument, case or user")


def _import_records(args: argparse.Namespace) -> int:
    from buoy.instruments.commands.records import import_records

    return import_records(args)
