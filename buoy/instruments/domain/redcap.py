"""REDCap data dictionaries and records, read into (and written from) Buoy instruments.

Pure Python: the Django layer decides what to save; this module only reads and writes text.

Reading a data dictionary (`read_data_dictionary`)
--------------------------------------------------
* Both header styles are accepted: the 18 columns of a browser download ("Variable / Field
  Name", …) and the API's snake_case names (``field_name``, …); a UTF-8 byte-order mark and
  labels that span lines inside quotes are fine. Rows are counted as a spreadsheet shows them.
* The dictionary's first field is the record id. It belongs to no instrument.
* Each form becomes one `Instrument` whose id is the form name (lower-case; anything other
  than letters, digits, ``_`` and ``-`` becomes ``_``); ``extras["redcap_form"]`` keeps the
  form name as REDCap spells it. A form with nothing scorable is skipped and reported.
* Field types:

  ==================  ==========================================================================
  radio, dropdown     a choice item; codes that are whole numbers are stored as numbers and
                      score as themselves; text codes (``M, Male``) make an unscored item
  yesno, truefalse    a yes/no item, ``1`` yes/true, ``0`` no/false
  checkbox            one yes/no item per option, id ``field___code`` (REDCap's own column
                      name in flat exports); ``extras["redcap"]["checkboxes"]`` groups them
  slider              a number item, 0–100 unless the dictionary sets a minimum and maximum;
                      its three labels go to ``extras["redcap"]["sliders"]``
  text, notes         an unscored item (a number item when validated as integer or number,
                      so that a calculation may add it up)
  calc                becomes a scoring rule when it is a plain sum or mean (below); any other
                      expression is kept in ``extras["redcap"]["calculations"]`` and reported
  descriptive, file,  nothing to answer or score: kept in ``extras["redcap"]["other_fields"]``
  sql
  ==================  ==========================================================================

* The identifier flag (``y``) is kept on `Item.identifier`; identifier items are never scored.
* Labels lose their HTML (REDCap rich text) and keep their line breaks; the language is "en"
  unless the caller says otherwise.

Calculations that become scoring rules
--------------------------------------
``sum([a],[b],…)``, ``[a]+[b]+…`` and ``mean([a],[b],…)`` (``sum(…)*4`` too), where each
term is an answer of this form, ``[cb(code)]`` for a checkbox option, ``K-[x]`` for a
reverse-keyed item (K = lowest + highest score of x), or a missing-code recode
``if([x]='777' or [x]='999', '', [x])`` (inline or as its own calc field, which is how the
HBCD sample does it): those codes are then read as *missing*. A calculation may add up other
calc fields that are themselves plain sums. An answer times a number (``[feet]*12 + [inches]``)
is arithmetic, not a score, and is reported; only a Buoy export (``@BUOY-RULE``, below)
carries item weights as ``[x]*w``.

* If a form has several such calculations, the one covering the most items is the total
  (the first of equal ones), the others are subscales named after their calc fields.
* Items in a rule are scored; the form's other items are kept, unscored.
* ``min_answered`` is the number of items: REDCap's ``sum()`` adds whatever is answered, but a
  total of a half-answered scale is not a total; the import says so in its notes. A field
  annotation ``@BUOY-RULE='{"method": "prorated_sum", "min_answered": 7}'`` (which
  `write_data_dictionary` writes when the rule needs it) overrides method and minimum.
* A form without such a calculation gets a default total, reported as such: the sum of the
  items that share the form's most common answer scale (a matrix of Likert items), or of all
  scorable items when no scale is shared. Option codes of 77 and above or below 0 whose label
  says "don't know", "decline", "prefer not" or "refuse" count as missing in that default.

Instruments are version "1" with licence status "licensed": a site's own dictionary carries
wording Buoy must not ship, and the licence of what it holds is not stated in the file. The
Django layer decides the stored version (a re-import of a changed form is a new version).
Notes for the whole file are in `DictionaryImport.notes`, each form's also in its
``extras["import_notes"]``.

Records (`read_records`)
------------------------
"Flat" exports (one row per record × event × repeat instance; the first column is the record
id) and "EAV" exports (``record, field_name, value`` with optional ``redcap_event_name`` or
``event_id``, ``redcap_repeat_instrument`` and ``redcap_repeat_instance``) are told apart by
their header. Answers are returned per record × event × instance × form, for the forms that
became instruments, keyed by item id; blanks are left out. Columns that are not items
(calculations, files, identifiers of skipped forms) are ignored. Codes are checked against the
item's options; a label export ("Chamber 1", "Yes", "Incomplete") is read back to its codes.
In EAV, a checkbox is one row per ticked code: unticked options of a form that has data are 0,
as in a flat export.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from buoy.instruments.domain.definition import (
    SCORING_METHODS,
    DefinitionError,
    Instrument,
    Item,
    Option,
    ScoringRule,
    instrument_from_dict,
)
from buoy.instruments.domain.interop_errors import (
    InteropError,
    decode_text,
    not_utf8_reason,
    undecodable_byte,
)

# (API name, browser-download header, short name used in messages)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("field_name", "Variable / Field Name", "field name"),
    ("form_name", "Form Name", "form name"),
    ("section_header", "Section Header", "section header"),
    ("field_type", "Field Type", "field type"),
    ("field_label", "Field Label", "field label"),
    ("select_choices_or_calculations", "Choices, Calculations, OR Slider Labels", "choices"),
    ("field_note", "Field Note", "field note"),
    (
        "text_validation_type_or_show_slider_number",
        "Text Validation Type OR Show Slider Number",
        "validation",
    ),
    ("text_validation_min", "Text Validation Min", "validation min"),
    ("text_validation_max", "Text Validation Max", "validation max"),
    ("identifier", "Identifier?", "identifier"),
    ("branching_logic", "Branching Logic (Show field only if...)", "branching logic"),
    ("required_field", "Required Field?", "required field"),
    ("custom_alignment", "Custom Alignment", "custom alignment"),
    ("question_number", "Question Number (surveys only)", "question number"),
    ("matrix_group_name", "Matrix Group Name", "matrix group"),
    ("matrix_ranking", "Matrix Ranking?", "matrix ranking"),
    ("field_annotation", "Field Annotation", "field annotation"),
)
HUMAN_HEADERS = tuple(human for _, human, _ in COLUMNS)
API_HEADERS = tuple(api for api, _, _ in COLUMNS)
_HUMAN = {api: human for api, human, _ in COLUMNS}
_SHORT = {api: short for api, _, short in COLUMNS}
_REQUIRED = (
    "field_name",
    "form_name",
    "field_type",
    "field_label",
    "select_choices_or_calculations",
)
FIELD_TYPES = (
    "text",
    "notes",
    "dropdown",
    "radio",
    "checkbox",
    "yesno",
    "truefalse",
    "calc",
    "file",
    "slider",
    "descriptive",
    "sql",
)
_CHOICE_TYPES = ("radio", "dropdown", "checkbox")
_NUMBER_VALIDATIONS = ("integer", "number", "float")
_COMPLETE = {"incomplete": 0, "unverified": 1, "complete": 2}
_RESERVED_FLAT = {
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "redcap_data_access_group",
    "redcap_survey_identifier",
}
_MISSING_LABEL = re.compile(r"don'?t know|do not know|declin|prefer not|refus", re.IGNORECASE)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_CODE = re.compile(r"-?[A-Za-z0-9_.]+")
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_BREAK = re.compile(r"<br\s*/?>|</p>|</div>|</li>", re.IGNORECASE)
_RULE_TAG = re.compile(r"@BUOY-RULE\s*=\s*'(\{[^']*\})'")

Value = int | float | str


# --- public results ------------------------------------------------------------------------


# Dictionary columns Buoy does not interpret but keeps, so an export gives them back.
KEPT_COLUMNS = (
    "section_header",
    "field_note",
    "branching_logic",
    "required_field",
    "custom_alignment",
    "question_number",
    "matrix_group_name",
    "matrix_ranking",
    "field_annotation",
)


@dataclass(frozen=True)
class DictionaryField:
    """One row of a data dictionary, as read (labels still as REDCap wrote them)."""

    name: str
    form: str
    type: str
    label: str
    row: int
    choices: tuple[tuple[str, str], ...] = ()  # (code, label) for radio, dropdown, checkbox
    calculation: str = ""  # calc expression or sql statement
    slider_labels: tuple[str, ...] = ()
    identifier: bool = False
    validation: str = ""
    minimum: str = ""
    maximum: str = ""
    other: Mapping[str, str] = field(default_factory=dict)  # the remaining non-empty columns


@dataclass
class DictionaryImport:
    """What a data dictionary held: its fields, the instruments made of it, and notes."""

    source: str
    header_style: str  # "human" | "api"
    record_id_field: str
    fields: tuple[DictionaryField, ...]
    forms: tuple[str, ...]
    instruments: tuple[Instrument, ...]
    skipped_forms: tuple[str, ...]
    notes: list[str]

    def instrument_for_form(self, form: str) -> Instrument:
        for instrument in self.instruments:
            if instrument.extras.get("redcap_form") == form:
                return instrument
        raise KeyError(form)


@dataclass(frozen=True)
class RecordAnswers:
    """The answers of one record to one form at one event and repeat instance."""

    record_id: str
    event: str | None
    repeat_instance: int | None
    form: str
    answers: dict[str, Value]
    complete: int | None
    instrument_id: str = ""


# --- reading CSV -----------------------------------------------------------------------------


def _split_physical_lines(text: str) -> list[str]:
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def _read_csv(text: str, source: str) -> list[list[str]]:
    """All rows, or an InteropError naming the row (and column) that cannot be read."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines_read = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            row_number = len(rows) + 1
            column = _column_of_broken_row(text, lines_read, rows[0] if rows else [])
            if "unexpected end of data" in str(error) or "EOF" in str(error):
                reason = (
                    "a quoted value is not closed before the file ends: the file looks cut "
                    "short (export it again)"
                )
            elif "expected after" in str(error):
                reason = 'a quote inside a quoted value is not doubled ("")'
            else:
                reason = f"cannot be read as CSV ({error})"
            raise InteropError(source, row_number, column, reason) from None
        lines_read = reader.line_num
        rows.append(row)
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise InteropError(source, None, None, "holds no rows")
    header = rows[0]
    for number, row in enumerate(rows, start=1):
        for index, cell in enumerate(row):
            byte = undecodable_byte(cell)
            if byte is not None:
                name = _column_name(header[index]) if index < len(header) and number > 1 else None
                raise InteropError(source, number, name, not_utf8_reason(byte))
    return rows


def _column_of_broken_row(text: str, lines_read: int, header: list[str]) -> str | None:
    """Which column the unreadable row broke in, by re-reading it leniently."""
    rest = "".join(_split_physical_lines(text)[lines_read:])
    try:
        partial = next(csv.reader(io.StringIO(rest, newline="")))
    except (csv.Error, StopIteration):
        return None
    index = len(partial) - 1
    return _column_name(header[index]) if 0 <= index < len(header) else None


def _column_name(cell: str) -> str:
    """A dictionary column by its short name ("choices"); any other column as headed."""
    return _SHORT.get(_header_key(cell) or "", cell.strip())


# --- the header ------------------------------------------------------------------------------


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_HEADER_ALIASES: dict[str, str] = {}
for _api_name, _human_name, _ in COLUMNS:
    _HEADER_ALIASES[_normalise(_api_name)] = _api_name
    _HEADER_ALIASES[_normalise(_human_name)] = _api_name
_HEADER_ALIASES.update(
    {
        "choicesorcalculations": "select_choices_or_calculations",
        "choicescalculationsorsliderlabels": "select_choices_or_calculations",
        "textvalidationtype": "text_validation_type_or_show_slider_number",
        "branchinglogicshowfieldonlyif": "branching_logic",
        "questionnumbersurveysonly": "question_number",
        "variablename": "field_name",
    }
)


def _header_key(cell: str) -> str | None:
    return _HEADER_ALIASES.get(_normalise(cell.replace("\ufeff", "")))


def _read_header(header: list[str], source: str) -> tuple[dict[str, int], str]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        if key is not None and key not in positions:
            positions[key] = index
    style = "api" if any(cell.strip() in API_HEADERS for cell in header) else "human"
    if not positions:
        lowered = {cell.strip().lower() for cell in header}
        records = "redcap_event_name" in lowered or {"record", "field_name", "value"} <= lowered
        raise InteropError(
            source,
            1,
            None,
            "is not a REDCap data dictionary: the header has none of its columns "
            '("Variable / Field Name", "Form Name", … or the API\'s field_name, form_name, …)'
            + ("; it looks like a records export" if records else ""),
        )
    for key in _REQUIRED:
        if key not in positions:
            raise InteropError(
                source,
                1,
                _SHORT[key],
                f'this required column is missing (a browser download calls it "{_HUMAN[key]}", '
                f'the API "{key}")',
            )
    return positions, style


# --- the rows --------------------------------------------------------------------------------


def plain_text(label: str) -> str:
    """A REDCap label without its HTML, entities decoded, line breaks kept."""
    text = _BREAK.sub("\n", label)
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_choices(raw: str) -> list[tuple[str, str]]:
    """``"1, Never | 2, Often, or more"`` → ``[("1", "Never"), ("2", "Often, or more")]``.

    Raises ValueError naming the part that is not a ``code, label`` pair.
    """
    parts = raw.split("|") if "|" in raw or "\n" not in raw.strip() else raw.splitlines()
    choices: list[tuple[str, str]] = []
    seen: set[str] = set()
    for part in parts:
        if not part.strip():
            continue
        code, comma, label = part.partition(",")
        code = code.strip()
        if not comma:
            raise ValueError(f'"{part.strip()}" has no comma between code and label')
        if not code:
            raise ValueError(f'"{part.strip()}" has no code before the comma')
        if not _CODE.fullmatch(code):
            raise ValueError(
                f'the code "{code}" may hold only letters, digits, "_", "." and a leading "-"'
            )
        if code in seen:
            raise ValueError(f'the code "{code}" appears twice')
        seen.add(code)
        choices.append((code, label.strip()))
    if not choices:
        raise ValueError("there are no choices")
    return choices


def _flag(value: str, source: str, row: int, column: str) -> bool:
    value = value.strip().lower()
    if value in ("", "n", "no", "0", "false"):
        return False
    if value in ("y", "yes", "1", "true"):
        return True
    raise InteropError(source, row, column, f'"{value}" is neither "y" nor empty')


def _parse_fields(
    rows: list[list[str]], positions: dict[str, int], source: str
) -> list[DictionaryField]:
    width = len(rows[0])
    fields: list[DictionaryField] = []
    seen: dict[str, int] = {}
    finished_forms: set[str] = set()
    for row_number, row in enumerate(rows[1:], start=2):
        if len(row) < width:
            raise InteropError(
                source,
                row_number,
                None,
                f"has {len(row)} columns where the header has {width}: "
                "the row is incomplete (is the file cut short?)",
            )

        def cell(key: str, _row: list[str] = row) -> str:
            index = positions.get(key)
            return _row[index] if index is not None and index < len(_row) else ""

        name = cell("field_name").strip()
        form = cell("form_name").strip()
        kind = cell("field_type").strip().lower()
        if not name:
            raise InteropError(source, row_number, "field name", "is empty")
        if not _NAME.fullmatch(name):
            raise InteropError(
                source,
                row_number,
                "field name",
                f'"{name}" is not a REDCap variable name (letters, digits and "_", '
                "starting with a letter)",
            )
        if name in seen:
            raise InteropError(
                source, row_number, "field name", f'"{name}" is already defined in row {seen[name]}'
            )
        seen[name] = row_number
        if not form:
            raise InteropError(
                source, row_number, "form name", f'the field "{name}" belongs to no form'
            )
        if not re.fullmatch(r"[A-Za-z0-9_]+", form):
            raise InteropError(
                source,
                row_number,
                "form name",
                f'"{form}" is not a REDCap form name (letters, digits and "_")',
            )
        if fields and fields[-1].form != form:
            finished_forms.add(fields[-1].form)
        if form in finished_forms:
            raise InteropError(
                source,
                row_number,
                "form name",
                f'the form "{form}" started earlier and other forms came between; '
                "REDCap keeps a form's fields together",
            )
        if kind not in FIELD_TYPES:
            raise InteropError(
                source,
                row_number,
                "field type",
                f'"{kind}" is not a REDCap field type ({", ".join(FIELD_TYPES)})',
            )
        raw_choices = cell("select_choices_or_calculations")
        choices: tuple[tuple[str, str], ...] = ()
        calculation = ""
        slider_labels: tuple[str, ...] = ()
        if kind in _CHOICE_TYPES:
            try:
                choices = tuple(parse_choices(raw_choices))
            except ValueError as problem:
                raise InteropError(
                    source,
                    row_number,
                    "choices",
                    f'cannot read "{_short(raw_choices)}" as "code, label" pairs: {problem} '
                    f'(variable "{name}")',
                ) from None
        elif kind in ("calc", "sql"):
            calculation = raw_choices.strip()
            if not calculation:
                raise InteropError(
                    source,
                    row_number,
                    "choices",
                    f'the {kind} field "{name}" has no '
                    + ("calculation" if kind == "calc" else "SQL statement"),
                )
        elif kind == "slider" and raw_choices.strip():
            slider_labels = tuple(part.strip() for part in raw_choices.split("|"))
        other = {key: cell(key) for key in KEPT_COLUMNS if cell(key).strip()}
        fields.append(
            DictionaryField(
                name=name,
                form=form,
                type=kind,
                label=cell("field_label"),
                row=row_number,
                choices=choices,
                calculation=calculation,
                slider_labels=slider_labels,
                identifier=_flag(cell("identifier"), source, row_number, "identifier"),
                validation=cell("text_validation_type_or_show_slider_number").strip().lower(),
                minimum=cell("text_validation_min").strip(),
                maximum=cell("text_validation_max").strip(),
                other=other,
            )
        )
    if not fields:
        raise InteropError(source, None, None, "has a header but no fields")
    return fields


# --- calculations ----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\[[A-Za-z][A-Za-z0-9_]*(?:\([A-Za-z0-9_.-]+\))?\])
    | (?P<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<op><>|!=|>=|<=|[-+*/(),=<>^])
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Term:
    field: str
    code: str | None = None  # [checkbox(code)]
    reverse_from: float | None = None  # K in K-[x]
    weight: float = 1.0
    missing: tuple[str, ...] = ()  # codes recoded to blank by if(...)


@dataclass(frozen=True)
class _Aggregate:
    method: str  # "sum" | "mean" | "plus"
    terms: tuple[_Term, ...]
    multiplier: float = 1.0


def _tokens(expression: str) -> list[tuple[str, str]] | None:
    tokens: list[tuple[str, str]] = []
    position = 0
    expression = expression.strip()
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if match is None or match.end() == position:
            return None
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
        while position < len(expression) and expression[position].isspace():
            position += 1
    return tokens


class _Parser:
    """A tiny recursive-descent reader for the plain sums Buoy turns into scoring rules."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def take(self, kind: str, text: str | None = None) -> str | None:
        token = self.peek()
        if token[0] == kind and (text is None or token[1].lower() == text):
            self.position += 1
            return token[1]
        return None

    def at_end(self) -> bool:
        return self.position >= len(self.tokens)

    def number(self) -> float | None:
        negative = self.take("op", "-") is not None
        text = self.take("num")
        if text is None:
            return None
        return -float(text) if negative else float(text)

    def ref(self) -> tuple[str, str | None] | None:
        text = self.take("ref")
        if text is None:
            return None
        inner = text[1:-1]
        if "(" in inner:
            name, _, code = inner.partition("(")
            return name, code.rstrip(")")
        return inner, None

    def expression(self) -> _Aggregate | _Term | None:
        start = self.position
        aggregate = self.aggregate()
        if aggregate is not None and self.at_end():
            return aggregate
        self.position = start
        term = self.term()
        if term is not None and self.at_end():
            return term
        return None

    def aggregate(self) -> _Aggregate | None:
        start = self.position
        name = self.peek()
        if name[0] == "name" and name[1].lower() in ("sum", "mean") and self.peek(1)[1] == "(":
            self.position += 2
            terms: list[_Term] = []
            while True:
                term = self.term()
                if term is None:
                    self.position = start
                    return None
                terms.append(term)
                if self.take("op", ","):
                    continue
                if self.take("op", ")"):
                    break
                self.position = start
                return None
            return self.times(_Aggregate(name[1].lower(), tuple(terms)))
        if self.take("op", "("):
            inner = self.aggregate()
            if inner is not None and self.take("op", ")"):
                return self.times(inner)
            self.position = start
        terms = []
        term = self.term()
        while term is not None:
            terms.append(term)
            if not self.take("op", "+"):
                break
            term = self.term()
            if term is None:
                self.position = start
                return None
        if len(terms) >= 2:
            return _Aggregate("plus", tuple(terms))
        self.position = start
        return None

    def times(self, aggregate: _Aggregate) -> _Aggregate:
        start = self.position
        if self.take("op", "*"):
            factor = self.number()
            if factor is not None:
                return _Aggregate(aggregate.method, aggregate.terms, aggregate.multiplier * factor)
        self.position = start
        return aggregate

    def term(self) -> _Term | None:
        start = self.position
        if self.take("op", "("):
            inner = self.term()
            if inner is not None and self.take("op", ")"):
                return self.weighted(inner)
            self.position = start
            return None
        if self.peek()[0] == "name" and self.peek()[1].lower() == "if":
            wrapped = self.recode()
            return None if wrapped is None else self.weighted(wrapped)
        ref = self.ref()
        if ref is not None:
            return self.weighted(_Term(ref[0], ref[1]))
        constant = self.number()
        if constant is not None:
            if self.take("op", "-"):
                inner = self.term()
                if inner is not None and inner.reverse_from is None and inner.weight == 1:
                    return _Term(inner.field, inner.code, constant, 1.0, inner.missing)
            elif self.take("op", "*"):
                inner = self.term()
                if inner is not None:
                    return _Term(
                        inner.field,
                        inner.code,
                        inner.reverse_from,
                        inner.weight * constant,
                        inner.missing,
                    )
        self.position = start
        return None

    def weighted(self, term: _Term) -> _Term:
        start = self.position
        if self.take("op", "*"):
            factor = self.number()
            if factor is not None:
                return _Term(
                    term.field, term.code, term.reverse_from, term.weight * factor, term.missing
                )
        self.position = start
        return term

    def recode(self) -> _Term | None:
        """``if([x]='777' OR [x]='999', '', [x])``: x, with those codes read as missing."""
        start = self.position
        self.position += 1
        if not self.take("op", "("):
            self.position = start
            return None
        depth = 0
        while self.take("op", "("):
            depth += 1
        codes: list[str] = []
        field_name: str | None = None
        while True:
            ref = self.ref()
            if ref is None or ref[1] is not None or (field_name not in (None, ref[0])):
                self.position = start
                return None
            field_name = ref[0]
            if not self.take("op", "="):
                self.position = start
                return None
            token = self.peek()
            if token[0] == "str":
                codes.append(token[1][1:-1])
                self.position += 1
            else:
                value = self.number()
                if value is None:
                    self.position = start
                    return None
                codes.append(f"{value:g}")
            if self.take("name", "or"):
                continue
            break
        for _ in range(depth):
            if not self.take("op", ")"):
                self.position = start
                return None
        blank = self.peek(1)
        if not (
            self.take("op", ",")
            and blank[0] == "str"
            and blank[1] in ("''", '""')
            and self.take("str")
            and self.take("op", ",")
        ):
            self.position = start
            return None
        ref = self.ref()
        if ref is None or ref[0] != field_name or ref[1] is not None or not self.take("op", ")"):
            self.position = start
            return None
        return _Term(field_name, missing=tuple(codes))


def parse_calculation(expression: str) -> _Aggregate | _Term | None:
    tokens = _tokens(expression)
    if not tokens:
        return None
    return _Parser(tokens).expression()


# --- building instruments --------------------------------------------------------------------


def _value_of_code(code: str) -> Value:
    if _INT.fullmatch(code):
        return int(code)
    return code


def _score_of_code(code: str) -> float | None:
    return float(code) if _NUMBER.fullmatch(code) else None


def checkbox_item_id(field_name: str, code: str) -> str:
    """The flat-export column (and Buoy item id) of one checkbox option."""
    return f"{field_name}___{re.sub(r'[^a-z0-9_]', '_', code.lower())}"


def _humanise(form: str) -> str:
    text = form.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def instrument_id_for_form(form: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "_", form.lower()).strip("_")
    return slug or "form"


@dataclass
class _OptionDraft:
    value: Value
    score: float | None
    label: str
    code: str


@dataclass
class _ItemDraft:
    id: str
    kind: str  # choice | number | text | yesno
    text: str
    field: DictionaryField
    options: list[_OptionDraft] | None = None
    scorable: bool = False  # may be summed
    reverse: bool = False
    weight: float = 1.0
    scored: bool = False
    minimum: float | None = None
    maximum: float | None = None
    checkbox_code: str | None = None


@dataclass
class _RuleDraft:
    id: str
    field: DictionaryField
    method: str
    items: list[str]
    min_answered: int
    multiplier: float


class _FormBuilder:
    def __init__(
        self,
        form: str,
        fields: list[DictionaryField],
        *,
        record_id_field: str,
        all_fields: Mapping[str, DictionaryField],
        source: str,
        language: str,
    ) -> None:
        self.form = form
        self.fields = fields
        self.record_id_field = record_id_field
        self.all_fields = all_fields
        self.source = source
        self.language = language
        self.items: dict[str, _ItemDraft] = {}
        self.checkbox_items: dict[str, dict[str, str]] = {}  # field -> code -> item id
        self.calcs: dict[str, DictionaryField] = {}
        self.notes: list[str] = []
        self.calculations: list[dict[str, Any]] = []
        self.other_fields: list[dict[str, str]] = []
        self.sliders: dict[str, list[str]] = {}
        self.missing: dict[str, set[str]] = {}

    def note(self, text: str) -> None:
        self.notes.append(text)

    # items

    def collect_items(self) -> None:
        for f in self.fields:
            if f.name == self.record_id_field:
                continue
            annotation = f.other.get("field_annotation", "")
            text = "" if "@BUOY-NO-WORDING" in annotation else plain_text(f.label)
            if f.type in ("radio", "dropdown"):
                options = [
                    _OptionDraft(_value_of_code(code), _score_of_code(code), plain_text(lbl), code)
                    for code, lbl in f.choices
                ]
                numeric = all(o.score is not None for o in options)
                if not numeric:
                    for o in options:
                        o.score = None
                kind = "yesno" if "@BUOY-YESNO" in annotation else "choice"
                self.add(_ItemDraft(f.name, kind, text, f, options, scorable=numeric))
            elif f.type == "checkbox":
                codes: dict[str, str] = {}
                for code, lbl in f.choices:
                    item_id = checkbox_item_id(f.name, code)
                    codes[code] = item_id
                    option_text = plain_text(lbl)
                    self.add(
                        _ItemDraft(
                            item_id,
                            "yesno",
                            f"{text} — {option_text}" if text else option_text,
                            f,
                            [
                                _OptionDraft(0, 0.0, "Unchecked", "0"),
                                _OptionDraft(1, 1.0, "Checked", "1"),
                            ],
                            scorable=True,
                            checkbox_code=code,
                        )
                    )
                self.checkbox_items[f.name] = codes
            elif f.type in ("yesno", "truefalse"):
                yes, no = ("Yes", "No") if f.type == "yesno" else ("True", "False")
                self.add(
                    _ItemDraft(
                        f.name,
                        "yesno",
                        text,
                        f,
                        [_OptionDraft(1, 1.0, yes, "1"), _OptionDraft(0, 0.0, no, "0")],
                        scorable=True,
                    )
                )
            elif f.type == "slider":
                low = _number_or_none(f.minimum)
                high = _number_or_none(f.maximum)
                self.add(
                    _ItemDraft(
                        f.name,
                        "number",
                        text,
                        f,
                        scorable=True,
                        minimum=0.0 if low is None else low,
                        maximum=100.0 if high is None else high,
                    )
                )
                if f.slider_labels:
                    self.sliders[f.name] = [plain_text(label) for label in f.slider_labels]
            elif f.type == "text" and f.validation.startswith(_NUMBER_VALIDATIONS):
                self.add(
                    _ItemDraft(
                        f.name,
                        "number",
                        text,
                        f,
                        minimum=_number_or_none(f.minimum),
                        maximum=_number_or_none(f.maximum),
                    )
                )
            elif f.type in ("text", "notes"):
                self.add(_ItemDraft(f.name, "text", text, f))
            elif f.type == "calc":
                self.calcs[f.name] = f
            else:
                self.other_fields.append({"field": f.name, "type": f.type, "label": text})
        for item in self.items.values():
            if item.field.identifier:
                item.scorable = False

    def add(self, item: _ItemDraft) -> None:
        if item.id in self.items or (item.id in self.all_fields and item.id != item.field.name):
            raise InteropError(
                self.source,
                item.field.row,
                "field name",
                f'the checkbox option column "{item.id}" collides with another field',
            )
        self.items[item.id] = item

    # rules

    def resolve(
        self, parsed: _Aggregate | _Term, depth: int = 0
    ) -> tuple[str, list[_Term], float] | str:
        """(method, item terms, multiplier), or the reason the calculation is not a rule."""
        if isinstance(parsed, _Term):
            return "a single field is not a total"
        terms: list[_Term] = []
        for term in parsed.terms:
            resolved = self.resolve_term(term, parsed.method, depth)
            if isinstance(resolved, str):
                return resolved
            terms.extend(resolved)
        ids = [t.field for t in terms]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            return f'it counts "{duplicates[0]}" more than once'
        method = parsed.method
        if method == "mean" and any(t.weight != 1 for t in terms):
            return "a weighted mean is not a Buoy scoring rule"
        return ("mean" if method == "mean" else "sum"), terms, parsed.multiplier

    def resolve_term(self, term: _Term, outer: str, depth: int) -> list[_Term] | str:
        name = term.field
        if term.code is not None:
            codes = self.checkbox_items.get(name)
            if codes is None or term.code not in codes:
                return f'"[{name}({term.code})]" is not a checkbox option of this form'
            return [_Term(codes[term.code], None, term.reverse_from, term.weight, term.missing)]
        if name in self.checkbox_items:
            return f'"{name}" is a checkbox; name one option, like [{name}(1)]'
        if name in self.items:
            item = self.items[name]
            if item.kind == "text":
                return f'it refers to "{name}", a text field'
            if item.field.identifier:
                return f'it refers to "{name}", an identifier'
            return [term]
        if name in self.calcs and depth < 5:
            inner = parse_calculation(self.calcs[name].calculation)
            if isinstance(inner, _Term) and inner.missing and inner.code is None:
                if term.missing:
                    return f'"{name}" recodes missing values twice'
                return self.resolve_term(
                    _Term(inner.field, None, term.reverse_from, term.weight, inner.missing),
                    outer,
                    depth + 1,
                )
            if (
                isinstance(inner, _Aggregate)
                and inner.method in ("sum", "plus")
                and outer in ("sum", "plus")
                and inner.multiplier == 1
                and term.weight == 1
                and term.reverse_from is None
                and not term.missing
            ):
                resolved = self.resolve(inner, depth + 1)
                if isinstance(resolved, str):
                    return f'"{name}" cannot be added up: {resolved}'
                return resolved[1]
            return f'it uses "{name}", a calculation that is not a plain sum'
        if name in self.all_fields:
            other = self.all_fields[name]
            if other.form != self.form:
                return f'it refers to "{name}" on the form "{other.form}"'
            return f'it refers to "{name}", a {other.type} field'
        return f'it refers to "{name}", which the dictionary does not define'

    def make_rules(self) -> list[_RuleDraft]:
        rules: list[_RuleDraft] = []
        reverse: dict[str, bool] = {}
        weights: dict[str, float] = {}
        recodes: dict[str, tuple[str, ...]] = {}
        for f in self.calcs.values():
            parsed = parse_calculation(f.calculation)
            reason: str | None = None
            kept: dict[str, Any] = {
                "field": f.name,
                "row": f.row,
                "label": plain_text(f.label),
                "expression": f.calculation,
            }
            if parsed is None:
                reason = "Buoy scores only sum(), mean() and [a]+[b]+… of this form's answers"
            elif isinstance(parsed, _Term) and parsed.missing:
                kept["used_as"] = "missing-code recode"
                self.calculations.append(kept)
                continue
            else:
                resolved = self.resolve(parsed)
                if isinstance(resolved, str):
                    reason = resolved
                else:
                    method, terms, multiplier = resolved
                    reason = self.check_terms(terms, reverse, weights, recodes)
                    tagged = _RULE_TAG.search(f.other.get("field_annotation", "")) is not None
                    weighted = [t for t in terms if t.weight != 1]
                    if reason is None and not tagged and weighted:
                        reason = (
                            f'it multiplies an answer ("[{weighted[0].field}]*'
                            f'{weighted[0].weight:g}"): arithmetic, not a score'
                        )
                    elif (
                        reason is None
                        and not tagged
                        and isinstance(parsed, _Aggregate)
                        and parsed.method == "plus"
                        and multiplier != 1
                    ):
                        reason = "it multiplies a sum of answers: arithmetic, not a score"
                    if reason is None:
                        for t in terms:
                            reverse[t.field] = t.reverse_from is not None
                            weights[t.field] = t.weight
                            if t.missing:
                                recodes[t.field] = t.missing
                        if method == "sum" and any(t.weight != 1 for t in terms):
                            method = "weighted_sum"
                        rule = _RuleDraft(
                            f.name, f, method, [t.field for t in terms], len(terms), multiplier
                        )
                        self.apply_rule_tag(rule)
                        rules.append(rule)
                        kept["used_as"] = "rule"
                        self.calculations.append(kept)
                        continue
            kept["reason"] = reason
            self.calculations.append(kept)
            self.note(
                f'{self.form}, row {f.row}, field "{f.name}": kept the calculation '
                f'"{_short(f.calculation, 70)}" in extras; not scored because {reason}.'
            )
        for item_id, is_reverse in reverse.items():
            self.items[item_id].reverse = is_reverse
            self.items[item_id].weight = weights[item_id]
        for item_id, codes in recodes.items():
            self.mark_missing(item_id, codes)
        return rules

    def check_terms(
        self,
        terms: list[_Term],
        reverse: dict[str, bool],
        weights: dict[str, float],
        recodes: dict[str, tuple[str, ...]],
    ) -> str | None:
        for t in terms:
            item = self.items[t.field]
            if t.reverse_from is not None:
                scores = [
                    o.score
                    for o in item.options or []
                    if o.score is not None and o.code not in t.missing
                ]
                if item.kind == "number" and item.minimum is not None and item.maximum is not None:
                    scores = [item.minimum, item.maximum]
                if not scores or t.reverse_from != min(scores) + max(scores):
                    return (
                        f'"{t.reverse_from:g}-[{t.field}]" does not mirror the options of '
                        f'"{t.field}" (reverse keying needs lowest + highest)'
                    )
            if t.field in reverse and reverse[t.field] != (t.reverse_from is not None):
                return f'"{t.field}" is reverse-keyed in one rule and not in another'
            if t.field in weights and weights[t.field] != t.weight:
                return f'"{t.field}" has different weights in different rules'
            if t.field in recodes and recodes[t.field] != t.missing:
                return f'"{t.field}" has different missing codes in different rules'
        return None

    def apply_rule_tag(self, rule: _RuleDraft) -> None:
        annotation = rule.field.other.get("field_annotation", "")
        match = _RULE_TAG.search(annotation)
        if match is None:
            return
        try:
            tag = json.loads(match.group(1))
            method = tag.get("method", rule.method)
            minimum = int(tag.get("min_answered", rule.min_answered))
            multiplier = float(tag.get("multiplier", rule.multiplier))
        except (ValueError, TypeError, AttributeError):
            self.note(
                f'{self.form}, row {rule.field.row}, field "{rule.field.name}": ignored an '
                "unreadable @BUOY-RULE annotation."
            )
            return
        if method not in SCORING_METHODS or not 1 <= minimum <= len(rule.items):
            self.note(
                f'{self.form}, row {rule.field.row}, field "{rule.field.name}": ignored the '
                f"@BUOY-RULE annotation (method {method!r}, min_answered {minimum})."
            )
            return
        rule.method, rule.min_answered, rule.multiplier = method, minimum, multiplier

    def mark_missing(self, item_id: str, codes: Iterable[str]) -> None:
        item = self.items[item_id]
        wanted = set(codes)
        marked = []
        for option in item.options or []:
            if option.code in wanted or (
                option.score is not None and f"{option.score:g}" in wanted
            ):
                option.score = None
                marked.append(option.code)
        if marked:
            self.missing.setdefault(item_id, set()).update(marked)

    def default_rule(self) -> _RuleDraft | None:
        def looks_missing(option: _OptionDraft) -> bool:
            return (
                option.score is not None
                and (option.score >= 77 or option.score < 0)
                and _MISSING_LABEL.search(option.label) is not None
            )

        def has_score(item: _ItemDraft) -> bool:
            return item.kind == "number" or any(
                o.score is not None and not looks_missing(o) for o in item.options or []
            )

        candidates = [i for i in self.items.values() if i.scorable and has_score(i)]
        if not candidates:
            return None
        scales = Counter(_scale_key(item) for item in candidates if item.kind == "choice")
        chosen = candidates
        description = f"all {len(candidates)} scorable items"
        if scales:
            key, count = scales.most_common(1)[0]
            if count >= 2:
                chosen = [i for i in candidates if i.kind == "choice" and _scale_key(i) == key]
                first = chosen[0].options or []
                scale = " | ".join(f"{o.code}, {o.label}" for o in first[:2])
                more = " | …" if len(first) > 2 else ""
                description = f'the {count} items that share the answer scale "{scale}{more}"'
        for item in chosen:
            codes = [o.code for o in item.options or [] if looks_missing(o)]
            if codes:
                self.mark_missing(item.id, codes)
        self.note(
            f"{self.form}: the dictionary has no sum or mean for this form; Buoy's total is "
            f"the sum of {description}, all required. Check it before relying on it."
        )
        return _RuleDraft("total", self.fields[0], "sum", [i.id for i in chosen], len(chosen), 1)

    def build(self) -> dict[str, Any] | None:
        self.collect_items()
        rules = self.make_rules()
        total_source = "calc"
        if rules:
            total = max(rules, key=lambda r: len(r.items))  # the first of equal ones wins
        else:
            default = self.default_rule()
            if default is None:
                kinds = Counter(f.type for f in self.fields if f.name != self.record_id_field)
                summary = ", ".join(f"{n} {kind}" for kind, n in kinds.items()) or "no fields"
                if any(f.identifier for f in self.fields):
                    summary += "; identifier fields are never scored"
                self.note(f"{self.form}: skipped, nothing to score ({summary}).")
                return None
            total = default
            rules = [default]
            total_source = "default"
        scored = {item_id for rule in rules for item_id in rule.items}
        for item in self.items.values():
            item.scored = item.id in scored
        for rule in rules:
            if total_source == "calc":
                exact = rule.min_answered == len(rule.items)
                self.note(
                    f"{self.form}: {'total' if rule is total else 'subscale ' + rule.id} = "
                    f"{rule.method} of {len(rule.items)} items, from the calc field "
                    f'"{rule.field.name}" (row {rule.field.row})'
                    + (
                        f"; REDCap adds whatever is answered, Buoy asks for all "
                        f"{len(rule.items)} (lower min_answered if the instrument allows "
                        "missing items)."
                        if exact
                        else f"; at least {rule.min_answered} answered (@BUOY-RULE)."
                    )
                )
        for item_id, codes in self.missing.items():
            item = self.items[item_id]
            labels = [o.label or o.code for o in item.options or [] if o.code in codes]
            self.note(
                f'{self.form}, row {item.field.row}, field "{item.field.name}": answers '
                f"{', '.join(sorted(codes))} ({'; '.join(labels)}) count as missing, "
                "not as scores."
            )
        if self.other_fields:
            names = ", ".join(f"{o['field']} ({o['type']})" for o in self.other_fields)
            self.note(f"{self.form}: kept in extras, nothing to answer or score: {names}.")
        return self.as_dict(total, [r for r in rules if r is not total], total_source)

    def as_dict(
        self, total: _RuleDraft, subscales: list[_RuleDraft], total_source: str
    ) -> dict[str, Any]:
        response_sets: dict[str, dict[str, Any]] = {}
        set_ids: dict[tuple[Any, ...], str] = {}
        items = []
        for number, item in enumerate(self.items.values(), start=1):
            set_id = None
            if item.options is not None:
                key = _scale_key(item, with_scores=True)
                if key not in set_ids:
                    base = (
                        "checkbox"
                        if item.checkbox_code is not None
                        else (
                            item.field.type
                            if item.field.type in ("yesno", "truefalse")
                            else item.id
                        )
                    )
                    set_id = base
                    suffix = 2
                    while set_id in response_sets:
                        set_id = f"{base}_{suffix}"
                        suffix += 1
                    set_ids[key] = set_id
                    response_sets[set_id] = {
                        "options": [
                            {
                                "value": o.value,
                                "score": o.score,
                                **({"label": {self.language: o.label}} if o.label else {}),
                            }
                            for o in item.options
                        ]
                    }
                set_id = set_ids[key]
            entry: dict[str, Any] = {
                "id": item.id,
                "number": number,
                "kind": item.kind,
                "options": set_id,
                "scored": item.scored,
                "reverse": item.reverse,
                "weight": item.weight,
                "identifier": item.field.identifier,
            }
            if item.text:
                entry["text"] = {self.language: item.text}
            if item.minimum is not None:
                entry["min"] = item.minimum
            if item.maximum is not None:
                entry["max"] = item.maximum
            items.append(entry)

        def rule(draft: _RuleDraft, rule_id: str) -> dict[str, Any]:
            label = plain_text(draft.field.label) if draft.field.type == "calc" else ""
            return {
                "id": rule_id,
                "method": draft.method,
                "items": draft.items,
                "min_answered": draft.min_answered,
                "multiplier": draft.multiplier,
                **({"label": {self.language: label}} if label else {}),
            }

        fields_extra: dict[str, dict[str, Any]] = {}
        for f in self.fields:
            entry = {"type": f.type, "row": f.row, **dict(f.other)}
            if f.validation:
                entry["validation"] = f.validation
            if f.minimum:
                entry["validation_min"] = f.minimum
            if f.maximum:
                entry["validation_max"] = f.maximum
            if f.identifier:
                entry["identifier"] = True
            fields_extra[f.name] = entry
        checkboxes = {
            name: {
                "label": plain_text(self.fields_by_name(name).label),
                "options": [[code, item_id] for code, item_id in codes.items()],
            }
            for name, codes in self.checkbox_items.items()
        }
        redcap: dict[str, Any] = {
            "record_id_field": self.record_id_field,
            "fields": fields_extra,
            "total_field": total.field.name if total_source == "calc" else None,
        }
        if checkboxes:
            redcap["checkboxes"] = checkboxes
        if self.sliders:
            redcap["sliders"] = self.sliders
        if self.calculations:
            redcap["calculations"] = self.calculations
        if self.other_fields:
            redcap["other_fields"] = self.other_fields
        if self.missing:
            redcap["missing_codes"] = {k: sorted(v) for k, v in self.missing.items()}
        return {
            "id": instrument_id_for_form(self.form),
            "version": "1",
            "name": {self.language: _humanise(self.form)},
            "licence": {
                "status": "licensed",
                "note": (
                    f"Imported from the REDCap data dictionary {self.source}; the file states "
                    "no licence, so the wording stays with this site."
                ),
            },
            "response_sets": response_sets,
            "items": items,
            "total": rule(total, "total"),
            "subscales": [rule(s, s.id) for s in subscales],
            "extras": {
                "redcap_form": self.form,
                "source": {"format": "redcap-data-dictionary", "file": self.source},
                "total_source": total_source,
                "redcap": redcap,
                "import_notes": list(self.notes),
            },
        }

    def fields_by_name(self, name: str) -> DictionaryField:
        return next(f for f in self.fields if f.name == name)


def _scale_key(item: _ItemDraft, *, with_scores: bool = False) -> tuple[Any, ...]:
    return tuple(
        (o.code, o.label, o.score) if with_scores else (o.code, o.label) for o in item.options or []
    )


def _number_or_none(text: str) -> float | None:
    text = text.strip()
    return float(text) if _NUMBER.fullmatch(text) else None


def read_data_dictionary(
    text_or_bytes: str | bytes, *, source: str, language: str = "en"
) -> DictionaryImport:
    """Read a REDCap data dictionary; raise InteropError for the first problem found."""
    text = decode_text(text_or_bytes, source)
    rows = _read_csv(text, source)
    positions, style = _read_header(rows[0], source)
    fields = _parse_fields(rows, positions, source)
    record_id_field = fields[0].name
    by_name = {f.name: f for f in fields}
    forms: list[str] = []
    for f in fields:
        if f.form not in forms:
            forms.append(f.form)
    instruments: list[Instrument] = []
    skipped: list[str] = []
    notes: list[str] = []
    for form in forms:
        builder = _FormBuilder(
            form,
            [f for f in fields if f.form == form],
            record_id_field=record_id_field,
            all_fields=by_name,
            source=source,
            language=language,
        )
        data = builder.build()
        notes.extend(builder.notes)
        if data is None:
            skipped.append(form)
            continue
        data["extras"]["source"]["header_style"] = style
        try:
            instruments.append(instrument_from_dict(data, source=source))
        except DefinitionError as error:  # a bug here, or a form Buoy cannot represent
            first = builder.fields[0]
            raise InteropError(
                source,
                first.row,
                "form name",
                f'the form "{form}" does not make a valid instrument: {error.path}: '
                f"{error.message}",
            ) from None
    return DictionaryImport(
        source=source,
        header_style=style,
        record_id_field=record_id_field,
        fields=tuple(fields),
        forms=tuple(forms),
        instruments=tuple(instruments),
        skipped_forms=tuple(skipped),
        notes=notes,
    )


# --- writing a data dictionary ---------------------------------------------------------------


def options_of(instrument: Instrument, item: Item) -> tuple[Option, ...]:
    """The options an item accepts (empty for number and text items)."""
    if item.response_set is None or item.response_set not in instrument.response_sets:
        return ()
    return tuple(instrument.response_sets[item.response_set].options)


def _label(text: Mapping[str, str], language: str) -> str:
    if language in text:
        return text[language]
    return next(iter(text.values()), "")


def _redcap_name(raw: str, taken: set[str]) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", raw.lower()).strip("_") or "item"
    if not name[0].isalpha():
        name = f"q_{name}"
    candidate, suffix = name, 2
    while candidate in taken:
        candidate = f"{name}_{suffix}"
        suffix += 1
    taken.add(candidate)
    return candidate


def _format_number(value: float) -> str:
    return f"{value:g}"


def write_data_dictionary(instrument: Instrument, *, language: str = "en") -> str:
    """A REDCap data dictionary (the 18 browser-download columns) for one instrument.

    A ``record_id`` field comes first; items become radio fields (yes/no, number and text
    items their REDCap equivalents; checkbox items imported from REDCap a checkbox field
    again); the total and each subscale become calc fields with ``sum()`` or ``mean()``.
    REDCap has no option scores: a code *is* the score, so options whose scores differ from
    their values are written with the score as code. Answers Buoy reads as missing are recoded
    to blank inside the sum (``if([x]='999', '', [x])``), reverse keying is ``K-[x]`` and a
    weight ``[x]*w``. A rule that a plain sum cannot say (a minimum below all items, a
    prorated sum, item weights) is kept in an ``@BUOY-RULE`` field annotation, which REDCap
    ignores and `read_data_dictionary` reads back; so are ``@BUOY-NO-WORDING`` (an item
    without wording gets the label "Item N") and ``@BUOY-YESNO`` (a yes/no item whose labels
    are not REDCap's "Yes"/"No"). Bands, norms, item groups and safety rules have no REDCap
    form and are not written.
    """
    extras = instrument.extras
    stored = extras.get("redcap")
    redcap: Mapping[str, Any] = stored if isinstance(stored, Mapping) else {}
    field_meta: Mapping[str, Any] = redcap.get("fields") or {}
    checkboxes: Mapping[str, Any] = redcap.get("checkboxes") or {}
    sliders: Mapping[str, Any] = redcap.get("sliders") or {}
    form = str(extras.get("redcap_form") or instrument.id)
    form = re.sub(r"[^a-z0-9_]+", "_", form.lower()).strip("_") or "instrument"

    taken: set[str] = set()
    record_id = str(redcap.get("record_id_field") or "record_id")
    if any(item.id == record_id for item in instrument.items):
        record_id = "record_id"
    record_id = _redcap_name(record_id, taken)
    item_ids = {item.id for item in instrument.items}
    checkbox_of: dict[str, tuple[str, str]] = {}  # item id -> (field, code)
    for field_name, group in checkboxes.items():
        for code, item_id in group.get("options", []):
            if str(item_id) in item_ids:
                checkbox_of[str(item_id)] = (str(field_name), str(code))
                taken.add(str(field_name))
    names: dict[str, str] = {}
    for item in instrument.items:
        if item.id not in checkbox_of:
            names[item.id] = _redcap_name(item.id, taken)

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HUMAN_HEADERS)

    def row(name: str, kind: str, label: str, **columns: str) -> None:
        values = dict.fromkeys(API_HEADERS, "")
        values.update(field_name=name, form_name=form, field_type=kind, field_label=label)
        values.update(columns)
        writer.writerow([values[api] for api in API_HEADERS])

    def meta(item_id: str, tags: Sequence[str] = ()) -> dict[str, str]:
        stored = field_meta.get(item_id)
        if not isinstance(stored, Mapping):
            stored = {}
        columns = {key: str(stored[key]) for key in KEPT_COLUMNS if stored.get(key)}
        annotation = " ".join(
            [
                columns.get("field_annotation", ""),
                *(t for t in tags if t not in columns.get("field_annotation", "")),
            ]
        ).strip()
        if annotation:
            columns["field_annotation"] = annotation
        return columns

    row(record_id, "text", "Record ID")
    code_of: dict[str, dict[Any, str]] = {}  # item id -> option value -> REDCap code
    written_checkboxes: set[str] = set()
    for item in instrument.items:
        label = _label(item.text, language)
        identifier = "y" if item.identifier else ""
        tags: list[str] = []
        if not label:
            label = f"Item {item.number}"
            tags.append("@BUOY-NO-WORDING")  # licensed wording: a placeholder, not text
        options = options_of(instrument, item)
        if item.id in checkbox_of:
            field_name, _ = checkbox_of[item.id]
            if field_name in written_checkboxes:
                continue
            written_checkboxes.add(field_name)
            group = checkboxes[field_name]
            choices = []
            for code, option_item in group.get("options", []):
                if str(option_item) in item_ids:
                    text = _label(instrument.item(str(option_item)).text, language)
                    choices.append(f"{code}, {text.split(' — ', 1)[-1]}")
            row(
                field_name,
                "checkbox",
                str(group.get("label", "")),
                select_choices_or_calculations=" | ".join(choices),
                identifier=identifier,
                **meta(field_name),
            )
            for code, option_item in group.get("options", []):
                if str(option_item) in item_ids:
                    names[str(option_item)] = f"{field_name}({code})"
            continue
        name = names[item.id]
        stored_type = str((field_meta.get(item.id) or {}).get("type", ""))
        if item.kind in ("choice", "yesno") and options:
            codes = _codes_for(options)
            code_of[item.id] = codes
            pairs = [(codes[o.value], _label(o.label, language)) for o in options]
            if item.kind == "yesno":
                redcap_type = _yesno_type(options)
                if redcap_type is not None:
                    row(name, redcap_type, label, identifier=identifier, **meta(item.id, tags))
                    continue
                tags.append("@BUOY-YESNO")  # REDCap's yesno cannot hold these labels
            kind = stored_type if stored_type in ("radio", "dropdown") else "radio"
            row(
                name,
                kind,
                label,
                select_choices_or_calculations=" | ".join(f"{c}, {lbl}" for c, lbl in pairs),
                identifier=identifier,
                **meta(item.id, tags),
            )
        elif item.kind == "yesno":
            row(name, "yesno", label, identifier=identifier, **meta(item.id, tags))
        elif item.kind == "number":
            bounds = {
                "text_validation_min": "" if item.minimum is None else _format_number(item.minimum),
                "text_validation_max": "" if item.maximum is None else _format_number(item.maximum),
            }
            if stored_type == "slider":
                row(
                    name,
                    "slider",
                    label,
                    select_choices_or_calculations=" | ".join(sliders.get(item.id, [])),
                    identifier=identifier,
                    **bounds,
                    **meta(item.id, tags),
                )
            else:
                validation = str((field_meta.get(item.id) or {}).get("validation") or "number")
                row(
                    name,
                    "text",
                    label,
                    text_validation_type_or_show_slider_number=validation,
                    identifier=identifier,
                    **bounds,
                    **meta(item.id, tags),
                )
        else:
            kind = "notes" if stored_type == "notes" else "text"
            row(name, kind, label, identifier=identifier, **meta(item.id, tags))

    def term(item_id: str) -> str:
        item = instrument.item(item_id)
        ref = f"[{names[item_id]}]"
        blanks = [
            code_of.get(item_id, {}).get(o.value, str(o.value))
            for o in options_of(instrument, item)
            if o.score is None and item.kind in ("choice", "yesno")
        ]
        if blanks:
            condition = " or ".join(f"{ref} = '{code}'" for code in blanks)
            ref = f"if({condition}, '', {ref})"
        if item.reverse:
            scores = tuple(o.score for o in options_of(instrument, item) if o.score is not None)
            if not scores and item.minimum is not None and item.maximum is not None:
                scores = (item.minimum, item.maximum)
            if scores:  # a reverse-keyed item without a range cannot be mirrored
                ref = f"({_format_number(min(scores) + max(scores))}-{ref})"
        if item.weight != 1:
            ref = f"{ref}*{_format_number(item.weight)}"
        return ref

    total_field = str(redcap.get("total_field") or f"{form}_total")
    for index, rule in enumerate((instrument.total, *instrument.subscales)):
        function = "mean" if rule.method == "mean" else "sum"
        expression = f"{function}({', '.join(term(i) for i in rule.items)})"
        if rule.multiplier != 1:
            expression = f"{expression}*{_format_number(rule.multiplier)}"
        weighted = any(instrument.item(i).weight != 1 for i in rule.items)
        annotation = ""
        if rule.method != function or weighted or rule.min_answered != len(rule.items):
            tag = json.dumps(
                {"method": rule.method, "min_answered": rule.min_answered},
                separators=(", ", ": "),
            )
            annotation = f"@BUOY-RULE='{tag}'"
        name = _redcap_name(total_field if index == 0 else rule.id, taken)
        row(
            name,
            "calc",
            _label(rule.label, language) or ("Total" if index == 0 else rule.id),
            select_choices_or_calculations=expression,
            field_note=rule.describe(),
            field_annotation=annotation,
        )
    return out.getvalue()


def _yesno_type(options: Sequence[Option]) -> str | None:
    """ "yesno" or "truefalse" when the options are exactly REDCap's, else None."""
    shape = sorted((str(o.value), _label(o.label, "en"), o.score) for o in options)
    for kind, yes, no in (("yesno", "Yes", "No"), ("truefalse", "True", "False")):
        if shape == [("0", no, 0.0), ("1", yes, 1.0)]:
            return kind
    return None


def _codes_for(options: Sequence[Option]) -> dict[Any, str]:
    """REDCap codes: the score when it differs from the value (REDCap has no weights)."""
    valid = all(
        isinstance(o.value, int) or (isinstance(o.value, str) and _CODE.fullmatch(o.value))
        for o in options
    )
    scored = [o for o in options if o.score is not None]
    scores_differ = any(o.score != o.value for o in scored)
    scores_unique = len({o.score for o in scored}) == len(scored)
    if scores_differ and scores_unique:
        codes = {o.value: _format_number(o.score) for o in scored if o.score is not None}
        next_missing = 777
        for o in options:
            if o.score is None:
                while str(next_missing) in codes.values():
                    next_missing += 111
                codes[o.value] = str(next_missing)
                next_missing += 111
        return codes
    if valid:
        return {
            o.value: _format_number(o.value) if isinstance(o.value, float) else str(o.value)
            for o in options
        }
    return {o.value: str(index) for index, o in enumerate(options, start=1)}


# --- records ---------------------------------------------------------------------------------


@dataclass
class _Target:
    form: str
    instrument: Instrument
    items: dict[str, Item]
    options: dict[str, tuple[Option, ...]]
    checkbox_groups: dict[str, dict[str, str]]  # field -> normalised code -> item id


def _targets(
    dictionary_or_instrument: DictionaryImport | Instrument | Sequence[Instrument],
) -> list[_Target]:
    if isinstance(dictionary_or_instrument, DictionaryImport):
        instruments: Sequence[Instrument] = dictionary_or_instrument.instruments
    elif isinstance(dictionary_or_instrument, Instrument):
        instruments = [dictionary_or_instrument]
    else:
        instruments = list(dictionary_or_instrument)
    targets = []
    for instrument in instruments:
        form = str(instrument.extras.get("redcap_form") or instrument.id)
        redcap = instrument.extras.get("redcap") or {}
        groups: dict[str, dict[str, str]] = {}
        for field_name, group in (redcap.get("checkboxes") or {}).items():
            groups[str(field_name)] = {
                _normalise(str(code)): str(item_id) for code, item_id in group.get("options", [])
            }
        targets.append(
            _Target(
                form=form,
                instrument=instrument,
                items={item.id: item for item in instrument.items},
                options={item.id: options_of(instrument, item) for item in instrument.items},
                checkbox_groups=groups,
            )
        )
    return targets


def _convert(target: _Target, item_id: str, raw: str, source: str, row: int, column: str) -> Value:
    item = target.items[item_id]
    value = raw.strip()
    options = target.options.get(item_id, ())
    if item.kind in ("choice", "yesno") and options:
        for option in options:
            if str(option.value) == value:
                return option.value
        if _NUMBER.fullmatch(value):
            for option in options:
                if isinstance(option.value, int | float) and float(option.value) == float(value):
                    return option.value
        folded = value.casefold()
        matches = [o for o in options if any(lbl.casefold() == folded for lbl in o.label.values())]
        if len(matches) == 1:
            return matches[0].value
        codes = ", ".join(str(o.value) for o in options)
        raise InteropError(
            source,
            row,
            column,
            f'"{_short(value, 40)}" is not one of the codes of "{item_id}" ({_short(codes, 60)})',
        )
    if item.kind == "yesno":
        lowered = value.lower()
        if lowered in ("1", "yes", "true", "checked"):
            return 1
        if lowered in ("0", "no", "false", "unchecked"):
            return 0
        raise InteropError(source, row, column, f'"{_short(value, 40)}" is not yes (1) or no (0)')
    if item.kind == "number":
        if _INT.fullmatch(value):
            return int(value)
        if _NUMBER.fullmatch(value):
            return float(value)
        raise InteropError(
            source, row, column, f'"{_short(value, 40)}" is not a number (item "{item_id}")'
        )
    return raw


def _complete(raw: str, source: str, row: int, column: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if value in ("0", "1", "2"):
        return int(value)
    if value.lower() in _COMPLETE:
        return _COMPLETE[value.lower()]
    raise InteropError(
        source,
        row,
        column,
        f'"{_short(value, 40)}" is not a form status (0 incomplete, 1 unverified, 2 complete)',
    )


def _instance(raw: str, source: str, row: int, column: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if not re.fullmatch(r"[0-9]+", value):
        raise InteropError(source, row, column, f'"{value}" is not a repeat instance number')
    return int(value)


@dataclass
class _Group:
    record_id: str
    event: str | None
    repeat_instrument: str | None
    instance: int | None
    answers: dict[str, dict[str, Value]] = field(default_factory=dict)  # form -> answers
    complete: dict[str, int] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)


def read_records(
    text: str | bytes,
    *,
    dictionary_or_instrument: DictionaryImport | Instrument | Sequence[Instrument],
    source: str,
) -> list[RecordAnswers]:
    """Answers from a flat or EAV records export; InteropError for the first bad value."""
    rows = _read_csv(decode_text(text, source), source)
    header = [cell.strip() for cell in rows[0]]
    targets = _targets(dictionary_or_instrument)
    if not targets:
        raise InteropError(source, None, None, "there is no instrument to read answers for")
    lowered = [h.lower() for h in header]
    if {"record", "field_name", "value"} <= set(lowered):
        groups = _read_eav(rows, lowered, targets, source)
    else:
        groups = list(_read_flat(rows, header, targets, source))
    results: list[RecordAnswers] = []
    for group in groups:
        for target in targets:
            if target.form not in group.present:
                continue
            answers = group.answers.get(target.form, {})
            for codes in target.checkbox_groups.values():
                for item_id in codes.values():
                    answers.setdefault(item_id, 0)
            ordered = {i: answers[i] for i in target.items if i in answers}
            results.append(
                RecordAnswers(
                    record_id=group.record_id,
                    event=group.event,
                    repeat_instance=group.instance,
                    form=target.form,
                    answers=ordered,
                    complete=group.complete.get(target.form),
                    instrument_id=target.instrument.id,
                )
            )
    return results


def _column_map(
    header: list[str], targets: list[_Target]
) -> tuple[dict[int, tuple[_Target, str]], dict[int, _Target]]:
    columns: dict[int, tuple[_Target, str]] = {}
    completes: dict[int, _Target] = {}
    for index, name in enumerate(header):
        for target in targets:
            if name == f"{target.form}_complete":
                completes[index] = target
            elif name in target.items:
                columns[index] = (target, name)
            elif "___" in name:
                base, _, suffix = name.partition("___")
                item_id = target.checkbox_groups.get(base, {}).get(_normalise(suffix))
                if item_id is not None:
                    columns[index] = (target, item_id)
    return columns, completes


def _read_flat(
    rows: list[list[str]], header: list[str], targets: list[_Target], source: str
) -> Iterator[_Group]:
    columns, completes = _column_map(header, targets)
    if not columns and not completes:
        forms = ", ".join(t.form for t in targets)
        raise InteropError(
            source,
            1,
            None,
            f"no column names a field of {forms}: is this the records export of this project?",
        )
    position = {name: index for index, name in enumerate(header) if name in _RESERVED_FLAT}
    width = len(header)
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise InteropError(
                source,
                number,
                None,
                f"has {len(row)} columns where the header has {width} (is the file cut short?)",
            )
        record_id = row[0].strip()
        if not record_id:
            raise InteropError(source, number, header[0], "the record id is empty")

        def cell(name: str, _row: list[str] = row) -> str:
            return _row[position[name]].strip() if name in position else ""

        repeat_instrument = cell("redcap_repeat_instrument") or None
        group = _Group(
            record_id,
            cell("redcap_event_name") or None,
            repeat_instrument,
            _instance(cell("redcap_repeat_instance"), source, number, "redcap_repeat_instance"),
        )
        for index, (target, item_id) in columns.items():
            raw = row[index]
            if not raw.strip() or (repeat_instrument and repeat_instrument != target.form):
                continue
            value = _convert(target, item_id, raw, source, number, header[index])
            group.answers.setdefault(target.form, {})[item_id] = value
            is_checkbox = any(item_id in c.values() for c in target.checkbox_groups.values())
            if not is_checkbox or value == 1:
                group.present.add(target.form)
        for index, target in completes.items():
            if repeat_instrument and repeat_instrument != target.form:
                continue
            status = _complete(row[index], source, number, header[index])
            if status is not None:
                group.complete[target.form] = status
                group.present.add(target.form)
        yield group


def _read_eav(
    rows: list[list[str]], lowered: list[str], targets: list[_Target], source: str
) -> list[_Group]:
    index = {name: i for i, name in enumerate(lowered)}
    event_column = index.get("redcap_event_name", index.get("event_id"))
    groups: dict[tuple[str, str | None, str | None, int | None], _Group] = {}
    width = len(lowered)
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise InteropError(
                source,
                number,
                None,
                f"has {len(row)} columns where the header has {width} (is the file cut short?)",
            )
        record_id = row[index["record"]].strip()
        field_name = row[index["field_name"]].strip()
        value = row[index["value"]]
        if not record_id:
            raise InteropError(source, number, "record", "the record id is empty")
        event = row[event_column].strip() or None if event_column is not None else None
        repeat_instrument = (
            row[index["redcap_repeat_instrument"]].strip() or None
            if "redcap_repeat_instrument" in index
            else None
        )
        instance_column = index.get("redcap_repeat_instance")
        instance = (
            None
            if instance_column is None
            else _instance(row[instance_column], source, number, "redcap_repeat_instance")
        )
        key = (record_id, event, repeat_instrument, instance)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(record_id, event, repeat_instrument, instance)
        if not value.strip():
            continue
        for target in targets:
            if repeat_instrument and repeat_instrument != target.form:
                continue
            if field_name == f"{target.form}_complete":
                status = _complete(value, source, number, field_name)
                if status is not None:
                    group.complete[target.form] = status
                    group.present.add(target.form)
            elif field_name in target.checkbox_groups:
                item_id = target.checkbox_groups[field_name].get(_normalise(value))
                if item_id is None:
                    codes = ", ".join(target.checkbox_groups[field_name])
                    raise InteropError(
                        source,
                        number,
                        field_name,
                        f'"{_short(value, 40)}" is not an option of the checkbox '
                        f'"{field_name}" ({codes})',
                    )
                group.answers.setdefault(target.form, {})[item_id] = 1
                group.present.add(target.form)
            elif field_name in target.items:
                converted = _convert(target, field_name, value, source, number, field_name)
                group.answers.setdefault(target.form, {})[field_name] = converted
                group.present.add(target.form)
    return list(groups.values())


def rule_summary(rule: ScoringRule) -> dict[str, Any]:
    """A rule as plain values, for comparing an export with its re-import."""
    return {
        "method": rule.method,
        "items": list(rule.items),
        "min_answered": rule.min_answered,
        "multiplier": rule.multiplier,
    }
