"""`buoy stats moderators` through `buoy.cli.main`: the JSON against statsmodels, bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # a dev dependency without stubs
import pytest
import statsmodels.formula.api as smf

from buoy.cli import main


def _frame(n: int = 50, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pre = rng.integers(10, 35, n)
    return pd.DataFrame(
        {
            "id": [f"cg{i}" for i in range(n)],
            "pre": pre,
            "post": pre + rng.integers(-4, 10, n),
            "initiative": rng.integers(1, 6, n),
            "phase": rng.choice(["induction", "maintenance", "relapse"], n),
        }
    )


def _write(tmp_path: Path, frame: pd.DataFrame, extra: list[list[str]] | None = None) -> Path:
    path = tmp_path / "cohort.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(frame.columns)
        writer.writerows(frame.astype(str).values.tolist())
        writer.writerows(extra or [])
    return path


def _run(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> tuple[int, str, str]:
    status = main(["stats", "moderators", str(path), "--pre", "pre", "--post", "post", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_is_statsmodels_ols_with_hc3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = _frame()
    path = _write(tmp_path, frame)
    status, out, err = _run(
        capsys, path, "--id", "id", "--moderator", "initiative", "--moderator", "phase", "--json"
    )
    assert (status, err) == (0, "")
    result = json.loads(out)
    assert {"n", "r2", "cov_type", "coefficients"} <= set(result)
    assert result["cov_type"] == "HC3"
    assert result["n"] == 50
    frame["change"] = frame["post"] - frame["pre"]
    reference = smf.ols("change ~ pre + initiative + C(phase)", frame).fit(cov_type="HC3")
    names = {
        "intercept": "Intercept",
        "pre": "pre",
        "initiative": "initiative",
        "phase[maintenance]": "C(phase)[T.maintenance]",
        "phase[relapse]": "C(phase)[T.relapse]",
    }
    assert list(result["coefficients"]) == list(names)
    ci = reference.conf_int()
    for ours, theirs in names.items():
        row = result["coefficients"][ours]
        assert set(row) == {"b", "se", "p", "ci95"}
        assert row["b"] == pytest.approx(reference.params[theirs], rel=1e-9, abs=1e-12)
        assert row["se"] == pytest.approx(reference.bse[theirs], rel=1e-9)
        assert row["p"] == pytest.approx(reference.pvalues[theirs], rel=1e-9)
        assert row["ci95"] == pytest.approx([ci.loc[theirs, 0], ci.loc[theirs, 1]], rel=1e-9)
    assert result["r2"] == pytest.approx(reference.rsquared, rel=1e-9)
    assert result["left_out"] == 0
    # 50 caregivers for 4 terms: 12.5 per term, above the rule of thumb.
    assert not any("per term" in w for w in result["warnings"])


def test_reference_names_the_level_compared_with(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, _frame())
    status, out, _ = _run(
        capsys, path, "--moderator", "phase", "--reference", "phase=relapse", "--json"
    )
    assert status == 0
    assert list(json.loads(out)["coefficients"]) == [
        "intercept",
        "pre",
        "phase[induction]",
        "phase[maintenance]",
    ]


def test_rows_with_an_empty_cell_are_left_out_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = _frame()
    path = _write(
        tmp_path, frame, [["cg98", "", "20", "3", "relapse"], ["cg99", "20", "22", "", "relapse"]]
    )
    status, out, _ = _run(capsys, path, "--moderator", "initiative", "--json")
    assert status == 0
    result = json.loads(out)
    assert (result["n"], result["left_out"]) == (50, 2)
    status, text, _ = _run(capsys, path, "--moderator", "initiative")
    assert "n = 50 (2 incomplete rows left out)" in text


def test_text_output_has_the_pasteable_table_and_the_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, _frame(n=30))
    status, out, _ = _run(capsys, path, "--moderator", "initiative", "--moderator", "phase")
    assert status == 0
    lines = out.splitlines()
    assert "term\tb\tse\tp\tci low\tci high" in lines
    assert any(line.startswith("phase[relapse]\t") for line in lines)
    assert "phase: categorical, compared with 'induction'" in out
    assert any(line.startswith("warning: 30 caregivers for 4 terms") for line in lines)
    assert "not what causes it" in out


@pytest.mark.parametrize(
    ("extra", "args", "expected"),
    [
        (
            [["cg98", "twenty", "20", "3", "relapse"]],
            ("--moderator", "phase"),
            "cohort.csv row 52, column pre: 'twenty' is not a number",
        ),
        (
            [["cg0", "20", "20", "3", "relapse"]],
            ("--id", "id", "--moderator", "phase"),
            "cohort.csv row 52, column id: caregiver 'cg0' is already on row 2",
        ),
        ([], ("--moderator", "ward"), "cohort.csv: no column ward in the header"),
        (
            [],
            ("--moderator", "phase", "--reference", "phase=icu"),
            "cohort.csv column phase: 'icu' is not one of its levels",
        ),
        (
            [],
            ("--moderator", "phase", "--reference", "ward=icu"),
            "--reference ward=...: ward is not a --moderator",
        ),
        (
            [],
            ("--moderator", "phase", "--reference", "phase"),
            "--reference 'phase': expected COL=LEVEL",
        ),
        (
            [],
            ("--moderator", "initiative", "--reference", "initiative=3"),
            "cohort.csv column initiative: is numeric",
        ),
        ([], ("--moderator", "id"), "cohort.csv: 50 caregivers for 51 coefficients"),
        (
            [["cg98", "20", "20", "3", "palliative"]],
            ("--moderator", "phase"),
            "cohort.csv row 52: HC3 standard errors are undefined",
        ),
        ([], ("--moderator", "pre"), "--moderator pre: it is also --pre, --post or --id"),
        (
            [["cg98", "20"]],
            ("--moderator", "phase"),
            "cohort.csv row 52: 2 fields, the header has 5",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_row_and_field(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[list[str]],
    args: tuple[str, ...],
    expected: str,
) -> None:
    path = _write(tmp_path, _frame(), extra)
    status, out, err = _run(capsys, path, *args)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("buoy stats moderators: ")
    assert expected in err
    assert "Traceback" not in err


def test_a_file_with_only_a_header_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cohort.csv"
    path.write_text("pre,post,phase\n", encoding="utf-8")
    status, _, err = _run(capsys, path, "--moderator", "phase")
    assert status == 2
    assert "0 caregivers" in err or "one level only" in err
