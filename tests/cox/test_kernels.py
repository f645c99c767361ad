"""The Cox kernels other subpackages share, against R (tests/reference/cox_kernels.R -> .json).

calibration_slope = coxph(Surv ~ lp); newton_raphson with init= and running out of
iterations; baseline_hazard = survfit(coxph(Surv ~ offset(lp))) at lp = 0; design_matrix.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.cox import _rowpasses, engine
from lms_prognosis.cox.baseline import baseline_hazard
from lms_prognosis.cox.design import design_matrix
from lms_prognosis.cox.fit import fit_cox
from lms_prognosis.cox.slope import calibration_slope
from lms_prognosis.exceptions import ConvergenceWarning, CoxError, CoxWarning

REF = json.loads((Path(__file__).parents[1] / "reference" / "cox_kernels.json").read_text())
RTOL = 1e-6  # iterative results, as tests/cox/test_fit_cox.py


@pytest.mark.parametrize("name", list(REF["slope"]))
def test_calibration_slope_matches_coxph(name):
    case = REF["slope"][name]
    fit = calibration_slope(
        np.array(case["time"]),
        np.array(case["event"]),
        np.array(case["lp"]),
        ties=case["ties"],
        init=case["init"],
    )
    np.testing.assert_allclose(fit.slope, case["coef"], rtol=RTOL)
    np.testing.assert_allclose(fit.se, case["se"], rtol=RTOL)
    np.testing.assert_allclose(fit.loglik, case["loglik"], rtol=1e-9)
    assert fit.iterations == case["iter"]
    assert (fit.n, fit.n_events) == (case["n"], case["nevent"])
    assert fit.converged
    assert list(fit.table.columns) == ["slope", "se", "lower", "upper", "n", "n_events"]
    assert fit.lower < fit.slope < fit.upper
    assert "CalibrationSlope(slope=" in repr(fit)


def test_calibration_slope_reuses_a_sort_order_and_counts_code_2_as_censored():
    case = REF["slope"]["lung_efron"]
    t, e, lp = (np.array(case[k]) for k in ("time", "event", "lp"))
    order = engine.sort_order(t, None)
    a = calibration_slope(t, e, lp, order=order)
    e2 = np.where(e == 0, 2, e)  # competing events are censored for the event of interest
    b = calibration_slope(t, e2, lp)
    assert a.slope == pytest.approx(case["coef"], rel=RTOL)
    assert b.slope == a.slope


def test_calibration_slope_on_a_reused_layout_without_se_is_the_same_slope():
    """The bootstrap's call: the patients' sort and blocks reused, no information matrix at
    the estimate. Same slope as R and as the default call, bit for bit."""
    for name in ("lung_efron", "lung_breslow"):
        case = REF["slope"][name]
        t, e, lp = (np.array(case[k]) for k in ("time", "event", "lp"))
        ties = case["ties"]
        layout = engine.prepare(t, e, np.zeros((t.size, 1)), None, ties == "efron")
        full = calibration_slope(t, e, lp, ties=ties, init=case["init"])
        fast = calibration_slope(
            t, e, lp, ties=ties, init=case["init"], layout=layout, with_se=False
        )
        assert fast.slope == full.slope
        assert fast.slope == pytest.approx(case["coef"], rel=RTOL)
        assert fast.loglik == full.loglik and fast.iterations == full.iterations == case["iter"]
        assert np.isnan(fast.se) and fast.converged
        same = calibration_slope(t, e, lp, ties=ties, init=case["init"], layout=layout)
        assert (same.slope, same.se) == (full.slope, full.se)


def test_calibration_slope_refuses_a_layout_of_other_patients():
    case = REF["slope"]["lung_efron"]
    t, e, lp = (np.array(case[k]) for k in ("time", "event", "lp"))
    zero = np.zeros((t.size, 1))
    bad = {
        "fewer rows": engine.prepare(t[1:], e[1:], zero[1:]),
        "other events": engine.prepare(t, 1 - e, zero),
        "strata": engine.prepare(t, e, zero, np.arange(t.size) % 2),
        "offset": engine.prepare(t, e, zero, offset=np.ones(t.size)),
        "breslow": engine.prepare(t, e, zero, None, False),
    }
    for what, layout in bad.items():
        with pytest.raises(CoxError, match="layout must be"):
            calibration_slope(t, e, lp, layout=layout)
            pytest.fail(what)


def test_calibration_slope_errors():
    with pytest.raises(CoxError, match="no events"):
        calibration_slope(np.array([1.0, 2.0]), np.array([0, 0]), np.array([0.1, 0.2]))
    with pytest.raises(CoxError, match="one value per patient"):
        calibration_slope(np.array([1.0, 2.0]), np.array([1, 0]), np.array([0.1]))


def _pbc_prep():
    nd = REF["newton_data"]
    x = np.column_stack(nd["x"])
    return engine.prepare(np.array(nd["time"]), np.array(nd["event"]), x - x.mean(axis=0))


@pytest.mark.parametrize("name", ["pbc_from0", "pbc_init"])
def test_newton_raphson_from_a_start_value(name):
    case = REF["newton"][name]
    nr = engine.newton_raphson(_pbc_prep(), np.array(case["init"]), iter_max=case["iter_max"])
    np.testing.assert_allclose(nr.beta, case["coef"], rtol=RTOL)
    np.testing.assert_allclose(np.sqrt(np.diag(nr.var)), case["se"], rtol=RTOL)
    np.testing.assert_allclose([nr.loglik0, nr.loglik], case["loglik"], rtol=1e-9)
    np.testing.assert_allclose(nr.score_test, case["score"], rtol=RTOL)
    assert nr.iterations == case["iter"] and nr.converged


def test_newton_raphson_out_of_iterations_warns_like_r():
    case = REF["newton"]["pbc_two_iterations"]
    assert "Ran out of iterations" in case["warning"]
    with pytest.warns(ConvergenceWarning, match="Ran out of iterations"):
        nr = engine.newton_raphson(_pbc_prep(), iter_max=case["iter_max"])
    np.testing.assert_allclose(nr.beta, case["coef"], rtol=1e-12)
    np.testing.assert_allclose([nr.loglik0, nr.loglik], case["loglik"], rtol=1e-12)
    assert not nr.converged
    # R's fit$iter is iter.max + 1 here (its loop counter); we report the iterations run
    assert nr.iterations == case["iter"] - 1 == case["iter_max"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        engine.newton_raphson(_pbc_prep(), iter_max=case["iter_max"], warn=False)


@pytest.mark.parametrize("name", ["pbc_from0", "pbc_init"])
def test_newton_raphson_without_var_takes_the_same_iterations(name):
    """need_var=False skips the score and information where R's test stops: the same
    iterations, log-likelihoods and estimate (bit for bit), no variance."""
    case = REF["newton"][name]
    full = engine.newton_raphson(_pbc_prep(), np.array(case["init"]), iter_max=case["iter_max"])
    fast = engine.newton_raphson(
        _pbc_prep(), np.array(case["init"]), iter_max=case["iter_max"], need_var=False
    )
    assert np.array_equal(fast.beta, full.beta)
    np.testing.assert_allclose(fast.beta, case["coef"], rtol=RTOL)
    assert (fast.loglik0, fast.loglik) == (full.loglik0, full.loglik)
    assert (fast.iterations, fast.converged) == (full.iterations, True)
    assert fast.score_test == full.score_test
    assert np.isnan(fast.var).all() and np.isnan(fast.u).all()


def test_newton_raphson_without_var_out_of_iterations_keeps_r_variance():
    case = REF["newton"]["pbc_two_iterations"]
    with pytest.warns(ConvergenceWarning, match="Ran out of iterations"):
        full = engine.newton_raphson(_pbc_prep(), iter_max=case["iter_max"])
    with pytest.warns(ConvergenceWarning, match="Ran out of iterations"):
        fast = engine.newton_raphson(_pbc_prep(), iter_max=case["iter_max"], need_var=False)
    assert np.array_equal(fast.beta, full.beta) and np.array_equal(fast.var, full.var)
    assert np.array_equal(fast.u, full.u) and fast.loglik == full.loglik
    assert not fast.converged


def test_newton_raphson_without_var_halves_like_r():
    """Six times the estimate as the start: 13 iterations with step halvings on the way
    (loglik -1827, -29778 halved, ..., -1526, -2374 halved, ...). The same path either way."""
    prep = _pbc_prep()
    init = 6 * np.array(REF["newton"]["pbc_from0"]["coef"])
    full = engine.newton_raphson(prep, init)
    fast = engine.newton_raphson(prep, init, need_var=False)
    assert np.array_equal(fast.beta, full.beta) and fast.iterations == full.iterations
    assert fast.loglik == full.loglik and full.converged and full.iterations > 10
    np.testing.assert_allclose(fast.beta, REF["newton"]["pbc_from0"]["coef"], rtol=RTOL)


def test_with_covariates_equals_prepare():
    nd = REF["newton_data"]
    t, e = np.array(nd["time"]), np.array(nd["event"])
    x = np.column_stack(nd["x"])
    xc = x - x.mean(axis=0)
    for strata, efron in ((None, True), (np.arange(t.size) % 3, False)):
        ref = engine.prepare(t, e, xc, strata, efron, offset=np.full(t.size, 0.5))
        got = engine.with_covariates(
            engine.prepare(t, e, xc[:, :1], strata, efron, offset=np.full(t.size, 0.5)), xc
        )
        for f in ("order", "xt", "xt1_death", "xdeath_sum", "block_start", "k_frac", "offset"):
            assert np.array_equal(getattr(got, f), getattr(ref, f)), f
        assert got.efron_ties == ref.efron_ties
    with pytest.raises(CoxError, match="shape"):
        engine.with_covariates(ref, xc[1:])


def test_newton_raphson_with_offset_equals_fixed_coefficient():
    """An offset is a covariate whose coefficient is held at 1."""
    nd = REF["newton_data"]
    t, e = np.array(nd["time"]), np.array(nd["event"])
    x = np.column_stack(nd["x"])
    xc = x - x.mean(axis=0)
    full = engine.newton_raphson(engine.prepare(t, e, xc))
    off = full.beta[3] * xc[:, 3]
    part = engine.newton_raphson(engine.prepare(t, e, xc[:, :3], offset=off))
    np.testing.assert_allclose(part.beta, full.beta[:3], rtol=1e-7)
    assert part.loglik == pytest.approx(full.loglik, rel=1e-12)


@pytest.mark.parametrize("name", list(REF["baseline"]))
def test_baseline_hazard_with_offset_matches_survfit(name):
    case = REF["baseline"][name]
    st = None if case["strata"] is None else np.array(case["stratum_codes"], dtype=np.int64)
    h = baseline_hazard(
        np.array(case["time"]),
        np.array(case["event"]),
        np.array(case["lp"]),
        ties=case["ties"],
        stratum=st,
    )
    np.testing.assert_array_equal(h.time, case["out_time"])
    np.testing.assert_array_equal(h.stratum, case["out_stratum"])
    np.testing.assert_allclose(h.cumhaz, case["cumhaz"], rtol=1e-12)
    np.testing.assert_allclose(np.sqrt(h.var), case["std_err"], rtol=1e-12)
    first = h.time[h.stratum == 0]
    before, after = h.at([first[0] - 1, first[-1] + 1])
    assert before == 0.0 and np.isnan(after)
    assert list(h.table.columns) == ["stratum", "time", "cumhaz", "surv"]


def test_baseline_hazard_without_lp_is_nelson_aalen():
    t = np.array([1.0, 2.0, 2.0, 3.0, 5.0])
    e = np.array([1, 1, 0, 1, 0])
    h = baseline_hazard(t, e)
    np.testing.assert_allclose(h.cumhaz, np.cumsum([1 / 5, 1 / 4, 1 / 2, 0]), rtol=1e-15)
    with pytest.raises(CoxError, match="ties"):
        baseline_hazard(t, e, ties="exact")


def test_docstring_toy_is_r():
    """The numbers in the docstrings of CoxResult are R's (cox_kernels.R, 'toy')."""
    toy = REF["toy"]
    df = pd.DataFrame(
        {
            "time": [5, 8, 12, 20, 25, 30, 33, 41, 47, 52, 58, 60],
            "event": [1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            "age": [70, 60, 65, 50, 40, 61, 45, 48, 66, 42, 44, 39],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoxWarning)
        fit = fit_cox(df, ["age"])
    np.testing.assert_allclose(fit.coef, toy["coef"], rtol=RTOL)
    lp = fit.predict_risk(pd.DataFrame({"age": [50, 70]}))["linear_predictor"]
    np.testing.assert_allclose(lp, toy["lp"], rtol=RTOL)
    s = fit.predict_survival(pd.DataFrame({"age": [50]}), [24]).iloc[0]
    for col, key in [
        ("surv", "surv24"),
        ("std_err", "std_err24"),
        ("lower", "lower24"),
        ("upper", "upper24"),
        ("cumhaz", "cumhaz24"),
    ]:
        np.testing.assert_allclose(s[col], toy[key], rtol=RTOL)
    ph = fit.check_ph().table
    np.testing.assert_allclose(ph["chisq"], toy["zph_chisq"], rtol=RTOL)
    np.testing.assert_allclose(ph["p"], toy["zph_p"], rtol=RTOL)


# ---- design_matrix: the one design matrix -----------------------------------------------------


def _frame(n=60, seed=4):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.normal(60, 10, n).round(),
            "grade": pd.Categorical(rng.choice(["1", "2", "3"], n), categories=["1", "2", "3"]),
            "site": rng.choice(["uterus", "trunk"], n),
            "deep": rng.random(n) < 0.5,
            "ones": 1.0,
        }
    )


def test_design_matrix_codes_like_fit_cox():
    df = _frame()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = design_matrix(df, ["age", "grade", "site", "deep"])
    assert d.names == ["age", "grade[2]", "grade[3]", "site[uterus]", "deep"]
    assert d.covariates == ["age", "grade", "site", "deep"]
    assert d.x.shape == (60, 5)
    np.testing.assert_array_equal(d.x[:, 1], (df["grade"] == "2").to_numpy(float))
    np.testing.assert_array_equal(d.x[:, 3], (df["site"] == "uterus").to_numpy(float))
    np.testing.assert_allclose(d.center, d.x.mean(axis=0), rtol=1e-15)
    assert d.means[0] == d.center[0] and not d.means[1:].any()
    np.testing.assert_array_equal(d.transform(df), d.x)
    assert d.term_columns == [("age", [0]), ("grade", [1, 2]), ("site", [3]), ("deep", [4])]
    with pytest.raises(CoxError, match="not in the fitted data"):
        d.transform(df.assign(site="head"))
    with pytest.raises(CoxError, match="lacks"):
        d.transform(df.drop(columns="age"))


def test_design_matrix_drops_constant_and_collinear_with_warnings():
    df = _frame()
    df["age2"] = 2 * df["age"] - 3
    with pytest.warns(CoxWarning) as rec:
        d = design_matrix(df, ["age", "ones", "age2", "grade"])
    msgs = " | ".join(str(r.message) for r in rec)
    assert "ones is constant" in msgs and "['age2'] are linear combinations" in msgs
    assert d.names == ["age", "grade[2]", "grade[3]"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kept = design_matrix(df, ["age", "ones", "age2"], drop_constant=False, drop_collinear=False)
    assert kept.names == ["age", "ones", "age2"]
    with pytest.raises(CoxError, match="no covariate left"), pytest.warns(CoxWarning):
        design_matrix(df, ["ones"])


def test_design_matrix_ignores_incomplete_rows_in_its_checks():
    df = _frame()
    df.loc[[0, 5], "age"] = np.nan
    d = design_matrix(df, ["age", "deep"])
    assert np.isnan(d.x[[0, 5], 0]).all()
    assert d.center[0] == pytest.approx(df["age"].mean(), rel=1e-14)


def test_near_tied_times_merged_as_r_timefix():
    """R's coxph and concordance merge t and t + 1e-11 (aeqSurv); so do fit_cox and
    lp.concordance of the same linear predictor (the issue's 0.637135 vs 0.637048)."""
    case = REF["near_ties"]
    df = pd.DataFrame(
        {
            "time": case["time"],
            "event": case["event"],
            "age": case["age"],
            "sex": case["sex"],
            "ph_ecog": pd.Categorical([str(int(v)) for v in case["ph_ecog"]]),
        }
    )
    assert (df["time"] % 1 != 0).sum() == len(case["shifted"]) > 10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoxWarning)
        fit = fit_cox(df, ["age", "sex", "ph_ecog"])
    np.testing.assert_allclose(fit.coef, case["coef"], rtol=RTOL)
    np.testing.assert_allclose(fit.loglik, case["loglik"], rtol=1e-9)
    np.testing.assert_allclose(
        [fit.concordance, fit.concordance_se], case["concordance"], rtol=1e-9
    )
    risk = fit.predict_risk(df)["linear_predictor"].to_numpy()
    c = lp.concordance(df, risk)
    np.testing.assert_allclose(c.c, case["lp_concordance"], rtol=1e-12)


# ---- counting sort and risk-set sums (issue 16) -----------------------------------------------


@pytest.mark.parametrize("n_times", [1, 7, 1200, 70_000])  # 70,000 grid points: two radix passes
@pytest.mark.parametrize("strata", [None, 3])
@pytest.mark.parametrize("with_event", [False, True])
def test_counting_sort_is_the_stable_argsort(n_times, strata, with_event):
    rng = np.random.default_rng(n_times)
    n = 5_000
    t = rng.integers(0, n_times, n) / 10.0  # exactly the doubles nearest k / 10
    s = None if strata is None else rng.integers(0, strata, n)
    e = rng.choice([0, 1, 2], n) if with_event else None  # code 2 (competing) is censored
    keys = [-t] if s is None else [-t, s]
    if e is not None:  # the events of a tied time after its other rows
        keys.insert(0, e == 1)
    expect = np.lexsort(keys)
    ev = None if e is None else (e == 1).view(np.uint8)
    np.testing.assert_array_equal(engine.counting_order(t, s, 10, ev), expect)
    np.testing.assert_array_equal(engine.sort_order(t, s, grid_step=10, event=e), expect)
    np.testing.assert_array_equal(engine.sort_order(t, s, event=e), expect)  # no grid: the same


@pytest.mark.parametrize("strata", [None, 3])
def test_a_long_sort_finds_the_time_grid_itself(monkeypatch, strata):
    """Without ``grid_step``, times on a grid (here months to 0.1) of more than 32,768 rows
    are counted into order (the grid is looked for): the same order as the stable sort."""
    from lms_prognosis.cox import _order

    rng = np.random.default_rng(8)
    n = 40_000
    t = rng.integers(1, 1500, n) / 10.0
    s = None if strata is None else rng.integers(0, strata, n)
    e = rng.choice([0, 1, 2], n)
    calls = []
    real = _order.counting_order
    monkeypatch.setattr(_order, "counting_order", lambda *a: calls.append(a[2]) or real(*a))
    keys = [e == 1, -t] if s is None else [e == 1, -t, s]
    np.testing.assert_array_equal(engine.sort_order(t, s, event=e), np.lexsort(keys))
    assert calls == [10.0]
    off_grid = t + rng.choice([0.0, 1e-7], n)  # not on a grid: the comparison sort
    keys[1] = -off_grid
    np.testing.assert_array_equal(engine.sort_order(off_grid, s, event=e), np.lexsort(keys))
    assert calls == [10.0]


@pytest.mark.parametrize("n", [50, 100_000])  # a stable sort, and a quicksort with tie runs fixed
@pytest.mark.parametrize("with_event", [False, True])
def test_order_without_grid_is_stable(n, with_event):
    rng = np.random.default_rng(5)
    t = np.round(rng.exponential(10, n), 3) + rng.choice([0.0, 1e-7], n)
    e = rng.integers(0, 2, n) if with_event else None
    expect = np.lexsort((e, -t)) if with_event else np.argsort(-t, kind="stable")
    np.testing.assert_array_equal(engine.sort_order(t, None, event=e), expect)


def test_risk_set_sums_with_rows_after_the_last_event():
    """One stratum: the sums over rows between event times stop at the last event block."""
    rng = np.random.default_rng(2)
    t = rng.integers(1, 40, 300).astype(float)
    e = (rng.random(300) < 0.3).astype(int)
    e[t < 5] = 0  # the earliest times are censored: rows after the last event block
    x = rng.normal(size=(300, 2))
    prep = engine.prepare(t, e, x)
    v = rng.random((2, 300))
    got = engine.event_risk_sums(v, prep)
    ts = prep.time
    event_times = ts[prep.block_start[prep.eblock]]
    want = np.array([[row[ts >= u].sum() for u in event_times] for row in v])
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("events_last", [True, False])
def test_one_pass_risk_sums_equal_the_column_by_column_sums(events_last):
    """Many rows, one stratum: the block-of-rows pass gives the same values as one call over
    all rows, bit for bit, in either layout (events last in their blocks or not)."""
    rng = np.random.default_rng(4)
    n = 60_000  # above the engine's chunk: the one-pass path
    t = np.round(rng.exponential(30, n), 1) + 0.1
    e = (rng.random(n) < 0.6).astype(int)
    e[t < 3] = 0  # rows after the last event block
    order = engine.sort_order(t, None, event=e if events_last else None)
    prep = engine.prepare(t, e, rng.normal(size=(n, 3)), order=order)
    assert (prep.death_start is not None) == events_last
    w = np.exp(0.3 * rng.normal(size=n))
    y = prep.xt * w
    s1, d1 = _rowpasses.chunked_risk_sums(prep, w, True)
    starts = prep.eblock_start
    dead = np.add.reduceat(y[:, prep.death_rows], starts, axis=1)
    if events_last:
        np.testing.assert_array_equal((s1, d1), engine.risk_and_death_sums(y, prep))
        np.testing.assert_allclose(s1, engine.event_risk_sums(y, prep), rtol=1e-12)
        np.testing.assert_allclose(d1, dead, rtol=1e-12)
    else:
        np.testing.assert_array_equal(s1, engine.event_risk_sums(y, prep))
        np.testing.assert_array_equal(d1, dead)


@pytest.mark.parametrize("n", [300, 40_000])  # one call, and blocks of rows
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_events_last_layout_gives_the_same_derivatives(n, ties):
    """The layout with each tied time's events last (runs, no gathers) and the row-order
    layout give the same log-likelihood, score and information."""
    rng = np.random.default_rng(n)
    t = rng.integers(1, 60, n).astype(float)  # many ties, some blocks all events
    e = (rng.random(n) < 0.7).astype(int)
    e[t > 55] = 1
    x = rng.normal(size=(n, 3))
    last = engine.prepare(t, e, x, None, ties == "efron")
    rows = engine.prepare(t, e, x, None, ties == "efron", order=engine.sort_order(t, None))
    assert last.death_start is not None and rows.death_start is None
    ev = last.event
    assert not np.any(ev[:-1] & ~ev[1:] & (last.time[:-1] == last.time[1:]))  # no event first
    beta = np.array([0.4, -0.3, 0.1])
    a, b = engine.loglik_derivs(beta, last), engine.loglik_derivs(beta, rows)
    assert a[0] == pytest.approx(b[0], rel=1e-13)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(a[2], b[2], rtol=1e-10)
    np.testing.assert_array_equal(a[2], a[2].T)  # mirrored: exactly symmetric


@pytest.mark.parametrize("n", [400, 30_000])  # one bincount, and reduceat over many rows
def test_risk_and_death_sums_equal_direct_sums(n):
    """Events last in their blocks: the risk set of each event block (all rows with time >=
    its time) and its events, summed directly, whichever way the parts are summed."""
    rng = np.random.default_rng(n)
    t = rng.integers(1, 200, n).astype(float)
    e = (rng.random(n) < 0.5).astype(int)
    e[t > 190] = 1  # blocks with events only: no part before their events
    e[t < 4] = 0  # rows after the last event block
    prep = engine.prepare(t, e, np.zeros((n, 0)))
    assert engine.fast_layout(prep)
    v = rng.random((2, n))
    risk, dead = engine.risk_and_death_sums(v, prep)
    risk1, dead1 = engine.risk_and_death_sums(v[1], prep)
    ts, ev = prep.time, prep.event
    block_times = ts[prep.block_start[prep.eblock]]
    want_risk = np.array([[row[ts >= u].sum() for u in block_times] for row in v])
    want_dead = np.array([[row[(ts == u) & ev].sum() for u in block_times] for row in v])
    np.testing.assert_allclose(risk, want_risk, rtol=1e-12)
    np.testing.assert_allclose(dead, want_dead, rtol=1e-12)
    np.testing.assert_array_equal(risk1, risk[1])  # a row alone: the same sums
    np.testing.assert_array_equal(dead1, dead[1])


def test_group_sums_equal_reduceat_of_runs():
    rng = np.random.default_rng(9)
    sizes = rng.integers(1, 6, 300)
    ids = np.repeat(np.arange(300), sizes)
    v = rng.normal(size=(3, ids.size))
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    want = np.add.reduceat(v, starts, axis=1)
    np.testing.assert_allclose(engine.group_sums(v, ids, 300), want, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(engine.group_sums(v[0], ids, 300), want[0], rtol=1e-13, atol=1e-15)
    assert engine.group_sums(v[0], ids, 302)[-2:].tolist() == [0.0, 0.0]  # empty groups


def test_engine_linear_predictor_in_blas_blocks():
    """Many rows: the engine's x beta by BLAS blocks equals the exact column loop to rounding,
    and gives the same bits whatever the number of BLAS threads."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(11)
    n = 50_000  # above the one-call size
    t = rng.exponential(10, n)
    prep = engine.prepare(t, np.ones(n, dtype=int), rng.normal(size=(n, 5)))
    beta = rng.normal(size=5)
    fast = engine.linear_predictor(prep, beta, exact=False)
    np.testing.assert_allclose(fast, engine.linear_predictor(prep, beta), rtol=1e-13, atol=1e-13)
    with threadpool_limits(1):
        one = engine.linear_predictor(prep, beta, exact=False)
    np.testing.assert_array_equal(one, fast)


@pytest.mark.parametrize("efron", [True, False])
def test_baseline_without_variance_is_the_same_cumulative_hazard(efron):
    """``baseline(variance=False)`` (a bootstrap's predicted survival) skips the variance and
    the covariate sums, not the hazard: bit-identical, with strata, weights and ties."""
    from lms_prognosis.cox.baseline import baseline

    rng = np.random.default_rng(8)
    n = 400
    t = rng.integers(1, 30, n).astype(float)
    e = (rng.random(n) < 0.6).astype(int)
    x = rng.normal(size=(n, 2))
    prep = engine.prepare(t, e, x, rng.integers(0, 2, n), efron, weights=rng.uniform(0.5, 2.0, n))
    beta = np.array([0.4, -0.3])
    full, light = baseline(prep, beta), baseline(prep, beta, variance=False)
    np.testing.assert_array_equal(light.cumhaz, full.cumhaz)
    np.testing.assert_array_equal(light.time, full.time)
    assert np.isnan(light.cumvar).all() and np.isnan(light.xbar).all()
    assert light.xbar.shape == full.xbar.shape and np.isfinite(full.cumvar).all()
