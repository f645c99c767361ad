"""The true cumulative incidences carried by a simulated competing-risk cohort: recovered by
an independent Aalen-Johansen estimate (scikit-survival's
``cumulative_incidence_competing_risks``) and by direct numerical integration (scipy.quad)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate
from sksurv.nonparametric import cumulative_incidence_competing_risks, kaplan_meier_estimator

from lms_prognosis.exceptions import LMSPrognosisError
from lms_prognosis.simulate import simulate_cohort
from lms_prognosis.simulate.hazards import GOMPERTZ_B, GOMPERTZ_H60

TIMES = np.array([12.0, 36.0, 60.0, 96.0])


@pytest.fixture(scope="module")
def big():
    return simulate_cohort(20_000, competing_risks=True, seed=20261202)


def _aj_at(event: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Aalen-Johansen estimates (sksurv) at TIMES: rows any cause, cause 1, cause 2."""
    x, cif = cumulative_incidence_competing_risks(event, time)
    return cif[:, np.searchsorted(x, TIMES, side="right") - 1]


def _aj(data, n_boot: int = 40):
    """Estimates at TIMES and their bootstrap standard errors (sksurv's own variance is
    quadratic in n; 40 resamples, seeded, are enough for a 3.5-SE tolerance)."""
    event, time = data["event"].to_numpy(), data["time"].to_numpy()
    rng = np.random.default_rng(7)
    boot = [_aj_at(event[i], time[i]) for i in rng.integers(0, len(time), (n_boot, len(time)))]
    return _aj_at(event, time), np.std(boot, axis=0, ddof=1)


def test_aalen_johansen_recovers_the_true_cif(big):
    data = big.data
    assert {0, 1, 2} <= set(data["event"].unique())
    est, ses = _aj(data)
    truth = big.truth.population_cif(TIMES)
    for cause in (1, 2):
        true = truth[f"cif{cause}"].to_numpy()
        se = ses[cause]
        z = (est[cause] - true) / se
        # within sampling error: |z| < 3.5 at each horizon (4 horizons x 2 causes)
        assert np.all(np.abs(z) < 3.5), (cause, est[cause], true, z)
        assert np.all(se < 0.006)  # n = 20,000 pins the CIF to well under 1 point


def test_one_minus_km_overstates_the_lms_risk(big):
    """Counting other-cause deaths as censored (1 - KM) is biased above the true CIF."""
    data = big.data
    x, s = kaplan_meier_estimator(data["event"].to_numpy() == 1, data["time"].to_numpy())
    one_minus_km = 1 - s[np.searchsorted(x, 96.0, side="right") - 1]
    true = big.truth.population_cif([96.0])["cif1"].iloc[0]
    est, se = _aj(data, n_boot=20)
    assert one_minus_km - true > 3.5 * se[1, -1]  # one-sided z > 3.5: p < 0.0003
    assert abs(est[1, -1] - true) < 3.5 * se[1, -1]


def test_per_patient_cif_matches_direct_integration(big):
    tr = big.truth
    scale, shape = tr.baseline["scale_months"], tr.baseline["shape"]
    long = tr.cif([60.0])
    for i in (0, 7, 123):
        lp, age = tr.linear_predictor[i], big.data["age"].iloc[i]
        h_age = GOMPERTZ_H60 * np.exp(GOMPERTZ_B * (age - 60.0))

        def s12(u, lp=lp, h_age=h_age):
            s1 = np.exp(-((u / scale) ** shape) * np.exp(lp))
            return s1 * np.exp(-h_age / GOMPERTZ_B * np.expm1(GOMPERTZ_B * u / 12.0))

        def h1(u, lp=lp):
            return shape / scale * (u / scale) ** (shape - 1) * np.exp(lp)

        def h2(u, h_age=h_age):
            return h_age * np.exp(GOMPERTZ_B * u / 12.0) / 12.0

        f1 = integrate.quad(lambda u: h1(u) * s12(u), 0, 60, limit=200)[0]
        f2 = integrate.quad(lambda u: h2(u) * s12(u), 0, 60)[0]
        pid = big.data["patient_id"].iloc[i]
        got = long[long["patient_id"] == pid].set_index("cause")["cif"]
        assert got[1] == pytest.approx(f1, abs=1e-9)
        assert got[2] == pytest.approx(f2, abs=1e-9)
        assert tr.survival["cif1_60m"].iloc[i] == pytest.approx(f1, abs=1e-9)


def test_cif_is_coherent(big):
    tr = big.truth
    long = tr.cif(TIMES)
    f1 = long[long["cause"] == 1]["cif"].to_numpy().reshape(-1, TIMES.size)
    f2 = long[long["cause"] == 2]["cif"].to_numpy().reshape(-1, TIMES.size)
    assert np.all(np.diff(f1, axis=1) > 0) and np.all(np.diff(f2, axis=1) > 0)
    assert np.all(f1 + f2 < 1)
    # LMS deaths by 60 months are fewer than without the competing cause (1 - S1)
    assert np.all(f1[:, 2] <= 1 - tr.survival["surv_60m"].to_numpy() + 1e-12)


def test_other_cause_mortality_is_labelled_a_design_value(big):
    assert "design value" in big.truth.other_cause["source"]
    assert any("design value" in n for n in big.notes)


def test_without_competing_risks_cause_2_is_zero():
    coh = simulate_cohort(300, seed=5)
    pc = coh.truth.population_cif([60.0])
    assert pc["cif2"].iloc[0] == 0.0
    assert pc["cif1"].iloc[0] == pytest.approx(1 - coh.truth.survival["surv_60m"].mean())
    assert "cif1_60m" not in coh.truth.survival.columns


def test_os_endpoint_has_no_cause_specific_cif():
    coh = simulate_cohort(100, endpoint="OS", seed=5)
    with pytest.raises(LMSPrognosisError, match="competing_risks=True"):
        coh.truth.cif([60.0])


def test_design_other_cause_hazard_is_within_a_life_table():
    """The design value lies between the female and male US 2010 life-table rates at 60-80
    (tests/reference/other_cause_mortality.R, R survival::survexp.us)."""
    ref = json.loads(
        (Path(__file__).parents[1] / "reference" / "other_cause_mortality.json").read_text()
    )
    for age, male, female in zip(ref["age"], ref["male"], ref["female"], strict=True):
        h = GOMPERTZ_H60 * np.exp(GOMPERTZ_B * (age - 60))
        if 60 <= age <= 80:
            assert female <= h <= male, (age, h, female, male, ref["call"])
            assert h == pytest.approx((male + female) / 2, rel=0.10)
