"""Sentence spans in mixed Chinese and English interview text (code points, ADR 0008)."""

from __future__ import annotations

import random

import pytest

from buoy.coding.domain.sentences import Span, split_sentences


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def test_chinese_end_marks_end_sentences_and_runs_of_them_stay_together():
    text = "我们借了钱。后来还不上……真的吗？！我不信！"

    assert sentences(text) == ["我们借了钱。", "后来还不上……", "真的吗？！", "我不信！"]


def test_closing_quotes_stay_with_their_sentence():
    text = "他说：“我不怕。”然后走了。她说「好的！」"

    assert sentences(text) == ["他说：“我不怕。”", "然后走了。", "她说「好的！」"]


def test_english_marks_end_a_sentence_only_before_a_space_or_the_end():
    text = 'It was 3.5 mg, see http://x.org/a?b=1 today. Why? She said "wait." OK!'

    assert sentences(text) == [
        "It was 3.5 mg, see http://x.org/a?b=1 today.",
        "Why?",
        'She said "wait."',
        "OK!",
    ]


def test_a_dot_after_a_title_or_abbreviation_does_not_end_a_sentence():
    text = "Dr. Wang and Mrs. Li came, e.g. on Monday. Then we left."

    assert sentences(text) == ["Dr. Wang and Mrs. Li came, e.g. on Monday.", "Then we left."]


def test_ascii_marks_in_chinese_text_end_sentences_before_han_characters():
    assert sentences("真的吗?我不信.他也不信") == ["真的吗?", "我不信.", "他也不信"]


def test_line_breaks_end_sentences_and_blank_lines_are_skipped():
    text = "第一行没有句号\n\n   \n第二行\r\nthird line\u3000\n"

    assert sentences(text) == ["第一行没有句号", "第二行", "third line"]


def test_spans_are_trimmed_of_surrounding_whitespace():
    text = "  \u3000你好。  Hello there.  "

    assert split_sentences(text) == [Span(3, 6), Span(8, 20)]


def test_a_speaker_label_starts_the_sentence_it_introduces():
    text = "妈妈：我们借了钱。后来还不上。\nSocial worker: How did that feel? Tell me."

    assert sentences(text) == [
        "妈妈：我们借了钱。",
        "后来还不上。",
        "Social worker: How did that feel?",
        "Tell me.",
    ]


def test_a_speaker_label_alone_on_its_line_joins_the_next_sentence():
    text = "妈妈：\n我们借了钱。还不上。"

    assert sentences(text) == ["妈妈：\n我们借了钱。", "还不上。"]


def test_positions_count_code_points_even_outside_the_basic_plane():
    text = "𠀀😀好。再见。"  # an Extension B character and an emoji: one position each

    assert split_sentences(text) == [Span(0, 4), Span(4, 7)]


def test_empty_text_has_no_sentences():
    assert split_sentences("") == []
    assert split_sentences(" \n\u3000\n") == []


@pytest.mark.parametrize("seed", range(20))
def test_spans_are_ordered_disjoint_trimmed_and_cover_every_visible_character(seed):
    rng = random.Random(seed)
    alphabet = [*"我们借了钱化疗abc Dr.Mr 3.5？！。…」”\"':：\n\u3000 ?!.", "妈妈："]
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))

    spans = split_sentences(text)

    covered: set[int] = set()
    for previous, span in zip([Span(0, 0), *spans], spans, strict=False):
        assert previous.end <= span.start < span.end <= len(text)
        assert not text[span.start].isspace()
        assert not text[span.end - 1].isspace()
        covered.update(range(span.start, span.end))
    assert all(i in covered for i, char in enumerate(text) if not char.isspace())
