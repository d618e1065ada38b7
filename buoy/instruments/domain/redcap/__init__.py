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

The package
-----------
``header`` (the two header styles), ``csv_io`` (rows, with errors that name them), ``fields``
(each row checked into a `DictionaryField`), ``calc`` (calc expressions), ``form_builder``
(one form made into an instrument), ``dictionary`` (`read_data_dictionary`), ``writer``
(`write_data_dictionary`) and ``records`` (`read_records`). Import from the package itself.
"""

from __future__ import annotations

from buoy.instruments.domain.redcap.calc import parse_calculation
from buoy.instruments.domain.redcap.dictionary import DictionaryImport, read_data_dictionary
from buoy.instruments.domain.redcap.fields import (
    FIELD_TYPES,
    KEPT_COLUMNS,
    DictionaryField,
    Value,
    parse_choices,
    plain_text,
)
from buoy.instruments.domain.redcap.form_builder import checkbox_item_id, instrument_id_for_form
from buoy.instruments.domain.redcap.header import API_HEADERS, COLUMNS, HUMAN_HEADERS
from buoy.instruments.domain.redcap.records import RecordAnswers, read_records
from buoy.instruments.domain.redcap.writer import rule_summary, write_data_dictionary
from buoy.instruments.domain.response_sets import options_of

__all__ = [
    "API_HEADERS",
    "COLUMNS",
    "FIELD_TYPES",
    "HUMAN_HEADERS",
    "KEPT_COLUMNS",
    "DictionaryField",
    "DictionaryImport",
    "RecordAnswers",
    "Value",
    "checkbox_item_id",
    "instrument_id_for_form",
    "options_of",
    "parse_calculation",
    "parse_choices",
    "plain_text",
    "read_data_dictionary",
    "read_records",
    "rule_summary",
    "write_data_dictionary",
]
