"""Hypothesis fuzz of read_cohort and `lms-prognosis check` over malformed CSV and Excel files.

Asserted for every generated file: no traceback (read_cohort returns a Cohort or raises a
CohortError; `check` exits 0 or 2 and never 1), every record is kept or excluded (kept +
excluded = rows read = records written), the audit is byte-identical when the file is read
again, and the input's bytes are unchanged. Derandomized: the same files on every run.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms_prognosis.cli import main
from lms_prognosis.cohort import read_cohort
from lms_prognosis.exceptions import CohortError

# plausibility warnings (median size 60 "cm") are expected on garbage; they are in the notes
pytestmark = pytest.mark.filterwarnings("ignore::lms_prognosis.exceptions.DataWarning")

_HEADERS = [
    "id",
    "patient_id",
    "time",
    "OS_days",
    "DSS_months",
    "event",
    "status",
    "age",
    "size",
    "tumor_size_mm",
    "depth",
    "grade",
    "margin",
    "time_unit",
    "hospital",
    "",
    "Age",
    "surgery",
    "last_contact",
]
_CELLS = [
    "",
    " ",
    "NA",
    "unknown",
    "?",
    "-",
    "0",
    "1",
    "2",
    "9",
    "-1",
    "12",
    "12.5",
    "12,5",
    "3.530",
    "3,530",
    "3 530",
    "1.234,5",
    "1,234.5",
    "1e400",
    "65 years",
    "45 mm",
    "28.6 months",
    "870 days",
    "2 years",
    "5 parsecs",
    "deep",
    "Deep",
    "sideways",
    "G2",
    "III",
    "R0",
    "yes",
    "present",
    "days",
    "months",
    "weeks",
    "2019-03-14",
    "14.03.2019",
    "14/03/2019",
    "03/04/2019",
    "31.02.2019",
    "time",
    "event",
    "id",
    "dead",
    "alive",
    "x;y",
    "a,b",
    '"',
    "5000",
    "99999",
    "0.5",
]
_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=6)
_CELL = st.one_of(st.sampled_from(_CELLS), _TEXT)


_GOOD = {
    "id": st.sampled_from(["a", "b", "007", "7", "B-2"]),
    "time": st.sampled_from(["0", "1.5", "12", "100", "3.530", "28,6", "12 months"]),
    "event": st.sampled_from(["0", "1", "0", "1", "0", "2"]),
    "age": st.sampled_from(["60", "45,5", "65 years", "130"]),
    "depth": st.sampled_from(["deep", "superficial", "1", "2"]),
    "time_unit": st.sampled_from(["days", "months", "years", "d"]),
    "surgery": st.sampled_from(["2019-03-14", "14.03.2019", "14/03/2019"]),
    "last_contact": st.sampled_from(["2020-03-14", "14.03.2021", "31/12/2020"]),
}
_EXTRA = [
    "age",
    "size",
    "depth",
    "grade",
    "margin",
    "time_unit",
    "hospital",
    "",
    "surgery",
    "last_contact",
]


@st.composite
def tables(draw):
    """A header and 1-10 records, mostly well-formed with garbage cells; now and then a
    chaotic header (duplicates, blanks, aliases) or a repeated header line. The last record
    has a non-empty first cell (empty lines after the last record are not rows)."""
    if draw(st.integers(0, 6)) == 0:
        header = draw(st.lists(st.sampled_from(_HEADERS), min_size=2, max_size=8))
    else:
        header = [
            "id",
            "time",
            "event",
            *draw(st.lists(st.sampled_from(_EXTRA), unique=True, max_size=5)),
        ]
    n = draw(st.integers(2, 10))
    rows = [
        [draw(_GOOD[h]) if h in _GOOD and draw(st.integers(0, 5)) else draw(_CELL) for h in header]
        for _ in range(n)
    ]
    if draw(st.integers(0, 4)) == 0:
        rows.insert(draw(st.integers(0, n - 1)), list(header))  # a repeated header line
    rows[-1][0] = "last"
    return header, rows


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_csv(
    path: Path, header: list[str], rows: list[list[str]], sep: str, title: bool = False
) -> None:
    buf = io.StringIO("Registry export\n\n" if title else "")
    buf.seek(0, io.SEEK_END)
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))


def _excel_cell(text: str):
    """Numbers and dates as spreadsheet cells, the rest as text (None for a blank)."""
    if text == "":
        return None
    for kind in (int, float):
        try:
            value = kind(text)
        except ValueError:
            continue
        return value if abs(value) < 1e300 else text
    if text == "2019-03-14":
        return dt.datetime(2019, 3, 14)
    return text


def write_xlsx(path: Path, header: list[str], rows: list[list[str]], title: bool) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append(["Registry export"])
    ws.append([h or None for h in header])
    for row in rows:
        ws.append([_excel_cell(c) for c in row])
    wb.save(path)


def check_cli(path: Path) -> int:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(path), "--max-rows", "0"])
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code


def assert_accounted(path: Path, n_records: int) -> None:
    before = sha(path)
    try:
        cohort = read_cohort(path)
    except CohortError:
        cohort = None
    if cohort is not None:
        assert cohort.n_read == n_records
        assert len(cohort.data) + cohort.n_excluded == cohort.n_read
        assert set(cohort.audit["action"]) <= {"excluded", "set missing", "converted", "recoded"}
        assert cohort.data["time"].ge(0).all() and cohort.data["event"].isin([0, 1, 2]).all()
        again = read_cohort(path).audit.to_csv(index=False).encode()
        assert again == cohort.audit.to_csv(index=False).encode()  # byte-identical on a rerun
    assert check_cli(path) == (0 if cohort is not None else 2)
    assert sha(path) == before


_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@_SETTINGS
@given(table=tables(), sep=st.sampled_from([",", ";", "\t"]), title=st.booleans())
def test_malformed_csv_is_accounted_for_and_left_unchanged(table, sep, title):
    header, rows = table
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        write_csv(path, header, rows, sep, title)
        assert_accounted(path, len(rows))


@_SETTINGS
@given(table=tables(), title=st.booleans())
def test_malformed_xlsx_is_accounted_for_and_left_unchanged(table, title):
    header, rows = table
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.xlsx"
        write_xlsx(path, header, rows, title)
        assert_accounted(path, len(rows))
