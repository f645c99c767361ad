"""Tests of lms_prognosis.literature: sources, hand-computed predictors, missing data,
endpoints, the survival-input contract, and recalibration against R
(tests/reference/literature.json)."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lms_prognosis._results import DROPPED_COLUMNS, Result
from lms_prognosis.exceptions import (
    ColumnNotFoundError,
    DataWarning,
    EndpointMismatchError,
    ModelError,
    SurvivalDataError,
)
from lms_prognosis.literature import (
    ModelApplication,
    Recalibration,
    list_models,
    published_model,
)
from lms_prognosis.literature import data as lit
from lms_prognosis.simulate import load_synthetic, simulate_cohort

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "literature.json").read_text(encoding="utf-8"))
RTOL = 1e-9


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
    assert f["hr"].to_dict() == {
        "age_ge_60": 8.0,
        "vascular_invasion": 4.0,
        "aneuploidy": 4.0,
        "necrosis_any": 3.0,
    }
    assert f["significant"].to_dict() == {
        "age_ge_60": True,
        "vascular_invasion": True,
        "aneuploidy": False,
        "necrosis_any": False,
    }
    assert (f["n"] == 48).all() and (f["endpoint"] == "DSS").all()
    assert "Cancer 1992;70(1):114-119" in m.source and "10.1002/" in m.source
    text = repr(m)
    assert "NOT significant" in text and "Only age >= 60 and vascular invasion" in text
    assert f"{lit.constant('S0_60m[gustafson1992]'):g}" in text  # the stated baseline


def _hand_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": ["p1", "p2", "p3", "p4"],
            "time": [12.0, 30.0, 50.0, 70.0],
            "event": [1, 0, 1, 0],
            "age": [65.0, 59.0, 60.0, 45.0],
            "vascular_invasion": [True, False, True, False],
            "aneuploidy": [False, True, True, False],
            "necrosis": [">=50%", "none", "<50%", "none"],
        }
    )


def test_gustafson_hand_computed_linear_predictor_and_survival():
    out = published_model("gustafson1992").apply(_hand_frame())
    # p1: 8 * 4 * 3 = 96; p2: 4; p3: 8 * 4 * 4 * 3 = 384; p4: reference = 1
    expected_rr = [96.0, 4.0, 384.0, 1.0]
    np.testing.assert_allclose(out["relative_risk"], expected_rr)
    np.testing.assert_allclose(out["linear_predictor"], np.log(expected_rr))
    # literature Weibull: S0(60) = s0 -> S(60 | x) = s0 ** RR
    s0 = lit.constant("S0_60m[gustafson1992]")
    np.testing.assert_allclose(out["surv_60m"], s0 ** np.array(expected_rr))
    # S0(12) = exp(-(12/60)^0.8 * -log(s0))
    s0_12 = math.exp((12 / 60) ** 0.8 * math.log(s0))
    np.testing.assert_allclose(out["surv_12m"], s0_12 ** np.array(expected_rr))
    # cut-points log(12) and log(48): 96 and 384 high, 4 and 1 low
    assert out["risk_group"].astype(str).tolist() == ["high", "low", "high", "low"]
    assert (out["baseline"] == "weibull").all()


def test_lms_default_hand_computed_linear_predictor():
    df = pd.DataFrame(
        {
            "patient_id": ["a"],
            "age": [70.0],
            "vascular_invasion": [False],
            "aneuploidy": [True],
            "necrosis": ["<50%"],
            "size_cm": [8.0],
            "depth": ["deep"],
            "grade": ["3"],
            "margin": ["R1"],
            "site": ["trunk"],
        }
    )
    out = published_model("lms_default").apply(df)
    # design values of docs/evidence.md: age 1.65, aneuploidy 1.65, necrosis 1.41, size 1.8,
    # deep 1.49, grade 3 2.54, R1 1.3, trunk 0.9
    rr = 1.65 * 1.65 * 1.41 * 1.8 * 1.49 * 2.54 * 1.3 * 0.9
    assert math.isclose(out["relative_risk"].iloc[0], rr, rel_tol=1e-12)
    assert math.isclose(out["surv_60m"].iloc[0], lit.constant("S0_60m[lms_default]") ** rr, rel_tol=1e-9)


def test_missing_exclude_is_default_and_reports_reason():
    df = _hand_frame()
    df.loc[1, "age"] = np.nan
    m = published_model("gustafson1992")
    res = m.score(df)
    assert res.missing == "exclude" and res.n == 3
    assert res.table["patient_id"].tolist() == ["p1", "p3", "p4"]
    d = res.dropped
    assert tuple(d.columns) == DROPPED_COLUMNS
    assert d["row"].tolist() == [1] and d["column"].tolist() == ["age"]
    assert d["reason"].tolist() == ["missing"] and pd.isna(d["value"].iloc[0])
    assert any("missing age left out" in n for n in res.notes)
    # deprecated 0.1 format kept: 1-based position and patient_id
    ex = res.exclusions
    assert list(ex.columns) == ["row", "patient_id", "column", "value", "reason"]
    assert ex["patient_id"].tolist() == ["p2"] and ex["row"].tolist() == [2]
    out = m.apply(df)
    assert out.attrs["dropped"][0]["row"] == 1 and out.attrs["n"] == 3
    assert out.attrs["exclusions"][0]["patient_id"] == "p2"


def test_missing_marginalise_averages_survival_over_prevalence():
    df = pd.DataFrame(
        {
            "patient_id": ["a"],
            "age": [np.nan],
            "vascular_invasion": [True],
            "aneuploidy": [False],
            "necrosis": ["none"],
        }
    )
    res = published_model("gustafson1992").score(df, horizons=[60], missing="marginalise")
    # age >= 60 is independent of the other factors in the simulator's covariate model:
    # P(age >= 60) for a Normal(63, 14) truncated to [18, 95], ages to 0.1 year
    from scipy.special import ndtr

    z = [(v - 63) / 14 for v in (18, 95, 59.95)]
    p = (ndtr(z[1]) - ndtr(z[2])) / (ndtr(z[1]) - ndtr(z[0]))
    s0 = lit.constant("S0_60m[gustafson1992]")
    assert math.isclose(res.table["surv_60m"].iloc[0], (1 - p) * s0**4 + p * s0**32, rel_tol=1e-9)
    expected_lp = p * math.log(8) + math.log(4)  # the conditional mean of the LP
    assert math.isclose(res.table["linear_predictor"].iloc[0], expected_lp, rel_tol=1e-9)
    assert len(res.dropped) == 0 and any("averaged" in n for n in res.notes)
    # grade missing in lms_default: grade weighted given the observed necrosis ("none"),
    # vascular invasion and aneuploidy; no longer the marginal 0.20/0.35/0.45
    g = pd.DataFrame(
        {
            "age": [50.0],
            "vascular_invasion": [False],
            "aneuploidy": [False],
            "necrosis": ["none"],
            "size_cm": [3.0],
            "depth": ["superficial"],
            "grade": [None],
            "margin": ["R0"],
            "site": ["extremity"],
        }
    )
    lp = published_model("lms_default").apply(g, missing="marginalise")["linear_predictor"]
    assert 0 < lp.iloc[0] < math.log(0.20 + 0.35 * 1.8 + 0.45 * 3.0)
    with pytest.raises(ModelError, match="points system"):
        published_model("sin2003").apply(g, missing="marginalise")


def test_endpoint_mismatch_refused_unless_allowed():
    coh = simulate_cohort(300, seed=2, endpoint="OS")
    m = published_model("gustafson1992")
    with pytest.raises(EndpointMismatchError, match="not interchangeable"):
        m.apply(coh)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = m.apply(coh, allow_endpoint_mismatch=True)
    assert len(out) == 300 and any(
        "not interchangeable" in str(x.message) and issubclass(x.category, DataWarning) for x in w
    )


def test_points_systems_sin_and_chapel():
    df = pd.DataFrame(
        {
            "patient_id": ["u1", "u2", "t1"],
            "site": ["uterus", "uterus", "trunk"],
            "size_cm": [9.0, 3.0, 12.0],
            "vascular_invasion": [True, False, True],
            "necrosis": ["<50%", "none", ">=50%"],
            "mitoses_per_2_4mm2": [30.0, np.nan, 3.0],
            "atypical_mitoses": [True, False, False],
            "serosal_abutment": [False, True, False],
        }
    )
    sin = published_model("sin2003").apply(df, allow_endpoint_mismatch=True)
    assert sin["patient_id"].tolist() == ["t1"]  # SIN is for extremity / trunk wall STS
    assert [d["row"] for d in sin.attrs["dropped"]] == [0, 1]
    with pytest.warns(DataWarning, match="2 patient.s. outside the population of sin2003"):
        sin = published_model("sin2003").apply(
            df, allow_endpoint_mismatch=True, allow_outside_population=True
        )
    assert sin["linear_predictor"].tolist() == [3.0, 0.0, 3.0]
    assert sin["risk_group"].astype(str).tolist() == ["high", "low", "high"]
    assert sin["surv_60m"].tolist() == [0.455, 0.825, 0.455]
    res = published_model("chapel2022").score(df)
    # u1: necrosis 1 + mitoses > 25 2 + atypical 2 + LVI 3 = 8 -> high
    assert res.table["patient_id"].tolist() == ["u1"]
    assert res.table["linear_predictor"].iloc[0] == 8.0
    assert res.table["risk_group"].astype(str).iloc[0] == "high"
    d = res.dropped.set_index("row")
    assert d.loc[1, "column"] == "mitoses_per_2_4mm2" and d.loc[1, "reason"] == "missing"
    assert d.loc[2, "column"] == "site" and "uterus leiomyosarcoma" in d.loc[2, "reason"]


def test_list_models_and_unknown_name():
    tab = list_models()
    assert {"gustafson1992", "lms_default", "sin2003", "chapel2022"} == set(tab["name"])
    assert tab["source"].str.len().gt(20).all() and tab["baseline"].str.len().gt(10).all()
    with pytest.raises(ModelError, match="unknown model"):
        published_model("nope")


def test_risk_group_cut_points_are_tertiles_of_the_reference_population():
    for model, key in (("default", "lms_default"), ("gustafson1992", "gustafson1992")):
        lp = simulate_cohort(200_000, model=model, seed=20261124).truth.linear_predictor
        q = np.quantile(lp, [1 / 3, 2 / 3])
        assert abs(q[0] - lit.constant(f"lp_tertile_1[{key}]")) < 1e-3
        assert abs(q[1] - lit.constant(f"lp_tertile_2[{key}]")) < 1e-3


def _reference_frame(name: str) -> pd.DataFrame:
    df = load_synthetic().data.copy()
    if name == "tied":
        df["time"] = np.where(np.round(df["time"]) == 0, 0.5, np.round(df["time"]))
    elif name == "missing_age":
        df.loc[df.index[9::10], "age"] = np.nan
    return df


@pytest.mark.parametrize("key", [k for k in REF if k != "meta"])
def test_recalibration_equals_r(key):
    ref = REF[key]
    df = _reference_frame(ref["data"])
    m = published_model(ref["model"]).recalibrate(df, ties=ref["ties"])
    rec = m.recalibration
    assert isinstance(rec, Recalibration)
    assert (rec.n, rec.n_events) == (ref["n"], ref["n_events"])
    np.testing.assert_allclose(
        m.baseline.cumhaz_at(ref["time"]), ref["cumhaz"], rtol=RTOL, err_msg=ref["baseline_call"]
    )
    np.testing.assert_allclose(
        [m.calibration_slope, m.calibration_slope_se],
        [ref["slope"], ref["slope_se"]],
        rtol=RTOL,
        err_msg=ref["slope_call"],
    )
    lp = m.apply(df, horizons=())["linear_predictor"].to_numpy()
    np.testing.assert_allclose(lp[:5], ref["lp_first"], rtol=1e-12)
    if ref["data"] == "missing_age":
        assert rec.dropped["column"].eq("age").all() and len(rec.dropped) == 50
        assert rec.dropped["row"].tolist() == list(range(9, 500, 10))


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
    assert list(ps.columns) == [
        "patient",
        "patient_id",
        "time",
        "surv",
        "std_err",
        "lower",
        "upper",
        "cumhaz",
    ]
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
    assert (
        main(
            [
                "predict",
                str(cohort),
                "--model",
                "gustafson1992",
                "--times",
                "12,60",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    risks = pd.read_csv(out)
    assert list(risks.columns) == [
        "patient_id",
        "linear_predictor",
        "relative_risk",
        "risk_group",
        "surv_12m",
        "surv_60m",
        "baseline",
        "marginalised",
        "model",
        "model_kind",
        "endpoint",
        "population",
        "source",
    ]
    assert set(risks["model"]) == {"gustafson1992"} and set(risks["model_kind"]) == {"published"}
    assert len(risks) == 200 and "literature Weibull" in capsys.readouterr().out
    # SIN's endpoint is MFS: refused (exit 2) unless allowed
    assert main(["predict", str(cohort), "--model", "sin2003", "--out", str(out), "--force"]) == 2
    assert (
        main(
            [
                "predict",
                str(cohort),
                "--model",
                "sin2003",
                "--out",
                str(out),
                "--force",
                "--allow-endpoint-mismatch",
            ]
        )
        == 0
    )


# ---------------------------------------------------------------- the survival-input contract
_BAD_OUTCOMES = {
    "R status": ("event", [1, 2, 2, 1]),
    "text events": ("event", ["dead", "alive", "dead", "alive"]),
    "code 7": ("event", [1, 0, 7, 0]),
    "negative time": ("time", [12.0, -3.0, 50.0, 70.0]),
}


@pytest.mark.parametrize("what", list(_BAD_OUTCOMES))
@pytest.mark.parametrize("entry", ["apply", "score", "recalibrate"])
def test_bad_follow_up_is_refused_like_everywhere_else(what, entry):
    col, values = _BAD_OUTCOMES[what]
    df = _hand_frame()
    df[col] = values
    m = published_model("gustafson1992")
    with pytest.raises(SurvivalDataError):
        getattr(m, entry)(df)


def test_missing_follow_up_is_left_out_and_reported_with_covariates():
    df = _hand_frame()
    df.loc[0, "time"] = np.nan
    df.loc[2, "event"] = np.nan
    df.loc[2, "age"] = np.nan
    res = published_model("gustafson1992").score(df)
    assert res.n == 2 and res.table["patient_id"].tolist() == ["p2", "p4"]
    assert res.dropped[["row", "column"]].to_numpy().tolist() == [
        [0, "time"],
        [2, "age"],
        [2, "event"],
    ]
    assert (res.dropped["reason"] == "missing").all()
    # a frame without follow-up scores every patient, and says the outcome was not checked
    bare = _hand_frame().drop(columns=["time", "event"])
    res2 = published_model("gustafson1992").score(bare)
    assert res2.n == 4 and any("follow-up not checked" in n for n in res2.notes)
    # only one of the two columns is an error that names the column
    with pytest.raises(ColumnNotFoundError, match="event"):
        published_model("gustafson1992").score(_hand_frame().drop(columns=["event"]))
    # prediction for new patients never needs an outcome
    lp = published_model("gustafson1992").predict_risk(df)
    assert lp["linear_predictor"].notna().tolist() == [True, True, False, True]


def test_recalibration_reports_rows_left_out_and_competing_events_count_as_censored():
    coh = simulate_cohort(1500, seed=8, competing_risks=True)
    df = coh.data.copy()
    df.loc[df.index[:7], "time"] = np.nan
    m = published_model("lms_default").recalibrate(df)
    rec = m.recalibration
    assert rec.n == 1493 and rec.dropped["column"].eq("time").all()
    assert rec.n_events == int((df["event"].iloc[7:] == 1).sum())
    assert any("left out 7" in n for n in m.notes)
    assert "7 rows left out" in repr(rec)


def test_results_follow_the_one_contract():
    res = published_model("gustafson1992").score(_hand_frame())
    assert isinstance(res, ModelApplication) and isinstance(res, Result)
    frame = res.to_frame()
    frame.loc[:, "relative_risk"] = 0.0
    assert (res.table["relative_risk"] > 0).all()  # to_frame is a copy
    assert "gustafson1992" in repr(res) and "<table" in res._repr_html_()
    m = published_model("gustafson1992").recalibrate(load_synthetic())
    rec = m.recalibration
    assert isinstance(rec, Result) and list(rec.table.columns) == ["time", "cumhaz", "surv"]
    assert "calibration slope" in repr(rec) and "<table" in rec._repr_html_()


def test_results_keep_copies_not_the_callers_frame():
    df = _hand_frame()
    res = published_model("gustafson1992").score(df)
    df.loc[:, "age"] = 20.0
    df.loc[:, "patient_id"] = "x"
    assert res.table["patient_id"].tolist() == ["p1", "p2", "p3", "p4"]
    np.testing.assert_allclose(res.table["relative_risk"], [96.0, 4.0, 384.0, 1.0])


def test_literature_has_no_local_import_and_no_foreign_private_name():
    import ast

    import lms_prognosis.literature as pkg

    for path in Path(pkg.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for f in ast.walk(tree):
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # the package's own modules only: a third-party module imported where it is
                # used (scipy.stats, kept off the start-up path) can hide no import cycle
                assert not any(
                    isinstance(n, ast.ImportFrom)
                    and (n.level > 0 or (n.module or "").startswith("lms_prognosis"))
                    or isinstance(n, ast.Import)
                    and any(a.name.startswith("lms_prognosis") for a in n.names)
                    for n in ast.walk(f)
                ), (path.name, f.name)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("lms_prognosis.")
                and not node.module.startswith("lms_prognosis.literature")
            ):
                parts = node.module.split(".")[2:]
                names = [a.name for a in node.names]
                assert not any(p.startswith("_") for p in parts + names), (path.name, node.module)


@pytest.mark.parametrize("key", ["gustafson1992", "lms_default", "sin2003", "chapel2022"])
def test_lp_and_survival_in_one_scoring_equal_the_two_calls(key):
    """predict_lp_survival gives predict_risk's linear predictor and predict_survival's
    survival, row for row (NaN for the same left-out rows), with the same endpoint rule."""
    m = published_model(key)
    coh = load_synthetic()
    data = coh.data.copy()
    if key == "chapel2022":  # uterine leiomyosarcoma only: the rest would be left out
        data = data[data["site"] == "uterus"].copy()
    data.loc[data.index[:7], "necrosis"] = None  # left out where a model reads necrosis
    both = m.predict_lp_survival(data, 60)
    lp = m.predict_risk(data)["linear_predictor"]
    long = m.predict_survival(data, [60])
    surv = long.set_index("patient")["surv"].reindex(data.index)
    np.testing.assert_array_equal(both["lp"].to_numpy(), lp.to_numpy())
    np.testing.assert_array_equal(both["surv"].to_numpy(), surv.to_numpy())
    assert both.index.equals(data.index) and list(both.columns) == ["lp", "surv"]
    assert list(m.predict_lp_survival(data).columns) == ["lp"]
    os_cohort = simulate_cohort(200, seed=2, endpoint="OS")
    if m.endpoint != "OS" and key != "chapel2022":  # (a simulated cohort has no uterine LMS)
        with pytest.raises(EndpointMismatchError):
            m.predict_lp_survival(os_cohort, 60)
        m.predict_lp_survival(os_cohort)  # no time point: the endpoint is not read
