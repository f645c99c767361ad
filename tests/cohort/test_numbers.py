"""The vectorised fast path of ``read_numbers`` reads exactly what the cell-by-cell rules read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.cohort._numbers import _plain, read_numbers

CELLS = [
    "12", "12.5", "0", "007", "0.5", "3.530", "1.234", "0.530", "999.999", "1000.000",
    "12,5", "3,530", " 12 ", "+4", "-4", "1e3", "2E-2", ".5", "5.", "1.2.3", "12 d",
    "1 234", "١٢", "12\u00a0", "", "nan", "inf", "1e999", "3 weeks", "x", "12.5.", "1..2",
]  # fmt: skip


def _plain_by_regex(uniques: list[object], convention: str) -> np.ndarray:
    """The rule as the earlier (cell-by-cell) version wrote it."""
    text = pd.Series(uniques, dtype=object).map(lambda u: u if isinstance(u, str) else "")
    text = text.str.strip()
    plain = text.str.fullmatch(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?")
    if convention != "point":
        plain &= ~text.str.fullmatch(r"[-+]?[1-9]\d{0,2}\.\d{3}")
    out = np.full(len(text), np.nan)
    out[plain.to_numpy()] = pd.to_numeric(text[plain], errors="coerce").to_numpy(dtype=float)
    return out


@pytest.mark.parametrize("convention", ["point", "comma", "mixed", "none"])
def test_fast_path_is_the_regular_expression(convention: str) -> None:
    cells: list[object] = [*CELLS, 3, None]
    np.testing.assert_array_equal(_plain(cells, convention), _plain_by_regex(cells, convention))


@pytest.mark.parametrize("convention", ["point", "comma"])
def test_random_plain_numbers(convention: str) -> None:
    rng = np.random.default_rng(7)
    values, digits = rng.exponential(900, 3000), rng.integers(0, 5, 3000)
    cells = [f"{x:.{d}f}" for x, d in zip(values, digits, strict=True)]
    got = read_numbers(pd.Series(cells, dtype=object), "time", convention)
    want = _plain_by_regex(cells, convention)
    fast = ~np.isnan(want)
    np.testing.assert_array_equal(got.values[fast], want[fast])
    assert not got.bad[fast].any() and (got.note[fast] == "").all()
    # one group of three digits after a dot: a thousands separator under the comma rule
    if convention == "comma":
        grouped = [i for i, c in enumerate(cells) if pd.Series([c]).str.fullmatch(
            r"[1-9]\d{0,2}\.\d{3}").iloc[0]]  # fmt: skip
        assert grouped and all(got.note[i].startswith("thousands separator") for i in grouped)
