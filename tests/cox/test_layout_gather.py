"""The engine's sorted copy of the design is the same whichever way the columns are laid out.

``sorted_design`` gathers whole rows when the columns are the float64 columns of one
row-major array (a DataFrame made from an (n, p) array), column by column when each is
contiguous, and a block of rows at a time otherwise; every way gives ``x[order] - center``,
and a fit gives the same coefficients.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lms_prognosis import fit_cox
from lms_prognosis.cox._layout import _row_major_base, sorted_design

N = 40_000  # above the size stacked whole, so the gathers themselves run


@pytest.fixture(scope="module")
def rows() -> np.ndarray:
    return np.random.default_rng(3).normal(size=(N, 6))


def _reference(columns, center, order):
    return np.vstack([c[order] for c in columns]) - center[:, None]


@pytest.mark.parametrize("pick", [[0, 1, 2, 3, 4, 5], [4, 1], [5], [2, 3, 0]])
def test_row_gather_equals_column_gather(rows, pick):
    order = np.random.default_rng(4).permutation(N)
    center = np.linspace(-1, 1, len(pick))
    shared = [rows[:, j] for j in pick]  # views of one row-major array
    found = _row_major_base(shared)
    assert found is not None and found[1] == [j - min(pick) for j in pick]
    contiguous = [rows[:, j].copy() for j in pick]
    strided = [np.asfortranarray(rows)[:, j][::1] for j in pick]
    wide = np.repeat(rows, 2, axis=0)[::2]  # strided views whose owner has other rows
    for columns in (shared, contiguous, strided, [wide[:, j] for j in pick]):
        got = sorted_design(columns, center, order)
        assert np.array_equal(got, _reference(columns, center, order))


def test_columns_of_different_arrays_are_not_taken_as_one(rows):
    other = rows.copy()
    assert _row_major_base([rows[:, 0], other[:, 1]]) is None
    assert _row_major_base([rows[:, 0].astype(np.float32)]) is None


def test_fit_is_the_same_for_a_row_major_and_a_copied_frame(rows):
    rng = np.random.default_rng(5)
    lin = rows[:, :3] @ np.array([0.4, -0.3, 0.2])
    t = np.round(rng.exponential(30 * np.exp(-lin)), 1) + 0.1
    frame = pd.DataFrame(rows, columns=[f"x{j}" for j in range(6)])  # keeps the (n, 6) array
    frame["time"], frame["event"] = t, (rng.random(N) < 0.7).astype(int)
    assert _row_major_base([frame[f"x{j}"].to_numpy() for j in range(4)]) is not None
    copied = frame.copy()  # pandas consolidates: a (p, n) block, columns contiguous
    covs = ["x0", "x1", "x2", "x3"]
    a, b = fit_cox(frame, covs), fit_cox(copied, covs)
    assert np.array_equal(a.coef.to_numpy(), b.coef.to_numpy())
