"""cox.zph on a fit too small for the test: a clear CoxError, not numpy's LinAlgError."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import lms_prognosis as lp


def test_a_singular_ph_test_is_a_cox_error_not_a_linalg_error() -> None:
    df = pd.DataFrame({"time": [1.0, 2.0], "event": [1, 0], "x": [0.0, 1.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = lp.fit_cox(df, ["x"])
        with pytest.raises(lp.CoxError, match="information matrix is singular"):
            fit.check_ph()
