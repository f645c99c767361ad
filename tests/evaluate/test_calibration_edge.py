"""calibration when no risk is predicted at the horizon: O/E is NA, not a ZeroDivisionError."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

import lms_prognosis as lp


def test_no_predicted_risk_gives_an_na_ratio() -> None:
    rng = np.random.default_rng(4)
    n = 200
    df = pd.DataFrame({"time": rng.uniform(1, 100, n), "event": rng.integers(0, 2, n)})
    surv = np.ones(n)  # predicted survival 1 at the horizon: no risk predicted for anyone
    cal = lp.calibration(surv, df, time_point=12)
    assert math.isnan(cal.oe)
