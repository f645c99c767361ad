"""n and events per level in the hazard-ratio table and the report's log-rank table.

The counts must describe the patients each analysis used (the Cox model's complete cases; the
log-rank test's rows with the factor recorded), not the frame the caller passed. Every test
here builds a frame in which the two differ and counts by hand with pandas.
"""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.report import _sections as S


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 240
    grade = rng.choice(["1", "2", "3"], n, p=[0.25, 0.35, 0.4])
    vi = rng.random(n) < 0.3
    lp_true = 0.6 * (grade == "2") + 1.1 * (grade == "3") + 0.5 * vi
    t = rng.exponential(60 * np.exp(-lp_true))
    c = rng.uniform(10, 120, n)
    df = pd.DataFrame(
        {
            "time": np.minimum(t, c).round(2),
            "event": (t <= c).astype(int),
            "grade": pd.Categorical(grade, categories=["1", "2", "3"]),
            "vascular_invasion": vi,
            "size_cm": rng.uniform(1, 20, n).round(1),
        }
    )
    # size missing in 50 rows, mostly grade 3 with an event: the model's counts differ from
    # the frame's
    miss = np.flatnonzero((df["grade"] == "3").to_numpy() & (df["event"] == 1).to_numpy())[:35]
    miss = np.r_[miss, np.flatnonzero((df["grade"] == "1").to_numpy())[:15]]
    df.loc[miss, "size_cm"] = np.nan
    return df


def _fit(df: pd.DataFrame, covariates: list[str]) -> lp.CoxResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lp.fit_cox(df, covariates)


def test_hr_table_counts_come_from_the_fitted_rows(frame):
    cox = _fit(frame, ["grade", "vascular_invasion", "size_cm"])
    tab = lp.hr_table(cox).table
    used = frame.dropna(subset=["size_cm"])  # the complete cases, counted by hand
    assert len(used) == cox.n < len(frame)
    grade = tab[tab["variable"] == "FNCLCC grade"].set_index("level")
    for level in ("1", "2", "3"):
        rows = used[used["grade"] == level]
        assert grade.loc[level, "n"] == str(len(rows))
        assert grade.loc[level, "Events"] == str(int(rows["event"].sum()))
    # and not the raw frame's: grade 3 lost 35 patients with an event
    raw3 = frame[frame["grade"] == "3"]
    assert grade.loc["3", "n"] == str(len(raw3) - 35)
    assert grade.loc["3", "Events"] == str(int(raw3["event"].sum()) - 35)
    vi = tab[tab["variable"] == "Vascular invasion"].set_index("level")
    assert vi.loc["no", "n"] == str(int((~used["vascular_invasion"]).sum()))
    assert vi.loc["yes", "Events"] == str(int(used.loc[used["vascular_invasion"], "event"].sum()))
    size = tab[tab["variable"] == "Tumour size, cm"].iloc[0]
    assert (size["level"], size["n"], size["Events"]) == (
        "per unit",
        str(len(used)),
        str(int(used["event"].sum())),
    )
    assert list(tab.columns[:4]) == ["variable", "level", "n", "Events"]
    assert "among the patients the multivariable model used" in lp.hr_table(cox).note


def test_hr_table_univariable_counts_are_those_of_each_fit(frame):
    cox = _fit(frame, ["grade", "size_cm"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the size fit drops the rows missing size
        hrt = lp.hr_table(cox, univariable="auto", data=frame)
    terms = hrt.terms
    uni = terms[(terms["model"] == "univariable") & (terms["variable"] == "grade")]
    multi = terms[(terms["model"] == "multivariable") & (terms["variable"] == "grade")]
    # the univariable grade fit used every patient (grade is never missing)
    assert uni["n_level"].tolist() == frame["grade"].value_counts().loc[["1", "2", "3"]].tolist()
    used = frame.dropna(subset=["size_cm"])
    assert multi["n_level"].tolist() == used["grade"].value_counts().loc[["1", "2", "3"]].tolist()
    assert int(multi["events_level"].sum()) == cox.n_events
    # the displayed columns are the multivariable model's
    shown = hrt.table[hrt.table["variable"] == "FNCLCC grade"]["n"].tolist()
    assert shown == [str(v) for v in multi["n_level"]]
    assert "n_level and events_level" in hrt.note


def test_hr_table_spline_row_shows_the_model_totals(frame):
    cox = _fit(frame, ["rcs(size_cm, 4)", "grade"])
    row = lp.hr_table(cox).table.iloc[0]
    assert row["level"] == "spline, 3 df"
    assert (row["n"], row["Events"]) == (str(cox.n), str(cox.n_events))


class _Writer:
    """Collects the report blocks instead of writing files."""

    def __init__(self) -> None:
        self.tables: dict[str, tuple[pd.DataFrame, dict]] = {}

    def table(self, frame, name, caption, **kw):
        self.tables[name] = (frame, kw)
        return frame

    def figure(self, fig, name, caption, **kw):
        plt.close(getattr(fig, "figure", fig))
        return name


def test_logrank_table_has_n_and_events_per_level_of_the_rows_tested(frame):
    data = frame.copy()
    data["age"] = np.where(np.arange(len(data)) % 2, 70.0, 50.0)
    data["vascular_invasion"] = data["vascular_invasion"].astype("boolean")
    data.loc[data.index[:30], "vascular_invasion"] = pd.NA  # left out of that test
    cohort = lp.read_cohort(data)
    ctx = S.Context(
        cohort=cohort,
        writer=_Writer(),
        model_name="lms_default",
        covariates=None,
        time_points=(12.0,),
    )
    S.section_km(ctx)
    shown, kw = ctx.writer.tables["logrank_tests"]
    tidy = kw["csv_frame"]
    assert kw["group_column"] == "factor"
    d = ctx.data
    vi = tidy[tidy["factor"] == "Vascular invasion"].set_index("level")
    recorded = d[d["vascular_invasion"].notna()]
    assert len(recorded) == len(d) - 30
    for level in ("absent", "present"):
        rows = recorded[recorded["vascular_invasion"] == level]
        assert vi.loc[level, "n"] == len(rows)
        assert vi.loc[level, "events"] == int((rows["event"] == 1).sum())
    assert int(vi["n"].sum()) == len(recorded) < len(d)
    grade = tidy[tidy["factor"] == "FNCLCC grade"]
    assert grade["level"].tolist() == ["1", "2", "3"]
    assert grade["n"].tolist() == d["grade"].value_counts().loc[["1", "2", "3"]].tolist()
    # the test's statistic once per factor in the displayed table
    first = shown[shown["factor"] == "FNCLCC grade"]
    assert first["test"].tolist() == ["log-rank test for trend", "", ""]
    assert first["chi-square"].iloc[1:].tolist() == ["", ""]
    assert first["n"].tolist() == [str(v) for v in grade["n"]]


def test_categorical_level_counts_from_codes_match_counting_strings():
    """The codes path of the level counts gives what a str() per row gives, missing values
    ("nan") and a category named "nan" included."""
    from types import SimpleNamespace

    from lms_prognosis.report import tables

    rng = np.random.default_rng(5)
    n = 3000
    cat = pd.Categorical(
        rng.choice(["a", "b", "nan", None], n), categories=["b", "a", "nan", "unused"]
    )
    data = pd.DataFrame({"event": rng.integers(0, 3, n), "x": cat})
    fit = SimpleNamespace(data=data, event="event")
    levels = tables._levels(fit, "x")
    assert levels == ["b", "a", "nan"]  # category order, the unused one left out
    got = tables._level_counts(fit, "x", [*levels, "unused"])
    values = data["x"].astype(object).map(str).to_numpy()
    event = data["event"].to_numpy() == 1
    for lv in [*levels, "unused"]:
        assert got[lv] == (int((values == lv).sum()), int((event & (values == lv)).sum()))
    assert got["nan"][0] > (data["x"] == "nan").sum()  # the missing rows count as "nan" too
