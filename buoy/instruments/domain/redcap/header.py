"""The header row of a data dictionary: both REDCap styles, their columns and short names."""

from __future__ import annotations

import re

from buoy.instruments.domain.interop_errors import InteropError

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


def normalise(name: str) -> str:
    """A name in lower case without anything but letters and digits, to compare loosely."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


_HEADER_ALIASES: dict[str, str] = {}
for _api_name, _human_name, _ in COLUMNS:
    _HEADER_ALIASES[normalise(_api_name)] = _api_name
    _HEADER_ALIASES[normalise(_human_name)] = _api_name
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
    return _HEADER_ALIASES.get(normalise(cell.replace("\ufeff", "")))


def read_header(header: list[str], source: str) -> tuple[dict[str, int], str]:
    """Where each known column is, and the header style ("human" or "api")."""
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


def column_name(cell: str) -> str:
    """A dictionary column by its short name ("choices"); any other column as headed."""
    return _SHORT.get(_header_key(cell) or "", cell.strip())
