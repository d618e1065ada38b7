"""De-identification suggestions and the redacted copy with its offset map.

All names, numbers and addresses here are invented.
"""

from __future__ import annotations

import itertools
import random

import pytest

from buoy.coding.domain.redaction import (
    DATE,
    EMAIL,
    ID_NUMBER,
    NAME,
    PHONE,
    PLACE,
    RedactionSuggestion,
    Replacement,
    apply_redactions,
    id_check_character,
    suggest_redactions,
    with_speaker_labels,
)
from buoy.coding.domain.transcripts import find_speaker_labels

# GB 11643-1999, table 1: the weights of positions 1–17, and the check character for
# each remainder of the weighted sum mod 11 (written out here, not computed).
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_FOR_REMAINDER = ("1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2")


def resident_id(first17: str) -> str:
    """An 18-character ID number with its check character, computed from the table."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return first17 + CHECK_FOR_REMAINDER[total % 11]


CHINESE_INTERVIEW = (
    "社工：今天我们聊聊孩子住院以后家里的情况。\n"
    "妈妈：我叫李秀英，孩子叫张小明，大家都叫他小明。我们从河南周口市郸城县李楼村过来的，"
    "现在住在浙江省杭州市西湖区文三路90号3单元501室。\n"
    "王医生和刘护士都很好，李阿姨也常来。我老公在广东打工，电话13812345678。"
    "我们在中国看病，医保报销了一部分。谢谢你们。"
)

ENGLISH_INTERVIEW = (
    "Worker: How have things been since Dr. Wang explained the results?\n"
    "Mother: My name is Mary Smith. Mrs Jones next door helps. Ann and Anna take turns.\n"
    "We live at 12 Oak Street, and you can call me on +44 20 7946 0958."
)


def found(text: str, **options) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in suggest_redactions(text, **options)]


# --- identifier numbers -----------------------------------------------------------------


def test_check_character_matches_the_published_example():
    assert id_check_character("11010519491231002") == "X"
    assert resident_id("11010519491231002") == "11010519491231002X"


@pytest.mark.parametrize("seed", range(30))
def test_check_character_agrees_with_the_standards_table(seed):
    rng = random.Random(seed)
    first17 = "".join(rng.choice("0123456789") for _ in range(17))

    assert first17 + id_check_character(first17) == resident_id(first17)


def test_a_resident_id_with_a_correct_check_character_is_suggested():
    number = resident_id("32010219850612123")
    text = f"妈妈的身份证 {number} 在包里。"

    assert found(text) == [(ID_NUMBER, number)]


def test_an_18_digit_number_with_a_wrong_check_character_is_not_an_id():
    number = resident_id("32010219850612123")
    wrong = number[:17] + ("1" if number[17] != "1" else "2")

    assert found(f"编号 {wrong} 不对。", kinds={ID_NUMBER}) == []


def test_a_lower_case_x_check_character_is_accepted():
    assert found("证件 11010519491231002x。") == [(ID_NUMBER, "11010519491231002x")]


def test_a_15_digit_old_id_is_suggested_when_its_birth_date_is_real():
    assert found("老身份证 130503670401001 还在用。") == [(ID_NUMBER, "130503670401001")]
    assert found("号码 130503671301001 不是证件。", kinds={ID_NUMBER}) == []


def test_numbers_after_a_label_are_suggested_whatever_their_form():
    text = "住院号：A123456，病案号 20230417，MRN: 88-1234，身份证号是110105194912310021。"

    assert found(text, kinds={ID_NUMBER}) == [
        (ID_NUMBER, "A123456"),
        (ID_NUMBER, "20230417"),
        (ID_NUMBER, "88-1234"),
        (ID_NUMBER, "110105194912310021"),
    ]


def test_the_hospitals_record_number_pattern_is_used():
    text = "病人编号BY20230417，下次复查带上。"

    assert found(text, record_number_pattern=r"BY\d{8}") == [(ID_NUMBER, "BY20230417")]
    assert found(text, record_number_pattern=r"编号(BY\d+)") == [(ID_NUMBER, "BY20230417")]


# --- phones, e-mail, dates ----------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138-1234-5678",
        "+8613812345678",
        "010-12345678",
        "(0755) 1234567",
        "0571-88881234-802",
        "+86 10 1234 5678",
        "+44 20 7946 0958",
        "+1 (555) 123-4567",
        "(555) 123-4567",
    ],
)
def test_phone_numbers_are_suggested(number):
    assert found(f"有事打 {number} 找我。") == [(PHONE, number)]


@pytest.mark.parametrize(
    "text",
    ["我们借了300000元。", "一共花了12345678块。", "Room 2015, bed 12.", "第1234567号文件"],
)
def test_other_numbers_are_not_phone_numbers(text):
    assert found(text, kinds={PHONE}) == []


def test_email_addresses_are_suggested():
    text = "邮箱是lxy1985@example.com，或者 mary.smith+ward@mail.example.org."

    assert found(text) == [
        (EMAIL, "lxy1985@example.com"),
        (EMAIL, "mary.smith+ward@mail.example.org"),
    ]


@pytest.mark.parametrize(
    "date",
    [
        "2015年3月12日",
        "2015 年 3 月 12 号",
        "2015-03-12",
        "2015/3/12",
        "12/03/2015",
        "March 12, 2015",
        "12 March 2015",
        "Mar. 3rd 2015",
    ],
)
def test_full_dates_are_suggested(date):
    assert found(f"孩子是 {date} 出生的。", kinds={DATE}) == [(DATE, date)]


@pytest.mark.parametrize("text", ["2015年确诊。", "2015年3月住院。", "2015-13-45", "31/31/2015"])
def test_years_months_and_impossible_dates_are_not_suggested(text):
    assert found(text, kinds={DATE}) == []


# --- names ----------------------------------------------------------------------------------


def test_chinese_person_names_are_suggested_everywhere_they_occur():
    suggestions = found(CHINESE_INTERVIEW, kinds={NAME})

    assert suggestions == [
        (NAME, "李秀英"),
        (NAME, "张小明"),
        (NAME, "小明"),
        (NAME, "王"),
        (NAME, "刘"),
        (NAME, "李"),
    ]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("赵丽丽说她明天来。", "赵丽丽"),  # jieba cuts 赵 | 丽丽
        ("孩子的名字是王浩然。", "王浩然"),  # 王 | 浩然
        ("杨帆和吴婷婷是我同事。", "吴婷婷"),  # 吴 | 婷婷
        ("欧阳明明的妈妈来了。", "欧阳明明"),  # a compound surname, and 明明 is also an adverb
        ("他姐姐叫小红。", "小红"),  # 小 | 红, a nickname after 叫
        ("我们找了周主任。", "周"),  # 周 is "week" to jieba, but a surname before a title
    ],
)
def test_names_jieba_cuts_in_two_are_found_whole(text, name):
    assert (NAME, name) in found(text, kinds={NAME})


def test_a_surname_before_an_ordinary_word_is_not_a_name():
    assert found("王说好的，李也来了，他叫小心一点。", kinds={NAME}) == []


def test_kinship_and_courtesy_words_are_not_names():
    names = {text for kind, text in found(CHINESE_INTERVIEW) if kind == NAME}

    assert not names & {"阿姨", "老公", "谢谢", "妈妈", "医生", "护士"}


def test_known_names_are_matched_exactly_each_time():
    text = "小芳说陈建国昨天来了，陈建国的妈妈也来了。"

    assert found(text, known_names=["陈建国", "小芳", " "], kinds={NAME}) == [
        (NAME, "小芳"),
        (NAME, "陈建国"),
        (NAME, "陈建国"),
    ]


def test_a_known_latin_name_matches_whole_words_only():
    assert found("Ann and Anna came; annual leave.", known_names=["Ann"], kinds={NAME}) == [
        (NAME, "Ann")
    ]


def test_english_names_after_a_title_or_introduction_are_suggested():
    assert found(ENGLISH_INTERVIEW, kinds={NAME}) == [
        (NAME, "Wang"),
        (NAME, "Mary Smith"),
        (NAME, "Jones"),
    ]


# --- places ---------------------------------------------------------------------------------


def test_a_chinese_address_is_one_suggestion():
    places = [text for kind, text in found(CHINESE_INTERVIEW) if kind == PLACE]

    assert places == ["河南周口市郸城县李楼村", "浙江省杭州市西湖区文三路90号3单元501室", "广东"]


def test_country_level_words_are_not_places():
    assert found("在中国，全国的医保都一样。", kinds={PLACE}) == []


def test_an_english_street_address_is_a_place():
    assert (PLACE, "12 Oak Street") in found(ENGLISH_INTERVIEW)


# --- all together -------------------------------------------------------------------------


def test_suggestions_are_sorted_and_never_overlap():
    text = CHINESE_INTERVIEW + "\n" + ENGLISH_INTERVIEW
    suggestions = suggest_redactions(text, known_names=["张小明", "小明", "Mary"])

    for before, after in itertools.pairwise(suggestions):
        assert before.end <= after.start
    assert all(text[s.start : s.end] == s.text for s in suggestions)


def test_the_longest_candidate_wins_an_overlap():
    text = "张小明今天很好。"

    assert found(text, known_names=["小明", "张小明"]) == [(NAME, "张小明")]


def test_kinds_limit_what_is_looked_for():
    assert {kind for kind, _ in found(CHINESE_INTERVIEW, kinds={PHONE})} == {PHONE}
    with pytest.raises(ValueError, match="unknown redaction kinds: address"):
        suggest_redactions("x", kinds={"address"})


def test_text_without_identifiers_has_no_suggestions():
    text = "孩子化疗以后一直发烧，我晚上睡不着，但是护士很耐心。I trust the team."

    assert suggest_redactions(text) == []


# --- the redacted copy ----------------------------------------------------------------------


def test_accepted_suggestions_become_placeholders_in_the_texts_language():
    text = "我叫李秀英，电话13812345678。"
    redacted = apply_redactions(text, suggest_redactions(text))

    assert redacted.text == "我叫[姓名]，电话[电话]。"


def test_english_text_gets_english_placeholders_unless_told_otherwise():
    text = "Mrs Jones called from +44 20 7946 0958."
    suggestions = suggest_redactions(text)

    assert apply_redactions(text, suggestions).text == "Mrs [NAME] called from [PHONE]."
    assert (
        apply_redactions(text, suggestions, language="zh").text == "Mrs [姓名] called from [电话]."
    )


def test_numbered_placeholders_keep_people_apart():
    text = "李秀英说，张小明和李秀英都累了。"
    redacted = apply_redactions(text, suggest_redactions(text), numbered=True)

    assert redacted.text == "[姓名1]说，[姓名2]和[姓名1]都累了。"


def test_only_accepted_suggestions_are_applied():
    text = "我叫李秀英，电话13812345678。"
    phone_only = [s for s in suggest_redactions(text) if s.kind == PHONE]

    assert apply_redactions(text, phone_only).text == "我叫李秀英，电话[电话]。"
    assert apply_redactions(text, []).text == text


def test_a_person_may_choose_their_own_replacement():
    text = "我们住在文三路90号。"

    assert apply_redactions(text, [Replacement(4, 10, "某地")]).text == "我们住在某地。"


@pytest.mark.parametrize(
    ("accepted", "message"),
    [
        ([Replacement(0, 3, "x"), Replacement(2, 5, "y")], "overlaps"),
        ([Replacement(3, 3, "x")], "not inside"),
        ([Replacement(0, 99, "x")], "not inside"),
        ([RedactionSuggestion(2, 5, NAME, "王小红")], "no longer matches"),
        ([RedactionSuggestion(2, 5, NAME, "李秀英"), Replacement(2, 5, "某人")], "overlaps"),
        ([RedactionSuggestion(2, 5, "address", "李秀英")], "unknown redaction kind"),
    ],
)
def test_impossible_redactions_are_refused(accepted, message):
    with pytest.raises(ValueError, match=message):
        apply_redactions("我叫李秀英，电话13812345678。", accepted)


def test_the_same_suggestion_accepted_twice_is_applied_once():
    text = "我叫李秀英。"
    suggestion = suggest_redactions(text)[0]

    assert apply_redactions(text, [suggestion, suggestion]).text == "我叫[姓名]。"


# --- carrying coded segments over -----------------------------------------------------------


def test_segments_away_from_redactions_keep_their_text():
    text = CHINESE_INTERVIEW
    redacted = apply_redactions(text, suggest_redactions(text))
    covered = [(s.start, s.end) for s in suggest_redactions(text)]
    rng = random.Random(1)
    checked = 0
    for _ in range(300):
        start = rng.randrange(len(text))
        end = rng.randrange(start, len(text) + 1)
        if any(start < r_end and r_start < end for r_start, r_end in covered):
            continue
        new_start, new_end = redacted.map_span(start, end)
        assert redacted.text[new_start:new_end] == text[start:end]
        checked += 1
    assert checked > 20


def test_a_segment_inside_a_redacted_name_collapses_onto_its_placeholder():
    text = "我叫李秀英，电话13812345678。"
    redacted = apply_redactions(text, suggest_redactions(text))

    new_start, new_end = redacted.map_span(3, 4)  # 秀, inside 李秀英

    assert redacted.text[new_start:new_end] == "[姓名]"


def test_a_segment_that_covers_a_redaction_covers_its_placeholder():
    text = "妈妈：我叫李秀英，电话13812345678。后来呢？"
    redacted = apply_redactions(text, suggest_redactions(text))
    start, end = 3, text.index("后")

    new_start, new_end = redacted.map_span(start, end)

    assert redacted.text[new_start:new_end] == "我叫[姓名]，电话[电话]。"


def test_a_segment_starting_or_ending_inside_a_name_covers_all_of_the_placeholder():
    text = "我叫李秀英，今天很累。"
    redacted = apply_redactions(text, suggest_redactions(text))

    assert redacted.text[slice(*redacted.map_span(3, 8))] == "[姓名]，今天"
    assert redacted.text[slice(*redacted.map_span(0, 4))] == "我叫[姓名]"


def test_offsets_map_at_the_edges_and_refuse_positions_outside_the_text():
    text = "李秀英说好。"
    redacted = apply_redactions(text, suggest_redactions(text))

    assert redacted.map_offset(0) == 0
    assert redacted.map_offset(3) == len("[姓名]")
    assert redacted.map_offset(len(text)) == len(redacted.text)
    with pytest.raises(ValueError, match="outside the text"):
        redacted.map_offset(len(text) + 1)
    with pytest.raises(ValueError, match="after its end"):
        redacted.map_span(4, 2)


# ---------------------------------------------------------------------------------------------
# What the case record knows, and speaker labels


def test_the_case_number_and_recorded_phone_are_suggested_wherever_they_stand() -> None:
    text = (
        "个案编号 2026-00007，家里电话 0510 888 1234。Case 2026-00007 again; 2026-000071 is not it."
    )
    found = suggest_redactions(
        text, known_identifiers=[(ID_NUMBER, "2026-00007"), (PHONE, "0510 888 1234")]
    )
    assert [(s.kind, s.text, s.start) for s in found if s.kind in (ID_NUMBER, PHONE)] == [
        (ID_NUMBER, "2026-00007", 5),
        (PHONE, "0510 888 1234", text.index("0510")),
        (ID_NUMBER, "2026-00007", text.index("2026-00007", 20)),
    ]


def test_an_unknown_kind_of_known_identifier_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown redaction kind"):
        suggest_redactions("x", known_identifiers=[("shoe size", "42")])


def test_a_speaker_label_that_names_someone_is_redacted_even_where_no_one_confirmed_it() -> None:
    text = "张淑华：我很好。\n社工：好的。\nHelen Walker: fine.\nDr Li: yes.\n"
    labels = find_speaker_labels(text)
    chosen = with_speaker_labels(text, [], labels, known_names=["张淑华", "Helen Walker"])
    redacted = apply_redactions(text, chosen)
    assert redacted.text == "[姓名]：我很好。\n社工：好的。\n[姓名]: fine.\nDr [姓名]: yes.\n"


def test_a_speaker_label_gets_the_replacements_confirmed_elsewhere_in_the_text() -> None:
    text = "Sarah: hello.\nInterviewer: my name is Sam, and you are Sarah?\n"
    elsewhere = text.rindex("Sarah")
    accepted = [RedactionSuggestion(elsewhere, elsewhere + 5, NAME, "Sarah")]
    chosen = with_speaker_labels(text, accepted, find_speaker_labels(text))
    assert apply_redactions(text, chosen, language="en").text == (
        "[NAME]: hello.\nInterviewer: my name is Sam, and you are [NAME]?\n"
    )


def test_a_label_name_overlapping_a_confirmed_stretch_replaces_the_whole_of_both() -> None:
    text = "张淑华：嗯。\n"
    accepted = [Replacement(1, 3, "[removed]")]  # the given name only, typed by a person
    chosen = with_speaker_labels(text, accepted, find_speaker_labels(text), ["张淑华"])
    assert chosen == [RedactionSuggestion(0, 3, NAME, "张淑华")]
    assert apply_redactions(text, chosen).text == "[姓名]：嗯。\n"


def test_a_known_name_wins_over_a_longer_guess_that_overlaps_it() -> None:
    # jieba reads 明能挺 as a name here; it must not swallow half of the child's name 诗明
    text = "我们相信医生，也相信诗明能挺过去。"
    found = suggest_redactions(text, ["何诗明", "诗明"])
    assert [(s.kind, s.text) for s in found if s.kind == NAME] == [(NAME, "诗明")]
    assert "诗明" not in apply_redactions(text, found).text
