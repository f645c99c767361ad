"""simulate_cohort(missing=, missing_mechanism=): what is removed, how, and the truth of it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.exceptions import LMSPrognosisError
from lms_prognosis.simulate.missing import MAR_LOG_ODDS

MISSING = {"aneuploidy": 0.6, "vascular_invasion": 0.2}


def test_without_missing_the_cohort_is_unchanged():
    a = lp.simulate_cohort(300, seed=9)
    b = lp.simulate_cohort(300, seed=9, missing=None)
    c = lp.simulate_cohort(300, seed=9, missing={})
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.data, c.data)


@pytest.mark.parametrize("mechanism", ["MCAR", "MAR"])
def test_truth_records_exactly_what_was_removed(mechanism):
    full = lp.simulate_cohort(2000, seed=4)
    c = lp.simulate_cohort(2000, seed=4, missing=MISSING, missing_mechanism=mechanism)
    removed = c.truth.parameters["removed"]
    assert c.truth.parameters["missing_mechanism"] == mechanism
    assert c.truth.parameters["missing"] == MISSING
    for col, frac in MISSING.items():
        gone = c.data[col].isna()
        rows = removed.loc[removed["column"] == col]
        assert sorted(rows["row"]) == sorted(c.data.index[gone])
        # the removed values are the complete cohort's values (the rest is untouched)
        assert rows["value"].tolist() == full.data.loc[rows["row"], col].astype(object).tolist()
        pd.testing.assert_series_equal(c.data.loc[~gone, col], full.data.loc[~gone, col])
        assert abs(gone.mean() - frac) < 4 * np.sqrt(frac * (1 - frac) / 2000)
    other = [k for k in full.data.columns if k not in MISSING]
    pd.testing.assert_frame_equal(c.data[other], full.data[other])
    pd.testing.assert_series_equal(c.truth.log_hr, full.truth.log_hr)
    assert any("removed" in n for n in c.notes)


def test_mar_depends_on_grade_and_the_outcome_mcar_does_not():
    def odds_ratios(mechanism):
        c = lp.simulate_cohort(
            20000, seed=2, missing={"aneuploidy": 0.5}, missing_mechanism=mechanism
        )
        gone = c.data["aneuploidy"].isna()
        out = {}
        for name, flag in (
            ("grade 3", c.data["grade"].astype(object) == "3"),
            ("event", c.data["event"] == 1),
        ):
            p1, p0 = gone[flag].mean(), gone[~flag].mean()
            out[name] = np.log(p1 / (1 - p1) * (1 - p0) / p0)
        return out

    mar, mcar = odds_ratios("MAR"), odds_ratios("MCAR")
    for name in ("grade 3", "event"):
        assert abs(mcar[name]) < 0.15
        # marginal log-odds ratios: close to the design value (the other driver is omitted)
        assert mar[name] == pytest.approx(MAR_LOG_ODDS[name], abs=0.3)


def test_bad_missing_arguments():
    with pytest.raises(LMSPrognosisError, match="MCAR' or 'MAR"):
        lp.simulate_cohort(50, missing={"aneuploidy": 0.2}, missing_mechanism="MNAR")
    with pytest.raises(LMSPrognosisError, match="only covariates"):
        lp.simulate_cohort(50, missing={"time": 0.2})
    with pytest.raises(LMSPrognosisError, match="not a column"):
        lp.simulate_cohort(50, missing={"ploidy": 0.2})
    with pytest.raises(LMSPrognosisError, match=r"\[0, 1\)"):
        lp.simulate_cohort(50, missing={"aneuploidy": 1.0})
