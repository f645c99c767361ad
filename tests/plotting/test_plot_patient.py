"""plot_patient: curves and horizon values come from model.predict_survival."""

from __future__ import annotations

import numpy as np
import pytest

from lms_prognosis._format import format_percent
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
