"""Learned code suggestions: what a model learns from, and what it proposes."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from buoy.access.models import User
from buoy.coding.domain.autocoding import sentence_spans, uncovered
from buoy.coding.domain.suggestions import ModelFormatError, SuggestionModel
from buoy.coding.models import Code, CodedSegment, Project, SuggestionModelRecord, Transcript
from buoy.coding.selectors.autocoding import turns_of
from buoy.coding.selectors.queries import filtered_segments
from buoy.coding.selectors.transcripts import transcripts_visible_to
from buoy.core.errors import NotFound

SUGGESTION_THRESHOLD = 0.5

SUGGESTION_MAX_NEGATIVES = 2000

# (record id, trained at) → its model; a stored model never changes
_LOADED_MODELS: dict[tuple[int, str], SuggestionModel] = {}


def training_examples(
    user: User, project: Project
) -> tuple[list[tuple[str, list[str]]], list[int]]:
    """What a suggestion model learns from, and the transcripts it comes from.

    Each current coded segment of the project's transcripts `user` may read is an example:
    its text and the ids of every code on exactly that stretch (a merged code counts as the
    code it was merged into). Sentences of those transcripts that no segment touches are
    examples with no code, as many as the coded ones (at most `SUGGESTION_MAX_NEGATIVES`),
    spread evenly through the transcripts.
    """
    merged = project.codes.merge_targets()
    spans: dict[tuple[int, int, int], set[str]] = {}
    rows = filtered_segments(user, project).values_list("transcript_id", "start", "end", "code_id")
    for transcript_id, start, end, code_id in rows:
        spans.setdefault((transcript_id, start, end), set()).add(str(merged.get(code_id, code_id)))
    ids = sorted({key[0] for key in spans})
    texts = dict(Transcript.objects.filter(pk__in=ids).values_list("pk", "text"))
    examples = [
        (texts[transcript_id][start:end], sorted(codes))
        for (transcript_id, start, end), codes in sorted(spans.items())
    ]
    turns = turns_of(ids)
    covered: dict[int, list[tuple[int, int]]] = {}
    for transcript_id, start, end in (
        CodedSegment.objects.current()
        .filter(transcript_id__in=ids)
        .values_list("transcript_id", "start", "end")
    ):
        covered.setdefault(transcript_id, []).append((start, end))
    candidates = [
        texts[transcript_id][span.start : span.end]
        for transcript_id in ids
        for span in uncovered(
            sentence_spans(texts[transcript_id], turns.get(transcript_id, [])),
            covered.get(transcript_id, []),
        )
    ]
    wanted = min(len(examples), SUGGESTION_MAX_NEGATIVES, len(candidates))
    if wanted:
        step = len(candidates) / wanted
        examples += [(candidates[int(i * step)], []) for i in range(wanted)]
    return examples, ids


def suggestion_models_of(project: Project) -> QuerySet[SuggestionModelRecord]:
    """The project's trained models, newest first, without their stored bytes."""
    return (
        SuggestionModelRecord.objects.filter(project=project)
        .select_related("trained_by")
        .defer("data")
        .order_by("-trained_at", "-pk")
    )


def _latest_model(project: Project) -> tuple[SuggestionModelRecord | None, SuggestionModel | None]:
    """The project's newest model record and the model in it (None when it cannot be read)."""
    newest = suggestion_models_of(project).first()
    if newest is None:
        return None, None
    key = (newest.pk, newest.trained_at.isoformat())
    model = _LOADED_MODELS.get(key)
    if model is None:
        stored = SuggestionModelRecord.objects.filter(pk=newest.pk).values_list("data", flat=True)
        try:
            model = SuggestionModel.from_bytes(bytes(stored.get()))
        except ModelFormatError:
            return newest, None
        _LOADED_MODELS.clear()  # one model at a time is plenty: they are a few megabytes
        _LOADED_MODELS[key] = model
    return newest, model


@dataclass(frozen=True)
class CodeSuggestion:
    """A code the model proposes for a sentence, how sure it is, and how often it was right."""

    code: Code
    confidence: float
    precision: float | None  # cross-validated, at the 0.5 threshold


@dataclass(frozen=True)
class SentenceSuggestions:
    """An uncoded sentence of a transcript and the codes proposed for it, likeliest first."""

    start: int
    end: int
    text: str
    codes: list[CodeSuggestion]


@dataclass(frozen=True)
class TranscriptSuggestions:
    """The suggestions for a transcript and the model they came from.

    `model` is None when the project has no trained model; `readable` is False when the
    stored model was made by another version of Buoy (train again).
    """

    model: SuggestionModelRecord | None
    readable: bool
    sentences: list[SentenceSuggestions]


def suggestions_for(
    user: User,
    transcript: Transcript,
    *,
    threshold: float = SUGGESTION_THRESHOLD,
    top: int = 3,
) -> TranscriptSuggestions:
    """Codes the project's newest model proposes for each sentence no segment touches yet.

    Only proposals with confidence ≥ `threshold`, at most `top` per sentence; codes since
    merged are shown as the code they went into, categories and deleted codes left out.
    Nothing is applied: a person accepts each one (`services.accept_suggestion`).
    """
    if not transcripts_visible_to(user).filter(pk=transcript.pk).exists():
        raise NotFound()
    stored, model = _latest_model(transcript.project)
    if stored is None or model is None:
        return TranscriptSuggestions(stored, stored is None, [])
    text = transcript.text
    coded = list(transcript.segments.current().values_list("start", "end"))
    sentences = uncovered(
        sentence_spans(text, turns_of([transcript.pk]).get(transcript.pk, [])), coded
    )
    codes = {str(code.pk): code for code in transcript.project.codes.all()}
    by_pk = {code.pk: code for code in codes.values()}
    result = []
    for span, proposed in zip(
        sentences,
        model.suggest([text[s.start : s.end] for s in sentences], threshold, top),
        strict=True,
    ):
        chosen: dict[int, CodeSuggestion] = {}
        for suggestion in proposed:
            code = codes.get(suggestion.code)
            if code is not None and code.merged_into_id is not None:
                code = by_pk.get(code.merged_into_id)
            if code is None or not code.codable or code.pk in chosen:
                continue
            quality = stored.quality.get(suggestion.code) or {}
            chosen[code.pk] = CodeSuggestion(code, suggestion.confidence, quality.get("precision"))
        if chosen:
            result.append(
                SentenceSuggestions(
                    span.start, span.end, text[span.start : span.end], list(chosen.values())
                )
            )
    return TranscriptSuggestions(stored, True, result)
