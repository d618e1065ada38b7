"""Import answer records (REDCap flat or EAV, FHIR QuestionnaireResponse) into assessments of
existing cases, through a record-id → case mapping file. All or nothing."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path
from typing import Any

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.cases.selectors import cases_visible_to
from buoy.core.errors import InvalidInput, NotFound
from buoy.instruments.commands.common import _fail
from buoy.instruments.selectors import current_instrument, timepoint_with_code, timepoints
from buoy.instruments.services import import_assessments

Found = list[tuple[str, str, dict[str, Any], bool]]  # record id, event, answers, complete


def read_mapping(path: str, user: User) -> dict[str, Case]:
    """record_id → case, from a CSV with columns record_id and case (case number or id)."""
    name = Path(path).name
    text = Path(path).read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"record_id", "case"} <= set(reader.fieldnames):
        raise ValueError(f"{name}, row 1: the mapping needs the columns record_id and case")
    visible = cases_visible_to(user)
    mapping: dict[str, Case] = {}
    for row_number, row in enumerate(reader, start=2):
        key = (row.get("record_id") or "").strip()
        wanted = (row.get("case") or "").strip()
        case = visible.filter(reference=wanted).first()
        if case is None and wanted.isdigit():
            case = visible.filter(pk=int(wanted)).first()
        if not key or case is None:
            raise ValueError(
                f'{name}, row {row_number}, field "case": no case {wanted!r} that '
                f"{user.username} may see"
            )
        mapping[key] = case
    return mapping


def import_records(args: argparse.Namespace) -> int:
    """`buoy instruments import-records FILE --instrument ID --map MAP --as-user NAME`."""
    from buoy.instruments.domain.interop_errors import InteropError

    user = User.objects.filter(username=args.as_user, is_active=True).first()
    if user is None:
        return _fail(f"no active user named {args.as_user!r}")
    version = current_instrument(args.instrument)
    instrument = version.instrument()
    name = Path(args.file).name
    try:
        default_timepoint = timepoint_with_code(args.timepoint)
    except NotFound:
        return _fail(f"no timepoint {args.timepoint!r}")
    by_code = {t.code: t for t in timepoints()}
    try:
        mapping = read_mapping(args.mapping, user)
        text = Path(args.file).read_bytes().decode("utf-8-sig")
        found: Found = []
        if text.lstrip().startswith("{"):
            found = _fhir_responses(text, instrument, name)
        else:
            from buoy.instruments.domain.redcap import read_records

            for row in read_records(text, dictionary_or_instrument=instrument, source=name):
                found.append(
                    (
                        str(row.record_id),
                        str(row.event or ""),
                        dict(row.answers),
                        row.complete in (2, None),
                    )
                )
    except UnicodeDecodeError:
        return _fail(f"{name}: not UTF-8 text")
    except (InteropError, ValueError) as error:
        return _fail(str(error))
    rows = []
    skipped = 0
    for record_id, event, answers, complete in found:
        if record_id not in mapping:
            if args.skip_unmapped:
                skipped += 1
                continue
            return _fail(
                f"{name}: record {record_id!r} is not in the mapping file "
                "(map it, or pass --skip-unmapped)"
            )
        rows.append((mapping[record_id], by_code.get(event, default_timepoint), answers, complete))
    try:
        created = import_assessments(actor=user, instrument_version=version, rows=rows, source=name)
    except InvalidInput as error:
        return _fail(str(error))
    print(
        f"imported {len(created)} assessments of {version} from {name}"
        + (f"; {skipped} records not in the mapping were left out" if skipped else "")
    )
    return 0


def _fhir_responses(
    text: str, instrument: Any, name: str
) -> list[tuple[str, str, dict[str, Any], bool]]:
    from buoy.instruments.domain.fhir import read_questionnaire_response

    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{name}, line {error.lineno}: not valid JSON ({error.msg})") from None
    resources = (
        [entry.get("resource", {}) for entry in data.get("entry", [])]
        if data.get("resourceType") == "Bundle"
        else [data]
    )
    found = []
    for resource in resources:
        response = read_questionnaire_response(resource, instrument, source=name)
        found.append(
            (
                str(resource.get("id", "")),
                "",
                dict(response.answers),
                response.status == "completed",
            )
        )
    return found
