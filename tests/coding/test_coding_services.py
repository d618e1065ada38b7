"""Transcripts, coding, undo, memos, the codebook and queries through the services, on the
real database, with the personas of tests/conftest.py.
"""

from __future__ import annotations

import pytest

from buoy.audit.models import AuditEvent
from buoy.coding import selectors, services
from buoy.coding.models import Code, CodedSegment, Memo, Transcript
from buoy.core.errors import Forbidden, InvalidInput, NotFound

pytestmark = pytest.mark.django_db


def code(project, label: str) -> Code:
    return project.codes.get(label=label)


def span(transcript: Transcript, words: str) -> tuple[int, int]:
    start = transcript.text.index(words)
    return start, start + len(words)


def test_casework_project_starts_with_the_46_codes_of_the_shipped_codebook(casework) -> None:
    assert casework.codes.filter(codable=True).count() == 46
    parent = code(casework, "P-IND-01").parent
    assert parent is not None
    assert parent.label == "P-IND"
    assert code(casework, "P-IND-01").name_zh
    assert services.casework_project().pk == casework.pk


def test_import_detects_gb18030_finds_turns_and_indexes_passages(
    alice_worker, alice_case, casework, interview_text
) -> None:
    transcript = services.import_transcript(
        actor=alice_worker,
        project=casework,
        filename="interview.txt",
        data=interview_text.encode("gb18030"),
        case=alice_case,
        title="Intake interview",
    )
    assert transcript.source_encoding == "gb18030"
    assert transcript.text.strip() == interview_text.strip()
    assert transcript.length == len(transcript.text)
    speakers = list(transcript.turns.values_list("speaker", flat=True))
    assert speakers == ["社工", "妈妈", "社工", "妈妈"]
    assert transcript.passages.count() >= 4
    assert any("化疗" in p.words.split() for p in transcript.passages.all())
    assert AuditEvent.objects.filter(action="coding.transcript.imported").count() == 1


def test_a_file_that_cannot_be_read_saves_nothing(alice_worker, alice_case, casework) -> None:
    with pytest.raises(InvalidInput, match=r"broken\.docx"):
        services.import_transcript(
            actor=alice_worker,
            project=casework,
            filename="broken.docx",
            data=b"PK\x03\x04 not really a zip",
            case=alice_case,
        )
    assert Transcript.objects.count() == 0


def test_a_worker_cannot_attach_a_transcript_to_another_wards_case(
    dan_other_ward, alice_case, casework
) -> None:
    with pytest.raises(NotFound):
        services.import_transcript(
            actor=dan_other_ward, project=casework, filename="x.txt", data=b"hello", case=alice_case
        )


def test_apply_several_codes_overlapping_and_undo(alice_worker, transcript, casework) -> None:
    start, end = span(transcript, "我每天记下医生说的话")
    applied = services.apply_codes(
        actor=alice_worker,
        transcript=transcript,
        code_ids=[code(casework, "P-IND-01").pk, code(casework, "P-IND-05").pk],
        start=start,
        end=end,
    )
    assert [s.code.label for s in applied] == ["P-IND-01", "P-IND-05"]
    overlap_start, overlap_end = span(transcript, "医生说的话，我相信她会好起来")
    services.apply_codes(
        actor=alice_worker,
        transcript=transcript,
        code_ids=[code(casework, "P-IND-02").pk],
        start=overlap_start,
        end=overlap_end,
    )
    assert selectors.segments_in(transcript).count() == 3
    services.undo_last(actor=alice_worker, project=casework)
    assert selectors.segments_in(transcript).count() == 2
    services.undo_last(actor=alice_worker, project=casework)
    assert selectors.segments_in(transcript).count() == 0
    # nothing is lost: the rows remain, marked removed
    assert CodedSegment.objects.count() == 3
    assert services.undo_last(actor=alice_worker, project=casework) is None


def test_removing_a_segment_can_be_undone(alice_worker, transcript, casework) -> None:
    (segment,) = services.apply_codes(
        actor=alice_worker,
        transcript=transcript,
        code_ids=[code(casework, "R-ECO-01").pk],
        start=0,
        end=5,
    )
    services.remove_segment(actor=alice_worker, segment=segment)
    assert selectors.segments_in(transcript).count() == 0
    services.undo_last(actor=alice_worker, project=casework)
    assert list(selectors.segments_in(transcript)) == [segment]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(-1, 4, "outside"), (5, 5, "outside"), (0, 10_000, "outside"), ("a", 3, "whole numbers")],
)
def test_invalid_offsets_are_refused_and_nothing_is_saved(
    alice_worker, transcript, casework, start, end, message
) -> None:
    with pytest.raises(InvalidInput, match=message):
        services.apply_codes(
            actor=alice_worker,
            transcript=transcript,
            code_ids=[code(casework, "P-IND-01").pk],
            start=start,
            end=end,
        )
    assert CodedSegment.objects.count() == 0


def test_categories_are_not_applied(alice_worker, transcript, casework) -> None:
    with pytest.raises(InvalidInput, match="category"):
        services.apply_codes(
            actor=alice_worker,
            transcript=transcript,
            code_ids=[code(casework, "P-IND").pk],
            start=0,
            end=3,
        )


def test_transcripts_follow_case_access(personas, transcript) -> None:
    visible = {
        name: selectors.transcripts_visible_to(user).filter(pk=transcript.pk).exists()
        for name, user in personas.items()
    }
    assert visible == {
        "alice_worker": True,
        "bob_same_team": False,
        "carol_supervisor": True,
        "dan_other_ward": False,
        "rita_researcher": False,
        "adam_admin": False,
    }
    with pytest.raises(NotFound):
        selectors.get_transcript_for(personas["bob_same_team"], transcript.pk)
    selectors.get_transcript_for(personas["carol_supervisor"], transcript.pk)
    assert AuditEvent.objects.filter(
        action="coding.transcript.viewed", actor=personas["carol_supervisor"]
    ).exists()


def test_an_administrator_does_not_code(adam_admin, transcript, casework) -> None:
    with pytest.raises(Forbidden):
        services.apply_codes(
            actor=adam_admin,
            transcript=transcript,
            code_ids=[code(casework, "P-IND-01").pk],
            start=0,
            end=3,
        )


def test_researchers_work_only_in_their_projects_and_never_on_identifiable_text(
    rita_researcher, alice_worker, transcript
) -> None:
    study = services.start_project(actor=rita_researcher, name="Resilience study")
    assert study.codes.filter(codable=True).count() == 46
    assert not selectors.transcripts_visible_to(rita_researcher).exists()
    pasted = services.import_transcript(
        actor=rita_researcher,
        project=study,
        filename="",
        pasted="Interviewer: How are you?\nMother: Tired, but we manage.",
    )
    assert list(selectors.transcripts_visible_to(rita_researcher)) == [pasted]
    with pytest.raises(NotFound):
        services.apply_codes(
            actor=alice_worker,
            transcript=pasted,
            code_ids=[study.codes.get(label="P-IND-07").pk],
            start=0,
            end=5,
        )


def test_memos_on_each_kind_of_target_and_revision_keeps_the_old_text(
    alice_worker, alice_case, transcript, casework
) -> None:
    (segment,) = services.apply_codes(
        actor=alice_worker,
        transcript=transcript,
        code_ids=[code(casework, "P-FAM-04").pk],
        start=0,
        end=4,
    )
    on_segment = services.write_memo(
        actor=alice_worker, project=casework, text="grandmother", segment=segment
    )
    services.write_memo(actor=alice_worker, project=casework, text="a code", code=segment.code)
    services.write_memo(actor=alice_worker, project=casework, text="doc", transcript=transcript)
    services.write_memo(actor=alice_worker, project=casework, text="case", case=alice_case)
    services.write_memo(actor=alice_worker, project=casework, text="whole project")
    revised = services.write_memo(
        actor=alice_worker, project=casework, text="grandmother, twice a week", replaces=on_segment
    )
    assert revised.segment == segment
    assert Memo.objects.count() == 6
    assert selectors.memos_visible_to(alice_worker, casework).count() == 5
    with pytest.raises(InvalidInput):
        services.write_memo(
            actor=alice_worker, project=casework, text="x", segment=segment, transcript=transcript
        )


def test_counts_roll_up_to_parents_and_merge_and_move_keep_history(
    alice_worker, carol_supervisor, transcript, casework
) -> None:
    for label in ("P-IND-01", "P-IND-02", "P-IND-02"):
        services.apply_codes(
            actor=alice_worker,
            transcript=transcript,
            code_ids=[code(casework, label).pk],
            start=0,
            end=3,
        )
    counts = selectors.code_counts(casework)
    assert counts[code(casework, "P-IND-02").pk] == (2, 2)
    assert counts[code(casework, "P-IND").pk] == (0, 3)
    assert counts[code(casework, "P").pk] == (0, 3)

    with pytest.raises(Forbidden):  # workers code; supervisors keep the department codebook
        services.merge_codes(
            actor=alice_worker, merged=code(casework, "P-IND-02"), into=code(casework, "P-IND-01")
        )
    version = casework.codebook_version
    services.merge_codes(
        actor=carol_supervisor, merged=code(casework, "P-IND-02"), into=code(casework, "P-IND-01")
    )
    casework.refresh_from_db()
    assert casework.codebook_version == version + 1
    hits = selectors.run_code_query(alice_worker, casework, "P-IND-01")
    assert [(h.start, h.end) for h in hits] == [(0, 3)]
    assert CodedSegment.objects.filter(code__label="P-IND-02").count() == 2  # not rewritten

    with pytest.raises(InvalidInput, match="under itself"):
        services.move_code(
            actor=carol_supervisor, code=code(casework, "P"), new_parent=code(casework, "P-IND")
        )
    services.move_code(
        actor=carol_supervisor, code=code(casework, "P-IND-01"), new_parent=code(casework, "P-FAM")
    )
    assert selectors.code_counts(casework)[code(casework, "P-FAM").pk][1] == 3


def test_split_moves_segments_to_new_child_codes(
    alice_worker, carol_supervisor, transcript, casework
) -> None:
    hope = code(casework, "P-IND-02")
    first, second = (
        services.apply_codes(
            actor=alice_worker, transcript=transcript, code_ids=[hope.pk], start=s, end=s + 2
        )[0]
        for s in (0, 10)
    )
    children = services.split_code(
        actor=carol_supervisor,
        code=hope,
        new_names=["Hope for cure", "Hope for the day"],
        assignments={first.pk: 0, second.pk: 1},
    )
    assert [c.parent_id for c in children] == [hope.pk, hope.pk]
    assert list(selectors.segments_in(transcript).values_list("code__name_en", flat=True)) == [
        "Hope for cure",
        "Hope for the day",
    ]


def test_queries_combine_codes_with_and_or_not_and_filter_by_attributes(
    alice_worker, transcript, casework
) -> None:
    def apply(label: str, words: str) -> None:
        start, end = span(transcript, words)
        services.apply_codes(
            actor=alice_worker,
            transcript=transcript,
            code_ids=[code(casework, label).pk],
            start=start,
            end=end,
        )

    apply("P-FAM-04", "奶奶来照顾小女儿")
    apply("R-ECO-01", "我们借了三十万")
    apply("R-IND-02", "压力很大")
    apply("P-IND-01", "我每天记下医生说的话")

    def texts(query: str, **filters) -> list[str]:
        found = selectors.run_code_query(
            alice_worker, casework, query, selectors.SegmentFilter(**filters)
        )
        return [hit.text for hit in found]

    assert texts("R-ECO-01 OR R-IND-02") == ["我们借了三十万", "压力很大"]
    assert texts('"Risk factors" NOT R-IND-02') == ["我们借了三十万"]
    assert texts("P-FAM AND R-ECO-01") == []
    assert texts("P-IND-01", diagnoses=("C91",)) == ["我每天记下医生说的话"]
    assert texts("P-IND-01", diagnoses=("Q21",)) == []
    assert texts("P-IND-01", relationships=("father",)) == []
    assert texts("P-IND-01", coders=("alice_worker",)) == ["我每天记下医生说的话"]
    with pytest.raises(InvalidInput, match="No code called"):
        texts("NO-SUCH-CODE")
    with pytest.raises(InvalidInput, match="not closed"):
        texts("(P-IND-01 OR R-ECO-01")


def test_frequency_cooccurrence_and_codes_by_cases_tables(
    alice_worker, rita_researcher, alice_case, transcript, casework
) -> None:
    for label, words in [("R-ECO-01", "我们借了三十万，压力很大"), ("R-IND-02", "压力很大")]:
        start, end = span(transcript, words)
        services.apply_codes(
            actor=alice_worker,
            transcript=transcript,
            code_ids=[code(casework, label).pk],
            start=start,
            end=end,
        )
    by_case = selectors.codes_by_cases(alice_worker, casework)
    assert by_case.headers[1] == alice_case.reference
    rows = {row[0]: row[1:] for row in by_case.rows}
    assert rows[str(code(casework, "R-ECO-01"))] == [1, 1]
    assert rows[str(code(casework, "R"))] == [2, 2]
    by_coder = selectors.code_frequency(alice_worker, casework, "coder")
    assert by_coder.headers[1] == "alice_worker"
    matrix = selectors.co_occurrence_table(alice_worker, casework)
    eco, ind = str(code(casework, "R-ECO-01")), str(code(casework, "R-IND-02"))
    cells = {row[0]: dict(zip(matrix.headers[1:], row[1:], strict=True)) for row in matrix.rows}
    assert cells[eco][ind] == 1
    assert cells[ind][eco] == 1
    drill = selectors.co_occurring_text(
        alice_worker, casework, code(casework, "R-ECO-01"), code(casework, "R-IND-02")
    )
    assert [hit.text for hit in drill] == ["压力很大"]
    with pytest.raises(InvalidInput):
        selectors.code_frequency(alice_worker, casework, "colour")


def test_agreement_inputs_use_only_transcripts_both_coders_coded(
    alice_worker, carol_supervisor, alice_case, transcript, casework
) -> None:
    other = services.import_transcript(
        actor=alice_worker,
        project=casework,
        filename="b.txt",
        data=b"Only Alice coded this.",
        case=alice_case,
    )
    p1 = code(casework, "P-IND-01").pk
    services.apply_codes(actor=alice_worker, transcript=transcript, code_ids=[p1], start=0, end=10)
    services.apply_codes(actor=alice_worker, transcript=other, code_ids=[p1], start=0, end=4)
    services.apply_codes(
        actor=carol_supervisor, transcript=transcript, code_ids=[p1], start=5, end=10
    )
    inputs = selectors.agreement_inputs(casework, alice_worker, carol_supervisor)
    assert inputs.lengths == {str(transcript.pk): transcript.length}
    assert [(c.start, c.end) for c in inputs.first] == [(0, 10)]
    assert [(c.start, c.end) for c in inputs.second] == [(5, 10)]


def test_search_finds_chinese_words_only_in_transcripts_the_user_may_read(
    alice_worker, bob_same_team, transcript
) -> None:
    hits = selectors.search_transcripts(alice_worker, "化疗")
    assert len(hits) == 1
    assert hits[0].transcript_id == transcript.pk
    assert "".join(text for text, match in hits[0].pieces if match) == "化疗"
    assert hits[0].text == transcript.text[hits[0].start : hits[0].end]
    assert selectors.search_transcripts(alice_worker, "奶奶 借了")[0].text.startswith("妈妈：奶奶")
    assert selectors.search_transcripts(alice_worker, "化疗 奶奶") == []
    assert selectors.search_transcripts(bob_same_team, "化疗") == []
    assert selectors.search_transcripts(alice_worker, '" OR NEAR(') == []
    assert AuditEvent.objects.filter(action="coding.search.run", actor=alice_worker).count() == 4


def test_the_one_transcript_rule_agrees_with_the_list_rule_for_every_persona(
    personas, alice_worker, rita_researcher, alice_case, transcript
) -> None:
    study = services.start_project(actor=rita_researcher, name="Agreement of rules")
    services.add_member(actor=rita_researcher, project=study, user=personas["bob_same_team"])
    caseless = services.import_transcript(
        actor=rita_researcher, project=study, filename="", pasted="Mother: fine."
    )
    copy = Transcript.objects.create(
        project=study,
        case=alice_case,
        title="copy",
        text="x",
        length=1,
        source_format="redacted",
        is_deidentified=True,
        deidentified_from=transcript,
    )
    for name, user in personas.items():
        listed = set(selectors.transcripts_visible_to(user))
        for one in (transcript, caseless, copy):
            assert selectors.may_read_transcript(user, one) == (one in listed), (name, one.title)
