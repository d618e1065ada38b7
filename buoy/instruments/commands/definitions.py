"""`buoy instruments list`, `import`, `import-wording`, `export` and `timepoint`: the
department's instrument definitions, their wording and its timepoints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from buoy.core.errors import InvalidInput
from buoy.instruments.commands.common import _fail, _read_text


def _list(args: argparse.Namespace) -> int:
    from buoy.instruments.selectors import current_instruments

    rows = []
    for version in current_instruments():
        instrument = version.instrument()
        rows.append(
            {
                "id": instrument.id,
                "name": instrument.name.get("en") or instrument.id,
                "version": instrument.version,
                "items": len(instrument.scored_items),
                "licence": instrument.licence.status,
                "origin": version.origin,
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            print(
                f"{row['id']:<14} v{row['version']:<8} {row['items']:>3} items  "
                f"{row['licence']:<13} {row['name']}"
            )
    return 0


def read_definitions(path: str) -> tuple[list[Any], str, list[str]]:
    """The instruments in a file, the format recognised, and notes on what was not scored."""
    from buoy.instruments.domain.definition import DefinitionError, instrument_from_dict

    text = _read_text(path)
    name = Path(path).name
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{name}, line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})"
            ) from None
        kind = data.get("resourceType") if isinstance(data, dict) else None
        if kind in ("QuestionnaireResponse", "Bundle"):
            raise ValueError(
                f"{name}: this is a FHIR {kind} (answers), not a definition; import it with "
                "`buoy instruments import-records`"
            )
        if kind == "Questionnaire":
            from buoy.instruments.domain.fhir import read_questionnaire

            return [read_questionnaire(data, source=name)], "fhir", []
        try:
            return [instrument_from_dict(data, source=name)], "native", []
        except DefinitionError as error:
            raise ValueError(str(error)) from None
    from buoy.instruments.domain.redcap import read_data_dictionary

    result = read_data_dictionary(text, source=name)
    return list(result.instruments), "redcap", list(result.notes)


def _import(args: argparse.Namespace) -> int:
    from buoy.instruments.domain.interop_errors import InteropError
    from buoy.instruments.services import import_instruments

    try:
        instruments, origin, notes = read_definitions(args.file)
    except InteropError as error:
        return _fail(str(error))
    if not instruments:
        return _fail(f"{Path(args.file).name}: no form with scorable items was found")
    try:
        outcomes = import_instruments(
            actor=None,
            instruments=instruments,
            origin=origin,
            replace=args.replace,
            drop_reason=args.drop_reason,
        )
    except InvalidInput as error:
        if "replace" in error.errors:
            refusal = " ".join(error.errors["replace"])
            return _fail(f"{refusal} (--drop-bundled-rules REASON drops them)")
        raise
    for outcome in outcomes:
        print(describe_outcome(outcome, origin))
    for note in notes:
        print(f"note: {note}")
    return 0


def describe_outcome(outcome: Any, origin: str) -> str:
    """One line saying what the import did with one instrument (an `ImportOutcome`)."""
    version = outcome.version
    name = f"{version.instrument_id} v{version.version}"
    if outcome.action == "unchanged":
        return f"unchanged {name}: this definition is already installed"
    if outcome.got_own_id:
        return (
            f"imported {name} ({origin}): {outcome.requested_id} is a bundled instrument, so "
            f"this import got its own id; the bundled {outcome.requested_id} and its safety "
            "rules stay in use (--replace installs the file as its next version instead)"
        )
    if outcome.action == "replaced":
        kept = [f"safety rule {rule}" for rule in outcome.kept_rules]
        if outcome.kept_bands:
            kept.append(f"{len(outcome.kept_bands)} bands")
        kept += ["norms and licence"]
        line = f"replaced {version.instrument_id}: {name} ({origin}) is in use, keeping the "
        line += "bundled " + ", ".join(kept)
        dropped = [f"safety rule {rule}" for rule in outcome.dropped_rules]
        dropped += [f"band {band}" for band in outcome.dropped_bands]
        if dropped:
            line += "; DROPPED " + ", ".join(dropped) + " (the reason is recorded)"
        return line
    return f"imported {name} ({origin})"


def _import_wording(args: argparse.Namespace) -> int:
    from buoy.instruments.selectors import current_instrument
    from buoy.instruments.services import import_wording

    name = Path(args.file).name
    try:
        wording = json.loads(_read_text(args.file))
    except json.JSONDecodeError as error:
        return _fail(f"{name}, line {error.lineno}: not valid JSON ({error.msg})")
    if not isinstance(wording, dict) or "instrument" not in wording or "language" not in wording:
        return _fail(f'{name}: a wording file names its "instrument" and "language"')
    version = current_instrument(str(wording["instrument"]))
    language = str(wording["language"])
    replaced = version.wordings.filter(language=language).first()
    import_wording(actor=None, version=version, language=language, wording=wording, source=name)
    print(f"imported {language} wording for {version}")
    if replaced is not None and replaced.origin == "bundled":
        print(f"note: it replaces the {language} wording shipped with Buoy")
    missing = version.instrument().missing_wording(language)
    if missing:
        print(
            f"note: no {language} text yet for {', '.join(missing)}; a caregiver link in "
            f"{language} is refused until every item and answer has one"
        )
    return 0


def _export(args: argparse.Namespace) -> int:
    from buoy.instruments.domain.definition import instrument_from_dict, instrument_to_dict
    from buoy.instruments.selectors import current_instrument

    # Licensed wording a site imported stays on the site: exports carry the definition only.
    bare = instrument_from_dict(current_instrument(args.id).definition)
    if args.format == "native":
        text = json.dumps(instrument_to_dict(bare), ensure_ascii=False, indent=2) + "\n"
    elif args.format == "fhir":
        from buoy.instruments.domain.fhir import write_questionnaire

        questionnaire = write_questionnaire(bare, fhir_version=args.fhir_version)
        text = json.dumps(questionnaire, ensure_ascii=False, indent=2) + "\n"
    else:
        from buoy.instruments.domain.redcap import write_data_dictionary

        text = write_data_dictionary(bare)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _timepoint(args: argparse.Namespace) -> int:
    from buoy.instruments.services import set_timepoint

    timepoint = set_timepoint(
        actor=None,
        code=args.code,
        label_en=args.label_en,
        label_zh=args.label_zh,
        order=args.order,
        months_after_end=args.months,
    )
    print(f"timepoint {timepoint.code}: {timepoint.label_en} / {timepoint.label_zh}")
    return 0
