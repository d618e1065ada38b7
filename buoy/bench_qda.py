"""`buoy bench --only qda` and `--only search`: interview coding against Taguette, and search.

**qda**: the same workload on Buoy and on Taguette 1.5.2, on this machine, in one run:

1. a project with :data:`CODES` (20 codes; Taguette calls them tags), then `transcripts`
   synthetic transcripts of `words` words each, imported over HTTP;
2. `segments` coded segments, one HTTP request each, sequentially from one client (as one
   person's clicks would come), then a fifth as many again from :data:`CLIENTS` concurrent
   clients;
3. 200 segments on a 100,000-word transcript and 200 on a 2,000-word one, the two
   interleaved request by request, so that whatever else the machine does falls on both
   alike: coding should cost the same whatever the transcript's length;
4. the codebook (REFI-QDA ``.qdc``) and the coded segments (CSV) exported.

Buoy runs as its production server (`buoy serve`) against a throw-away BUOY_HOME (SQLite),
driven through its REST API with an API token; Taguette runs from its own virtual environment
(never Buoy's; made on demand with pip when none is given) on loopback, driven through the HTTP
API its own front end uses (:mod:`buoy.bench_taguette`). Both get the same text, the same
codes and the same selections; Taguette counts positions in UTF-8 bytes of its stored HTML's
text, so each selection is translated before the timed requests, not during them.

**search**: :data:`SEARCH_CHARACTERS` characters of synthetic Chinese text imported into Buoy
(through the services, in a subprocess with its own throw-away database: set-up, not measured),
then ~200 queries of one or two common or rare words through
``buoy.coding.selectors.search_transcripts``, against a bare FTS5 ``MATCH … LIMIT 50`` on the
same index as the baseline.

**Synthetic text** (no real person's data): sentences drawn from the word lists below with
Zipf-like frequencies (a fixed seed, so every run and both tools get the same text), about
seven turns in ten in Chinese and the rest in English, with speaker labels. **A word** is one
item drawn from those lists: an English word, or a Chinese word of one to four characters as a
dictionary lists it. Speaker labels and punctuation are not counted. The report also gives
the characters, and jieba's precise-mode token count of one transcript, for comparison.

Like buoy/bench.py this module imports no Django at the top: the parent process only starts
servers and sends requests; the search child sets Django up itself.
"""

from __future__ import annotations

import bisect
import csv
import html
import http.client
import io
import itertools
import json
import math
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buoy.bench.harness import (
    HOST,
    REQUEST_TIMEOUT_SECONDS,
    BenchError,
    Measurement,
    buoy_server,
    environment,
    machine,
    percentile,
    print_log_tail,
    run_buoy,
    throwaway_home,
    timestamp,
)

SEED = 20261126
TAGUETTE_VERSION = "1.5.2"
# Where this project's machines keep a ready Taguette (see tests/coding/fixtures/taguette);
# used when it exists, so a run need not install Taguette again.
KNOWN_TAGUETTE_PYTHON = Path("/work/taguette-venv/bin/python")
RESEARCHER = "bench-researcher"
CLIENTS = 4
LONG_WORDS = 100_000
SHORT_WORDS = 2_000
FLAT_SEGMENTS = 200
BASELINE_REQUESTS = 200  # health checks from one client, before the coding
THROUGHPUT_GOAL = 5.0  # Buoy's segments per second at least 5x Taguette's
FLAT_GOAL = 1.25  # p95 on the long transcript within 25 % of the short one's: "flat"
SEARCH_CHARACTERS = 10_000_000
SEARCH_TRANSCRIPTS = 100
SEARCH_QUERIES = 200
SEARCH_GOAL_MS = 50.0
CHINESE_SHARE = 0.7

# --- synthetic text ------------------------------------------------------------------------

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


# --- the two tools behind one interface ----------------------------------------------------


class Tool:
    """What the workload needs from a tool; Buoy and Taguette each implement it over HTTP."""

    name = ""

    def start_project(self, name: str) -> None:
        raise NotImplementedError

    def add_codes(self) -> None:
        raise NotImplementedError

    def add_document(self, title: str, text: str) -> int:
        """Import a transcript; its index in this tool's document list."""
        raise NotImplementedError

    def prepare(self, selection: Selection) -> Any:
        """What `code` sends for `selection`, worked out before the clock starts."""
        raise NotImplementedError

    def code(self, prepared: Any) -> None:
        """One coding request; raises on anything but success."""
        raise NotImplementedError

    def ping(self) -> None:
        """The tool's health check: the baseline, a request that does nothing."""
        raise NotImplementedError

    def concurrent_copy(self) -> Tool:
        """A tool for one more concurrent client (its own login where the tool needs one)."""
        return self

    def exports(
        self, segments: int
    ) -> list[tuple[str, Callable[[], bytes], Callable[[bytes], str | None]]]:
        """(name, download, check) for the codebook and for the `segments` coded so far."""
        raise NotImplementedError


class RequestFailed(Exception):
    """A coding request did not succeed; the message says how."""


class BuoyTool(Tool):
    """Buoy's REST API, with an API token, one connection per request."""

    name = "Buoy"

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {
            "Authorization": f"Token {token}",
            "Accept": "application/json",
            "Connection": "close",
        }
        self.project = 0
        self.code_ids: list[int] = []
        self.documents: list[int] = []

    def _request(self, method: str, path: str, payload: object = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT_SECONDS)
        try:
            body = None
            headers = dict(self.headers)
            if payload is not None:
                body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                headers["Content-Type"] = "application/json; charset=utf-8"
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def _created(self, path: str, payload: object) -> dict[str, Any]:
        status, body = self._request("POST", path, payload)
        if status != 201:
            raise BenchError(f"Buoy: POST {path} answered {status}: {body[:300]!r}")
        answer: dict[str, Any] = json.loads(body)
        return answer

    def start_project(self, name: str) -> None:
        # `codebook: ""` starts it empty, so both tools get exactly CODES.
        self.project = int(
            self._created("/api/v1/coding/projects/", {"name": name, "codebook": ""})["id"]
        )

    def add_codes(self) -> None:
        path = f"/api/v1/coding/projects/{self.project}/codes/"
        self.code_ids = [
            int(self._created(path, {"label": label, "name_en": en, "name_zh": zh})["id"])
            for label, en, zh in CODES
        ]

    def add_document(self, title: str, text: str) -> int:
        made = self._created(
            f"/api/v1/coding/projects/{self.project}/transcripts/", {"title": title, "text": text}
        )
        if made["length"] != len(text):
            raise BenchError(f"Buoy stored {made['length']} characters of {title}, not {len(text)}")
        self.documents.append(int(made["id"]))
        return len(self.documents) - 1

    def prepare(self, selection: Selection) -> tuple[str, dict[str, object]]:
        return (
            f"/api/v1/coding/transcripts/{self.documents[selection.document]}/segments/",
            {
                "codes": [self.code_ids[selection.code]],
                "start": selection.start,
                "end": selection.end,
            },
        )

    def code(self, prepared: tuple[str, dict[str, object]]) -> None:
        status, body = self._request("POST", *prepared)
        if status != 201:
            raise RequestFailed(f"status {status}: {body[:200]!r}")

    def ping(self) -> None:
        status, _body = self._request("GET", "/healthz")
        if status != 200:
            raise RequestFailed(f"GET /healthz: status {status}")

    def exports(
        self, segments: int
    ) -> list[tuple[str, Callable[[], bytes], Callable[[bytes], str | None]]]:
        def download(fmt: str) -> Callable[[], bytes]:
            def get() -> bytes:
                path = f"/api/v1/coding/projects/{self.project}/export/?format={fmt}"
                status, body = self._request("GET", path)
                if status != 200:
                    raise RequestFailed(f"GET {path}: status {status}")
                return body

            return get

        return [
            ("codebook (.qdc)", download("qdc"), _check_qdc(len(CODES))),
            ("segments (.csv)", download("csv"), _check_csv_rows(segments)),
        ]


class TaguetteTool(Tool):
    """Taguette's HTTP API through :class:`buoy.bench_taguette.TaguetteClient`."""

    name = f"Taguette {TAGUETTE_VERSION}"

    def __init__(self, server: Any) -> None:
        from buoy.bench_taguette import TaguetteClient

        self.server = server
        self.client = TaguetteClient(server)
        self.project = 0
        self.tag_ids: list[int] = []
        self.documents: list[int] = []
        # per document: Buoy's line starts (code points), the lines, Taguette's line starts (bytes)
        self.maps: list[tuple[list[int], list[str], list[int]]] = []

    def start_project(self, name: str) -> None:
        self.project = self.client.create_project(name)

    def add_codes(self) -> None:
        self.tag_ids = [self.client.add_tag(self.project, en) for _label, en, _zh in CODES]

    def add_document(self, title: str, text: str) -> int:
        lines = text.split("\n")
        page = "".join(f"<p>{html.escape(line, quote=False)}</p>\n" for line in lines)
        number = len(self.documents)
        document = self.client.add_document(
            self.project, title, page, filename=f"transcript-{number}.html"
        )
        self.documents.append(document)
        self.maps.append(self._offset_map(document, lines))
        return number

    def _offset_map(
        self, document: int, lines: list[str]
    ) -> tuple[list[int], list[str], list[int]]:
        """Where each line starts in Buoy's text and in Taguette's (UTF-8 bytes of its HTML's
        text): Taguette keeps the text but may change what lies between the paragraphs."""
        from buoy.bench_taguette import taguette_text

        stored = taguette_text(self.client.document_html(self.project, document))
        ours, theirs = [], []
        at = ours_at = 0
        for line in lines:
            found = stored.find(line, at)
            if found < 0:
                raise BenchError(f"Taguette's stored document {document} lost a line: {line!r}")
            ours.append(ours_at)
            theirs.append(found)
            at = found + len(line)
            ours_at += len(line) + 1
        # code points to bytes, once per line start, in one pass over the stored text
        byte_starts = []
        done_chars = done_bytes = 0
        for start in theirs:
            done_bytes += len(stored[done_chars:start].encode("utf-8"))
            done_chars = start
            byte_starts.append(done_bytes)
        return ours, lines, byte_starts

    def _byte_offset(self, document: int, position: int) -> int:
        ours, lines, byte_starts = self.maps[document]
        line = bisect.bisect_right(ours, position) - 1
        column = position - ours[line]
        return byte_starts[line] + len(lines[line][:column].encode("utf-8"))

    def prepare(self, selection: Selection) -> tuple[int, int, int, int]:
        return (
            self.documents[selection.document],
            self._byte_offset(selection.document, selection.start),
            self._byte_offset(selection.document, selection.end),
            self.tag_ids[selection.code],
        )

    def code(self, prepared: tuple[int, int, int, int]) -> None:
        from buoy.bench_taguette import TaguetteError

        document, start, end, tag = prepared
        try:
            self.client.add_highlight(self.project, document, start, end, [tag])
        except (TaguetteError, OSError) as error:
            raise RequestFailed(str(error)[:200]) from None

    def ping(self) -> None:
        from buoy.bench_taguette import TaguetteError

        try:
            self.client._request("GET", "/health")
        except (TaguetteError, OSError) as error:
            raise RequestFailed(str(error)[:200]) from None

    def concurrent_copy(self) -> TaguetteTool:
        from buoy.bench_taguette import TaguetteClient

        copy = TaguetteTool.__new__(TaguetteTool)
        copy.__dict__.update(self.__dict__)
        copy.client = TaguetteClient(self.server)  # its own login and cookies
        return copy

    def exports(
        self, segments: int
    ) -> list[tuple[str, Callable[[], bytes], Callable[[bytes], str | None]]]:
        from buoy.bench_taguette import TaguetteError

        def download(what: str) -> Callable[[], bytes]:
            def get() -> bytes:
                try:
                    return self.client.export(self.project, what)
                except TaguetteError as error:
                    raise RequestFailed(str(error)[:200]) from None

            return get

        return [
            # Taguette adds its own "interesting" tag to every new project
            ("codebook (.qdc)", download("codebook.qdc"), _check_qdc(len(CODES) + 1)),
            ("segments (.csv)", download("highlights/.csv"), _check_csv_rows(segments)),
        ]


def _check_qdc(codes: int) -> Callable[[bytes], str | None]:
    def check(body: bytes) -> str | None:
        found = body.count(b"<Code ")
        return None if found == codes else f"{found} codes in the codebook, expected {codes}"

    return check


def _check_csv_rows(expected: int) -> Callable[[bytes], str | None]:
    def check(body: bytes) -> str | None:
        rows = sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8-sig")))) - 1
        return None if rows == expected else f"{rows} rows, expected {expected}"

    return check


# --- the workload --------------------------------------------------------------------------


@dataclass
class ToolResult:
    """One tool's figures for the whole workload."""

    name: str
    setup_seconds: float = 0.0
    import_seconds: float = 0.0
    documents: int = 0
    baseline: Measurement = field(default_factory=lambda: Measurement("baseline"))
    sequential: Measurement = field(default_factory=lambda: Measurement("sequential"))
    concurrent: Measurement = field(default_factory=lambda: Measurement("concurrent"))
    short: Measurement = field(default_factory=lambda: Measurement("short"))
    long: Measurement = field(default_factory=lambda: Measurement("long"))
    exports: list[tuple[str, float, int, str | None]] = field(default_factory=list)
    skipped: str = ""

    @property
    def errors(self) -> int:
        measured = (self.baseline, self.sequential, self.concurrent, self.short, self.long)
        return sum(len(m.errors) for m in measured) + sum(1 for *_, e in self.exports if e)


@dataclass(frozen=True)
class Workload:
    """The texts and the coding plan, identical for both tools."""

    texts: list[Synthetic]
    long: Synthetic
    short: Synthetic
    sequential: list[Selection]
    concurrent: list[Selection]
    flat: list[Selection]  # alternating: long, short, long, short …


def make_workload(
    *,
    transcripts: int,
    words: int,
    segments: int,
    flat_segments: int = FLAT_SEGMENTS,
    long_words: int = LONG_WORDS,
    short_words: int = SHORT_WORDS,
) -> Workload:
    """The deterministic texts and selections (the same on every run and for both tools)."""
    texts = [synthetic_transcript(words, seed=SEED + n) for n in range(transcripts)]
    long = synthetic_transcript(long_words, seed=SEED - 1)
    short = synthetic_transcript(short_words, seed=SEED - 2)
    everything = [*texts, long, short]
    long_index, short_index = transcripts, transcripts + 1
    flat = selections(
        everything, 2 * flat_segments, seed=SEED + 3, documents=[long_index, short_index]
    )
    return Workload(
        texts=texts,
        long=long,
        short=short,
        sequential=selections(texts, segments, seed=SEED + 1),
        concurrent=selections(texts, max(CLIENTS, segments // 5), seed=SEED + 2),
        flat=flat,
    )


def _timed(
    tools: Sequence[Tool],
    prepared: Sequence[Any],
    into: Measurement,
    send: Callable[[Tool, Any], None] = lambda tool, item: tool.code(item),
) -> None:
    """Send `prepared` requests, one client thread per tool; latencies and errors into `into`."""
    lock = threading.Lock()
    queue = iter(prepared)

    def client(tool: Tool) -> None:
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                return
            started = time.perf_counter()
            try:
                send(tool, item)
                error = None
            except (RequestFailed, OSError) as failure:
                error = f"{type(failure).__name__}: {failure}"
            elapsed = time.perf_counter() - started
            with lock:
                if error is None:
                    into.latencies.append(elapsed)
                else:
                    into.errors.append(error)

    started = time.perf_counter()
    if len(tools) == 1:
        client(tools[0])  # one person: no thread needed
    else:
        threads = [threading.Thread(target=client, args=(t,), daemon=True) for t in tools]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    into.wall_seconds = time.perf_counter() - started


def run_workload(tool: Tool, workload: Workload, *, progress: bool = True) -> ToolResult:
    """The whole workload on one tool; set-up failures raise BenchError."""
    result = ToolResult(tool.name)
    say = print if progress else (lambda *_a, **_k: None)
    started = time.perf_counter()
    tool.start_project("QDA benchmark")
    tool.add_codes()
    result.setup_seconds = time.perf_counter() - started

    started = time.perf_counter()
    for number, text in enumerate(workload.texts):
        tool.add_document(f"Interview {number + 1:03d}", text.text)
    result.import_seconds = time.perf_counter() - started
    result.documents = len(workload.texts)
    long_index = tool.add_document("Long interview", workload.long.text)
    short_index = tool.add_document("Short interview", workload.short.text)
    if (long_index, short_index) != (len(workload.texts), len(workload.texts) + 1):
        raise BenchError(f"{tool.name} numbered the long and short transcripts unexpectedly")
    say(
        f"  {tool.name}: {len(workload.texts)} transcripts imported in {result.import_seconds:.1f}s"
    )

    _timed([tool], range(BASELINE_REQUESTS), result.baseline, lambda t, _item: t.ping())
    prepared = [tool.prepare(s) for s in workload.sequential]
    _timed([tool], prepared, result.sequential)
    say(
        f"  {tool.name}: {len(prepared):,} segments, one client, in "
        f"{result.sequential.wall_seconds:.1f} s"
    )

    prepared = [tool.prepare(s) for s in workload.concurrent]
    _timed([tool.concurrent_copy() for _ in range(CLIENTS)], prepared, result.concurrent)
    say(
        f"  {tool.name}: {len(prepared):,} segments, {CLIENTS} clients, in "
        f"{result.concurrent.wall_seconds:.1f} s"
    )

    # Long and short interleaved one by one, so that any slow spell hits both alike.
    for selection in workload.flat:
        into = result.long if selection.document == long_index else result.short
        single = Measurement(into.name)
        _timed([tool], [tool.prepare(selection)], single)
        into.latencies += single.latencies
        into.errors += single.errors
        into.wall_seconds += single.wall_seconds

    # One code per request: every request that succeeded made one segment.
    coded = sum(len(m.latencies) for m in (result.sequential, result.concurrent))
    coded += len(result.long.latencies) + len(result.short.latencies)
    for name, download, check in tool.exports(coded):
        started = time.perf_counter()
        try:
            body = download()
            problem = check(body)
        except (RequestFailed, OSError, ValueError) as error:  # ValueError: not UTF-8, not CSV
            body, problem = b"", f"{type(error).__name__}: {error}"
        result.exports.append((name, time.perf_counter() - started, len(body), problem))
    return result


# --- Buoy and Taguette servers -------------------------------------------------------------


@contextmanager
def buoy_tool() -> Iterator[BuoyTool]:
    """`buoy serve` on a throw-away BUOY_HOME with a researcher and an API token."""
    with throwaway_home("buoy-bench-qda-") as home:
        env = environment(home)
        run_buoy(["manage", "migrate", "--no-input", "--verbosity", "0"], env, "migrate")
        run_buoy(["user", "add", RESEARCHER, "--role", "researcher"], env, "add the researcher")
        token = run_buoy(["user", "token", RESEARCHER], env, "issue an API token").split()[-1]
        log = home / "server.log"
        with buoy_server(env, log) as port:
            try:
                yield BuoyTool(port, token)
            except BenchError:
                print_log_tail(log)
                raise


def _taguette_version(python: Path) -> str | None:
    """The Taguette version installed for `python`, or None when it has none."""
    try:
        found = subprocess.run(  # noqa: S603 (a Python we were told to use, fixed script)
            [str(python), "-c", "import importlib.metadata as m; print(m.version('taguette'))"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return found.stdout.strip() if found.returncode == 0 else None


def find_taguette(given: str | None, scratch: Path) -> tuple[Path | None, str]:
    """A Python with Taguette 1.5.2: `given`, the known one, or a new venv in `scratch`.

    Returns (python, how it was found), or (None, why not).
    """
    if given:
        python = Path(given)
        version = _taguette_version(python)
        if version != TAGUETTE_VERSION:
            found = f"Taguette {version}" if version else "no Taguette"
            return None, f"{python} has {found}, not {TAGUETTE_VERSION}"
        return python, f"from {python}"
    if KNOWN_TAGUETTE_PYTHON.exists() and _taguette_version(KNOWN_TAGUETTE_PYTHON) == (
        TAGUETTE_VERSION
    ):
        return KNOWN_TAGUETTE_PYTHON, f"from {KNOWN_TAGUETTE_PYTHON}"
    base = shutil.which("python3") or sys.executable
    venv = scratch / "taguette-venv"
    print(f"  installing Taguette {TAGUETTE_VERSION} into a temporary venv (pip) …")
    steps = [
        [base, "-m", "venv", str(venv)],
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            f"taguette=={TAGUETTE_VERSION}",
        ],
    ]
    for step in steps:
        try:
            done = subprocess.run(  # noqa: S603 (fixed arguments)
                step, capture_output=True, text=True, check=False, timeout=900
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"`{' '.join(step)}` failed: {error}"
        if done.returncode != 0:
            tail = " ".join(done.stderr.strip().splitlines()[-3:])[-400:]
            return None, f"`{' '.join(step[-3:])}` exited {done.returncode}: {tail}"
    python = venv / "bin" / "python"
    return python, f"installed with pip into a temporary venv ({python})"


@contextmanager
def taguette_server(python: Path, scratch: Path) -> Iterator[TaguetteTool]:
    """Taguette on loopback from `python`, with a throw-away database in `scratch`."""
    from buoy.bench_taguette import TaguetteError, start_taguette

    try:
        server = start_taguette(python, scratch / "taguette.sqlite3")
    except TaguetteError as error:
        raise BenchError(f"Taguette did not start: {error}") from None
    with server:
        try:
            yield TaguetteTool(server)
        except TaguetteError as error:
            raise BenchError(f"Taguette refused a set-up request: {error}") from None


# --- report --------------------------------------------------------------------------------


def _ms(measurement: Measurement, fraction: float) -> str:
    return f"{measurement.percentile_ms(fraction):,.1f}" if measurement.latencies else "–"


def _rate(measurement: Measurement) -> str:
    return f"{measurement.throughput:,.1f}" if measurement.latencies else "–"


def report_qda(results: list[ToolResult], workload: Workload, *, taguette_note: str) -> None:
    """Print the side-by-side table and the verdict on both goals."""
    texts = workload.texts
    characters = sum(len(t.text) for t in texts)
    print()
    print(f"date:     {timestamp()}")
    print(f"machine:  {machine()}; load average {os.getloadavg()[0]:.2f} at the end")
    print(
        f"text:     {len(texts)} transcripts x {texts[0].words:,} words ({characters:,} characters"
        f" in all); long {workload.long.words:,} words, short {workload.short.words:,} words"
    )
    print(
        "          a word = one drawn word-list item (English word or Chinese dictionary word);"
        f" jieba precise-mode tokens of transcript 1: {_jieba_tokens(texts[0].text)}"
    )
    print(
        f"coding:   {len(workload.sequential):,} segments from 1 client, then "
        f"{len(workload.concurrent):,} from {CLIENTS} clients; one code and one new connection "
        "per request"
    )
    print("Buoy:     buoy serve (gunicorn gthread, 2 workers x 4 threads), SQLite, DEBUG off")
    print(f"Taguette: {taguette_note}")
    print()
    columns = [r.name for r in results]
    width = 44
    header = f"{'':<{width}}" + "".join(f"{c:>26}" for c in columns)
    print(header)
    print("-" * len(header))

    def row(label: str, cells: Sequence[str]) -> None:
        print(f"{label:<{width}}" + "".join(f"{c:>26}" for c in cells))

    row("set-up: project and 20 codes (s)", [f"{r.setup_seconds:.2f}" for r in results])
    row(
        f"import {len(texts)} transcripts (s)",
        [f"{r.import_seconds:.1f}" for r in results],
    )
    row(
        "baseline: health check, 1 client: req/s",
        [_rate(r.baseline) for r in results],
    )
    row(
        "  p50 / p95 / max ms",
        [
            f"{_ms(r.baseline, 0.5)} / {_ms(r.baseline, 0.95)} / {_ms(r.baseline, 1.0)}"
            for r in results
        ],
    )
    for label, pick in (
        ("1 client", lambda r: r.sequential),
        (f"{CLIENTS} clients", lambda r: r.concurrent),
    ):
        row(f"segments, {label}: segments/s", [_rate(pick(r)) for r in results])
        row(
            "  p50 / p95 / max ms",
            [f"{_ms(pick(r), 0.5)} / {_ms(pick(r), 0.95)} / {_ms(pick(r), 1.0)}" for r in results],
        )
    row(
        f"{workload.short.words:,}-word transcript: p50 / p95 ms",
        [f"{_ms(r.short, 0.5)} / {_ms(r.short, 0.95)}" for r in results],
    )
    row(
        f"{workload.long.words:,}-word transcript: p50 / p95 ms",
        [f"{_ms(r.long, 0.5)} / {_ms(r.long, 0.95)}" for r in results],
    )
    row("  p95 long / short", [_flatness(r) for r in results])
    for index, (name, *_rest) in enumerate(results[0].exports):
        row(
            f"export {name}: ms (KB)",
            [
                f"{r.exports[index][1] * 1000:,.0f} ({r.exports[index][2] / 1000:,.0f})"
                if len(r.exports) > index
                else "–"
                for r in results
            ],
        )
    row("failed requests", [str(r.errors) for r in results])
    print()
    buoy = results[0]
    if len(results) > 1 and results[1].sequential.throughput:
        ratio = buoy.sequential.throughput / results[1].sequential.throughput
        met = "met" if ratio >= THROUGHPUT_GOAL else "NOT met"
        print(
            f"throughput, 1 client: Buoy {buoy.sequential.throughput:,.1f} segments/s = "
            f"{ratio:.2f}x Taguette's (goal >= {THROUGHPUT_GOAL:g}x: {met})"
        )
        if results[1].concurrent.throughput:
            print(
                f"throughput, {CLIENTS} clients: "
                f"{buoy.concurrent.throughput / results[1].concurrent.throughput:.2f}x Taguette's"
            )
    else:
        print("throughput against Taguette: not measured (Taguette skipped)")
    flat = _flat_ratio(buoy)
    verdict = "met" if flat <= FLAT_GOAL else "NOT met"
    print(
        f"flat in length: Buoy's p95 on {workload.long.words:,} words is {flat:.2f}x its p95 on "
        f"{workload.short.words:,} (goal <= {FLAT_GOAL:g}x: {verdict})"
    )
    for result in results:
        for measurement in (
            result.baseline,
            result.sequential,
            result.concurrent,
            result.short,
            result.long,
        ):
            for error in measurement.errors[:3]:
                print(f"  {result.name} error: {error}", file=sys.stderr)
        for name, _s, _n, problem in result.exports:
            if problem:
                print(f"  {result.name} export {name}: {problem}", file=sys.stderr)


def _flat_ratio(result: ToolResult) -> float:
    short = result.short.percentile_ms(0.95)
    return result.long.percentile_ms(0.95) / short if short else float("nan")


def _flatness(result: ToolResult) -> str:
    return f"{_flat_ratio(result):.2f}x" if result.short.latencies else "–"


def _jieba_tokens(text: str) -> str:
    try:
        from buoy.coding.domain.words import words
    except ImportError:  # pragma: no cover - jieba is a dependency; say so if it is missing
        return "(jieba not available)"
    return f"{len(words(text, search=False)):,}"


def run_qda_benchmark(
    *,
    transcripts: int = 50,
    words: int = 20_000,
    segments: int = 5_000,
    taguette: bool = True,
    taguette_python: str | None = None,
    flat_segments: int = FLAT_SEGMENTS,
    long_words: int = LONG_WORDS,
    short_words: int = SHORT_WORDS,
) -> int:
    """Run the coding workload on Buoy and (unless `taguette` is False) on Taguette 1.5.2.

    Returns 0, or 1 when setting up failed or any request did not succeed. The smaller
    arguments (`flat_segments`, `long_words`, `short_words`) are for the tests.
    """
    if min(transcripts, segments, flat_segments) < 1 or min(words, long_words, short_words) < 20:
        print(
            "buoy bench: --transcripts, --segments must be at least 1 and --words at least 20",
            file=sys.stderr,
        )
        return 2
    print(
        f"QDA benchmark: {transcripts} transcripts x {words:,} words, {segments:,} coded "
        f"segments one request each, on Buoy and Taguette {TAGUETTE_VERSION}"
    )
    started = time.perf_counter()
    workload = make_workload(
        transcripts=transcripts,
        words=words,
        segments=segments,
        flat_segments=flat_segments,
        long_words=long_words,
        short_words=short_words,
    )
    print(f"  synthetic text made in {time.perf_counter() - started:.1f} s")
    results: list[ToolResult] = []
    with throwaway_home("buoy-bench-taguette-") as scratch:
        try:
            with buoy_tool() as buoy:
                results.append(run_workload(buoy, workload))
            if not taguette:
                note = "skipped (--no-taguette)"
            else:
                python, note = find_taguette(taguette_python, scratch)
                if python is None:
                    note = f"skipped: {note}"
                else:
                    with taguette_server(python, scratch) as tool:
                        results.append(run_workload(tool, workload))
                    note = f"Taguette {TAGUETTE_VERSION} {note}, single-user mode, SQLite"
            if len(results) == 1:
                print(f"  Taguette {note}")
            report_qda(results, workload, taguette_note=note)
        except BenchError as error:
            print(f"buoy bench: {error}", file=sys.stderr)
            return 1
    return 1 if any(r.errors for r in results) else 0


# --- search --------------------------------------------------------------------------------


def search_queries(count: int, *, seed: int) -> list[tuple[str, str]]:
    """(kind, query) pairs: a quarter each of one common word, one rare word, two common
    words, and a common word with a rare one. Common: the 25 most frequent content words;
    rare: the 25 least frequent."""
    rng = random.Random(seed)  # noqa: S311 (made-up queries)
    common, rare = ZH_CONTENT[:25], ZH_CONTENT[-25:]
    makers: list[tuple[str, Callable[[], str]]] = [
        ("1 common word", lambda: rng.choice(common)),
        ("1 rare word", lambda: rng.choice(rare)),
        ("2 common words", lambda: " ".join(rng.sample(common, 2))),
        ("common + rare", lambda: f"{rng.choice(common)} {rng.choice(rare)}"),
    ]
    return [(kind, make()) for kind, make in itertools.islice(itertools.cycle(makers), count)]


def _search_child(characters: int, transcripts: int, queries: int) -> dict[str, Any]:
    """In a subprocess whose BUOY_HOME is throw-away: build the corpus, time the queries."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buoy.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from buoy.access import services as access_services
    from buoy.access.domain.roles import Role
    from buoy.coding import selectors, services
    from buoy.coding.domain.words import fts5_match, search_terms

    call_command("migrate", interactive=False, verbosity=0)
    user = access_services.add_user(actor=None, username=RESEARCHER, role=Role.RESEARCHER)
    project = services.start_project(actor=user, name="Search benchmark", codebook=None)
    started = time.perf_counter()
    each = math.ceil(characters / transcripts)
    made = 0
    for number in range(transcripts):
        size = min(each, characters - made)
        if size <= 0:
            break
        services.import_transcript(
            actor=user,
            project=project,
            filename="",
            pasted=chinese_text(size, seed=SEED + 100 + number),
            title=f"Chinese interview {number + 1:03d}",
        )
        made += size
    import_seconds = time.perf_counter() - started
    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM coding_passage")
        passages = cursor.fetchone()[0]
        if vendor == "postgresql":
            # Autovacuum analyses a table within a minute or so of a bulk import; without
            # statistics the planner scans every passage instead of using the GIN index.
            cursor.execute("ANALYZE")
            cursor.execute("SHOW server_version")
            engine = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            engine = f"SQLite {cursor.fetchone()[0]}"

    if vendor == "sqlite":
        bare = "SELECT rowid FROM coding_passage_fts WHERE coding_passage_fts MATCH %s LIMIT 50"
        count_sql = "SELECT count(*) FROM coding_passage_fts WHERE coding_passage_fts MATCH %s"
    else:
        bare = (
            "SELECT id FROM coding_passage WHERE to_tsvector('simple', words) @@ "
            "plainto_tsquery('simple', %s) LIMIT 50"
        )
        count_sql = (
            "SELECT count(*) FROM coding_passage WHERE to_tsvector('simple', words) @@ "
            "plainto_tsquery('simple', %s)"
        )

    def argument(query: str) -> str:
        return fts5_match(query) if vendor == "sqlite" else " ".join(search_terms(query))

    def bare_query(query: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(bare, [argument(query)])
            cursor.fetchall()

    planned = search_queries(queries, seed=SEED + 7)
    for _kind, query in planned[:10]:  # warm-up: caches and jieba, not counted
        selectors.search_transcripts(user, query)
        bare_query(query)
    rows = []
    for kind, query in planned:
        started = time.perf_counter()
        hits = selectors.search_transcripts(user, query)
        searched = time.perf_counter() - started
        started = time.perf_counter()
        bare_query(query)
        baseline = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(count_sql, [argument(query)])
            matches = cursor.fetchone()[0]
        rows.append(
            {
                "kind": kind,
                "query": query,
                "ms": searched * 1000,
                "baseline_ms": baseline * 1000,
                "hits": len(hits),
                "matches": matches,
            }
        )
    return {
        "vendor": vendor,
        "engine": engine,
        "characters": made,
        "transcripts": min(transcripts, math.ceil(characters / each)),
        "passages": passages,
        "import_seconds": import_seconds,
        "queries": rows,
    }


def report_search(figures: dict[str, Any]) -> None:
    """Print the search figures: per kind of query and in all, against the goal."""
    rows = figures["queries"]
    print()
    print(f"date:     {timestamp()}")
    print(f"machine:  {machine()}; load average {os.getloadavg()[0]:.2f} at the end")
    print(
        f"corpus:   {figures['characters']:,} characters of Chinese in {figures['transcripts']} "
        f"transcripts, {figures['passages']:,} passages indexed ({figures['engine']}); "
        f"imported through the services in {figures['import_seconds']:.1f} s"
    )
    print(
        "query:    buoy.coding.selectors.search_transcripts(researcher, q): 50 passages, "
        "permission-scoped, ranked, highlighted, audited; in-process"
    )
    if figures["vendor"] == "sqlite":
        print("baseline: the bare FTS5 MATCH of the same words, LIMIT 50: no rank, no scope")
    else:
        print(
            "baseline: the bare tsvector @@ tsquery of the same words, LIMIT 50: no order, no scope"
        )
    print()
    header = (
        f"{'queries':<16} {'n':>4} {'matches p50':>12} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8} {'base p50':>9} {'base p95':>9}"
    )
    print(header)
    print("-" * len(header))
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    for kind in [*kinds, "all"]:
        chosen = [r for r in rows if kind in ("all", r["kind"])]
        times = [r["ms"] for r in chosen]
        base = [r["baseline_ms"] for r in chosen]
        print(
            f"{kind:<16} {len(chosen):>4} {percentile([r['matches'] for r in chosen], 0.5):>12,} "
            f"{percentile(times, 0.5):>8.1f} {percentile(times, 0.95):>8.1f} "
            f"{max(times):>8.1f} {percentile(base, 0.5):>9.2f} {percentile(base, 0.95):>9.2f}"
        )
    p95 = percentile([r["ms"] for r in rows], 0.95)
    verdict = "met" if p95 <= SEARCH_GOAL_MS else "NOT met"
    print()
    print(f"search p95 {p95:.1f} ms (goal <= {SEARCH_GOAL_MS:g} ms: {verdict})")
    base95 = percentile([r["baseline_ms"] for r in rows], 0.95)
    if base95:
        print(f"p95 against the baseline's p95: {p95 / base95:.1f}x")


def run_search_benchmark(
    *,
    characters: int = SEARCH_CHARACTERS,
    transcripts: int = SEARCH_TRANSCRIPTS,
    queries: int = SEARCH_QUERIES,
    postgres_url: str | None = None,
) -> int:
    """Build the Chinese corpus in a throw-away database and time the queries; 0 or 1.

    SQLite in a temporary BUOY_HOME; then, when `postgres_url` names a PostgreSQL server, the
    same again in a database made for the run on that server and dropped afterwards.
    """
    if characters < 1 or transcripts < 1 or queries < 1:
        print("buoy bench: --search-chars and --queries must be at least 1", file=sys.stderr)
        return 2
    print(
        f"Search benchmark: {characters:,} characters of Chinese in {transcripts} transcripts, "
        f"{queries} queries"
    )
    arguments = [str(characters), str(transcripts), str(queries)]
    status = _search_run(arguments, database_url=None)
    if postgres_url:
        print()
        try:
            with _throwaway_postgres(postgres_url) as url:
                status = max(status, _search_run(arguments, database_url=url))
        except BenchError as error:
            print(f"buoy bench: PostgreSQL: {error}", file=sys.stderr)
            status = 1
    return status


def _search_run(arguments: list[str], *, database_url: str | None) -> int:
    with throwaway_home("buoy-bench-search-") as home:
        env = environment(home)  # SQLite in `home` unless a database URL is given
        if database_url:
            env["DATABASE_URL"] = database_url
        script = (
            "import json, sys; from buoy.bench_qda import _search_child; "
            "print(json.dumps(_search_child(*map(int, sys.argv[1:]))))"
        )
        done = subprocess.run(  # noqa: S603 (our own interpreter, fixed script)
            [sys.executable, "-c", script, *arguments],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode != 0:
            print(
                f"buoy bench: the search benchmark failed:\n{done.stderr[-3000:]}", file=sys.stderr
            )
            return 1
        report_search(json.loads(done.stdout.strip().splitlines()[-1]))
        return 0


@contextmanager
def _throwaway_postgres(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of `server_url`, dropped afterwards; its URL.

    Never the database the URL names: the benchmark writes millions of rows and must not
    touch anyone's data. The role needs the right to create databases (as the tests' does).
    """
    try:
        import psycopg
    except ImportError:
        raise BenchError("psycopg is not installed") from None
    parts = urllib.parse.urlsplit(server_url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise BenchError(f"{parts.scheme or 'the URL'}: not a postgres:// URL")
    name = f"buoy_bench_search_{os.getpid()}_{int(time.time())}"
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        raise BenchError(f"could not create a database for the run: {error}") from None
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
