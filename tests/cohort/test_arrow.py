"""The fast CSV parse (pyarrow) gives pandas' frame, cell for cell and type for type.

``_io._parse`` (pandas' C parser) is the reference: for every generated file on which the fast
parse answers, the two frames are equal with their dtypes and categories; the files it must
leave to pandas (a title line, a long or short record, a NUL) get ``None``.
Derandomized: the same files on every run.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms_prognosis.cohort._arrow import arrow_frame
from lms_prognosis.cohort._io import NA_TOKENS, _parse, open_csv, read_csv_rows

_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_CELLS = st.one_of(
    st.sampled_from(NA_TOKENS + ["None", "na", " NA", "0", "1", "-3", "2.5", "1e3", "TRUE"]),
    st.sampled_from(["True", "false", "G2", "<50%", "héllo", "日本", " x ", "a,b", 'say "hi"']),
    st.text(alphabet='ab1.,;"\t\n -é', max_size=6),  # a bare \r is a line end: below
    st.integers(-1000, 1000).map(str),
    st.floats(-1e4, 1e4, allow_nan=False).map(lambda v: f"{v:.3f}"),
)


def _frame_equal(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    assert list(fast.columns) == list(slow.columns)
    assert len(fast) == len(slow)
    for name in slow.columns:
        assert fast[name].dtype == slow[name].dtype, name
        pd.testing.assert_series_equal(fast[name], slow[name], check_exact=True)


@st.composite
def _files(draw: st.DrawFn) -> tuple[bytes, dict[str, str], list[str]]:
    k = draw(st.integers(2, 5))  # a header with its separator (one column: below)
    names = [f"c{i}" for i in range(k)]
    rows = draw(st.lists(st.lists(_CELLS, min_size=k, max_size=k), max_size=25))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    out = io.StringIO()
    csv.writer(out, delimiter=sep, quoting=quoting, lineterminator="\n").writerows([names, *rows])
    text = out.getvalue()
    if draw(st.booleans()):  # blank lines between records
        text = text.replace("\n", "\n\n", draw(st.integers(0, 3)))
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    category = draw(st.lists(st.sampled_from(names), unique=True))
    typed = draw(st.lists(st.sampled_from(names), unique=True))
    return (
        text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig"]))),
        dict.fromkeys(category, "category"),
        typed,
    )


@_SETTINGS
@given(_files())
def test_fast_parse_equals_pandas(case):
    raw, dtype, typed = case
    got = open_csv(raw, "<bytes>", ValueError)
    fast = arrow_frame(got, dtype, got.header, typed, NA_TOKENS)
    slow, found = _parse(got, dtype, got.header, typed)
    assert fast is not None  # every record has the header's width: the fast parse answers
    assert not found
    _frame_equal(fast, slow)


@pytest.mark.parametrize(
    "text",
    [
        'id,time,event\na,1.5,1\nb,,0\n"c, d","2",NA\n',
        "id;time\nx;1,5\ny;2\n",
        'id,note\na,"two\nlines"\nb,\n',
        'id,note\r\na,"carriage\rreturn"\r\nb,x\r\n',
        "id\na\n\nNA\n",
        "id,time\n\na,1\n\n",  # blank lines: rows of missing cells, as pandas reads them
        "id,time\nJosé,1\n".encode("cp1252"),  # not UTF-8: read as cp1252, with a note
    ],
)
def test_well_formed_files_take_the_fast_parse(text):
    got = open_csv(text if isinstance(text, bytes) else text.encode(), "<bytes>", ValueError)
    fast = arrow_frame(got, {"id": "category"}, got.header, [], NA_TOKENS)
    assert fast is not None
    _frame_equal(fast, _parse(got, {"id": "category"}, got.header, [])[0])


@pytest.mark.parametrize(
    "raw",
    [
        b"id,time\na,1\nb,2,3\n",  # a long record: pandas reports it
        b"id,time\na\nb,2\n",  # a short record: pandas reads its missing cells
        b"Registry export\n\nid,time\na,1\n",  # a title above the header
        b"id,time\na\x00,1\n",
    ],
)
def test_irregular_files_are_left_to_pandas(raw):
    got = open_csv(raw, "<bytes>", ValueError)
    assert arrow_frame(got, {"id": "category"}, got.header, [], NA_TOKENS) is None
    frame, _ = read_csv_rows(got, {"id": "category"}, "id")  # and pandas still reads them
    assert "id" in frame.columns


@pytest.mark.parametrize("name", ["registry_800_seed2027.csv", "somatic_500_seed2026.csv"])
def test_shipped_cohorts_read_the_same_through_either_parser(monkeypatch, name):
    import lms_prognosis.cohort._io as io_module
    from lms_prognosis.cohort import read_cohort

    path = Path(__file__).resolve().parents[2] / "data" / "synthetic" / name
    fast = read_cohort(path)
    monkeypatch.setattr(io_module, "arrow_frame", lambda *args, **kwargs: None)
    slow = read_cohort(path)
    pd.testing.assert_frame_equal(fast.data, slow.data)
    pd.testing.assert_frame_equal(fast.audit, slow.audit)  # every exclusion and change
    assert fast.notes == slow.notes
