"""read_cohort on real registry exports: one test per kind of input, each asserting the values
read and the audit line (issue 12, items 1-7)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from lms_prognosis._cli_support import cli_syntax
from lms_prognosis.cohort import read_cohort
from lms_prognosis.cohort.schema import EXCLUSION_COLUMNS
from lms_prognosis.exceptions import CohortColumnError, CohortError, DataWarning

DAYS = 365.25 / 12


def write(tmp_path: Path, text: str, name: str = "cohort.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def lines(cohort, action: str | None = None) -> list[tuple]:
    """Audit lines as (row, column, value, action, reason), optionally of one action."""
    a = cohort.audit
    if action:
        a = a[a["action"] == action]
    return list(
        a[["row", "column", "value", "action", "reason"]].itertuples(index=False, name=None)
    )


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


# ----------------------------------------------------------------------- 1. the audit


def test_exclusions_are_the_excluded_part_of_the_audit(tmp_path):
    cohort = read_cohort(write(tmp_path, "id,time,event,age\na,5,1,61\nb,-1,0,62\nc,7,0,300\n"))
    assert cohort.data["patient_id"].tolist() == ["a", "c"]
    assert np.isnan(cohort.data["age"].iloc[1])
    assert lines(cohort) == [
        (3, "time", "-1", "excluded", "negative time"),
        (4, "age", "300", "set missing", "impossible age: outside 0-120 years"),
    ]
    assert list(cohort.exclusions.columns) == list(EXCLUSION_COLUMNS)
    assert cohort.exclusions[["row", "reason"]].values.tolist() == [[3, "negative time"]]
    assert cohort.n_excluded == 1


def test_the_audit_is_byte_identical_on_a_rerun(tmp_path):
    text = (
        "id;time;event;age;size;depth\na;3.530;1;65 years;45 mm;1\nb;12,5;0;x;3;2\nc;;1;70;4;deep\n"
    )
    path = write(tmp_path, text)
    values = {"depth": {1: "superficial", 2: "deep"}}
    first = read_cohort(path, time_unit="days", values=values).audit.to_csv(index=False)
    again = read_cohort(path, time_unit="days", values=values).audit.to_csv(index=False)
    assert first.encode() == again.encode()
    assert len(first.splitlines()) == 1 + 9  # header + 4 changes in a, 3 in b, 2 in c


# ----------------------------------------------------------------------- 2. numbers


def test_thousands_dot_in_a_decimal_comma_file(tmp_path):
    cohort = read_cohort(
        write(tmp_path, "id;time;event;size\na;3.530;1;4,5\nb;120;0;3\n"), time_unit="days"
    )
    assert cohort.data["time"].tolist() == pytest.approx([3530 / DAYS, 120 / DAYS])
    assert cohort.data["size_cm"].tolist() == [4.5, 3.0]
    assert lines(cohort)[0] == (
        2,
        "time",
        "3.530",
        "converted",
        "thousands separator: '3.530' read as 3530; time in days converted to months "
        "(months = days / 30.4375)",
    )


def test_european_export_decimal_comma_only_outside_the_schema(tmp_path):
    # the file: ';', decimal commas (here only in a column the schema does not know)
    # and '3.530' days, once read as 3.53 days
    text = "\ufeffPatient;OS_days;Status;Alter;BMI\n1;3.530;1;65;24,5\n2;1.200;0;70;31\n"
    cohort = read_cohort(write(tmp_path, text))
    assert cohort.data["time"].tolist() == pytest.approx([3530 / DAYS, 1200 / DAYS])
    assert cohort.data["BMI"].tolist() == [24.5, 31.0]  # other columns as pandas reads them
    assert lines(cohort)[1] == (
        3,
        "OS_days",
        "1.200",
        "converted",
        "thousands separator: '1.200' read as 1200; time in days converted to months "
        "(months = days / 30.4375)",
    )


def test_quoted_thousands_comma(tmp_path):
    cohort = read_cohort(
        write(tmp_path, 'id,time,event\na,"3,530",1\nb,12.5,0\n'), time_unit="days"
    )
    assert cohort.data["time"].tolist() == pytest.approx([3530 / DAYS, 12.5 / DAYS])
    assert cohort.exclusions.empty
    assert lines(cohort)[0][2:4] == ("3,530", "converted")


def test_space_thousands_separator(tmp_path):
    cohort = read_cohort(write(tmp_path, "id;time;event\na;3 530;1\nb;12;0\n"), time_unit="days")
    assert cohort.data["time"].iloc[0] == pytest.approx(3530 / DAYS)
    assert lines(cohort)[0][4].startswith("thousands separator: '3 530' read as 3530")


def test_numbers_with_units(tmp_path):
    text = "id,OS_days,event,age,size\na,28.6 months,1,65 years,45 mm\nb,870 days,0,70,3 cm\n"
    cohort = read_cohort(write(tmp_path, text))
    assert cohort.data["time"].tolist() == pytest.approx([28.6, 870 / DAYS])
    assert cohort.data["age"].tolist() == [65.0, 70.0]
    assert cohort.data["size_cm"].tolist() == [4.5, 3.0]
    assert (2, "size", "45 mm", "converted", "unit converted: '45 mm' read as 4.5 cm") in lines(
        cohort
    )
    assert (
        2,
        "age",
        "65 years",
        "converted",
        "unit converted: '65 years' read as 65 years",
    ) in lines(cohort)
    assert (
        2,
        "OS_days",
        "28.6 months",
        "converted",
        "unit converted: '28.6 months' read as 28.6 months",
    ) in lines(cohort)


def test_ambiguous_numbers_are_never_guessed(tmp_path):
    # ';' file without any decimal mark: 3.530 could be 3530 or 3.53
    cohort = read_cohort(write(tmp_path, "id;time;event;age\na;3.530;1;60\nb;12;0;1.234\n"))
    assert cohort.data["patient_id"].tolist() == ["b"]
    assert np.isnan(cohort.data["age"].iloc[0])
    reason = "ambiguous number: {!r} could be a thousands or a decimal separator"
    assert lines(cohort) == [
        (2, "time", "3.530", "excluded", reason.format("3.530")),
        (3, "age", "1.234", "set missing", reason.format("1.234")),
    ]


# ----------------------------------------------------------------------- 3. time units


def test_time_unit_column_is_honoured_per_row(tmp_path):
    text = "id,time,time_unit,event\na,365.25,days,1\nb,12,months,0\nc,2,years,0\nd,5,parsecs,1\n"
    cohort = read_cohort(write(tmp_path, text))
    assert cohort.data["time"].tolist() == pytest.approx([12.0, 12.0, 24.0])
    assert (
        2,
        "time",
        "365.25",
        "converted",
        "time in days converted to months (months = days / 30.4375) (unit from column 'time_unit')",
    ) in lines(cohort)
    assert (
        5,
        "time_unit",
        "parsecs",
        "excluded",
        "unknown time unit: the 'time_unit' column must say days, weeks, months or years",
    ) in lines(cohort)


def test_a_unit_column_without_time_units_is_left_alone(tmp_path):
    cohort = read_cohort(write(tmp_path, "id,time,event,Unit\na,5,1,Ward A\nb,6,0,Ward B\n"))
    assert cohort.data["time"].tolist() == [5.0, 6.0]
    assert cohort.data["Unit"].tolist() == ["Ward A", "Ward B"]
    assert cohort.audit.empty
    assert any("'Unit' does not hold time units" in n for n in cohort.notes)


def test_days_read_as_months_make_the_file_unusable(tmp_path):
    rows = "".join(f"p{i},{t},{i % 2}\n" for i, t in enumerate([2606, 5000, 380, 1500, 90]))
    with pytest.raises(CohortError) as err:
        read_cohort(write(tmp_path, "id,time,event\n" + rows))
    message = str(err.value)
    assert "3 of 5 exceed 100 years" in message and "time_unit='days'" in message
    assert "--time-unit days" in cli_syntax(message)
    cohort = read_cohort(write(tmp_path, "id,time,event\n" + rows), time_unit="days")
    assert cohort.data["time"].max() == pytest.approx(5000 / DAYS)


def test_a_single_implausible_time_is_excluded(tmp_path):
    rows = "".join(f"p{i},{12 + i},{i % 2}\n" for i in range(40)) + "x,5000,1\n"
    cohort = read_cohort(write(tmp_path, "id,time,event\n" + rows))
    assert len(cohort.data) == 40 and cohort.data["time"].max() == 51
    assert lines(cohort) == [
        (
            42,
            "time",
            "5000",
            "excluded",
            "implausible time: 5000 months is more than 100 years of follow-up",
        )
    ]


def test_a_size_that_looks_like_millimetres_warns(tmp_path):
    text = "id,time,event,size_cm\na,5,1,45\nb,6,0,60\nc,7,0,58\n"
    with pytest.warns(DataWarning, match="median size in 'size_cm' is 58 cm"):
        cohort = read_cohort(write(tmp_path, text))
    assert cohort.data["size_cm"].tolist() == [45.0, 60.0, 58.0]  # possible, so kept
    assert cohort.audit.empty


def test_an_age_in_months_warns_and_is_set_missing(tmp_path):
    text = "id,time,event,age\na,5,1,720\nb,6,0,780\nc,7,0,750\n"
    with pytest.warns(DataWarning, match="median age in 'age' is 750 years"):
        cohort = read_cohort(write(tmp_path, text))
    assert cohort.data["age"].isna().all() and len(cohort.data) == 3
    assert [r[3] for r in lines(cohort)] == ["set missing"] * 3


# ----------------------------------------------------------------------- 4. dates


def test_time_from_dates_in_several_forms(tmp_path):
    text = (
        "id,surgery,last_seen,event\na,2019-01-01,2020-01-01,1\nb,15.03.2019,15.04.2019,0\n"
        "c,31/01/2019,28/02/2019,0\nd,2020-05-01,2020-04-01,1\ne,2019-01-01,soon,0\n"
    )
    cohort = read_cohort(write(tmp_path, text), start_date="surgery", end_date="last_seen")
    assert cohort.data["patient_id"].tolist() == ["a", "b", "c"]
    assert cohort.data["time"].tolist() == pytest.approx([365 / DAYS, 31 / DAYS, 28 / DAYS])
    assert (
        2,
        "last_seen",
        "2019-01-01 to 2020-01-01",
        "converted",
        "time from dates: 11.99 months (days / 30.4375)",
    ) in lines(cohort)
    assert (5, "last_seen", "2020-05-01 to 2020-04-01", "excluded", "end before start") in lines(
        cohort
    )
    assert (
        6,
        "last_seen",
        "soon",
        "excluded",
        "unreadable date: not a date in a form read without guessing",
    ) in lines(cohort)
    # the dates as read, for the kept rows (the report's data statement states their range)
    assert list(cohort.dates.columns) == ["surgery", "last_seen"]
    assert cohort.dates.index.equals(cohort.data.index)
    assert cohort.dates["surgery"].dt.strftime("%Y-%m-%d").tolist() == [
        "2019-01-01",
        "2019-03-15",
        "2019-01-31",
    ]
    assert read_cohort(write(tmp_path, "id,time,event\na,12,1\n")).dates is None


def test_a_date_in_the_time_column_says_how_to_use_dates(tmp_path):
    cohort = read_cohort(write(tmp_path, "id,time,event\na,2019-03-14,1\nb,12,0\n"))
    assert cohort.data["time"].tolist() == [12.0]
    assert lines(cohort) == [
        (
            2,
            "time",
            "2019-03-14",
            "excluded",
            "non-numeric time: a date, not a number (derive the time from "
            "dates with start_date= and end_date=)",
        )
    ]


def test_ambiguous_day_month_order_is_refused_unless_a_format_is_given(tmp_path):
    path = write(
        tmp_path, "id,start,end,event\na,01/02/2019,03/04/2019,1\nb,05/06/2019,07/08/2019,0\n"
    )
    with pytest.raises(CohortError, match="day/month order cannot be told") as err:
        read_cohort(path, start_date="start", end_date="end")
    assert "--date-format %d/%m/%Y" in cli_syntax(str(err.value))
    cohort = read_cohort(path, start_date="start", end_date="end", date_format="%m/%d/%Y")
    days = (dt.date(2019, 3, 4) - dt.date(2019, 1, 2)).days
    assert cohort.data["time"].iloc[0] == pytest.approx(days / DAYS)


def test_excel_date_cells(tmp_path):
    path = workbook(
        tmp_path / "c.xlsx",
        {
            "Data": [
                ["id", "surgery", "last_contact", "status"],
                ["a", dt.datetime(2018, 6, 1), dt.datetime(2019, 6, 1), 1],
                ["b", dt.datetime(2018, 6, 1), "2018-12-01", 0],
            ]
        },
    )
    cohort = read_cohort(path, start_date="surgery", end_date="last_contact")
    assert cohort.data["time"].tolist() == pytest.approx([365 / DAYS, 183 / DAYS])
    assert lines(cohort)[0][2] == "2018-06-01 to 2019-06-01"


# ----------------------------------------------------------------------- 5. spreadsheets


def test_second_sheet_and_the_error_naming_the_sheets(tmp_path):
    path = workbook(
        tmp_path / "c.xlsx",
        {
            "About": [["Export of the sarcoma registry"], ["version 3"]],
            "Patients": [["id", "time", "event"], ["a", 5, 1], ["b", 7, 0]],
        },
    )
    with pytest.raises(CohortColumnError) as err:
        read_cohort(path)
    assert (
        "sheet 'About' was read; the workbook has sheets 'About', 'Patients' and the "
        "columns are on 'Patients': pass sheet='Patients'"
    ) in str(err.value)
    assert "--sheet Patients" in cli_syntax(str(err.value))
    cohort = read_cohort(path, sheet="Patients")
    assert cohort.data["time"].tolist() == [5.0, 7.0]
    with pytest.raises(
        CohortError, match="no sheet 'Nope'; the workbook has sheets 'About', 'Patients'"
    ):
        read_cohort(path, sheet="Nope")


def test_a_title_row_above_the_header_is_detected_and_noted(tmp_path):
    path = workbook(
        tmp_path / "c.xlsx",
        {
            "Sheet1": [
                ["Leiomyosarcoma registry, export 2024-05-01"],
                [None],
                ["id", "time", "event"],
                ["a", 5, 1],
                ["b", -7, 0],
            ]
        },
    )
    cohort = read_cohort(path)
    assert cohort.data["patient_id"].tolist() == ["a"]
    assert lines(cohort) == [(5, "time", "-7", "excluded", "negative time")]  # sheet row 5
    assert (
        "sheet 'Sheet1': 1 row(s) above the header (row 3) skipped as a title: "
        "'Leiomyosarcoma registry, export 2024-05-01'"
    ) in cohort.notes


def test_a_title_line_above_a_csv_header(tmp_path):
    text = "Registry export 2024-05-01\n\nid,time,event\na,5,1\nb,-2,0\n"
    cohort = read_cohort(write(tmp_path, text))
    assert cohort.data["patient_id"].tolist() == ["a"]
    assert lines(cohort) == [(5, "time", "-2", "excluded", "negative time")]  # line in the file
    assert (
        "1 line(s) above the header (line 3) skipped as a title: 'Registry export 2024-05-01'"
    ) in cohort.notes


def test_ods(tmp_path):
    path = tmp_path / "c.ods"
    pd.DataFrame(
        {"id": ["a", "b"], "OS_months": [5.5, 7.0], "status": [1, 0], "grade": ["G3", "II"]}
    ).to_excel(path, engine="odf", index=False)
    cohort = read_cohort(path)
    assert cohort.data["time"].tolist() == [5.5, 7.0]
    assert cohort.data["grade"].astype(str).tolist() == ["3", "2"]


# ----------------------------------------------------------------------- 6. coded categories


def test_coded_categories_with_values(tmp_path):
    text = "id,time,event,depth,vascular_invasion\na,5,1,1,2\nb,6,0,2,1\nc,7,0,3,\n"
    cohort = read_cohort(
        write(tmp_path, text),
        values={"depth": {1: "superficial", 2: "deep"}, "vascular_invasion": {1: "yes", 2: "no"}},
    )
    assert cohort.data["depth"].astype(object).tolist()[:2] == ["superficial", "deep"]
    assert pd.isna(cohort.data["depth"].iloc[2])
    assert cohort.data["vascular_invasion"].tolist()[:2] == [False, True]
    assert (2, "depth", "1", "recoded", "values=: '1' read as 'superficial'") in lines(cohort)
    assert (
        4,
        "depth",
        "3",
        "set missing",
        "unmapped code: not a key of values= for 'depth' (1, 2)",
    ) in lines(cohort)
    assert cohort.exclusions.empty


def test_numeric_codes_without_a_map_are_set_missing_with_a_hint(tmp_path):
    cohort = read_cohort(write(tmp_path, "id,time,event,sex\na,5,1,1\nb,6,0,2\n"))
    assert cohort.data["sex"].isna().all() and len(cohort.data) == 2
    assert lines(cohort)[0] == (
        2,
        "sex",
        "1",
        "set missing",
        "unknown category: '1' is not a sex level (female, male)",
    )
    note = next(n for n in cohort.notes if "code(s) 1, 2" in n)
    assert note.endswith("values={'sex': {1: '<level>', 2: '<level>'}}")
    assert cli_syntax(note).endswith("--values sex=1:<level>,2:<level>")


def test_values_must_map_to_a_level(tmp_path):
    with pytest.raises(CohortError, match="to 'medium', which is not one of its levels"):
        read_cohort(write(tmp_path, "time,event,depth\n1,1,1\n"), values={"depth": {1: "medium"}})


# ----------------------------------------------------------------------- 7. odd structure


def test_a_repeated_header_line_is_one_audit_line(tmp_path):
    text = "id,time,event,age,grade\na,5,1,60,2\nid,time,event,age,grade\nb,7,0,61,3\n"
    cohort = read_cohort(write(tmp_path, text))
    assert cohort.data["patient_id"].tolist() == ["a", "b"]
    assert lines(cohort) == [(3, "", "", "excluded", "repeated header line")]


def test_empty_trailing_columns_are_dropped_with_a_note(tmp_path):
    cohort = read_cohort(write(tmp_path, "id,time,event,,\na,5,1,,\nb,7,0,,\n"))
    assert list(cohort.data.columns) == ["patient_id", "time", "event"]
    assert "2 empty column(s) without a name dropped (column 4, 5)" in cohort.notes
    assert cohort.audit.empty


def test_duplicated_column_names_are_refused_naming_both(tmp_path):
    with pytest.raises(CohortError, match="columns 2 and 4 are both named 'time'"):
        read_cohort(write(tmp_path, "id,time,event,time\na,5,1,6\n"))
    path = workbook(tmp_path / "d.xlsx", {"S": [["time", "event", "age", "age"], [1, 1, 2, 3]]})
    with pytest.raises(CohortError, match="columns 3 and 4 are both named 'age'"):
        read_cohort(path)


def test_a_binary_file_error_does_not_print_its_bytes(tmp_path):
    path = tmp_path / "cohort.csv"
    blob = b"%PDF-1.7\n" + bytes(range(256)) * 4
    path.write_bytes(blob)
    before = hashlib.sha256(blob).hexdigest()
    with pytest.raises(CohortError) as err:
        read_cohort(path)
    message = str(err.value)
    assert "is not a text file (it contains binary data)" in message
    assert message.isprintable() and "PDF" not in message and len(message) < 300
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# ----------------------------------------------------------------------- 4. dates, against R

REFERENCE = Path(__file__).parents[1] / "reference"


@pytest.mark.parametrize("form", ["iso", "dot", "slash"])
def test_months_between_dates_agree_with_r(form):
    """tests/reference/cohort_dates.R: as.Date(x, format) and (end - start) / (365.25 / 12)."""
    ref = json.loads((REFERENCE / "cohort_dates.json").read_text())[form]
    cohort = read_cohort(REFERENCE / "data" / "cohort_dates.csv", start_date=f"start_{form}",
                         end_date=f"end_{form}")
    expected = dict(zip(ref["id"], ref["months"], strict=True))
    kept = {k: v for k, v in expected.items() if v >= 0}
    assert cohort.data["patient_id"].tolist() == list(kept)
    np.testing.assert_allclose(cohort.data["time"], list(kept.values()), rtol=0, atol=1e-9)
    before = [i for i, v in expected.items() if v < 0]
    assert cohort.exclusions["patient_id"].tolist() == before
    assert set(cohort.exclusions["reason"]) == {"end before start"}
