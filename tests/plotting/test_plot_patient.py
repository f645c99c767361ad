"""plot_patient: curves and horizon values come from model.predict_survival."""

from __future__ import annotations

import numpy as np
import pytest

from lms_prognosis._format import format_percent
from lms_prognosis.exceptions import PlotError
from lms_prognosis.plotting import plot_patient


def test_horizon_values_equal_model_prediction(cox, cohort_df):
    pts = cox.data.iloc[[0, 3]]
    res = plot_patient(cox, pts, times=(12, 36, 60))
    got = res.table
    exp = cox.predict_survival(pts, [12, 36, 60])
    np.testing.assert_allclose(got["surv"], exp["surv"], rtol=1e-12)
    assert got["patient"].tolist() == exp["patient"].tolist()
    curve, table = res.axes["curve"], res.axes["table"]
    texts = [t.get_text() for t in table.texts]
    assert len(texts) == 6
    assert all(t.startswith(format_percent(s, 0)) for t, s in zip(texts, exp["surv"],
                                                                    strict=True))
    # markers at the horizons, one line per patient (+ horizon guides)
    markers = [ln for ln in curve.get_lines() if ln.get_marker() == "o"]
    assert len(markers) == 2
    np.testing.assert_allclose(markers[0].get_xdata(), [12, 36, 60])
    res.canvas.draw()
    for t in table.texts:
        x = t.get_position()[0]
        assert abs(table.transData.transform((x, 0))[0]
                   - curve.transData.transform((x, 0))[0]) < 0.5


def test_single_patient_series(cox):
    res = plot_patient(cox, cox.data.iloc[5], times=(60,))
    assert len(res.table) == 1


@pytest.mark.filterwarnings("ignore::pandas.errors.PerformanceWarning")
def test_published_model_without_ci(cohort_df):
    from lms_prognosis import published_model

    model = published_model("lms_default")
    pts = cohort_df.iloc[[0, 1]]
    res = plot_patient(model, pts, times=(12, 60), tmax=120, grid=np.linspace(0, 120, 25))
    exp = model.predict_survival(pts, [12, 60])
    np.testing.assert_allclose(res.table["surv"], exp["surv"])
    assert "lower" not in res.table  # no CI to draw or print
    assert all("(" not in t.get_text() for t in res.axes["table"].texts)


@pytest.fixture(scope="module")
def competing():
    import warnings

    import pandas as pd

    from lms_prognosis import fit_cause_specific, fit_fine_gray, simulate_cohort

    df = simulate_cohort(n=400, seed=5, competing_risks=True).data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cs = fit_cause_specific(df, ["age", "grade"])
        fg = fit_fine_gray(df, ["age", "grade"])
    pts = pd.DataFrame({"age": [50.0, 75.0],
                        "grade": pd.Categorical(["2", "3"], categories=["1", "2", "3"])},
                       index=["A", "B"])
    return cs, fg, pts


def test_absolute_risk_of_each_cause(competing):
    cs, _, pts = competing
    res = plot_patient(cs, pts, times=(12, 60), cause_labels={1: "LMS", 2: "other"})
    exp = cs.predict_cif(pts, [12, 60])
    got = res.table
    assert got[["patient", "cause", "time"]].values.tolist() == \
        exp[["patient", "cause", "time"]].values.tolist()
    np.testing.assert_allclose(got["cif"], exp["cif"], rtol=1e-12)
    np.testing.assert_allclose(got["upper"], exp["upper"], rtol=1e-12)
    curve, table = res.axes["curve"], res.axes["table"]
    assert len(table.texts) == 8  # 2 patients x 2 causes x 2 horizons
    assert [t.get_text() for t in table.get_yticklabels()] == \
        ["A, LMS", "A, other", "B, LMS", "B, other"]
    steps = [ln for ln in curve.get_lines() if ln.get_marker() != "o" and len(ln.get_xdata()) > 2]
    assert sorted({ln.get_linestyle() for ln in steps}) == ["-", "--"]
    legend = [t.get_text() for t in curve.get_legend().get_texts()]
    assert legend == ["A", "B", "LMS", "other"]
    assert max(ln.get_xdata()[-1] for ln in steps) == pytest.approx(cs.max_time)


def test_fine_gray_and_cause_selection(competing):
    cs, fg, pts = competing
    res = plot_patient(fg, pts, times=(36,))
    np.testing.assert_allclose(res.table["cif"], fg.predict_cif(pts, [36])["cif"], rtol=1e-12)
    assert res.axes["curve"].get_ylabel() == "Absolute risk of cause 1"
    only2 = plot_patient(cs, pts, times=(36,), causes=[2])
    assert set(only2.table["cause"]) == {2}
    with pytest.raises(PlotError, match="no cause"):
        plot_patient(fg, pts, causes=[2])
