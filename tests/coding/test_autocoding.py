"""Auto-coding (text, regular expression, speaker; preview, apply, undo) and learned code
suggestions (training, suggestions for uncoded sentences, accepting one), through the
services, selectors and pages, with the personas."""

from __future__ import annotations

import pytest
from django.urls import reverse

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Case
from buoy.coding import selectors, services
from buoy.coding.domain.autocoding import (
    PatternError,
    Turn,
    compile_pattern,
    find_spans,
    prepare,
    uncovered,
)
from buoy.coding.domain.sentences import Span
from buoy.coding.models import (
    CodedSegment,
    CodingAction,
    Project,
    SuggestionModelRecord,
    Transcript,
)
from buoy.core.errors import InvalidInput, NotFound
from tests.coding.test_suggestions import corpus
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

FIRST = (
    "社工：最近家里怎么样？\n"
    "妈妈：我们借钱给孩子看病，已经欠了五万。孩子化疗很辛苦。\n"
    "爸爸：借钱的事我来想办法。\n"
)
SECOND = "妈妈：医生说还要再借钱。\n社工：Borrowing money is hard.\n"


def spans_of(preview: selectors.AutocodingPreview) -> list[tuple[str, str]]:
    return [(match.transcript.title, match.text) for match in preview.matches]


@pytest.fixture
def interviews(alice_worker: User, alice_case: Case, casework: Project) -> list[Transcript]:
    return [
        services.import_transcript(
            actor=alice_worker,
            project=casework,
            filename="",
            pasted=text,
            case=alice_case,
            title=title,
        )
        for title, text in (("A first", FIRST), ("B second", SECOND))
    ]


def preview(user: User, project: Project, pattern: str, kind: str = "text", scope: str = "match"):
    return selectors.autocoding_preview(user, project, pattern=pattern, kind=kind, scope=scope)


# --- finding the text ----------------------------------------------------------------------


def test_text_finds_each_occurrence_in_chinese_at_its_code_points(
    alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    found = preview(alice_worker, casework, "借钱")
    assert spans_of(found) == [("A first", "借钱"), ("A first", "借钱"), ("B second", "借钱")]
    first = found.matches[0]
    assert FIRST[first.start : first.end] == "借钱"
    assert first.start == FIRST.index("借钱")


def test_text_ignores_capitals(
    alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    assert spans_of(preview(alice_worker, casework, "BORROWING")) == [("B second", "Borrowing")]


def test_a_regular_expression_matches_within_sentences(
    alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    assert spans_of(preview(alice_worker, casework, "欠了.{1,3}万", "regex")) == [
        ("A first", "欠了五万")
    ]
    # ^ is the start of a sentence (after the speaker's label), so 给孩子 does not match
    at_start = preview(alice_worker, casework, "^孩子", "regex")
    assert [(m.text, m.start) for m in at_start.matches] == [("孩子", FIRST.index("孩子化疗"))]


def test_a_speaker_picks_out_their_whole_turns_without_the_label(
    alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    assert spans_of(preview(alice_worker, casework, "妈妈", "speaker")) == [
        ("A first", "我们借钱给孩子看病，已经欠了五万。孩子化疗很辛苦。"),
        ("B second", "医生说还要再借钱。"),
    ]


def test_a_match_widens_to_its_sentence_or_turn(
    alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    sentences = preview(alice_worker, casework, "借钱", scope="sentence")
    assert spans_of(sentences) == [
        ("A first", "我们借钱给孩子看病，已经欠了五万。"),
        ("A first", "借钱的事我来想办法。"),
        ("B second", "医生说还要再借钱。"),
    ]
    turns = preview(alice_worker, casework, "欠了", scope="turn")
    assert spans_of(turns) == [("A first", "我们借钱给孩子看病，已经欠了五万。孩子化疗很辛苦。")]


def test_one_transcript_can_be_searched_alone(
    alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    found = selectors.autocoding_preview(
        alice_worker, casework, pattern="借钱", kind="text", scope="match", transcript=interviews[1]
    )
    assert spans_of(found) == [("B second", "借钱")]
    assert found.searched == 1


def test_the_preview_is_capped(
    alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    found = selectors.autocoding_preview(
        alice_worker, casework, pattern="借钱", kind="text", scope="match", limit=2
    )
    assert len(found.matches) == 2
    assert found.truncated


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("(借+)+", "may not hold a repeat"),
        ("(ab|a)*c", "may not hold a repeat"),
        (r"(借)\1", "Back-references"),
        (".*.*.*钱", "open-ended repeats"),
        ("[借", "not valid: unterminated character set (at character 1)"),
        ("x" * 201, "at most 200 characters"),
        ("   ", ""),
    ],
)
def test_a_pattern_that_could_run_away_or_is_broken_is_refused_with_the_reason(
    alice_worker: User, casework: Project, interviews: list[Transcript], pattern: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        preview(alice_worker, casework, pattern, "regex" if pattern.strip() else "text")
    assert words in refused.value.errors["pattern"][0]


def test_bounded_repeats_are_allowed() -> None:
    assert compile_pattern(r"\d{1,4}年\d{1,2}月\d{1,2}日").search("2025年3月2日")


def test_a_slow_search_stops_at_its_deadline() -> None:
    search = prepare(".*.*x", "regex", "match")
    text = ("a" * 999 + "\n") * 50
    with pytest.raises(PatternError) as slow:
        find_spans(search, text, deadline=0.0)
    assert slow.value.reason == "slow"


def test_a_turn_scope_outside_every_turn_falls_back_to_the_sentence() -> None:
    text = "前言。妈妈：我们借钱。"
    spans = find_spans(prepare("前言", "text", "turn"), text, [Turn(3, 11, "妈妈")])
    assert [text[s.start : s.end] for s in spans] == ["前言。"]


def test_uncovered_sentences_are_those_no_segment_touches() -> None:
    sentences = [Span(0, 5), Span(6, 10), Span(11, 20)]
    assert uncovered(sentences, [(8, 9), (19, 25)]) == [Span(0, 5)]
    assert uncovered(sentences, []) == sentences


# --- applying and undoing ------------------------------------------------------------------


def test_applying_codes_every_match_in_one_action_and_undo_takes_all_back(
    alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    code = casework.codes.get(label="R-ECO-01")
    found = preview(alice_worker, casework, "借钱", scope="sentence")
    result = services.apply_autocoding(
        actor=alice_worker, project=casework, code_id=code.pk, matches=found.matches
    )
    assert (result.applied, result.skipped, result.transcripts) == (3, 0, 2)
    segments = CodedSegment.objects.current().filter(code=code)
    assert sorted(s.transcript.text[s.start : s.end] for s in segments) == sorted(
        m.text for m in found.matches
    )
    assert {s.origin for s in segments} == {"auto"}
    assert CodingAction.objects.filter(project=casework, actor=alice_worker).count() == 1
    assert result.action is not None
    assert sorted(result.action.segment_ids) == sorted(s.pk for s in segments)
    assert AuditEvent.objects.filter(action="coding.segment.auto_applied").count() == 2

    services.undo_last(actor=alice_worker, project=casework)
    assert not CodedSegment.objects.current().filter(code=code).exists()


def test_stretches_already_coded_with_the_code_by_the_same_coder_are_skipped(
    alice_worker: User,
    carol_supervisor: User,
    casework: Project,
    interviews: list[Transcript],
) -> None:
    code = casework.codes.get(label="R-ECO-01")
    found = preview(alice_worker, casework, "借钱")
    first = found.matches[0]
    services.apply_codes(
        actor=alice_worker,
        transcript=first.transcript,
        code_ids=[code.pk],
        start=first.start,
        end=first.end,
    )
    # the same stretch coded by someone else does not count as a duplicate of Alice's
    second = found.matches[1]
    services.apply_codes(
        actor=carol_supervisor,
        transcript=second.transcript,
        code_ids=[code.pk],
        start=second.start,
        end=second.end,
    )
    result = services.apply_autocoding(
        actor=alice_worker, project=casework, code_id=code.pk, matches=found.matches
    )
    assert (result.applied, result.skipped) == (2, 1)
    again = services.apply_autocoding(
        actor=alice_worker, project=casework, code_id=code.pk, matches=found.matches
    )
    assert (again.applied, again.skipped, again.action) == (0, 3, None)
    assert CodedSegment.objects.current().filter(code=code, coder=alice_worker).count() == 3


def test_a_category_cannot_be_auto_applied(
    alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    category = casework.codes.filter(codable=False).first()
    assert category is not None
    with pytest.raises(InvalidInput):
        services.apply_autocoding(
            actor=alice_worker,
            project=casework,
            code_id=category.pk,
            matches=preview(alice_worker, casework, "借钱").matches,
        )


def test_people_who_may_not_read_the_transcripts_cannot_auto_code_them(
    alice_worker: User,
    bob_same_team: User,
    rita_researcher: User,
    casework: Project,
    interviews: list[Transcript],
) -> None:
    code = casework.codes.get(label="R-ECO-01")
    matches = preview(alice_worker, casework, "借钱").matches
    for person in (bob_same_team, rita_researcher):
        assert preview(person, casework, "借钱").matches == []
        with pytest.raises(NotFound):
            services.apply_autocoding(
                actor=person, project=casework, code_id=code.pk, matches=matches
            )
    assert not CodedSegment.objects.exists()


# --- learned suggestions -------------------------------------------------------------------

NEW_INTERVIEW = (
    "妈妈：为了治病我们又借了八万，现在都还不上。\n"
    "妈妈：I am anxious all the time lately, afraid of a relapse.\n"
    "妈妈：The nurses are patient every day and we trust the team.\n"
    "社工：今天天气不错。\n"
)


@pytest.fixture
def study(carol_supervisor: User, rita_researcher: User) -> Project:
    """A research project with case-less transcripts: 10 segments per code, half Chinese."""
    project = services.start_project(
        actor=carol_supervisor, name="Coping study", members=[rita_researcher]
    )
    examples = corpus(per_language=5, seed=1)
    for part in range(2):
        lines = examples[part::2]
        text = "".join(f"妈妈：{sentence}\n" for sentence, _codes in lines)
        transcript = services.import_transcript(
            actor=rita_researcher,
            project=project,
            filename="",
            pasted=text,
            title=f"Interview {part + 1}",
        )
        at = 0
        for sentence, codes in lines:
            start = text.index(sentence, at)
            at = start + len(sentence)
            if codes:
                services.apply_codes(
                    actor=rita_researcher,
                    transcript=transcript,
                    code_ids=[project.codes.get(label=label).pk for label in codes],
                    start=start,
                    end=at,
                )
    return project


@pytest.fixture
def trained(study: Project, rita_researcher: User) -> SuggestionModelRecord:
    return services.train_suggestions(actor=rita_researcher, project=study)


@pytest.fixture
def fresh(study: Project, rita_researcher: User) -> Transcript:
    return services.import_transcript(
        actor=rita_researcher, project=study, filename="", pasted=NEW_INTERVIEW, title="New"
    )


def test_training_stores_a_model_with_cross_validated_precision_per_code(
    study: Project, trained: SuggestionModelRecord, rita_researcher: User
) -> None:
    labels = {str(code.pk): code.label for code in study.codes.all()}
    assert sorted(labels[code] for code in trained.quality) == [
        "P-MED-01",
        "P-SOC-01",
        "R-ECO-01",
        "R-IND-02",
    ]
    for figures in trained.quality.values():
        assert figures["support"] == 10
        assert 0.5 <= figures["precision"] <= 1.0
        assert 0.0 <= figures["recall"] <= 1.0
    # 40 coded segments; the 6 uncoded sentences are the examples of no code
    assert trained.n_examples == 46
    assert trained.trained_by == rita_researcher
    assert bytes(trained.data).startswith(b"BUOYSUGG")
    assert AuditEvent.objects.filter(action="coding.suggestions.trained").count() == 1


def test_a_new_model_replaces_the_stored_bytes_of_the_old_one(
    study: Project, trained: SuggestionModelRecord, rita_researcher: User
) -> None:
    newer = services.train_suggestions(actor=rita_researcher, project=study)
    trained.refresh_from_db()
    assert bytes(trained.data) == b""
    assert trained.quality  # the history keeps its figures
    assert list(selectors.suggestion_models_of(study)) == [newer, trained]


def test_codes_with_too_few_segments_are_listed_as_skipped(
    study: Project, rita_researcher: User
) -> None:
    transcript = study.transcripts.first()
    assert transcript is not None
    lonely = study.codes.get(label="P-IND-01")
    services.apply_codes(
        actor=rita_researcher, transcript=transcript, code_ids=[lonely.pk], start=3, end=8
    )
    stored = services.train_suggestions(actor=rita_researcher, project=study)
    assert stored.skipped == {str(lonely.pk): 1}


def test_too_little_coding_to_learn_from_is_a_clear_error(
    rita_researcher: User, carol_supervisor: User
) -> None:
    project = services.start_project(
        actor=carol_supervisor, name="Empty", members=[rita_researcher]
    )
    with pytest.raises(InvalidInput) as refused:
        services.train_suggestions(actor=rita_researcher, project=project)
    assert "at least 5 coded segments" in refused.value.errors[""][0]
    assert not SuggestionModelRecord.objects.exists()


def test_suggestions_propose_codes_for_uncoded_sentences_only(
    study: Project, trained: SuggestionModelRecord, fresh: Transcript, rita_researcher: User
) -> None:
    result = selectors.suggestions_for(rita_researcher, fresh)
    assert result.model == trained
    assert result.readable
    first = {item.text: [s.code.label for s in item.codes] for item in result.sentences}
    assert first["为了治病我们又借了八万，现在都还不上。"][0] == "R-ECO-01"
    assert first["The nurses are patient every day and we trust the team."][0] == "P-MED-01"
    for item in result.sentences:
        for suggestion in item.codes:
            assert 0.5 <= suggestion.confidence <= 1.0
            assert suggestion.precision == trained.quality[str(suggestion.code.pk)]["precision"]

    debt = next(item for item in result.sentences if item.text.startswith("为了治病"))
    services.apply_codes(
        actor=rita_researcher,
        transcript=fresh,
        code_ids=[study.codes.get(label="P-SOC-01").pk],
        start=debt.start + 2,
        end=debt.start + 4,
    )
    after = selectors.suggestions_for(rita_researcher, fresh)
    assert debt.text not in {item.text for item in after.sentences}
    assert len(after.sentences) == len(result.sentences) - 1


def test_without_a_model_there_are_no_suggestions(
    study: Project, fresh: Transcript, rita_researcher: User
) -> None:
    result = selectors.suggestions_for(rita_researcher, fresh)
    assert (result.model, result.readable, result.sentences) == (None, True, [])


def test_accepting_a_suggestion_applies_it_marked_as_a_suggestion(
    study: Project, trained: SuggestionModelRecord, fresh: Transcript, rita_researcher: User
) -> None:
    sentence = selectors.suggestions_for(rita_researcher, fresh).sentences[0]
    code = sentence.codes[0].code
    (segment,) = services.accept_suggestion(
        actor=rita_researcher,
        transcript=fresh,
        code_id=code.pk,
        start=sentence.start,
        end=sentence.end,
    )
    assert (segment.origin, segment.code, segment.start, segment.end) == (
        "suggestion",
        code,
        sentence.start,
        sentence.end,
    )
    last = CodingAction.objects.filter(actor=rita_researcher).last()
    assert last is not None
    assert last.segment_ids == [segment.pk]


def test_only_people_who_may_read_the_transcript_get_its_suggestions(
    study: Project,
    trained: SuggestionModelRecord,
    fresh: Transcript,
    bob_same_team: User,
    carol_supervisor: User,
) -> None:
    code = study.codes.get(label="R-ECO-01")
    # Carol started the study, so she reads its case-less transcripts; Bob is no member
    assert selectors.suggestions_for(carol_supervisor, fresh).sentences
    with pytest.raises(NotFound):
        selectors.suggestions_for(bob_same_team, fresh)
    with pytest.raises(NotFound):
        services.accept_suggestion(
            actor=bob_same_team, transcript=fresh, code_id=code.pk, start=0, end=5
        )
    with pytest.raises(NotFound):
        services.train_suggestions(actor=bob_same_team, project=study)


def test_a_researcher_cannot_train_on_or_see_casework(
    rita_researcher: User, alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    with pytest.raises(NotFound):
        selectors.suggestions_for(rita_researcher, interviews[0])
    with pytest.raises(NotFound):
        services.accept_suggestion(
            actor=rita_researcher,
            transcript=interviews[0],
            code_id=casework.codes.get(label="R-ECO-01").pk,
            start=0,
            end=2,
        )


# --- pages ---------------------------------------------------------------------------------


def test_the_autocode_page_previews_applies_and_undoes(
    alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    client = logged_in(alice_worker)
    page = reverse("coding:autocode", args=[casework.pk])
    code = casework.codes.get(label="R-ECO-01")
    search = {"pattern": "借钱", "kind": "text", "scope": "sentence", "transcript": ""}
    shown = client.get(page, search)
    assert shown.status_code == 200
    body = shown.content.decode()
    assert "借钱的事我来想办法。" in body
    assert "Apply to all 3" in body

    applied = client.post(
        reverse("coding:autocode_apply", args=[casework.pk]), {**search, "code": code.pk}
    )
    assert applied.status_code == 302
    assert CodedSegment.objects.current().filter(code=code).count() == 3
    action = CodingAction.objects.get()
    assert applied["Location"].endswith(f"?action={action.pk}")
    result = client.get(applied["Location"]).content.decode()
    assert "The code was applied to 3 stretches of text." in result
    assert "Undo this auto-coding" in result

    undone = client.post(reverse("coding:autocode_undo", args=[casework.pk]), {"action": action.pk})
    assert undone.status_code == 302
    assert not CodedSegment.objects.current().exists()
    # undoing again: it is no longer the last change, and nothing else is undone
    again = client.post(reverse("coding:autocode_undo", args=[casework.pk]), {"action": action.pk})
    assert again.status_code == 400


def test_the_autocode_page_explains_a_refused_pattern(
    alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    client = logged_in(alice_worker)
    response = client.get(
        reverse("coding:autocode", args=[casework.pk]),
        {"pattern": "(借+)+", "kind": "regex", "scope": "match"},
    )
    assert response.status_code == 400
    assert "may not hold a repeat" in response.content.decode()


def test_applying_without_a_code_is_refused(
    alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    client = logged_in(alice_worker)
    response = client.post(
        reverse("coding:autocode_apply", args=[casework.pk]),
        {"pattern": "借钱", "kind": "text", "scope": "match"},
    )
    assert response.status_code == 400
    assert not CodedSegment.objects.exists()


def test_the_suggestions_pages_train_show_quality_and_accept(
    study: Project, fresh: Transcript, rita_researcher: User
) -> None:
    client = logged_in(rita_researcher)
    page = reverse("coding:suggestions", args=[study.pk])
    assert "Learn from the coding so far" in client.get(page).content.decode()
    trained = client.post(reverse("coding:suggestions_train", args=[study.pk]))
    assert trained.status_code == 302
    quality = client.get(page).content.decode()
    assert "Precision by chance" in quality
    assert "22%" in quality  # 10 of 46 examples: the precision of guessing

    listing = reverse("coding:transcript_suggestions", args=[fresh.pk])
    shown = client.get(listing).content.decode()
    assert "为了治病我们又借了八万" in shown
    assert "Accept" in shown
    panel = client.get(listing, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in panel
    assert 'name="next" value="screen"' in panel

    sentence = selectors.suggestions_for(rita_researcher, fresh).sentences[0]
    accepted = client.post(
        reverse("coding:suggestion_accept", args=[fresh.pk]),
        {
            "code": sentence.codes[0].code.pk,
            "start": sentence.start,
            "end": sentence.end,
            "next": "screen",
        },
    )
    assert accepted.status_code == 302
    assert accepted["Location"].endswith(f"?at={sentence.start}&to={sentence.end}#located")
    assert CodedSegment.objects.filter(transcript=fresh, origin="suggestion").count() == 1


def test_the_coding_screen_offers_the_suggestions_panel(
    study: Project, fresh: Transcript, rita_researcher: User
) -> None:
    client = logged_in(rita_researcher)
    screen = client.get(reverse("coding:transcript", args=[fresh.pk])).content.decode()
    assert reverse("coding:transcript_suggestions", args=[fresh.pk]) in screen
    assert 'hx-target="#suggestions-panel"' in screen


def test_training_too_early_explains_why_on_the_page(
    alice_worker: User, casework: Project, interviews: list[Transcript]
) -> None:
    client = logged_in(alice_worker)
    response = client.post(reverse("coding:suggestions_train", args=[casework.pk]))
    assert response.status_code == 400
    assert "not enough coded text" in response.content.decode()


def test_the_pages_are_not_found_for_a_researcher_on_casework(
    rita_researcher: User, casework: Project, interviews: list[Transcript]
) -> None:
    client = logged_in(rita_researcher)
    for url in (
        reverse("coding:autocode", args=[casework.pk]),
        reverse("coding:suggestions", args=[casework.pk]),
        reverse("coding:transcript_suggestions", args=[interviews[0].pk]),
    ):
        assert client.get(url).status_code == 404, url
