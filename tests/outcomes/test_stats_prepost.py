"""`buoy stats prepost` through the real command line, on the worked example and on bad
files: exit 2 with one line, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from scipy import stats  # type: ignore[import-untyped]  # no type hints

from buoy.cli import main
from buoy.outcomes.commands.prepost import JSON_KEYS
from tests.shared_files import REPOSITORY

PRE = [18, 22, 25, 20, 27, 15, 23, 19]
POST = [25, 26, 27, 25, 26, 24, 29, 22]
ISSUE_KEYS = [
    "n",
    "mean_pre",
    "sd_pre",
    "mean_post",
    "sd_post",
    "mean_diff",
    "sd_diff",
    "t",
    "df",
    "p_t",
    "ci95_diff",
    "d_z",
    "d_av",
    "g_av",
    "wilcoxon_stat",
    "p_wilcoxon",
    "rci_sd",
    "rci_reliability",
    "rci",
    "reliable_improved",
    "reliable_deteriorated",
]


def _csv(tmp_path, text, name="scores.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _example(tmp_path, extra_rows=""):
    rows = "".join(f"c{i + 1},{a},{b}\n" for i, (a, b) in enumerate(zip(PRE, POST, strict=True)))
    return _csv(tmp_path, "caregiver,before,after\n" + rows + extra_rows)


def _run(capsys, *argv):
    code = main(["stats", "prepost", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_has_exactly_the_issues_keys_and_the_worked_example(tmp_path, capsys):
    path = _example(tmp_path)
    code, out, err = _run(capsys, path, "--pre", "before", "--post", "after", "--json")
    assert code == 0
    assert err == ""
    data = json.loads(out)
    assert list(data) == ISSUE_KEYS
    assert list(JSON_KEYS) == ISSUE_KEYS
    assert data["n"] == 8
    assert data["df"] == 7
    assert data["mean_diff"] == pytest.approx(4.375)
    assert data["sd_diff"] == pytest.approx(3.1139, abs=1e-4)
    assert data["t"] == pytest.approx(3.9739, abs=1e-4)
    assert data["p_t"] == pytest.approx(0.005365, abs=1e-6)
    assert data["ci95_diff"] == pytest.approx([1.7717, 6.9783], abs=1e-4)
    assert data["d_z"] == pytest.approx(1.4050, abs=1e-4)
    assert data["d_av"] == pytest.approx(1.4638, abs=1e-4)
    assert data["g_av"] == pytest.approx(1.3001, abs=1e-4)
    assert data["wilcoxon_stat"] == 1.0
    assert data["p_wilcoxon"] == 0.015625
    assert (data["rci_sd"], data["rci_reliability"]) == (5.7, 0.78)
    assert len(data["rci"]) == 8
    assert data["rci"][0] == pytest.approx(1.851, abs=5e-4)
    assert data["rci"][5] == pytest.approx(2.380, abs=5e-4)
    assert (data["reliable_improved"], data["reliable_deteriorated"]) == (1, 0)
    w = stats.wilcoxon(POST, PRE)
    assert data["p_wilcoxon"] == w.pvalue


def test_reference_choices(tmp_path, capsys):
    path = _example(tmp_path)
    _code, out, _err = _run(
        capsys, path, "--pre", "before", "--post", "after", "--reference", "us-community", "--json"
    )
    us = json.loads(out)
    assert (us["rci_sd"], us["rci_reliability"]) == (5.4, 0.85)
    assert us["reliable_improved"] == 3
    _code, out, _err = _run(
        capsys, path, "--pre", "before", "--post", "after", "--reference", "sample", "--json"
    )
    sample = json.loads(out)
    assert sample["rci_sd"] == pytest.approx(3.9074, abs=1e-4)
    assert sample["rci_reliability"] == 0.78
    _code, out, _err = _run(
        capsys, path, "--pre", "before", "--post", "after", "--lower-is-better", "--json"
    )
    assert (json.loads(out)["reliable_improved"], json.loads(out)["reliable_deteriorated"]) == (
        0,
        1,
    )


def test_rows_with_missing_or_non_numeric_values_are_left_out_and_reported(tmp_path, capsys):
    path = _example(tmp_path, "c9,,30\nc10,20,abc\nc11,nan,20\n\n")
    code, out, err = _run(
        capsys, path, "--pre", "before", "--post", "after", "--id", "caregiver", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["n"] == 8
    assert data["t"] == pytest.approx(3.9739, abs=1e-4)
    assert err.count("\n") == 1
    assert "left out 3 rows" in err
    assert "row 10, field 'before': empty" in err
    assert "row 11, field 'after': 'abc' is not a number" in err
    assert "row 12, field 'before'" in err


def test_text_output_names_the_reference_each_row_and_the_cautions(tmp_path, capsys):
    path = _example(tmp_path, "c9,,30\n")
    code, out, err = _run(capsys, path, "--pre", "before", "--post", "after", "--id", "caregiver")
    assert code == 0
    assert "8 complete pairs (1 row left out)" in out
    assert "paired t(7) = 3.97, p = 0.0054" in out
    assert "Chinese parents of children with cancer, SD 5.70" in out
    assert "more than 7.41 points is reliable" in out
    assert "c6: 15 -> 24  RCI +2.38  reliably improved" in out
    assert "c1: 18 -> 25  RCI +1.85  no reliable change" in out
    assert "control group" in out
    assert "fewer than 30" in out
    assert "left out 1 row" in err


@pytest.mark.parametrize(
    ("content", "argv", "expected"),
    [
        ("before,after\n18,25\n", [], "fewer than two complete pairs (1)"),
        ("before,after\n18,25\n20,\n", [], "row 3, field 'after': empty"),
        ("", [], "the file is empty (no header row)"),
        ("pre,after\n18,25\n", [], "no column before in the header (the columns: pre, after)"),
        ("before,after\n18,25,3\n20,22\n", [], "row 2: 3 fields, the header has 2"),
        (
            "id,before,after\na,18,25\nb,20,22\na,21,23\n",
            ["--id", "id"],
            "row 4, field 'id': 'a' repeats row 2",
        ),
        ("before,after\n10,12\n10,15\n", ["--reference", "sample"], "baseline scores that differ"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, content, argv, expected):
    path = _csv(tmp_path, content)
    code, out, err = _run(capsys, path, "--pre", "before", "--post", "after", *argv, "--json")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("buoy stats prepost: ")
    assert expected in err
    assert "Traceback" not in err


def test_a_missing_or_binary_file_exits_2(tmp_path, capsys):
    code, _out, err = _run(capsys, str(tmp_path / "nope.csv"), "--pre", "a", "--post", "b")
    assert code == 2
    assert "cannot read" in err
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"a,b\x00\x01\n")
    code, _out, err = _run(capsys, str(binary), "--pre", "a", "--post", "b")
    assert code == 2
    assert "binary" in err
    latin = tmp_path / "latin.csv"
    latin.write_bytes("a,b\n\xe9,1\n".encode("latin-1"))
    code, _out, err = _run(capsys, str(latin), "--pre", "a", "--post", "b")
    assert code == 2
    assert "not UTF-8" in err


def test_undefined_statistics_are_null_in_json(tmp_path, capsys):
    path = _csv(tmp_path, "before,after\n10,13\n12,15\n14,17\n")
    code, out, _err = _run(capsys, path, "--pre", "before", "--post", "after", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["t"] is None
    assert data["d_z"] is None
    assert data["sd_diff"] == 0


def test_standard_input_through_the_real_program(tmp_path):
    rows = "".join(f"{a},{b}\n" for a, b in zip(PRE, POST, strict=True))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "buoy",
            "stats",
            "prepost",
            "-",
            "--pre",
            "a",
            "--post",
            "b",
            "--json",
        ],
        input="a,b\n" + rows,
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["n"] == 8
    bad = subprocess.run(
        [sys.executable, "-m", "buoy", "stats", "prepost", "-", "--pre", "a", "--post", "b"],
        input="a,b\n1,x\n",
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1
    assert "Traceback" not in bad.stderr
