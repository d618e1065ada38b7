"""Words in mixed Chinese and English text, shared by search, redaction and code suggestions.

Chinese has no spaces between words, so a full-text index that splits on spaces and
punctuation (SQLite FTS5 `unicode61`, PostgreSQL `to_tsvector('simple', …)`) would see a whole
clause as one "word". Buoy therefore segments Chinese with jieba before indexing:

- `words(text)` lower-cases and NFKC-folds the text (full-width Ｌａｔｉｎ and digits become
  ASCII), then splits it into runs of Han characters and runs of other letters and digits.
  Han runs are segmented with jieba's *search mode*, which emits each word and also its
  dictionary sub-words (中华人民共和国 → 中华, 华人, 人民, 共和, 共和国, 中华人民共和国), so a
  query for a shorter word still finds the longer one. Punctuation and spaces are dropped.
- `index_text(text)` joins those tokens with spaces: store it in the full-text column.
- `search_terms(query)` segments a query in jieba's *precise mode* (each word once, no
  sub-words). Every precise word of a text is also in its search-mode tokens, so a query
  term matches wherever the same words were written: 化疗 finds 化疗期间.

Limits: segmentation depends on the surrounding characters, so a query that jieba cuts
differently from the text (rare, mostly unknown names) misses; a single character inside a
word (化 in 化疗) is not a word. Substring search (FTS5 `trigram`, `pg_trgm`) covers both.

jieba is imported and its dictionary loaded lazily, once, under a lock, on first use (about
half a second from its cache, a second and a half without), so importing this module is
cheap. Buoy uses its own `jieba.Tokenizer`, not jieba's global one, so nothing else in the
process (say, `jieba.add_word`) can change how indexed text is segmented; its cache lives in
a private per-user temporary directory, and jieba's debug logging is turned down to warnings.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import tempfile
import threading
import unicodedata
from typing import Any

# Han ideographs (URO, Ext. A, Ext. B–F, compatibility) and 〇, the Han zero of 二〇二五年.
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
_RUNS = re.compile(rf"(?P<han>[{HAN}]+)|(?P<other>[^\W_{HAN}]+)")

_lock = threading.Lock()
_tokenizer: Any = None
_pos_tokenizer: Any = None


def words(text: str, *, search: bool = True) -> list[str]:
    """The lower-cased word tokens of `text`, in order; punctuation and spaces dropped.

    Chinese runs are segmented by jieba: in search mode (the default) each word is followed
    by its dictionary sub-words, for recall; with ``search=False`` each word comes once
    (precise mode). Latin words and numbers are split at anything that is not a letter or a
    digit ("COVID-19" → covid, 19), as SQLite's ``unicode61`` tokenizer would.
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    tokens: list[str] = []
    for match in _RUNS.finditer(folded):
        run = match.group("han")
        if run is None:
            tokens.append(match.group("other"))
            continue
        jieba = tokenizer()
        pieces = jieba.cut_for_search(run) if search else jieba.cut(run)
        tokens.extend(piece for piece in pieces if piece.strip())
    return tokens


def search_terms(query: str) -> list[str]:
    """The words of a user's query, each once, in order (jieba precise mode).

    All terms must match (AND). They are the precise words of the query, and a text's
    index holds the precise words of the text (plus their sub-words), so "化疗" matches a
    text indexed from "化疗期间".
    """
    return list(dict.fromkeys(words(query, search=False)))


def index_text(text: str) -> str:
    """`text` as space-separated tokens, for a full-text column (FTS5 unicode61, tsvector).

    Index this, not the raw text, so Chinese is searchable word by word. PostgreSQL:
    ``to_tsvector('simple', index_text)`` and ``plainto_tsquery('simple', ' '.join(terms))``.
    """
    return " ".join(words(text))


def fts5_match(query: str) -> str:
    """A SQLite FTS5 MATCH expression for `query`: every term, quoted, all required.

    Quoting each term keeps FTS5 operators typed by a user (AND, NEAR, *, ^, quotes) from
    being read as query syntax. An empty string means "nothing to search for".
    """
    return " ".join('"' + term.replace('"', '""') + '"' for term in search_terms(query))


def tokenizer() -> Any:
    """Buoy's jieba tokenizer, loaded on first use (thread-safe); use it, not ``jieba.dt``."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                _tokenizer = _load_tokenizer()
    return _tokenizer


def pos_tokenizer() -> Any:
    """A jieba part-of-speech tokenizer (``jieba.posseg``) sharing `tokenizer()`'s dictionary."""
    global _pos_tokenizer
    if _pos_tokenizer is None:
        base = tokenizer()
        with _lock:
            if _pos_tokenizer is None:
                import jieba.posseg  # its tagging model costs a third of a second: only when needed

                _pos_tokenizer = jieba.posseg.POSTokenizer(base)
    return _pos_tokenizer


def dictionary_frequency(word: str) -> int:
    """How often `word` occurs in jieba's dictionary corpus; 0 for a word it does not list."""
    return int(tokenizer().FREQ.get(word, 0) or 0)


def _load_tokenizer() -> Any:
    import jieba  # importing jieba loads its HMM tables: only when needed

    jieba.setLogLevel(logging.WARNING)
    loaded = jieba.Tokenizer()
    loaded.tmp_dir = _private_cache_dir()
    # The version in the name: jieba trusts a cache of its default dictionary without a date check.
    loaded.cache_file = f"jieba-{jieba.__version__}.cache"
    loaded.initialize()
    return loaded


def _private_cache_dir() -> str:
    """A temporary directory only this user can write, so no one else can plant a cache."""
    owner = os.getuid() if hasattr(os, "getuid") else None
    path = os.path.join(tempfile.gettempdir(), f"buoy-jieba-{owner if owner is not None else 0}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return tempfile.mkdtemp(prefix="buoy-jieba-")
    info = os.lstat(path)
    private = (
        stat.S_ISDIR(info.st_mode)
        and not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
        and (owner is None or info.st_uid == owner)
    )
    return path if private else tempfile.mkdtemp(prefix="buoy-jieba-")
