"""`buoy score`: batch scoring of a CSV file without a database.

The function is tested in-process; the command through `python -m buoy score` in a
subprocess, as a user runs it. Memory is checked with tracemalloc (the peak while scoring),
never with timings.
"""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from buoy.bench import scoring
from buoy.instruments.domain.batch import BatchError, limits, score_csv, score_text
from buoy.instruments.domain.batch.plan import Plan
from buoy.instruments.domain.definition import (
    Instrument,
    instrument_from_dict,
    instrument_to_dict,
)
from buoy.instruments.domain.library import bundled_instrument
from buoy.instruments.domain.scoring import format_number, score

HEADER = "id," + ",".join(f"item{k}" for k in range(1, 11))


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def expected_row(instrument: Instrument, row: dict[str, str]) -> dict[str, str]:
    """What batch scoring must write for `row`, from scoring.score() (the general rules)."""
    item_ids = {item.id for item in instrument.items}
    result = score(instrument, {k: v for k, v in row.items() if k in item_ids})
    out = {k: v for k, v in row.items() if k not in item_ids}

    def shown(value: float | None) -> str:
        return "" if value is None else format_number(value)

    out["total"] = shown(result.total)
    out.update({f"subscale_{k}": shown(v) for k, v in result.subscales.items()})
    out.update({f"profile_{k}": shown(v) for k, v in result.profiles.items()})
    out["status"] = result.status
    out["error"] = result.error
    if instrument.safety_rules:
        out["alerts"] = ";".join(rule.id for rule in result.alerts)
    return out


# --- the function ------------------------------------------------------------------------------


def test_output_has_the_id_the_other_columns_then_total_profiles_status_and_error() -> None:
    text = f"{HEADER},ward,visit\nA,3,2,2,3,2,3,2,1,0,4,w1,pre\n"
    out = score_text(bundled_instrument("cdrisc10"), text)
    assert out.splitlines() == [
        "id,ward,visit,total,profile_adapt,profile_overcome,profile_feelings,status,error",
        "A,w1,pre,22,2.3333333333333335,1.3333333333333333,2.75,valid,",
    ]


def test_blank_cells_are_missing_answers_and_seven_of_ten_is_prorated() -> None:
    out = score_text(bundled_instrument("cdrisc10"), f"{HEADER}\nA,3,2,2,3,2,3,2,,,\n")
    (row,) = rows_of(out)
    assert row["status"] == "prorated"
    assert float(row["total"]) == pytest.approx(17 / 7 * 10)
    assert row["profile_overcome"] == "3"


def test_invalid_rows_say_which_items_and_why_and_the_file_goes_on() -> None:
    text = f"{HEADER}\nA,2,2,2,2,2,2,,,,\nB,5,2,2,2,2,2,2,2,2,x\nC,1,1,1,1,1,1,1,1,1,1\n"
    rows = rows_of(score_text(bundled_instrument("cdrisc10"), text))
    assert [r["status"] for r in rows] == ["invalid", "invalid", "valid"]
    assert rows[0]["error"] == (
        "6 of 10 items answered; at least 7 needed (missing: item7, item8, item9, item10)"
    )
    assert rows[1]["error"] == "item1: 5 is out of range (0–4); item10: 'x' is not a number"
    assert rows[0]["total"] == rows[0]["profile_adapt"] == ""
    assert rows[2]["total"] == "10"


def test_a_row_with_too_many_or_too_few_fields_is_an_invalid_row() -> None:
    text = f"{HEADER},ward\nA,1,1,1,1,1,1,1,1,1,1,w,extra\nB,1,1\n"
    rows = rows_of(score_text(bundled_instrument("cdrisc10"), text))
    assert [r["error"] for r in rows] == [
        "the row has 13 fields; the header has 12",
        "the row has 3 fields; the header has 12",
    ]
    assert rows[1]["id"] == "B"


def test_blank_lines_are_skipped() -> None:
    text = f"{HEADER}\n\nA,1,1,1,1,1,1,1,1,1,1\n\n"
    summary = score_csv(bundled_instrument("cdrisc10"), io.StringIO(text), io.StringIO())
    assert (summary.rows, summary.valid) == (1, 1)


def test_quoted_fields_with_commas_and_line_breaks_pass_through_intact() -> None:
    text = (
        f'{HEADER},note\n"A, the first",1,1,1,1,1,1,1,1,1,1,"two\nlines, ""quoted"""\n'
        "B,2,2,2,2,2,2,2,2,2,2,plain\n"
    )
    rows = rows_of(score_text(bundled_instrument("cdrisc10"), text))
    assert [(r["id"], r["note"], r["total"]) for r in rows] == [
        ("A, the first", 'two\nlines, "quoted"', "10"),
        ("B", "plain", "20"),
    ]


def test_windows_line_ends_and_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\r\nA,1,1,1,1,1,1,1,1,1,1\r\n".encode())
    out = tmp_path / "out.csv"
    assert run_cli("cdrisc10", str(path), "-o", str(out)).returncode == 0
    (row,) = rows_of(out.read_text(encoding="utf-8"))
    assert (row["id"], row["total"]) == ("A", "10")


def test_the_id_column_may_be_named_and_comes_first() -> None:
    text = "ward,item1,item2,item3,item4,item5,item6,item7,item8,item9,item10,record\n"
    text += "w1,1,1,1,1,1,1,1,1,1,1,r7\n"
    out = score_text(bundled_instrument("cdrisc10"), text, id_column="record")
    assert out.splitlines()[0].startswith("record,ward,total,")
    assert out.splitlines()[1].startswith("r7,w1,10,")


def test_json_output_is_one_object_per_line_with_numbers_and_nulls() -> None:
    text = f"{HEADER}\nA,3,2,2,3,2,3,2,,,\nB,1,,,,,,,,,\n"
    lines = score_text(bundled_instrument("cdrisc10"), text, fmt="json").splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["total"] == pytest.approx(24.285714285714285)
    assert first["profile_overcome"] == 3
    assert first["status"] == "prorated"
    assert (second["total"], second["profile_adapt"], second["status"]) == (None, None, "invalid")


def test_phq9_output_has_an_alerts_column() -> None:
    header = "id," + ",".join(f"item{k}" for k in range(1, 10))
    out = score_text(bundled_instrument("phq9"), f"{header}\nA,0,0,0,0,0,0,0,0,2\n")
    (row,) = rows_of(out)
    assert (row["total"], row["alerts"]) == ("2", "item9_self_harm")


def test_mspss_output_has_its_subscales() -> None:
    header = "id," + ",".join(f"item{k}" for k in range(1, 13))
    out = score_text(bundled_instrument("mspss"), f"{header}\nA,7,6,5,4,7,3,2,4,1,6,5,2\n")
    (row,) = rows_of(out)
    assert (row["subscale_significant_other"], row["subscale_family"]) == ("6.5", "4.5")
    assert row["subscale_friends"] == "2"


@pytest.mark.parametrize(
    "instrument_id", ["cdrisc10", "brs", "phq9", "who5", "mspss", "csi", "pedsql_fim"]
)
def test_every_row_is_scored_as_the_scoring_rules_say(instrument_id: str) -> None:
    """The batch's tables and the general rules agree, row by row, on messy answers."""
    instrument = bundled_instrument(instrument_id)
    rng = random.Random(instrument_id)
    values: list[str] = []
    for response_set in instrument.response_sets.values():
        values += [str(o.value) for o in response_set.options]
    odd = ["", "", "", " 1", "1.0", "9", "-1", "x", "2.5"]
    names = [item.id for item in instrument.items]
    lines = ["id," + ",".join(names) + ",site"]
    for number in range(1200):
        draw = rng.random()
        cells = [rng.choice(values) for _ in names]
        if draw < 0.3:
            for k in rng.sample(range(len(names)), rng.randint(1, len(names))):
                cells[k] = ""
        elif draw < 0.4:
            cells[rng.randrange(len(names))] = rng.choice(odd)
        lines.append(f"r{number}," + ",".join(cells) + f",s{number % 3}")
    text = "\n".join(lines) + "\n"
    got = rows_of(score_text(instrument, text))
    expected = [expected_row(instrument, row) for row in rows_of(text)]
    assert got == expected
    statuses = {row["status"] for row in got}
    assert statuses >= {"valid", "invalid"}


def test_a_definition_with_fractional_weights_is_scored_the_general_way() -> None:
    data = instrument_to_dict(bundled_instrument("cdrisc10"))
    data["items"][0]["weight"] = 0.5
    data["total"] = {"method": "weighted_sum", "items": [f"item{k}" for k in range(1, 11)]}
    instrument = instrument_from_dict(data)
    (row,) = rows_of(score_text(instrument, f"{HEADER}\nA,4,1,1,1,1,1,1,1,1,1\n"))
    assert row["total"] == "11"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "the file is empty (no header row)"),
        ("id,item1,item2\n", "missing item columns item3, item4, item5"),
        (f"{HEADER},item1\n", "the column 'item1' appears twice"),
        (HEADER.removeprefix("id,") + ",id\n", "the first column, 'item1', is an item"),
        (f"{HEADER},total\n", "the input already has a column named 'total'"),
        ('{"id": 1, "item1": 2}\n', "missing item columns"),
    ],
)
def test_a_file_that_cannot_be_read_as_the_instrument_is_refused(text: str, reason: str) -> None:
    with pytest.raises(BatchError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        score_text(bundled_instrument("cdrisc10"), text)


def test_an_unknown_id_column_is_refused() -> None:
    with pytest.raises(BatchError, match="no column named 'record' for --id-column"):
        score_text(bundled_instrument("cdrisc10"), f"{HEADER}\n", id_column="record")


# --- memory ------------------------------------------------------------------------------------


def _answers_file(path: Path, rows: int) -> None:
    """`rows` rows drawn in turn from 1,000 answer patterns (10 % with a blank)."""
    rng = random.Random(1)
    patterns = []
    for _ in range(1_000):
        cells = [str(rng.randrange(5)) for _ in range(10)]
        if rng.random() < 0.1:
            cells[rng.randrange(10)] = ""
        patterns.append(",".join(cells))
    with path.open("w", encoding="utf-8") as handle:
        handle.write(f"{HEADER},ward\n")
        for number in range(rows):
            handle.write(f"cg{number:07d},{patterns[number % 1_000]},ward-a\n")


def _peak_while_scoring(source: Path, sink: Path) -> int:
    instrument = bundled_instrument("cdrisc10")  # loaded before measuring
    with (
        source.open(encoding="utf-8", newline="") as reader,
        sink.open("w", encoding="utf-8", newline="") as writer,
    ):
        tracemalloc.start()
        try:
            summary = score_csv(instrument, reader, writer)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert summary.rows > 0
    return peak


def test_memory_does_not_grow_with_the_number_of_rows(tmp_path: Path) -> None:
    small, large = tmp_path / "5k.csv", tmp_path / "50k.csv"
    _answers_file(small, 5_000)
    _answers_file(large, 50_000)
    peak_small = _peak_while_scoring(small, tmp_path / "out-small.csv")
    peak_large = _peak_while_scoring(large, tmp_path / "out-large.csv")
    # ten times the rows, the same peak: one batch of lines and the lookup tables, whose
    # size depends on the instrument, not on the file
    assert peak_large < 1.25 * peak_small, (peak_small, peak_large)
    assert peak_large < 8 * 1024 * 1024, peak_large


def _spy_on_plans(monkeypatch: pytest.MonkeyPatch) -> list[Plan]:
    """The plans `score_csv` builds, to look at their tables afterwards."""
    plans: list[Plan] = []
    original = Plan.__init__

    def spy(self: Plan, *args: Any) -> None:
        original(self, *args)
        plans.append(self)

    monkeypatch.setattr(Plan, "__init__", spy)
    return plans


def _assert_tables_within(plan: Plan, limit: int) -> None:
    tables: list[Any] = [
        plan.csv_tails,
        plan.outcomes,
        plan.total_statuses,
        plan.alert_texts,
        plan.invalid_tails,
        plan.refused_tails,
        plan.refusals,
        *plan.scale_texts,
    ]
    assert all(len(table) <= limit for table in tables), [len(table) for table in tables]


def test_the_lookup_tables_stay_within_their_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the variety of answers, no table grows past TABLE_LIMIT; results stay right."""
    monkeypatch.setattr(limits, "TABLE_LIMIT", 50)
    plans = _spy_on_plans(monkeypatch)
    rng = random.Random(3)
    values = ["0", "1", "2", "3", "4", "", "1.0", "2.0", "3.0"]
    lines = [HEADER] + [
        f"r{n}," + ",".join(rng.choice(values) for _ in range(10)) for n in range(2_000)
    ]
    text = "\n".join(lines) + "\n"
    instrument = bundled_instrument("cdrisc10")
    got = rows_of(score_text(instrument, text))
    assert got == [expected_row(instrument, row) for row in rows_of(text)]
    (plan,) = plans
    _assert_tables_within(plan, 50)


def expected_text(instrument: Instrument, text: str) -> str:
    """The whole output `score_text` must give, byte for byte, from scoring.score() (the
    general rules) row by row: ragged rows say so, blank lines are skipped."""
    records = list(csv.reader(io.StringIO(text, newline="")))
    header, rows = records[0], records[1:]
    item_ids = {item.id for item in instrument.items}
    passthrough = [k for k, name in enumerate(header) if name not in item_ids]
    numbers = 1 + len(instrument.subscales) + len(instrument.item_groups)
    alerts = [""] if instrument.safety_rules else []
    sink = io.StringIO()
    writer = csv.writer(sink, lineterminator="\n")
    writer.writerow(
        [header[k] for k in passthrough]
        + ["total"]
        + [f"subscale_{rule.id}" for rule in instrument.subscales]
        + [f"profile_{group.id}" for group in instrument.item_groups]
        + ["status", "error"]
        + (["alerts"] if alerts else [])
    )
    for row in rows:
        if row in ([], [""]):
            continue
        if len(row) != len(header):
            values = [row[k] if k < len(row) else "" for k in passthrough]
            error = f"the row has {len(row)} fields; the header has {len(header)}"
            writer.writerow(values + [""] * numbers + ["invalid", error] + alerts)
            continue
        writer.writerow(expected_row(instrument, dict(zip(header, row, strict=True))).values())
    return sink.getvalue()


def _messy_file(
    instrument: Instrument,
    rows: int,
    *,
    seed: int,
    after: int = 1,
    line_end: str = "\n",
    blank_share: float = 0.3,
    refused: tuple[str, ...] = ("5", "7", "-1", "x", "2.5", "99"),
) -> str:
    """The usual layout (id, the items, `after` other columns) with blanks of every pattern,
    refused answers (several in a row), odd spellings, ragged rows and blank lines."""
    rng = random.Random(seed)
    names = [item.id for item in instrument.items]
    values: list[str] = []
    for response_set in instrument.response_sets.values():
        values += [str(o.value) for o in response_set.options]
    extra = [f"x{k}" for k in range(after)]
    lines = ["id," + ",".join(names + extra)]
    for number in range(rows):
        cells = [rng.choice(values) for _ in names]
        draw = rng.random()
        if draw < blank_share:
            for k in rng.sample(range(len(names)), rng.randint(1, len(names))):
                cells[k] = ""
        elif draw < blank_share + 0.05:
            for k in rng.sample(range(len(names)), rng.randint(1, 3)):
                cells[k] = rng.choice(refused)
        elif draw < blank_share + 0.06:
            cells[rng.randrange(len(names))] = rng.choice([" 1", "1.0", ""])
        others = [rng.choice(["", f"w{number % 3}", "w_1"]) for _ in extra]
        line = f"r{number}," + ",".join(cells + others)
        if draw > 0.995:
            line += ",surplus"  # one field too many
        elif draw > 0.99:
            line = line.rsplit(",", 2)[0]  # two fields too few
        elif draw > 0.985:
            line = ""  # a blank line
        lines.append(line)
    return line_end.join(lines) + line_end


@pytest.mark.parametrize("instrument_id", ["cdrisc10", "phq9", "mspss", "csi"])
def test_many_blank_patterns_past_the_caps_give_the_general_rules_output(
    instrument_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Far more blank patterns and refused answers than the tables may keep: the rows past
    the caps are still written exactly as the general rules say, and no table grows."""
    monkeypatch.setattr(limits, "TABLE_LIMIT", 20)
    plans = _spy_on_plans(monkeypatch)
    instrument = bundled_instrument(instrument_id)
    text = _messy_file(instrument, 3_000, seed=len(instrument_id), blank_share=0.5)
    assert score_text(instrument, text) == expected_text(instrument, text)
    (plan,) = plans
    assert plan.fast, "the tables are used, not only the general way"
    _assert_tables_within(plan, 20)


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
@pytest.mark.parametrize("after", [0, 1, 2])
@pytest.mark.parametrize("instrument_id", ["cdrisc10", "phq9"])
def test_blank_and_refused_rows_over_several_batches_match_the_general_rules(
    instrument_id: str, after: int, line_end: str
) -> None:
    """Byte for byte, over more than one batch: any number of columns after the items,
    either line end, with and without a line end after the last row."""
    instrument = bundled_instrument(instrument_id)
    text = _messy_file(instrument, 2_500, seed=after, after=after, line_end=line_end)
    assert score_text(instrument, text) == expected_text(instrument, text)
    unterminated = text.removesuffix(line_end)
    assert score_text(instrument, unterminated) == expected_text(instrument, unterminated)


def test_an_invalid_row_names_its_own_missing_items_whatever_came_before() -> None:
    """Invalid rows are kept by their pattern of blanks, not by their sums: two rows with
    the same sums but different blanks get their own messages."""
    text = f"{HEADER}\nA,2,2,2,2,2,2,,,,\nB,,,,2,2,2,2,2,2,\nC,2,2,2,2,2,2,,,,\n"
    rows = rows_of(score_text(bundled_instrument("cdrisc10"), text))
    assert [r["error"].split("missing: ")[1] for r in rows] == [
        "item7, item8, item9, item10)",
        "item1, item2, item3, item10)",
        "item7, item8, item9, item10)",
    ]


def test_refused_answers_in_several_items_are_each_named_with_the_alerts_kept() -> None:
    header = "id," + ",".join(f"item{k}" for k in range(1, 10))
    text = f"{header}\nA,7,0,0,x,0,0,0,0,3\nB,7,0,0,x,0,0,0,0,0\nC, 1,0,0,9,0,0,0,0,3\n"
    instrument = bundled_instrument("phq9")
    assert score_text(instrument, text) == expected_text(instrument, text)
    first, second, third = rows_of(score_text(instrument, text))
    assert first["error"] == "item1: 7 is out of range (0–3); item4: 'x' is not a number"
    assert (first["alerts"], second["alerts"]) == ("item9_self_harm", "")
    assert third["error"] == "item4: 9 is out of range (0–3)"  # " 1" is accepted


# --- the command -------------------------------------------------------------------------------


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "buoy", "score", *args],
        capture_output=True,
        text=True,
        input=stdin,
        check=False,
        timeout=120,
    )


def test_the_command_exits_0_when_the_file_was_read_even_with_invalid_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "answers.csv"
    path.write_text(f"{HEADER}\nA,1,1,1,1,1,1,1,1,1,1\nB,9,,,,,,,,,\n", encoding="utf-8")
    done = run_cli("cdrisc10", str(path))
    assert done.returncode == 0, done.stderr
    rows = rows_of(done.stdout)
    assert [r["status"] for r in rows] == ["valid", "invalid"]
    assert done.stderr == "buoy score: scored 2 rows: 1 valid, 0 prorated, 1 invalid\n"


def test_the_command_reads_standard_input_and_writes_json(tmp_path: Path) -> None:
    done = run_cli("cdrisc10", "-", "--format", "json", stdin=f"{HEADER}\nA,4,4,4,4,4,4,4,4,4,4\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == 40


def test_the_command_takes_a_definition_file(tmp_path: Path) -> None:
    definition = tmp_path / "mine.json"
    data = instrument_to_dict(bundled_instrument("cdrisc10"))
    data["id"] = "mine"
    definition.write_text(json.dumps(data), encoding="utf-8")
    path = tmp_path / "answers.csv"
    path.write_text(f"{HEADER}\nA,1,1,1,1,1,1,1,1,1,1\n", encoding="utf-8")
    done = run_cli(str(definition), str(path))
    assert done.returncode == 0, done.stderr
    assert rows_of(done.stdout)[0]["total"] == "10"


def test_the_command_writes_the_output_file_only_when_the_input_was_read(tmp_path: Path) -> None:
    good, bad, out = tmp_path / "good.csv", tmp_path / "bad.csv", tmp_path / "out.csv"
    good.write_text(f"{HEADER}\nA,1,1,1,1,1,1,1,1,1,1\n", encoding="utf-8")
    bad.write_bytes(f"{HEADER}\nA,1,1,1,1,1,1,1,1,1,1\n".encode() + b"B,\xff\xfe,1\n" * 3000)
    assert run_cli("cdrisc10", str(good), "-o", str(out)).returncode == 0
    assert rows_of(out.read_text(encoding="utf-8"))[0]["total"] == "10"
    out.unlink()
    done = run_cli("cdrisc10", str(bad), "-o", str(out))
    assert done.returncode == 2
    assert "not UTF-8 text" in done.stderr
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["bad.csv", "good.csv"], "no output file and no temporary file left behind"


def _write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("nope", "FILE"), "no bundled instrument 'nope' (bundled: brs, cdrisc10,"),
        (("cdrisc10", "MISSINGCOLS"), "not a CSV of cdrisc10 answers: missing item columns"),
        (("cdrisc10", "BINARY"), "is not a CSV file (it looks binary)"),
        (("cdrisc10", "LATIN1"), "the file is not UTF-8 text"),
        (("cdrisc10", "EMPTY"), "the file is empty (no header row)"),
        (("cdrisc10", "ABSENT"), "cannot read"),
        (("pedsql_fim", "FILE"), "missing item columns pf1, pf2, pf3"),
        (("cdrisc10", "FILE", "--id-column", "nope"), "no column named 'nope'"),
    ],
)
def test_the_command_exits_2_with_a_one_line_reason(
    tmp_path: Path, args: tuple[str, ...], reason: str
) -> None:
    files = {
        "FILE": _write(tmp_path, "a.csv", f"{HEADER}\nA,1,1,1,1,1,1,1,1,1,1\n".encode()),
        "MISSINGCOLS": _write(tmp_path, "m.csv", b"id,item1,item2\nA,1,1\n"),
        "BINARY": _write(tmp_path, "b.csv", b"PK\x03\x04\x00\x00\x08\x00" * 50),
        "LATIN1": _write(tmp_path, "l.csv", f"{HEADER},n\u00e9e\n".encode("latin-1")),
        "EMPTY": _write(tmp_path, "e.csv", b""),
        "ABSENT": str(tmp_path / "absent.csv"),
    }
    done = run_cli(*(files.get(arg, arg) for arg in args))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("buoy score: ")
    assert reason in done.stderr
    assert "Traceback" not in done.stderr


# --- the benchmark -----------------------------------------------------------------------------


def test_the_scoring_benchmark_runs_end_to_end_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(scoring, "SCORING_REPEATS", 1)
    assert scoring.run_scoring_benchmark(rows=2_000) == 0
    out = capsys.readouterr().out
    assert "buoy score cdrisc10 (whole process)" in out
    assert "scored 2,000 rows" in out
    assert "floor" in out
    assert list(tmp_path.iterdir()) == []
