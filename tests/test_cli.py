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
    expected = "is a folder; give a file name" if target == "dir" else ": cannot be written ("
    assert line.startswith(f"lms-prognosis check: error: --exclusions-out {out}")
    assert expected in line


def test_simulate_out_that_is_a_folder_exits_2(tmp_path, capsys):
    assert main(["simulate", "--n", "20", "--out", str(tmp_path), "--force"]) == 2
    assert f"--out {tmp_path} is a folder; give a file name" in one_clear_line(
        capsys.readouterr().err)


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
    assert ("section 'cox' not computed: None of the risk factors takes two or more values in "
            "this cohort, so there is nothing to put in a Cox model.") in err
    assert "Error:" not in err and "Traceback" not in err  # sentences, not exception texts
    assert main([*argv, "--out", str(tmp_path / "b"), "--strict"]) == 2
    assert "7 section(s) not computed (--strict)" in capsys.readouterr().err


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


# --------------------------------------------------------------------------- item 8: --times, --out

@pytest.fixture(scope="module")
def sim_csv(tmp_path_factory) -> Path:
    """60 simulated patients; the longest follow-up is read back from the file."""
    path = tmp_path_factory.mktemp("sim") / "sim.csv"
    assert main(["simulate", "--n", "60", "--seed", "2", "--out", str(path)]) == 0
    return path


@pytest.mark.parametrize(
    ("times", "message"),
    [
        (["--times", "inf"], "'inf': inf is not a finite number of months"),
        (["--times", "12,nan"], "'12,nan': nan is not a finite number of months"),
        (["--times", "0"], "'0': 0 is not a positive number of months"),
        (["--times", "-5"], "'-5': -5 is not a positive number of months"),
        (["--times=-5"], "'-5': -5 is not a positive number of months"),
        (["--times", "-5,10"], "'-5,10': -5 is not a positive number of months"),
        (["--times", "-inf"], "'-inf': -inf is not a finite number of months"),
        (["--times", "12,,x"], "'12,,x': '' is not a number of months"),
    ],
)
def test_times_must_be_finite_positive_months(sim_csv, tmp_path, capsys, times, message):
    out = tmp_path / "p.csv"
    for command in ("predict", "report"):
        assert main([command, str(sim_csv), *times, "--out", str(out)]) == 2
        line = one_clear_line(capsys.readouterr().err)
        assert line.startswith(f"lms-prognosis {command}: error: argument --times: ")
        assert message in line
        assert not out.exists()


def test_times_beyond_the_follow_up_are_refused(sim_csv, tmp_path, capsys):
    longest = pd.read_csv(sim_csv)["time"].max()
    out = tmp_path / "p.csv"
    for command in ("predict", "report"):
        assert main([command, str(sim_csv), "--times", "12,100000", "--out", str(out)]) == 2
        line = one_clear_line(capsys.readouterr().err)
        assert line == (f"lms-prognosis {command}: error: --times 100000: beyond the longest "
                        f"follow-up in the cohort ({longest:.1f} months); choose times up to "
                        f"{longest:.1f} months")
        assert not out.exists()


def test_default_times_beyond_the_follow_up_are_left_out_with_a_note(tmp_path, capsys):
    path = tmp_path / "short.csv"
    data = lp.simulate_cohort(60, seed=3).data
    data["time"] = data["time"].clip(upper=40.0)  # follow-up ends at 40 months
    data.to_csv(path, index=False)
    out = tmp_path / "p.csv"
    assert main(["predict", str(path), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert ("lms-prognosis predict: note: default time(s) 60 months left out: beyond the "
            "longest follow-up in the cohort (40.0 months)") in err
    assert [c for c in pd.read_csv(out).columns if c.startswith("surv_")] == [
        "surv_12m", "surv_36m"]
    # all defaults beyond: refused, naming the default
    data["time"] = data["time"].clip(upper=6.0)
    data.to_csv(path, index=False)
    assert main(["predict", str(path), "--out", str(out), "--force"]) == 2
    assert "--times 12,36,60 (the default): beyond the longest follow-up" in one_clear_line(
        capsys.readouterr().err)


OUT_FLAGS = [
    ("simulate", "--out", []),
    ("simulate", "--truth-out", ["--out", "{tmp}/ok/ok.csv"]),
    ("predict", "--out", ["{cohort}"]),
    ("calculator", "--out", ["--model", "lms_default"]),
    ("check", "--exclusions-out", ["{cohort}"]),
]


@pytest.mark.parametrize(("command", "flag", "rest"), OUT_FLAGS)
@pytest.mark.parametrize("kind", ["folder", "missing parent", "parent is a file",
                                  "read-only file", "unwritable folder"])
def test_every_output_path_that_cannot_be_written_exits_2(
        sim_csv, tmp_path, capsys, monkeypatch, command, flag, rest, kind):
    rest = [r.format(tmp=tmp_path, cohort=sim_csv) for r in rest]
    (tmp_path / "ok").mkdir()
    existing = tmp_path / "existing.csv"
    existing.write_text("keep", encoding="utf-8")
    target, expected = {
        "folder": (tmp_path, "is a folder; give a file name"),
        "missing parent": (tmp_path / "nope" / "x.csv", f"directory {tmp_path / 'nope'} does "
                                                        "not exist"),
        "parent is a file": (existing / "x.csv", f"{existing} is a file, not a folder"),
        "read-only file": (existing, "cannot be written (the file is read-only)"),
        "unwritable folder": (tmp_path / "x.csv", f"cannot be written (folder {tmp_path} is "
                                                  "not writable)"),
    }[kind]
    if kind in ("read-only file", "unwritable folder"):  # root ignores file modes: say it
        real = os.access
        denied = existing if kind == "read-only file" else tmp_path
        monkeypatch.setattr(os, "access", lambda p, mode, *a, **k: (
            False if Path(p) == denied and mode == os.W_OK else real(p, mode, *a, **k)))
    force = [] if command == "check" else ["--force"]  # check never overwrites: no --force
    assert main([command, *rest, flag, str(target), *force]) == 2
    line = one_clear_line(capsys.readouterr().err)
    assert line.startswith(f"lms-prognosis {command}: error: {flag} {target}")
    assert expected in line
    assert existing.read_text(encoding="utf-8") == "keep"


def test_predict_out_folder_with_force_is_a_usage_error(sim_csv, tmp_path, capsys):
    assert main(["predict", str(sim_csv), "--out", str(tmp_path), "--force"]) == 2
    line = one_clear_line(capsys.readouterr().err)
    assert "IsADirectoryError" not in line and "is a folder; give a file name" in line


def test_report_out_that_cannot_be_written_exits_2(sim_csv, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    for out in (blocker / "rep", Path("/proc/lms-report")):
        assert main(["report", str(sim_csv), "--out", str(out), "--quiet"]) == 2
        line = one_clear_line(capsys.readouterr().err)
        assert line.startswith(f"lms-prognosis report: error: --out {out}")
        assert "internal error" not in line


def test_a_full_disk_while_writing_the_report_exits_2(sim_csv, tmp_path, capsys, monkeypatch):
    import lms_prognosis.report.build as build

    def full(doc, path):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(build, "write_pdf", full)
    out = tmp_path / "rep"
    assert main(["report", str(sim_csv), "--out", str(out), "--quiet"]) == 2
    line = one_clear_line(capsys.readouterr().err)
    assert line == f"lms-prognosis report: error: --out {out}: cannot be written (No space " \
                   "left on device)"
    assert list(tmp_path.iterdir()) == []  # neither the report nor its temporary folder


# --------------------------------------------------------------------------- item 8: check warns

def test_check_warns_when_there_are_no_events_or_a_single_group(tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_text("patient_id,time,event,grade,sex\na,10,0,3,female\nb,20,0,3,male\n"
                    "c,30,0,,female\n", encoding="utf-8")
    assert main(["check", str(path)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "lms-prognosis check: warning: no events (event = 1) among the 3 patients kept: "
        "survival stays at 1 and no log-rank test, Cox model or calibration can be computed",
        "lms-prognosis check: warning: grade has a single level ('3') among the 2 patients "
        "with a value: it cannot be compared or enter a model",
    ]
    path.write_text("patient_id,time,event,grade\na,10,1,3\nb,20,0,2\n", encoding="utf-8")
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- report --jobs

def test_report_jobs_reaches_write_report(sim_csv, tmp_path, monkeypatch):
    import lms_prognosis.report as report

    seen = []

    def spy(*args, **kwargs):
        seen.append(kwargs.get("n_jobs", "not passed"))
        raise OSError(28, "No space left on device")  # stop before any work

    monkeypatch.setattr(report, "write_report", spy)
    for argv, want in ((["--jobs", "1"], 1), (["--jobs", "3"], 3), ([], None)):
        main(["report", str(sim_csv), "--out", str(tmp_path / "rep"), "--quiet", *argv])
        assert seen[-1] == want


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_report_jobs_must_be_a_whole_number_of_processes(sim_csv, tmp_path, capsys, jobs):
    argv = ["report", str(sim_csv), "--out", str(tmp_path / "rep"), "--quiet", "--jobs", jobs]
    assert main(argv) == 2
    line = one_clear_line(capsys.readouterr().err)
    assert line.startswith("lms-prognosis report: error: argument --jobs: ")
    assert "is not a positive whole number" in line
    assert not (tmp_path / "rep").exists()
