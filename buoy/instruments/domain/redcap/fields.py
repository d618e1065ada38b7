"""The rows of a data dictionary: each field checked and read into a `DictionaryField`."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from buoy.instruments.domain.interop_errors import InteropError

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
NUMBER_VALIDATIONS = ("integer", "number", "float")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
CODE = re.compile(r"-?[A-Za-z0-9_.]+")  # a choice code REDCap accepts
INT = re.compile(r"-?(?:0|[1-9][0-9]*)")  # a code or answer stored as a whole number
NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")  # any number REDCap writes
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_BREAK = re.compile(r"<br\s*/?>|</p>|</div>|</li>", re.IGNORECASE)

Value = int | float | str  # an answer as stored: a code read as a number when it is one

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


def plain_text(label: str) -> str:
    """A REDCap label without its HTML, entities decoded, line breaks kept."""
    text = _BREAK.sub("\n", label)
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def shorten(text: str, limit: int = 80) -> str:
    """`text` on one line, cut to `limit` characters with "…": for quoting it in a message."""
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
        if not CODE.fullmatch(code):
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


def parse_fields(
    rows: list[list[str]], positions: dict[str, int], source: str
) -> list[DictionaryField]:
    """Every row after the header as a field; InteropError for the first one that is wrong."""
    width = len(rows[0])
    fields: list[DictionaryField] = []
    seen: dict[str, int] = {}  # field name -> its row
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
        _check_name(name, seen, source, row_number)
        seen[name] = row_number
        if fields and fields[-1].form != form:
            finished_forms.add(fields[-1].form)
        _check_form(form, name, finished_forms, source, row_number)
        if kind not in FIELD_TYPES:
            raise InteropError(
                source,
                row_number,
                "field type",
                f'"{kind}" is not a REDCap field type ({", ".join(FIELD_TYPES)})',
            )
        choices, calculation, slider_labels = _choices_cell(
            kind, cell("select_choices_or_calculations"), name, source, row_number
        )
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


def _check_name(name: str, seen: Mapping[str, int], source: str, row: int) -> None:
    """A field name must be a REDCap variable name that no earlier row defined."""
    if not name:
        raise InteropError(source, row, "field name", "is empty")
    if not _NAME.fullmatch(name):
        raise InteropError(
            source,
            row,
            "field name",
            f'"{name}" is not a REDCap variable name (letters, digits and "_", '
            "starting with a letter)",
        )
    if name in seen:
        raise InteropError(
            source, row, "field name", f'"{name}" is already defined in row {seen[name]}'
        )


def _check_form(form: str, name: str, finished_forms: set[str], source: str, row: int) -> None:
    """A form name must be a REDCap form name, and a form's fields must come together."""
    if not form:
        raise InteropError(source, row, "form name", f'the field "{name}" belongs to no form')
    if not re.fullmatch(r"[A-Za-z0-9_]+", form):
        raise InteropError(
            source,
            row,
            "form name",
            f'"{form}" is not a REDCap form name (letters, digits and "_")',
        )
    if form in finished_forms:
        raise InteropError(
            source,
            row,
            "form name",
            f'the form "{form}" started earlier and other forms came between; '
            "REDCap keeps a form's fields together",
        )


def _choices_cell(
    kind: str, raw: str, name: str, source: str, row: int
) -> tuple[tuple[tuple[str, str], ...], str, tuple[str, ...]]:
    """The "choices, calculations or slider labels" cell read for the field's type:
    (choices, calculation, slider labels), the two that do not apply empty."""
    if kind in _CHOICE_TYPES:
        try:
            return tuple(parse_choices(raw)), "", ()
        except ValueError as problem:
            raise InteropError(
                source,
                row,
                "choices",
                f'cannot read "{shorten(raw)}" as "code, label" pairs: {problem} '
                f'(variable "{name}")',
            ) from None
    if kind in ("calc", "sql"):
        calculation = raw.strip()
        if not calculation:
            raise InteropError(
                source,
                row,
                "choices",
                f'the {kind} field "{name}" has no '
                + ("calculation" if kind == "calc" else "SQL statement"),
            )
        return (), calculation, ()
    if kind == "slider" and raw.strip():
        return (), "", tuple(part.strip() for part in raw.split("|"))
    return (), "", ()
