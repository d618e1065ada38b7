"""Writes about interviews and coding: permission, validation, save and audit in one
transaction. The coding screen, the API and `buoy qda` call these.

One module per topic, as `selectors/` and `views/` are cut: `projects`, `transcripts`,
`segments` (applying and removing codes, undo), `memos`, `codebook`, `exchange` (REFI-QDA
import), `deidentify`, `autocoding` and `suggestions`. This `__init__` re-exports every public
name, so `from buoy.coding.services import apply_codes` keeps working; names with a leading
underscore are shared between the package's modules only.
"""

from buoy.coding.services.autocoding import AutocodingResult, apply_autocoding
from buoy.coding.services.codebook import add_code, merge_codes, move_code, split_code, update_code
from buoy.coding.services.deidentify import make_deidentified_copy
from buoy.coding.services.exchange import RefiImport, import_refi
from buoy.coding.services.memos import write_memo
from buoy.coding.services.projects import (
    CASEWORK_PROJECT,
    add_member,
    casework_project,
    start_project,
)
from buoy.coding.services.segments import apply_codes, remove_segment, undo_last
from buoy.coding.services.suggestions import (
    SUGGESTION_MIN_EXAMPLES,
    accept_suggestion,
    train_suggestions,
)
from buoy.coding.services.transcripts import import_transcript

__all__ = [
    "CASEWORK_PROJECT",
    "SUGGESTION_MIN_EXAMPLES",
    "AutocodingResult",
    "RefiImport",
    "accept_suggestion",
    "add_code",
    "add_member",
    "apply_autocoding",
    "apply_codes",
    "casework_project",
    "import_refi",
    "import_transcript",
    "make_deidentified_copy",
    "merge_codes",
    "move_code",
    "remove_segment",
    "split_code",
    "start_project",
    "train_suggestions",
    "undo_last",
    "update_code",
    "write_memo",
]
