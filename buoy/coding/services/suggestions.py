"""Learned code suggestions: a project's model trained, and a suggestion accepted."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.domain.suggestions import train as train_model
from buoy.coding.models import CodedSegment, Project, SuggestionModelRecord, Transcript
from buoy.coding.selectors import may_read_transcript, training_examples
from buoy.coding.services.projects import _require_coder
from buoy.coding.services.segments import apply_codes
from buoy.core.errors import InvalidInput, NotFound

SUGGESTION_MIN_EXAMPLES = 5


def train_suggestions(*, actor: User, project: Project) -> SuggestionModelRecord:
    """Train the project's code-suggestion model on the coded segments the actor may read.

    Learning takes seconds and runs outside the transaction; storing it, dropping the bytes
    of the models it replaces and the audit event are one transaction. Too little coded text
    raises InvalidInput.
    """
    _require_coder(actor, project)
    examples, transcript_ids = training_examples(actor, project)
    try:
        model = train_model(examples, min_examples_per_code=SUGGESTION_MIN_EXAMPLES)
    except ValueError:
        raise InvalidInput(
            {
                "": [
                    _(
                        "There is not enough coded text to learn from yet: a code needs at "
                        "least %(n)s coded segments (and some text coded otherwise)."
                    )
                    % {"n": SUGGESTION_MIN_EXAMPLES}
                ]
            }
        ) from None
    with transaction.atomic():
        SuggestionModelRecord.objects.filter(project=project).update(data=b"")
        stored = SuggestionModelRecord.objects.create(
            project=project,
            trained_by=actor,
            n_examples=model.n_examples,
            quality={
                code: {"precision": q.precision, "recall": q.recall, "support": q.support}
                for code, q in model.quality.items()
            },
            skipped=model.skipped_codes,
            data=model.to_bytes(),
        )
        record(
            actor=actor,
            action="coding.suggestions.trained",
            subject=project,
            context={
                "model": stored.pk,
                "examples": model.n_examples,
                "codes": len(model.codes),
                "transcripts": transcript_ids,
            },
        )
    return stored


def accept_suggestion(
    *, actor: User, transcript: Transcript, code_id: int, start: int, end: int
) -> list[CodedSegment]:
    """A person accepts a suggested code: it is applied like any coding, marked "suggestion"."""
    if not may_read_transcript(actor, transcript):
        raise NotFound()
    return apply_codes(
        actor=actor,
        transcript=transcript,
        code_ids=[code_id],
        start=start,
        end=end,
        origin="suggestion",
    )
