"""Reading a whole data dictionary: `read_data_dictionary` and its `DictionaryImport`."""

from __future__ import annotations

from dataclasses import dataclass

from buoy.instruments.domain.definition import DefinitionError, Instrument, instrument_from_dict
from buoy.instruments.domain.interop_errors import InteropError, decode_text
from buoy.instruments.domain.redcap.csv_io import read_csv
from buoy.instruments.domain.redcap.fields import DictionaryField, parse_fields
from buoy.instruments.domain.redcap.form_builder import FormBuilder
from buoy.instruments.domain.redcap.header import read_header


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


def read_data_dictionary(
    text_or_bytes: str | bytes, *, source: str, language: str = "en"
) -> DictionaryImport:
    """Read a REDCap data dictionary; raise InteropError for the first problem found."""
    text = decode_text(text_or_bytes, source)
    rows = read_csv(text, source)
    positions, style = read_header(rows[0], source)
    fields = parse_fields(rows, positions, source)
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
        builder = FormBuilder(
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
