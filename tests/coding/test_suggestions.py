"""Learned code suggestions on a synthetic corpus of Chinese and English coded segments.

The corpus is made from templates, 24 segments per code (half Chinese, half English) for
four codes of the draft codebook, plus a few segments coded with nothing. The sentences are
invented.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from buoy.coding.domain.suggestions import (
    FORMAT_VERSION,
    CodeQuality,
    ModelFormatError,
    Suggestion,
    SuggestionModel,
    train,
)

DEBT = "R-ECO-01"  # catastrophic costs / debt
PEERS = "P-SOC-01"  # peer caregiver support
ANXIETY = "R-IND-02"  # persistent anxiety / depression
TRUST = "P-MED-01"  # trust in the care team

TEMPLATES = {
    DEBT: (
        [
            "为了治病我们借了{n}万，{t}都还不上。",
            "欠了亲戚{n}万块钱，债越来越多了。",
            "家里的存款花光了，又借了{n}万，{t}还在还债。",
            "{t}算了一下，一共欠了{n}万的债。",
        ],
        [
            "We borrowed {n}0,000 for treatment and {t} we cannot pay it back.",
            "The debt from the chemo is {n}0,000 {t}.",
            "We owe relatives {n}0,000 and the loans keep growing {t}.",
            "Our savings are gone, we are in debt {t}, {n}0,000 borrowed.",
        ],
    ),
    PEERS: (
        [
            "隔壁床的妈妈教我怎么护理，{t}帮了我很多。",
            "病友家长在群里分享经验，{t}给了我很多建议。",
            "同病房的家长{t}陪我聊天，大家互相鼓励。",
            "另一个孩子的妈妈{t}帮我看着孩子，我才能去吃饭。",
        ],
        [
            "The mum in the next bed showed me how to handle the vomiting {t}.",
            "Other parents on the ward gave me tips {t}.",
            "A parent from the online group helped me {t}.",
            "The other mothers on the ward and I encourage each other {t}.",
        ],
    ),
    ANXIETY: (
        [
            "{t}一发烧我就怕复发，整夜睡不着。",
            "我总是很焦虑，{t}担心孩子会不会好。",
            "心里一直很害怕，{t}都吃不下饭。",
            "{t}心情特别低落，总觉得要出事。",
        ],
        [
            "Every fever I think it has come back and I can't sleep {t}.",
            "I am anxious all the time {t}, afraid of a relapse.",
            "I feel scared and low {t}.",
            "I worry {t} that something bad will happen.",
        ],
    ),
    TRUST: (
        [
            "王医生每次都讲得很清楚，{t}我很信任她。",
            "护士{t}都很耐心，我们相信医生的安排。",
            "主治医生很负责，{t}我们很放心。",
            "医生护士{t}都很好，有问题随时可以问。",
        ],
        [
            "Dr Wang always explains clearly and I trust her {t}.",
            "The nurses are patient {t} and we trust the team.",
            "I trust the doctors completely {t}.",
            "The doctors answer every question {t}, we feel safe with them.",
        ],
    ),
}
TIMES_ZH = ["现在", "每天", "这几个月", "最近", "晚上", "一直", "那段时间"]
TIMES_EN = ["now", "every day", "these months", "lately", "at night", "always", "back then"]
UNCODED = [
    "今天天气不错。",
    "孩子早上吃了一点粥。",
    "We talked about the weekend.",
    "下午要去做检查。",
    "The room is on the fourth floor.",
    "他喜欢看动画片。",
]


def corpus(per_language: int = 12, seed: int = 0) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    examples: list[tuple[str, list[str]]] = []
    for code, (chinese, english) in TEMPLATES.items():
        for _ in range(per_language):
            n = rng.randint(2, 40)
            examples.append((rng.choice(chinese).format(n=n, t=rng.choice(TIMES_ZH)), [code]))
            examples.append((rng.choice(english).format(n=n, t=rng.choice(TIMES_EN)), [code]))
    examples += [(text, []) for text in UNCODED]
    rng.shuffle(examples)
    return examples


@pytest.fixture(scope="module")
def examples() -> list[tuple[str, list[str]]]:
    return corpus()


@pytest.fixture(scope="module")
def model(examples) -> SuggestionModel:
    return train(examples)


def test_every_code_with_enough_examples_is_modelled(model):
    assert model.codes == (TRUST, PEERS, DEBT, ANXIETY)
    assert model.n_examples == 4 * 24 + len(UNCODED)
    assert model.skipped_codes == {}


def test_cross_validated_precision_per_code_is_far_better_than_chance(model):
    for code in model.codes:
        quality = model.quality[code]
        chance = quality.support / model.n_examples  # precision of suggesting it at random

        assert quality.support == 24
        assert quality.precision is not None
        assert quality.recall is not None
        assert quality.precision > max(0.6, 2 * chance), (code, quality)
        assert quality.recall > 0.5, (code, quality)


@pytest.mark.parametrize(
    "sentence",
    ["我们借了很多钱，欠的债还不上。", "We are deep in debt: we borrowed 30,000 and owe it all."],
)
def test_a_sentence_about_debt_gets_the_economic_risk_code_first(model, sentence):
    (suggestions,) = model.suggest([sentence])

    assert suggestions
    assert suggestions[0].code == DEBT
    assert 0.5 <= suggestions[0].confidence <= 1.0


def test_each_sentence_gets_its_own_list_in_order(model):
    results = model.suggest(["护士很耐心，我信任医生。", "隔壁床的妈妈帮了我很多。", "今天下雨。"])

    assert [r[0].code if r else None for r in results] == [TRUST, PEERS, None]


def test_top_and_threshold_limit_the_suggestions(model):
    sentence = ["我很焦虑，借了很多钱，晚上睡不着。"]

    everything = model.suggest(sentence, threshold=0.0, top=None)[0]
    assert [s.code for s in everything] == sorted(
        model.codes, key=lambda c: -next(s.confidence for s in everything if s.code == c)
    )
    assert len(model.suggest(sentence, threshold=0.0, top=2)[0]) == 2
    assert model.suggest(sentence, threshold=1.0)[0] == []
    assert model.suggest([]) == []
    with pytest.raises(ValueError, match="threshold"):
        model.suggest(sentence, threshold=1.5)
    with pytest.raises(ValueError, match="top"):
        model.suggest(sentence, top=0)


def test_suggestions_in_a_transcript_point_at_their_sentences(model):
    text = "妈妈：今天天气不错。我们借了十万，债还不上。\n社工：嗯。"

    found = model.suggest_in_text(text)

    assert [(text[span.start : span.end], codes[0].code) for span, codes in found] == [
        ("我们借了十万，债还不上。", DEBT)
    ]


def test_codes_with_too_few_examples_are_skipped_with_their_counts(examples):
    rare = [
        ("奶奶搬过来照顾妹妹。", ["P-FAM-04"]),
        ("Grandma moved in to look after the little one.", ["P-FAM-04"]),
        ("姥姥帮我们带老大。", ["P-FAM-04"]),
        ("这是命。", ["R-CUL-02"]),
    ]

    model = train(examples + rare, min_examples_per_code=5)

    assert model.skipped_codes == {"P-FAM-04": 3, "R-CUL-02": 1}
    assert "P-FAM-04" not in model.codes
    assert "P-FAM-04" not in model.quality


def test_a_code_on_every_segment_is_skipped_as_there_is_nothing_to_tell_apart(examples):
    everywhere = [(text, [*codes, "INTERVIEW"]) for text, codes in examples]

    model = train(everywhere)

    assert model.skipped_codes == {"INTERVIEW": len(examples)}


def test_an_empty_training_set_is_a_clear_error():
    with pytest.raises(ValueError, match="no coded segments to learn from"):
        train([])


def test_no_code_with_enough_examples_is_a_clear_error():
    with pytest.raises(ValueError, match="no code has at least 5 coded segments"):
        train([("我们借了钱。", [DEBT]), ("护士很好。", [TRUST])])


def test_segments_without_words_are_a_clear_error():
    with pytest.raises(ValueError, match="no words"):
        train([("", [DEBT])] * 5 + [("", [])] * 5)


def test_codes_given_as_one_string_are_refused(examples):
    with pytest.raises(TypeError, match="list of code ids"):
        train([(text, codes[0] if codes else "") for text, codes in examples])


@pytest.mark.parametrize(("option", "value"), [("min_examples_per_code", 1), ("folds", 1)])
def test_settings_that_cannot_work_are_refused(examples, option, value):
    with pytest.raises(ValueError, match=option):
        train(examples, **{option: value})


def test_a_code_with_too_few_other_segments_to_cross_validate_has_no_quality():
    examples = [(f"我们借了{n}万，债还不上。", [DEBT]) for n in range(2, 8)]
    examples.append(("护士很耐心。", []))

    model = train(examples)

    assert model.quality[DEBT] == CodeQuality(precision=None, recall=None, support=6)


def test_training_is_deterministic(examples, model):
    again = train(examples)

    assert again.to_bytes() == model.to_bytes()
    assert again.quality == model.quality


def test_a_stored_model_gives_identical_suggestions(model, examples):
    sentences = [text for text, _ in examples[:30]] + ["我们借了很多钱。", "I trust them."]

    loaded = SuggestionModel.from_bytes(model.to_bytes())

    assert loaded.suggest(sentences, threshold=0.0, top=None) == model.suggest(
        sentences, threshold=0.0, top=None
    )
    assert np.array_equal(loaded.probabilities(sentences), model.probabilities(sentences))
    assert loaded.codes == model.codes
    assert loaded.quality == model.quality
    assert loaded.skipped_codes == model.skipped_codes
    assert loaded.n_examples == model.n_examples
    assert loaded.to_bytes() == model.to_bytes()


def test_damaged_or_foreign_bytes_are_refused(model):
    stored = bytearray(model.to_bytes())
    damaged = bytearray(stored)
    damaged[-10] ^= 0xFF
    other_version = bytearray(stored)
    other_version[8] = FORMAT_VERSION + 1

    with pytest.raises(ModelFormatError, match="damaged"):
        SuggestionModel.from_bytes(bytes(damaged))
    with pytest.raises(ModelFormatError, match="train the model again"):
        SuggestionModel.from_bytes(bytes(other_version))
    with pytest.raises(ModelFormatError, match="not a Buoy suggestion model"):
        SuggestionModel.from_bytes(b"\x80\x04\x95pickle")
    with pytest.raises(ModelFormatError, match="not a Buoy suggestion model"):
        SuggestionModel.from_bytes(bytes(stored[:20]))


def test_suggestions_are_plain_values():
    assert Suggestion("R-ECO-01", 0.9) == Suggestion("R-ECO-01", 0.9)
