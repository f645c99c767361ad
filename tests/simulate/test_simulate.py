"""Tests of lms_prognosis.simulate.cohorts: truth recovery, calibration, reproducibility, planning."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.cox.fit import fit_cox
from lms_prognosis.evaluate.concordance import concordance
from lms_prognosis.exceptions import ConvergenceWarning, CoxError, LMSPrognosisError
from lms_prognosis.literature.design import model_design
from lms_prognosis.simulate import (
    SYNTHETIC_CALL,
    load_synthetic,
    planning,
    power_simulation,
    schoenfeld_events,
    simulate_cohort,
)


def _fit(df: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """term, coef, se of lms_prognosis.fit_cox."""
    return fit_cox(df, covariates).hazard_ratios.set_index("term")[["coef", "se"]]


@pytest.mark.parametrize("model", ["default", "gustafson1992"])
def test_truth_recovery_within_3_se(model):
    coh = simulate_cohort(20_000, model=model, seed=20260)
    truth = coh.truth
    df = truth.design_frame(coh.data)
    est = _fit(df, truth.covariates)
    assert set(est.index) <= set(truth.log_hr.index)
    assert len(est) == (10 if model == "default" else 4)
    z = (est["coef"] - truth.log_hr[est.index]) / est["se"]
    assert (z.abs() < 3).all(), z


@pytest.mark.parametrize("model", ["default", "gustafson1992"])
def test_population_5y_dss_is_075(model):
    truth = simulate_cohort(200_000, model=model, seed=99).truth
    assert abs(truth.survival["surv_60m"].mean() - 0.75) < 0.02


def test_default_spread_and_c_are_domain_63s_design():
    """lms_default's shrunk design HRs (literature._data_factors.shrunk) give domain 6.3's
    per-patient spread (5th/50th/95th centile of 5-y DSS 0.41/0.78/0.94) and C about 0.70 with
    the simulator's correlated covariates; the unshrunk values gave 0.38/0.80/0.96 and C 0.731."""
    coh = simulate_cohort(40_000, seed=8, follow_up_years=10)
    s = coh.truth.survival["surv_60m"].to_numpy()
    q = np.quantile(s, [0.05, 0.5, 0.95])
    assert np.all(np.abs(q - [0.41, 0.78, 0.94]) < 0.035), q
    c = concordance(coh.data, -np.log(s)).c
    assert 0.685 < c < 0.72, c


def test_all_site_profile_site_survival_near_domain_targets():
    coh = simulate_cohort(100_000, profile="all_site", seed=5)
    s = coh.truth.survival.assign(site=coh.data["site"].to_numpy())
    by = s.groupby("site", observed=True)["surv_60m"].mean()
    # domain 6.3: extremity 0.75, trunk 0.78, RP 0.55, uterine 0.50 [D]
    for site, target in {
        "extremity": 0.75,
        "trunk": 0.78,
        "retroperitoneum": 0.55,
        "uterus": 0.50,
    }.items():
        assert abs(by[site] - target) < 0.03, (site, by[site])
    assert (coh.data.loc[coh.data["site"] == "uterus", "sex"] == "female").all()
    assert (coh.data.loc[coh.data["site"] == "retroperitoneum", "depth"] == "deep").all()


def test_same_seed_same_cohort_and_different_seed_differs():
    a, b = simulate_cohort(300, seed=42), simulate_cohort(300, seed=42)
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.truth.survival, b.truth.survival)
    assert not a.data["time"].equals(simulate_cohort(300, seed=43).data["time"])


def test_canonical_dtypes():
    d = simulate_cohort(50, seed=1).data
    assert d["patient_id"].is_unique
    assert d["time"].dtype == float and d["event"].dtype == np.int64
    assert list(d["grade"].cat.categories) == ["1", "2", "3"]
    assert list(d["necrosis"].cat.categories) == ["none", "<50%", ">=50%"]
    assert list(d["margin"].cat.categories) == ["R0", "R1", "R2"]
    assert str(d["vascular_invasion"].dtype) == "boolean"
    assert str(d["aneuploidy"].dtype) == "boolean"


def test_grade_derived_from_fnclcc_components_and_marginals():
    d = simulate_cohort(100_000, seed=3).data
    mit_score = 1 + (d["mitoses_per_10hpf"] >= 10).astype(int) + (d["mitoses_per_10hpf"] >= 20)
    nec_score = d["necrosis"].cat.codes
    total = d["fnclcc_differentiation"] + mit_score + nec_score
    expected = np.where(total <= 3, "1", np.where(total <= 5, "2", "3"))
    assert (d["grade"].astype(str).to_numpy() == expected).all()
    shares = d["grade"].value_counts(normalize=True)
    for g, target in {"1": 0.20, "2": 0.35, "3": 0.45}.items():
        assert abs(shares[g] - target) < 0.02
    nec = d["necrosis"].value_counts(normalize=True)
    assert abs(nec["none"] - 0.45) < 0.02
    an = d.groupby("grade", observed=True)["aneuploidy"].mean()
    assert an["1"] < an["2"] < an["3"]
    assert abs(an["3"] - 0.75) < 0.02


def test_truth_linear_predictor_matches_model_design_of_the_data():
    coh = simulate_cohort(2_000, profile="all_site", seed=8)
    d = model_design(coh.data)
    b = coh.truth.log_hr
    som = (~coh.data["site"].isin(["uterus"])).to_numpy()
    general = [t for t in b.index if not t.startswith("uterus_")]
    lp = d.loc[som, general].to_numpy() @ b[general].to_numpy()
    np.testing.assert_allclose(lp, coh.truth.linear_predictor[som], atol=1e-12)
    # uterine rows: no grade term, their own mitoses and FIGO stage terms (by hand)
    ut = coh.data.loc[~som]
    x = d.loc[~som, [t for t in general if not t.startswith("grade[")]]
    by_hand = (
        x.to_numpy() @ b[x.columns].to_numpy()
        + b["uterus_mitoses_ge_20"] * (ut["mitoses_per_10hpf"] >= 20).to_numpy()
        + b["uterus_stage_ii"] * (ut["figo_stage"] == "II").to_numpy()
    )
    np.testing.assert_allclose(by_hand, coh.truth.linear_predictor[~som], atol=1e-12)
    assert ut["grade"].isna().all() and coh.data.loc[som, "grade"].notna().all()
    assert coh.data.loc[som, "figo_stage"].isna().all() and ut["figo_stage"].notna().all()


def test_censoring_and_endpoints():
    dss = simulate_cohort(5_000, seed=4, accrual_years=3, follow_up_years=2)
    assert dss.data["time"].max() <= 5 * 12 + 1e-9
    assert set(dss.data["event"].unique()) <= {0, 1}
    cr = simulate_cohort(5_000, seed=4, competing_risks=True)
    assert set(cr.data["event"].unique()) == {0, 1, 2}
    os_ = simulate_cohort(5_000, seed=4, endpoint="OS")
    assert os_.endpoint == "OS" and set(os_.data["event"].unique()) == {0, 1}
    assert os_.data["event"].sum() > simulate_cohort(5_000, seed=4).data["event"].sum()
    assert (os_.truth.survival["os_surv_60m"] <= os_.truth.survival["surv_60m"]).all()


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(n=0),
        dict(n=10, profile="uterine"),
        dict(n=10, model="sarculator"),
        dict(n=10, endpoint="PFS"),
        dict(n=10, endpoint="OS", competing_risks=True),
        dict(n=10, accrual_years=-1),
        dict(n=10, hazard_ratios={"nonsense": 2.0}),
    ],
)
def test_bad_arguments_raise_value_error(kwargs):
    with pytest.raises(LMSPrognosisError):
        simulate_cohort(**kwargs)


def test_hazard_ratio_override_changes_truth():
    t = simulate_cohort(100, seed=1, hazard_ratios={"vascular_invasion": 3.0}).truth
    assert math.isclose(t.hr["vascular_invasion"], 3.0)


def test_load_synthetic_is_the_recorded_call():
    coh = load_synthetic()
    assert len(coh.data) == 500 and coh.endpoint == "DSS"
    assert coh.truth is not None
    sim = simulate_cohort(**SYNTHETIC_CALL).data
    np.testing.assert_allclose(coh.data["time"].to_numpy(float), sim["time"], atol=1e-4)
    for col in ("patient_id", "event", "age", "size_cm", "mitoses_per_10hpf"):
        assert (coh.data[col].to_numpy() == sim[col].to_numpy()).all(), col
    for col in ("grade", "necrosis", "site", "margin"):
        assert (coh.data[col].astype(str).to_numpy() == sim[col].astype(str).to_numpy()).all()


def test_schoenfeld_textbook_values():
    # HR 2, two-sided alpha 0.05, power 0.80, equal allocation: (1.960 + 0.842)^2 /
    # (0.25 * log(2)^2) = 65.3 events (Schoenfeld 1983; Collett, Modelling Survival Data).
    assert round(schoenfeld_events(2.0, 0.05, 0.8, 0.5), 1) == 65.3
    # HR 1.5, power 0.90: (1.95996 + 1.28155)^2 / (0.25 * log(1.5)^2) = 255.65
    assert round(schoenfeld_events(1.5, 0.05, 0.9, 0.5), 1) == 255.7
    # unequal allocation needs more events; HR and 1/HR need the same number
    assert schoenfeld_events(2.0, prevalence=0.25) > schoenfeld_events(2.0)
    assert math.isclose(schoenfeld_events(0.5), schoenfeld_events(2.0))
    with pytest.raises(ValueError):
        schoenfeld_events(1.0)


def test_power_simulation_is_seeded_and_independent_of_n_jobs():
    kw = dict(hr=2.5, n_patients=[250], n_sim=12, seed=3, progress=False)
    a = power_simulation(n_jobs=1, **kw)
    b = power_simulation(n_jobs=2, **kw)
    pd.testing.assert_frame_equal(a, b)
    row = a.iloc[0]
    assert row["n"] == 250 and row["n_sim"] == 12 and 0 <= row["power"] <= 1
    assert math.isclose(row["mc_se"], math.sqrt(row["power"] * (1 - row["power"]) / 12))
    assert {"schoenfeld_power", "schoenfeld_events", "events_mean"} <= set(a.columns)
    assert abs(row["prevalence"] - 0.5) < 0.1  # the default question: a new 50% marker


def test_independent_marker_is_in_truth_and_keeps_the_calibration():
    coh = simulate_cohort(100_000, seed=12, marker_hr=2.0, marker_prevalence=0.3)
    t = coh.truth
    assert math.isclose(t.hr["marker"], 2.0) and "marker" in t.covariates
    assert abs(coh.data["marker"].mean() - 0.3) < 0.01
    assert abs(t.survival["surv_60m"].mean() - 0.75) < 0.02
    # independent of the LMS factors
    assert abs(coh.data.groupby("grade", observed=True)["marker"].mean() - 0.3).max() < 0.02


def test_cli_simulate_writes_the_same_cohort(tmp_path, capsys):
    from lms_prognosis.cli import main

    out = tmp_path / "c.csv"
    assert main(["simulate", "--n", "120", "--seed", "9", "--out", str(out)]) == 0
    written = pd.read_csv(out)
    sim = simulate_cohort(120, seed=9).data
    np.testing.assert_allclose(written["time"], sim["time"])
    assert (written["event"].to_numpy() == sim["event"].to_numpy()).all()
    assert "true hazard ratios" in capsys.readouterr().out
    assert main(["simulate", "--n", "120", "--out", str(out)]) == 2  # exists, no --force
    assert main(["simulate", "--n", "0", "--out", str(tmp_path / "d.csv")]) == 2


def _small_power(**kw):
    return power_simulation(2.0, n_patients=[120], n_sim=3, n_jobs=1, seed=5, progress=False, **kw)


def test_power_simulation_counts_cox_errors_as_failed_not_hidden(monkeypatch):
    def refuse(*args, **kwargs):
        raise CoxError("no events among the complete cases")

    monkeypatch.setattr(planning, "fit_cox", refuse)
    row = _small_power().iloc[0]
    assert row["n_failed"] == 3 and row["power"] == 0 and row["n_not_converged"] == 0


def test_power_simulation_reports_non_convergence_and_keeps_p(monkeypatch):
    def warn_then_fit(*args, **kwargs):
        import warnings

        warnings.warn("did not converge", ConvergenceWarning, stacklevel=2)
        return fit_cox(*args, **kwargs)

    monkeypatch.setattr(planning, "fit_cox", warn_then_fit)
    tab = _small_power()
    reps = tab.attrs["replicates"]
    assert tab.iloc[0]["n_not_converged"] == 3 and tab.iloc[0]["n_failed"] == 0
    assert reps["p"].notna().all() and (reps["status"] == planning.NOT_CONVERGED).all()
    assert reps["message"].str.contains("ConvergenceWarning").all()


def test_power_simulation_raises_a_bug_instead_of_counting_it(monkeypatch):
    def bug(*args, **kwargs):
        raise IndexError("a bug, not a degenerate replicate")

    monkeypatch.setattr(planning, "fit_cox", bug)
    with pytest.raises(IndexError, match="a bug"):
        _small_power()


def test_power_simulation_degenerate_replicate_is_failed():
    # a 1% marker in 30 patients is usually absent: no p-value, counted as failed
    tab = power_simulation(
        2.0, n_patients=[30], n_sim=6, n_jobs=1, seed=2, prevalence=0.01, progress=False
    )
    reps = tab.attrs["replicates"]
    degenerate = reps["status"] == planning.DEGENERATE
    assert degenerate.any() and reps.loc[degenerate, "p"].isna().all()
    assert tab.iloc[0]["n_failed"] == int(
        reps["status"].isin([planning.DEGENERATE, planning.FAILED]).sum()
    )


def _imports(path):
    """(module imported, names, inside a function?) for every import statement of a file."""
    import ast

    tree = ast.parse(path.read_text())
    local = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        for n in ast.walk(f)
        if isinstance(n, (ast.Import, ast.ImportFrom))
    }
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            out.append((node.module or "", [a.name for a in node.names], id(node) in local))
        elif isinstance(node, ast.Import):
            out.extend((a.name, [], id(node) in local) for a in node.names)
    return out


def test_simulate_has_no_cycle_no_local_import_and_no_foreign_private_name():
    from pathlib import Path

    import lms_prognosis.simulate as pkg

    folder = Path(pkg.__file__).parent
    for path in folder.glob("*.py"):
        for module, names, local in _imports(path):
            # a function may import a third-party module (scipy.optimize where it solves,
            # not at start-up), never one of the package's own: that could hide a cycle
            assert not (local and module.startswith("lms_prognosis")), (path.name, module)
            if module.startswith("lms_prognosis.") and not module.startswith(
                "lms_prognosis.simulate"
            ):
                private = [n for n in names if n.startswith("_")]
                parts = module.split(".")
                assert not private and not any(p.startswith("_") for p in parts[2:]), (
                    path.name,
                    module,
                    names,
                )
    cohort_imports = {m for m, _, _ in _imports(folder / "cohorts.py")}
    assert "lms_prognosis.simulate.planning" not in cohort_imports
    # one concept per module, each importing only the ones before it (no cycle)
    order = [
        "covariates",
        "hazards",
        "events",
        "truth",
        "missing",
        "cohorts",
        "registry",
        "synthetic",
        "planning",
        "study",
        "samplesize",
    ]
    assert sorted(order) == sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    for i, name in enumerate(order):
        for module, _, _ in _imports(folder / f"{name}.py"):
            if module.startswith("lms_prognosis.simulate"):
                assert module.rsplit(".", 1)[-1] in order[:i], (name, module)


def test_names_stay_importable_from_their_old_places():
    from lms_prognosis.simulate import SITE_PARAMETERS, Truth, cohorts, covariates, synthetic, truth

    assert cohorts.Truth is truth.Truth is Truth
    assert cohorts.SITE_PARAMETERS is covariates.SITE_PARAMETERS is SITE_PARAMETERS
    assert synthetic.load_synthetic is load_synthetic and synthetic.SYNTHETIC_CALL is SYNTHETIC_CALL
    assert simulate_cohort is cohorts.simulate_cohort
