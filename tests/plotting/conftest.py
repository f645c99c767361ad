"""Shared fixtures for the headless figure tests (Agg backend, no display).

The figures are drawn from the package's own result objects when those modules exist
(``lms_prognosis.nonparametric``, ``cox``, ``evaluate``, ``simulate``). While they are being
written, small stand-ins with the same interface (built on lifelines and numpy) are used, so
these tests check the plotting code, never the statistics.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402


def _real(module: str, name: str) -> Any | None:
    try:
        return getattr(importlib.import_module(f"lms_prognosis.{module}"), name)
    except (ImportError, AttributeError):
        return None


# ----------------------------------------------------------------------------- stand-ins
def simulated_frame(n: int = 300, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    grade = rng.choice(["1", "2", "3"], size=n, p=[0.2, 0.35, 0.45])
    age = rng.normal(60, 12, n).clip(20, 90)
    size = rng.lognormal(np.log(8), 0.5, n).clip(1, 40)
    necrosis = rng.choice(["none", "<50%", ">=50%"], size=n, p=[0.4, 0.35, 0.25])
    vi = rng.random(n) < 0.3
    lp = (0.02 * (age - 60) + 0.05 * (size - 8) + np.select([grade == "2", grade == "3"],
                                                             [0.6, 1.2], 0)
          + np.select([necrosis == "<50%", necrosis == ">=50%"], [0.3, 0.6], 0) + 0.4 * vi)
    t_event = rng.exponential(1 / (0.008 * np.exp(lp)))
    t_cens = rng.uniform(12, 150, n)
    return pd.DataFrame({
        "patient_id": [f"P{i:03d}" for i in range(n)],
        "time": np.round(np.minimum(t_event, t_cens), 1),
        "event": (t_event <= t_cens).astype(int),
        "age": age.round(0), "size_cm": size.round(1),
        "grade": pd.Categorical(grade, categories=["1", "2", "3"], ordered=True),
        "necrosis": pd.Categorical(necrosis, categories=["none", "<50%", ">=50%"]),
        "vascular_invasion": pd.array(vi, dtype="boolean"),
    })


@dataclass
class StandInLogRank:
    chisq: float
    df: int
    p: float
    method: str


class StandInKM:
    """Product-limit estimate with the KMResult interface (numpy; log CI, Greenwood)."""

    def __init__(self, df: pd.DataFrame, group: str | None = None) -> None:
        self.df, self.group = df, group
        self.groups = (list(df[group].cat.categories) if group else ["all"])
        rows = []
        for g in self.groups:
            sub = df if group is None else df[df[group] == g]
            t, e = sub["time"].to_numpy(float), sub["event"].to_numpy() == 1
            times = np.unique(t)
            n_risk = np.array([(t >= u).sum() for u in times])
            d = np.array([(e & (t == u)).sum() for u in times])
            c = np.array([(~e & (t == u)).sum() for u in times])
            surv = np.cumprod(1 - d / n_risk)
            with np.errstate(divide="ignore", invalid="ignore"):
                gw = np.cumsum(d / (n_risk * (n_risk - d)))
                se_log = np.sqrt(gw)
                lower = np.exp(np.log(surv) - 1.96 * se_log)
                upper = np.minimum(1, np.exp(np.log(surv) + 1.96 * se_log))
            rows.append(pd.DataFrame({"group": g, "time": times, "n_risk": n_risk,
                                      "n_event": d, "n_censor": c, "surv": surv,
                                      "std_err": surv * se_log, "lower": lower,
                                      "upper": upper, "cumhaz": np.cumsum(d / n_risk)}))
        self.table = pd.concat(rows, ignore_index=True)

    def at_risk(self, times) -> pd.DataFrame:
        out = []
        for g in self.groups:
            sub = self.df if self.group is None else self.df[self.df[self.group] == g]
            prev = -np.inf
            for u in times:
                inint = (sub["time"] > prev) & (sub["time"] <= u) if prev > -np.inf else (
                    sub["time"] <= u)
                out.append({"group": g, "time": float(u),
                            "n_risk": int((sub["time"] >= u).sum()),
                            "n_event": int((inint & (sub["event"] == 1)).sum()),
                            "n_censor": int((inint & (sub["event"] != 1)).sum())})
                prev = u
        return pd.DataFrame(out)

    def median(self) -> pd.DataFrame:
        out = []
        for g in self.groups:
            s = self.table[self.table.group == g]
            below = s[s.surv <= 0.5]
            out.append({"group": g, "n": int(s.n_risk.iloc[0]), "events": int(s.n_event.sum()),
                        "median": float(below.time.iloc[0]) if len(below) else np.nan,
                        "lower": np.nan, "upper": np.nan})
        return pd.DataFrame(out)

    def logrank(self, trend: bool = False) -> StandInLogRank:
        from lifelines.statistics import multivariate_logrank_test

        r = multivariate_logrank_test(self.df["time"], self.df[self.group].astype(str),
                                      self.df["event"])  # plain test also for trend=True
        return StandInLogRank(float(r.test_statistic), len(self.groups) - 1, float(r.p_value),
                              "Log-rank test for trend" if trend else "Log-rank test")


class StandInCox:
    """lifelines CoxPHFitter behind the CoxResult interface (terms as fit_cox names them)."""

    def __init__(self, df: pd.DataFrame, covariates: list[str]) -> None:
        from lifelines import CoxPHFitter

        self.covariates, self.time, self.event = covariates, "time", "event"
        self.data = df[["time", "event", *covariates]].dropna()
        x = self._design(self.data)
        self._fit = CoxPHFitter().fit(pd.concat([x, self.data[["time", "event"]]], axis=1),
                                      "time", "event")
        s = self._fit.summary
        terms = list(x.columns)
        self._term_cov = {t: t.split("[")[0] for t in terms}
        self.hazard_ratios = pd.DataFrame({
            "term": terms, "covariate": [self._term_cov[t] for t in terms],
            "coef": s["coef"].to_numpy(), "se": s["se(coef)"].to_numpy(),
            "hr": s["exp(coef)"].to_numpy(), "lower": s["exp(coef) lower 95%"].to_numpy(),
            "upper": s["exp(coef) upper 95%"].to_numpy(), "z": s["z"].to_numpy(),
            "p": s["p"].to_numpy()})
        self.coef = pd.Series(s["coef"].to_numpy(), index=terms)

    def _design(self, df: pd.DataFrame) -> pd.DataFrame:
        cols = {}
        for c in self.covariates:
            v = df[c]
            if isinstance(v.dtype, pd.CategoricalDtype):
                for lev in v.cat.categories[1:]:
                    cols[f"{c}[{lev}]"] = (v == lev).astype(float)
            else:
                cols[c] = v.astype(float)
        return pd.DataFrame(cols, index=df.index)

    def predict_survival(self, newdata: pd.DataFrame, times) -> pd.DataFrame:
        x = self._design(newdata)
        sf = self._fit.predict_survival_function(x, times=np.asarray(times, float))
        out = []
        for pid in newdata.index:
            s = sf[pid].to_numpy()
            out.append(pd.DataFrame({"patient": pid, "time": np.asarray(times, float),
                                     "surv": s, "std_err": np.nan, "lower": s ** 1.15,
                                     "upper": s ** 0.87, "cumhaz": -np.log(s)}))
        return pd.concat(out, ignore_index=True)


# ----------------------------------------------------------------------------- fixtures
def cohort_frame() -> pd.DataFrame:
    load = _real("simulate", "load_synthetic")
    if load is not None:
        try:
            return load().data
        except Exception:  # noqa: BLE001 - colleague's module may be half-written
            pass
    return simulated_frame()


def kaplan_meier(df: pd.DataFrame, group: str | None = None):
    km = _real("nonparametric", "kaplan_meier")
    return km(df, group=group) if km is not None else StandInKM(df, group)


def fit_cox(df: pd.DataFrame, covariates: list[str]):
    fit = _real("cox", "fit_cox")
    return fit(df, covariates) if fit is not None else StandInCox(df, covariates)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def cohort_df():
    return cohort_frame()


@pytest.fixture(scope="session")
def km_grade(cohort_df):
    return kaplan_meier(cohort_df, group="grade")


@pytest.fixture(scope="session")
def km_all(cohort_df):
    return kaplan_meier(cohort_df)


@pytest.fixture(scope="session")
def cox(cohort_df):
    return fit_cox(cohort_df, ["age", "size_cm", "grade", "necrosis", "vascular_invasion"])


def calibration_result(cox, df, time_point=36):
    """The package's CalibrationResult when evaluate.calibration exists, else a stand-in."""
    cal = _real("evaluate", "calibration")
    if cal is not None:
        return cal(cox, df, time_point=time_point)
    from types import SimpleNamespace

    pred = cox.predict_survival(df, [time_point])
    risk = 1 - pred["surv"].to_numpy()
    q = pd.qcut(risk, 5, labels=False)
    tab = pd.DataFrame({"group": np.arange(1, 6), "n": np.bincount(q),
                        "predicted": [risk[q == k].mean() for k in range(5)]})
    tab["observed"] = tab["predicted"] * 1.05
    tab["lower"], tab["upper"] = tab["observed"] - 0.05, tab["observed"] + 0.05
    grid = np.linspace(risk.min(), risk.max(), 50)
    return SimpleNamespace(table=tab, smooth=pd.DataFrame({"predicted": grid,
                                                           "observed": grid * 1.05}),
                           patients=pd.DataFrame({"predicted": risk}), ici=0.021, e50=0.018,
                           e90=0.04, oe=1.05, slope=0.97, time_point=time_point)


@pytest.fixture(scope="session")
def calib(cox, cohort_df):
    return calibration_result(cox, cohort_df)
