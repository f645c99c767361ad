"""Issue 13, item 3: a missing predictor is averaged on the survival scale, weighted by its
prevalence given the patient's observed factors, from the simulator's covariate model.

The outside truth here is the simulator itself (lms_prognosis.simulate.covariates): its
constants, and large samples drawn by it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.literature import data as lit
from lms_prognosis.literature import published_model
from lms_prognosis.literature._data_covariates import COVARIATE_MODEL
from lms_prognosis.literature._marginal import independent_levels, joint_table
from lms_prognosis.simulate import covariates as simcov


def _cov(name: str) -> float:
    return next(r.value for r in COVARIATE_MODEL if r.name == name)


def _s0(model: str) -> float:
    return lit.constant(f"S0_60m[{model}]")


def test_two_level_average_is_on_the_survival_scale_hand_checked():
    """Gustafson, aneuploidy missing, grade 3 observed: P(aneuploid | G3) = 0.75 exactly
    (aneuploidy depends on grade only), so S(60) = 0.75 * S0^384 + 0.25 * S0^96."""
    patient = pd.DataFrame(
        {
            "age": [70.0],
            "vascular_invasion": [True],
            "necrosis": [">=50%"],
            "aneuploidy": [None],
            "grade": ["3"],
            "site": ["extremity"],
        }
    )
    m = published_model("gustafson1992")
    res = m.score(patient, horizons=[60], missing="marginalise")
    s0 = _s0("gustafson1992")
    p = _cov("cov.aneuploidy_given_grade[3]")
    assert p == 0.75
    expected = p * s0 ** (8 * 4 * 4 * 3) + (1 - p) * s0 ** (8 * 4 * 3)
    got = res.table["surv_60m"].iloc[0]
    assert math.isclose(got, expected, rel_tol=1e-12)
    # the 0.1 rule (relative risks averaged) gives much less: S0 ** (96 * (0.25 + 0.75 * 4))
    old = s0 ** (96 * (0.25 + 0.75 * 4))
    assert old < expected - 0.05
    # the linear predictor is the conditional mean of the LP: log 96 + 0.75 log 4
    assert math.isclose(
        res.table["linear_predictor"].iloc[0], math.log(96) + 0.75 * math.log(4), rel_tol=1e-12
    )
    assert res.table["marginalised"].iloc[0] == "aneuploidy"
    assert len(res.dropped) == 0 and any("survival averaged" in n for n in res.notes)


def test_the_issue_example_two_equally_likely_survivals():
    """0.02 and 0.40 with weight 1/2 each average to 0.21 (the old rule gave about 0.09)."""
    # an independent binary with p = 1/2 is not in the model, so check the rule directly on
    # the age factor with the weights it has: S = (1 - p) S(<60) + p S(>=60)
    patient = pd.DataFrame(
        {"age": [None], "vascular_invasion": [True], "aneuploidy": [True], "necrosis": ["none"]}
    )
    m = published_model("gustafson1992")
    s = m.score(patient, horizons=[60], missing="marginalise").table["surv_60m"].iloc[0]
    (q, _), (p, _) = independent_levels("age_ge_60")
    s0 = _s0("gustafson1992")
    assert math.isclose(s, q * s0**16 + p * s0 ** (16 * 8), rel_tol=1e-12)
    assert math.isclose(0.5 * 0.02 + 0.5 * 0.40, 0.21)


def test_covariate_model_equals_the_simulators():
    som = simcov.SITE_PARAMETERS["somatic"]
    assert (_cov("cov.age_mean"), _cov("cov.age_sd")) == som["age"]
    assert (_cov("cov.size_median"), _cov("cov.size_sigma_log")) == som["size"]
    assert _cov("cov.p_deep") == som["p_deep"]
    assert _cov("cov.mitoses_median") == som["mit_median"]
    nec = tuple(_cov(f"cov.necrosis[{k}]") for k in ("none", "<50%", ">=50%"))
    assert nec == som["necrosis"]
    assert (_cov("cov.age_min"), _cov("cov.age_max")) == simcov.AGE_RANGE
    assert (_cov("cov.size_min"), _cov("cov.size_max")) == simcov.SIZE_RANGE
    assert _cov("cov.latent_rho") == simcov.GRADE_LATENT_RHO
    assert _cov("cov.mitoses_sigma_log") == simcov.MITOSES_SIGMA_LOG
    assert tuple(_cov(f"cov.differentiation[{k}]") for k in (1, 2, 3)) == (simcov.DIFFERENTIATION_P)
    assert tuple(_cov(f"cov.vascular_given_grade[{k}]") for k in (1, 2, 3)) == (
        simcov.VASCULAR_BY_GRADE
    )
    assert tuple(_cov(f"cov.aneuploidy_given_grade[{k}]") for k in (1, 2, 3)) == (
        simcov.ANEUPLOIDY_BY_GRADE
    )
    assert _cov("cov.p_margin_positive") == simcov.P_R1
    assert _cov("cov.p_site_trunk") == simcov.SITE_SHARES["somatic"]["trunk"]


@pytest.fixture(scope="module")
def drawn() -> pd.DataFrame:
    frame, _ = simcov.draw_covariates(200_000, "somatic", np.random.default_rng(20261202))
    return frame


def _close(p_exact: float, x: np.ndarray) -> None:
    se = math.sqrt(p_exact * (1 - p_exact) / len(x))
    assert abs(float(np.mean(x)) - p_exact) < 4.5 * se + 1e-9, (p_exact, float(np.mean(x)))


def test_joint_law_matches_the_simulators_draws(drawn):
    j = joint_table()
    assert math.isclose(j["prob"].sum(), 1.0, abs_tol=1e-12)
    grade = drawn["grade"].astype(int).to_numpy()
    nec = drawn["necrosis"].cat.codes.to_numpy()
    for g in (1, 2, 3):
        _close(float(j.loc[j["grade"] == g, "prob"].sum()), grade == g)
        for c in (0, 1, 2):  # P(grade = g | necrosis = c): the correlated structure
            sub = j[j["necrosis"] == c]
            p = float(sub.loc[sub["grade"] == g, "prob"].sum() / sub["prob"].sum())
            _close(p, grade[nec == c] == g)
    aneu = drawn["aneuploidy"].to_numpy(dtype=bool)
    vi = drawn["vascular_invasion"].to_numpy(dtype=bool)
    sub = j[j["necrosis"] == 0]
    _close(float(sub.loc[sub["aneuploidy"] == 1, "prob"].sum() / sub["prob"].sum()), aneu[nec == 0])
    _close(float(j.loc[j["vascular_invasion"] == 1, "prob"].sum()), vi)
    (_, _), (p_age, _) = independent_levels("age_ge_60")
    _close(p_age, drawn["age"].to_numpy() >= 60)
    (_, _), (p_size, _) = independent_levels("size_gt_5")
    _close(p_size, drawn["size_cm"].to_numpy() > 5)


def test_marginals_are_near_the_documented_targets():
    targets = {r.name: r.value for r in lit.PREVALENCES}
    j = joint_table()
    for g in (1, 2, 3):
        assert abs(j.loc[j["grade"] == g, "prob"].sum() - targets[f"grade[{g}]"]) < 0.02
    assert abs(j.loc[j["aneuploidy"] == 1, "prob"].sum() - targets["aneuploidy"]) < 0.02
    assert (
        abs(j.loc[j["vascular_invasion"] == 1, "prob"].sum() - targets["vascular_invasion"]) < 0.01
    )
    for name in ("age_ge_60", "size_gt_5", "deep", "margin_positive"):
        assert abs(independent_levels(name)[1][0] - targets[name]) < 0.02, name


@pytest.mark.parametrize("masked", ["aneuploidy", "grade", "vascular_invasion"])
def test_marginalised_survival_is_unbiased_on_the_simulators_cohort(drawn, masked):
    """Law of total expectation: with a factor masked at random, the mean of the averaged
    survival equals the mean of the full-information survival (within Monte Carlo error),
    overall and within each observed grade. The 0.1 rule (relative risks averaged) fails."""
    m = published_model("lms_default")
    d = drawn.iloc[:60_000].copy()
    d["site"] = d["site"].astype(str)
    full = m.score(d, horizons=[60], time=None).table["surv_60m"].to_numpy()
    d[masked] = pd.Series([None] * len(d), dtype=object, index=d.index)
    avg = m.score(d, horizons=[60], time=None, missing="marginalise").table["surv_60m"]
    se = float(np.std(full)) / math.sqrt(len(full))
    assert abs(float(np.mean(avg)) - float(np.mean(full))) < 4 * se
    if masked != "grade":
        g = drawn["grade"].iloc[:60_000].astype(int).to_numpy()
        for k in (1, 2, 3):
            sub = full[g == k]
            assert abs(avg.to_numpy()[g == k].mean() - sub.mean()) < 4 * sub.std() / math.sqrt(
                len(sub)
            )


def test_models_needing_ploidy_say_so_up_front():
    for name in ("gustafson1992", "lms_default"):
        m = published_model(name)
        assert "aneuploidy" in m.inputs and "DNA ploidy" in m.requirements
        assert "DNA ploidy" in repr(m).split("source:")[0]
    assert published_model("chapel2022").requirements == ""
