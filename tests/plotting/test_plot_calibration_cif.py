"""plot_calibration of a cumulative-incidence calibration (competing risks): the observed axis
names the Aalen-Johansen estimate and the cause."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import lms_prognosis as lp  # noqa: E402
from lms_prognosis.plotting import plot_calibration  # noqa: E402


def test_cif_calibration_axis_says_aalen_johansen(tmp_path) -> None:
    d = lp.simulate_cohort(n=400, seed=3, competing_risks=True).data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fg = lp.fit_fine_gray(d, ["age", "grade", "size_cm"])
    cal = lp.calibration(fg, d, time_point=60, cause=1)
    res = plot_calibration(cal)
    ylabel = res.axes["main"].get_ylabel()
    assert "Aalen-Johansen" in ylabel and "Kaplan-Meier" not in ylabel
    assert "cumulative incidence of cause 1" in ylabel
    assert "cumulative incidence of cause 1" in res.axes["hist"].get_xlabel()
    assert "Slope" not in res.annotation  # no slope on this scale (NaN)
    res.figure.savefig(tmp_path / "cif_calibration.png", dpi=120)
    assert (tmp_path / "cif_calibration.png").stat().st_size > 0


def test_survival_calibration_axis_still_says_kaplan_meier() -> None:
    d = lp.simulate_cohort(n=400, seed=3).data
    cal = lp.calibration(
        lp.fit_cox(d.dropna(subset=["age", "size_cm"]), ["age", "size_cm"]),
        d.dropna(subset=["age", "size_cm"]),
        time_point=60,
    )
    ylabel = plot_calibration(cal).axes["main"].get_ylabel()
    assert "Kaplan-Meier" in ylabel and "Aalen-Johansen" not in ylabel
