"""Made-up interviews and a made-up coding plan for the qda and search benchmarks.

**Synthetic text** (no real person's data): sentences drawn from the word lists below with
Zipf-like frequencies (a fixed seed, so every run and both tools get the same text), about
seven turns in ten in Chinese and the rest in English, with speaker labels. **A word** is one
item drawn from those lists: an English word, or a Chinese word of one to four characters as a
dictionary lists it. Speaker labels and punctuation are not counted.

**The coding plan**: :data:`CODES` (20 codes; Taguette calls them tags) and
:func:`selections`, the same clicks for every tool.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

SEED = 20261126
CHINESE_SHARE = 0.7

# Chinese: a few function words first (the most frequent), then content words, roughly from
# common to rare; frequencies fall with the rank (Zipf). Everyday words of a family's time in
# a children's cancer ward, invented for this benchmark.


def _listed(words: str) -> list[str]:
    """The words of a space- and line-separated list, in order (easier to read than a list)."""
    return words.split()


ZH_FUNCTION = _listed(
    "我 的 了 是 他 她 我们 在 也 就 很 都 有 没有 还 这个 那个 一些 因为 所以 但是"
)
ZH_CONTENT = _listed("""
孩子 医院 医生 妈妈 爸爸 家里 治疗 化疗 时候 现在 觉得 知道 担心 希望 每天 一起 工作 帮忙
护士 病房 朋友 学校 老师 费用 压力 辛苦 休息 睡觉 吃饭 检查 结果 住院 出院 回家 奶奶 爷爷
外婆 哥哥 姐姐 弟弟 妹妹 丈夫 太太 亲戚 邻居 社工 同事 老板 公司 请假 辞职 收入 保险 报销
借钱 存款 房租 交通 地铁 开车 发烧 呕吐 头发 害怕 紧张 放心 开心 难过 生气 孤单 感谢 支持
鼓励 陪伴 照顾 沟通 解释 明白 问题 办法 计划 安排 时间 周末 晚上 早上 下午 明天 昨天 以前
以后 将来 经验 分享 信息 手机 电话 视频 游戏 功课 考试 同学 生日 礼物 玩具 故事 唱歌 画画
散步 公园 天气 下雨 医药费 床位 门诊 急诊 抽血 打针 输液 手术 副作用 白血病 肿瘤 复发 疗程
血常规 免疫力 感染 隔离 口罩 消毒 营养 饮食 水果 蔬菜 汤 米饭 面条 牛奶 鸡蛋 体重 身高 力气
精神 情绪 心情 眼泪 安慰 信心 勇气 坚持 放弃 祈祷 教会 信仰 宗教 运气 命运 未来 梦想 目标
家务 做饭 洗衣服 打扫 接送 上班 下班 加班 工资 积蓄 贷款 债务 申请 资助 基金 慈善 义工 社区
中心 热线 小组 家长 互助 聚会 讲座 课程 资料 网上 新闻 文章 书 图书馆 医保 证明 表格 签字
同意书 诊断 报告 指标 数字 药物 剂量 疼痛 止痛药 失眠 噩梦 疲劳 焦虑 抑郁 压抑 轻松 平静
温暖 感动 骄傲 内疚 后悔 委屈 无助 绝望 希望值 坚强 乐观 积极 耐心 细心 勇敢 懂事 调皮 安静
活泼 聪明 乖巧 固执 敏感 依赖 独立 成长 变化 适应 习惯 规律 作息 锻炼 运动 游泳 跑步 篮球
足球 钢琴 英语 数学 作文 老家 农村 城市 房子 搬家 租房 住宿 酒店 宿舍 亲子 关系 矛盾 吵架
和好 理解 尊重 信任 责任 义务 角色 身份 负担 牺牲 付出 回报 值得 意义 价值 人生 生命 健康
身体 骨髓 移植 配型 捐献 血小板 输血 放疗 靶向药 临床试验 疗效 预后 随访 复查 康复 物理治疗
心理咨询 营养师 药剂师 主任 专家 会诊 转院 异地 医疗队 轮椅 拐杖 针灸 中药 偏方 保健品 寺庙
""")
ZH_WORDS = ZH_FUNCTION + ZH_CONTENT
EN_WORDS = _listed("""
I the and to my she he it was we a is of in that so but not with her his they have
really just feel think know because time day night doctor nurse hospital ward treatment
chemo home family mother father sister brother grandmother friend school teacher work job
money bills insurance worried scared tired hope help support talk cry sleep eat medicine
blood test results fever hair pain better worse week month together alone church pray
strong patience trust plan future church neighbours colleagues boss leave salary rent
travel bus train car parking food cook clean laundry homework games phone video message
group parents share advice information leaflet website form sign appointment clinic surgery
transplant donor marrow relapse remission infection isolation mask visit weekend morning
evening tomorrow yesterday before after again always never sometimes often maybe enough
""")
SPEAKERS_ZH = ("社工：", "家长：")
SPEAKERS_EN = ("Social worker: ", "Parent: ")


def _cumulative_zipf(count: int) -> list[float]:
    total = 0.0
    cumulative = []
    for rank in range(1, count + 1):
        total += 1.0 / rank
        cumulative.append(total)
    return cumulative


_ZH_CUMULATIVE = _cumulative_zipf(len(ZH_WORDS))
_EN_CUMULATIVE = _cumulative_zipf(len(EN_WORDS))


@dataclass(frozen=True)
class Synthetic:
    """A synthetic transcript: its text, its word count, and its sentences as code-point spans."""

    text: str
    words: int
    sentences: tuple[tuple[int, int], ...]


def _chinese_sentence(rng: random.Random, words: int) -> str:
    drawn = rng.choices(ZH_WORDS, cum_weights=_ZH_CUMULATIVE, k=words)
    pieces = [
        w + ("，" if i < words - 1 and rng.random() < 0.1 else "") for i, w in enumerate(drawn)
    ]
    return "".join(pieces) + rng.choices("。？！", weights=(85, 10, 5))[0]


def _english_sentence(rng: random.Random, words: int) -> str:
    drawn = rng.choices(EN_WORDS, cum_weights=_EN_CUMULATIVE, k=words)
    drawn[0] = drawn[0][:1].upper() + drawn[0][1:]
    pieces = [
        w + ("," if i < words - 1 and rng.random() < 0.08 else "") for i, w in enumerate(drawn)
    ]
    return " ".join(pieces) + rng.choices(".?", weights=(90, 10))[0]


def synthetic_transcript(words: int, *, seed: int) -> Synthetic:
    """A transcript of exactly `words` words (see the module docstring), one turn per line.

    Each turn is a speaker label and one to four sentences of 6 to 18 words; about seven turns
    in ten are Chinese, and one sentence in seven switches to the other language, as people do.
    """
    rng = random.Random(seed)  # noqa: S311 (made-up text, not secrets)
    lines: list[str] = []
    spans: list[tuple[int, int]] = []
    counted = 0
    position = 0  # where the current line starts in the whole text
    while counted < words:
        chinese = rng.random() < CHINESE_SHARE
        line = rng.choice(SPEAKERS_ZH if chinese else SPEAKERS_EN)
        for _ in range(rng.randint(1, 4)):
            if counted >= words:
                break
            size = min(rng.randint(6, 18), words - counted)
            in_chinese = chinese if rng.random() >= 1 / 7 else not chinese
            sentence = (_chinese_sentence if in_chinese else _english_sentence)(rng, size)
            if line[-1] not in " ：":
                line += "" if line[-1] in "。？！" and in_chinese else " "
            spans.append((position + len(line), position + len(line) + len(sentence)))
            line += sentence
            counted += size
        lines.append(line)
        position += len(line) + 1
    return Synthetic("\n".join(lines), counted, tuple(spans))


def chinese_text(characters: int, *, seed: int) -> str:
    """`characters` code points of Chinese interview text (labels, sentences, line breaks)."""
    rng = random.Random(seed)  # noqa: S311 (made-up text, not secrets)
    lines: list[str] = []
    length = 0
    while length < characters:
        line = rng.choice(SPEAKERS_ZH) + "".join(
            _chinese_sentence(rng, rng.randint(6, 18)) for _ in range(rng.randint(1, 4))
        )
        lines.append(line)
        length += len(line) + 1
    return "\n".join(lines)[:characters]


@dataclass(frozen=True)
class Selection:
    """One coding click: which document, which code, and [start, end) in code points."""

    document: int
    code: int
    start: int
    end: int


def selections(
    texts: Sequence[Synthetic], count: int, *, seed: int, documents: Sequence[int] | None = None
) -> list[Selection]:
    """`count` selections of one to three consecutive sentences, spread over the documents.

    Round-robin over `documents` (default: all), a random place in each and a random code, so
    that every transcript gets its share and the same plan is used on both tools.
    """
    rng = random.Random(seed)  # noqa: S311 (made-up selections)
    order = list(documents) if documents is not None else list(range(len(texts)))
    picked = []
    for number in range(count):
        document = order[number % len(order)]
        sentences = texts[document].sentences
        first = rng.randrange(len(sentences))
        last = min(len(sentences) - 1, first + rng.randint(0, 2))
        picked.append(
            Selection(document, rng.randrange(len(CODES)), sentences[first][0], sentences[last][1])
        )
    return picked


# The codebook both tools get: (label, English name, Chinese name).
CODES = (
    ("Q01", "Financial strain", "经济压力"),
    ("Q02", "Family support", "家庭支持"),
    ("Q03", "Treatment side effects", "治疗副作用"),
    ("Q04", "Faith", "信仰"),
    ("Q05", "Peer support", "同伴支持"),
    ("Q06", "Work disruption", "工作中断"),
    ("Q07", "Care of siblings", "照顾兄弟姐妹"),
    ("Q08", "Hope", "希望"),
    ("Q09", "Fear of relapse", "担心复发"),
    ("Q10", "Information needs", "信息需求"),
    ("Q11", "Sleep", "睡眠"),
    ("Q12", "Schooling", "学业"),
    ("Q13", "Talking with staff", "与医护沟通"),
    ("Q14", "Housing and travel", "住房与交通"),
    ("Q15", "Ways of coping", "应对方法"),
    ("Q16", "Emotional distress", "情绪困扰"),
    ("Q17", "Practical help", "实际帮助"),
    ("Q18", "Child's wellbeing", "孩子的状况"),
    ("Q19", "Couple relationship", "夫妻关系"),
    ("Q20", "Community resources", "社区资源"),
)
