"""`buoy qda ...`: import and export REFI-QDA projects and codebooks, project figures and
inter-coder agreement, for the site's operator. Imports are all or nothing; a bad file ends
with one line naming the file and the reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from buoy.core.errors import InvalidInput, NotFound


def add_parser(commands: Any) -> None:
    """Register `buoy qda ...` on the main parser's subcommands."""
    parser = commands.add_parser("qda", help="qualitative coding: REFI-QDA, figures, agreement")
    actions = parser.add_subparsers(dest="qda_command", required=True, metavar="ACTION")
    imported = actions.add_parser(
        "import", help="import a REFI-QDA project (.qdpx) or codebook (.qdc)"
    )
    imported.add_argument("file")
    imported.add_argument("--project", help="project name (default: the file's project name)")
    exported = actions.add_parser("export", help="export a project")
    exported.add_argument("project")
    exported.add_argument("--format", choices=["qdpx", "qdc", "csv", "xlsx"], required=True)
    exported.add_argument("-o", "--output", required=True, help="file to write")
    exported.add_argument(
        "--include-identifiable",
        action="store_true",
        help="needed to export the casework project, whose transcripts identify families",
    )
    stats = actions.add_parser("stats", help="documents, codes, coded segments, memos, users")
    stats.add_argument("project")
    stats.add_argument("--json", action="store_true")
    agreement = actions.add_parser("agreement", help="inter-coder agreement of two coders")
    agreement.add_argument("project")
    agreement.add_argument("--coders", nargs=2, required=True, metavar=("A", "B"))
    agreement.add_argument("--json", action="store_true")
    agreement.add_argument(
        "--level", choices=["character", "segment"], default="character", help="unit of agreement"
    )


def _fail(message: str) -> int:
    print(f"buoy: {' '.join(message.split())}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Dispatch `buoy qda ACTION`."""
    handler = {
        "import": _import,
        "export": _export,
        "stats": _stats,
        "agreement": _agreement,
    }[args.qda_command]
    try:
        return handler(args)
    except FileNotFoundError as error:
        return _fail(f"{error.filename}: no such file")
    except IsADirectoryError as error:
        return _fail(f"{error.filename}: is a folder, not a file")
    except InvalidInput as error:
        return _fail(" ".join(m for messages in error.errors.values() for m in messages))
    except NotFound:
        return _fail(f"no project called {getattr(args, 'project', '')!r}")


def _stats(args: argparse.Namespace) -> int:
    from buoy.coding.selectors import project_named, project_stats

    figures = project_stats(project_named(args.project))
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name}: {value}")
    return 0


def _agreement(args: argparse.Namespace) -> int:
    from buoy.access.models import User
    from buoy.coding.selectors import agreement_report, project_named

    project = project_named(args.project)
    coders = []
    for username in args.coders:
        user = User.objects.filter(username=username).first()
        if user is None:
            return _fail(f"no user called {username!r}")
        coders.append(user)
    report = agreement_report(None, project, coders[0], coders[1])
    if not report.documents:
        return _fail(
            f"{args.coders[0]} and {args.coders[1]} have not both coded any transcript "
            f"of {project.name!r}"
        )
    result = (report.character if args.level == "character" else report.segment).to_json()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{report.documents} transcripts coded by both; unit: {args.level}")
    overall = result["overall"]
    print(
        f"overall: agreement {_show(overall['percent_agreement'])}, kappa {_show(overall['kappa'])}"
    )
    for name, figures in result["codes"].items():
        agreement, kappa = _show(figures["percent_agreement"]), _show(figures["kappa"])
        print(f"  {name}: agreement {agreement}, kappa {kappa}")
    return 0


def _show(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def _import(args: argparse.Namespace) -> int:
    from buoy.coding.services import import_refi

    path = Path(args.file)
    result = import_refi(
        actor=None, filename=path.name, data=path.read_bytes(), project_name=args.project
    )
    print(
        f"imported {path.name} into {result.project.name!r}: {result.documents} documents, "
        f"{result.codes} codes, {result.coded_segments} coded segments, {result.memos} memos"
    )
    for repair in result.repairs:
        print(f"  repaired: {repair}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from buoy.coding.selectors import export_for, project_named

    project = project_named(args.project)
    if project.kind == "casework" and args.format != "qdc" and not args.include_identifiable:
        return _fail(
            f"{project.name!r} holds identifiable case transcripts; export a research project's "
            "de-identified copies instead, or add --include-identifiable"
        )
    data, _content_type, _name = export_for(None, project, args.format)
    Path(args.output).write_bytes(data)
    print(f"wrote {args.output} ({len(data)} bytes)")
    return 0
