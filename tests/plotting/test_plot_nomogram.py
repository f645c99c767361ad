"""Nomogram: the scales (cox.nomogram) give the model's predictions; the plot draws them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lms_prognosis import published_model
from lms_prognosis.cox.nomogram import NomogramScales, nomogram_scales
from lms_prognosis.exceptions import ColumnNotFoundError, ModelError
from lms_prognosis.plotting import plot_nomogram

# tests of lms_prognosis.cox.nomogram (the statistics) ------------------------------------


def test_scales_read_back_the_cox_prediction(cox):
    sc = nomogram_scales(cox, times=(12, 36, 60))
    pts = cox.data.iloc[:25]
    total = sc.total_points(pts).to_numpy()
    assert total.min() >= -1e-9 and total.max() <= sc.max_total + 1e-9
    for t in (12.0, 36.0, 60.0):
        exp = cox.predict_survival(pts, [t])["surv"].to_numpy()
        np.testing.assert_allclose(sc.predict_survival(total, t), exp, rtol=1e-9)
    # the total-points scale is the linear predictor, shifted and scaled
    lp = cox.predict_risk(pts)["linear_predictor"].to_numpy()
    np.testing.assert_allclose(sc.lp_reference + total / sc.points_per_unit, lp, atol=1e-9)
    # each survival-scale point inverts to its survival value
    for t, sub in sc.survival.groupby("time"):
        np.testing.assert_allclose(sc.predict_survival(sub["points"].to_numpy(), t),
                                   sub["surv"], rtol=1e-9)


def test_scales_as_data(cox):
    sc = nomogram_scales(cox, times=(60,))
    assert isinstance(sc, NomogramScales)
    assert sc.points["variable"].unique().tolist() == cox.covariates
    levels = sc.points[sc.points["kind"] == "levels"]
    assert levels.groupby("variable")["points"].min().abs().max() < 1e-9  # reference = 0
    widest = sc.variables.apply(
        lambda r: (r["points_upper"] - r["points_lower"]) if r["kind"] == "numeric" else
        np.ptp(sc.points.loc[sc.points["variable"] == r["variable"], "points"]), axis=1)
    assert widest.max() == pytest.approx(100.0)
    assert sc.max_total == pytest.approx(widest.sum())
    assert set(sc.table["kind"]) == {"numeric", "levels", "total", "survival"}
    assert sc.times == [60.0]
    assert "points per unit" in repr(sc)


def test_scales_errors(cox):
    with pytest.raises(ModelError):
        nomogram_scales(object())
    with pytest.raises(ColumnNotFoundError):
        nomogram_scales(cox).total_points(pd.DataFrame({"age": [50.0]}))
    with pytest.raises(ModelError, match="not among levels"):
        nomogram_scales(cox).total_points(cox.data.iloc[:1].assign(necrosis="lots"))


def test_published_scales():
    model = published_model("lms_default")
    sc = nomogram_scales(model, times=(60,))
    grade = sc.points[sc.points["variable"] == "grade"]
    assert grade["label"].tolist() == ["1", "2", "3"]
    b = model.coefficients
    k = sc.points_per_unit
    np.testing.assert_allclose(grade["points"], [0.0, b["grade[2]"] * k, b["grade[3]"] * k])


# tests of plot_nomogram (the drawing) ------------------------------------------------------


def test_axis_count_and_kinds(cox):
    res = plot_nomogram(cox, times=(60,))
    nomo = res.nomogram
    assert len(nomo.axes) == len(cox.covariates) + 3  # Points, covariates, Total, 5-year
    assert [a["kind"] for a in nomo.axes] == (["points"] + ["covariate"] * len(
        cox.covariates) + ["total", "survival"])
    res3 = plot_nomogram(cox)  # 1, 3 and 5 years
    assert len(res3.nomogram.axes) == len(cox.covariates) + 2 + 3
    widths = [a["ticks"]["x"].max() - a["ticks"]["x"].min() for a in nomo.axes
              if a["kind"] == "covariate"]
    assert max(widths) <= 100 + 1e-9
    pd.testing.assert_frame_equal(res.table, nomo.table)


def test_drawn_ticks_are_the_scales(cox):
    res = plot_nomogram(cox)
    nomo, sc = res.nomogram, res.nomogram.scales
    for a in nomo.axes:
        if a["kind"] == "covariate" and a["name"] == "age":
            scale = sc.points[sc.points["variable"] == "age"].set_index("label")["points"]
            np.testing.assert_allclose(a["ticks"]["x"], scale.loc[a["ticks"]["label"]])
        if a["kind"] == "survival":
            sv = sc.survival[sc.survival["time"] == a["time"]].set_index("surv")["points"]
            np.testing.assert_allclose(a["ticks"]["total"], sv.loc[a["ticks"]["value"]])
            np.testing.assert_allclose(a["ticks"]["x"], a["ticks"]["total"] * 100 / sc.max_total)
    # reading the drawn nomogram gives the model's prediction
    pts = cox.data.iloc[:10]
    np.testing.assert_allclose(nomo.survival(nomo.total_points(pts).to_numpy(), 60.0),
                               cox.predict_survival(pts, [60.0])["surv"], rtol=1e-9)
    # scales computed beforehand draw the same figure
    again = plot_nomogram(sc)
    pd.testing.assert_frame_equal(again.table, res.table)


def test_published_model():
    model = published_model("lms_default")
    res = plot_nomogram(model, times=(60,))
    kinds = [a["kind"] for a in res.nomogram.axes]
    assert kinds[0] == "points" and kinds[-2:] == ["total", "survival"]
    names = [a["name"] for a in res.nomogram.axes]
    assert "grade" in names  # grade[2], grade[3] are one axis with levels 1, 2, 3


def test_rejects_other_objects():
    with pytest.raises(ModelError):
        plot_nomogram(object())
