"""FHIR Questionnaire and QuestionnaireResponse (R4, R4B, R5; SDC), read and written.

Pure Python and lenient: the JSON is read here, not through a FHIR model library, because
real files that every form filler accepts fail strict validation (an ``Expression.name`` with
``_``, a narrative without ``div``). What Buoy needs is checked, with a JSON path in the error
(``phq9.json, item[3].answerOption[1]: no code or value``).

Reading a Questionnaire (`read_questionnaire`)
----------------------------------------------
* The instrument id is ``Questionnaire.name`` made into a slug (lower case; a lone ``-``
  stays, other runs of anything but letters and digits become ``_``: "SDC - PHQ-9" is
  ``sdc_phq-9``): ``name`` describes the definition, while ``id`` is the
  logical id one server happened to give it. Without a name: the resource ``id``, then the
  ``title``, then the file name. ``url``, ``version``, ``id``, ``name``, ``title``, ``status``
  and the questionnaire's codes (LOINC 44249-1) are kept in ``extras["fhir"]``; the instrument
  version is ``Questionnaire.version`` or "1".
* Groups are flattened; every item keeps its ``linkId`` as its id, and the group layout is kept
  in ``extras["fhir"]["layout"]`` so that `write_questionnaire` can nest them again.
* ``choice``/``open-choice`` (R4) and ``coding`` (R5) items take their options from
  ``answerOption`` (``valueCoding``, ``valueInteger``, ``valueString``, ``valueDate``…) or a
  *contained* ``answerValueSet`` (``#id`` or the ValueSet's url; ``compose`` or ``expansion``).
  Option weights come from ``ordinalValue`` (R4), ``itemWeight`` (current SDC) or the older
  ``iso21090-CO-value`` extension, on the answerOption or on its valueCoding / concept.
  Integer options without a weight score as themselves. When every code of an item is a whole
  number ("0", "1", …) the option values are numbers.
* ``integer``/``decimal`` items are unscored number items (min/max from ``minValue`` and
  ``maxValue``); ``boolean`` a yes/no item (1/0); text, date and other types unscored text
  items; ``display`` items are kept in the layout only.
* A read-only item with ``sdc-questionnaire-calculatedExpression`` that adds up answer scores
  becomes a scoring rule. Recognised (spaces ignored):
  ``%resource.item.answer.value.weight().sum()`` and the ``repeat(item)``/``descendants()``
  variants, ``ordinal()`` for ``weight()``, ``.avg()`` for a mean,
  ``answers().sum(value.ordinal())`` (the SDC example), an optional
  ``.where(linkId != 'x' and …)`` or ``.where(linkId = 'a' or …)`` (``.where(linkId = 'g').item``
  for a group's items), a final ``* k``, and a sum of per-item scores (directly or through
  ``variable`` extensions, each possibly ``iif(%v.exists(), %v, 0)``, the whole possibly
  ``iif(%any, …, {})``, which is how LHC-Forms writes PHQ-9; ``(…) / n`` of n items is a
  mean). The sum of all answers means every item with weights. The rule
  covering most items is the total (the first of equal ones), the others are subscales named
  after their linkIds. Like REDCap's ``sum()``, these expressions add whatever is answered;
  Buoy asks for all items (``min_answered`` = number of items) and says so in the notes,
  unless the expression's ``description`` is a Buoy rule (``ScoringRule.describe``, which
  `write_questionnaire` writes) over the same number of items: then method and minimum come
  from it. Any other expression is kept in ``extras["fhir"]["calculations"]`` and reported.
* Without a recognised expression the total is the sum of all weighted items, reported as a
  default. A questionnaire with no weighted item cannot be scored and is refused.
* Notes (what was read how, what was kept unscored) are in ``extras["import_notes"]``.

Writing (`write_questionnaire`, `write_questionnaire_response`)
---------------------------------------------------------------
R4 uses ``choice`` items and ``ordinalValue``; R5 ``coding`` items with
``answerConstraint: optionsOnly`` and ``itemWeight``. Options are ``valueCoding`` (code =
the option value) with the weight on the answerOption. FHIR has no reverse keying or item
weight: the written option weights are the *effective* scores (reversed, multiplied), so any
SDC form filler computes Buoy's total; re-reading gives those effective scores. Yes/no items
are written as choice items with weighted 1/0 options (a ``boolean`` has no weights) and
come back as choice items. The total is a read-only ``decimal`` item with a
``weight().sum()`` (``.avg()`` for a mean, ``.avg() * n`` for a prorated sum) calculated
expression; number items in a rule are added one by one (``weight()`` has nothing for them).
The minimum answered is not expressed in FHIRPath; the expression's description states it.
Extras from a FHIR import (group layout, LOINC codes, code systems, url) are written back.

The package
-----------
``elements`` (loading JSON, extensions, weights), ``answer_options`` (answerOption and
ValueSets), ``expressions`` (calculatedExpressions recognised as rules), ``reader``
(`read_questionnaire`), ``writer`` (`write_questionnaire`) and ``response``
(QuestionnaireResponses). Import from the package itself.
"""

from __future__ import annotations

from buoy.instruments.domain.fhir.elements import (
    CALCULATED_EXPRESSION,
    CO_VALUE,
    ITEM_WEIGHT,
    MAX_VALUE,
    MIN_VALUE,
    ORDINAL_VALUE,
    RESPONSE_STATUSES,
    VARIABLE,
    WEIGHT_URLS,
    Value,
)
from buoy.instruments.domain.fhir.reader import read_questionnaire
from buoy.instruments.domain.fhir.response import (
    ResponseAnswers,
    read_questionnaire_response,
    write_questionnaire_response,
)
from buoy.instruments.domain.fhir.writer import write_questionnaire

__all__ = [
    "CALCULATED_EXPRESSION",
    "CO_VALUE",
    "ITEM_WEIGHT",
    "MAX_VALUE",
    "MIN_VALUE",
    "ORDINAL_VALUE",
    "RESPONSE_STATUSES",
    "VARIABLE",
    "WEIGHT_URLS",
    "ResponseAnswers",
    "Value",
    "read_questionnaire",
    "read_questionnaire_response",
    "write_questionnaire",
    "write_questionnaire_response",
]
