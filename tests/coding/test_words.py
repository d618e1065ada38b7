"""Word segmentation for search and suggestions: Chinese by jieba, Latin by letters and digits."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from buoy.coding.domain import words as words_module
from buoy.coding.domain.words import fts5_match, index_text, search_terms, words

ROOT = Path(__file__).resolve().parents[2]


def test_chinese_is_cut_into_words():
    tokens = words("化疗期间妈妈很累")

    assert tokens[:2] == ["化疗", "期间"]
    assert "妈妈" in tokens


def test_search_mode_adds_the_sub_words_of_a_long_word():
    assert words("中华人民共和国") == [
        "中华",
        "华人",
        "人民",
        "共和",
        "共和国",
        "中华人民共和国",
    ]


def test_precise_mode_gives_each_word_once():
    assert words("中华人民共和国", search=False) == ["中华人民共和国"]


def test_latin_words_and_numbers_are_lower_cased_and_split_at_punctuation():
    assert words("COVID-19 and the PICC line, 3.5 mg!") == [
        "covid",
        "19",
        "and",
        "the",
        "picc",
        "line",
        "3",
        "5",
        "mg",
    ]


def test_full_width_letters_and_digits_become_ascii():
    assert words("ＰＩＣＣ管１２天") == ["picc", "管", "12", "天"]


def test_punctuation_and_spaces_are_dropped():
    tokens = words("妈妈：“我不怕！”——真的吗？  Yes… (really)")

    assert tokens == ["妈妈", "我", "不怕", "真的", "吗", "yes", "really"]


def test_chinese_next_to_latin_and_digits_is_split_between_them():
    assert words("做了3次CT检查") == ["做", "了", "3", "次", "ct", "检查"]


def test_empty_and_punctuation_only_text_have_no_words():
    assert words("") == []
    assert words(" ，。！？…… \n") == []


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("化疗", "化疗期间他一直发烧"),
        ("白血病", "孩子确诊白血病以后，我们就来了北京"),
        ("借钱", "为了治病，我们到处借钱"),
        ("医保 报销", "医保报销了一部分，剩下的自己出"),
        ("共和国", "中华人民共和国"),
        ("Trust nurses", "I trust the NURSES completely."),
    ],
)
def test_every_query_term_is_in_the_index_of_a_text_that_contains_it(query, text):
    indexed = set(index_text(text).split())

    assert search_terms(query)
    assert set(search_terms(query)) <= indexed


def test_search_terms_are_the_precise_words_each_once():
    assert search_terms("化疗 化疗期间") == ["化疗", "期间"]


def test_index_text_is_the_search_mode_words_joined_by_spaces():
    assert index_text("化疗期间，COVID-19") == "化疗 期间 covid 19"


def test_chinese_becomes_searchable_word_by_word_in_sqlite_fts5():
    texts = {
        1: "化疗期间孩子一直发烧，我整夜睡不着。",
        2: "我们借了三十万，医保报销了一部分。",
        3: "The nurses explained the chemo schedule.",
        4: "化学课的老师很好。",
    }
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE segment_index USING fts5(body, tokenize='unicode61')")
    db.executemany(
        "INSERT INTO segment_index(rowid, body) VALUES (?, ?)",
        [(rowid, index_text(text)) for rowid, text in texts.items()],
    )

    def found(query: str) -> set[int]:
        rows = db.execute(
            "SELECT rowid FROM segment_index WHERE segment_index MATCH ?", (fts5_match(query),)
        )
        return {rowid for (rowid,) in rows}

    assert found("化疗") == {1}
    assert found("医保") == {2}
    assert found("借 三十万") == {2}
    assert found("chemo") == {3}
    assert found("CHEMO nurses") == {3}
    assert found("睡不着 医保") == set()


def test_fts5_match_quotes_every_term_so_typed_operators_are_plain_words():
    assert fts5_match('化疗 OR "NEAR(x') == '"化疗" "or" "near" "x"'
    assert fts5_match("，。") == ""


def test_jieba_keeps_its_cache_in_a_private_temporary_directory():
    cache = Path(words_module.tokenizer().tmp_dir)
    info = cache.stat()

    assert cache.name.startswith("buoy-jieba-")
    assert cache.parent == Path(tempfile.gettempdir())
    assert stat.S_IMODE(info.st_mode) & 0o077 == 0
    assert info.st_uid == os.getuid()


def test_import_is_cheap_and_first_use_is_quiet_and_thread_safe():
    # A fresh interpreter: this process has loaded jieba already.
    script = textwrap.dedent(
        """
        import sys, threading
        import buoy.coding.domain.words as w
        assert "jieba" not in sys.modules, "importing words.py loaded jieba"
        results, barrier = [], threading.Barrier(6)
        def run():
            barrier.wait()
            results.append((w.words("化疗期间我们借了三十万"), id(w.tokenizer())))
        threads = [threading.Thread(target=run) for _ in range(6)]
        for t in threads: t.start()
        for t in threads: t.join()
        assert len(results) == 6 and len(set(map(repr, results))) == 1, results
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert done.stderr == ""  # jieba's "Building prefix dict…" chatter is turned down
