"""plot_hazard draws what smoothed_hazard and the parametric fits report (headless)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import LineCollection

import lms_prognosis as lp
from lms_prognosis.exceptions import PlotError
from lms_prognosis.models import fit_parametric, select_distribution
from lms_prognosis.nonparametric.hazard import smoothed_hazard
from lms_prognosis.plotting.hazard import plot_hazard


def test_draws_smoothed_hazard_fits_and_every_event(cohort_df, tmp_path) -> None:
    km = lp.kaplan_meier(cohort_df)
    sel = select_distribution(cohort_df, [], distributions=["weibull", "lognormal"])
    res = plot_hazard(km, sel, horizon=180, late_after=60)
    main = res.axes["main"]
    sm = smoothed_hazard(km)
    drawn = res.table[res.table["curve"] == "smoothed"]
    np.testing.assert_allclose(drawn["hazard"], sm["hazard"])
    # one tick per event; the late ones counted in the title
    ticks = [c for c in main.collections if isinstance(c, LineCollection)]
    n_ticks = sum(len(c.get_segments()) for c in ticks)
    n_events = int(cohort_df["event"].eq(1).sum())
    n_late = int(((cohort_df["event"] == 1) & (cohort_df["time"] > 60)).sum())
    assert n_ticks == n_events + n_late
    assert res.annotation == f"{n_late} of {n_events} events after 60 months"
    # the fits are drawn as their marginal hazard, dotted past the follow-up
    for dist in ("weibull", "lognormal"):
        part = res.table[res.table["curve"] == dist]
        mh = sel.fits[dist].marginal_hazard(part["time"].to_numpy())
        np.testing.assert_allclose(part["hazard"], mh["hazard"])
    dotted = [
        ln
        for ln in main.get_lines()
        if ln.get_linestyle() == ":" and np.nanstd(np.asarray(ln.get_xdata(), dtype=float)) > 0
    ]
    assert len(dotted) == 2 and main.get_xlim() == (0.0, 180.0)
    res.savefig(tmp_path / "hazard.png")
    assert (tmp_path / "hazard.png").stat().st_size > 10_000


def test_single_fit_and_errors(cohort_df) -> None:
    km = lp.kaplan_meier(cohort_df)
    res = plot_hazard(km, fit_parametric(cohort_df, [], "weibull"), bandwidth=12)
    assert set(res.table["curve"]) == {"smoothed", "weibull"}
    with pytest.raises(PlotError, match="without group"):
        plot_hazard(lp.kaplan_meier(cohort_df, group="grade"))
    with pytest.raises(PlotError, match="fits must be"):
        plot_hazard(km, fits=3)
