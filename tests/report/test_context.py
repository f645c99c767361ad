"""surv_cells (per-patient survival cells by column) writes exactly what surv_cell writes."""

from __future__ import annotations

import numpy as np
import pytest

from lms_prognosis.report._context import surv_cell, surv_cells


@pytest.mark.parametrize("digits", [2, 3])
def test_surv_cells_is_surv_cell_cell_by_cell(digits: int) -> None:
    rng = np.random.default_rng(11)
    n = 20_000
    s = rng.random(n)
    lo = s * rng.random(n)
    hi = np.minimum(1.0, s + 0.2 * rng.random(n))
    s[:3000] = np.round(rng.random(3000) * 10**digits * 10) / (10**digits * 10)  # ties
    lo[:3000] = np.round(rng.random(3000) * 2 * 10**digits) / (2 * 10**digits)  # x.xx5
    s[3000:3010] = np.nan
    lo[3010:3020] = np.nan
    lo[3020:3030] = -0.0
    lo[3030:3040] = -0.004
    hi[3040:3050] = 1.0
    s[3050] = 1.2  # outside [0, 1]: the scalar path
    want = [surv_cell(a, b, c, digits) for a, b, c in zip(s, lo, hi, strict=True)]
    assert surv_cells(s, lo, hi, digits=digits) == want


def test_surv_cells_empty():
    assert surv_cells([], [], []) == []
