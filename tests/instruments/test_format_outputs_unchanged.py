"""The exact outputs of the format modules, pinned while they are cut into packages.

Every case below runs a reader or writer of `buoy.instruments.domain` (REDCap dictionaries
and records, FHIR Questionnaires and QuestionnaireResponses, native definitions and wordings,
batch scoring) on the shared samples, the bundled library and inputs made from them (cut or
altered files, generated CSVs), and turns what it returns, or the error it raises, into
canonical JSON (key order kept: it is part of the output). The test compares that text's
SHA-256 with the digest recorded here when the refactor began, so any change to an output,
a message or an error shows up, named by its case.

When an output is changed on purpose, say so in the commit and record the new digests:
``python -m tests.instruments.test_format_outputs_unchanged`` prints them all. With
``BUOY_GOLDEN_DUMP=<folder>`` the test (or that command) also writes each case's JSON there,
so two versions of the code can be compared with ``diff -r``.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import random
import sys
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from buoy.instruments.domain.batch import BatchError, score_csv
from buoy.instruments.domain.definition import (
    DefinitionError,
    Instrument,
    instrument_from_dict,
    instrument_to_dict,
    merge_wording,
)
from buoy.instruments.domain.fhir import (
    read_questionnaire,
    read_questionnaire_response,
    write_questionnaire,
    write_questionnaire_response,
)
from buoy.instruments.domain.library import (
    bundled_instrument,
    bundled_instruments,
    bundled_wordings,
)
from buoy.instruments.domain.redcap import read_data_dictionary, read_records, write_data_dictionary
from buoy.instruments.domain.scoring import score
from tests.shared_files import SHARED, shared

GOLDEN = Path(__file__).parent / "golden"
REDCAP = SHARED / "samples" / "redcap"
FHIR = SHARED / "samples" / "fhir"

DICTIONARIES = (
    "hbcd_sample_calc_branching_actiontags_DataDictionary.csv",
    "ndclab_oops_faces_psych_scales_DataDictionary.csv",
    "redcapr_longitudinal_dictionary.csv",
    "redcapr_repeating_dictionary.csv",
    "rtd_case01_all_field_types_DataDictionary.csv",
    "rtd_case07_longitudinal_metadata_api.csv",
)
RECORDS = {  # records export -> the dictionary of its project
    "redcapr_longitudinal_flat_records.csv": "redcapr_longitudinal_dictionary.csv",
    "redcapr_repeating_flat_records.csv": "redcapr_repeating_dictionary.csv",
    "rtd_case01_records_api_eav.csv": "rtd_case01_all_field_types_DataDictionary.csv",
    "rtd_case01_records_api_flat.csv": "rtd_case01_all_field_types_DataDictionary.csv",
    "rtd_case01_records_ui_raw.csv": "rtd_case01_all_field_types_DataDictionary.csv",
    "rtd_case07_longitudinal_records_api_eav.csv": "rtd_case07_longitudinal_metadata_api.csv",
    "rtd_case07_longitudinal_records_api_labels.csv": "rtd_case07_longitudinal_metadata_api.csv",
    "rtd_case07_longitudinal_records_ui_raw.csv": "rtd_case07_longitudinal_metadata_api.csv",
}
QUESTIONNAIRES = {  # short name in the case names -> file
    "lforms-r4-ordinal": "lforms_R4_phq9_loinc_ordinalValue_calculatedExpression.json",
    "lforms-r4-weight": "lforms_R4_phq9_weight_function.json",
    "lforms-r5-argonaut": "lforms_R5_argonaut_phq9_ish.json",
    "sdc-phq9": "sdc_2.8.0_Questionnaire-questionnaire-sdc-profile-example-PHQ9.json",
}
SDC_Q = "sdc_2.8.0_Questionnaire-questionnaire-sdc-profile-example-PHQ9.json"
SDC_QR = "sdc_2.8.0_QuestionnaireResponse-questionnaireresponse-sdc-profile-example-PHQ9.json"
BUNDLED = (
    "brs",
    "cdrisc10",
    "csi",
    "gad7",
    "k10",
    "k6",
    "mspss",
    "pedsql_fim",
    "phq9",
    "who5",
    "zbi22",
)
GOLDEN_COLUMNS = {"total", "status", "band", "alerts", "profiles", "subscales", "error"}


# --- canonical JSON ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Plain JSON values, dataclasses as dicts and sets sorted, key order kept."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    return value


def _canonical(value: Any) -> str:
    return json.dumps(_plain(value), ensure_ascii=False, indent=1)


def _outcome(run: Callable[..., Any], *args: Any, **options: Any) -> Any:
    """What ``run(*args, **options)`` returns, or the error it raises (class and message)."""
    try:
        return {"result": run(*args, **options)}
    except Exception as error:  # an unexpected TypeError is an output too: pin it
        return {"error": type(error).__name__, "message": str(error)}


def _instrument_dict(instrument: Instrument) -> dict[str, Any]:
    return instrument_to_dict(instrument)


# --- REDCap -----------------------------------------------------------------------------------


def _redcap_bytes(name: str) -> bytes:
    return shared("samples", "redcap", name).read_bytes()


def _dictionary(name: str, language: str = "en") -> Any:
    result = read_data_dictionary(_redcap_bytes(name), source=name, language=language)
    return {
        "header_style": result.header_style,
        "record_id_field": result.record_id_field,
        "fields": result.fields,
        "forms": result.forms,
        "skipped_forms": result.skipped_forms,
        "notes": result.notes,
        "instruments": [_instrument_dict(i) for i in result.instruments],
    }


def _instruments_in(data: str | bytes, source: str) -> list[dict[str, Any]]:
    return [_instrument_dict(i) for i in read_data_dictionary(data, source=source).instruments]


def _dictionary_written(name: str) -> Any:
    result = read_data_dictionary(_redcap_bytes(name), source=name)
    out = {}
    for instrument in result.instruments:
        text = write_data_dictionary(instrument)
        again = _outcome(_instruments_in, text, "written.csv")
        out[instrument.id] = {"written": text, "read_again": again}
    return out


def _records_of(name: str, data: bytes, source: str) -> Any:
    dictionary = read_data_dictionary(_redcap_bytes(RECORDS[name]), source=RECORDS[name])
    return _outcome(read_records, data, dictionary_or_instrument=dictionary, source=source)


def _records(name: str) -> Any:
    return _records_of(name, _redcap_bytes(name), name)


def _mutations(data: bytes, seed: int, count: int = 24) -> Iterator[bytes]:
    """Cut and altered copies of a file: where readers meet broken input."""
    rng = random.Random(seed)
    for fraction in (0.05, 0.3, 0.5, 0.77, 0.99):
        yield data[: int(len(data) * fraction)]
    inserts = (b'"', b",", b"\n", b"\xe9", b"|", b"[", b"]", b"(", b"\x00", b"{", b"}", b":")
    for _ in range(count):
        position = rng.randrange(len(data))
        if rng.random() < 0.3:
            yield data[:position] + data[position + 1 :]
        else:
            yield data[:position] + rng.choice(inserts) + data[position:]


def _dictionary_mutations(name: str) -> Any:
    return [
        _outcome(_instruments_in, data, f"m{index}.csv")
        for index, data in enumerate(_mutations(_redcap_bytes(name), seed=len(name)))
    ]


def _records_mutations(name: str) -> Any:
    return [
        _records_of(name, data, "records.csv")
        for data in _mutations(_redcap_bytes(name), seed=len(name) + 1)
    ]


def _read_back(text: str, language: str) -> Any:
    result = read_data_dictionary(text, source="written.csv", language=language)
    return {"notes": result.notes, "instruments": [_instrument_dict(i) for i in result.instruments]}


def _bundled_redcap(instrument_id: str) -> Any:
    instrument = bundled_instrument(instrument_id)
    out: dict[str, Any] = {}
    versions = [("en", instrument)]
    versions += [
        (w.language, merge_wording(instrument, w.wording))
        for w in bundled_wordings()
        if w.instrument == instrument_id
    ]
    for language, version in versions:
        text = write_data_dictionary(version, language=language)
        out[language] = {"written": text, "read_again": _outcome(_read_back, text, language)}
    return out


# --- FHIR -------------------------------------------------------------------------------------


def _fhir_bytes(name: str) -> bytes:
    return shared("samples", "fhir", name).read_bytes()


def _questionnaire_dict(data: Any, source: str) -> dict[str, Any]:
    return _instrument_dict(read_questionnaire(data, source=source))


def _questionnaire(name: str) -> Any:
    return _outcome(_questionnaire_dict, _fhir_bytes(name), name)


def _without_each_key(name: str) -> Any:
    """The questionnaire read with each of its top-level keys left out in turn."""
    resource = json.loads(_fhir_bytes(name))
    out = {}
    for key in resource:
        copy = {k: v for k, v in resource.items() if k != key}
        out[key] = _outcome(_questionnaire_dict, copy, "q.json")
    return out


def _written_after_mutations(instrument: Instrument, seed: int) -> Any:
    """Definitions altered here and there (extras included) that are still valid, written
    as REDCap dictionaries, FHIR Questionnaires and QuestionnaireResponses."""
    out = []
    for copy in _json_mutations(instrument_to_dict(instrument), seed=seed, count=40):
        try:
            altered = instrument_from_dict(copy)
        except (DefinitionError, TypeError, IndexError, KeyError):
            continue  # not a valid definition (see the definition-broken cases): nothing to write
        out.append(
            {
                "redcap": _outcome(write_data_dictionary, altered),
                "R4": _outcome(write_questionnaire, altered),
                "R5": _outcome(write_questionnaire, altered, fhir_version="R5"),
                "responses": _outcome(_responses, altered),
            }
        )
    return out


def _sample_written_after_mutations(name: str) -> Any:
    return _written_after_mutations(_sample_questionnaire(name), seed=len(name))


def _dictionary_written_after_mutations(name: str) -> Any:
    result = read_data_dictionary(_redcap_bytes(name), source=name)
    return [_written_after_mutations(i, seed=k) for k, i in enumerate(result.instruments)]


def _sample_questionnaire(name: str) -> Instrument:
    return read_questionnaire(_fhir_bytes(name), source=name)


def _written_questionnaires(instrument: Instrument, languages: tuple[str, ...]) -> Any:
    out: dict[str, Any] = {}
    for release in ("R4", "R5"):
        for language in languages:
            written = write_questionnaire(instrument, fhir_version=release, language=language)
            out[f"{release}-{language}"] = {
                "written": written,
                "read_again": _outcome(_questionnaire_dict, written, "written.json"),
            }
    return out


def _answers_for(instrument: Instrument, pattern: int) -> dict[str, Any]:
    """A deterministic set of answers: every item, option by option in turn, some left out."""
    answers: dict[str, Any] = {}
    for position, item in enumerate(instrument.items):
        if (position + pattern) % 7 == 3:
            continue
        response_set = instrument.response_set_of(item)
        if response_set is not None:
            options = response_set.options
            answers[item.id] = options[(position + pattern) % len(options)].value
        elif item.kind == "number":
            low = item.minimum if item.minimum is not None else 0
            answers[item.id] = low + (position + pattern) % 3
        elif item.kind == "yesno":
            answers[item.id] = (position + pattern) % 2
        else:
            answers[item.id] = f"answer {position}"
    return answers


def _responses(instrument: Instrument) -> Any:
    out = []
    for pattern in range(3):
        answers = _answers_for(instrument, pattern)
        written = _outcome(
            write_questionnaire_response,
            instrument,
            answers,
            questionnaire_url=f"http://example.org/Questionnaire/{instrument.id}",
            status=("completed", "in-progress", "amended")[pattern],
            authored="2024-05-01T10:00:00Z" if pattern else None,
            language=("en", "zh-hans", "en")[pattern],
        )
        read = None
        if "result" in written:
            read = _outcome(
                read_questionnaire_response, written["result"], instrument, source="qr.json"
            )
        out.append({"answers": answers, "written": written, "read_again": read})
    return out


def _json_mutations(resource: Any, seed: int, count: int = 60) -> Iterator[Any]:
    """Copies of a JSON resource with one value replaced or removed somewhere."""
    paths: list[tuple[Any, ...]] = []

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        if isinstance(value, dict):
            for key, child in value.items():
                walk(child, (*path, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, (*path, index))

    walk(resource, ())
    rng = random.Random(seed)
    replacements: tuple[Any, ...] = (None, "x", 7, 2.5, True, [], {}, "", [1], {"a": 1}, "-1")
    for _ in range(count):
        path = rng.choice(paths[1:])
        copy = json.loads(json.dumps(resource))
        parent = copy
        for step in path[:-1]:
            parent = parent[step]
        if rng.random() < 0.25:
            del parent[path[-1]]
        else:
            parent[path[-1]] = rng.choice(replacements)
        yield copy


def _questionnaire_mutations(name: str) -> Any:
    resource = json.loads(_fhir_bytes(name))
    return [
        _outcome(_questionnaire_dict, copy, "q.json")
        for copy in _json_mutations(resource, seed=len(name))
    ]


def _response_mutations() -> Any:
    instrument = _sample_questionnaire(SDC_Q)
    resource = json.loads(_fhir_bytes(SDC_QR))
    return [
        _outcome(read_questionnaire_response, copy, instrument, source="qr.json")
        for copy in _json_mutations(resource, seed=11)
    ]


def _sdc_response() -> Any:
    instrument = _sample_questionnaire(SDC_Q)
    return _outcome(read_questionnaire_response, _fhir_bytes(SDC_QR), instrument, source=SDC_QR)


def _text_mutations(name: str) -> Any:
    return [
        _outcome(_questionnaire_dict, data, "q.json")
        for data in _mutations(_fhir_bytes(name), seed=len(name) + 2, count=12)
    ]


# --- native definitions -----------------------------------------------------------------------


def _definition_dict(data: Any) -> dict[str, Any]:
    return _instrument_dict(instrument_from_dict(data, source="d.json"))


def _definition_mutations(instrument_id: str) -> Any:
    data = instrument_to_dict(bundled_instrument(instrument_id))
    return [
        _outcome(_definition_dict, copy)
        for copy in _json_mutations(data, seed=len(instrument_id), count=80)
    ]


def _merged_dict(instrument: Instrument, wording: Any, source: str = "") -> dict[str, Any]:
    return _instrument_dict(merge_wording(instrument, wording, source=source))


def _wording_mutations() -> Any:
    out = []
    for wording in bundled_wordings():
        instrument = bundled_instrument(wording.instrument)
        out.append(_outcome(_merged_dict, instrument, wording.wording))
        for copy in _json_mutations(dict(wording.wording), seed=len(wording.instrument), count=40):
            out.append(_outcome(_merged_dict, instrument, copy, "w.json"))
    return out


# --- batch scoring ----------------------------------------------------------------------------


def _run_batch(instrument: Instrument, text: str, **options: Any) -> Any:
    sink = io.StringIO()
    try:
        summary = score_csv(instrument, io.StringIO(text, newline=""), sink, **options)
    except BatchError as error:
        return {"error": str(error), "written": sink.getvalue()}
    return {"summary": summary, "output": sink.getvalue()}


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _line(values: list[str], end: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=end).writerow(values)
    return out.getvalue()


def _golden_input(instrument_id: str) -> str:
    """A golden table as batch input: its case, its answers and its hand working (quoted)."""
    rows = _csv_rows((GOLDEN / f"{instrument_id}.csv").read_text(encoding="utf-8"))
    keep = [k for k, name in enumerate(rows[0]) if name not in GOLDEN_COLUMNS]
    return "".join(_line([row[k] for k in keep]) for row in rows)


def _cell(rng: random.Random, values: list[str]) -> str:
    roll = rng.random()
    if roll < 0.80:
        return rng.choice(values)
    if roll < 0.90:
        return ""
    return rng.choice(["9", "x", " 3", "3.0", "-1", "10", "1e0", "07", "nan", "2 "])


def _generated(instrument_id: str, layout: str, seed: int) -> str:
    """A large generated answer file in one of several layouts, with some broken rows."""
    instrument = bundled_instrument(instrument_id)
    rng = random.Random(seed)
    item_ids = [item.id for item in instrument.items]
    values: dict[str, list[str]] = {}
    for item in instrument.items:
        response_set = instrument.response_set_of(item)
        if response_set is not None:
            values[item.id] = [str(o.value) for o in response_set.options]
        else:
            values[item.id] = ["0", "1"]
    end = "\r\n" if layout == "crlf" else "\n"
    if layout == "interleaved":
        header = [item_ids[0], "rid", *item_ids[1:], "ward"]
    elif layout in ("followed", "quoted"):
        header = ["id", *item_ids, "ward"]
    else:
        header = ["id", *item_ids]
    lines = [_line(header, end)]
    for number in range(2600):
        row = []
        for name in header:
            if name in values:
                row.append(_cell(rng, values[name]))
            elif name in ("id", "rid"):
                row.append(f"r{number}")
            else:
                row.append(rng.choice(["ward-a", "ward-b", ""]))
        if layout == "quoted" and rng.random() < 0.05:
            row[-1] = rng.choice(['said "no"', "two\nlines", "a, b"])
        roll = rng.random()
        if roll < 0.01:
            row = row[:-1]
        elif roll < 0.02:
            row = [*row, "extra"]
        elif roll < 0.025:
            lines.append(end)
            continue
        lines.append(_line(row, end) if layout == "quoted" else ",".join(row) + end)
    return "".join(lines)


def _seed(*parts: str) -> int:
    return int(hashlib.sha256("/".join(parts).encode()).hexdigest()[:8], 16)


def _batch_generated(instrument_id: str, layout: str) -> Any:
    text = _generated(instrument_id, layout, seed=_seed(instrument_id, layout))
    id_column = "rid" if layout == "interleaved" else None
    return {
        fmt: _run_batch(bundled_instrument(instrument_id), text, fmt=fmt, id_column=id_column)
        for fmt in ("csv", "json")
    }


def _batch_golden(instrument_id: str) -> Any:
    instrument = bundled_instrument(instrument_id)
    text = _golden_input(instrument_id)
    return {fmt: _run_batch(instrument, text, fmt=fmt) for fmt in ("csv", "json")}


def _batch_errors() -> Any:
    cdrisc = bundled_instrument("cdrisc10")
    items = ",".join(f"item{k}" for k in range(1, 11))
    inputs: list[tuple[str, dict[str, Any]]] = [
        ("", {}),
        ("\n", {}),
        ("id\n1\n", {}),
        (f"{items}\n" + ",".join("1" * 10) + "\n", {}),
        (f"id,{items},id\n", {}),
        (f"id,{items},total\n", {}),
        (f"id,{items}\n", {"id_column": "nope"}),
        (f"id,{items}\n", {"id_column": "item3"}),
        (f"id,{items}\n", {"fmt": "xml"}),
        (f'"id,{items}\n1,2\n', {}),
        (f"id,{items}\n1," + ",".join("2" * 10) + '\n"2,3\n', {}),
        (f"id,{items}\n\n\n1," + ",".join("4" * 10) + "\n", {}),
        (f" id , {items.replace(',', ' , ')} \n1," + ",".join("4" * 10) + "\n", {}),
        (",,\n", {}),
        (f"id,{items},status\n", {}),
    ]
    return [
        {"input": text, "options": options, "outcome": _run_batch(cdrisc, text, **options)}
        for text, options in inputs
    ]


def _scores() -> Any:
    out = []
    for instrument in bundled_instruments():
        rows = _csv_rows((GOLDEN / f"{instrument.id}.csv").read_text(encoding="utf-8"))
        header = rows[0]
        for row in rows[1:]:
            answers = {
                name: value
                for name, value in zip(header, row, strict=True)
                if name not in GOLDEN_COLUMNS and name not in ("case", "working")
            }
            out.append(_outcome(score, instrument, answers))
        odd: list[dict[str, Any]] = [
            {item.id: 1 for item in instrument.items},
            {item.id: True for item in instrument.items},
            {item.id: 2.0 for item in instrument.items},
            {item.id: None for item in instrument.items},
            {item.id: float("nan") for item in instrument.items},
            {item.id: [1] for item in instrument.items},
            {"nope": 1},
        ]
        out += [_outcome(score, instrument, answers) for answers in odd]
    return out


# --- the cases --------------------------------------------------------------------------------


def _bundled_fhir(instrument_id: str) -> Any:
    return _written_questionnaires(
        _with_wordings(bundled_instrument(instrument_id)), ("en", "zh-hans")
    )


def _bundled_responses(instrument_id: str) -> Any:
    return _responses(_with_wordings(bundled_instrument(instrument_id)))


def _sample_written(name: str) -> Any:
    return _written_questionnaires(_sample_questionnaire(name), ("en",))


def _sample_responses(name: str) -> Any:
    return _responses(_sample_questionnaire(name))


def cases() -> dict[str, Callable[[], Any]]:
    found: dict[str, Callable[[], Any]] = {}
    for name in DICTIONARIES:
        found[f"redcap.read.{name}"] = partial(_outcome, _dictionary, name)
        found[f"redcap.write.{name}"] = partial(_outcome, _dictionary_written, name)
        found[f"redcap.broken.{name}"] = partial(_dictionary_mutations, name)
    for name in DICTIONARIES[2:]:
        found[f"redcap.write-altered.{name}"] = partial(_dictionary_written_after_mutations, name)
    found["redcap.read.zh-hans"] = partial(
        _outcome, _dictionary, "ndclab_oops_faces_psych_scales_DataDictionary.csv", "zh-hans"
    )
    for name in RECORDS:
        found[f"redcap.records.{name}"] = partial(_records, name)
        found[f"redcap.records-broken.{name}"] = partial(_records_mutations, name)
    for short, name in QUESTIONNAIRES.items():
        found[f"fhir.read.{short}"] = partial(_questionnaire, name)
        found[f"fhir.write.{short}"] = partial(_outcome, _sample_written, name)
        found[f"fhir.response.{short}"] = partial(_outcome, _sample_responses, name)
        found[f"fhir.broken.{short}"] = partial(_questionnaire_mutations, name)
        found[f"fhir.broken-text.{short}"] = partial(_text_mutations, name)
        found[f"fhir.read-without.{short}"] = partial(_without_each_key, name)
        found[f"fhir.write-altered.{short}"] = partial(_sample_written_after_mutations, name)
    found["fhir.response.sdc-sample"] = _sdc_response
    found["fhir.response.broken"] = _response_mutations
    for instrument_id in BUNDLED:
        found[f"bundled.redcap.{instrument_id}"] = partial(_outcome, _bundled_redcap, instrument_id)
        found[f"bundled.fhir.{instrument_id}"] = partial(_outcome, _bundled_fhir, instrument_id)
        found[f"bundled.response.{instrument_id}"] = partial(
            _outcome, _bundled_responses, instrument_id
        )
        found[f"bundled.definition.{instrument_id}"] = partial(
            _definition_dict, instrument_to_dict(bundled_instrument(instrument_id))
        )
        found[f"bundled.definition-broken.{instrument_id}"] = partial(
            _definition_mutations, instrument_id
        )
        found[f"batch.golden.{instrument_id}"] = partial(_batch_golden, instrument_id)
        for layout in ("plain", "followed", "interleaved", "crlf", "quoted"):
            found[f"batch.generated.{instrument_id}.{layout}"] = partial(
                _batch_generated, instrument_id, layout
            )
    found["batch.errors"] = _batch_errors
    found["wording.merge"] = _wording_mutations
    found["scoring.scores"] = _scores
    return found


def _with_wordings(instrument: Instrument) -> Instrument:
    for wording in bundled_wordings():
        if wording.instrument == instrument.id:
            instrument = merge_wording(instrument, wording.wording)
    return instrument


def digest_of(name: str, build: Callable[[], Any]) -> str:
    text = _canonical(build())
    folder = os.environ.get("BUOY_GOLDEN_DUMP")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        Path(folder, f"{name}.json").write_text(text, encoding="utf-8")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


DIGEST_LENGTH = 16  # hex digits of SHA-256 kept: 64 bits tell any change, and fit a line

# Recorded before the format modules were cut into packages (issue 9, step 0); the
# "read-without" and "altered" cases were added later, their digests made by that same code.
DIGESTS: dict[str, str] = {
    "batch.errors": "89c81696740a144a",
    "batch.generated.brs.crlf": "18ba651aed506294",
    "batch.generated.brs.followed": "b8093375b6f8d703",
    "batch.generated.brs.interleaved": "5aa7d19941abfd80",
    "batch.generated.brs.plain": "e361fd3a74cddc9d",
    "batch.generated.brs.quoted": "f11b7bf7c355ce74",
    "batch.generated.cdrisc10.crlf": "af930448b2764f92",
    "batch.generated.cdrisc10.followed": "d6bbed4a121371ae",
    "batch.generated.cdrisc10.interleaved": "a4252445c0703531",
    "batch.generated.cdrisc10.plain": "38e24a73b1f8930b",
    "batch.generated.cdrisc10.quoted": "f266645b47b20146",
    "batch.generated.csi.crlf": "a9d489b6ad4e5e02",
    "batch.generated.csi.followed": "b2eaf363491b212c",
    "batch.generated.csi.interleaved": "90e853afc39a8dfd",
    "batch.generated.csi.plain": "f2e7792cca921c08",
    "batch.generated.csi.quoted": "ba29480de8dee610",
    "batch.generated.gad7.crlf": "c88e693d291c6615",
    "batch.generated.gad7.followed": "c8c53db5183bf686",
    "batch.generated.gad7.interleaved": "7a35433c390e66ac",
    "batch.generated.gad7.plain": "bf5eb32e7672f80d",
    "batch.generated.gad7.quoted": "fdbbfb0ff27a5541",
    "batch.generated.k10.crlf": "623f5700c70916b2",
    "batch.generated.k10.followed": "392cd0773493a16f",
    "batch.generated.k10.interleaved": "32d7193f2cf337fe",
    "batch.generated.k10.plain": "b39a15a754185afd",
    "batch.generated.k10.quoted": "b073086955bc9173",
    "batch.generated.k6.crlf": "e51e14b0a06a64cf",
    "batch.generated.k6.followed": "f1a999eb33173f0f",
    "batch.generated.k6.interleaved": "5fcda8e383ca005d",
    "batch.generated.k6.plain": "c3e44c164ebf1b1b",
    "batch.generated.k6.quoted": "316b0f644abc7e49",
    "batch.generated.mspss.crlf": "26c6df28a6bea56b",
    "batch.generated.mspss.followed": "492301dd7804a826",
    "batch.generated.mspss.interleaved": "397068de90404fee",
    "batch.generated.mspss.plain": "2e0e26c3510c1f4c",
    "batch.generated.mspss.quoted": "f6dc6e42467aa7b2",
    "batch.generated.pedsql_fim.crlf": "c396bbed54f09677",
    "batch.generated.pedsql_fim.followed": "2982f57d18079b7c",
    "batch.generated.pedsql_fim.interleaved": "c467cbd731b43eec",
    "batch.generated.pedsql_fim.plain": "1b5e89f9a7b4c89c",
    "batch.generated.pedsql_fim.quoted": "99a239091628db61",
    "batch.generated.phq9.crlf": "0055e8604af288b1",
    "batch.generated.phq9.followed": "9d85bb2c1dbd9429",
    "batch.generated.phq9.interleaved": "593fca6c7212b99a",
    "batch.generated.phq9.plain": "7cbf94f68b61526b",
    "batch.generated.phq9.quoted": "11544396381c5566",
    "batch.generated.who5.crlf": "b2f5704100b13200",
    "batch.generated.who5.followed": "1859216c58611197",
    "batch.generated.who5.interleaved": "b13e826e305b90e2",
    "batch.generated.who5.plain": "f9cadb20a071a664",
    "batch.generated.who5.quoted": "22195eeb3320f21c",
    "batch.generated.zbi22.crlf": "0a37fc53e1b61fe6",
    "batch.generated.zbi22.followed": "b3d5f108373ef099",
    "batch.generated.zbi22.interleaved": "b873609caeb91bb7",
    "batch.generated.zbi22.plain": "cedb637d8e853754",
    "batch.generated.zbi22.quoted": "4eaec75bda204d5b",
    "batch.golden.brs": "3bfecfcfe5374f90",
    "batch.golden.cdrisc10": "b0bc4f5c7304fd9e",
    "batch.golden.csi": "25cdef08ef0a7688",
    "batch.golden.gad7": "7af1d882c59086e3",
    "batch.golden.k10": "5da0981fbbfa5764",
    "batch.golden.k6": "f4797b380e9705c5",
    "batch.golden.mspss": "c9249a062acd2b8d",
    "batch.golden.pedsql_fim": "b35385d40f0d83e6",
    "batch.golden.phq9": "6c63a25f0f4e12e8",
    "batch.golden.who5": "d3e5016d0dc4ad52",
    "batch.golden.zbi22": "2b899ab85df76a48",
    "bundled.definition-broken.brs": "08cc153960f72f42",
    "bundled.definition-broken.cdrisc10": "286d41463f353a14",
    "bundled.definition-broken.csi": "40f18fae673f2b9b",
    "bundled.definition-broken.gad7": "4a321925aab8805e",
    "bundled.definition-broken.k10": "2ce65d20ec6108eb",
    "bundled.definition-broken.k6": "76a372c95ebac338",
    "bundled.definition-broken.mspss": "c6b4cd8786a63f99",
    "bundled.definition-broken.pedsql_fim": "8226a62f53d1b425",
    "bundled.definition-broken.phq9": "9bcc9c1124cf8fe3",
    "bundled.definition-broken.who5": "1ef597263f66c0a2",
    "bundled.definition-broken.zbi22": "4fb0cf12d9909ce1",
    "bundled.definition.brs": "56e52b2dbc2d62a0",
    "bundled.definition.cdrisc10": "dc67065694daee79",
    "bundled.definition.csi": "7e70e4ae35848b39",
    "bundled.definition.gad7": "c55fbdcb4a5aae42",
    "bundled.definition.k10": "e4c5db337c4c3e4e",
    "bundled.definition.k6": "4d382c32f5375f2f",
    "bundled.definition.mspss": "aaae19e399113710",
    "bundled.definition.pedsql_fim": "d85d58d317ca2f59",
    "bundled.definition.phq9": "ec48b30d0eab589c",
    "bundled.definition.who5": "418e9cee309e5380",
    "bundled.definition.zbi22": "455195ae0a76093b",
    "bundled.fhir.brs": "b6e7be5f5e67f1ce",
    "bundled.fhir.cdrisc10": "9a324a6ba5d2d58a",
    "bundled.fhir.csi": "308aa8f2fea26789",
    "bundled.fhir.gad7": "a7eea3ebb73c7e43",
    "bundled.fhir.k10": "404651a560e0057e",
    "bundled.fhir.k6": "828a93e54962a9a4",
    "bundled.fhir.mspss": "b8aad02268e07883",
    "bundled.fhir.pedsql_fim": "4fc8f5ed20f62c1b",
    "bundled.fhir.phq9": "33ae28dc03040931",
    "bundled.fhir.who5": "a3394ec6927b8223",
    "bundled.fhir.zbi22": "8d09dbbd973bd231",
    "bundled.redcap.brs": "3c158d1977dadfcd",
    "bundled.redcap.cdrisc10": "8a65f8e51f446d51",
    "bundled.redcap.csi": "8b775ec12694a157",
    "bundled.redcap.gad7": "56eaa5f1bef0bca7",
    "bundled.redcap.k10": "173236867995e3e4",
    "bundled.redcap.k6": "a29e40776c3397ee",
    "bundled.redcap.mspss": "903d3ea8c231f0ec",
    "bundled.redcap.pedsql_fim": "b905dd053947fbd2",
    "bundled.redcap.phq9": "d2dc1536036755f9",
    "bundled.redcap.who5": "b61dc0050e834b28",
    "bundled.redcap.zbi22": "f29be0123b3a589c",
    "bundled.response.brs": "da6820afd2d92f99",
    "bundled.response.cdrisc10": "f007b9b6685bf948",
    "bundled.response.csi": "3131a7008fe4b540",
    "bundled.response.gad7": "7581eeba6ed9a7dd",
    "bundled.response.k10": "3070148701e1c4b5",
    "bundled.response.k6": "1e1bcf7105cbc2e1",
    "bundled.response.mspss": "51fdcb0c6190402b",
    "bundled.response.pedsql_fim": "0212a1ec60edd250",
    "bundled.response.phq9": "b56ba162f6f5a7a6",
    "bundled.response.who5": "5a23cdbe73636946",
    "bundled.response.zbi22": "b79b8801b2cd232e",
    "fhir.broken-text.lforms-r4-ordinal": "d367df515a97f849",
    "fhir.broken-text.lforms-r4-weight": "5614a11dd502107a",
    "fhir.broken-text.lforms-r5-argonaut": "c913465aff9d8f8b",
    "fhir.broken-text.sdc-phq9": "e9adbb3ea347a363",
    "fhir.broken.lforms-r4-ordinal": "47d78708f0bb8523",
    "fhir.broken.lforms-r4-weight": "9bd247ecd244d0cc",
    "fhir.broken.lforms-r5-argonaut": "91141cca04111e6c",
    "fhir.broken.sdc-phq9": "d2db76a961b38160",
    "fhir.read-without.lforms-r4-ordinal": "e6bb3402e320b7ff",
    "fhir.read-without.lforms-r4-weight": "100145d82aac2aa0",
    "fhir.read-without.lforms-r5-argonaut": "6c515967672c7ae0",
    "fhir.read-without.sdc-phq9": "1a853382a8b3d7b2",
    "fhir.read.lforms-r4-ordinal": "85597e2c4db9cbd6",
    "fhir.read.lforms-r4-weight": "cfe13e2a18b5fb76",
    "fhir.read.lforms-r5-argonaut": "ea5d750f82cd8031",
    "fhir.read.sdc-phq9": "e004f8e06a2201a0",
    "fhir.response.broken": "4a44877aedb387f6",
    "fhir.response.lforms-r4-ordinal": "313b4a76c12b1fbf",
    "fhir.response.lforms-r4-weight": "313b4a76c12b1fbf",
    "fhir.response.lforms-r5-argonaut": "8744e63c402ba2cf",
    "fhir.response.sdc-phq9": "67ce44a060b243be",
    "fhir.response.sdc-sample": "1ba9e4b8d44bf9cf",
    "fhir.write-altered.lforms-r4-ordinal": "1e560a64cc9b70b8",
    "fhir.write-altered.lforms-r4-weight": "babfa828617fa1e5",
    "fhir.write-altered.lforms-r5-argonaut": "9e0b4b78e9bdff97",
    "fhir.write-altered.sdc-phq9": "2ada56bb57d00025",
    "fhir.write.lforms-r4-ordinal": "202765b7fd680366",
    "fhir.write.lforms-r4-weight": "202765b7fd680366",
    "fhir.write.lforms-r5-argonaut": "2d3ee1c2ad7585dd",
    "fhir.write.sdc-phq9": "803f3220cd5b0380",
    "redcap.broken.hbcd_sample_calc_branching_actiontags_DataDictionary.csv": "d1182cade8a538e1",
    "redcap.broken.ndclab_oops_faces_psych_scales_DataDictionary.csv": "8ab1e04b4faf6581",
    "redcap.broken.redcapr_longitudinal_dictionary.csv": "9761523172f665c6",
    "redcap.broken.redcapr_repeating_dictionary.csv": "6c3b5d8f5321bc27",
    "redcap.broken.rtd_case01_all_field_types_DataDictionary.csv": "2aedcdcdedd4f264",
    "redcap.broken.rtd_case07_longitudinal_metadata_api.csv": "e27d033cfd4ff350",
    "redcap.read.hbcd_sample_calc_branching_actiontags_DataDictionary.csv": "d1aeb4dbed27545d",
    "redcap.read.ndclab_oops_faces_psych_scales_DataDictionary.csv": "bf3b6ea187c00d9e",
    "redcap.read.redcapr_longitudinal_dictionary.csv": "e792819d36be16e6",
    "redcap.read.redcapr_repeating_dictionary.csv": "48bfc83c58a626c0",
    "redcap.read.rtd_case01_all_field_types_DataDictionary.csv": "7c0f499ada39666b",
    "redcap.read.rtd_case07_longitudinal_metadata_api.csv": "0e776962ec59a68a",
    "redcap.read.zh-hans": "7bedf204a6ca1b0f",
    "redcap.records-broken.redcapr_longitudinal_flat_records.csv": "cf6d041844930fd5",
    "redcap.records-broken.redcapr_repeating_flat_records.csv": "1f72bcfa3191a43e",
    "redcap.records-broken.rtd_case01_records_api_eav.csv": "8983ee97664c3721",
    "redcap.records-broken.rtd_case01_records_api_flat.csv": "33e66d38c8847b60",
    "redcap.records-broken.rtd_case01_records_ui_raw.csv": "d8d8c572688b7450",
    "redcap.records-broken.rtd_case07_longitudinal_records_api_eav.csv": "9a17f338c529c67a",
    "redcap.records-broken.rtd_case07_longitudinal_records_api_labels.csv": "99106e9c3936f629",
    "redcap.records-broken.rtd_case07_longitudinal_records_ui_raw.csv": "8848eacb350120de",
    "redcap.records.redcapr_longitudinal_flat_records.csv": "37ef6522f0b8bdce",
    "redcap.records.redcapr_repeating_flat_records.csv": "93437835bddf9f09",
    "redcap.records.rtd_case01_records_api_eav.csv": "cc44392556924d40",
    "redcap.records.rtd_case01_records_api_flat.csv": "407f5f398087a1fb",
    "redcap.records.rtd_case01_records_ui_raw.csv": "695f10312b0f5d6c",
    "redcap.records.rtd_case07_longitudinal_records_api_eav.csv": "7b4183381d833114",
    "redcap.records.rtd_case07_longitudinal_records_api_labels.csv": "7f6bd5d35f62b0b9",
    "redcap.records.rtd_case07_longitudinal_records_ui_raw.csv": "7f6bd5d35f62b0b9",
    "redcap.write-altered.redcapr_longitudinal_dictionary.csv": "e4305abed26c9247",
    "redcap.write-altered.redcapr_repeating_dictionary.csv": "d480a5a030aa22f7",
    "redcap.write-altered.rtd_case01_all_field_types_DataDictionary.csv": "a725ea498e12641f",
    "redcap.write-altered.rtd_case07_longitudinal_metadata_api.csv": "8b02f125a3a4ac74",
    "redcap.write.hbcd_sample_calc_branching_actiontags_DataDictionary.csv": "59b99838606d4e25",
    "redcap.write.ndclab_oops_faces_psych_scales_DataDictionary.csv": "7cf3c7b5a172503b",
    "redcap.write.redcapr_longitudinal_dictionary.csv": "f13611fc566f113a",
    "redcap.write.redcapr_repeating_dictionary.csv": "11d9c8a4915e09db",
    "redcap.write.rtd_case01_all_field_types_DataDictionary.csv": "5260a2c72d7a42f6",
    "redcap.write.rtd_case07_longitudinal_metadata_api.csv": "b69e7579f229793b",
    "scoring.scores": "c6a37d4c0d48c046",
    "wording.merge": "d6149ac791aacce8",
}


@pytest.mark.parametrize("name", sorted(cases()))
def test_output_is_unchanged(name: str) -> None:
    assert name in DIGESTS, f"no digest recorded for {name}"
    assert digest_of(name, cases()[name]) == DIGESTS[name], f"{name}: the output changed"


def test_every_digest_has_its_case() -> None:
    assert set(DIGESTS) == set(cases())


if __name__ == "__main__":
    digests = {name: digest_of(name, build) for name, build in sorted(cases().items())}
    sys.stdout.write("DIGESTS: dict[str, str] = {\n")
    for name, value in digests.items():
        sys.stdout.write(f'    "{name}": "{value}",\n')
    sys.stdout.write("}\n")
