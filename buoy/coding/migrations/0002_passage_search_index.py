"""The full-text index over passages' words: FTS5 on SQLite, a GIN index on PostgreSQL.

Words are segmented in Python (jieba for Chinese) and stored space-separated, so both engines
index them with their plain tokenizers (`unicode61`, the `simple` configuration).
"""

from typing import Any

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE coding_passage_fts USING fts5("
    "words, content='coding_passage', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER coding_passage_ai AFTER INSERT ON coding_passage BEGIN "
    "INSERT INTO coding_passage_fts(rowid, words) VALUES (new.id, new.words); END",
    "CREATE TRIGGER coding_passage_ad AFTER DELETE ON coding_passage BEGIN "
    "INSERT INTO coding_passage_fts(coding_passage_fts, rowid, words) "
    "VALUES ('delete', old.id, old.words); END",
    "CREATE TRIGGER coding_passage_au AFTER UPDATE ON coding_passage BEGIN "
    "INSERT INTO coding_passage_fts(coding_passage_fts, rowid, words) "
    "VALUES ('delete', old.id, old.words); "
    "INSERT INTO coding_passage_fts(rowid, words) VALUES (new.id, new.words); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS coding_passage_au",
    "DROP TRIGGER IF EXISTS coding_passage_ad",
    "DROP TRIGGER IF EXISTS coding_passage_ai",
    "DROP TABLE IF EXISTS coding_passage_fts",
]
POSTGRES_UP = [
    "CREATE INDEX coding_passage_words_fts ON coding_passage "
    "USING GIN (to_tsvector('simple', words))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS coding_passage_words_fts"]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("coding", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
