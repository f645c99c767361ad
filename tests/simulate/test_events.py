"""Tests of lms_prognosis.simulate.events and the endpoints, populations and uterine predictors
of simulate_cohort: MFS and LRFS cohorts, SIN validated on an MFS cohort, the literature
baselines faithful to the simulator (O/E at 5 years), gustafson1992 refused outside its
population, uterine LMS without FNCLCC grade."""

from __future__ import annotations

import numpy as np
import pytest

import lms_prognosis as lp
from lms_prognosis.exceptions import DataWarning, LMSPrognosisError, PopulationError
from lms_prognosis.simulate.events import (
    LR_TARGET_5Y,
    METASTASIS_LEAD_CAP,
    mfs_survival,
)


def _km60(df, group=None):
    d = df.assign(event=(df["event"] == 1).astype(int))
    return lp.kaplan_meier(d, group=group).at([60]).set_index("group")["surv"]


@pytest.mark.parametrize(
    ("model", "key"), [("default", "lms_default"), ("gustafson1992", "gustafson1992")]
)
def test_literature_baseline_gives_o_over_e_one_at_5_years(model, key):
    coh = lp.simulate_cohort(50_000, model=model, seed=314)
    pred = lp.published_model(key).apply(coh)["surv_60m"].to_numpy()
    true = coh.truth.survival["surv_60m"].to_numpy()
    # expected deaths by 5 years: the simulator's truth vs the published model's baseline
    assert abs((1 - true.mean()) / (1 - pred.mean()) - 1) < 0.01
    # and the deaths observed in the cohort (Kaplan-Meier) agree within sampling error
    km = _km60(coh.data)["all"]
    assert abs((1 - km) / (1 - pred.mean()) - 1) < 0.04


def test_mfs_cohort_metastasis_precedes_lms_death_and_km_matches_truth():
    mfs = lp.simulate_cohort(40_000, endpoint="MFS", seed=5, follow_up_years=10)
    dss = lp.simulate_cohort(40_000, endpoint="DSS", seed=5, follow_up_years=10)
    # same patients and DSS truth; metastasis is found before death from LMS
    assert mfs.data.drop(columns=["time", "event"]).equals(dss.data.drop(columns=["time", "event"]))
    both = (mfs.data["event"] == 1) & (dss.data["event"] == 1)
    assert (mfs.data.loc[both, "time"] <= dss.data.loc[both, "time"]).all()
    assert ((dss.data["event"] == 1) <= (mfs.data["event"] == 1)).all()
    true = mfs.truth.survival["mfs_surv_60m"].mean()
    assert true < mfs.truth.survival["surv_60m"].mean()
    assert abs(_km60(mfs.data)["all"] - true) < 0.01
    assert mfs.endpoint == "MFS" and "distant metastasis" in mfs.notes[1]


def test_mfs_survival_matches_monte_carlo_for_one_patient():
    rng = np.random.default_rng(3)
    n, scale, shape, lp_ = 400_000, 900.0, 0.8, 0.7
    t_d = scale * (rng.standard_exponential(n) * np.exp(-lp_)) ** (1 / shape)
    w = rng.standard_exponential(n) * 18.0 / np.log(2)
    t_m = t_d - np.minimum(w, METASTASIS_LEAD_CAP * t_d)
    exact = mfs_survival(np.array([lp_]), scale, shape, np.array([12.0, 60.0]))[0]
    np.testing.assert_allclose(exact, [(t_m > 12).mean(), (t_m > 60).mean()], atol=0.003)


def test_lrfs_cohort_margin_drives_local_recurrence():
    c = lp.simulate_cohort(40_000, endpoint="LRFS", seed=6, follow_up_years=10)
    assert abs(c.truth.survival["lrfs_surv_60m"].mean() - LR_TARGET_5Y) < 0.01
    hr = c.truth.parameters["local_recurrence"]["hazard_ratios"]
    fit = lp.fit_cox(c.data.assign(r1=c.data["margin"] != "R0"), ["r1"])
    assert abs(fit.hazard_ratios["coef"].iloc[0] - np.log(hr["margin_positive"])) < 0.25
    cr = lp.simulate_cohort(5_000, endpoint="LRFS", competing_risks=True, seed=6)
    assert set(cr.data["event"].unique()) == {0, 1, 2}
    with pytest.raises(LMSPrognosisError, match="'DSS' only"):
        cr.truth.cif([60])


def test_sin_high_and_low_risk_separate_on_a_simulated_mfs_cohort():
    c = lp.simulate_cohort(20_000, endpoint="MFS", seed=2003, follow_up_years=10)
    group = lp.published_model("sin2003").apply(c)["risk_group"].astype(str).to_numpy()
    df = c.data.assign(high=group == "high", event=(c.data["event"] == 1).astype(int))
    hr = lp.fit_cox(df, ["high"]).hazard_ratios.iloc[0]
    # published 5-y MFS 0.80-0.85 vs 0.43-0.48 (SIN 2003): HR about 4; plausible 2-6
    assert 2.0 < hr["lower"] and hr["upper"] < 6.0
    km = _km60(df, "high")
    assert 0.70 < km[False] < 0.90 and 0.40 < km[True] < 0.60
    assert lp.logrank_test(df, group="high").p < 1e-10


def test_gustafson_refused_outside_its_population_default_allowed():
    with pytest.raises(PopulationError, match="profile='somatic'.*model='default'"):
        lp.simulate_cohort(10, profile="all_site", model="gustafson1992")
    assert lp.simulate_cohort(10, profile="all_site", model="default").truth is not None


def test_uterine_lms_has_no_grade_and_its_own_predictors():
    c = lp.simulate_cohort(60_000, profile="all_site", seed=12)
    ut = c.data["site"] == "uterus"
    assert c.data.loc[ut, "grade"].isna().all() and c.data.loc[~ut, "grade"].notna().all()
    assert set(c.data.loc[ut, "figo_stage"].astype(str)) == {"I", "II"}
    b = c.truth.log_hr
    assert b["uterus_mitoses_ge_20"] > 0 and b["uterus_stage_ii"] > 0
    df = c.truth.design_frame(c.data)
    assert df["grade"].notna().all()  # uterine rows: reference level (grade not applicable)
    fit = lp.fit_cox(df, c.truth.covariates).hazard_ratios.set_index("term")
    z = (fit["coef"] - b[fit.index]) / fit["se"]
    assert (z.abs() < 3.5).all(), z
    s = c.truth.survival["surv_60m"][ut.to_numpy()].mean()
    assert abs(s - 0.50) < 0.02
    # the published lms_default needs a grade: uterine patients are left out, not scored
    with pytest.warns(DataWarning, match="outside the population"):
        res = lp.published_model("lms_default").score(
            c.data.head(300), allow_outside_population=True
        )
    assert set(res.dropped.loc[res.dropped["column"] == "grade", "row"]) >= set(
        np.flatnonzero(ut.head(300).to_numpy())
    )


def test_spread_of_true_5y_dss_against_published_risk_groups():
    c = lp.simulate_cohort(50_000, seed=17)
    s = c.truth.survival.assign(grade=c.data["grade"].astype(str).to_numpy())
    by = s.groupby("grade")["surv_60m"].mean()
    # NCI STS tumour-related mortality 3% / 13% / 38% by grade [V] (whole follow-up)
    assert by["1"] > 0.88 and 0.78 < by["2"] < 0.90 and 0.55 < by["3"] < 0.70
    q = np.quantile(s["surv_60m"], [0.05, 0.5, 0.95])
    # domain 6.3 (independent covariates): 0.41 / 0.78 / 0.94
    assert 0.30 < q[0] < 0.50 and 0.72 < q[1] < 0.85 and 0.90 < q[2] < 0.98
