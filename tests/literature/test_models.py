"""Tests of lms_prognosis.literature.models: sources, hand-computed predictors, missing data,
endpoints, recalibration."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.literature import data as lit
from lms_prognosis.literature.models import (
    EndpointMismatchError,
    list_models,
    published_model,
)
from lms_prognosis.simulate.cohorts import simulate_cohort


def test_every_number_carries_a_source_and_evidence_marker():
    recs = lit.all_records()
    assert len(recs) > 40
    for r in recs:
        assert isinstance(r.source, str) and len(r.source) > 20, r
        assert r.evidence in lit.EVIDENCE_MARKERS, r
        assert math.isfinite(r.value), r
    for r in lit.FACTORS:
        assert r.model in lit.MODEL_INFO and r.endpoint in ("DSS", "MFS", "OS")
    for info in lit.MODEL_INFO.values():
        assert info["source"] and info["caveat"]


def test_gustafson_citation_and_significance_flags():
    m = published_model("gustafson1992")
    f = m.factors.set_index("term")
    assert f["hr"].to_dict() == {"age_ge_60": 8.0, "vascular_invasion": 4.0,
                                 "aneuploidy": 4.0, "necrosis_any": 3.0}
    assert f["significant"].to_dict() == {"age_ge_60": True, "vascular_invasion": True,
                                          "aneuploidy": False, "necrosis_any": False}
    assert (f["n"] == 48).all() and (f["endpoint"] == "DSS").all()
    assert "Cancer 1992;70(1):114-119" in m.source and "10.1002/" in m.source
    text = repr(m)
    assert "NOT significant" in text and "Only age >= 60 and vascular invasion" in text
    assert "0.992" in text  # the stated literature baseline


def _hand_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "patient_id": ["p1", "p2", "p3", "p4"],
        "time": [12.0, 30.0, 50.0, 70.0], "event": [1, 0, 1, 0],
        "age": [65.0, 59.0, 60.0, 45.0],
        "vascular_invasion": [True, False, True, False],
        "aneuploidy": [False, True, True, False],
        "necrosis": [">=50%", "none", "<50%", "none"]})


def test_gustafson_hand_computed_linear_predictor_and_survival():
    out = published_model("gustafson1992").apply(_hand_frame())
    # p1: 8 * 4 * 3 = 96; p2: 4; p3: 8 * 4 * 4 * 3 = 384; p4: reference = 1
    expected_rr = [96.0, 4.0, 384.0, 1.0]
    np.testing.assert_allclose(out["relative_risk"], expected_rr)
    np.testing.assert_allclose(out["linear_predictor"], np.log(expected_rr))
    # literature Weibull: S0(60) = 0.992 -> S(60 | x) = 0.992 ** RR
    np.testing.assert_allclose(out["surv_60m"], 0.992 ** np.array(expected_rr))
    # S0(12) = exp(-(12/60)^0.8 * -log(0.992))
    s0_12 = math.exp((12 / 60) ** 0.8 * math.log(0.992))
    np.testing.assert_allclose(out["surv_12m"], s0_12 ** np.array(expected_rr))
    # cut-points log(12) and log(48): 96 and 384 high, 4 and 1 low
    assert out["risk_group"].astype(str).tolist() == ["high", "low", "high", "low"]
    assert (out["baseline"] == "weibull").all()


def test_lms_default_hand_computed_linear_predictor():
    df = pd.DataFrame({"patient_id": ["a"], "age": [70.0], "vascular_invasion": [False],
                       "aneuploidy": [True], "necrosis": ["<50%"], "size_cm": [8.0],
                       "depth": ["deep"], "grade": ["3"], "margin": ["R1"], "site": ["trunk"]})
    out = published_model("lms_default").apply(df)
    rr = 1.8 * 1.8 * 1.5 * 2.0 * 1.6 * 3.0 * 1.3 * 0.9
    assert math.isclose(out["relative_risk"].iloc[0], rr, rel_tol=1e-12)
    assert math.isclose(out["surv_60m"].iloc[0], 0.981 ** rr, rel_tol=1e-9)


def test_missing_exclude_is_default_and_reports_reason():
    df = _hand_frame()
    df.loc[1, "age"] = np.nan
    m = published_model("gustafson1992")
    res = m.score(df)
    assert res.missing == "exclude"
    assert res.table["patient_id"].tolist() == ["p1", "p3", "p4"]
    ex = res.exclusions
    assert list(ex.columns) == ["row", "patient_id", "column", "value", "reason"]
    assert ex["patient_id"].tolist() == ["p2"] and ex["column"].tolist() == ["age"]
    assert "missing age" in ex["reason"].iloc[0]
    assert m.apply(df).attrs["exclusions"][0]["patient_id"] == "p2"


def test_missing_marginalise_uses_prevalence():
    df = pd.DataFrame({"patient_id": ["a"], "age": [np.nan], "vascular_invasion": [True],
                       "aneuploidy": [False], "necrosis": ["none"]})
    res = published_model("gustafson1992").score(df, missing="marginalise")
    # age >= 60 prevalence 0.58 (domain 6.1): log(0.42 + 0.58 * 8) + log(4)
    expected = math.log(0.42 + 0.58 * 8) + math.log(4)
    assert math.isclose(res.table["linear_predictor"].iloc[0], expected, rel_tol=1e-12)
    assert len(res.exclusions) == 0 and any("marginalised" in n for n in res.notes)
    # grade missing in lms_default: log(0.20 + 0.35 * 1.8 + 0.45 * 3.0)
    g = pd.DataFrame({"age": [50.0], "vascular_invasion": [False], "aneuploidy": [False],
                      "necrosis": ["none"], "size_cm": [3.0], "depth": ["superficial"],
                      "grade": [None], "margin": ["R0"], "site": ["extremity"]})
    lp = published_model("lms_default").apply(g, missing="marginalise")["linear_predictor"]
    assert math.isclose(lp.iloc[0], math.log(0.20 + 0.35 * 1.8 + 0.45 * 3.0))
    with pytest.raises(ValueError):
        published_model("sin2003").apply(g, missing="marginalise")


def test_endpoint_mismatch_refused_unless_allowed():
    coh = simulate_cohort(300, seed=2, endpoint="OS")
    m = published_model("gustafson1992")
    with pytest.raises(EndpointMismatchError, match="not interchangeable"):
        m.apply(coh)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = m.apply(coh, allow_endpoint_mismatch=True)
    assert len(out) == 300 and any("not interchangeable" in str(x.message) for x in w)


def test_points_systems_sin_and_chapel():
    df = pd.DataFrame({"patient_id": ["u1", "u2", "t1"], "site": ["uterus", "uterus", "trunk"],
                       "size_cm": [9.0, 3.0, 12.0], "vascular_invasion": [True, False, True],
                       "necrosis": ["<50%", "none", ">=50%"],
                       "mitoses_per_2_4mm2": [30.0, np.nan, 3.0],
                       "atypical_mitoses": [True, False, False],
                       "serosal_abutment": [False, True, False]})
    sin = published_model("sin2003").apply(df, allow_endpoint_mismatch=True)
    assert sin["linear_predictor"].tolist() == [3.0, 0.0, 3.0]
    assert sin["risk_group"].astype(str).tolist() == ["high", "low", "high"]
    assert sin["surv_60m"].tolist() == [0.455, 0.825, 0.455]
    res = published_model("chapel2022").score(df)
    # u1: necrosis 1 + mitoses > 25 2 + atypical 2 + LVI 3 = 8 -> high
    assert res.table["patient_id"].tolist() == ["u1"]
    assert res.table["linear_predictor"].iloc[0] == 8.0
    assert res.table["risk_group"].astype(str).iloc[0] == "high"
    reasons = res.exclusions.set_index("patient_id")["reason"]
    assert "mitoses_per_2_4mm2" in reasons["u2"] and "uterine" in reasons["t1"]


def test_list_models_and_unknown_name():
    tab = list_models()
    assert {"gustafson1992", "lms_default", "sin2003", "chapel2022"} == set(tab["name"])
    assert tab["source"].str.len().gt(20).all() and tab["baseline"].str.len().gt(10).all()
    with pytest.raises(ValueError, match="unknown model"):
        published_model("nope")


def test_risk_group_cut_points_are_tertiles_of_the_reference_population():
    for model, key in (("default", "lms_default"), ("gustafson1992", "gustafson1992")):
        lp = simulate_cohort(200_000, model=model, seed=20261124).truth.linear_predictor
        q = np.quantile(lp, [1 / 3, 2 / 3])
        assert abs(q[0] - lit.constant(f"lp_tertile_1[{key}]")) < 1e-3
        assert abs(q[1] - lit.constant(f"lp_tertile_2[{key}]")) < 1e-3


def test_breslow_offset_baseline_equals_nelson_aalen_when_lp_is_zero():
    from lifelines import NelsonAalenFitter

    from lms_prognosis.literature.models import _breslow_offset

    rng = np.random.default_rng(1)
    t = np.round(rng.exponential(10, 200), 1)
    e = (rng.random(200) < 0.7).astype(int)
    times, ch = _breslow_offset(t, e, np.zeros(200))
    na = NelsonAalenFitter(nelson_aalen_smoothing=False).fit(t, e)
    ref = na.cumulative_hazard_.iloc[:, 0].reindex(times).to_numpy()
    np.testing.assert_allclose(ch, ref, rtol=1e-10)


def test_recalibrate_recovers_true_baseline_and_slope():
    coh = simulate_cohort(8_000, seed=21)
    m = published_model("lms_default").recalibrate(coh)
    assert m.baseline.kind == "breslow" and "offset" in m.baseline.label
    assert abs(m.calibration_slope - 1) < 3 * m.calibration_slope_se
    true_h60 = (60 / coh.truth.baseline["scale_months"]) ** 0.8
    assert abs(m.baseline.cumhaz_at([60])[0] / true_h60 - 1) < 0.15
    out = m.apply(coh)
    assert (out["baseline"] == "breslow").all()
    # Gustafson's effects are too strong for data generated with the default set
    g = published_model("gustafson1992").recalibrate(coh)
    assert g.calibration_slope < 1 - 3 * g.calibration_slope_se
    ps = m.predict_survival(coh.data.head(3), [12, 60])
    assert list(ps.columns) == ["patient", "patient_id", "time", "surv", "std_err", "lower",
                                "upper", "cumhaz"]
    assert len(ps) == 6


def test_cli_models_and_predict(tmp_path, capsys):
    from lms_prognosis.cli import main

    assert main(["models"]) == 0
    assert "Cancer 1992;70(1):114-119" in capsys.readouterr().out
    assert main(["models", "gustafson1992"]) == 0
    assert "NOT significant" in capsys.readouterr().out
    assert main(["models", "nope"]) == 2
    cohort = tmp_path / "c.csv"
    simulate_cohort(200, seed=4).data.to_csv(cohort, index=False)
    out = tmp_path / "r.csv"
    assert main(["predict", str(cohort), "--model", "gustafson1992", "--times", "12,60",
                 "--out", str(out)]) == 0
    risks = pd.read_csv(out)
    assert list(risks.columns) == ["patient_id", "linear_predictor", "relative_risk",
                                   "risk_group", "surv_12m", "surv_60m", "baseline"]
    assert len(risks) == 200 and "literature Weibull" in capsys.readouterr().out
    # SIN's endpoint is MFS: refused (exit 2) unless allowed
    assert main(["predict", str(cohort), "--model", "sin2003", "--out", str(out),
                 "--force"]) == 2
    assert main(["predict", str(cohort), "--model", "sin2003", "--out", str(out), "--force",
                 "--allow-endpoint-mismatch"]) == 0
