"""`buoy stats gas` through `buoy.cli.main`: the worked example of reference §2A, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from buoy.cli import main

WORKED = (
    "caregiver,goal,weight,baseline,attained\n"
    "A,talk with the doctor,2,-1,1\n"
    "A,sleep,1,-1,0\n"
    "A,ask family for help,1,-1,-1\n"
    "B,one goal,1,-2,2\n"
)


def _run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, *args: str
) -> tuple[int, str, str]:
    path = tmp_path / "goals.csv"
    path.write_text(text, encoding="utf-8")
    status = main(["stats", "gas", str(path), "--id", "caregiver", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_gives_the_worked_example_per_caregiver(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(tmp_path, capsys, WORKED, "--json")
    assert (status, err) == (0, "")
    result = json.loads(out)
    assert set(result) == {"rho", "caregivers"}
    assert result["rho"] == 0.3
    assert list(result["caregivers"]) == ["A", "B"]
    a = result["caregivers"]["A"]
    assert set(a) == {"goals", "t_baseline", "t_attained", "change"}
    assert a["goals"] == 3
    assert a["t_attained"] == pytest.approx(53.3333, abs=1e-4)
    assert a["t_baseline"] == pytest.approx(36.6667, abs=1e-4)
    assert a["change"] == pytest.approx(16.6667, abs=1e-4)
    b = result["caregivers"]["B"]  # one goal of weight 1: the denominator is 1
    assert (b["goals"], b["t_baseline"], b["t_attained"], b["change"]) == (1, 30.0, 70.0, 40.0)


def test_rho_changes_t_and_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(tmp_path, capsys, WORKED, "--json", "--rho", "0")
    assert status == 0
    result = json.loads(out)
    assert result["rho"] == 0.0
    # ρ 0: the denominator is √Σw² = √6.
    assert result["caregivers"]["A"]["t_attained"] == pytest.approx(50 + 10 / 6**0.5)


def test_without_a_weight_column_every_goal_weighs_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "caregiver,goal,baseline,attained\nA,g1,-1,1\nA,g2,-1,1\n"
    status, out, _ = _run(tmp_path, capsys, text, "--json")
    assert status == 0
    # Σwx = 2, √(0.7·2 + 0.3·4) = √2.6
    assert json.loads(out)["caregivers"]["A"]["t_attained"] == pytest.approx(50 + 20 / 2.6**0.5)


def test_text_output_is_a_readable_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _run(tmp_path, capsys, WORKED)
    assert status == 0
    assert "rho 0.3" in out
    assert "not caregivers with each other" in out
    row = next(line for line in out.splitlines() if line.startswith("A "))
    assert row.split() == ["A", "3", "36.67", "53.33", "+16.67"]


@pytest.mark.parametrize(
    ("text", "args", "expected"),
    [
        (
            WORKED.replace("2,-1,1", "2,-1,3"),
            (),
            "goals.csv row 2, column attained: 3 is not a level",
        ),
        (
            WORKED.replace("1,-1,0", "1,-3,0"),
            (),
            "goals.csv row 3, column baseline: -3 is not a level",
        ),
        (
            WORKED.replace("1,-1,0", "1,-1,0.5"),
            (),
            "goals.csv row 3, column attained: '0.5' is not a level",
        ),
        (
            WORKED.replace("1,-1,0", "-1,-1,0"),
            (),
            "goals.csv row 3, column weight: -1.0 is below 0",
        ),
        (
            WORKED.replace("1,-1,0", "heavy,-1,0"),
            (),
            "goals.csv row 3, column weight: 'heavy' is not a weight",
        ),
        (
            WORKED.replace("1,-1,0", "1,,0"),
            (),
            "goals.csv row 3, column baseline: the cell is empty",
        ),
        (
            WORKED.replace("A,sleep", "A,ask family for help"),
            (),
            "goals.csv row 4, column goal: goal 'ask family for help' of caregiver 'A' is"
            " already on row 3",
        ),
        (
            WORKED.replace("B,one goal,1", "B,one goal,0"),
            (),
            "goals.csv rows 5 (caregiver 'B'): no goal to score",
        ),
        (
            WORKED.replace(",attained", ",reached"),
            (),
            "goals.csv: no column attained in the header",
        ),
        (WORKED + "C,g,1\n", (), "goals.csv row 6: 3 fields, the header has 5"),
        ("", (), "goals.csv: the file is empty"),
        (WORKED, ("--rho", "1"), "--rho 1.0 is not a correlation"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_row_and_field(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    args: tuple[str, ...],
    expected: str,
) -> None:
    status, out, err = _run(tmp_path, capsys, text, *args)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("buoy stats gas: ")
    assert expected in err
    assert "Traceback" not in err


def test_a_missing_file_and_a_binary_file_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "gas", str(tmp_path / "nope.csv"), "--id", "c"]) == 2
    assert "cannot read" in capsys.readouterr().err
    binary = tmp_path / "goals.xlsx"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary")
    assert main(["stats", "gas", str(binary), "--id", "c"]) == 2
    assert "not a CSV file" in capsys.readouterr().err
