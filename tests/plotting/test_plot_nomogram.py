"""plot_nomogram: axes = Points + covariates + Total + survival; readings equal predictions."""

from __future__ import annotations

import numpy as np
import pytest

from lms_prognosis.plotting import plot_nomogram
from lms_prognosis.plotting._layout import PlotError


def test_axis_count_and_kinds(cox):
    fig = plot_nomogram(cox, times=(60,))
    nomo = fig.nomogram
    assert len(nomo.axes) == len(cox.covariates) + 3  # Points, covariates, Total, 5-year
    assert [a["kind"] for a in nomo.axes] == (["points"] + ["covariate"] * len(
        cox.covariates) + ["total", "survival"])
    fig3 = plot_nomogram(cox)  # 1, 3 and 5 years
    assert len(fig3.nomogram.axes) == len(cox.covariates) + 2 + 3
    widths = [a["ticks"]["x"].max() - a["ticks"]["x"].min() for a in nomo.axes
              if a["kind"] == "covariate"]
    assert max(widths) <= 100 + 1e-9


def test_reading_the_nomogram_gives_the_model_prediction(cox):
    fig = plot_nomogram(cox)
    nomo = fig.nomogram
    pts = cox.data.iloc[:25]
    total = nomo.total_points(pts).to_numpy()
    assert total.min() >= -1e-9 and total.max() <= nomo.max_total + 1e-9
    for t in (12.0, 36.0, 60.0):
        got = nomo.survival(total, t)
        exp = cox.predict_survival(pts, [t])["surv"].to_numpy()
        np.testing.assert_allclose(got, exp, rtol=1e-9)
    # survival-axis tick positions invert to their survival values
    surv_axis = [a for a in nomo.axes if a["kind"] == "survival"][0]
    np.testing.assert_allclose(nomo.survival(surv_axis["ticks"]["total"].to_numpy(),
                                             surv_axis["time"]),
                               surv_axis["ticks"]["value"], rtol=1e-9)


def test_published_model():
    lit = pytest.importorskip("lms_prognosis.literature.models")
    model = lit.published_model("lms_default")
    fig = plot_nomogram(model, times=(60,))
    kinds = [a["kind"] for a in fig.nomogram.axes]
    assert kinds[0] == "points" and kinds[-2:] == ["total", "survival"]
    names = [a["name"] for a in fig.nomogram.axes]
    assert "grade" in names  # grade[2], grade[3] are one axis with levels 1, 2, 3


def test_rejects_other_objects():
    with pytest.raises(PlotError):
        plot_nomogram(object())
