"""Refitting a published model's baseline on a local cohort, keeping its linear predictor.

Used by :meth:`lms_prognosis.literature.PublishedModel.recalibrate`: the calibration slope
(a Cox model of the outcome on the linear predictor, :mod:`lms_prognosis.cox.slope`) and the
baseline of a Cox model with the linear predictor as a fixed offset
(:func:`~lms_prognosis.literature.baseline.offset_baseline`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lms_prognosis.cox.slope import calibration_slope
from lms_prognosis.literature.baseline import Baseline, offset_baseline
from lms_prognosis.literature.results import Recalibration


def refit_baseline(
    kind: str,
    t: np.ndarray,
    e: np.ndarray,
    lp: np.ndarray,
    *,
    source: str,
    ties: str,
    dropped: pd.DataFrame,
) -> tuple[Baseline, Recalibration]:
    """The refitted baseline and the :class:`Recalibration` result on follow-up ``t``, event
    codes ``e`` (1 = event) and linear predictor ``lp`` of the patients scored.

    For points systems (``kind="points"``) the slope is the per-point log HR and the offset is
    slope x points; for cox models the offset is the published linear predictor.
    """
    fit = calibration_slope(t, e, lp)
    off = lp * fit.slope if kind == "points" else lp
    what = (
        "the estimated per-point log HR x points"
        if kind == "points"
        else "the published linear predictor"
    )
    label = (
        f"{ties.capitalize()} estimator with {what} as offset, refitted on {source} "
        f"(n = {len(lp)}, events = {fit.n_events}); calibration slope by Cox "
        f"regression on the linear predictor (lms_prognosis.cox.slope)"
    )
    base = offset_baseline(t, e, off, label, ties=ties)
    recal = Recalibration(
        table=pd.DataFrame(
            {
                "time": base.times,
                "cumhaz": base.cumhaz,
                "surv": np.exp(-np.asarray(base.cumhaz)),
            }
        ),
        slope=fit.slope,
        slope_se=fit.se,
        n=len(lp),
        n_events=fit.n_events,
        dropped=dropped,
        ties=ties,
        source=source,
    )
    return base, recal
