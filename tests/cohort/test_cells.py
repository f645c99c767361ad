"""The one-pass helpers of the reader agree with pandas and with the rules cell by cell."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.cohort._cells import (
    any_stripped,
    containing,
    digit_cells,
    joined,
    names_match,
    slots,
    typed_like_pandas,
)
from lms_prognosis.cohort._io import NA_TOKENS

COLUMNS = {
    "ints": ["1", "2", "3", "2"],
    "ints with a blank": ["1", "", "3", "NA"],
    "floats and ints": ["1", "2.0", "3.5", "1"],
    "text beside numbers": ["1", "2", "G2", "1"],
    "booleans": ["True", "FALSE", "true", "False"],
    "booleans with a blank": ["True", "", "false", "TRUE"],
    "all blank": ["", "", "NA", ""],
    "quotes and separators": ['a "b"', "c,d", "e;f", "1"],
    "big integers": ["18446744073709551615", "1", "2", "3"],
    "exponents and signs": ["1e3", "-2", "+4.5", " 7 "],
}


def _csv(cells: list[str], sep: str) -> str:
    quoted = ['"' + c.replace('"', '""') + '"' if sep in c or '"' in c else c for c in cells]
    return "x" + sep + "y\n" + "".join(f"{q}{sep}0\n" for q in quoted)


def _read(text: str, sep: str, dtype: object) -> pd.Series:
    return pd.read_csv(
        io.StringIO(text), sep=sep, dtype=dtype, decimal="," if sep == ";" else ".",
        keep_default_na=False, na_values=NA_TOKENS, low_memory=False,
    )["x"]  # fmt: skip


@pytest.mark.parametrize("name", list(COLUMNS))
@pytest.mark.parametrize("sep", [",", ";"])
def test_typed_like_pandas_is_what_read_csv_infers(name: str, sep: str) -> None:
    cells = COLUMNS[name]
    if sep == ";":
        cells = [c.replace(".", ",") for c in cells]
    text = _csv(cells, sep)
    want = _read(text, sep, None)  # pandas' own inference over the whole column
    cats = _read(text, sep, "category").array
    other = pd.Categorical(["1", "2", "x", "2", "1"])  # a second column in the same parse
    got, kept = typed_like_pandas([cats, other], sep, "," if sep == ";" else ".", NA_TOKENS)
    assert kept is other
    if isinstance(got, pd.Categorical):  # kept as text: the cells pandas reads as text
        assert want.dtype == object
        assert pd.Series(np.asarray(got, dtype=object)).equals(want)
    else:
        assert got.dtype == want.dtype, name
        pd.testing.assert_series_equal(pd.Series(got, name="x"), want, check_exact=True)


CELLS = np.array(
    ["12", "12.5", "3.530", " Time", "time ", "TIME", "Kime", "x,y", "1,5", "", "\u2003a",
     "a\u00a0", "0.5", "05", "1.2.3", ".5", "5.", "+4", "١٢", "times", "a\tb", "\x1fz"],
    dtype=object,
)  # fmt: skip


def test_scans_agree_with_the_rule_cell_by_cell() -> None:
    text = joined(CELLS)
    assert text is not None and joined(np.array(["a", 1], dtype=object)) is None
    assert joined(np.array(["a\x00b"], dtype=object)) is None  # a NUL in a cell
    for mark in (",", ".", "\t"):
        assert list(containing(text, mark)) == [c for c in CELLS if mark in c]
    for name in ("time", "x", "a"):
        want = [c.strip().lower() == name for c in CELLS]
        assert names_match(CELLS, name).tolist() == want
    for i in range(len(CELLS)):
        one = CELLS[i : i + 1]
        assert any_stripped(joined(one)) == (one[0] != one[0].strip()), one[0]
    plain = [c.isascii() and c.replace(".", "", 1).isdigit() and c[0] != "." and c[-1] != "."
             for c in CELLS]  # fmt: skip
    grouped = [p and len(c) - c.find(".") == 4 and 1 <= c.find(".") <= 3 and c[0] != "0"
               for p, c in zip(plain, CELLS, strict=True)]  # fmt: skip
    assert digit_cells(CELLS, grouped=True).tolist() == plain
    assert digit_cells(CELLS, grouped=False).tolist() == [
        p and not g for p, g in zip(plain, grouped, strict=True)
    ]


def test_slots_of_a_categorical_are_its_codes() -> None:
    s = pd.Series(pd.Categorical(["b", None, "a", "b"], categories=["a", "b", "c"]))
    codes, cells, text = slots(s)
    assert codes.tolist() == [1, -1, 0, 1] and cells.tolist() == ["a", "b", "c"]
    assert text == "a\x00b\x00c"
    codes, cells, text = slots(pd.Series(["b", None, 2]))
    assert cells[codes[codes >= 0]].tolist() == ["b", 2] and text is None
