"""A de-identified copy leaks nothing: identifiers planted in every field of two interviews
(and of their cases, memos and codes) reach no route a researcher member of the study may open.

The walk goes through the URL resolver, so a new coding page or API route is requested here
too (the test fails until `researcher_requests` knows how to call it). Files are read the way
a researcher would: CSV as text, XLSX and QDPX unzipped, every member decoded.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from buoy.access.models import User, Ward
from buoy.cases import services as case_services
from buoy.cases.models import Case
from buoy.coding import selectors, services
from buoy.coding.domain.sentences import split_sentences
from buoy.coding.models import CodedSegment, Project, Transcript
from buoy.instruments.models import Timepoint
from tests.conftest import caregiver_details, child_details
from tests.test_authorization_matrix import walk

pytestmark = pytest.mark.django_db

INTERVIEW_DAY = dt.date(2019, 3, 14)


@dataclass
class Family:
    child: str
    caregiver: str
    phone: str
    # names as people say them: given names, first names, the family name
    short_names: tuple[str, ...]
    case: Case | None = None

    def identifiers(self) -> list[str]:
        assert self.case is not None
        return [self.child, self.caregiver, self.phone, *self.short_names, self.case.reference]


CHINESE = Family("张琪杰", "张淑华", "13912345678", ("琪杰", "淑华"))
ENGLISH = Family("Emma Walker", "Helen Walker", "13987654321", ("Emma", "Helen", "Walker"))


def chinese_text(family: Family) -> str:
    assert family.case is not None
    return (
        f"{family.caregiver}：我是{family.caregiver}，{family.child}的妈妈。"
        f"我的电话是{family.phone}，个案编号 {family.case.reference}。\n"
        f"社工：{family.child}最近怎么样？\n"
        f"{family.caregiver}：{family.child}化疗后好多了。我们一家人互相支持。"
        "我每天给孩子讲故事。爷爷奶奶也来帮忙。\n"
        "社工：您自己休息得怎么样？\n"
        f"{family.caregiver}：晚上睡不好。白天还要上班。病友家长经常安慰我。"
        "医生讲得很清楚。我们相信医生。\n"
    )


def english_text(family: Family) -> str:
    assert family.case is not None
    return (
        f"{family.caregiver}: My name is {family.caregiver} and I am Emma's mother. "
        f"Call me on {family.phone}; the case number is {family.case.reference}.\n"
        f"Interviewer: How is {family.child} doing?\n"
        f"{family.caregiver}: Emma is better since the chemotherapy. Our family helps each "
        "other. I read her a story every night. Her grandparents come to help.\n"
        "Interviewer: And how are you sleeping?\n"
        f"{family.caregiver}: Badly. I still go to work in the day. Other parents on the ward "
        "comfort me. The doctors explain things clearly. We trust the doctors.\n"
    )


@dataclass
class World:
    study: Project
    copies: list[Transcript]
    planted: list[str]
    researcher: User
    worker: User
    segment_id: int
    code_ids: list[int]
    suggestion: dict[str, Any] = field(default_factory=dict)

    @property
    def study_kwargs(self) -> dict[str, Any]:
        """The study as the coding pages' URLs name it."""
        return {"project_id": self.study.pk}


def open_family(family: Family, worker: User, ward: Ward, *, language: str) -> Case:
    case = case_services.open_case(
        actor=worker,
        ward=ward,
        referral_source="doctor",
        child=child_details(full_name=family.child),
        caregiver=caregiver_details(
            full_name=family.caregiver, phone=family.phone, preferred_language=language
        ),
    )
    case_services.record_consent(
        actor=worker,
        case=case,
        caregiver=case.caregivers.get(),
        scope="research",
        given_on=case.opened_on,
    )
    family.case = case
    return case


def plant_interview(family: Family, worker: User, text: str) -> Transcript:
    """An interview whose every field names the family, coded, with memos that name it too."""
    assert family.case is not None
    casework = services.casework_project()
    reference = family.case.reference
    original = services.import_transcript(
        actor=worker,
        project=casework,
        filename=f"{family.child} {reference}.txt",
        data=text.encode("utf-8"),
        case=family.case,
        title=f"Interview with {family.caregiver} about {family.child} ({reference}, "
        f"{family.phone})",
        interview_date=INTERVIEW_DAY,
        interviewer=f"{family.caregiver}'s neighbour, {family.phone}",
        timepoint=Timepoint.objects.get(code="baseline"),
        consent_recorded=True,
    )
    start = text.index(family.child)
    sentence = text.index("\n", start) + 1
    (segment,) = services.apply_codes(
        actor=worker,
        transcript=original,
        code_ids=[casework.codes.get(label="P-FAM-01").pk],
        start=start,
        end=text.index("\n", sentence),
    )
    about = f"{family.caregiver} and {family.child}, {family.phone}, {reference}"
    services.write_memo(
        actor=worker, project=casework, transcript=original, title=family.child, text=about
    )
    services.write_memo(
        actor=worker, project=casework, segment=segment, title=family.caregiver, text=about
    )
    services.write_memo(
        actor=worker,
        project=casework,
        code=casework.codes.get(label="P-FAM-01"),
        title=reference,
        text=about,
    )
    return original


@pytest.fixture
def world(alice_worker: User, rita_researcher: User, ward_a: Ward) -> World:
    open_family(CHINESE, alice_worker, ward_a, language="zh-hans")
    open_family(ENGLISH, alice_worker, ward_a, language="en")
    originals = [
        plant_interview(CHINESE, alice_worker, chinese_text(CHINESE)),
        plant_interview(ENGLISH, alice_worker, english_text(ENGLISH)),
    ]
    study = services.start_project(actor=rita_researcher, name="Strengths study")
    services.add_member(actor=rita_researcher, project=study, user=alice_worker)
    copies = [
        services.make_deidentified_copy(
            actor=alice_worker,
            transcript=original,
            project=study,
            # a careful person confirms every suggestion
            accepted=selectors.redaction_suggestions(alice_worker, original),
            carry_codings=True,
        )
        for original in originals
    ]
    # a memo on a case, written into the study by a worker who may see the case
    for family in (CHINESE, ENGLISH):
        services.write_memo(
            actor=alice_worker,
            project=study,
            case=family.case,
            title=family.child,
            text=f"{family.caregiver} {family.phone}",
        )
    # the researcher codes every sentence of the copies, so agreement, tables, queries and
    # suggestions all have something to show
    code = study.codes.get(label="P-FAM-01")
    other = study.codes.get(label="P-MED-01")
    segment_id = 0
    for copy in copies:
        for n, span in enumerate(split_sentences(copy.text)):
            made = services.apply_codes(
                actor=rita_researcher,
                transcript=copy,
                code_ids=[(code if n % 2 else other).pk],
                start=span.start,
                end=span.end,
            )
            segment_id = made[0].pk
    services.write_memo(actor=rita_researcher, project=study, transcript=copies[0], text="note")
    services.train_suggestions(actor=rita_researcher, project=study)
    planted = [
        *CHINESE.identifiers(),
        *ENGLISH.identifiers(),
        INTERVIEW_DAY.isoformat(),
    ]
    return World(
        study=study,
        copies=copies,
        planted=planted,
        researcher=rita_researcher,
        worker=alice_worker,
        segment_id=segment_id,
        code_ids=[code.pk, other.pk],
    )


# --- what a researcher can ask for ------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    name: str
    method: str
    url: str
    data: Any = None
    htmx: bool = False
    json: bool = False


def researcher_requests(world: World) -> Iterator[Request]:
    """Every coding page and API route with real parameters, then the variants that show more,
    then the writes a researcher makes, then the pages and API once more."""
    yield from every_coding_route(world)
    yield from transcript_screens(world)
    yield from queries_tables_and_exports(world)
    yield from searches_and_autocoding(world)
    yield from researcher_writes(world)
    yield from after_the_writes(world)


def every_coding_route(world: World) -> Iterator[Request]:
    """Each coding page and API route once, its URL filled with the study's own objects."""
    study, first = world.study, world.copies[0]
    values = {
        "project_id": study.pk,
        "transcript_id": first.pk,
        "segment_id": world.segment_id,
        "code_id": world.code_ids[0],
        "case_id": CHINESE.case.pk if CHINESE.case else 0,
    }
    api_pk = {
        "coding-project": study.pk,
        "coding-transcript": first.pk,
        "coding-segment": world.segment_id,
    }
    patterns = dict(walk(get_resolver().url_patterns))
    for name, pattern in sorted(patterns.items()):
        if not name.startswith(("coding:", "coding-")):
            continue
        kwargs: dict[str, Any] = {}
        for key in pattern.pattern.regex.groupindex:
            if key == "format":
                continue
            kwargs[key] = api_pk[name.rsplit("-", 1)[0]] if key == "pk" else values[key]
        yield Request(name, "get", reverse(name, kwargs=kwargs))


def transcript_screens(world: World) -> Iterator[Request]:
    """Each copy's coding screen (a stretch of it too), its suggestions and its API detail."""
    for copy in world.copies:
        screen = reverse("coding:transcript", args=[copy.pk])
        yield Request("coding:transcript", "get", f"{screen}?at=0&to=5")
        yield Request(
            "coding:transcript_suggestions",
            "get",
            reverse("coding:transcript_suggestions", args=[copy.pk]),
            htmx=True,
        )
        yield Request(
            "coding-transcript-detail", "get", reverse("coding-transcript-detail", args=[copy.pk])
        )


def queries_tables_and_exports(world: World) -> Iterator[Request]:
    """Code queries, tables, co-occurrence, agreement, memos and exports, in every format."""
    study, project = world.study, world.study_kwargs
    first_code = world.code_ids[0]
    labels = ["P-FAM-01", "P-MED-01", "P-FAM-01 OR P-MED-01"]
    query = reverse("coding:query", kwargs=project)
    for q in labels:
        yield Request("coding:query", "get", query, {"q": q})
        for fmt in ("csv", "xlsx"):
            yield Request("coding:query", "get", query, {"q": q, "format": fmt})
        yield Request(
            "coding-project-query",
            "get",
            reverse("coding-project-query", args=[study.pk]),
            {"q": q},
        )
    for by in selectors.FREQUENCY_BY:
        yield Request("coding:tables", "get", reverse("coding:tables", kwargs=project), {"by": by})
        for table in ("frequency", "cooccurrence", "cases"):
            for fmt in ("csv", "xlsx"):
                yield Request(
                    "coding:table_download",
                    "get",
                    reverse("coding:table_download", kwargs=project),
                    {"by": by, "table": table, "format": fmt},
                )
    yield Request(
        "coding:cooccurrence",
        "get",
        reverse("coding:cooccurrence", kwargs=project),
        {"first": first_code, "second": first_code},
    )
    yield Request(
        "coding:agreement",
        "get",
        reverse("coding:agreement", kwargs=project),
        {"first": world.worker.username, "second": world.researcher.username},
    )
    for fmt in ("csv", "xlsx"):
        yield Request(
            "coding:memos", "get", reverse("coding:memos", kwargs=project), {"format": fmt}
        )
    for fmt in ("qdpx", "qdc", "csv", "xlsx"):
        yield Request(
            "coding-project-export",
            "get",
            reverse("coding-project-export", args=[study.pk]),
            {"format": fmt},
        )


def searches_and_autocoding(world: World) -> Iterator[Request]:
    """Word search, the auto-coding preview of every kind and scope, and the transcript list."""
    study, first, project = world.study, world.copies[0], world.study_kwargs
    for words in ("化疗", "chemotherapy", "doctors", "妈妈"):
        yield Request("coding:search", "get", reverse("coding:search"), {"q": words})
        yield Request(
            "coding:search", "get", reverse("coding:search"), {"q": words, "project": study.pk}
        )
    autocode = reverse("coding:autocode", kwargs=project)
    for look_for, kind, scope in [
        ("化疗", "text", "sentence"),
        ("doctor", "text", "turn"),
        (r"\w+", "regex", "match"),
        ("社工", "speaker", "turn"),
        ("Interviewer", "speaker", "turn"),
        ("姓名", "speaker", "turn"),
        ("NAME", "speaker", "turn"),
    ]:
        yield Request(
            "coding:autocode",
            "get",
            autocode,
            {"pattern": look_for, "kind": kind, "scope": scope, "transcript": ""},
        )
    yield Request(
        "coding:autocode",
        "get",
        autocode,
        {"pattern": "[姓名]", "kind": "text", "scope": "turn", "transcript": first.pk},
    )
    yield Request("coding-transcript-list", "get", reverse("coding-transcript-list"), {"page": 1})


def researcher_writes(world: World) -> Iterator[Request]:
    """The writes a researcher makes, each answered with the page or fragment it shows."""
    study, first, second = world.study, world.copies[0], world.copies[1]
    project = world.study_kwargs
    first_code, second_code = world.code_ids
    apply = reverse("coding:apply", args=[second.pk])
    yield Request(
        "coding:apply", "post", apply, {"code": second_code, "start": 0, "end": 4}, htmx=True
    )
    yield Request(
        "coding:memo_new",
        "post",
        reverse("coding:memo_new", args=[second.pk]),
        {"text": "a memo", "title": ""},
        htmx=True,
    )
    yield Request("coding:undo", "post", reverse("coding:undo", args=[second.pk]), {}, htmx=True)
    yield Request(
        "coding:segment_remove",
        "post",
        reverse("coding:segment_remove", args=[world.segment_id]),
        {},
        htmx=True,
    )
    yield Request(
        "coding:autocode_apply",
        "post",
        reverse("coding:autocode_apply", kwargs=project),
        {
            "pattern": "doctor",
            "kind": "text",
            "scope": "sentence",
            "transcript": "",
            "code": second_code,
        },
    )
    yield Request(
        "coding:autocode_undo",
        "post",
        reverse("coding:autocode_undo", kwargs=project),
        {"action": "0"},
    )
    yield Request(
        "coding:suggestions_train", "post", reverse("coding:suggestions_train", kwargs=project), {}
    )
    if world.suggestion:
        yield Request(
            "coding:suggestion_accept",
            "post",
            reverse("coding:suggestion_accept", args=[first.pk]),
            world.suggestion,
        )
    yield Request(
        "coding:suggestion_accept",
        "post",
        reverse("coding:suggestion_accept", args=[first.pk]),
        {"code": second_code, "start": 0, "end": 999999},
    )
    yield Request(
        "coding:transcript_import",
        "post",
        reverse("coding:transcript_import", kwargs=project),
        {"title": "Focus group", "pasted": "P1: we cope.", "consent_recorded": "on"},
    )
    yield Request(
        "coding:project_new", "post", reverse("coding:project_new"), {"name": "Second study"}
    )
    yield Request(
        "coding-project-transcripts",
        "post",
        reverse("coding-project-transcripts", args=[study.pk]),
        {"text": "P2: we manage.", "title": "Another focus group"},
        json=True,
    )
    yield Request(
        "coding-transcript-segments",
        "post",
        reverse("coding-transcript-segments", args=[second.pk]),
        {"codes": [first_code], "start": 0, "end": 3},
        json=True,
    )
    yield Request(
        "coding-project-undo",
        "post",
        reverse("coding-project-undo", args=[study.pk]),
        {},
        json=True,
    )
    yield Request(
        "coding-segment-detail", "delete", reverse("coding-segment-detail", args=[world.segment_id])
    )


def after_the_writes(world: World) -> Iterator[Request]:
    """After the writes, the pages and API once more."""
    project = world.study_kwargs
    yield Request("coding:project", "get", reverse("coding:project", kwargs=project))
    yield Request("coding-transcript-list", "get", reverse("coding-transcript-list"))
    for copy in world.copies:
        yield Request("coding:transcript", "get", reverse("coding:transcript", args=[copy.pk]))


def readable_text(response: Any) -> str:
    """What a person could read in a response: HTML unescaped, JSON decoded, zips unpacked."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts = [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
        return html.unescape("\n".join(parts))
    text = body.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("application/json"):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return html.unescape(text) + "\n" + response.get("Content-Disposition", "")


def send(client: Client, request: Request) -> Any:
    headers = {"HX-Request": "true"} if request.htmx else {}
    if request.method == "get":
        return client.get(request.url, request.data or {}, headers=headers)
    if request.method == "delete":
        return client.delete(request.url)
    if request.json:
        return client.post(request.url, json.dumps(request.data), content_type="application/json")
    return client.post(request.url, request.data, headers=headers, follow=not request.htmx)


# --- the rule -----------------------------------------------------------------------------------


def test_no_planted_identifier_reaches_any_route_a_researcher_may_open(world: World) -> None:
    client = Client()
    client.force_login(world.researcher)
    suggested = selectors.suggestions_for(world.researcher, world.copies[0])
    if suggested.sentences:
        sentence = suggested.sentences[0]
        world.suggestion = {
            "code": sentence.codes[0].code.pk,
            "start": sentence.start,
            "end": sentence.end,
        }
    leaks: list[str] = []
    asked: set[str] = set()
    statuses: dict[str, set[int]] = {}
    seen = ""
    for request in researcher_requests(world):
        response = send(client, request)
        asked.add(request.name)
        statuses.setdefault(request.name, set()).add(response.status_code)
        assert response.status_code < 500, request
        text = readable_text(response)
        seen += text
        for planted in world.planted:
            if planted in text:
                leaks.append(f"{request.method.upper()} {request.url} {request.data}: {planted!r}")
    coding_routes = {name for name, _ in walk(get_resolver().url_patterns)}
    assert {n for n in coding_routes if n.startswith(("coding:", "coding-"))} <= asked
    assert leaks == []
    # the walk saw the copies: their redacted text, the carried coding and the pseudonyms
    for shown in ("化疗后好多了", "since the chemotherapy", "[姓名]", "[NAME]", "case-1", "case-2"):
        assert shown in seen
    for name in ("coding:transcript", "coding-project-export", "coding:table_download"):
        assert statuses[name] == {200}, name


def test_the_api_names_a_copys_case_by_its_pseudonym_for_researchers(world: World) -> None:
    client = Client()
    client.force_login(world.researcher)
    listed = client.get(reverse("coding-transcript-list")).json()["results"]
    cases = {row["id"]: row["case"] for row in listed}
    assert cases == {world.copies[0].pk: "case-1", world.copies[1].pk: "case-2"}
    detail = client.get(reverse("coding-transcript-detail", args=[world.copies[1].pk])).json()
    assert detail["case"] == "case-2"
    assert detail["interviewer"] == ""
    assert detail["interview_date"] is None
    # case staff keep the case's key, which opens the case in the API
    staff = Client()
    staff.force_login(world.worker)
    mine = staff.get(reverse("coding-transcript-detail", args=[world.copies[1].pk])).json()
    assert mine["case"] == world.copies[1].case_id


def test_every_field_of_a_copy_is_redacted_or_replaced(world: World) -> None:
    for copy in world.copies:
        copy.refresh_from_db()
        fields = [
            copy.title,
            copy.text,
            copy.interviewer,
            copy.source_filename,
            copy.source_encoding,
            str(copy.interview_date or ""),
            *copy.turns.values_list("speaker", flat=True),
            *copy.memos.values_list("text", flat=True),
            *copy.memos.values_list("title", flat=True),
        ]
        for planted in world.planted:
            assert not any(planted in value for value in fields), (copy.pk, planted)
        assert copy.interview_date is None
        assert copy.timepoint is not None
        assert copy.timepoint.code == "baseline"
    first, second = world.copies
    assert first.title == "case-1 · interview · Baseline (de-identified)"
    assert second.title == "case-2 · interview · Baseline (de-identified)"
    # speaker turns keep their places; a label that was a name now reads as the placeholder
    assert list(first.turns.values_list("speaker", flat=True)) == [
        "[姓名]", "社工", "[姓名]", "社工", "[姓名]",
    ]  # fmt: skip
    assert set(second.turns.values_list("speaker", flat=True)) == {"[NAME]", "Interviewer"}
    for turn in first.turns.all():
        assert first.text[turn.start : turn.end].startswith(turn.speaker)
    assert CodedSegment.objects.filter(transcript=first, origin="carried").exists()
