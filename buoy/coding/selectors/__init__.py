"""Reads about interviews and coding, always scoped to the acting user.

One module per topic, as `services/` and `views/` are cut: `projects` (which projects a user
works in), `transcripts` (who reads which transcript; `get_transcript_for`, the one door),
`codebook`, `segments`, `memos`, `pseudonyms` (how cases are named outside casework),
`queries`, `tables`, `agreement`, `search`, `exports`, `exchange` (a project in REFI-QDA's
terms), `deidentify`, `autocoding` and `suggestions`. This `__init__` re-exports every public
name, so `from buoy.coding.selectors import get_transcript_for` keeps working; names with a
leading underscore are shared between the package's modules only.
"""

from buoy.coding.selectors.agreement import (
    AgreementInputs,
    CoderAgreement,
    agreement_inputs,
    agreement_report,
    coders_in,
    codings_of,
)
from buoy.coding.selectors.autocoding import (
    AUTOCODING_LIMIT,
    AUTOCODING_SECONDS,
    AutocodingPreview,
    AutoMatch,
    autocoding_preview,
    pattern_message,
    turns_of,
)
from buoy.coding.selectors.codebook import (
    code_counts,
    code_depths,
    codes_of,
    descendant_ids,
    get_code_for,
    get_codebook_project_for,
    may_edit_codebook,
)
from buoy.coding.selectors.deidentify import (
    identifiers_in_case,
    names_in_case,
    redaction_suggestions,
)
from buoy.coding.selectors.exchange import case_guid, exchange_project, person_guid
from buoy.coding.selectors.exports import EXPORT_TYPES, export_for, segments_table
from buoy.coding.selectors.memos import memo_report, memos_visible_to
from buoy.coding.selectors.projects import (
    forget_memberships,
    get_project_for,
    is_member,
    project_named,
    project_stats,
    projects_visible_to,
    remembered_memberships,
    research_projects_of,
)
from buoy.coding.selectors.pseudonyms import case_pseudonyms, case_pseudonyms_by_project
from buoy.coding.selectors.queries import (
    QueryHit,
    SegmentFilter,
    co_occurring_text,
    filtered_segments,
    find_code,
    hits_table,
    run_code_query,
)
from buoy.coding.selectors.search import SearchHit, search_transcripts
from buoy.coding.selectors.segments import (
    get_segment_for,
    segments_in,
    segments_to_split,
    undoable_action,
)
from buoy.coding.selectors.suggestions import (
    SUGGESTION_MAX_NEGATIVES,
    SUGGESTION_THRESHOLD,
    CodeSuggestion,
    SentenceSuggestions,
    TranscriptSuggestions,
    suggestion_models_of,
    suggestions_for,
    training_examples,
)
from buoy.coding.selectors.tables import (
    FREQUENCY_BY,
    co_occurrence_table,
    code_frequency,
    codes_by_cases,
)
from buoy.coding.selectors.transcripts import (
    get_transcript_for,
    listed_transcripts,
    may_read_transcript,
    transcripts_visible_to,
)

__all__ = [
    "AUTOCODING_LIMIT",
    "AUTOCODING_SECONDS",
    "EXPORT_TYPES",
    "FREQUENCY_BY",
    "SUGGESTION_MAX_NEGATIVES",
    "SUGGESTION_THRESHOLD",
    "AgreementInputs",
    "AutoMatch",
    "AutocodingPreview",
    "CodeSuggestion",
    "CoderAgreement",
    "QueryHit",
    "SearchHit",
    "SegmentFilter",
    "SentenceSuggestions",
    "TranscriptSuggestions",
    "agreement_inputs",
    "agreement_report",
    "autocoding_preview",
    "case_guid",
    "case_pseudonyms",
    "case_pseudonyms_by_project",
    "co_occurrence_table",
    "co_occurring_text",
    "code_counts",
    "code_depths",
    "code_frequency",
    "coders_in",
    "codes_by_cases",
    "codes_of",
    "codings_of",
    "descendant_ids",
    "exchange_project",
    "export_for",
    "filtered_segments",
    "find_code",
    "forget_memberships",
    "get_code_for",
    "get_codebook_project_for",
    "get_project_for",
    "get_segment_for",
    "get_transcript_for",
    "hits_table",
    "identifiers_in_case",
    "is_member",
    "listed_transcripts",
    "may_edit_codebook",
    "may_read_transcript",
    "memo_report",
    "memos_visible_to",
    "names_in_case",
    "pattern_message",
    "person_guid",
    "project_named",
    "project_stats",
    "projects_visible_to",
    "redaction_suggestions",
    "remembered_memberships",
    "research_projects_of",
    "run_code_query",
    "search_transcripts",
    "segments_in",
    "segments_table",
    "segments_to_split",
    "suggestion_models_of",
    "suggestions_for",
    "training_examples",
    "transcripts_visible_to",
    "turns_of",
    "undoable_action",
]
