"""plot_forest: one row per term, log axis with a line at 1, shared-formatter text columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lms_prognosis import published_model
from lms_prognosis._format import format_hr, format_p
from lms_prognosis.exceptions import ColumnNotFoundError, PlotError
from lms_prognosis.plotting import plot_forest


def _rows(ax):
    return [c for c in ax.containers]


def test_one_row_per_term_from_cox(cox):
    res = plot_forest(cox)
    terms = cox.hazard_ratios["term"].tolist()
    tab = res.table
    assert tab["term"].tolist() == terms
    pax = res.axes["multivariable:plot"]
    assert len(pax.get_yticks()) == len(terms)
    (bars,) = _rows(pax)
    np.testing.assert_allclose(bars.lines[0].get_xdata(), cox.hazard_ratios["hr"])
    assert pax.get_xscale() == "log"
    assert any(np.allclose(ln.get_xdata(), 1.0) for ln in pax.get_lines()
               if len(ln.get_xdata()) == 2)  # reference line at HR = 1
    hr = cox.hazard_ratios
    texts = [t.get_text() for t in res.axes["multivariable:hr"].texts]
    assert texts == [format_hr(*r) for r in hr[["hr", "lower", "upper"]].to_numpy()]
    ptexts = [t.get_text() for t in res.axes["multivariable:p"].texts]
    assert ptexts == [format_p(p, prefix=False) for p in hr["p"]]
    assert tab["multivariable_text"].tolist() == texts  # the table is what is printed


def test_univariable_and_multivariable_side_by_side(cox, cohort_df):
    uni = cox.hazard_ratios.iloc[:3].copy()
    uni[["hr", "lower", "upper"]] *= 1.1
    extra = pd.DataFrame({"term": ["site[trunk]"], "hr": [0.8], "lower": [0.5],
                          "upper": [1.3], "p": [0.4]})
    res = plot_forest(cox, univariable=pd.concat([uni, extra]))
    tab = res.table
    assert len(tab) == len(cox.hazard_ratios) + 1  # union of terms, one row each
    assert tab["term"].iloc[-1] == "site[trunk]"
    assert np.isnan(tab["multivariable_hr"].iloc[-1])
    up, mp = res.axes["univariable:plot"], res.axes["multivariable:plot"]
    res.canvas.draw()
    assert up.get_position().x1 < mp.get_position().x0  # side by side
    assert up.get_xlim() == mp.get_xlim()  # one HR scale for both panels
    # rows line up across panels: same y for the same term
    assert up.get_ylim() == mp.get_ylim()


def test_published_model_and_plain_table():
    t = pd.DataFrame({"factor": ["a", "b"], "hr": [2.0, 0.5], "lower": [1.2, 0.3],
                      "upper": [3.1, 0.9]})
    res = plot_forest(t)
    assert res.table["multivariable_p_text"].tolist() == ["", ""]
    model = published_model("lms_default")
    res = plot_forest(model)
    assert len(res.table) == len(model.factors)


def test_bad_table():
    with pytest.raises(ColumnNotFoundError, match="'lower'"):
        plot_forest(pd.DataFrame({"term": ["a"], "hr": [1.0]}))
    with pytest.raises(PlotError, match="duplicated"):
        plot_forest(pd.DataFrame({"term": ["a", "a"], "hr": [1.0, 2.0], "lower": [0.5, 1.0],
                                  "upper": [2.0, 4.0]}))


def test_in_grid_cell(cox):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
    out = plot_forest(cox, ax=axes[1])
    assert out.figure is fig and out.axes["multivariable:plot"] is axes[1]


def test_infinite_limits_are_clipped_not_fatal():
    t = pd.DataFrame({"term": ["a", "b"], "hr": [2.0, np.inf], "lower": [0.0, 1.0],
                      "upper": [np.inf, np.inf], "p": [0.9, 0.99]})
    res = plot_forest(t)
    lo, hi = res.axes["multivariable:plot"].get_xlim()
    assert np.isfinite(lo) and np.isfinite(hi) and lo > 0
    assert res.table["multivariable_text"].iloc[0].startswith("2.00")


@pytest.fixture(scope="module")
def competing(cohort_df):
    import warnings

    from lms_prognosis import fit_cause_specific, fit_fine_gray, simulate_cohort

    df = simulate_cohort(n=400, seed=5, competing_risks=True).data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_cause_specific(df, ["age", "grade"]), fit_fine_gray(df, ["age", "grade"])


def test_cause_specific_and_subdistribution_side_by_side(competing):
    cs, fg = competing
    res = plot_forest(cs, fine_gray=fg)
    tab = res.table
    hr1 = cs.hazard_ratios[cs.hazard_ratios["cause"] == 1]
    np.testing.assert_allclose(tab["cause_specific_hr"], hr1["hr"])
    np.testing.assert_allclose(tab["fine_gray_hr"], fg.hazard_ratios["hr"])
    left, right = res.axes["cause_specific:plot"], res.axes["fine_gray:plot"]
    assert left.get_title(loc="left") == "Cause-specific HR (cause 1)"
    assert right.get_title(loc="left") == "Subdistribution HR (Fine-Gray)"
    assert res.axes["fine_gray:hr"].get_title(loc="left") == "SHR (95% CI)"
    res.canvas.draw()
    assert left.get_position().x1 < right.get_position().x0
    assert left.get_xlim() == right.get_xlim()
    # the other cause on request
    res2 = plot_forest(cs, fine_gray=fg, cause=2)
    hr2 = cs.hazard_ratios[cs.hazard_ratios["cause"] == 2]
    np.testing.assert_allclose(res2.table["cause_specific_hr"], hr2["hr"])


def test_cause_specific_needs_a_cause(competing):
    cs, fg = competing
    with pytest.raises(PlotError, match="choose one"):
        plot_forest(cs)
    assert len(plot_forest(cs, cause=2).table) == 3
    with pytest.raises(PlotError, match="not both"):
        plot_forest(cs, univariable=cs.models[1], fine_gray=fg)
    assert plot_forest(fg).table["multivariable_hr"].tolist() == fg.hazard_ratios["hr"].tolist()
