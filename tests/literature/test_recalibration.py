"""Recalibration of a published model's slope as well as its baseline, against R.

``PublishedModel.recalibrate(method="slope")``: the slope b of ``coxph(Surv ~ lp)`` multiplies
the linear predictor and the baseline is refitted with the offset b x lp. Numbers from
tests/reference/report_model.json (tests/reference/report_model.R), the R call beside each.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lms_prognosis.evaluate import calibration
from lms_prognosis.exceptions import DataWarning, ModelError
from lms_prognosis.literature import published_model
from lms_prognosis.report._calculator_published import published_spec
from lms_prognosis.simulate import load_synthetic

FIX = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "report_model.json").read_text()
)
KEYS = [k for k in FIX if k.startswith("slope_")]


@pytest.mark.parametrize("key", KEYS)
def test_slope_recalibration_equals_r(key):
    ref = FIX[key]
    coh = load_synthetic()
    m = published_model(ref["model"]).recalibrate(coh, ties=ref["ties"], method="slope")
    assert m.recalibration.method == "slope"
    np.testing.assert_allclose(
        [m.lp_scale, m.calibration_slope, m.calibration_slope_se],
        [ref["slope"], ref["slope"], ref["slope_se"]],
        rtol=1e-9,
        err_msg=ref["slope_call"],
    )
    np.testing.assert_allclose(
        m.baseline.cumhaz_at(ref["time"]), ref["cumhaz"], rtol=1e-9, err_msg=ref["baseline_call"]
    )
    s60 = m.apply(coh, horizons=[60])["surv_60m"].to_numpy()[:5]
    np.testing.assert_allclose(s60, ref["surv60_first"], rtol=1e-9, err_msg=ref["surv60_call"])
    # the scaled model's own calibration slope on the cohort: 1, as R's coxph(~ b * lp)
    cal = calibration(m, coh, time_point=60)
    np.testing.assert_allclose(cal.slope, ref["recal_slope"], rtol=1e-6)


def test_slope_method_scales_effects_keeps_risk_groups_and_the_calculator_agrees():
    coh = load_synthetic()
    pub = published_model("gustafson1992")
    base = pub.recalibrate(coh)
    slope = pub.recalibrate(coh, method="slope")
    assert base.lp_scale == 1.0 and base.recalibration.method == "baseline"
    b = slope.lp_scale
    assert 0 < b < 1  # Gustafson's n = 48 effects are too extreme for this cohort
    np.testing.assert_allclose(slope.coefficients, b * pub.coefficients, rtol=1e-15)
    a_base, a_slope = base.apply(coh, horizons=[60]), slope.apply(coh, horizons=[60])
    np.testing.assert_allclose(a_slope["linear_predictor"], b * a_base["linear_predictor"])
    assert (a_slope["risk_group"] == a_base["risk_group"]).all()
    assert "multiplied" in repr(slope) and "slope x the" in repr(slope.recalibration)
    cuts = published_spec(slope)["groups"]["cuts"]
    np.testing.assert_allclose(cuts, b * np.asarray(published_spec(pub)["groups"]["cuts"]))


def test_points_systems_are_slope_recalibrated_whatever_the_method():
    coh = load_synthetic()
    sin = published_model("sin2003")
    with pytest.warns(DataWarning, match="endpoint"):
        a = sin.recalibrate(coh, allow_endpoint_mismatch=True)
        b = sin.recalibrate(coh, allow_endpoint_mismatch=True, method="slope")
    assert a.recalibration.method == b.recalibration.method == "slope"
    assert a.lp_scale == b.lp_scale == 1.0  # points keep their own per-point slope
    np.testing.assert_allclose(a.baseline.cumhaz, b.baseline.cumhaz)


def test_bad_method_and_recalibrating_twice_are_refused():
    coh = load_synthetic()
    with pytest.raises(ModelError, match="method must be one of"):
        published_model("lms_default").recalibrate(coh, method="both")
    once = published_model("lms_default").recalibrate(coh, method="slope")
    with pytest.raises(ModelError, match="already slope-recalibrated"):
        once.recalibrate(coh, method="slope")
