"""Instrument definitions: versioned data describing a questionnaire and how to score it.

The native format is JSON (documented in docs/instruments/format.md). `instrument_from_dict`
turns it into frozen dataclasses and refuses a malformed definition with the path of the
offending value, e.g. ``items[3].options: unknown response set 'agree5'``;
`instrument_to_dict` is its exact inverse, `load_instrument_file` reads a file, and
`merge_wording` adds a site's licensed item wording (CD-RISC-10) to a bundled definition.
`with_item_groups` replaces the descriptive item groups a department edits.

Nothing here imports Django: definitions are read, checked and scored without a database.

The package: ``model`` (the dataclasses, `DefinitionError`), ``reading`` (`instrument_from_dict`,
files), ``writing`` (`instrument_to_dict`), ``item_groups`` and ``wording`` (`merge_wording`).
Import from the package itself.
"""

from __future__ import annotations

from buoy.instruments.domain.definition.item_groups import (
    GROUP_ID,
    GROUP_LABEL_LANGUAGES,
    GroupProblem,
    item_group_problems,
    tidy_item_groups,
    with_item_groups,
)
from buoy.instruments.domain.definition.model import (
    FORMAT_VERSION,
    ITEM_KINDS,
    LANGUAGE_CODE,
    LICENCE_STATUSES,
    SCORING_METHODS,
    Band,
    DefinitionError,
    Instrument,
    Item,
    ItemGroup,
    Licence,
    Norm,
    Option,
    ResponseSet,
    SafetyRule,
    ScoringRule,
    Text,
    text_or_first,
)
from buoy.instruments.domain.definition.reading import (
    instrument_from_dict,
    load_instrument_file,
    read_json_file,
)
from buoy.instruments.domain.definition.wording import merge_wording
from buoy.instruments.domain.definition.writing import instrument_to_dict

__all__ = [
    "FORMAT_VERSION",
    "GROUP_ID",
    "GROUP_LABEL_LANGUAGES",
    "ITEM_KINDS",
    "LANGUAGE_CODE",
    "LICENCE_STATUSES",
    "SCORING_METHODS",
    "Band",
    "DefinitionError",
    "GroupProblem",
    "Instrument",
    "Item",
    "ItemGroup",
    "Licence",
    "Norm",
    "Option",
    "ResponseSet",
    "SafetyRule",
    "ScoringRule",
    "Text",
    "instrument_from_dict",
    "instrument_to_dict",
    "item_group_problems",
    "load_instrument_file",
    "merge_wording",
    "read_json_file",
    "text_or_first",
    "tidy_item_groups",
    "with_item_groups",
]
