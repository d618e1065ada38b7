"""De-identifying a transcript: suggestions a person confirms, then a redacted copy.

Nothing here changes a transcript by itself. `suggest_redactions(text, known_names)` lists
places that look like personal identifiers; a person accepts or rejects each; then
`apply_redactions(text, accepted)` returns the redacted text and an offset map, so coded
segments can be carried over to the redacted copy (the original is never edited, ADR 0008).

What is suggested (`RedactionSuggestion.kind`):

=========== ==================================================================================
kind        found by
=========== ==================================================================================
name        names the caller knows (the caregiver's and child's names from the case), matched
            exactly (whole words for Latin names); Chinese person names that jieba tags ``nr``
            and that look like names (a common surname or 小/老/阿 first, rare as a word,
            not a kinship or job word: 谢谢 and 阿姨 are tagged ``nr`` too), joined up when
            jieba cut them after the surname (王 | 浩然); a surname before a title
            (王医生 → 王); the word after 我叫 / 名叫 / 名字是; an English capitalised name
            after Mr, Mrs, Ms, Dr, Prof, Nurse, … or "my name is". A name found once is
            then suggested wherever else it occurs
phone       mainland mobiles (1[3-9] and 9 digits, spaced or not, optional +86 / 0086),
            landlines with an area code (010-12345678, (0755) 1234567, +86 10 1234 5678),
            other international numbers (+44 20 7946 0958) and North American numbers
id_number   18-character resident ID numbers with a real birth date and the right GB 11643
            check character, 15-digit first-generation ID numbers with a real birth date,
            numbers after a label (身份证号, 住院号, 病案号, 门诊号, MRN, …), and
            matches of the caller's `record_number_pattern` (group 1 if it has a group,
            else the whole match)
place       jieba ``ns`` places (not country-level words such as 中国) and Chinese
            addresses: a run of places and address parts (…省…市…区…路90号3单元501室);
            English street addresses ("12 Oak Street")
email       e-mail addresses
date        full dates (2015年3月12日, 2015-03-12, 12/03/2015, March 12, 2015): birth and
            admission dates identify a person; years alone are not suggested
=========== ==================================================================================

Suggestions never overlap: where two candidates overlap, what the caller knows from the case
record (`known_names`, `known_identifiers`) wins over a guess, so a guess such as 明能挺 in
"相信诗明能挺过去" cannot swallow half of the known name 诗明; then the longer wins (then the
order of `KINDS`). They come sorted by position.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from buoy.coding.domain.sentences import Span
from buoy.coding.domain.words import HAN, dictionary_frequency, pos_tokenizer

NAME = "name"
PHONE = "phone"
ID_NUMBER = "id_number"
PLACE = "place"
EMAIL = "email"
DATE = "date"
# Also the tie-break on overlap: an identifier number beats a phone number of the same length.
KINDS = (ID_NUMBER, EMAIL, PHONE, DATE, NAME, PLACE)

PLACEHOLDERS = {
    "zh": {
        NAME: "姓名",
        PHONE: "电话",
        ID_NUMBER: "证件号",
        PLACE: "地点",
        EMAIL: "邮箱",
        DATE: "日期",
    },
    "en": {
        NAME: "NAME",
        PHONE: "PHONE",
        ID_NUMBER: "ID",
        PLACE: "PLACE",
        EMAIL: "EMAIL",
        DATE: "DATE",
    },
}


@dataclass(frozen=True)
class RedactionSuggestion:
    """A stretch of `text` that may identify someone: ``text[start:end] == self.text``."""

    start: int
    end: int
    kind: str
    text: str


@dataclass(frozen=True)
class Replacement:
    """A span a person chose to replace with their own wording (not a suggestion)."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class OffsetMap:
    """Maps positions in the original text to positions in the redacted copy.

    `replaced` holds ``(old_start, old_end, new_start, new_end)`` for each replacement, in
    order. Text outside replacements shifts by the length change of the replacements before
    it; a position strictly inside a replaced stretch falls on its placeholder.
    """

    replaced: tuple[tuple[int, int, int, int], ...]
    old_length: int

    def map_offset(self, old: int, *, side: Literal["start", "end"] = "start") -> int:
        """The position in the redacted text for `old`.

        A position inside a replaced stretch goes to the placeholder's start (``side="start"``)
        or end (``side="end"``), so a segment that starts or ends inside a name still covers
        the whole placeholder.
        """
        if not 0 <= old <= self.old_length:
            raise ValueError(f"position {old} is outside the text (0–{self.old_length})")
        k = bisect.bisect_right([r[0] for r in self.replaced], old) - 1
        if k < 0:
            return old
        old_start, old_end, new_start, new_end = self.replaced[k]
        if old == old_start:
            return new_start
        if old < old_end:
            return new_start if side == "start" else new_end
        return new_end + (old - old_end)

    def map_span(self, start: int, end: int) -> Span:
        """A coded segment's new span; one inside a redacted stretch becomes the placeholder."""
        if start > end:
            raise ValueError(f"span start {start} is after its end {end}")
        return Span(self.map_offset(start, side="start"), self.map_offset(end, side="end"))


@dataclass(frozen=True)
class RedactedText:
    """The redacted copy of a text and the map from old positions to new ones."""

    text: str
    offset_map: OffsetMap

    def map_offset(self, old: int, *, side: Literal["start", "end"] = "start") -> int:
        """See `OffsetMap.map_offset`."""
        return self.offset_map.map_offset(old, side=side)

    def map_span(self, start: int, end: int) -> Span:
        """See `OffsetMap.map_span`."""
        return self.offset_map.map_span(start, end)


def suggest_redactions(
    text: str,
    known_names: Iterable[str] = (),
    *,
    known_identifiers: Iterable[tuple[str, str]] = (),
    record_number_pattern: str | re.Pattern[str] | None = None,
    kinds: Collection[str] = KINDS,
) -> list[RedactionSuggestion]:
    """Stretches of `text` that may identify a person, sorted, never overlapping.

    `known_names` are names the caller knows to be in the case (matched exactly; pass the
    given name and nicknames too, e.g. 张小明, 小明). `known_identifiers` are other things
    the caller knows identify the family, as (kind, text) pairs matched exactly: the case
    number (``ID_NUMBER``), the phone numbers on the record (``PHONE``).
    `record_number_pattern` is a regular expression for the hospital's record numbers.
    `kinds` limits what is looked for.
    """
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown redaction kinds: {', '.join(sorted(unknown))}")
    pattern = (
        re.compile(record_number_pattern)
        if isinstance(record_number_pattern, str)
        else record_number_pattern
    )
    known = _from_the_record(text, known_names, known_identifiers, kinds)
    candidates = [*_by_pattern(text, kinds, pattern), *_chinese_guesses(text, kinds)]
    # A name found once is a name everywhere: jieba tags 小明 nr in one sentence, n in the next.
    found = {c.text for c in candidates if c.kind == NAME and len(c.text) >= 2}
    candidates += _known_names(text, found)
    return _without_overlaps([*known, *candidates], preferred=set(known))


def _from_the_record(
    text: str,
    known_names: Iterable[str],
    known_identifiers: Iterable[tuple[str, str]],
    kinds: Collection[str],
) -> list[RedactionSuggestion]:
    """What the case record knows, found in `text`: these win over a guess on overlap."""
    known: list[RedactionSuggestion] = []
    for kind, said in known_identifiers:
        if kind not in KINDS:
            raise ValueError(f"unknown redaction kind {kind!r}")
        if kind in kinds:
            known += _known_names(text, [said], kind)
    if NAME in kinds:
        known += _known_names(text, known_names)
    return known


def _by_pattern(
    text: str, kinds: Collection[str], record_number: re.Pattern[str] | None
) -> list[RedactionSuggestion]:
    """What the regular expressions find: English names, phones, ID and record numbers,
    e-mail addresses, dates and English street addresses."""
    found: list[RedactionSuggestion] = []
    if NAME in kinds:
        found += _english_names(text)
    if PHONE in kinds:
        found += _matches(text, _PHONES, PHONE, _phone_digits_ok)
    if ID_NUMBER in kinds:
        found += _matches(text, [_ID_18], ID_NUMBER, _id18_ok)
        found += _matches(text, [_ID_15], ID_NUMBER, _id15_ok)
        found += _matches(text, [_LABELLED_NUMBER], ID_NUMBER, group=1)
        if record_number is not None:
            group = 1 if record_number.groups else 0
            found += _matches(text, [record_number], ID_NUMBER, group=group)
    if EMAIL in kinds:
        found += _matches(text, [_EMAIL], EMAIL)
    if DATE in kinds:
        found += _matches(text, _DATES, DATE, _date_ok)
    if PLACE in kinds:
        found += _matches(text, [_ENGLISH_ADDRESS], PLACE)
    return found


def _chinese_guesses(text: str, kinds: Collection[str]) -> list[RedactionSuggestion]:
    """Chinese names and places, from jieba's part-of-speech tags (only for text with Han)."""
    if not (NAME in kinds or PLACE in kinds) or not _HAN_CHAR.search(text):
        return []
    tokens = _pos_tokens(text)
    found: list[RedactionSuggestion] = []
    if NAME in kinds:
        found += _chinese_names(text, tokens)
    if PLACE in kinds:
        found += _chinese_places(text, tokens)
    return found


def apply_redactions(
    text: str,
    accepted: Iterable[RedactionSuggestion | Replacement],
    *,
    language: Literal["zh", "en"] | None = None,
    numbered: bool = False,
) -> RedactedText:
    """Replace each accepted stretch with a placeholder (``[姓名]`` / ``[NAME]``, …).

    The placeholder language is `language`, or the text's own (Chinese when it has at
    least as many Han characters as Latin words). With ``numbered=True`` each distinct
    original gets its own number per kind (``[姓名1]``, ``[姓名2]``), so readers can still
    tell two people apart. A `Replacement` uses its own wording. Refuses (ValueError)
    overlapping stretches, stretches outside the text, and a suggestion whose text no
    longer matches the transcript.
    """
    words = PLACEHOLDERS[language or _language(text)]
    items: list[tuple[int, int, str | None, str]] = []
    for item in dict.fromkeys(accepted):
        if not 0 <= item.start < item.end <= len(text):
            raise ValueError(f"stretch {item.start}–{item.end} is not inside the text")
        if isinstance(item, RedactionSuggestion):
            if text[item.start : item.end] != item.text:
                raise ValueError(
                    f"suggestion {item.start}–{item.end} ({item.text!r}) no longer matches the text"
                )
            if item.kind not in words:
                raise ValueError(f"unknown redaction kind {item.kind!r}")
            items.append((item.start, item.end, item.kind, item.text))
        else:
            items.append((item.start, item.end, None, item.replacement))
    items.sort(key=lambda item: (item[0], item[1]))
    numbers: dict[tuple[str, str], int] = {}
    used = Counter[str]()
    pieces: list[str] = []
    replaced: list[tuple[int, int, int, int]] = []
    cursor = new_length = 0
    for start, end, kind, wording in items:
        if start < cursor:
            raise ValueError(f"stretch {start}–{end} overlaps the one before it")
        if kind is None:
            placeholder = wording
        else:
            label = words[kind]
            if numbered:
                if (kind, wording) not in numbers:
                    used[kind] += 1
                    numbers[kind, wording] = used[kind]
                label = f"{label}{numbers[kind, wording]}"
            placeholder = f"[{label}]"
        pieces.append(text[cursor:start])
        new_length += start - cursor
        pieces.append(placeholder)
        replaced.append((start, end, new_length, new_length + len(placeholder)))
        new_length += len(placeholder)
        cursor = end
    pieces.append(text[cursor:])
    return RedactedText("".join(pieces), OffsetMap(tuple(replaced), len(text)))


def with_speaker_labels(
    text: str,
    accepted: Iterable[RedactionSuggestion | Replacement],
    labels: Iterable[tuple[int, int]],
    known_names: Iterable[str] = (),
) -> list[RedactionSuggestion | Replacement]:
    """`accepted` and, inside each speaker label, whatever else in it names a person.

    A speaker label that is a name must not survive into a de-identified copy, where it
    becomes the turn's speaker. Inside each label `[start, end)` of `text` this adds the
    same confirmed replacements (every text a person accepted elsewhere, with its kind), the
    `known_names` and the names `suggest_redactions` finds in the label on its own. An added
    stretch that overlaps accepted ones takes their place, covering them all, so the result
    can go to `apply_redactions` as it is.
    """
    chosen = list(dict.fromkeys(accepted))
    confirmed: list[tuple[str, str]] = []
    for item in chosen:
        if isinstance(item, RedactionSuggestion):
            confirmed.append((item.kind, item.text))
        else:
            confirmed.append((NAME, text[item.start : item.end]))
    added: list[RedactionSuggestion] = []
    for start, end in labels:
        found = suggest_redactions(
            text[start:end],
            known_names,
            known_identifiers=[(kind, said) for kind, said in confirmed if said.strip()],
            kinds=(NAME, *(kind for kind, _said in confirmed)),
        )
        added += [
            RedactionSuggestion(start + f.start, start + f.end, f.kind, f.text) for f in found
        ]
    for extra in added:
        overlapping = [item for item in chosen if item.start < extra.end and extra.start < item.end]
        if any(item.start <= extra.start and extra.end <= item.end for item in overlapping):
            continue  # already replaced
        if overlapping:
            start = min(extra.start, *(item.start for item in overlapping))
            end = max(extra.end, *(item.end for item in overlapping))
            extra = RedactionSuggestion(start, end, extra.kind, text[start:end])
            chosen = [item for item in chosen if item not in overlapping]
        chosen.append(extra)
    return sorted(chosen, key=lambda item: (item.start, item.end))


def suggestion_key(suggestion: RedactionSuggestion) -> str:
    """How a form names a suggestion (``start:end:kind``), so a person can tick or untick it."""
    return f"{suggestion.start}:{suggestion.end}:{suggestion.kind}"


def typed_replacements(
    text: str, words: str, taken: Iterable[tuple[int, int]], wording: str
) -> list[Replacement]:
    """Every occurrence in `text` of each word a person typed (one per line), replaced by
    `wording`, except where a stretch in `taken` (those already accepted) or an earlier
    occurrence is."""
    covered = list(taken)
    found: list[Replacement] = []
    for word in dict.fromkeys(line.strip() for line in words.splitlines()):
        at = text.find(word) if word else -1
        while at != -1:
            end = at + len(word)
            if all(end <= start or at >= stop for start, stop in covered):
                found.append(Replacement(at, end, wording))
                covered.append((at, end))
            at = text.find(word, end)
    return found


def surroundings(text: str, start: int, end: int, width: int = 12) -> tuple[str, str]:
    """The `width` characters before and after `text[start:end]`, to show it in its place."""
    return text[max(0, start - width) : start], text[end : end + width]


def id_check_character(first17: str) -> str:
    """The GB 11643 check character (0–9 or X) for the first 17 digits of a resident ID."""
    if len(first17) != 17 or not first17.isdigit() or not first17.isascii():
        raise ValueError("a resident ID number starts with 17 digits")
    # ISO 7064 MOD 11-2: weight 2^(17-i) mod 11 for position i; the check makes the sum 1 mod 11.
    total = sum(int(digit) * pow(2, 17 - i, 11) for i, digit in enumerate(first17))
    return "10X98765432"[total % 11]


def _words(words: str) -> tuple[str, ...]:
    return tuple(words.split())


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# --- patterns -------------------------------------------------------------------------------

_HAN_CHAR = re.compile(f"[{HAN}]")
_ALL_HAN = re.compile(f"[{HAN}]+")
_NOT_DIGIT_BEFORE = r"(?<![\d+])"
_PHONES = [
    # Mainland mobile: 1[3-9]x xxxx xxxx, optional +86 / 0086.
    re.compile(_NOT_DIGIT_BEFORE + r"(?:(?:\+|00)86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"),
    # Landline with its area code: 010-12345678, (0755) 1234567, extension optional.
    re.compile(_NOT_DIGIT_BEFORE + r"(?:\(0\d{2,3}\)|0\d{2,3})[\s-]?\d{7,8}(?:-\d{1,5})?(?!\d)"),
    # +86 landline, area code without its 0: +86 10 1234 5678, +86-755-12345678.
    re.compile(r"(?:\+|(?<!\d)00)86[\s-]?\(?[1-9]\d{1,2}\)?[\s-]?\d{3,4}[\s-]?\d{4}(?!\d)"),
    # Any other international number: + country code and 6–14 more digits in groups.
    re.compile(r"(?<![\w+])\+[1-9]\d{0,2}(?:[\s.-]?\(?\d{1,4}\)?){2,5}(?!\d)"),
    # North American: (555) 123-4567, 555-123-4567.
    re.compile(r"(?<![\d-])(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{4}(?![\d-])"),
]
_ID_18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_ID_15 = re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")
_LABELLED_NUMBER = re.compile(
    r"(?:身份证号码|身份证号|身份证|住院号|病案号|病历号|门诊号|就诊卡号|就诊号|医保卡号|社保卡号"
    r"|(?i:MRN|medical record (?:number|no\.?)|hospital number|ID number))"
    r"\s*(?:是|为)?\s*[:：#]?\s*([A-Za-z]{0,4}\d[A-Za-z0-9-]{2,})"
)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_MONTH_ABBREVIATIONS = "jan feb mar apr may jun jul aug sep oct nov dec"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATES = [
    re.compile(r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"),
    re.compile(r"(?<![\d.])(?P<y>\d{4})([-/.])(?P<m>\d{1,2})\2(?P<d>\d{1,2})(?![\d.])"),
    re.compile(r"(?<![\d./])(?P<a>\d{1,2})([/.-])(?P<b>\d{1,2})\2(?P<y>\d{4})(?!\d)"),
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<y>\d{{4}})\b"),
]
_MONTH_NUMBERS = {name: i for i, name in enumerate(_MONTH_ABBREVIATIONS.split(), 1)}
_TITLES_EN = r"(?:Mr|Mrs|Ms|Mx|Miss|Dr|Doctor|Prof|Professor|Nurse|Sister|Auntie|Uncle)"
_CAPITALISED = r"[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?"
_ENGLISH_NAMES = [
    re.compile(rf"\b{_TITLES_EN}\.?\s+({_CAPITALISED}(?:\s+{_CAPITALISED})?)"),
    re.compile(
        rf"\b(?:[Mm]y|[Hh]is|[Hh]er|[Tt]heir) (?:\w+'s )?name is "
        rf"({_CAPITALISED}(?: {_CAPITALISED})?)"
    ),
    re.compile(rf"\bnamed ({_CAPITALISED}(?: {_CAPITALISED})?)"),
]
_ENGLISH_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?\s+(?:{_CAPITALISED}\s+){{1,3}}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Way|Court|Ct|Place|Boulevard|Blvd|Close|Crescent)\b"
)

# Common Chinese surnames (the few hundred that cover nearly everyone), compound ones first.
_COMPOUND_SURNAMES = _words("欧阳 司马 诸葛 上官 东方 皇甫 令狐 慕容 尉迟 长孙 夏侯 公孙 司徒 端木")
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰"
    "焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲"
    "房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟"
    "应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
# Words jieba tags as person names that are kinship, job or courtesy words in a transcript.
_NOT_NAMES = _word_set(
    "老公 老婆 阿姨 叔叔 阿姨们 奶奶 爷爷 外婆 外公 姥姥 姥爷"
    " 妈妈 爸爸 哥哥 姐姐 弟弟 妹妹 宝宝 宝贝 孩子 儿子 女儿"
    " 老人 老师 医生 护士 大夫 主任 社工 小姐 先生 太太 女士"
    " 老板 小孩 小朋友 小伙子 老太太 老头 老乡 阿婆 伯伯 舅舅"
    " 姑姑 姨妈 婶婶 嫂子 小姑 小叔 谢谢 老大 老二 老三 小家伙"
    " 老伴 老家 老爸 老妈 小宝 阿公 阿爸 阿妈 老总 老头子 小弟"
    " 小妹 老弟 老妹 小哥 小时 明白 明明"
)
# Words after a surname that make it a person being addressed (王医生, 李阿姨).
_TITLES_ZH = _word_set(
    "医生 大夫 护士 护士长 主任 老师 教授 院长 社工 阿姨 叔叔"
    " 姐 哥 大姐 大哥 姐姐 哥哥 师傅 先生 女士 小姐 太太 奶奶"
    " 爷爷 总 书记 经理 律师 校长 同学 老板 医师"
)
_NOT_IN_GIVEN_NAMES = frozenset(
    "们的了吗呢吧啊呀也都就还在是有和跟给让把被里上下内外你我他她它这那说"
)
_NAME_CUES = frozenset(("叫", "叫做", "名叫", "名为"))
# Two-word cues: 名字是 小明, 叫他 小明.
_NAME_CUE_PAIRS = frozenset(
    [("名字", "是"), ("名字", "叫")]
    + [(cue, pronoun) for cue in _NAME_CUES for pronoun in "他她我你它"]
)
_ADMIN_SUFFIXES = _words("省 市 区 县 州 盟 旗 镇 乡 村 屯")
_STREET_SUFFIXES = _words("路 街 大街 大道 巷 弄 胡同 小区 花园 公寓 苑 新村")
_UNITS = _word_set("号 号楼 号院 栋 幢 座 单元 楼 层 室 户 组 弄 排 院")
_NUMBER = re.compile(r"[0-9A-Za-z]+|[一二三四五六七八九十百零〇两]+")
# Country-level or vague place words jieba tags ns; suggesting them only adds noise.
_NOT_PLACES = _word_set(
    "中国 中华 国内 国外 全国 海外 外地 本地 当地 内地 大陆"
    " 亚洲 世界 外国 南方 北方 各地 异地 农村 城市 城里 英雄"
    " 大城市 小城市 都市 大都市 超市 市区 城区 郊区 地区 山区"
    " 社区 小区 病区 园区 景区 乡村 乡下 县城 老区 灾区"
)
# Parts of speech a given name never is (verbs, adverbs, pronouns, particles, numbers, …).
_NOT_NAME_FLAGS = frozenset("vdpcurtmqfxyeokg")
# A given name may be a word (浩然, 丽丽), but not one as common as 今天 or 我们.
_COMMON_GIVEN_NAME = 5000
# A dictionary word this frequent is an ordinary word even when jieba tags it nr (明白, 文明).
_COMMON_WORD = 1000


@dataclass(frozen=True)
class _Token:
    word: str
    flag: str
    start: int
    end: int


def _matches(
    text: str,
    patterns: Iterable[re.Pattern[str]],
    kind: str,
    accept: Callable[[re.Match[str]], bool] | None = None,
    *,
    group: int = 0,
) -> Iterator[RedactionSuggestion]:
    for pattern in patterns:
        for match in pattern.finditer(text):
            if accept is not None and not accept(match):
                continue
            start, end = match.span(group)
            if start < end:
                yield RedactionSuggestion(start, end, kind, text[start:end])


def _phone_digits_ok(match: re.Match[str]) -> bool:
    # E.164 numbers have at most 15 digits; fewer than 7 is not a phone number.
    return 7 <= sum(char.isdigit() for char in match.group()) <= 15


def _id18_ok(match: re.Match[str]) -> bool:
    number = match.group().upper()
    return id_check_character(number[:17]) == number[17] and _real_date(
        number[6:10], number[10:12], number[12:14]
    )


def _id15_ok(match: re.Match[str]) -> bool:
    number = match.group()
    return _real_date("19" + number[6:8], number[8:10], number[10:12])


def _date_ok(match: re.Match[str]) -> bool:
    parts = match.groupdict()
    year = parts["y"]
    if parts.get("m") and parts["m"].isdigit():
        return _real_date(year, parts["m"], parts["d"])
    if parts.get("a"):
        # 12/03/2015 may be day/month or month/day: a date if either reading is one.
        return _real_date(year, parts["b"], parts["a"]) or _real_date(year, parts["a"], parts["b"])
    month_name = re.search(_MONTH, match.group())
    assert month_name is not None  # both month-name patterns contain one
    return _real_date(year, str(_MONTH_NUMBERS[month_name.group()[:3].lower()]), parts["d"])


def _real_date(year: str, month: str, day: str) -> bool:
    try:
        dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return 1900 <= int(year) <= 2100


def _known_names(
    text: str, names: Iterable[str], kind: str = NAME
) -> Iterator[RedactionSuggestion]:
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        pattern = re.escape(name)
        # Whole words for Latin names (Ann must not match Anna); Chinese has no word breaks.
        if not _HAN_CHAR.match(name[0]) and (name[0].isalnum()):
            pattern = r"(?<![^\W_])" + pattern
        if not _HAN_CHAR.match(name[-1]) and name[-1].isalnum():
            pattern += r"(?![^\W_])"
        for match in re.finditer(pattern, text):
            yield RedactionSuggestion(match.start(), match.end(), kind, match.group())


def _english_names(text: str) -> Iterator[RedactionSuggestion]:
    for pattern in _ENGLISH_NAMES:
        for match in pattern.finditer(text):
            yield RedactionSuggestion(match.start(1), match.end(1), NAME, match.group(1))


def _pos_tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    for pair in pos_tokenizer().cut(text):
        word, flag = pair.word, pair.flag
        if not text.startswith(word, position):
            break  # jieba altered the text (never seen); stop rather than misplace a stretch
        tokens.append(_Token(word, flag, position, position + len(word)))
        position += len(word)
    return tokens


def _looks_like_name(word: str) -> bool:
    if not 2 <= len(word) <= 4 or not _ALL_HAN.fullmatch(word) or word in _NOT_NAMES:
        return False
    if len(word) >= 3 and word.endswith(_ADMIN_SUFFIXES):
        return False  # 李楼村 is a village, whatever jieba says
    surname = word.startswith(_COMPOUND_SURNAMES) or word[0] in _SURNAMES
    nickname = word[0] in "小老阿" and len(word) <= 3
    # jieba's guesses for unknown words include 包里 and 谢谢你们: given names avoid these.
    ordinary = any(char in _NOT_IN_GIVEN_NAMES for char in word[1:])
    return (surname or nickname) and not ordinary and dictionary_frequency(word) < _COMMON_WORD


def _chinese_names(text: str, tokens: list[_Token]) -> Iterator[RedactionSuggestion]:
    k = 0
    while k < len(tokens):
        size = _name_size(tokens, k)
        if size:
            start, end = tokens[k].start, tokens[k + size - 1].end
            yield RedactionSuggestion(start, end, NAME, text[start:end])
        k += size or 1


def _name_size(tokens: list[_Token], k: int) -> int:
    """How many tokens from `k` on make a person's name (0: not a name)."""
    token = tokens[k]
    word, tagged = token.word, token.flag.startswith("nr")
    before = tokens[k - 1].word if k > 0 else ""
    after = tokens[k + 1] if k + 1 < len(tokens) else None
    cue = before in _NAME_CUES or (k > 1 and (tokens[k - 2].word, before) in _NAME_CUE_PAIRS)
    # jieba often cuts a name after the surname: 王 + 浩然, 赵 + 丽丽, 欧阳 + 明明.
    surname = word in _SURNAMES or word in _COMPOUND_SURNAMES
    nickname_cue = cue and word in ("小", "阿")
    compound = word in _COMPOUND_SURNAMES
    if (
        after is not None
        and ((surname and (tagged or cue or compound)) or nickname_cue)
        and _given_name_like(after, single=nickname_cue, strict=not compound)
        and _looks_like_name(word + after.word)
    ):
        return 2
    if len(word) == 1:
        title = after is not None and after.word in _TITLES_ZH
        return int(word in _SURNAMES and (title or (tagged and before in ("小", "老", "阿"))))
    return int((tagged or cue) and _looks_like_name(word))


def _given_name_like(token: _Token, *, single: bool, strict: bool) -> bool:
    """Whether a token can be the given name after a surname (or after 小 / 阿).

    After a compound surname (欧阳) anything name-shaped will do, 明明 included; after a
    one-character surname the token must not be a verb, adverb, … or a very common word.
    """
    word = token.word
    if not (
        1 <= len(word) <= (1 if single else 2)
        and _ALL_HAN.fullmatch(word)
        and not any(char in _NOT_IN_GIVEN_NAMES for char in word)
        and word not in _TITLES_ZH
    ):
        return False
    if not strict:
        return True
    return (
        token.flag[:1] not in _NOT_NAME_FLAGS
        and word not in _NOT_NAMES
        # Every single character is common; only a two-character word can be too common.
        and (len(word) == 1 or dictionary_frequency(word) < _COMMON_GIVEN_NAME)
    )


def _chinese_places(text: str, tokens: list[_Token]) -> Iterator[RedactionSuggestion]:
    k = 0
    while k < len(tokens):
        end = _address_end(tokens, k)
        if end is None:
            k += 1
            continue
        start, stop = tokens[k].start, tokens[end - 1].end
        yield RedactionSuggestion(start, stop, PLACE, text[start:stop])
        k = end


def _address_end(tokens: list[_Token], k: int) -> int | None:
    """Index after the address (or lone place) starting at token `k`, or None."""
    if not (_is_place(tokens[k]) or (_is_street(tokens[k]) and _unit_follows(tokens, k + 1))):
        return None
    j = k + 1
    while j < len(tokens):
        if _is_place(tokens[j]) or _is_street(tokens[j]):
            j += 1
        elif _unit_follows(tokens, j):
            j += 2
        elif tokens[j].word in _UNITS and _NUMBER.fullmatch(tokens[j - 1].word):
            j += 1
        else:
            break
    return j


def _is_place(token: _Token) -> bool:
    word = token.word
    if word in _NOT_PLACES or word in _COMPOUND_SURNAMES or not _ALL_HAN.fullmatch(word):
        return False
    return (token.flag == "ns" and len(word) >= 2) or (
        len(word) >= 3 and word.endswith(_ADMIN_SUFFIXES)
    )


def _is_street(token: _Token) -> bool:
    word = token.word
    return len(word) >= 3 and bool(_ALL_HAN.fullmatch(word)) and word.endswith(_STREET_SUFFIXES)


def _unit_follows(tokens: list[_Token], j: int) -> bool:
    """Whether tokens j, j+1 are a number and an address unit (90 号, 3 单元)."""
    return (
        j + 1 < len(tokens)
        and bool(_NUMBER.fullmatch(tokens[j].word))
        and tokens[j + 1].word in _UNITS
    )


def _without_overlaps(
    candidates: Iterable[RedactionSuggestion],
    preferred: Collection[RedactionSuggestion] = frozenset(),
) -> list[RedactionSuggestion]:
    """Preferred first, then longest (then by `KINDS` order, then position); drop what
    overlaps a kept one."""
    ranked = sorted(
        set(candidates),
        key=lambda s: (s not in preferred, -(s.end - s.start), KINDS.index(s.kind), s.start),
    )
    kept: list[RedactionSuggestion] = []
    starts: list[int] = []
    for suggestion in ranked:
        i = bisect.bisect_left(starts, suggestion.start)
        if i > 0 and kept[i - 1].end > suggestion.start:
            continue
        if i < len(kept) and kept[i].start < suggestion.end:
            continue
        starts.insert(i, suggestion.start)
        kept.insert(i, suggestion)
    return kept


def _language(text: str) -> Literal["zh", "en"]:
    han = len(_HAN_CHAR.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    return "zh" if han >= latin_words else "en"
