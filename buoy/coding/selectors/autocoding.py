"""Auto-coding previews: what a text, regular-expression or speaker search would code."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.domain.autocoding import (
    MAX_OPEN_ENDED,
    MAX_PATTERN,
    PatternError,
    Turn,
    find_spans,
    prepare,
)
from buoy.coding.models import Project, SpeakerTurn, Transcript
from buoy.coding.selectors.transcripts import transcripts_visible_to
from buoy.core.errors import InvalidInput

AUTOCODING_LIMIT = 2000  # matches shown and applied at once

AUTOCODING_SECONDS = 3.0  # time budget of one preview's regular expression


@dataclass(frozen=True)
class AutoMatch:
    """A stretch of a transcript an auto-coding search picked out."""

    transcript: Transcript
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.transcript.text[self.start : self.end]


@dataclass(frozen=True)
class AutocodingPreview:
    """What applying a search would code: its matches (at most the limit) and whether more
    were left out."""

    matches: list[AutoMatch]
    truncated: bool
    searched: int  # transcripts searched

    @property
    def transcripts(self) -> int:
        return len({match.transcript.pk for match in self.matches})


def pattern_message(error: PatternError) -> str:
    """Why a pattern was refused, in the reader's language."""
    messages = {
        "empty": _("Type what to look for."),
        "kind": _("Look for text, a regular expression or a speaker."),
        "scope": _("Code the match, its sentence or its speaker turn."),
        "too_long": _("A pattern may be at most %(n)s characters long.") % {"n": MAX_PATTERN},
        "syntax": _("This regular expression is not valid: %(error)s (at character %(at)s).")
        % {"error": error.detail, "at": (error.position or 0) + 1},
        "backreference": _(
            "Back-references such as \\1 or (?P=name) are not allowed: they can make a "
            "search run for hours."
        ),
        "nested": _(
            "A repeated group may not hold a repeat or alternatives of its own, as in (a+)+ "
            "or (ab|a)*: such patterns can run for hours on one sentence."
        ),
        "open_ended": _(
            "At most %(n)s open-ended repeats (*, + or {n,}) in one pattern; use a bounded "
            "one such as {1,20} instead."
        )
        % {"n": MAX_OPEN_ENDED},
        "slow": _(
            "The regular expression took too long on these transcripts; make it simpler or "
            "search one transcript."
        ),
    }
    return str(messages.get(error.reason, str(error)))


def turns_of(transcript_ids: Iterable[int]) -> dict[int, list[Turn]]:
    """Speaker turns of the transcripts, as plain values, in order."""
    turns: dict[int, list[Turn]] = {}
    rows = SpeakerTurn.objects.filter(transcript_id__in=list(transcript_ids)).order_by(
        "transcript_id", "start"
    )
    for transcript_id, start, end, speaker in rows.values_list(
        "transcript_id", "start", "end", "speaker"
    ):
        turns.setdefault(transcript_id, []).append(Turn(start, end, speaker))
    return turns


def autocoding_preview(
    user: User,
    project: Project,
    *,
    pattern: str,
    kind: str,
    scope: str,
    transcript: Transcript | None = None,
    limit: int = AUTOCODING_LIMIT,
) -> AutocodingPreview:
    """What auto-coding would code in the project's transcripts `user` may read (or one).

    `kind` is text, regex or speaker; `scope` match, sentence or turn (`domain/autocoding.py`).
    A pattern Buoy will not run raises InvalidInput with the reason. The search is audited
    (which transcripts matched, not what was looked for).
    """
    try:
        search = prepare(pattern, kind, scope)
    except PatternError as error:
        field = error.reason if error.reason in ("kind", "scope") else "pattern"
        raise InvalidInput({field: [pattern_message(error)]}) from None
    pool = transcripts_visible_to(user).filter(project=project)
    if transcript is not None:
        pool = pool.filter(pk=transcript.pk)
    transcripts = list(pool.order_by("title", "pk"))
    turns = turns_of(t.pk for t in transcripts)
    deadline = time.monotonic() + AUTOCODING_SECONDS
    matches: list[AutoMatch] = []
    truncated = False
    for found in transcripts:
        try:
            spans = find_spans(search, found.text, turns.get(found.pk, []), deadline=deadline)
        except PatternError as error:
            raise InvalidInput({"pattern": [pattern_message(error)]}) from None
        for start, end in spans:
            if len(matches) == limit:
                truncated = True
                break
            matches.append(AutoMatch(found, start, end))
        if truncated:
            break
    record(
        actor=user,
        action="coding.autocoding.previewed",
        subject=project,
        context={
            "kind": kind,
            "scope": scope,
            "transcripts": sorted({match.transcript.pk for match in matches}),
            "matches": len(matches),
        },
    )
    return AutocodingPreview(matches, truncated, len(transcripts))
