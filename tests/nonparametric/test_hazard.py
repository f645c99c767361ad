"""The kernel-smoothed hazard against lifelines' NelsonAalenFitter.smoothed_hazard_.

lifelines with ``nelson_aalen_smoothing=False`` uses the increments d / n at the event times
and the Epanechnikov kernel, the estimator of ``smoothed_hazard``; it is an independent
implementation computed from the raw data, not from ``km.table``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines import NelsonAalenFitter

from lms_prognosis.exceptions import SurvivalDataError
from lms_prognosis.nonparametric import kaplan_meier
from lms_prognosis.nonparametric.hazard import smoothed_hazard

REF_DIR = Path(__file__).parents[1] / "reference"


@pytest.mark.parametrize(("data", "bandwidth"), [("lung", 60.0), ("lung_tied", 3.0)])
def test_equals_lifelines_smoothed_hazard(data: str, bandwidth: float) -> None:
    df = pd.read_csv(REF_DIR / "data" / f"{data}.csv")
    naf = NelsonAalenFitter(nelson_aalen_smoothing=False).fit(df["time"], df["event"])
    theirs = naf.smoothed_hazard_(bandwidth)
    ours = smoothed_hazard(kaplan_meier(df), bandwidth, times=theirs.index.to_numpy())
    np.testing.assert_allclose(ours["hazard"], theirs.iloc[:, 0], rtol=1e-10, atol=1e-14)


def test_default_bandwidth_and_boundary_flags() -> None:
    df = pd.read_csv(REF_DIR / "data" / "lung.csv")
    km = kaplan_meier(df, group="sex")
    out = smoothed_hazard(km)
    for label, sub in out.groupby("group"):
        rows = df[df["sex"] == label]
        b = rows["time"].max() / (8 * rows["event"].sum() ** 0.2)  # muhaz's bw.pilot
        assert sub["bandwidth"].iloc[0] == pytest.approx(b)
        last_event = rows.loc[rows["event"] == 1, "time"].max()
        assert sub["time"].max() == last_event
        inner = (sub["time"] >= b) & (sub["time"] <= last_event - b)
        assert (sub["boundary"] == ~inner).all()


def test_constant_hazard_is_recovered() -> None:
    # exponential times, no censoring: the smoothed hazard is near the true rate mid-range
    rng = np.random.default_rng(11)
    df = pd.DataFrame({"time": rng.exponential(1 / 0.05, 4000), "event": 1})
    out = smoothed_hazard(kaplan_meier(df), bandwidth=5.0, times=[10.0, 20.0, 30.0])
    np.testing.assert_allclose(out["hazard"], 0.05, rtol=0.15)


def test_errors() -> None:
    df = pd.DataFrame({"time": [1.0, 2.0], "event": [0, 0]})
    with pytest.raises(SurvivalDataError, match="no events"):
        smoothed_hazard(kaplan_meier(df))
    with pytest.raises(SurvivalDataError, match="bandwidth"):
        smoothed_hazard(kaplan_meier(df.assign(event=1)), bandwidth=0)
