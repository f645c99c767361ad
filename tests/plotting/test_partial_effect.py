"""plot_partial_effect draws CoxResult.partial_effect: the drawn numbers are the result's."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from lms_prognosis.cox.fit import fit_cox  # noqa: E402
from lms_prognosis.exceptions import CoxError, PlotError  # noqa: E402
from lms_prognosis.plotting.partial_effect import plot_partial_effect  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "reference" / "data" / "cox_terms_lung.csv"


@pytest.fixture(scope="module")
def fit():
    lung = pd.read_csv(DATA)
    lung["ecog"] = lung["ecog"].map(lambda v: None if pd.isna(v) else str(int(v)))
    return fit_cox(lung, ["rcs(age, 4)", "sex", "ecog"])


def test_spline_curve_is_the_partial_effect(fit, tmp_path):
    res = plot_partial_effect(fit, "age", reference=60)
    ax = res.axes["main"]
    line = ax.get_lines()[0]
    pe = fit.partial_effect("age", reference=60)
    np.testing.assert_allclose(line.get_xdata(), pe.table["value"])
    np.testing.assert_allclose(line.get_ydata(), pe.table["hr"])
    pd.testing.assert_frame_equal(res.table, pe.table)
    assert ax.get_yscale() == "log"
    assert ax.get_title(loc="left").startswith("rcs(age, 4): p")
    assert "age = 60" in ax.get_ylabel()
    # HR is exactly 1 at the reference
    at_ref = fit.partial_effect("age", [60], reference=60).table
    assert at_ref["hr"].iloc[0] == pytest.approx(1.0) and at_ref["se"].iloc[0] == 0
    res.savefig(tmp_path / "pe.png")
    assert (tmp_path / "pe.png").stat().st_size > 0
    plt.close(res.figure)


def test_factor_is_drawn_as_points(fit):
    res = plot_partial_effect(fit, "ecog")
    ax = res.axes["main"]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["0", "1", "2"]
    assert res.table["hr"].iloc[0] == pytest.approx(1.0)
    plt.close(res.figure)


def test_draws_in_a_given_axes_and_refuses_bad_input(fit):
    fig, ax = plt.subplots()
    res = plot_partial_effect(fit, "age", ax=ax, n=20)
    assert res.axes["main"] is ax and len(res.table) == 20
    with pytest.raises(CoxError, match="not a variable of the model"):
        plot_partial_effect(fit, "wt_loss", ax=ax)
    with pytest.raises(PlotError, match="needs a Cox fit"):
        plot_partial_effect(object(), "age")
    plt.close(fig)
