"""Full-text search of the transcripts a user may read (SQLite FTS5 or PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import F
from django.db.models.functions import Substr

from buoy.access.models import User
from buoy.audit.services import record
from buoy.coding.domain.words import fts5_match, search_terms
from buoy.coding.models import Passage, Project
from buoy.coding.selectors.transcripts import transcripts_visible_to


@dataclass(frozen=True)
class SearchHit:
    """A passage that matched a search, cut into plain and matched pieces for highlighting."""

    transcript_id: int
    transcript_title: str
    start: int
    end: int
    pieces: tuple[tuple[str, bool], ...]  # (text, is a match)

    @property
    def text(self) -> str:
        return "".join(piece for piece, _match in self.pieces)


def _highlight(text: str, terms: list[str]) -> tuple[tuple[str, bool], ...]:
    """Split `text` at every case-insensitive occurrence of a search term."""
    folded = text.lower()
    marks = [False] * len(text)
    for term in terms:
        at = folded.find(term)
        while term and at != -1:
            for i in range(at, at + len(term)):
                marks[i] = True
            at = folded.find(term, at + len(term))
    pieces: list[tuple[str, bool]] = []
    for char, mark in zip(text, marks, strict=True):
        if pieces and pieces[-1][1] == mark:
            pieces[-1] = (pieces[-1][0] + char, mark)
        else:
            pieces.append((char, mark))
    return tuple(pieces)


def search_transcripts(
    user: User, query: str, *, project: Project | None = None, limit: int = 50
) -> list[SearchHit]:
    """Passages of the transcripts `user` may read that hold every word of `query`.

    Chinese is matched word by word (jieba), through SQLite FTS5 or PostgreSQL full-text
    search over the passages' words (migration 0002); the search itself is audited.
    """
    terms = search_terms(query)
    if not terms:
        return []
    visible = transcripts_visible_to(user)
    if project is not None:
        visible = visible.filter(project=project)
    visible_sql, visible_params = visible.values("pk").query.sql_with_params()
    # `visible_sql` is Django's own compiled SQL with its values kept apart as parameters.
    if connection.vendor == "sqlite":
        sql = (
            "SELECT p.id FROM coding_passage_fts f JOIN coding_passage p ON p.id = f.rowid "  # noqa: S608
            f"WHERE coding_passage_fts MATCH %s AND p.transcript_id IN ({visible_sql}) "
            "ORDER BY f.rank LIMIT %s"
        )
        params = [fts5_match(query), *visible_params, limit]
    else:
        # MATERIALIZED: match the full-text index first; otherwise the planner walks passages
        # in (transcript, start) order to serve ORDER BY ... LIMIT and tests each one.
        sql = (
            "WITH matched AS MATERIALIZED (SELECT p.id, p.transcript_id, p.start "  # noqa: S608
            "FROM coding_passage p "
            "WHERE to_tsvector('simple', p.words) @@ plainto_tsquery('simple', %s)) "
            f"SELECT id FROM matched WHERE transcript_id IN ({visible_sql}) "
            "ORDER BY transcript_id, start LIMIT %s"
        )
        params = [" ".join(terms), *visible_params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    rank = {pk: n for n, pk in enumerate(ids)}
    # the passage's own text only, cut in the database: a long transcript is not loaded whole
    passages = (
        Passage.objects.filter(pk__in=ids)
        .annotate(
            snippet=Substr("transcript__text", F("start") + 1, F("end") - F("start")),
            title=F("transcript__title"),
        )
        .values_list("pk", "transcript_id", "title", "start", "end", "snippet")
    )
    hits = sorted(passages, key=lambda row: rank[row[0]])
    record(
        actor=user,
        action="coding.search.run",
        context={"transcripts": sorted({row[1] for row in hits}), "hits": len(hits)},
    )
    return [
        SearchHit(transcript_id, title, start, end, _highlight(snippet, terms))
        for _pk, transcript_id, title, start, end, snippet in hits
    ]
