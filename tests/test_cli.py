"""Tests for the command line: `lms-prognosis check`, exit codes 0/2/1, no tracebacks."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import lms_prognosis as lp
import lms_prognosis.cohort.reader
from lms_prognosis._cli_support import writing
from lms_prognosis.cli import UsageError, build_parser, cli_syntax, main
from lms_prognosis.cohort.reader import EXAMPLE_MESSY_COHORT, read_cohort
from lms_prognosis.exceptions import LMSPrognosisError

GOOD = ("patient_id,time,event,age,grade\n"
        "a,12,1,60,2\nb,-1,0,70,3\nc,24,0,,G1\n")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m lms_prognosis`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run([sys.executable, "-m", "lms_prognosis", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def one_clear_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture
def cohort_csv(tmp_path: Path) -> Path:
    path = tmp_path / "cohort.csv"
    path.write_text(GOOD, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- subprocess

def test_module_check_example_exits_0():
    result = run("check", "--example")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for text in ("rows read", "rows kept", "rows excluded", "excluded: negative time",
                 "Exclusions (", "duplicate patient id: first seen in row 3", "Notes"):
        assert text in result.stdout


def test_module_missing_file_exits_2_with_one_line(tmp_path):
    result = run("check", str(tmp_path / "missing.csv"))
    assert result.returncode == 2
    line = one_clear_line(result.stderr)
    assert line.startswith("lms-prognosis check: error: ") and "missing.csv: no such file" in line


def test_module_usage_error_exits_2_with_one_line(cohort_csv):
    result = run("check", str(cohort_csv), "--time-unit", "fortnights")
    assert result.returncode == 2
    line = one_clear_line(result.stderr)
    assert "argument --time-unit: invalid choice: 'fortnights'" in line


def test_module_header_only_exits_2(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("time,event\n")
    result = run("check", str(path))
    assert result.returncode == 2
    assert "has a header but no data rows" in one_clear_line(result.stderr)


def test_module_internal_error_exits_1_without_traceback(cohort_csv):
    code = ("import sys, lms_prognosis.cohort.reader as c\n"
            "def boom(*a, **k):\n    raise ZeroDivisionError('simulated bug')\n"
            "c.read_cohort = boom\n"
            "from lms_prognosis.cli import main\n"
            f"sys.exit(main(['check', {str(cohort_csv)!r}]))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    line = one_clear_line(result.stderr)
    assert "internal error (ZeroDivisionError: simulated bug)" in line
    trace = Path(line.split("the full traceback is in ")[1].split(". Please")[0])
    try:
        assert "ZeroDivisionError" in trace.read_text()
    finally:
        trace.unlink()


def test_console_script_if_installed(cohort_csv):
    script = Path(sys.executable).with_name("lms-prognosis")
    assert script.exists(), "the package is installed with its console script"
    result = subprocess.run([str(script), "check", str(cohort_csv)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "rows read" in result.stdout


# --------------------------------------------------------------------------- main([...])

def test_check_prints_summary_exclusions_and_notes(cohort_csv, capsys):
    assert main(["check", str(cohort_csv)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert re.search(r"rows read\s+3\s+100.0%", out)
    assert re.search(r"rows kept\s+2\s+66.7%", out)
    assert re.search(r"\n\s+3\s+b\s+time\s+-1\s+negative time\n", out)
    assert "schema columns not in the input" in out


def test_check_writes_exclusions_csv(cohort_csv, tmp_path, capsys):
    out_path = tmp_path / "exclusions.csv"
    before = hashlib.sha256(cohort_csv.read_bytes()).hexdigest()
    assert main(["check", str(cohort_csv), "--exclusions-out", str(out_path)]) == 0
    written = pd.read_csv(out_path)
    expected = read_cohort(cohort_csv).exclusions
    assert written["row"].tolist() == expected["row"].tolist()
    assert written["reason"].tolist() == ["negative time"]
    assert hashlib.sha256(cohort_csv.read_bytes()).hexdigest() == before


def test_exclusions_out_refuses_the_input_file(cohort_csv, capsys):
    before = cohort_csv.read_bytes()
    assert main(["check", str(cohort_csv), "--exclusions-out", str(cohort_csv)]) == 2
    assert "is the input file" in one_clear_line(capsys.readouterr().err)
    assert cohort_csv.read_bytes() == before


def test_exclusions_out_in_a_missing_directory_fails_before_reading(cohort_csv, capsys):
    assert main(["check", str(cohort_csv), "--exclusions-out",
                 str(cohort_csv.parent / "nope" / "x.csv")]) == 2
    out, err = capsys.readouterr()
    assert "does not exist" in one_clear_line(err)
    assert out == ""


def test_event_codes_and_columns_options(tmp_path, capsys):
    path = tmp_path / "vital.csv"
    path.write_text("pid,fu,vital_status\na,10,Dead\nb,20,alive\nc,5,lost\n")
    code = main(["check", str(path), "--event-codes", "dead=1,alive=0",
                 "--columns", "fu=time", "--endpoint", "os"])
    assert code == 0
    out = capsys.readouterr().out
    assert "(endpoint OS)" in out
    assert re.search(r"rows kept\s+2\b", out)
    assert "event code outside the map" in out


def test_r_style_event_codes_option(tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text("time,status\n10,1\n20,2\n")
    assert main(["check", str(path), "--event-codes", "1=0,2=1"]) == 0
    assert "No exclusions" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["check", "x.csv", "--event-codes", "dead"],
    ["check", "x.csv", "--event-codes", "dead=yes"],
    ["check", "x.csv", "--endpoint", "PFS"],
    ["check", "x.csv", "--columns", "=time"],
    ["check"],
    ["check", "x.csv", "--example"],
    ["frobnicate"],
    [],
    ["check", "x.csv", "--no-such-option"],
])
def test_usage_errors_exit_2_with_one_line(argv, capsys):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    line = one_clear_line(err)
    assert line.startswith("lms-prognosis")
    assert "error" in line


def test_no_usable_row_exits_2_and_still_shows_why(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("time,event\n-1,1\n,0\n")
    assert main(["check", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "no usable row" in one_clear_line(err)
    assert "negative time" in out and "missing time" in out


def test_internal_error_exits_1_and_writes_the_traceback(monkeypatch, cohort_csv, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(lms_prognosis.cohort.reader, "read_cohort", broken)
    assert main(["check", str(cohort_csv)]) == 1
    line = one_clear_line(capsys.readouterr().err)
    assert "internal error (RuntimeError: boom)" in line
    trace = Path(line.split("the full traceback is in ")[1].split(". Please")[0])
    try:
        text = trace.read_text()
        assert "Traceback" in text and "RuntimeError: boom" in text
    finally:
        trace.unlink()


def test_help_and_version_exit_0(capsys):
    assert main(["--help"]) == 0
    assert "check" in capsys.readouterr().out
    assert main(["check", "--help"]) == 0
    assert "--exclusions-out" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert "lms-prognosis" in capsys.readouterr().out


def test_max_rows_truncates_the_printed_exclusions(capsys):
    assert main(["check", str(EXAMPLE_MESSY_COHORT), "--max-rows", "2"]) == 0
    assert "more; --max-rows 0 shows all" in capsys.readouterr().out


def test_parser_has_one_subparser_per_command():
    parser = build_parser()
    (action,) = [a for a in parser._actions if a.dest == "command"]
    assert set(action.choices) >= {"check"}


# --------------------------------------------------------------------------- contract

def test_usage_error_is_a_package_error():
    assert issubclass(UsageError, LMSPrognosisError)


def test_r_status_is_refused_with_the_fix_as_a_flag(tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text("time,status\n10,1\n20,2\n30,2\n")
    assert main(["check", str(path)]) == 2
    line = one_clear_line(capsys.readouterr().err)
    assert line.startswith("lms-prognosis check: error: ")
    assert "--event-codes 1=0,2=1" in line and "event_codes=" not in line


def test_missing_time_column_suggests_the_flag(tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_text("OS_mnths,event\n10,1\n")
    assert main(["check", str(path)]) == 2
    assert "--columns OS_mnths=time" in one_clear_line(capsys.readouterr().err)


@pytest.mark.parametrize("target", ["dir", "/dev/full"])
def test_output_that_cannot_be_written_exits_2(cohort_csv, tmp_path, capsys, target):
    out = str(tmp_path) if target == "dir" else target  # a folder; a full disk
    assert main(["check", str(cohort_csv), "--exclusions-out", out]) == 2
    line = one_clear_line(capsys.readouterr().err)
    assert line.startswith(f"lms-prognosis check: error: --exclusions-out {out}: cannot be "
                           "written (")


def test_simulate_out_that_is_a_folder_exits_2(tmp_path, capsys):
    assert main(["simulate", "--n", "20", "--out", str(tmp_path), "--force"]) == 2
    assert "cannot be written" in one_clear_line(capsys.readouterr().err)


def test_os_error_elsewhere_than_the_output_folder_stays_internal(tmp_path):
    with pytest.raises(FileNotFoundError), writing("report", "--out", tmp_path / "out",
                                                   only_under=True):
        open(tmp_path / "elsewhere" / "template.html")
    with pytest.raises(UsageError, match="--out .*out: cannot be written"), writing(
            "report", "--out", tmp_path / "out", only_under=True):
        open(tmp_path / "out" / "missing" / "report.html", "w")


def test_unknown_model_names_close_matches(capsys):
    assert main(["models", "gustafson1993"]) == 2
    line = one_clear_line(capsys.readouterr().err)
    assert "unknown model 'gustafson1993'; did you mean gustafson1992?" in line


def test_cli_syntax_leaves_other_text_alone():
    text = "follow-up times must be >= 0 (check the dates of surgery and last contact)"
    assert cli_syntax(text) == text
    assert cli_syntax("read the file with lp.read_cohort(..., event_codes={1: 0, 2: 1})") == (
        "read the file with --event-codes 1=0,2=1")


def test_help_does_not_load_pandas():
    code = ("import sys\nfrom lms_prognosis.cli import main\nmain(['--help'])\n"
            "print('pandas' in sys.modules, 'lms_prognosis.cohort.reader' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "False False", result.stderr


def test_report_lists_sections_not_computed_on_stderr_and_strict_exits_2(tmp_path, capsys):
    data = lp.simulate_cohort(80, seed=5).data[["patient_id", "time", "event", "sex"]]
    path = tmp_path / "no_factors.csv"
    data.to_csv(path, index=False)
    argv = ["report", str(path), "--quiet", "--times", "12,36"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "section 'cox' not computed: CoxError: no covariate" in err
    assert main([*argv, "--out", str(tmp_path / "b"), "--strict"]) == 2
    assert "3 section(s) not computed (--strict)" in capsys.readouterr().err


# --------------------------------------------------------------------------- read_cohort flags

def test_check_values_flag_recodes_and_lists_unmapped_codes(tmp_path, capsys):
    path = tmp_path / "coded.csv"
    path.write_text("id,time,event,depth\na,5,1,1\nb,7,0,2\nc,9,0,3\n", encoding="utf-8")
    assert main(["check", str(path), "--values", "depth=1:superficial,2:deep"]) == 0
    out = capsys.readouterr().out
    assert "No exclusions: every row was kept." in out
    assert "--values: '1' read as 'superficial'" in out
    assert re.search(r"4 +c +depth +3 +set missing +unmapped code", out)


def test_check_start_and_end_date_flags(tmp_path, capsys):
    path = tmp_path / "dates.csv"
    path.write_text("id,surgery,last_seen,event\na,2019-01-01,2020-01-01,1\n"
                    "b,2019-06-01,2019-01-01,0\nc,01.02.2019,01.03.2019,0\n", encoding="utf-8")
    argv = ["check", str(path), "--start-date", "surgery", "--end-date", "last_seen"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "end before start" in out and "time from dates: 0.9199 months" in out
    assert main(["check", str(path), "--start-date", "surgery"]) == 2
    assert "give both --start-date and --end-date" in capsys.readouterr().err


def test_check_date_format_flag_and_the_message_in_flag_syntax(tmp_path, capsys):
    path = tmp_path / "dates.csv"
    path.write_text("id,s,e,event\na,01/02/2019,03/04/2019,1\nb,05/06/2019,07/08/2019,0\n",
                    encoding="utf-8")
    argv = ["check", str(path), "--start-date", "s", "--end-date", "e"]
    assert main(argv) == 2
    line = one_clear_line(capsys.readouterr().err)
    assert "day/month order cannot be told" in line and "--date-format %d/%m/%Y" in line
    assert "date_format=" not in line
    assert main([*argv, "--date-format", "%d/%m/%Y"]) == 0


def test_check_sheet_flag_and_the_sheets_named(tmp_path, capsys):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Info"
    wb.active.append(["registry export"])
    ws = wb.create_sheet("Data")
    for row in (["id", "time", "event"], ["a", 5, 1], ["b", 6, 0]):
        ws.append(row)
    path = tmp_path / "book.xlsx"
    wb.save(path)
    assert main(["check", str(path)]) == 2
    line = one_clear_line(capsys.readouterr().err)
    assert "pass --sheet Data" in line and "sheet=" not in line
    assert main(["check", str(path), "--sheet", "Data"]) == 0
    assert "rows kept" in capsys.readouterr().out


def test_check_time_unit_flag_named_when_days_look_like_months(tmp_path, capsys):
    path = tmp_path / "days.csv"
    path.write_text("id,time,event\na,2606,1\nb,5000,0\nc,1800,1\nd,400,0\n", encoding="utf-8")
    assert main(["check", str(path)]) == 2
    line = one_clear_line(capsys.readouterr().err)
    assert "--time-unit days" in line and "time_unit=" not in line
    assert main(["check", str(path), "--time-unit", "days"]) == 0


@pytest.mark.parametrize("bad", ["depth", "depth=1", "depth=1:", "=1:deep"])
def test_values_flag_refuses_what_it_cannot_read(bad, capsys):
    assert main(["check", "--example", "--values", bad]) == 2
    assert "expected e.g. depth=1:superficial,2:deep" in one_clear_line(capsys.readouterr().err)
